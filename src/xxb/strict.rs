//! Strict validation: what the real server accepts but mishandles silently, or what breaks the
//! documented contract. This module decides *when* a rule is broken, from plain data (the decoded
//! body, the chat, the users the server knows); `xxb::findings` says what each rule tells the user.
//! Strict mode rejects the request with the first [`Violation`]'s message (after every check of
//! the real server has passed, so the real server's answer always wins); faithful mode accepts it
//! and journals the same violations as warnings.

use super::body::SendBody;
use super::findings;
use crate::config::ValidationMode;
use crate::domain::{Chat, ChatType, Finding, Severity};
use crate::mysql;
use crate::php::value::is_numeric;
use serde_json::Value;

pub use super::findings::Violation;

/// The action `type`s the docs list.
pub const ACTION_TYPES: [&str; 7] = [
    "primary",
    "success",
    "danger",
    "warning",
    "info",
    "important",
    "special",
];

/// Journals `violations` and, in strict mode, returns the one that rejects the request.
pub fn enforce(
    mode: ValidationMode,
    violations: Vec<Violation>,
    findings: &mut Vec<Finding>,
) -> Option<Violation> {
    let severity = match mode {
        ValidationMode::Strict => Severity::Error,
        ValidationMode::Faithful => Severity::Warning,
    };
    findings.extend(violations.iter().map(|v| v.finding(severity)));
    match mode {
        ValidationMode::Strict => violations.into_iter().next(),
        ValidationMode::Faithful => None,
    }
}

/// The rules on `users` of sendNotification; `unknown` lists the entries that match nobody.
pub fn users_rules(users: Option<&Value>, unknown: &[String]) -> Vec<Violation> {
    let list = match users {
        Some(Value::Array(list)) => list,
        other => return vec![findings::users_not_array(other)],
    };
    let mut found = Vec::new();
    let numeric = list.iter().filter(|u| is_numeric(u)).count();
    if numeric > 0 && numeric < list.len() {
        found.push(findings::users_mixed());
    }
    if !unknown.is_empty() {
        found.push(findings::unknown_users(unknown));
    }
    found
}

/// The rules on the fields both send methods share.
pub fn message_rules(body: &SendBody) -> Vec<Violation> {
    let mut found = Vec::new();
    for field in ["title", "subtitle", "content", "url"] {
        if let Some(value) = body.get(field).filter(|v| !v.is_string()) {
            found.push(findings::not_a_string(field, value));
        }
    }
    match body.get("contentType") {
        Some(Value::String(t)) if t == "plain" || t == "text" => {}
        other => found.push(findings::content_type(other)),
    }
    match body.get("actions") {
        None | Some(Value::Null) => {}
        Some(Value::Array(actions)) => {
            for (i, action) in actions.iter().enumerate() {
                let has = |name: &str| {
                    action
                        .get(name)
                        .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
                };
                if !has("label") || !has("url") {
                    found.push(findings::action_invalid(i));
                }
            }
        }
        Some(other) => found.push(findings::actions_not_array(other)),
    }
    let sender = body.get("sender");
    let sender_ok = sender.and_then(Value::as_object).is_some_and(|s| {
        let present = |name: &str| {
            s.get(name)
                .is_some_and(|v| !matches!(v, Value::Null) && v != "")
        };
        present("id") && present("avatar")
    });
    if !sender_ok {
        found.push(findings::sender_invalid(sender));
    }
    if mysql::loses_characters(&body.text("content")) {
        found.push(findings::characters_lost());
    }
    found
}

/// The rules on the chat of sendChatMessage.
pub fn chat_rules(gid: &str, chat: Option<&Chat>) -> Vec<Violation> {
    let violation = match chat {
        None => findings::unknown_chat(gid),
        Some(c) if c.dismissed => findings::chat_dismissed(gid),
        Some(c) if c.chat_type != ChatType::Group => findings::chat_not_group(gid, c.chat_type),
        Some(_) => return Vec::new(),
    };
    vec![violation]
}

/// Suspicious but allowed in both modes: warnings only.
pub fn warnings(body: &SendBody) -> Vec<Finding> {
    let mut found = Vec::new();
    if let Some(Value::Array(actions)) = body.get("actions") {
        for (i, action) in actions.iter().enumerate() {
            if let Some(t) = action.get("type").and_then(Value::as_str) {
                if !ACTION_TYPES.contains(&t) {
                    found.push(findings::action_type(i, t));
                }
            }
            check_url(&mut found, &format!("actions[{i}].url"), action.get("url"));
        }
    }
    check_url(&mut found, "url", body.get("url"));
    if let Some(sender) = body.get("sender").and_then(Value::as_object) {
        let named = sender
            .get("name")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty());
        if !named {
            found.push(findings::sender_without_name());
        }
    }
    found
}

fn check_url(found: &mut Vec<Finding>, field: &str, url: Option<&Value>) {
    let Some(url) = url.and_then(Value::as_str).filter(|u| !u.is_empty()) else {
        return;
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        found.push(findings::url_not_absolute(field, url));
    }
}

/// A warning when a chat that is posted to is archived.
pub fn archived_warning(chat: Option<&Chat>) -> Option<Finding> {
    chat.filter(|c| c.archived)
        .map(|c| findings::chat_archived(&c.gid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.code.as_str()).collect()
    }

    #[test]
    fn users_rules() {
        assert!(super::users_rules(Some(&json!([1, 3])), &[]).is_empty());
        assert_eq!(
            codes(&super::users_rules(Some(&json!([1, "lisi"])), &[])),
            ["users_mixed"]
        );
        assert_eq!(
            codes(&super::users_rules(Some(&json!("gid")), &[])),
            ["users_not_array"]
        );
        assert_eq!(
            codes(&super::users_rules(Some(&json!([9])), &["9".into()])),
            ["unknown_users"]
        );
    }

    #[test]
    fn message_rules() {
        let ok = SendBody::parse(br#"{"title":"t","contentType":"text","sender":{"id":1,"avatar":"a"},"actions":[{"label":"l","url":"u"}]}"#);
        assert!(super::message_rules(&ok).is_empty());
        let bad = SendBody::parse(
            r#"{"title":1,"contentType":"markdown","sender":"bot","actions":{},"content":"x😀"}"#
                .as_bytes(),
        );
        assert_eq!(
            codes(&super::message_rules(&bad)),
            [
                "not_a_string",
                "content_type",
                "actions_not_array",
                "sender_invalid",
                "characters_lost"
            ]
        );
        let bad = SendBody::parse(br#"{"title":"t","sender":{"id":1},"actions":[{"label":"l"}]}"#);
        assert_eq!(
            codes(&super::message_rules(&bad)),
            ["content_type", "action_invalid", "sender_invalid"]
        );
    }

    #[test]
    fn warnings() {
        let body = SendBody::parse(br#"{"url":"/x","sender":{"id":1},"actions":[{"label":"l","url":"ftp://x","type":"normal"}]}"#);
        let codes: Vec<&str> = super::warnings(&body)
            .into_iter()
            .map(|f| f.code.as_str())
            .collect();
        assert_eq!(
            codes,
            [
                "action_type",
                "url_not_absolute",
                "url_not_absolute",
                "sender_without_name"
            ]
        );
    }
}

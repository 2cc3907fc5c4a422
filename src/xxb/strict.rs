//! Strict validation: what the real server accepts but mishandles silently, or what breaks the
//! documented contract. Each rule is a [`Violation`]; strict mode rejects the request with its
//! message (after every check of the real server has passed, so the real server's answer always wins),
//! faithful mode accepts it and journals the same violation as a warning.

use super::body::SendBody;
use super::lang::Lang;
use crate::config::ValidationMode;
use crate::domain::{Chat, ChatType, Finding, Severity};
use crate::mysql;
use crate::php::value::is_numeric;
use serde_json::Value;

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

/// A broken rule: a stable code, the rejection message in Chinese and English, what the real
/// server would do, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub zh: String,
    pub en: String,
    /// What the real server does with such a request.
    pub upstream: String,
    pub hint: String,
}

impl Violation {
    fn new(code: &'static str, zh: String, en: String, upstream: &str, hint: &str) -> Self {
        Violation {
            code,
            zh,
            en,
            upstream: upstream.into(),
            hint: hint.into(),
        }
    }

    /// The strict rejection message: Chinese for zh-cn and zh-tw, English otherwise.
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::ZhCn | Lang::ZhTw => &self.zh,
            Lang::En | Lang::De | Lang::Fr => &self.en,
        }
    }

    /// The journal finding: an error when it rejected the request, a warning when it did not.
    pub fn finding(&self, severity: Severity) -> Finding {
        let message = format!("{} {}", self.en, self.upstream);
        match severity {
            Severity::Error => Finding::error(self.code, message, self.hint.clone()),
            Severity::Warning => Finding::warning(self.code, message, self.hint.clone()),
        }
    }
}

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
    let mut found = Vec::new();
    match users {
        Some(Value::Array(list)) => {
            let numeric = list.iter().filter(|u| is_numeric(u)).count();
            if numeric > 0 && numeric < list.len() {
                found.push(Violation::new(
                    "users_mixed",
                    "users 不能混用用户 ID 和账号".into(),
                    "`users` mixes user ids and accounts.".into(),
                    "The real server matches every entry as an id when the first one is numeric, as an account otherwise, and drops the rest silently.",
                    "Use only ids ([1, 3]) or only accounts ([\"admin\", \"zhangsan\"]).",
                ));
            }
            if !unknown.is_empty() {
                let list = unknown.join(", ");
                found.push(Violation::new(
                    "unknown_users",
                    format!("users 中有不存在的用户：{list}"),
                    format!("`users` names unknown users: {list}."),
                    "The real server drops them silently and answers success.",
                    "Use existing ids or accounts (GET /__inspect/state lists them).",
                ));
            }
        }
        other => {
            let shown = other.map(Value::to_string).unwrap_or_default();
            found.push(Violation::new(
                "users_not_array",
                format!("users 必须是用户 ID 或账号组成的数组，而不是 {shown}"),
                format!("`users` must be an array of user ids or accounts, not {shown}."),
                "The real server takes a non-array `users` as a chat gid (an upstream bug): that chat's members, or every user if it has none.",
                "Send `users` as an array, e.g. [1, 3] or [\"admin\"]; use sendChatMessage to post into a chat.",
            ));
        }
    }
    found
}

/// The rules on the fields both send methods share.
pub fn message_rules(body: &SendBody) -> Vec<Violation> {
    let mut found = Vec::new();
    for field in ["title", "subtitle", "content", "url"] {
        if let Some(value) = body.get(field).filter(|v| !v.is_string()) {
            found.push(Violation::new(
                "not_a_string",
                format!("{field} 必须是字符串，而不是 {value}"),
                format!("`{field}` must be a string, not {value}."),
                "The real server stores it as it is (or as PHP casts it), and clients may fail to show it.",
                "Send the field as a JSON string.",
            ));
        }
    }
    match body.get("contentType") {
        Some(Value::String(t)) if t == "plain" || t == "text" => {}
        other => {
            let shown = other.map_or("nothing".to_string(), Value::to_string);
            found.push(Violation::new(
                "content_type",
                format!("contentType 必须是 \"text\"（Markdown）或 \"plain\"，而不是 {shown}"),
                format!("`contentType` must be \"text\" (Markdown) or \"plain\", not {shown}."),
                "The real server stores a missing or empty one as `text` and any value outside its enum as \"\", which clients cannot render.",
                "Set \"contentType\": \"text\" for Markdown or \"plain\" for plain text.",
            ));
        }
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
                    found.push(Violation::new(
                        "action_invalid",
                        format!("actions[{i}] 必须是含 label 和 url 的对象"),
                        format!("actions[{i}] must be an object with a `label` and a `url`."),
                        "The real server stores it as it is; clients show a broken button or none.",
                        "Give each action {\"label\": \"...\", \"url\": \"https://...\"} (and optionally `icon`, `type`).",
                    ));
                }
            }
        }
        Some(other) => found.push(Violation::new(
            "actions_not_array",
            format!("actions 必须是数组，而不是 {other}"),
            format!("`actions` must be an array, not {other}."),
            "The real server stores it as it is; clients show no buttons.",
            "Send `actions` as an array of {label, url, type?, icon?} objects.",
        )),
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
        let shown = sender.map(Value::to_string).unwrap_or_default();
        found.push(Violation::new(
            "sender_invalid",
            format!("sender 必须是含 id 和 avatar 的对象，而不是 {shown}"),
            format!("`sender` must be an object with an `id` and an `avatar`, not {shown}."),
            "The real server accepts any non-empty sender, and clients show the notification without a usable sender.",
            "Send \"sender\": {\"id\": \"your-app\", \"name\": \"Your App\", \"avatar\": \"https://.../logo.png\"}.",
        ));
    }
    let content = body.text("content");
    if mysql::loses_characters(&content) {
        found.push(Violation::new(
            "characters_lost",
            "content 含有 U+FFFF 以上的字符（如 emoji），服务器会把每个存为 ????".into(),
            "`content` has characters above U+FFFF (emoji); the server's utf8 column stores each as `????`.".into(),
            "The real server accepts it and stores `????` in their place.",
            "Avoid emoji in `content`; they survive in `title`, `subtitle` and `url`.",
        ));
    }
    found
}

/// The rules on the chat of sendChatMessage.
pub fn chat_rules(gid: &str, chat: Option<&Chat>) -> Vec<Violation> {
    let violation = match chat {
        None => Violation::new(
            "unknown_chat",
            format!("讨论组 {gid} 不存在"),
            format!("There is no chat {gid:?}."),
            "The real server then delivers the message to every user who is not deleted.",
            "Use a gid from getGroupChats.",
        ),
        Some(c) if c.dismissed => Violation::new(
            "chat_dismissed",
            format!("讨论组 {gid} 已解散"),
            format!("The chat {gid:?} is dismissed."),
            "The real server still posts into it; nobody reads a dismissed chat.",
            "Post to an active group from getGroupChats.",
        ),
        Some(c) if c.chat_type != ChatType::Group => Violation::new(
            "chat_not_group",
            format!("{gid} 不是讨论组（类型为 {}）", c.chat_type),
            format!(
                "The chat {gid:?} is not a group (its type is {}).",
                c.chat_type
            ),
            "The real server posts into any chat, one-to-one and system chats included.",
            "Use sendNotification for individual users, or a group gid from getGroupChats.",
        ),
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
                    found.push(Finding::warning(
                        "action_type",
                        format!("actions[{i}].type is {t:?}, which is not one of {}; clients show a default button.", ACTION_TYPES.join(", ")),
                        "Use one of the listed types (the docs' own example uses `normal`, which is not one of them).",
                    ));
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
            found.push(Finding::warning(
                "sender_without_name",
                "`sender` has no `name`; clients show the notification without a sender name.",
                "Add \"name\" to `sender`.",
            ));
        }
    }
    found
}

fn check_url(found: &mut Vec<Finding>, field: &str, url: Option<&Value>) {
    let Some(url) = url.and_then(Value::as_str).filter(|u| !u.is_empty()) else {
        return;
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        found.push(Finding::warning(
            "url_not_absolute",
            format!("`{field}` is {url:?}, not an absolute http(s) URL; XXB clients open it relative to nothing."),
            "Use a full URL such as https://example.com/path.",
        ));
    }
}

/// A warning when a chat that is posted to is archived.
pub fn archived_warning(chat: Option<&Chat>) -> Option<Finding> {
    chat.filter(|c| c.archived).map(|c| {
        Finding::warning(
            "chat_archived",
            format!(
                "The chat {:?} is archived; the message is stored but its members may not see it.",
                c.gid
            ),
            "Post to an active group, or unarchive the chat.",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn codes(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.code).collect()
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
    fn messages_follow_the_language() {
        let v = &super::users_rules(Some(&json!("x")), &[])[0];
        assert!(v.message(Lang::ZhTw).starts_with("users 必须"));
        assert!(v.message(Lang::De).starts_with("`users` must"));
    }

    #[test]
    fn warnings() {
        let body = SendBody::parse(br#"{"url":"/x","sender":{"id":1},"actions":[{"label":"l","url":"ftp://x","type":"normal"}]}"#);
        let codes: Vec<String> = super::warnings(&body).into_iter().map(|f| f.code).collect();
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

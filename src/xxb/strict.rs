//! Strict validation: what the real server accepts but mishandles silently, or what breaks the
//! documented contract. This module decides *when* a rule is broken, from plain data (the decoded
//! body, the chat, the users the server knows); `xxb::findings` says what each rule tells the user.
//! Strict mode rejects the request with the first [`Violation`]'s message (after every check of
//! the real server has passed, so the real server's answer always wins); faithful mode accepts it
//! and journals the same violations as warnings.

use super::body::SendBody;
use super::findings;
use super::methods::Built;
use crate::config::ValidationMode;
use crate::domain::{Account, Chat, ChatType, Directory, Finding, Severity};
use crate::mysql::cast::{integer_equal_to, string_to_double};
use crate::mysql::Charset;
use crate::php::value::{is_numeric, to_php_string};
use crate::suggest;
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

/// The rules on `users` of sendNotification. `unmatched` are the entries of an array `users` that
/// the server matched to nobody; `directory` holds every user the server knows (deleted ones
/// included), read only when `unmatched` is not empty, under `charset`'s comparison.
///
/// The server reads every entry as the first one's kind (an id when it is numeric, an account
/// otherwise). So an unmatched entry of the other kind is dropped by the mixed list, and is also
/// unknown only when it names nobody in its own kind either (`zhangsan` in `[1, "zhangsan"]` is
/// dropped, not unknown); an unmatched entry of the first one's kind is unknown. An unknown account
/// comes with the nearest known one.
pub fn users_rules(
    users: Option<&Value>,
    unmatched: &[&Value],
    directory: &Directory,
    charset: Charset,
) -> Vec<Violation> {
    let list = match users {
        Some(Value::Array(list)) => list,
        other => return vec![findings::users_not_array(other)],
    };
    let mut found = Vec::new();
    let by_id = list.first().is_some_and(is_numeric);
    let numeric = list.iter().filter(|u| is_numeric(u)).count();
    let other_kind = |entry: &Value| is_numeric(entry) != by_id;
    if numeric > 0 && numeric < list.len() {
        let dropped: Vec<&Value> = unmatched
            .iter()
            .copied()
            .filter(|e| other_kind(e))
            .collect();
        found.push(findings::users_mixed(by_id, &dropped));
    }
    if !unmatched.is_empty() {
        let accounts: Vec<&str> = directory
            .users()
            .iter()
            .map(|u| u.account.as_str())
            .collect();
        // Whether the entry names someone in its own kind: an id as MariaDB casts it, an account
        // as it compares it.
        let names_someone = |entry: &Value| match as_user_id(entry) {
            Some(id) => directory.user(id).is_some(),
            None => to_php_string(entry)
                .is_some_and(|a| directory.has_account(&Account::sought(&a, charset))),
        };
        let unknown: Vec<(&Value, Option<&str>)> = unmatched
            .iter()
            .copied()
            .filter(|e| !other_kind(e) || !names_someone(e))
            .map(|e| (e, nearest_account(e, &accounts)))
            .collect();
        if !unknown.is_empty() {
            found.push(findings::unknown_users(&unknown));
        }
    }
    found
}

/// The id a numeric entry names, compared as MySQL compares an integer column (`"3"` and `3.0`
/// are 3); `None` for an entry that is not numeric or not a whole number.
fn as_user_id(entry: &Value) -> Option<i64> {
    if !is_numeric(entry) {
        return None;
    }
    integer_equal_to(string_to_double(&to_php_string(entry)?))
}

/// The known account an unknown account entry is probably a typo of: at most one edit away for
/// short names, two for longer ones.
fn nearest_account<'a>(entry: &Value, accounts: &[&'a str]) -> Option<&'a str> {
    if is_numeric(entry) {
        return None;
    }
    let typed = to_php_string(entry)?;
    let max = if typed.chars().count() <= 4 { 1 } else { 2 };
    suggest::closest(&typed, accounts.iter().copied(), max)
}

/// The keys an action object has.
pub const ACTION_KEYS: [&str; 4] = ["label", "url", "type", "icon"];

/// The rules on the fields both send methods share; `charset` is the emulated tables' (characters
/// above U+FFFF are lost only in `utf8`).
pub fn message_rules(body: &SendBody, charset: Charset) -> Vec<Violation> {
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
                for key in action.as_object().into_iter().flat_map(|a| a.keys()) {
                    if !ACTION_KEYS.contains(&key.as_str()) {
                        found.push(findings::action_unknown_key(
                            i,
                            key,
                            nearest_action_key(key),
                        ));
                    }
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
    if charset.loses_characters(&body.text("content")) {
        found.push(findings::characters_lost());
    }
    found
}

/// The known action key an unknown one probably meant: one it contains or is contained in,
/// without regard to case (`actionType` is `type`), else one at most two edits away (`lable`).
fn nearest_action_key(key: &str) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    ACTION_KEYS
        .iter()
        .copied()
        .find(|known| lower.contains(known) || (lower.len() > 1 && known.contains(&lower)))
        .or_else(|| suggest::closest(&lower, ACTION_KEYS, 2))
}

/// The rules on what the message's columns keep: `content` and the `data` JSON over 65,535 bytes
/// are cut.
pub fn storage_rules(built: &Built) -> Vec<Violation> {
    let mut found = Vec::new();
    if let Some(bytes) = built.content_cut_from {
        found.push(findings::too_long("content", bytes));
    }
    if let Some(bytes) = built.data_cut_from {
        found.push(findings::too_long("data", bytes));
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
            check_url(
                &mut found,
                || format!("actions[{i}].url"),
                action.get("url"),
            );
        }
    }
    check_url(&mut found, || "url".to_string(), body.get("url"));
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

/// A warning when `url` is not absolute; `field` names it (made only then).
fn check_url(found: &mut Vec<Finding>, field: impl FnOnce() -> String, url: Option<&Value>) {
    let Some(url) = url.and_then(Value::as_str).filter(|u| !u.is_empty()) else {
        return;
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        found.push(findings::url_not_absolute(&field(), url));
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
    use crate::domain::{Role, User};
    use crate::xxb::lang::Lang;
    use serde_json::json;

    fn codes(v: &[Violation]) -> Vec<&str> {
        v.iter().map(|v| v.code.as_str()).collect()
    }

    fn user(id: i64, account: &str) -> User {
        User {
            id,
            account: account.into(),
            realname: account.into(),
            avatar: String::new(),
            deleted: false,
            admin: Role::No,
        }
    }

    fn directory() -> Directory {
        Directory::new(
            vec![user(1, "admin"), user(3, "zhangsan"), user(4, "lisi")],
            Vec::new(),
            Vec::new(),
        )
    }

    #[test]
    fn users_rules() {
        let known = directory();
        let rules = |users: Value, unmatched: &[Value]| {
            let unmatched: Vec<&Value> = unmatched.iter().collect();
            super::users_rules(Some(&users), &unmatched, &known, Charset::Utf8)
        };
        assert!(rules(json!([1, 3]), &[]).is_empty());
        assert_eq!(codes(&rules(json!("gid"), &[])), ["users_not_array"]);
        assert_eq!(codes(&rules(json!([9]), &[json!(9)])), ["unknown_users"]);
        assert_eq!(
            codes(&rules(json!(["nobody"]), &[json!("nobody")])),
            ["unknown_users"]
        );
    }

    #[test]
    fn a_mixed_list_reports_the_dropped_entries_not_as_unknown() {
        let known = directory();
        let zhangsan = json!("zhangsan");
        let v = super::users_rules(
            Some(&json!([1, "zhangsan"])),
            &[&zhangsan],
            &known,
            Charset::Utf8,
        );
        assert_eq!(codes(&v), ["users_mixed"]);
        assert!(
            v[0].message(Lang::En)
                .ends_with("so it drops \"zhangsan\"."),
            "{v:?}"
        );
        // An account list with an id: 3 is dropped, and user 3 exists.
        let three = json!(3);
        let v = super::users_rules(Some(&json!(["admin", 3])), &[&three], &known, Charset::Utf8);
        assert_eq!(codes(&v), ["users_mixed"]);
        // "3abc" is matched as id 3 by MySQL: mixed, but nothing dropped.
        let v = super::users_rules(Some(&json!([1, "3abc"])), &[], &known, Charset::Utf8);
        assert_eq!(codes(&v), ["users_mixed"]);
        assert!(!v[0].message(Lang::En).contains("drops"));
    }

    #[test]
    fn an_entry_both_dropped_and_unknown_is_reported_by_both_rules() {
        let known = directory();
        let (nobody, ninety_nine) = (json!("nobody"), json!(99));
        let v = super::users_rules(
            Some(&json!([1, "nobody", 99])),
            &[&nobody, &ninety_nine],
            &known,
            Charset::Utf8,
        );
        assert_eq!(codes(&v), ["users_mixed", "unknown_users"]);
        assert!(v[0].message(Lang::En).ends_with("so it drops \"nobody\"."));
        assert_eq!(
            v[1].message(Lang::En),
            "`users` names unknown users: \"nobody\", 99."
        );
    }

    #[test]
    fn an_unknown_account_gets_the_nearest_known_one() {
        let known = directory();
        let (typo, short, far) = (json!("zhangsna"), json!("lisy"), json!("lisaaa"));
        let v = super::users_rules(
            Some(&json!(["admin", "zhangsna", "lisy", "lisaaa"])),
            &[&typo, &short, &far],
            &known,
            Charset::Utf8,
        );
        assert_eq!(
            v[0].message(Lang::En),
            "`users` names unknown users: \"zhangsna\" (did you mean \"zhangsan\"?), \"lisy\" (did you mean \"lisi\"?), \"lisaaa\"."
        );
    }

    #[test]
    fn message_rules() {
        let ok = SendBody::parse(br#"{"title":"t","contentType":"text","sender":{"id":1,"avatar":"a"},"actions":[{"label":"l","url":"u"}]}"#);
        assert!(super::message_rules(&ok, Charset::Utf8).is_empty());
        let bad = SendBody::parse(
            r#"{"title":1,"contentType":"markdown","sender":"bot","actions":{},"content":"x😀"}"#
                .as_bytes(),
        );
        assert_eq!(
            codes(&super::message_rules(&bad, Charset::Utf8)),
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
            codes(&super::message_rules(&bad, Charset::Utf8)),
            ["content_type", "action_invalid", "sender_invalid"]
        );
    }

    #[test]
    fn utf8mb4_loses_no_characters() {
        let body = SendBody::parse(
            r#"{"title":"t","contentType":"text","sender":{"id":1,"avatar":"a"},"content":"x😀"}"#
                .as_bytes(),
        );
        assert_eq!(
            codes(&super::message_rules(&body, Charset::Utf8)),
            ["characters_lost"]
        );
        assert!(super::message_rules(&body, Charset::Utf8mb4).is_empty());
    }

    #[test]
    fn unknown_action_keys_get_the_nearest_known_one() {
        let body = SendBody::parse(br#"{"title":"t","contentType":"text","sender":{"id":1,"avatar":"a"},"actions":[{"label":"l","url":"u","actionType":"primary","lable":"x","target":"_blank"}]}"#);
        let rules = super::message_rules(&body, Charset::Utf8);
        let messages: Vec<&str> = rules.iter().map(|v| v.message(Lang::En)).collect();
        assert_eq!(
            messages,
            [
                r#"actions[0] has the key "actionType" (did you mean "type"?); an action has only `label`, `url`, `type` and `icon`."#,
                r#"actions[0] has the key "lable" (did you mean "label"?); an action has only `label`, `url`, `type` and `icon`."#,
                r#"actions[0] has the key "target"; an action has only `label`, `url`, `type` and `icon`."#,
            ]
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

//! What strict mode adds on the direct API, and the warnings of both modes. What the guide marks as
//! required or typed (`users` a list of ids, `gid`, `title`, `sender` not null, `actions` a list) the
//! daemon itself refuses (see `body` and `sends`); strict mode also refuses what the daemon is
//! assumed to accept but mishandle: ids of nobody, a `contentType` other than `text` or `plain`,
//! actions without `label` or `url`, a `sender` without `id` or `avatar`, characters the `utf8`
//! column loses, a dismissed chat or one that is not a group. The violations are those of
//! `/x.php`'s strict mode where they mean the same; `xxb::strict::enforce` applies them.

use super::body::SendFields;
use crate::domain::{Chat, ChatType, Finding};
use crate::mysql::Charset;
use crate::xxb::findings::{self, Violation};
use crate::xxb::strict::ACTION_TYPES;
use serde_json::Value;

/// The rules on the fields both sends share.
pub fn message_rules(fields: &SendFields, charset: Charset) -> Vec<Violation> {
    let mut found = Vec::new();
    // Missing or empty is documented as `text`.
    if !fields.content_type.is_empty() && !["text", "plain"].contains(&fields.content_type.as_str())
    {
        found.push(findings::content_type(Some(&Value::String(
            fields.content_type.clone(),
        ))));
    }
    for (i, action) in fields.actions.iter().enumerate() {
        let has = |name: &str| {
            action
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        if !has("label") || !has("url") {
            found.push(findings::action_invalid(i));
        }
    }
    if let Some(sender) = &fields.sender {
        let present = |name: &str| sender.get(name).is_some_and(|v| !v.is_null() && v != "");
        if !sender.is_object() || !present("id") || !present("avatar") {
            found.push(findings::xxd_sender_invalid(sender));
        }
    }
    if charset.loses_characters(&fields.content) {
        found.push(findings::characters_lost());
    }
    found
}

/// The rules on the chat of sendChatMessage (an unknown gid is refused before them).
pub fn chat_rules(chat: &Chat) -> Vec<Violation> {
    if chat.dismissed {
        vec![findings::chat_dismissed(&chat.gid)]
    } else if chat.chat_type != ChatType::Group {
        vec![findings::chat_not_group(&chat.gid, chat.chat_type)]
    } else {
        Vec::new()
    }
}

/// Suspicious but answered, in both modes.
pub fn warnings(fields: &SendFields) -> Vec<Finding> {
    let mut found = Vec::new();
    for (i, action) in fields.actions.iter().enumerate() {
        if let Some(t) = action.get("type").and_then(Value::as_str) {
            if !ACTION_TYPES.contains(&t) {
                found.push(findings::action_type(i, t));
            }
        }
        if let Some(url) = action.get("url").and_then(Value::as_str) {
            check_url(&mut found, &format!("actions[{i}].url"), url);
        }
    }
    check_url(&mut found, "url", &fields.url);
    if let Some(sender) = fields.sender.as_ref().filter(|s| s.is_object()) {
        let named = |name: &str| {
            sender
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        if !named("displayName") {
            found.push(findings::sender_without_display_name(named("name")));
        }
    }
    found
}

fn check_url(found: &mut Vec<Finding>, field: &str, url: &str) {
    if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
        found.push(findings::url_not_absolute(field, url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xxd::body::decode;
    use crate::xxd::Operation;

    fn codes(body: &str) -> (Vec<&'static str>, Vec<&'static str>) {
        let fields = decode(body.as_bytes(), Operation::SendNotification).unwrap();
        (
            message_rules(&fields, Charset::Utf8)
                .iter()
                .map(|v| v.code.as_str())
                .collect(),
            warnings(&fields).iter().map(|f| f.code.as_str()).collect(),
        )
    }

    #[test]
    fn the_direct_apis_rules_and_warnings() {
        let good = r#"{"contentType":"text","content":"ok","actions":[{"label":"a","url":"https://x"}],"sender":{"id":"ci","displayName":"CI","avatar":"https://x/a.png"}}"#;
        assert_eq!(codes(good), (vec![], vec![]));
        assert_eq!(
            codes(r#"{"contentType":"markdown","sender":{"id":"ci","name":"CI","avatar":"a"}}"#),
            (vec!["content_type"], vec!["sender_without_display_name"])
        );
        assert_eq!(
            codes(r#"{"content":"🎉","actions":[{"label":"a"}],"sender":"ci","url":"/x"}"#),
            (
                vec!["action_invalid", "sender_invalid", "characters_lost"],
                vec!["url_not_absolute"]
            )
        );
        assert_eq!(
            codes(r#"{}"#),
            (vec![], vec![]),
            "contentType defaults to text"
        );
    }
}

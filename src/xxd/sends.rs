//! The two sends. Checks, in the assumed order: the body decodes (`body`), then `users` (or `gid`)
//! is not empty, `sender` is not null, `title` is not empty, each refused with the XXB server's
//! English text; then, for sendChatMessage, the chat exists (assumed); then strict mode's rules.
//!
//! Recipients: sendNotification's ids are matched to users, ids of nobody dropped and deleted users
//! kept (assumed, as the database answers `id IN (...)`); sendChatMessage's are the chat's members
//! who did not quit, whatever the chat (assumed). The message is stored as `/x.php` stores one
//! (shared: the same tables), under `notification` or the chat's gid.

use super::answers::Answer;
use super::body::{self, SendFields};
use super::decide::{Context, Verdict};
use super::operation::Operation;
use super::strict;
use super::Assumption;
use crate::domain::{Api, Chat, Directory, Gid, MessageKind, User};
use crate::mysql::column;
use crate::xxb::findings::{self, Severity};
use crate::xxb::lang::{Lang, SendError};
use crate::xxb::methods::message::{recipient_findings, Built, Unstored};
use crate::xxb::strict::{enforce, storage_rules};
use serde_json::Value;

pub fn send(cx: &mut Context, directory: &Directory, operation: Operation) -> Verdict {
    let fields = match read_body(cx, operation) {
        Ok(fields) => fields,
        Err(refusal) => return refuse(cx, refusal),
    };
    let required = match operation {
        Operation::SendChatMessage => (fields.gid.is_empty(), "gid", SendError::NoGid),
        _ => (fields.users.is_empty(), "users", SendError::NoUsers),
    };
    let checks = [
        required,
        (fields.sender.is_none(), "sender", SendError::NoSender),
        (fields.title.is_empty(), "title", SendError::NoTitle),
    ];
    if let Some((_, field, error)) = checks.into_iter().find(|(missing, _, _)| *missing) {
        cx.findings.push(findings::xxd_missing_field(field));
        return refuse(cx, error.message(Lang::En).to_string());
    }
    if fields.title == "0" {
        // "0" is no title to PHP's empty(); a Go daemon compares with "" (assumed).
        cx.assumed.insert(Assumption::Body);
    }
    let mut violations = strict::message_rules(&fields, cx.charset);
    let (kind, chat, recipients) = match operation {
        Operation::SendChatMessage => {
            cx.assumed.insert(Assumption::Chat);
            // Looked up in the shared table, under its collation.
            let key = Gid::sought(&fields.gid, cx.charset);
            let Some(chat) = directory.chat(&key).cloned() else {
                let violation = findings::xxd_unknown_chat(&fields.gid);
                cx.findings.push(violation.finding(Severity::Error));
                return refuse(cx, "Chat does not exist.".to_string());
            };
            violations.splice(0..0, strict::chat_rules(&chat));
            let members = directory.chat_members(&key);
            (MessageKind::Chat, Some(chat), members)
        }
        _ => {
            let found = directory.users_with_ids(&fields.users);
            let mut unknown: Vec<i64> = fields
                .users
                .iter()
                .copied()
                .filter(|id| !found.iter().any(|u| u.id == *id))
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            if !unknown.is_empty() {
                cx.assumed.insert(Assumption::UnknownUsers);
                violations.insert(0, findings::unknown_user_ids(&unknown));
            }
            (MessageKind::Notification, None, found)
        }
    };
    cx.assumed.insert(Assumption::Storage);
    let built = stored(cx, &fields, kind, chat.as_ref(), &recipients);
    violations.extend(storage_rules(&built));
    if let Some(violation) = enforce(cx.mode, violations, cx.findings) {
        // Strict mode's own refusal: its text is the mock's, not an assumption about the daemon.
        return Verdict {
            answer: Answer::Fail(violation.message(Lang::En).to_string()),
            message: None,
        };
    }
    cx.findings.extend(strict::warnings(&fields));
    if let Some(chat) = chat.filter(|c| c.archived) {
        cx.findings.push(findings::chat_archived(&chat.gid));
    }
    if recipient_findings(cx.findings, &recipients) {
        cx.assumed.insert(Assumption::UnknownUsers);
    }
    Verdict {
        answer: Answer::Sent,
        message: Some(built.message),
    }
}

/// The body, decoded; or the refusal's text for a body the daemon cannot read (its finding
/// journaled).
fn read_body(cx: &mut Context, operation: Operation) -> Result<SendFields, String> {
    let decoded = if cx.req.body_unread() {
        cx.findings
            .push(findings::xxd_body_unread(cx.req.arrival.body_size));
        Err("Invalid request body: it is too large to read.".to_string())
    } else {
        body::decode(&cx.req.arrival.body, operation).map_err(|error| {
            cx.findings.push(findings::xxd_body_refused(&error));
            error.message()
        })
    };
    // A refused body, and names matched only without regard to case, rest on how Go decodes.
    if decoded
        .as_ref()
        .map_or(true, |fields| !fields.folded.is_empty())
    {
        cx.assumed.insert(Assumption::Body);
    }
    decoded
}

/// A refusal: `{"result":"fail","message":...}`, in a text the guide does not give.
fn refuse(cx: &mut Context, message: String) -> Verdict {
    cx.assumed.insert(Assumption::Messages);
    Verdict {
        answer: Answer::Fail(message),
        message: None,
    }
}

/// The message as the database stores it, as `/x.php`'s sends are stored (the same tables):
/// `content` through the text column (`????` in `utf8`, at most 65,535 bytes), `contentType`
/// through the enum (missing or empty is `text`, documented), the `data` column PHP's JSON of
/// `title`, `subtitle`, `url`, `actions` (`[]` when missing), `sender` as sent and the recipients'
/// ids, at most 65,535 bytes; under the chat's gid, or `notification`.
fn stored(
    cx: &Context,
    fields: &SendFields,
    kind: MessageKind,
    chat: Option<&Chat>,
    recipients: &[User],
) -> Built {
    let content = column::text(cx.charset, &fields.content);
    let content_type = if fields.content_type.is_empty() {
        "text".to_string()
    } else {
        column::content_type_enum(&fields.content_type)
    };
    Built::store(Unstored {
        kind,
        cgid: chat.map_or_else(|| "notification".to_string(), |c| c.gid.to_string()),
        chat: chat.map(|c| c.gid.clone()),
        content,
        content_type,
        fields: [
            fields.title.clone().into(),
            fields.subtitle.clone().into(),
            fields.url.clone().into(),
            fields.actions.clone().into(),
            fields.sender.clone().unwrap_or(Value::Null),
        ],
        recipients,
        app: cx.app_code.clone(),
        api: Api::Xxd,
    })
}

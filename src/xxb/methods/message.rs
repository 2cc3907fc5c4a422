//! What the two send methods share: the `sender` and `title` checks, and the message the real
//! server stores for an accepted send (defaults filled in, storage losses applied).

use super::{Call, Verdict};
use crate::domain::{
    Api, ClientJson, Finding, MessageData, MessageKind, NewMessage, Recipient, User,
};
use crate::mysql;
use crate::php::value::to_php_string;
use crate::xxb::answer::Answer;
use crate::xxb::body::SendBody;
use crate::xxb::findings;
use crate::xxb::lang::SendError;
use crate::xxb::strict::Violation;
use serde_json::{json, Value};

/// The refusal for `error`, with its finding.
pub fn fail(call: &mut Call, error: SendError, finding: Finding) -> Verdict {
    call.findings.push(finding);
    Verdict::answer(Answer::Fail(error.message(call.req.lang).to_string()))
}

/// The strict rejection for `violation`, in the request's language (its findings are already journaled).
pub fn refuse(call: &Call, violation: &Violation) -> Verdict {
    Verdict::answer(Answer::Fail(violation.message(call.req.lang).to_string()))
}

/// The checks that follow the recipient check in both methods: `empty(sender)`, then `empty(title)`.
pub fn check_sender_and_title(call: &mut Call, body: &SendBody) -> Option<Verdict> {
    if body.is_empty("sender") {
        return Some(fail(
            call,
            SendError::NoSender,
            findings::missing_field("sender"),
        ));
    }
    if body.is_empty("title") {
        return Some(fail(
            call,
            SendError::NoTitle,
            findings::missing_field("title"),
        ));
    }
    None
}

/// Warnings about who a message reaches.
pub fn recipient_findings(findings: &mut Vec<Finding>, recipients: &[User]) {
    if recipients.is_empty() {
        findings.push(findings::no_recipients());
    }
    let deleted: Vec<String> = recipients
        .iter()
        .filter(|u| u.deleted)
        .map(|u| u.account.clone())
        .collect();
    if !deleted.is_empty() {
        findings.push(findings::deleted_recipients(&deleted));
    }
}

/// The message the server stores: `content` through the utf8 column, `contentType` through the
/// enum column (missing or empty means `text`), `subtitle`, `url` default `""`, `actions` `[]`.
pub fn build(
    call: &Call,
    body: &SendBody,
    kind: MessageKind,
    cgid: String,
    recipients: &[User],
) -> NewMessage {
    let content = body.text("content");
    let content_type = if body.is_empty("contentType") {
        "text".to_string()
    } else {
        body.get("contentType")
            .and_then(to_php_string)
            .map(|t| mysql::content_type_enum(&t))
            .unwrap_or_default()
    };
    NewMessage {
        kind,
        cgid,
        content: mysql::utf8_text(&content),
        content_type,
        data: MessageData {
            title: ClientJson(body.or("title", json!(""))),
            subtitle: ClientJson(body.or("subtitle", json!(""))),
            url: ClientJson(body.or("url", json!(""))),
            actions: ClientJson(body.or("actions", json!([]))),
            sender: ClientJson(body.or("sender", Value::Null)),
            target: recipients.iter().map(|u| u.id).collect(),
        },
        recipients: recipients
            .iter()
            .map(|u| Recipient {
                id: u.id,
                account: u.account.clone(),
                realname: u.realname.clone(),
            })
            .collect(),
        app: call.auth.app.code.clone(),
        api: Api::XPhp,
    }
}

//! `im/sendChatMessage`: a notification posted into a chat.
//!
//! Checks, in order: `empty(gid)`, `empty(sender)`, `empty(title)`; then, in strict mode, the rules
//! of `xxb::strict`. Deliberately faithful: the recipients are the chat's current members whatever
//! its type (one-to-one and dismissed chats included), and a gid with no members (an unknown one)
//! reaches every user who is not deleted.

use super::message::{build, check_sender_and_title, fail, recipient_findings, refuse};
use super::{Call, Verdict};
use crate::domain::Directory;
use crate::domain::MessageKind;
use crate::php::value::to_php_string;
use crate::xxb::answer::Answer;
use crate::xxb::findings;
use crate::xxb::lang::SendError;
use crate::xxb::strict;

pub fn run(mut call: Call, directory: &Directory) -> Verdict {
    let body = call.req.send_body();
    if call.req.body_discarded() {
        call.findings
            .push(findings::body_discarded(call.req.body_size));
    }
    if body.is_empty("gid") {
        let finding = if body.is_object() {
            findings::missing_field("gid")
        } else {
            findings::body_not_object(&call.req.body)
        };
        return fail(&mut call, SendError::NoGid, finding);
    }
    if let Some(refused) = check_sender_and_title(&mut call, &body) {
        return refused;
    }
    let gid = body.get("gid").and_then(to_php_string).unwrap_or_default();
    let chat = directory.chat(&gid).cloned();
    let mut violations = strict::chat_rules(&gid, chat.as_ref());
    violations.extend(strict::message_rules(&body));
    if let Some(violation) = strict::enforce(call.mode, violations, call.findings) {
        return refuse(&call, &violation);
    }
    call.findings.extend(strict::warnings(&body));
    call.findings
        .extend(strict::archived_warning(chat.as_ref()));
    let mut recipients = directory.chat_members(&gid);
    if recipients.is_empty() {
        call.findings.push(findings::everyone_notified(&format!(
            "The chat {gid:?} has no members (or does not exist)."
        )));
        recipients = directory.active_users();
    }
    recipient_findings(call.findings, &recipients);
    let message = build(&call, &body, MessageKind::Chat, gid, &recipients);
    Verdict {
        answer: Answer::Sent,
        message: Some(message),
    }
}

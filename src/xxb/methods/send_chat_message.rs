//! `im/sendChatMessage`: a notification posted into a chat.
//!
//! Checks, in order: `empty(gid)`, `empty(sender)`, `empty(title)`; then where PHP stops (a `gid`
//! it cannot use, a `content` list); then, in strict mode, the rules of `xxb::strict`.
//! Deliberately faithful: the server reads `gid` with the code that reads sendNotification's
//! `users` (see `message`), so a list is a list of accounts stored in the notification centre, and a
//! number is a gid; the recipients are the chat's current members whatever its type (one-to-one,
//! dismissed and archived chats included), and a gid with no members (an unknown one, or a group
//! whose members all quit) reaches every user who is not deleted, stored under that gid.

use super::message::{
    build, check_sender_and_title, fail_empty, reach, recipient_findings, refuse, target_or_stop,
};
use super::{Call, Verdict};
use crate::domain::Directory;
use crate::domain::MessageKind;
use crate::mysql::selector::Target;
use crate::xxb::answer::Answer;
use crate::xxb::findings;
use crate::xxb::lang::SendError;
use crate::xxb::strict;

pub fn run(mut call: Call, directory: &Directory) -> Verdict {
    let body = call.req.send_body();
    if body.is_empty("gid") {
        return fail_empty(&mut call, &body, SendError::NoGid, "gid");
    }
    if let Some(refused) = check_sender_and_title(&mut call, &body) {
        return refused;
    }
    let target = match target_or_stop(&mut call, &body, "gid") {
        Ok(target) => target,
        Err(stopped) => return Verdict::answer(stopped),
    };
    let reached = reach(&call, directory, &target);
    let mut violations = match (&target, body.get("gid")) {
        (Target::Chat(gid), Some(serde_json::Value::String(_))) => {
            strict::chat_rules(gid, reached.chat.as_ref())
        }
        (_, gid) => vec![findings::gid_not_string(
            gid.unwrap_or(&serde_json::Value::Null),
        )],
    };
    violations.extend(strict::message_rules(&body, call.charset));
    let everyone = reached.everyone && matches!(target, Target::Chat(_));
    let cgid = reached.cgid.clone();
    let chat = reached.chat.clone();
    let mut reached_findings = Vec::new();
    recipient_findings(&mut reached_findings, &reached.recipients);
    let built = build(&call, &body, MessageKind::Chat, reached);
    violations.extend(strict::storage_rules(&built));
    if let Some(violation) = strict::enforce(call.mode, violations, call.findings) {
        return refuse(&call, &violation);
    }
    call.findings.extend(strict::warnings(&body));
    call.findings
        .extend(strict::archived_warning(chat.as_ref()));
    if everyone {
        call.findings.push(findings::everyone_notified(&format!(
            "The chat {cgid:?} has no members (or does not exist)."
        )));
    }
    call.findings.extend(reached_findings);
    Verdict {
        answer: Answer::Sent,
        message: Some(built.message),
    }
}

//! `im/sendNotification`: a notification to users' notification centre (the 小喧喧 chat).
//!
//! Checks, in order: `empty(users)`, `empty(sender)`, `empty(title)`; then where PHP stops (a
//! `users` it cannot use, a `content` list); then, in strict mode, the rules of `xxb::strict`.
//! Deliberately faithful recipient resolution (see `message`): an array is matched by ids when its
//! first element is numeric and by accounts otherwise, as MariaDB compares them, unmatched entries
//! are dropped, deleted users are kept, and a list that matches nobody still succeeds; a scalar
//! `users` is taken as a chat gid (an upstream bug) and a gid without members reaches every user
//! who is not deleted.

use super::message::{
    build, check_sender_and_title, fail_empty, reach, recipient_findings, refuse, target_or_stop,
};
use super::{Call, Verdict};
use crate::domain::{Directory, MessageKind};
use crate::mysql::selector::Target;
use crate::xxb::answer::Answer;
use crate::xxb::findings;
use crate::xxb::lang::SendError;
use crate::xxb::strict;
use serde_json::Value;

pub fn run(mut call: Call, directory: &Directory) -> Verdict {
    let body = call.req.send_body();
    if body.is_empty("users") {
        return fail_empty(&mut call, &body, SendError::NoUsers, "users");
    }
    if let Some(refused) = check_sender_and_title(&mut call, &body) {
        return refused;
    }
    let target = match target_or_stop(&mut call, &body, "users") {
        Ok(target) => target,
        Err(stopped) => return Verdict::answer(stopped),
    };
    let reached = reach(&call, directory, &target);
    let users = body.get("users");
    let unmatched: Vec<&Value> = match users {
        Some(Value::Array(list)) => reached.unmatched.iter().map(|&i| &list[i]).collect(),
        _ => Vec::new(),
    };
    let mut violations = strict::users_rules(users, &unmatched, directory, call.charset);
    violations.extend(strict::message_rules(&body, call.charset));
    let everyone = reached.everyone && matches!(target, Target::Chat(_));
    let cgid = reached.cgid.clone();
    let mut reached_findings = Vec::new();
    recipient_findings(&mut reached_findings, &reached.recipients);
    let built = build(&call, &body, MessageKind::Notification, reached);
    violations.extend(strict::storage_rules(&built));
    if let Some(violation) = strict::enforce(call.mode, violations, call.findings) {
        return refuse(&call, &violation);
    }
    call.findings.extend(strict::warnings(&body));
    if everyone {
        call.findings.push(findings::everyone_notified(&format!(
            "`users` is not an array, so the server took {cgid:?} as a chat gid, and that chat has no members."
        )));
    }
    call.findings.extend(reached_findings);
    Verdict {
        answer: Answer::Sent,
        message: Some(built.message),
    }
}

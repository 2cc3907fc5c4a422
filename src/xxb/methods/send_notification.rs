//! `im/sendNotification`: a notification to users' notification centre (the 小喧喧 chat).
//!
//! Checks, in order: `empty(users)`, `empty(sender)`, `empty(title)`; then, in strict mode, the rules
//! of `xxb::strict`. Deliberately faithful recipient resolution: an array is matched by ids when its
//! first element is numeric and by accounts otherwise, unmatched entries are dropped, deleted users
//! are kept, and a list that matches nobody still succeeds; a non-array `users` is taken as a chat gid
//! (an upstream bug) and an unknown gid reaches every user who is not deleted.

use super::message::{build, check_sender_and_title, fail, recipient_findings, refuse};
use super::{Call, Verdict};
use crate::domain::Directory;
use crate::domain::{MessageKind, User};
use crate::mysql;
use crate::php::value::{is_numeric, to_php_string};
use crate::xxb::answer::Answer;
use crate::xxb::findings;
use crate::xxb::lang::SendError;
use crate::xxb::strict;
use serde_json::Value;

pub fn run(mut call: Call, directory: &Directory) -> Verdict {
    let body = call.req.send_body();
    if call.req.body_discarded() {
        call.findings
            .push(findings::body_discarded(call.req.body_size));
    }
    if body.is_empty("users") {
        let finding = if body.is_object() {
            findings::missing_field("users")
        } else {
            findings::body_not_object(&call.req.body)
        };
        return fail(&mut call, SendError::NoUsers, finding);
    }
    if let Some(refused) = check_sender_and_title(&mut call, &body) {
        return refused;
    }
    let users = body.get("users");
    let (cgid, recipients, unmatched, everyone) = match users {
        Some(Value::Array(list)) => {
            let (found, unmatched) = users_in_list(directory, list);
            ("notification".to_string(), found, unmatched, false)
        }
        other => {
            // Upstream bug, reproduced: a non-array `users` is used as a chat gid.
            let gid = other.and_then(to_php_string).unwrap_or_default();
            let members = directory.chat_members(&gid);
            if members.is_empty() {
                (gid, directory.active_users(), Vec::new(), true)
            } else {
                (gid, members, Vec::new(), false)
            }
        }
    };
    // The whole directory: to tell unknown entries from dropped ones, and to suggest the nearest
    // account.
    let mut violations = strict::users_rules(users, &unmatched, directory.users());
    violations.extend(strict::message_rules(&body));
    if let Some(violation) = strict::enforce(call.mode, violations, call.findings) {
        return refuse(&call, &violation);
    }
    call.findings.extend(strict::warnings(&body));
    if everyone {
        call.findings.push(findings::everyone_notified(&format!(
            "`users` is not an array, so the server took {cgid:?} as a chat gid, and that chat has no members."
        )));
    }
    recipient_findings(call.findings, &recipients);
    let message = build(&call, &body, MessageKind::Notification, cgid, &recipients);
    Verdict {
        answer: Answer::Sent,
        message: Some(message),
    }
}

/// The users an array of `users` names, and the entries that matched nobody: by id when its first
/// element is numeric (compared as MySQL compares an integer column with a string: `"3abc"` is 3),
/// by account otherwise.
fn users_in_list<'a>(directory: &Directory, list: &'a [Value]) -> (Vec<User>, Vec<&'a Value>) {
    let by_id = list.first().is_some_and(is_numeric);
    let sent: Vec<(&Value, String)> = list
        .iter()
        .filter_map(|e| Some((e, to_php_string(e)?)))
        .collect();
    let entries: Vec<String> = sent.iter().map(|(_, e)| e.clone()).collect();
    let users = if by_id {
        let ids: Vec<i64> = entries
            .iter()
            .map(|e| mysql::to_number(e))
            .filter(|n| n.fract() == 0.0 && n.abs() < 9.0e15)
            .map(|n| n as i64)
            .collect();
        directory.users_with_ids(&ids)
    } else {
        directory.users_with_accounts(&entries)
    };
    let matches = |entry: &String, user: &User| {
        if by_id {
            mysql::to_number(entry) == user.id as f64
        } else {
            user.account == *entry
        }
    };
    let unmatched = sent
        .iter()
        .filter(|(_, e)| !users.iter().any(|u| matches(e, u)))
        .map(|(value, _)| *value)
        .collect();
    (users, unmatched)
}

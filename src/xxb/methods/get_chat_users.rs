//! `im/getChatUsers`: the current members of chat `gid` as `{id: realname}`, ascending by id.
//!
//! Deliberately faithful: `gid` is the first remaining query parameter whatever its name, compared
//! with the chats' gids as MariaDB compares them (`utf8_general_ci`: any case, trailing spaces
//! ignored); an empty `gid` lists the users who are members of at least one chat of any type (not
//! "all users", as the docs say); deleted users are listed; dismissed and archived chats list their
//! members; an unknown gid, or a chat whose members all quit, answers `"data":[]`.

use super::{Call, Verdict};
use crate::domain::{Directory, Gid};
use crate::xxb::answer::Answer;
use crate::xxb::findings;
use serde_json::{Map, Value};

pub fn run(call: Call, directory: &Directory) -> Verdict {
    let first = call.positional.first();
    if let Some(p) = first.filter(|p| p.name != "gid") {
        call.findings.push(findings::positional_param(&p.name));
    }
    // `strip_tags` runs on the value upstream; the parameter filter has already refused `<` and `>`.
    let gid = first
        .map(|p| String::from_utf8_lossy(&p.value).into_owned())
        .unwrap_or_default();
    let users = if gid.is_empty() || gid == "0" {
        call.findings.push(findings::chat_users_without_gid());
        directory.users_in_any_chat()
    } else {
        directory.chat_members(&Gid::sought(&gid, call.charset))
    };
    let data: Map<String, Value> = users
        .into_iter()
        .map(|u| (u.id.to_string(), Value::String(u.realname)))
        .collect();
    Verdict::answer(Answer::Data(Value::Object(data)))
}

//! The two lookups. `getChatGroups`: `{gid: name}` of the chats of type group that are not
//! dismissed (documented). `getChatUsers`: `{id: display name}` of the members of `gid` who did not
//! quit, or without `gid` the users of every chat membership (documented); deleted users are
//! listed, and a gid found under the table's collation, as the database holds and compares them
//! (shared with `/x.php`). A Go map encodes its keys sorted as
//! text and an empty one as `{}` (assumed), and a gid of no chat answers an empty map (assumed).

use super::answers::Answer;
use super::decide::Context;
use super::Assumption;
use crate::domain::{Directory, Gid, User};
use std::collections::BTreeMap;

pub fn get_chat_groups(cx: &mut Context, directory: &Directory) -> Answer {
    let data = directory
        .open_groups()
        .map(|c| (c.gid.to_string(), c.name.clone()))
        .collect();
    data_answer(cx, data)
}

pub fn get_chat_users(cx: &mut Context, directory: &Directory) -> Answer {
    let gid = cx.req.query.text("gid").unwrap_or_default();
    let users: Vec<User> = if gid.is_empty() {
        directory.users_in_any_chat()
    } else {
        // Looked up in the shared table, under its collation.
        let key = Gid::sought(&gid, cx.charset);
        if directory.chat(&key).is_none() {
            cx.assumed.insert(Assumption::UnknownGid);
        }
        directory.chat_members(&key)
    };
    let data = users
        .into_iter()
        .map(|u| (u.id.to_string(), u.realname))
        .collect();
    data_answer(cx, data)
}

fn data_answer(cx: &mut Context, data: BTreeMap<String, String>) -> Answer {
    match data.len() {
        0 => {
            cx.assumed.insert(Assumption::EmptyMap);
        }
        1 => {}
        _ => {
            cx.assumed.insert(Assumption::KeyOrder);
        }
    }
    Answer::Data(data)
}

//! `im/getGroupChats`: the group chats that are not dismissed (archived ones included;
//! one-to-one and system chats not), as `{gid: name}` in the order of the database rows.

use super::{Call, Verdict};
use crate::domain::Directory;
use crate::xxb::answer::Answer;
use serde_json::{Map, Value};

pub fn run(_call: Call, directory: &Directory) -> Verdict {
    let data: Map<String, Value> = directory
        .open_groups()
        .map(|c| (c.gid.to_string(), Value::String(c.name.clone())))
        .collect();
    Verdict::answer(Answer::Data(Value::Object(data)))
}

//! `im/getGroupChats`: the group chats that are not dismissed (archived ones included;
//! one-to-one and system chats not), as `{gid: name}` in the order of the database rows.

use super::{Call, Decision};
use crate::domain::ChatType;
use crate::store::{StoreError, Tx};
use crate::xxb::answer::Answer;
use serde_json::{Map, Value};

pub fn run(_call: Call, tx: &Tx) -> Result<Decision, StoreError> {
    let data: Map<String, Value> = tx
        .chats()?
        .into_iter()
        .filter(|c| c.chat_type == ChatType::Group && !c.dismissed)
        .map(|c| (c.gid, Value::String(c.name)))
        .collect();
    Ok(Decision::answer(Answer::Data(Value::Object(data))))
}

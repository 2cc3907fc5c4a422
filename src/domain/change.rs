//! Changes to the organisation made at run time through the inspection API.

use super::{ChatType, UserRef};

/// A chat to add, or to replace by gid, with its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatUpsert {
    pub gid: String,
    pub name: String,
    pub chat_type: ChatType,
    pub dismissed: bool,
    pub archived: bool,
    pub members: Vec<UserRef>,
    pub quit: Vec<UserRef>,
}

/// A partial change to an existing chat: each field that is `Some` (or non-empty) is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatPatch {
    pub name: Option<String>,
    pub chat_type: Option<ChatType>,
    pub dismissed: Option<bool>,
    pub archived: Option<bool>,
    /// Users to make current members (again).
    pub add: Vec<UserRef>,
    /// Users to remove from the chat altogether.
    pub remove: Vec<UserRef>,
    /// Users who quit: the membership is kept, marked quit.
    pub quit: Vec<UserRef>,
}

/// The whole organisation, as `GET /__inspect/state` shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct State {
    pub users: Vec<super::User>,
    pub chats: Vec<ChatState>,
    pub apps: Vec<super::App>,
}

/// A chat with its memberships.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChatState {
    #[serde(flatten)]
    pub chat: super::Chat,
    pub members: Vec<i64>,
    pub quit: Vec<i64>,
}

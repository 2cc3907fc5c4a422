//! Changes to the organisation made at run time (through the inspection API, scenario steps or the
//! Rust API): one [`Change`] type, parsed from the fixture formats at the edge (`fixtures::entry`),
//! applied by the store, and serialised back to those formats for a remote server.

use super::{Account, App, AppCode, ChatType, User, UserRef};
use crate::mysql::Charset;
use serde::Serialize;

/// One change to the organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Add users, or update them by id.
    Users(Vec<User>),
    /// Add chats, or replace them (flags and members) by gid.
    Groups(Vec<ChatUpsert>),
    /// Change one existing chat.
    Group { gid: String, patch: ChatPatch },
    /// Add applications, or update them by code.
    Apps(Vec<AppSpec>),
    /// Take a user, a chat or an application out of the organisation.
    Remove(Removal),
}

/// What to take out of the organisation. A user goes with their memberships and a chat with its
/// memberships; the messages already stored stay, as the journal does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Removal {
    User(i64),
    Group(String),
    App(String),
}

impl Change {
    /// The change as tables of `charset` store it: user and chat names through the text columns
    /// (characters above U+FFFF become `????` in `utf8`, deliberately).
    pub fn stored_as(self, charset: Charset) -> Self {
        let name = |text: String| charset.store(&text).into_owned();
        match self {
            Change::Users(users) => Change::Users(
                users
                    .into_iter()
                    .map(|u| User {
                        realname: name(u.realname),
                        ..u
                    })
                    .collect(),
            ),
            Change::Groups(chats) => Change::Groups(
                chats
                    .into_iter()
                    .map(|c| ChatUpsert {
                        name: name(c.name),
                        ..c
                    })
                    .collect(),
            ),
            Change::Group { gid, patch } => Change::Group {
                gid,
                patch: ChatPatch {
                    name: patch.name.map(name),
                    ..patch
                },
            },
            names_nothing @ (Change::Apps(_) | Change::Remove(_)) => names_nothing,
        }
    }
}

/// A chat to add, or to replace by gid, with its members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChatUpsert {
    pub gid: String,
    pub name: String,
    #[serde(rename = "type")]
    pub chat_type: ChatType,
    pub dismissed: bool,
    pub archived: bool,
    pub members: Vec<UserRef>,
    pub quit: Vec<UserRef>,
}

/// A partial change to an existing chat: each field that is `Some` (or non-empty) is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChatPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<ChatType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
    /// Users to make current members (again).
    pub add: Vec<UserRef>,
    /// Users to remove from the chat altogether.
    pub remove: Vec<UserRef>,
    /// Users who quit: the membership is kept, marked quit.
    pub quit: Vec<UserRef>,
}

/// An application to add or update; its bound account is settled when it is applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AppSpec {
    pub code: AppCode,
    pub key: Option<String>,
    pub ip: String,
    #[serde(skip_serializing_if = "Binding::is_default")]
    pub account: Binding,
}

/// The account an application is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Binding {
    /// None named: the first `super` user, else the first user.
    Default,
    /// `null`: bound to nobody (the server answers ACCOUNT_UNBOUND).
    Nobody,
    Account(Account),
}

impl Binding {
    fn is_default(&self) -> bool {
        *self == Binding::Default
    }
}

impl AppSpec {
    /// The application, bound to `default_account` unless it names its own.
    pub fn bind(self, default_account: Option<&Account>) -> App {
        App {
            code: self.code,
            key: self.key,
            ip: self.ip,
            account: match self.account {
                Binding::Default => default_account.cloned(),
                Binding::Nobody => None,
                Binding::Account(account) => Some(account),
            },
            called_time: 0,
        }
    }
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

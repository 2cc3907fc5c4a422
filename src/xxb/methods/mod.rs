//! The four methods of the integration API, one file each, all behind one signature.

mod get_chat_users;
mod get_group_chats;
pub(crate) mod message;
pub use message::Built;
mod send_chat_message;
mod send_notification;

use super::answer::Answer;
use super::auth::Authenticated;
use super::params::Positional;
use super::request::ApiRequest;
use crate::config::ValidationMode;
use crate::domain::{Directory, Finding, NewMessage};
use crate::mysql::Charset;
use crate::php::dispatch;

/// A method of the `im` module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    GetGroupChats,
    GetChatUsers,
    SendNotification,
    SendChatMessage,
}

impl Method {
    /// Every method, with its name as the server declares it.
    pub const ALL: [(Method, &'static str); 4] = [
        (Method::GetGroupChats, "getGroupChats"),
        (Method::GetChatUsers, "getChatUsers"),
        (Method::SendNotification, "sendNotification"),
        (Method::SendChatMessage, "sendChatMessage"),
    ];

    /// The method `f` names in module `m`, matched as PHP's router matches them: without regard
    /// to ASCII case (`m=IM&f=getgroupchats` runs getGroupChats; deliberate, observed).
    pub fn find(module: &[u8], method: &[u8]) -> Option<Method> {
        if !dispatch::names("im", module) {
            return None;
        }
        Method::named(method)
    }

    /// The method named `f` (in any case), whatever the module.
    pub fn named(method: &[u8]) -> Option<Method> {
        Method::ALL
            .iter()
            .find(|(_, name)| dispatch::names(name, method))
            .map(|(m, _)| *m)
    }

    /// The name as the server declares it.
    pub fn name(self) -> &'static str {
        Method::ALL
            .iter()
            .find(|(m, _)| *m == self)
            .map_or("", |(_, name)| name)
    }
}

/// What a method call needs.
pub struct Call<'a> {
    pub req: &'a ApiRequest,
    pub auth: &'a Authenticated<'a>,
    pub positional: &'a [Positional],
    pub mode: ValidationMode,
    /// The emulated tables' character set.
    pub charset: Charset,
    pub findings: &'a mut Vec<Finding>,
}

/// What a method call decided: its answer, and the message to store when it was an accepted send.
pub struct Verdict {
    pub answer: Answer,
    pub message: Option<NewMessage>,
}

impl Verdict {
    pub fn answer(answer: Answer) -> Self {
        Verdict {
            answer,
            message: None,
        }
    }
}

/// Runs `method`.
pub fn run(method: Method, call: Call, directory: &Directory) -> Verdict {
    match method {
        Method::GetGroupChats => get_group_chats::run(call, directory),
        Method::GetChatUsers => get_chat_users::run(call, directory),
        Method::SendNotification => send_notification::run(call, directory),
        Method::SendChatMessage => send_chat_message::run(call, directory),
    }
}

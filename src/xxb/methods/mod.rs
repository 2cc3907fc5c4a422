//! The four methods of the integration API, one file each, all behind one signature.

mod get_chat_users;
mod get_group_chats;
mod message;
mod send_chat_message;
mod send_notification;

use super::answer::Answer;
use super::auth::Authenticated;
use super::params::Positional;
use super::request::ApiRequest;
use crate::config::ValidationMode;
use crate::domain::{Directory, Finding, NewMessage};

/// A method of the `im` module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    GetGroupChats,
    GetChatUsers,
    SendNotification,
    SendChatMessage,
}

impl Method {
    /// The method for `m`/`f`, matched exactly (case-sensitively).
    pub fn find(module: Option<&str>, method: Option<&str>) -> Option<Method> {
        match (module?, method?) {
            ("im", "getGroupChats") => Some(Method::GetGroupChats),
            ("im", "getChatUsers") => Some(Method::GetChatUsers),
            ("im", "sendNotification") => Some(Method::SendNotification),
            ("im", "sendChatMessage") => Some(Method::SendChatMessage),
            _ => None,
        }
    }
}

/// What a method call needs.
pub struct Call<'a> {
    pub req: &'a ApiRequest,
    pub auth: &'a Authenticated,
    pub positional: &'a [Positional],
    pub mode: ValidationMode,
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

//! The four methods of the integration API, one file each, all behind one signature.

mod get_chat_users;
mod get_group_chats;
mod message;
mod send_chat_message;
mod send_notification;

use super::answer::Answer;
use super::entry::Entered;
use super::params::Positional;
use super::request::ApiRequest;
use crate::config::ValidationMode;
use crate::domain::{Finding, NewMessage};
use crate::store::{StoreError, Tx};

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
    pub entered: &'a Entered,
    pub positional: &'a [Positional],
    pub mode: ValidationMode,
    pub findings: &'a mut Vec<Finding>,
}

/// What a method call decided: its answer, and the message to store when it was a send.
pub struct Decision {
    pub answer: Answer,
    pub message: Option<NewMessage>,
}

impl Decision {
    pub fn answer(answer: Answer) -> Self {
        Decision {
            answer,
            message: None,
        }
    }
}

/// Runs `method`.
pub fn run(method: Method, call: Call, tx: &Tx) -> Result<Decision, StoreError> {
    match method {
        Method::GetGroupChats => get_group_chats::run(call, tx),
        Method::GetChatUsers => get_chat_users::run(call, tx),
        Method::SendNotification => send_notification::run(call, tx),
        Method::SendChatMessage => send_chat_message::run(call, tx),
    }
}

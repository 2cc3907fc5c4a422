//! A message the real server would store for an accepted send, and the notification view of it.

use serde_json::Value;

/// Which call stored the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// `sendNotification`.
    Notification,
    /// `sendChatMessage`.
    Chat,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Notification => "notification",
            MessageKind::Chat => "chat",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "notification" => Some(MessageKind::Notification),
            "chat" => Some(MessageKind::Chat),
            _ => None,
        }
    }
}

/// What one accepted send stores: the message row, its `data` column and its delivery rows.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessage {
    pub kind: MessageKind,
    /// `notification`, or the gid the message was stored under.
    pub cgid: String,
    /// As stored: characters above U+FFFF already `????`.
    pub content: String,
    /// As stored: unknown types already `""`.
    pub content_type: String,
    /// The fields the server keeps inside the `data` column, as the client sent them.
    pub data: MessageData,
    /// The recipients, ascending by id.
    pub recipients: Vec<Recipient>,
    pub app: String,
}

/// A value of the client's JSON, kept exactly as it arrived: the real server stores these fields
/// inside `data` without looking at their shape (a `title` of `123` or `{}` is stored as such).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ClientJson(pub Value);

/// The `data` column of a stored message: `{title, subtitle, url, actions, sender, target}`, in
/// that order, `target` being the recipients' ids.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct MessageData {
    pub title: ClientJson,
    pub subtitle: ClientJson,
    pub url: ClientJson,
    pub actions: ClientJson,
    pub sender: ClientJson,
    pub target: Vec<i64>,
}

impl NewMessage {
    /// The notification this message became once stored as `seq`, with `index` in its chat.
    pub fn stored(
        &self,
        seq: i64,
        index: i64,
        received_at: &str,
        request_seq: i64,
    ) -> Notification {
        Notification {
            seq,
            kind: self.kind,
            cgid: self.cgid.clone(),
            index,
            title: self.data.title.0.clone(),
            subtitle: self.data.subtitle.0.clone(),
            content: self.content.clone(),
            content_type: self.content_type.clone(),
            url: self.data.url.0.clone(),
            actions: self.data.actions.0.clone(),
            sender: self.data.sender.0.clone(),
            recipients: self.recipients.clone(),
            app: self.app.clone(),
            received_at: received_at.to_string(),
            request_seq,
        }
    }
}

/// A recipient as the inspection API shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recipient {
    pub id: i64,
    pub account: String,
    pub realname: String,
}

/// A stored message as the inspection API shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Notification {
    pub seq: i64,
    pub kind: MessageKind,
    pub cgid: String,
    /// The chat's message index the server gave it.
    pub index: i64,
    pub title: Value,
    pub subtitle: Value,
    pub content: String,
    #[serde(rename = "contentType")]
    pub content_type: String,
    pub url: Value,
    pub actions: Value,
    pub sender: Value,
    pub recipients: Vec<Recipient>,
    pub app: String,
    pub received_at: String,
    pub request_seq: i64,
}

//! A message the real server would store for an accepted send, and the notification view of it.
//!
//! The `data` column holds PHP's JSON of the message's fields, and like every `TEXT` column of the
//! real server it keeps at most 65,535 bytes, even when that cuts the JSON in the middle (a long
//! title does). The view of such a message shows what can still be read from what was stored
//! ([`MessageData::read`]): the fields before the cut whole, the one it cuts through up to the cut.

use super::{Account, Api, AppCode, Gid};
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
    /// `notification`, or the gid the message was stored under, as its `CHAR` column holds it: as
    /// the client wrote it (in its case), without trailing spaces.
    pub cgid: String,
    /// The gid of the existing chat the message was posted into, as that chat's row has it: the
    /// chat was found under `utf8_general_ci`, so it may differ from `cgid` in case. The message
    /// continues this chat's index. `None` for the notification centre and for unknown gids.
    pub chat: Option<Gid>,
    /// As stored: characters above U+FFFF already `????` (in `utf8`), cut to 65,535 bytes.
    pub content: String,
    /// As stored: unknown types already `""`.
    pub content_type: String,
    /// The `data` column as stored: PHP's JSON of the fields, cut to 65,535 bytes.
    pub data_json: String,
    /// The fields as read back from `data_json`.
    pub data: MessageData,
    /// The recipients, ascending by id.
    pub recipients: Vec<Recipient>,
    pub app: AppCode,
    /// The API the send came through.
    pub api: Api,
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

impl MessageData {
    /// The fields as read from a stored `data` column: its JSON when it is whole, and what can
    /// still be read when it was cut (fields after the cut are `null`).
    pub fn read(stored: &str) -> MessageData {
        serde_json::from_str(stored)
            .or_else(|_| serde_json::from_str(&complete_cut_json(stored)))
            .unwrap_or_default()
    }
}

/// A container open at some point of a cut JSON text, and what it expects next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// In an object: after `{` or after a member, so `}` may close it.
    ObjectClosable,
    /// In an object: after `,`, a key or `:`, so it cannot be closed yet.
    ObjectMidway,
    ArrayClosable,
    ArrayMidway,
}

/// The longest readable completion of a JSON text cut short: the prefix up to the last point where
/// closing the open containers (and the string being written, when it is a value) gives valid JSON.
fn complete_cut_json(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut stack: Vec<Open> = Vec::new();
    let closers = |stack: &[Open]| -> String {
        stack
            .iter()
            .rev()
            .map(|o| match o {
                Open::ObjectClosable | Open::ObjectMidway => '}',
                Open::ArrayClosable | Open::ArrayMidway => ']',
            })
            .collect()
    };
    // The longest prefix known to complete: its end and what closes it.
    let mut good: (usize, String) = (0, String::new());
    // Whether the next string is an object key.
    let mut key_next = false;
    let mut i = 0;
    // Marks the end of a complete value at `end`: its container may now be closed.
    let finish_value = |stack: &mut Vec<Open>, good: &mut (usize, String), end: usize| {
        match stack.last_mut() {
            Some(o @ Open::ObjectMidway) => *o = Open::ObjectClosable,
            Some(o @ Open::ArrayMidway) => *o = Open::ArrayClosable,
            _ => {}
        }
        *good = (end, closers(stack));
    };
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                stack.push(Open::ObjectClosable);
                key_next = true;
                i += 1;
                good = (i, closers(&stack));
            }
            b'[' => {
                stack.push(Open::ArrayClosable);
                key_next = false;
                i += 1;
                good = (i, closers(&stack));
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
                finish_value(&mut stack, &mut good, i);
            }
            b',' => {
                match stack.last_mut() {
                    Some(o @ Open::ObjectClosable) => {
                        *o = Open::ObjectMidway;
                        key_next = true;
                    }
                    Some(o @ Open::ArrayClosable) => *o = Open::ArrayMidway,
                    _ => {}
                }
                i += 1;
            }
            b':' => {
                if let Some(o) = stack.last_mut() {
                    *o = Open::ObjectMidway;
                }
                key_next = false;
                i += 1;
            }
            b'"' => {
                let is_key = key_next;
                if is_key {
                    // A key leaves its object unclosable until its value is complete.
                    if let Some(o) = stack.last_mut() {
                        *o = Open::ObjectMidway;
                    }
                }
                key_next = false;
                // Where the string could be cut and closed: after each whole character or escape
                // (never between the two halves of a surrogate pair).
                let mut cut_at = i + 1;
                let mut j = i + 1;
                let mut closed = false;
                while j < bytes.len() {
                    match bytes[j] {
                        b'"' => {
                            closed = true;
                            j += 1;
                            break;
                        }
                        b'\\' => {
                            let len = if bytes.get(j + 1) == Some(&b'u') {
                                6
                            } else {
                                2
                            };
                            if j + len > bytes.len() {
                                break;
                            }
                            let high = len == 6
                                && bytes[j + 2].eq_ignore_ascii_case(&b'd')
                                && matches!(bytes[j + 3].to_ascii_lowercase(), b'8'..=b'b');
                            j += len;
                            if !high {
                                cut_at = j;
                            }
                        }
                        _ => {
                            j += 1;
                            if text.is_char_boundary(j) {
                                cut_at = j;
                            }
                        }
                    }
                }
                if closed {
                    i = j;
                    if !is_key {
                        finish_value(&mut stack, &mut good, i);
                    }
                } else {
                    if !is_key {
                        let mut done = text[..cut_at].to_string();
                        done.push('"');
                        let mut after = stack.clone();
                        finish_value(&mut after, &mut (0, String::new()), 0);
                        done.push_str(&closers(&after));
                        return done;
                    }
                    break;
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            _ => {
                // A number or a literal: complete only when something follows it.
                let end = bytes[i..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                    .map(|n| i + n);
                match end {
                    Some(end) => {
                        i = end;
                        finish_value(&mut stack, &mut good, i);
                    }
                    None => break,
                }
            }
        }
    }
    let (end, closing) = good;
    format!("{}{closing}", &text[..end])
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
            api: self.api,
            received_at: received_at.to_string(),
            request_seq,
        }
    }
}

/// A recipient as the inspection API shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recipient {
    pub id: i64,
    pub account: Account,
    pub realname: String,
}

impl From<&super::User> for Recipient {
    fn from(user: &super::User) -> Self {
        Recipient {
            id: user.id,
            account: user.account.clone(),
            realname: user.realname.clone(),
        }
    }
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
    pub app: AppCode,
    /// `x.php` or `xxd`: the API the send came through.
    pub api: Api,
    pub received_at: String,
    pub request_seq: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn a_whole_data_column_reads_as_it_is() {
        let data = MessageData::read(
            r#"{"title":"t","subtitle":"","url":"","actions":[],"sender":{"id":1},"target":[1,3]}"#,
        );
        assert_eq!(data.title.0, "t");
        assert_eq!(data.sender.0, json!({"id": 1}));
        assert_eq!(data.target, [1, 3]);
    }

    #[test]
    fn a_cut_data_column_reads_up_to_the_cut() {
        let cases = [
            (r#"{"title":"abc"#, json!({"title": "abc"})),
            (r#"{"title":"a\u5f20\u4"#, json!({"title": "a张"})),
            (
                r#"{"title":"a\ud83d\ude00b\ud83d"#,
                json!({"title": "a😀b"}),
            ),
            (r#"{"title":"a\"#, json!({"title": "a"})),
            (r#"{"title":"t","subt"#, json!({"title": "t"})),
            (r#"{"title":"t","subtitle":"#, json!({"title": "t"})),
            (
                r#"{"title":"t","actions":[{"label":"l","url":"ht"#,
                json!({"title": "t", "actions": [{"label": "l", "url": "ht"}]}),
            ),
            (
                r#"{"title":"t","target":[1,2,3"#,
                json!({"title": "t", "target": [1, 2]}),
            ),
            (r#"{"title":12"#, json!({})),
            (r#"{"title":tru"#, json!({})),
            (r#"{"title":[1,{}],"url":nul"#, json!({"title": [1, {}]})),
        ];
        for (cut, readable) in cases {
            let completed = complete_cut_json(cut);
            let value: Value = serde_json::from_str(&completed)
                .unwrap_or_else(|e| panic!("{cut:?} completed as {completed:?}: {e}"));
            assert_eq!(value, readable, "{cut:?}");
        }
    }

    proptest! {
        /// Any cut of PHP's JSON of any data completes to valid JSON whose `title` (a string) is a
        /// prefix of the original one.
        #[test]
        fn every_cut_completes_to_valid_json(title in any::<String>(), at in 1usize..200) {
            let mut json = String::new();
            crate::php::json::encode_decoded_into(&mut json, &json!({"title": title, "actions": [{"label": title}], "target": [1, 22, 333]}));
            let mut end = at.min(json.len());
            while !json.is_char_boundary(end) {
                end -= 1;
            }
            let completed = complete_cut_json(&json[..end]);
            let value: Value = serde_json::from_str(&completed).map_err(|e| TestCaseError::fail(format!("{completed:?}: {e}")))?;
            if let Some(read) = value.get("title").and_then(Value::as_str) {
                prop_assert!(title.starts_with(read), "{read:?} is no prefix of {title:?}");
            }
        }
    }
}

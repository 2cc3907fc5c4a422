//! A chat: a group discussion, a one-to-one conversation or a system chat.

use super::Gid;
use std::fmt;
use std::str::FromStr;

/// The chat types the fixtures can describe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatType {
    Group,
    One2one,
    System,
}

impl ChatType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatType::Group => "group",
            ChatType::One2one => "one2one",
            ChatType::System => "system",
        }
    }
}

impl fmt::Display for ChatType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChatType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "group" => Ok(ChatType::Group),
            "one2one" => Ok(ChatType::One2one),
            "system" => Ok(ChatType::System),
            other => Err(format!(
                "unknown chat type {other:?}: use group, one2one or system"
            )),
        }
    }
}

/// A chat and its flags.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Chat {
    pub gid: Gid,
    /// The name, already as the real server stores it (characters above U+FFFF as `????`).
    pub name: String,
    #[serde(rename = "type")]
    pub chat_type: ChatType,
    pub dismissed: bool,
    pub archived: bool,
}

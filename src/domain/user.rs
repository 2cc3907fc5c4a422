//! A user of the XXB organisation.

use super::{Account, Role};

/// A user, as the real server's `zt_user` row matters to the emulated API.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub account: Account,
    /// The display name, already as the real server stores it (characters above U+FFFF as `????`).
    pub realname: String,
    pub avatar: String,
    pub deleted: bool,
    pub admin: Role,
}

/// A reference to a user by id or by account, as fixtures and runtime changes name members.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum UserRef {
    Id(i64),
    Account(String),
}

impl UserRef {
    /// A JSON number is an id, a string an account; anything else is refused.
    pub fn parse(value: &serde_json::Value) -> Result<UserRef, String> {
        match value {
            serde_json::Value::Number(n) => n
                .as_i64()
                .map(UserRef::Id)
                .ok_or_else(|| format!("{n} is not a user id")),
            serde_json::Value::String(account) => Ok(UserRef::Account(account.clone())),
            other => Err(format!(
                "a user must be named by id or account, not {other}"
            )),
        }
    }
}

impl std::fmt::Display for UserRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UserRef::Id(id) => write!(f, "id {id}"),
            UserRef::Account(account) => write!(f, "account {account:?}"),
        }
    }
}

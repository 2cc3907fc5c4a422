//! A user of the XXB organisation.

/// A user, as the real server's `zt_user` row matters to the emulated API.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub account: String,
    /// The display name, already as the real server stores it (characters above U+FFFF as `????`).
    pub realname: String,
    pub avatar: String,
    pub deleted: bool,
    /// `super` for an administrator, `no` otherwise.
    pub admin: String,
}

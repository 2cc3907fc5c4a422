//! An application ("entry") allowed to call the integration API.

use super::{Account, AppCode};

/// An application as the entry check sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct App {
    pub code: AppCode,
    /// `None` when the application has no key (the server answers `EMPTY_KEY`).
    pub key: Option<String>,
    /// The IP allow-list, in the syntax of `xxb::ip`.
    pub ip: String,
    /// The bound account the calls run as; `None` when bound to nobody.
    pub account: Option<Account>,
    /// The last timestamp accepted in time mode (0 before any).
    pub called_time: i64,
}

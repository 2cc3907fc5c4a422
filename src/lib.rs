//! xxb-mock: a faithful, strict and inspectable test double of the XXB (喧喧) server's
//! application-integration API.
//!
//! Start one in a test with [`MockServer`], point the application at [`MockServer::uri`], and ask
//! what arrived:
//!
//! ```toml
//! [dev-dependencies]
//! xxb-mock = { git = "https://example.invalid/xxb-mock.git" } # or: path = "../xxb-mock"
//! ```
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use xxb_mock::{Filter, MockServer};
//! use std::time::Duration;
//!
//! let server = MockServer::start().await;
//! let url = format!("{}/x.php?{}", server.uri(), server.sign("m=im&f=getGroupChats&code=myAppCode"));
//! let body = reqwest::get(url).await.unwrap().text().await.unwrap();
//! assert!(body.starts_with(r#"{"result":"success","data":{"#));
//! # });
//! ```
//!
//! The crate is organised as the server is (its modules are private; this page lists what it
//! offers): the emulated APIs (`xxb` for `/x.php`, with the platform it depends on in `php` and
//! `mysql`; `xxd` for the chat daemon's direct API, `/im/...`), the
//! domain's types, the SQLite store, the fixtures, the application core (`emulator`) and its front
//! ends: `/__inspect`, `/__ui`, [`MockServer`], and [`scenario`] scripts.

mod announcer;
mod boundary;
mod config;
mod connection;
mod domain;
mod emulator;
mod faults;
mod fixtures;
mod inspect;
mod mock;
mod mysql;
pub mod parity;
mod php;
mod report;
mod request_log;
mod routes;
pub mod scenario;
mod startup;
mod store;
mod suggest;
mod target;
mod ui;
mod waiters;
mod xxb;
mod xxd;

pub use config::{BasePath, Config, ValidationMode};
pub use domain::{
    Account, Api, AppCode, AppSpec, Binding, Change, ChatPatch, ChatType, ChatUpsert, Gid,
    JournalEntry, MessageKind, Notification, Outcome, Recipient, Removal, Role, User, UserRef,
    WaitExplanation,
};
pub use faults::{Fault, FaultSpec, FaultSpecError, Respond};
pub use fixtures::{FixtureError, FixtureSource, Fixtures};
pub use mock::{Builder, Error, Filter, MockServer};
pub use mysql::Charset;
pub use startup::{Server, StartError};
pub use store::{DbLocation, Retain};
pub use xxb::findings::{Finding, FindingCode, Severity};
pub use xxb::lang::Lang;

/// Signing requests as the real server checks them.
pub mod sign {
    pub use crate::xxb::token::{sign_url, time_token, token_for_query};

    /// Signing requests to the chat daemon's direct API (`/im/...`), as its guide documents:
    /// `md5(md5(P) + key)` over the path without its slash, `?` and the query sorted by name.
    pub mod xxd {
        pub use crate::xxd::signature::{sign_url, token_for};
    }
}

/// Talking to a running server under test: a client for an HTTP or HTTPS target (the platform's
/// trust store, `--ca-cert`, `--insecure`) with failures described in one line, and the
/// organisation that server's own lookups reveal (`fixtures pull`, and what `parity` seeds with).
pub mod remote {
    pub use crate::fixtures::pull::{
        Observed, PullError, Remote, SeenGroup, SeenUser, NOT_REVEALED, OTHER_CHATS,
    };
    pub use crate::target::{client, describe, ClientError, Tls, INSECURE_WARNING};
}

/// What the test suite reads of the server's inside: not part of the library's interface.
#[doc(hidden)]
pub mod internals {
    /// The `/__inspect` route table, for the test that holds the OpenAPI document to it.
    pub use crate::inspect::ROUTES;
}

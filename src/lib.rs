//! xxb-mock: a faithful, strict and inspectable test double of the XXB (喧喧) server's
//! application-integration API.
//!
//! - [`xxb`]: the emulated API, byte for byte as the real server answers.
//! - [`php`], [`mysql`]: the behaviours of the real server's platform that its answers depend on.
//! - [`domain`]: users, chats, applications, messages, findings, the journal.
//! - [`store`]: SQLite, one writer thread, batched transactions.
//! - [`fixtures`]: the organisation the mock starts with.
//! - [`inspect`]: `/__inspect`, what the mock received; [`ui`]: `/__ui`, the same as a person sees it.
//! - [`scenario`]: scenario scripts, replayed or followed.
//! - [`startup`], [`config`], [`cli`]: building and running a server.
//! - [`mock`]: the library API for Rust test suites, [`MockServer`].

pub mod announcer;
pub mod cli;
pub mod config;
pub mod connection;
pub mod domain;
pub mod emulator;
pub mod faults;
pub mod fixtures;
pub mod inspect;
pub mod mock;
pub mod mysql;
pub mod parity;
pub mod php;
pub mod routes;
pub mod scenario;
pub mod startup;
pub mod store;
mod suggest;
pub mod target;
pub mod ui;
pub mod xxb;

pub use config::{Config, ValidationMode};
pub use domain::{JournalEntry, MessageKind, Notification};
pub use faults::{FaultSpec, Respond};
pub use mock::{Builder, Error, Filter, MockServer};
pub use startup::{Server, StartError};
pub use xxb::findings::{Finding, FindingCode, Severity};
pub use xxb::lang::Lang;

//! The domain's types, in its own words: users, chats, applications, messages, findings, the
//! API a request came through, the request journal and the explanation of a wait that came up
//! short. They are plain data; parsing from untrusted input happens at the edges (`fixtures`,
//! `xxb::body`, `xxd::body`), and the store reads and writes only these types. Findings are defined
//! beside their catalogue of codes, messages and hints (`xxb::findings`), and re-exported here with
//! the journal that carries them.

pub mod api;
pub mod app;
pub mod change;
pub mod chat;
pub mod directory;
pub mod journal;
pub mod message;
pub mod names;
pub mod user;
pub mod wait;

pub use crate::xxb::findings::{Finding, FindingCode, Severity};
pub use api::Api;
pub use app::App;
pub use change::{AppSpec, Binding, Change, ChatPatch, ChatState, ChatUpsert, Removal, State};
pub use chat::{Chat, ChatType};
pub use directory::{Directory, DirectoryChat};
pub use journal::{JournalEntry, JournalRecord, Outcome};
pub use message::{ClientJson, MessageData, MessageKind, NewMessage, Notification, Recipient};
pub use names::{Account, AppCode, Gid, Role};
pub use user::{User, UserRef};
pub use wait::{Unmatched, UnmatchedRequest, WaitExplanation};

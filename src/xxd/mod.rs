//! The chat daemon's direct API (`/im/getChatGroups`, `/im/getChatUsers`, `/im/sendNotification`,
//! `/im/sendChatMessage`), as the vendor's integration guide of May 2026 describes it, served
//! beside `/x.php` from the same state.
//!
//! No running xxd has been recorded: what the guide states is followed exactly (the paths, the
//! signature and its vectors, the answers' shapes, the fields); everything else is an assumption
//! ([`Assumption`]), decided once, listed in the README's table of the direct API, and named on every
//! request that rests on it by the warning finding `unverified_answer`.
//!
//! The folder reads like `xxb`: `operation` (the four paths), `query` (Go's reading of a query),
//! `signature` (the token), `request` (what arrived), `body` (Go's decoding of a send's JSON),
//! `decide` (the pure decision, in the daemon's assumed order), `lookups` and `sends` (the four
//! operations), `strict` (what strict mode adds), `answers` (status, headers and Go's JSON),
//! `assumptions` (the catalogue of what the guide leaves open) and `http` (the HTTP edge).
//!
//! Shared with `/x.php`, because the daemon works on the same database: the organisation (users,
//! chats and members, applications with their keys, IP allow-lists and bound accounts), how a
//! message is stored (its row, its index in its chat, the `data` column, one delivery per
//! recipient, the `utf8` columns that store characters above U+FFFF as `????`, the `contentType`
//! enum), and which rows the lookups read (open groups; members who did not quit; deleted users
//! kept). The daemon's own: the paths, the signature, how the query and the body are read, the
//! checks and their order, the answers and their encoding.

pub mod answers;
pub mod assumptions;
pub mod body;
pub mod decide;
pub mod http;
mod lookups;
pub mod operation;
pub mod query;
pub mod request;
mod sends;
pub mod signature;
mod strict;

pub use assumptions::Assumption;
pub use operation::Operation;
pub use request::XxdRequest;

//! The parts of PHP's behaviour that the real server's answers depend on, reproduced exactly:
//! `json_encode` bytes, query-string parsing and building, and `empty()`/`is_numeric()`/`==`.
//!
//! Everything here is pure and byte-oriented, so the emulated API can rely on it without guessing.

pub mod json;
pub mod query;
pub mod value;

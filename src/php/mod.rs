//! The parts of PHP's behaviour that the real server's answers depend on, reproduced exactly:
//! `json_encode` bytes and `json_decode` ([`json`]), query-string parsing and building ([`query`]),
//! `empty()`/`is_numeric()`/`==` and string casts ([`value`]), how the router matches `m` and `f`
//! ([`dispatch`]), and where PHP dies with a fatal error ([`fatal`]).
//!
//! Everything here is pure and byte-oriented, so the emulated API can rely on it without guessing.

pub mod dispatch;
pub mod fatal;
pub mod json;
pub mod query;
pub mod value;

//! The real server's MariaDB 10.11 as its answers depend on it: how it compares text
//! ([`collation`]: `utf8_general_ci`, PAD SPACE), how it casts strings in numeric comparisons
//! ([`cast`]), what its columns keep of a value in non-strict mode ([`column`](mod@column)), what its
//! character set does to emoji ([`Charset`]), and, from all of these with PHP's casts, whom a
//! `users` list reaches ([`selector`]).
//!
//! Every rule here is one of MariaDB's, reproduced deliberately, so that a lookup or a stored value
//! in the mock is the one the real server would make; the module docs list the observed corners.

pub mod cast;
pub mod charset;
pub mod collation;
pub mod column;
pub mod selector;

pub use cast::to_number;
pub use charset::Charset;
pub use collation::CollationKey;
pub use column::{content_type_enum, CONTENT_TYPES};
pub use selector::{Target, UserSelector};

/// The value of a `utf8` (three-byte) text column: every character above U+FFFF becomes `????`.
/// Deliberate: emoji in names and message content are lost on the real server.
pub fn utf8_text(s: &str) -> String {
    Charset::Utf8.store(s).into_owned()
}

/// Whether storing `s` in a `utf8` column would lose characters.
pub fn loses_characters(s: &str) -> bool {
    Charset::Utf8.loses_characters(s)
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn utf8_text() {
        assert_eq!(crate::mysql::utf8_text("ok 😀!"), "ok ????!");
    }
}

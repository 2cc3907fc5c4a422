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

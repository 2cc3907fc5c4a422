//! A request to the direct API, captured at the edge: the raw parts the journal keeps, and the
//! query as the daemon reads it.

use super::query::Query;
use std::time::Instant;
use time::OffsetDateTime;

/// One request to `/im/...`, as received.
#[derive(Clone, Debug)]
pub struct XxdRequest {
    /// The path as sent (`/im/getChatGroups`).
    pub path: String,
    /// What follows `/im/`: the operation's name when it is one of the four.
    pub segment: String,
    pub http_method: String,
    /// The query string exactly as sent (after `?`).
    pub raw_query: String,
    /// The query as the daemon reads it.
    pub query: Query,
    /// The connection's address: the daemon does not read forwarding headers (assumed).
    pub remote: String,
    /// The body, at most [`MAX_BODY_READ`] bytes of it.
    pub body: Vec<u8>,
    /// How many bytes the client sent (more than the cap when reading stopped there).
    pub body_size: usize,
    pub received_at: OffsetDateTime,
    pub started: Instant,
    /// The validation mode the request asked for with [`VALIDATION_HEADER`]; `None`: the
    /// server's own.
    ///
    /// [`VALIDATION_HEADER`]: crate::config::VALIDATION_HEADER
    pub validation: Option<crate::config::ValidationMode>,
}

/// The most body bytes the mock reads; a longer body is answered as unreadable.
pub const MAX_BODY_READ: usize = 64 * 1024 * 1024;

impl XxdRequest {
    pub fn new(
        path: String,
        segment: String,
        http_method: String,
        raw_query: String,
        remote: String,
        body: Vec<u8>,
        body_size: usize,
    ) -> Self {
        let query = Query::parse(&raw_query);
        XxdRequest {
            path,
            segment,
            http_method,
            raw_query,
            query,
            remote,
            body,
            body_size,
            received_at: OffsetDateTime::now_utc(),
            started: Instant::now(),
            validation: None,
        }
    }

    /// Whether the body was longer than the mock reads.
    pub fn body_unread(&self) -> bool {
        self.body_size > MAX_BODY_READ
    }
}

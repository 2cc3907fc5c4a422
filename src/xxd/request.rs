//! A request to the direct API, captured at the edge: the raw parts the journal keeps, and the
//! query as the daemon reads it.

use super::query::Query;
use crate::domain::journal::Arrival;
use crate::domain::Api;
use std::time::Instant;
use time::OffsetDateTime;

/// One request to `/im/...`, as received.
#[derive(Clone, Debug)]
pub struct XxdRequest {
    /// The request as the journal records it: the path (`/im/getChatGroups`), method and query
    /// string exactly as sent, the connection's address (the daemon does not read forwarding
    /// headers: assumed), the body as read, when it arrived.
    pub arrival: Arrival,
    /// What follows `/im/`: the operation's name when it is one of the four.
    pub segment: String,
    /// The query as the daemon reads it.
    pub query: Query,
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
            arrival: Arrival {
                api: Api::Xxd,
                http_method,
                path,
                query: raw_query,
                client_ip: remote,
                body,
                body_size,
                received_at: OffsetDateTime::now_utc(),
                started: Instant::now(),
            },
            segment,
            query,
            validation: None,
        }
    }

    /// Whether the body was longer than the mock reads.
    pub fn body_unread(&self) -> bool {
        self.arrival.body_size > MAX_BODY_READ
    }
}

//! A request to the emulated API, captured at the edge: the raw parts the journal keeps, and the
//! parts PHP would have parsed before the server's code runs (`$_GET`, the language, the caller).

use super::body::SendBody;
use super::ip::CallerAddress;
use super::lang::Lang;
use super::token;
use crate::php::query::{parse_str, PhpArray};
use std::borrow::Cow;
use std::time::Instant;
use time::OffsetDateTime;

/// The real server's entry scripts that the mock answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryPoint {
    /// `/x.php`, the XXB entry.
    XPhp,
    /// `/api.php`, the retired entry of older XXB versions.
    ApiPhp,
}

impl EntryPoint {
    pub fn path(self) -> &'static str {
        match self {
            EntryPoint::XPhp => "/x.php",
            EntryPoint::ApiPhp => "/api.php",
        }
    }
}

/// PHP's default `post_max_size` (8 MiB): a larger body is discarded before the server's code
/// reads it, so the server sees an empty body.
pub const POST_MAX_SIZE: usize = 8 * 1024 * 1024;

/// One request, as received.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub entry_point: EntryPoint,
    pub http_method: String,
    /// The query string exactly as sent (after `?`).
    pub raw_query: String,
    /// `$_GET`, as PHP parsed the query.
    pub params: PhpArray,
    pub lang: Lang,
    pub caller: CallerAddress,
    /// The body as the server's code reads it (empty when it was over [`POST_MAX_SIZE`]).
    pub body: Vec<u8>,
    /// How many bytes the client sent.
    pub body_size: usize,
    pub received_at: OffsetDateTime,
    pub started: Instant,
    /// The body decoded as JSON, for the two send methods: done where the request arrives, so the
    /// store's thread does not have to.
    decoded: Option<SendBody>,
    /// The query the server signs (`$_GET` without `token`, re-encoded), and its md5: computed
    /// where the request arrives, for the same reason.
    pub signed_query: String,
    pub signed_query_md5: String,
    /// The validation mode the request asked for with [`VALIDATION_HEADER`]; `None`: the
    /// server's own.
    ///
    /// [`VALIDATION_HEADER`]: crate::config::VALIDATION_HEADER
    pub validation: Option<crate::config::ValidationMode>,
}

impl ApiRequest {
    /// Builds the request from its raw parts, parsing what PHP parses up front.
    pub fn new(
        entry_point: EntryPoint,
        http_method: String,
        raw_query: String,
        lang: Lang,
        caller: CallerAddress,
        body: Vec<u8>,
        body_size: usize,
    ) -> Self {
        let params = parse_str(raw_query.as_bytes());
        let sends = params
            .get("f")
            .and_then(|f| f.as_bytes())
            .is_some_and(|f| f == b"sendNotification" || f == b"sendChatMessage");
        let decoded = sends.then(|| SendBody::parse(&body));
        let signed_query = token::signed_query(&params);
        let signed_query_md5 = token::md5_hex(signed_query.as_bytes());
        ApiRequest {
            entry_point,
            http_method,
            raw_query,
            params,
            lang,
            caller,
            body,
            body_size,
            received_at: OffsetDateTime::now_utc(),
            started: Instant::now(),
            decoded,
            signed_query,
            signed_query_md5,
            validation: None,
        }
    }

    /// The body as the send methods read it.
    pub fn send_body(&self) -> Cow<'_, SendBody> {
        match &self.decoded {
            Some(body) => Cow::Borrowed(body),
            None => Cow::Owned(SendBody::parse(&self.body)),
        }
    }

    /// Whether the body was discarded for being over PHP's `post_max_size`.
    pub fn body_discarded(&self) -> bool {
        self.body_size > POST_MAX_SIZE
    }

    /// A `$_GET` value as text, when it is a string.
    pub fn param_text(&self, name: &str) -> Option<String> {
        self.params
            .get(name)
            .and_then(|v| v.as_bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

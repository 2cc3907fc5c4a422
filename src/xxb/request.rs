//! A request to the emulated API, captured at the edge: the raw parts the journal keeps, and the
//! parts PHP would have parsed before the server's code runs (`$_GET`, the language, the caller).

use super::body::SendBody;
use super::ip::CallerAddress;
use super::lang::Lang;
use super::methods::Method;
use super::token;
use crate::domain::journal::Arrival;
use crate::domain::Api;
use crate::php::query::{parse_str, PhpArray};
use std::borrow::Cow;
use std::time::Instant;
use time::OffsetDateTime;

/// Where a request arrived: one of the real server's entry scripts that the mock answers, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryPoint {
    /// `/x.php`, the XXB entry.
    XPhp,
    /// `/api.php`, the retired entry of older XXB versions.
    ApiPhp,
    /// No entry script: the web server answers by itself and the application never runs.
    Unrouted,
}

/// The most body bytes the mock reads; a longer body is left unread and the request answered as
/// if the body were unavailable, with a finding. (The real server reads bodies over PHP's 8 MiB
/// `post_max_size` as well: observed.)
pub const MAX_BODY_READ: usize = 64 * 1024 * 1024;

/// Whether the server's code can read the raw body (`php://input`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyAccess {
    /// It reads the body as sent, whatever the method and Content-Type.
    Raw,
    /// A `multipart/form-data` body: PHP parses it into `$_POST` and `$_FILES` and leaves
    /// `php://input` empty (observed: the send methods then find no `users`).
    Multipart,
    /// Longer than [`MAX_BODY_READ`]: the mock did not read it.
    OverReadCap,
}

/// A request as it arrived, before anything is parsed.
#[derive(Clone, Debug)]
pub struct Received {
    pub entry_point: EntryPoint,
    /// The path as sent (`/x.php/`, `/xxb/x.php`).
    pub path: String,
    pub http_method: String,
    pub raw_query: String,
    pub lang: Lang,
    pub caller: CallerAddress,
    /// The `Content-Type` header, if any.
    pub content_type: Option<Vec<u8>>,
    /// The body, at most [`MAX_BODY_READ`] bytes of it.
    pub body: Vec<u8>,
    /// How many bytes the client sent (or more were left unread, when over the cap).
    pub body_size: usize,
}

/// One request, as received.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    pub entry_point: EntryPoint,
    /// The request as the journal records it: the path, method and query string exactly as sent,
    /// the body as read, when it arrived.
    pub arrival: Arrival,
    /// `$_GET`, as PHP parsed the query.
    pub params: PhpArray,
    pub lang: Lang,
    pub caller: CallerAddress,
    /// Whether the server's code reads the body.
    pub body_access: BodyAccess,
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
    pub fn new(received: Received) -> Self {
        let params = parse_str(received.raw_query.as_bytes());
        let body_access = if received.body_size > MAX_BODY_READ {
            BodyAccess::OverReadCap
        } else if received.content_type.as_deref().is_some_and(is_multipart) {
            BodyAccess::Multipart
        } else {
            BodyAccess::Raw
        };
        // The router matches `f` without regard to case (`f=SendNotification` sends).
        let sends = received.entry_point == EntryPoint::XPhp
            && matches!(
                params
                    .get("f")
                    .and_then(|f| f.as_bytes())
                    .and_then(Method::named),
                Some(Method::SendNotification | Method::SendChatMessage)
            );
        let mut request = ApiRequest {
            entry_point: received.entry_point,
            arrival: Arrival {
                api: Api::XPhp,
                http_method: received.http_method,
                path: received.path,
                query: received.raw_query,
                client_ip: received.caller.ip.clone(),
                body: received.body,
                body_size: received.body_size,
                received_at: OffsetDateTime::now_utc(),
                started: Instant::now(),
            },
            signed_query: token::signed_query(&params),
            signed_query_md5: String::new(),
            params,
            lang: received.lang,
            caller: received.caller,
            body_access,
            decoded: None,
            validation: None,
        };
        request.signed_query_md5 = token::md5_hex(request.signed_query.as_bytes());
        if sends {
            request.decoded = Some(SendBody::parse(request.app_body()));
        }
        request
    }

    /// The body as the server's code reads it: empty when it cannot read it.
    pub fn app_body(&self) -> &[u8] {
        match self.body_access {
            BodyAccess::Raw => &self.arrival.body,
            BodyAccess::Multipart | BodyAccess::OverReadCap => &[],
        }
    }

    /// The body as the send methods read it.
    pub fn send_body(&self) -> Cow<'_, SendBody> {
        match &self.decoded {
            Some(body) => Cow::Borrowed(body),
            None => Cow::Owned(SendBody::parse(self.app_body())),
        }
    }

    /// The method the request names, as the journal, the faults and a followed scenario know it:
    /// the declared name when `f` names one of the four (in any case), `f` as sent otherwise.
    pub fn method_name(&self) -> Option<String> {
        let f = self.params.get("f")?.as_bytes()?;
        Some(match Method::named(f) {
            Some(method) => method.name().to_string(),
            None => String::from_utf8_lossy(f).into_owned(),
        })
    }

    /// A `$_GET` value as text, when it is a string.
    pub fn param_text(&self, name: &str) -> Option<String> {
        self.params
            .get(name)
            .and_then(|v| v.as_bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// Whether a `Content-Type` is `multipart/form-data` (PHP compares the media type without regard
/// to case, parameters aside).
fn is_multipart(content_type: &[u8]) -> bool {
    let media = content_type
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default();
    media
        .trim_ascii()
        .eq_ignore_ascii_case(b"multipart/form-data")
}

#[cfg(test)]
mod tests {
    use super::is_multipart;

    #[test]
    fn multipart_is_the_media_type_in_any_case() {
        assert!(is_multipart(b"multipart/form-data; boundary=x"));
        assert!(is_multipart(b" Multipart/Form-Data"));
        assert!(!is_multipart(b"multipart/mixed"));
        assert!(!is_multipart(b"application/x-www-form-urlencoded"));
        assert!(!is_multipart(b"text/plain; x=multipart/form-data"));
    }
}

//! Every answer the emulated API can give, and the exact bytes and headers the real server sends
//! for it. This is the one place where the real server's bodies are produced.

use super::lang::{self, EntryError, Lang};
use crate::domain::Outcome;
use crate::php;
use crate::xxb::decide::{header_value, Header};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use rand::RngCore;
use serde_json::{json, Value};
use std::cell::RefCell;
use time::OffsetDateTime;

/// What the emulated API answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Not an API call: the web page of the server's non-API path.
    WebPage,
    /// A failure found before the entry module's texts are loaded: `{"error":"NAME"}`.
    Bare(&'static str),
    /// A failure of the entry check: `{"errcode":N,"errmsg":"text"}` with the text raw UTF-8.
    Entry(EntryError),
    /// The parameter filter refused the query: `Bad Request!`.
    BadRequest,
    /// An unknown module or method, or a send that stops quietly: an empty body.
    Empty,
    /// PHP stopped with a fatal error: HTTP 500, an empty body, the usual headers and cookies.
    Fatal,
    /// No script runs for the path: the real server's web server answers 404 by itself (no
    /// application headers, no cookies; its page is not reproduced: the body is empty).
    NotFound,
    /// The server's root: the mock sends browsers to its own page, `/__ui`.
    ToPage,
    /// A listing: `{"result":"success","data":...}`.
    Data(Value),
    /// An accepted send: `{"result":"success","message":""}`.
    Sent,
    /// A refused send: `{"result":"fail","message":"..."}`.
    Fail(String),
}

/// The HTTP status of every answer of the application: the real server sends 200 for errors too
/// (deliberate).
pub const STATUS: u16 = 200;

/// Where the mock sends a browser that opens the server's root.
pub const PAGE: &str = "/__ui";

impl Answer {
    /// The HTTP status: 200 for everything the application answers (deliberate), 500 when PHP
    /// stopped with a fatal error, and the web server's own for a path that runs no script.
    pub fn status(&self) -> u16 {
        match self {
            Answer::Fatal => 500,
            Answer::NotFound => 404,
            Answer::ToPage => 302,
            _ => STATUS,
        }
    }

    /// The headers: the application's for what it answers (a fatal error included, as observed),
    /// none of them for what the web server answers alone.
    pub fn headers(&self, lang: Lang, now: OffsetDateTime) -> Vec<Header> {
        match self {
            Answer::NotFound => Vec::new(),
            Answer::ToPage => vec![(header::LOCATION, HeaderValue::from_static(PAGE))],
            _ => headers(lang, now),
        }
    }

    /// The body bytes, exactly as the real server sends them.
    pub fn body(&self, lang: Lang) -> Vec<u8> {
        match self {
            Answer::WebPage => web_page(lang).into_bytes(),
            Answer::Bare(name) => format!("{{\"error\":\"{name}\"}}").into_bytes(),
            // Deliberate: upstream url-encodes the text, JSON-encodes, then url-decodes the result,
            // so the message arrives as raw UTF-8, not `\u` escapes.
            Answer::Entry(e) => format!(
                "{{\"errcode\":{},\"errmsg\":\"{}\"}}",
                e.errcode(),
                e.message(lang)
            )
            .into_bytes(),
            Answer::BadRequest => b"Bad Request!".to_vec(),
            Answer::Empty | Answer::Fatal | Answer::NotFound | Answer::ToPage => Vec::new(),
            Answer::Data(data) => {
                php::json::encode(&json!({"result": "success", "data": data})).into_bytes()
            }
            // PHP's JSON of `['result' => 'success', 'message' => '']`, the same for every send.
            Answer::Sent => br#"{"result":"success","message":""}"#.to_vec(),
            Answer::Fail(message) => {
                php::json::encode(&json!({"result": "fail", "message": message})).into_bytes()
            }
        }
    }

    /// Whether the call did what it was asked.
    pub fn outcome(&self) -> Outcome {
        match self {
            Answer::Data(_) | Answer::Sent => Outcome::Accepted,
            _ => Outcome::Rejected,
        }
    }
}

/// The HTML the server answers when the query carries no API token.
fn web_page(lang: Lang) -> String {
    format!(
        "<html><meta charset='utf-8'/><style>body{{background:white}}</style><script>alert('{}')\n</script>\n",
        lang::config_error(lang)
    )
}

/// The headers every answer carries, in order: content type, the session and preference cookies,
/// the no-cache headers and the security headers of the real server.
///
/// Only the session cookie differs from one answer to the next within a second: the others are
/// made once per second and language (on each thread) and shared.
pub fn headers(lang: Lang, now: OffsetDateTime) -> Vec<Header> {
    thread_local! {
        static MADE: RefCell<Option<(i64, Lang, Vec<Header>)>> = const { RefCell::new(None) };
    }
    let second = now.unix_timestamp();
    let mut headers = MADE.with_borrow_mut(|made| match made {
        Some((at, made_for, headers)) if *at == second && *made_for == lang => headers.clone(),
        _ => {
            let headers = lasting_headers(lang, now);
            *made = Some((second, lang, headers.clone()));
            headers
        }
    });
    headers.insert(1, (header::SET_COOKIE, session_cookie()));
    headers
}

/// [`headers`] without the session cookie, which comes second.
fn lasting_headers(lang: Lang, now: OffsetDateTime) -> Vec<Header> {
    const COOKIE_LIFE: i64 = 30 * 24 * 3600;
    let expires = (now + time::Duration::seconds(COOKIE_LIFE))
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap_or_default();
    let lasting = |name: &str, value: &str, http_only: bool| {
        let mut cookie =
            format!("{name}={value}; expires={expires}; Max-Age={COOKIE_LIFE}; path=/");
        if http_only {
            cookie.push_str("; HttpOnly");
        }
        (header::SET_COOKIE, header_value(cookie))
    };
    let fixed = |name: HeaderName, value: &'static str| (name, HeaderValue::from_static(value));
    vec![
        fixed(
            header::CONTENT_TYPE,
            "text/html; Language=UTF-8;charset=UTF-8",
        ),
        lasting("lang", lang.code(), false),
        lasting("device", "desktop", true),
        lasting("theme", "default", false),
        fixed(header::EXPIRES, "Thu, 19 Nov 1981 08:52:00 GMT"),
        fixed(header::CACHE_CONTROL, "private"),
        fixed(header::PRAGMA, "no-cache"),
        fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        fixed(header::X_XSS_PROTECTION, "1; mode=block"),
        fixed(header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    ]
}

/// The session cookie of one answer.
fn session_cookie() -> HeaderValue {
    header_value(format!("zentaosid={}; path=/; HttpOnly", session_id()))
}

/// A PHP session id: 26 characters of `0-9a-v` (5 bits each).
fn session_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";
    // Each random byte's low 5 bits pick a character: 256 is a multiple of 32, so every
    // character is as likely as any other.
    let mut random = [0u8; 26];
    rand::rng().fill_bytes(&mut random);
    random
        .iter()
        .map(|b| ALPHABET[usize::from(b & 31)] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_errors_are_raw_utf8() {
        let body = Answer::Entry(EntryError::EmptyEntry).body(Lang::ZhCn);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"errcode":404,"errmsg":"应用不存在"}"#
        );
    }

    #[test]
    fn send_failures_are_php_escaped() {
        let body = Answer::Fail("应当设置接收者用户列表。".into()).body(Lang::ZhCn);
        assert_eq!(
            String::from_utf8(body).unwrap(),
            r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#
        );
    }

    #[test]
    fn empty_data_is_brackets() {
        assert_eq!(
            Answer::Data(json!({})).body(Lang::En),
            br#"{"result":"success","data":[]}"#
        );
        assert_eq!(
            Answer::Sent.body(Lang::En),
            br#"{"result":"success","message":""}"#
        );
    }

    #[test]
    fn session_ids_look_like_php_ones() {
        let id = session_id();
        assert_eq!(id.len(), 26);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'v').contains(&b)));
    }
}

//! Where the real server's PHP stops instead of answering: a fatal error (an uncaught `TypeError`
//! or `Error`), which the web server turns into HTTP 500 with an empty body, the usual headers and
//! cookies, and nothing stored; and the one place the code ends quietly with an empty HTTP 200.
//!
//! Observed on the real server and reproduced deliberately:
//! - `users` (sendNotification) or `gid` (sendChatMessage) that is a JSON object, or a list with
//!   an array or object element: fatal (see [`crate::mysql::selector`], which reports it).
//! - `m[]=...` or `f[]=...` in the query: fatal ([`crate::php::dispatch`]).
//! - A `content` that is a JSON array: HTTP 200, empty body, nothing stored ([`content_stop`]).
//!
//! Where these run: after the method's `empty()` checks (a body that fails them is answered with
//! the usual refusal first), recipients before content.

use serde_json::{Map, Value};
use std::fmt;

/// A request on which the real server's PHP dies with a fatal error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhpFatal {
    /// The request field whose value PHP could not handle (`users`, `gid`, `m`, ...).
    pub field: String,
    pub cause: FatalCause,
}

/// What was wrong with the field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FatalCause {
    /// The field is a JSON object (PHP's `stdClass`), where PHP needs an array or a string.
    Object,
    /// The list's element at `index` is an array, where PHP needs a string.
    ArrayElement { index: usize },
    /// The list's element at `index` is an object, where PHP needs a string.
    ObjectElement { index: usize },
    /// The query parameter is an array (`name[]=...`), where PHP needs a string.
    QueryArray,
}

impl PhpFatal {
    pub fn new(field: &str, cause: FatalCause) -> Self {
        PhpFatal {
            field: field.to_string(),
            cause,
        }
    }
}

impl fmt::Display for PhpFatal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match self.cause {
            FatalCause::Object => write!(f, "`{field}` is a JSON object"),
            FatalCause::ArrayElement { index } => {
                write!(f, "`{field}[{index}]` is an array")
            }
            FatalCause::ObjectElement { index } => {
                write!(f, "`{field}[{index}]` is an object")
            }
            FatalCause::QueryArray => write!(f, "the query parameter `{field}` is an array"),
        }?;
        f.write_str(
            ": the real server's PHP stops with a fatal error here (HTTP 500, empty body) and stores nothing",
        )
    }
}

impl std::error::Error for PhpFatal {}

/// The quiet stop of a send: the body field that makes the real server answer HTTP 200 with an
/// empty body and store nothing: a `content` that is a JSON array. (A `content` that is an object
/// has not been observed on the real server; it is not treated as a stop.)
pub fn content_stop(body: &Map<String, Value>) -> Option<&'static str> {
    matches!(body.get("content"), Some(Value::Array(_))).then_some("content")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_message_names_the_field_and_the_consequence() {
        let text = PhpFatal::new("users", FatalCause::Object).to_string();
        assert!(text.starts_with("`users` is a JSON object: "), "{text}");
        assert!(text.contains("HTTP 500"));
        assert_eq!(
            PhpFatal::new("users", FatalCause::ArrayElement { index: 2 })
                .to_string()
                .split(':')
                .next(),
            Some("`users[2]` is an array")
        );
        assert!(PhpFatal::new("m", FatalCause::QueryArray)
            .to_string()
            .starts_with("the query parameter `m` is an array"));
    }

    #[test]
    fn only_an_array_content_stops_quietly() {
        for (content, stops) in [
            (json!([]), true),
            (json!(["a", 1]), true),
            (json!({"a": 1}), false),
            (json!("a"), false),
            (json!(12), false),
            (json!(null), false),
        ] {
            let body = json!({ "content": content });
            assert_eq!(
                content_stop(body.as_object().unwrap()).is_some(),
                stops,
                "{content}"
            );
        }
        assert_eq!(content_stop(&Map::new()), None);
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn content_stop() {
        use crate::php::fatal::content_stop;
        use serde_json::json;
        let body = json!({"content": ["a"], "title": "t"});
        assert_eq!(content_stop(body.as_object().unwrap()), Some("content"));
        assert_eq!(
            content_stop(json!({"content": "a"}).as_object().unwrap()),
            None
        );
    }
}

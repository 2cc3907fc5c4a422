//! Every answer the direct API gives, with its status, headers and bytes: the one place where they
//! are produced. The shapes are the guide's (`{"result":"success","data":{...}}`,
//! `{"result":"success","message":""}`, `{"result":"fail","message":"..."}`); the status, the
//! headers and the encoding are assumed ([`Assumption::Status`], [`Assumption::Encoding`]): Go's
//! `encoding/json` encoder, which keeps UTF-8 as is, escapes `<`, `>`, `&`, U+2028 and U+2029,
//! never `/`, sorts a map's keys, and ends with a newline.
//!
//! [`Assumption::Status`]: super::Assumption::Status
//! [`Assumption::Encoding`]: super::Assumption::Encoding

use crate::domain::Outcome;
use crate::xxb::decide::Header;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What the direct API answers.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A lookup: `{"result":"success","data":{...}}`, the map's keys sorted as Go sorts them.
    Data(BTreeMap<String, String>),
    /// An accepted send: `{"result":"success","message":""}`.
    Sent,
    /// A refusal: `{"result":"fail","message":"..."}`.
    Fail(String),
    /// A path under `/im/` that is none of the four: Go's 404.
    NotFound,
    /// An operation called with another method: Go's 405, with the methods it allows.
    MethodNotAllowed { allow: &'static str },
    /// An armed fault's answer: its status, and its body encoded as the daemon encodes.
    Armed { status: u16, body: Option<Value> },
}

/// The content type of the JSON answers.
const JSON: &str = "application/json; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

impl Answer {
    pub fn status(&self) -> u16 {
        match self {
            Answer::NotFound => 404,
            Answer::MethodNotAllowed { .. } => 405,
            Answer::Armed { status, .. } => *status,
            Answer::Data(_) | Answer::Sent | Answer::Fail(_) => 200,
        }
    }

    /// The headers, as Go's `net/http` writes them for such an answer (the server adds `Date`
    /// and `Content-Length`).
    pub fn headers(&self) -> Vec<Header> {
        let fixed = |name: HeaderName, value: &'static str| (name, HeaderValue::from_static(value));
        match self {
            Answer::NotFound => vec![
                fixed(header::CONTENT_TYPE, TEXT),
                fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            Answer::MethodNotAllowed { allow } => vec![
                fixed(header::ALLOW, allow),
                fixed(header::CONTENT_TYPE, TEXT),
                fixed(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            Answer::Armed { body: None, .. } => Vec::new(),
            _ => vec![fixed(header::CONTENT_TYPE, JSON)],
        }
    }

    pub fn body(&self) -> Vec<u8> {
        let text = match self {
            Answer::Data(data) => {
                let data: Map<String, Value> = data
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                format!(
                    "{{\"result\":\"success\",\"data\":{}}}\n",
                    encode(&Value::Object(data))
                )
            }
            Answer::Sent => "{\"result\":\"success\",\"message\":\"\"}\n".to_string(),
            Answer::Fail(message) => format!(
                "{{\"result\":\"fail\",\"message\":{}}}\n",
                encode(&Value::String(message.clone()))
            ),
            Answer::NotFound => "404 page not found\n".to_string(),
            Answer::MethodNotAllowed { .. } => "Method Not Allowed\n".to_string(),
            Answer::Armed { body: None, .. } => String::new(),
            Answer::Armed {
                body: Some(body), ..
            } => format!("{}\n", encode(body)),
        };
        text.into_bytes()
    }

    /// Whether the call did what it was asked.
    pub fn outcome(&self) -> Outcome {
        match self {
            Answer::Data(_) | Answer::Sent => Outcome::Accepted,
            _ => Outcome::Rejected,
        }
    }
}

/// JSON as Go's `encoding/json` writes it (without the encoder's final newline): compact, UTF-8 as
/// is, `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`,
/// `\u2029`, and an object's keys in the order given (a map's are given sorted).
pub fn encode(value: &Value) -> String {
    let compact = value.to_string();
    // Those five characters can only occur inside strings of the compact text, so replacing them
    // everywhere escapes exactly them.
    let mut out = String::with_capacity(compact.len());
    for c in compact.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn answers_in_bytes() {
        let data: BTreeMap<String, String> = [("3", "张三"), ("10", "<b>"), ("1", "a/b")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(
            String::from_utf8(Answer::Data(data).body()).unwrap(),
            "{\"result\":\"success\",\"data\":{\"1\":\"a/b\",\"10\":\"\\u003cb\\u003e\",\"3\":\"张三\"}}\n"
        );
        assert_eq!(
            Answer::Data(BTreeMap::new()).body(),
            b"{\"result\":\"success\",\"data\":{}}\n"
        );
        assert_eq!(
            Answer::Fail("Invalid token.".into()).body(),
            b"{\"result\":\"fail\",\"message\":\"Invalid token.\"}\n"
        );
        assert_eq!(Answer::NotFound.body(), b"404 page not found\n");
        assert_eq!(Answer::MethodNotAllowed { allow: "POST" }.status(), 405);
    }

    proptest! {
        /// Oracle: the text decodes back to the value, and holds none of the five characters Go
        /// escapes, while every other non-ASCII character is written as itself.
        #[test]
        fn go_encoding_round_trips_and_escapes_only_its_five(text in "\\PC{0,30}|[<>&\u{2028}\u{2029}a-z中😀\"\\\\/]{0,20}") {
            let value = json!({"k": text, "list": [text]});
            let encoded = encode(&value);
            prop_assert_eq!(serde_json::from_str::<Value>(&encoded).unwrap(), value);
            prop_assert!(!encoded.contains(['<', '>', '&', '\u{2028}', '\u{2029}']), "{}", encoded);
            for c in text.chars().filter(|c| !c.is_ascii() && !['\u{2028}', '\u{2029}'].contains(c) && !c.is_control()) {
                prop_assert!(encoded.contains(c), "{} lost {:?}", encoded, c);
            }
            // `/` is written as itself: no `\/` once escaped backslashes are taken out.
            prop_assert!(!encoded.replace("\\\\", "").contains("\\/"), "{}", encoded);
        }
    }
}

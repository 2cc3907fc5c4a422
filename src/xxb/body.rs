//! The JSON body of the two send methods, read as the real server reads it: the raw body whatever
//! the method or Content-Type, decoded with PHP's `json_decode` ([`crate::php::json::decode`]),
//! fields tested with `empty()`.

use crate::php::json::{self, DecodeError};
use crate::php::value::{is_empty, to_php_string};
use serde_json::{Map, Value};

/// A decoded body: the JSON object, or nothing when the body is not one.
#[derive(Clone, Debug, PartialEq)]
pub struct SendBody {
    fields: Option<Map<String, Value>>,
    error: Option<DecodeError>,
}

impl SendBody {
    /// Decodes the raw body. Anything that is not a JSON object (invalid JSON, a form, a list, a
    /// scalar) has no fields at all, exactly as `$data->users` is then `null`.
    pub fn parse(raw: &[u8]) -> Self {
        match json::decode(raw) {
            Ok(Value::Object(map)) => SendBody {
                fields: Some(map),
                error: None,
            },
            Ok(_) => SendBody {
                fields: None,
                error: None,
            },
            Err(error) => SendBody {
                fields: None,
                error: Some(error),
            },
        }
    }

    pub fn is_object(&self) -> bool {
        self.fields.is_some()
    }

    /// The decoded object, when the body is one.
    pub fn fields(&self) -> Option<&Map<String, Value>> {
        self.fields.as_ref()
    }

    /// Why PHP's `json_decode` could not read the body, when it could not (a body that is valid
    /// JSON but not an object has no error and no fields).
    pub fn json_error(&self) -> Option<&DecodeError> {
        self.error.as_ref()
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.as_ref().and_then(|f| f.get(name))
    }

    /// PHP `empty($data->name)`.
    pub fn is_empty(&self, name: &str) -> bool {
        is_empty(self.get(name))
    }

    /// The field, or `default` when it is missing or `null` (`$data->name ?? default`).
    pub fn or(&self, name: &str, default: Value) -> Value {
        match self.get(name) {
            None | Some(Value::Null) => default,
            Some(v) => v.clone(),
        }
    }

    /// The field as PHP would write it into a text column: scalars cast to strings, an array as
    /// the string `Array`, anything else empty.
    pub fn text(&self, name: &str) -> String {
        match self.get(name) {
            None => String::new(),
            Some(Value::Array(_)) => "Array".into(),
            Some(v) => to_php_string(v).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn non_objects_have_no_fields() {
        for raw in [
            &b"data={\"users\":[1]}"[..],
            b"[1,2]",
            b"\"x\"",
            b"null",
            b"",
            b"{",
            b"\xef\xbb\xbf{\"users\":[1]}",
            b"{\"users\":[1]}\x00",
            b"{\"users\":[\"\xff\"]}",
        ] {
            let body = SendBody::parse(raw);
            assert!(!body.is_object());
            assert!(body.is_empty("users"));
        }
        assert_eq!(SendBody::parse(b"[1]").json_error(), None);
        assert_eq!(
            SendBody::parse(b"{").json_error().map(|e| e.kind.message()),
            Some("Syntax error")
        );
    }

    #[test]
    fn decoded_as_php_does() {
        let deep = format!(r#"{{"users":{}1{}}}"#, "[".repeat(511), "]".repeat(511));
        assert!(SendBody::parse(deep.as_bytes()).is_object());
        let deeper = format!(r#"{{"users":{}1{}}}"#, "[".repeat(512), "]".repeat(512));
        assert!(!SendBody::parse(deeper.as_bytes()).is_object());
        let body = SendBody::parse(br#"{"users":[1],"users":["a"],"content":"a\u0000b"}"#);
        assert_eq!(body.get("users"), Some(&json!(["a"])));
        assert_eq!(body.text("content"), "a\u{0}b");
        assert_eq!(SendBody::parse(br#"{"content":1.0}"#).text("content"), "1");
    }

    #[test]
    fn fields_follow_php() {
        let body = SendBody::parse(
            br#"{"users":[1],"title":"0","sender":{},"content":12,"url":null,"actions":[1]}"#,
        );
        assert!(!body.is_empty("users"));
        assert!(body.is_empty("title"));
        assert!(!body.is_empty("sender"));
        assert_eq!(body.text("content"), "12");
        assert_eq!(body.or("url", json!("")), json!(""));
        assert_eq!(body.text("actions"), "Array");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
            let body = SendBody::parse(&raw);
            let _ = body.is_empty("users");
            let _ = body.text("content");
        }
    }
}

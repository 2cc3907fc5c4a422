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

    /// A field value with what PHP's `empty()` says of it and the text PHP writes for it, both
    /// taken from PHP's documentation (`true` is "1", `false` and `null` are "", an array is
    /// "Array").
    fn field() -> impl Strategy<Value = (Value, bool, String)> {
        let leaf = prop_oneof![
            Just((Value::Null, true, String::new())),
            Just((json!(true), false, "1".to_string())),
            Just((json!(false), true, String::new())),
            Just((json!(0), true, "0".to_string())),
            Just((json!(0.0), true, "0".to_string())),
            Just((json!(1.5), false, "1.5".to_string())),
            (-1000i64..1000).prop_map(|n| (json!(n), n == 0, n.to_string())),
            "[a-z0-9 \u{4e00}-\u{4e0f}]{0,6}".prop_map(|s| (json!(s), s.is_empty() || s == "0", s)),
            Just((json!("0"), true, "0".to_string())),
        ];
        prop_oneof![
            4 => leaf.clone(),
            1 => proptest::collection::vec(leaf.clone().prop_map(|l| l.0), 0..3)
                .prop_map(|a| { let empty = a.is_empty(); (Value::Array(a), empty, "Array".to_string()) }),
            1 => proptest::collection::btree_map("[a-z]{1,3}", leaf.prop_map(|l| l.0), 0..3)
                .prop_map(|m| (Value::Object(m.into_iter().collect()), false, String::new())),
        ]
    }

    proptest! {
        /// A JSON object body, as a client serialises it, gives back each field with PHP's
        /// `empty()` and text of it; a missing field is empty with no text.
        #[test]
        fn object_bodies_read_back_their_fields(
            fields in proptest::collection::btree_map(
                prop_oneof![Just("users".to_string()), Just("content".to_string()), "[a-z]{1,6}"],
                field(),
                0..5,
            ),
            pretty in any::<bool>(),
        ) {
            let object: Map<String, Value> = fields.iter().map(|(k, (v, _, _))| (k.clone(), v.clone())).collect();
            let raw = if pretty {
                serde_json::to_vec_pretty(&object).unwrap()
            } else {
                serde_json::to_vec(&object).unwrap()
            };
            let body = SendBody::parse(&raw);
            prop_assert!(body.is_object() && body.json_error().is_none(), "{}", String::from_utf8_lossy(&raw));
            for (name, (value, empty, text)) in &fields {
                prop_assert_eq!(body.get(name), Some(value), "{}", name);
                prop_assert_eq!(body.is_empty(name), *empty, "empty({})", name);
                prop_assert_eq!(&body.text(name), text, "text({})", name);
            }
            for missing in ["users", "content", "zzzzzzz"] {
                if !fields.contains_key(missing) {
                    prop_assert!(body.is_empty(missing) && body.text(missing).is_empty());
                }
            }
        }

        /// Valid JSON that is not an object has no fields and no error; bytes that are not JSON
        /// have no fields and an error.
        #[test]
        fn other_bodies_have_no_fields((value, _, _) in field(), junk in "[a-z=&]{1,10}") {
            if !value.is_object() {
                let body = SendBody::parse(value.to_string().as_bytes());
                prop_assert!(!body.is_object() && body.json_error().is_none() && body.is_empty("users"), "{}", value);
            }
            let body = SendBody::parse(format!("{junk}{value}").as_bytes());
            let is_json = serde_json::from_str::<Value>(&format!("{junk}{value}")).is_ok();
            prop_assert!(is_json || (!body.is_object() && body.json_error().is_some()), "{}{}", junk, value);
        }
    }
}

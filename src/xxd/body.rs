//! A send's JSON body, decoded as a Go daemon decodes it into typed fields (assumed:
//! [`Assumption::Body`]): `encoding/json`'s `Unmarshal` into a struct of `users []int64` (or
//! `gid string`), `title`, `subtitle`, `content`, `contentType`, `url` as strings, `actions` as a
//! list of anything, and `sender` as any value.
//!
//! Go's rules, reproduced: the body is one JSON value (whitespace around it allowed); a top-level
//! `null` decodes into nothing (every field missing); another non-object is an error; an object's
//! names match a field exactly or without regard to case, and when several do the last one wins;
//! `null` leaves a text field as it was, empties a list and clears `sender`; a `null` inside
//! `users` is the id 0; a value of the wrong type is an error (the first one met is reported);
//! invalid UTF-8 inside strings becomes U+FFFD; names of no field are ignored (the other send's
//! `users` or `gid` included).
//!
//! The guide documents the rest: `users` is a list of user ids, `actions` only needs to be a list,
//! and `sender` only needs not to be `null`.
//!
//! [`Assumption::Body`]: super::Assumption::Body

use super::operation::Operation;
use serde_json::{Map, Value};

/// The fields of a send, decoded.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SendFields {
    /// sendNotification's recipients: user ids.
    pub users: Vec<i64>,
    /// sendChatMessage's chat.
    pub gid: String,
    pub title: String,
    pub subtitle: String,
    pub content: String,
    /// As sent; empty when missing.
    pub content_type: String,
    pub url: String,
    pub actions: Vec<Value>,
    /// `None` when missing or `null`.
    pub sender: Option<Value>,
    /// Names that matched a field only without regard to case (`Title`), as sent.
    pub folded: Vec<String>,
    /// The object as sent, for the checks of strict mode and the warnings.
    pub object: Map<String, Value>,
}

/// Why a body does not decode.
#[derive(Clone, Debug, PartialEq)]
pub enum BodyError {
    /// Not JSON at all, with the parser's reason.
    NotJson(String),
    /// A JSON value that is not an object (nor `null`): what it is.
    NotObject(&'static str),
    /// A field holds a value of another type: where (`users[1]`), what it should be, what it is.
    WrongType {
        field: String,
        expected: &'static str,
        found: Value,
    },
}

impl BodyError {
    /// The refusal's text (the daemon's own wording is not known).
    pub fn message(&self) -> String {
        match self {
            BodyError::NotJson(reason) => {
                format!("Invalid request body: it is not JSON ({reason}).")
            }
            BodyError::NotObject(what) => {
                format!("Invalid request body: it is {what}, not a JSON object.")
            }
            BodyError::WrongType {
                field,
                expected,
                found,
            } => format!(
                "Invalid request body: {field} must be {expected}, not {}.",
                shown(found)
            ),
        }
    }
}

/// A value in a message: JSON, cut after 60 characters.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// What a name of the body fills.
#[derive(Clone, Copy)]
enum Field {
    Users,
    Gid,
    Title,
    Subtitle,
    Content,
    ContentType,
    Url,
    Actions,
    Sender,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Users => "users",
            Field::Gid => "gid",
            Field::Title => "title",
            Field::Subtitle => "subtitle",
            Field::Content => "content",
            Field::ContentType => "contentType",
            Field::Url => "url",
            Field::Actions => "actions",
            Field::Sender => "sender",
        }
    }

    /// What both sends carry after their recipients.
    const MESSAGE: [Field; 7] = [
        Field::Title,
        Field::Subtitle,
        Field::Content,
        Field::ContentType,
        Field::Url,
        Field::Actions,
        Field::Sender,
    ];

    /// The fields of `operation`'s request: its recipients (a chat's gid, or users), then the
    /// message.
    fn of(operation: Operation) -> impl Iterator<Item = Field> {
        let recipients = match operation {
            Operation::SendChatMessage => Field::Gid,
            _ => Field::Users,
        };
        std::iter::once(recipients).chain(Field::MESSAGE)
    }
}

/// Decodes `raw` into the fields of `operation`.
pub fn decode(raw: &[u8], operation: Operation) -> Result<SendFields, BodyError> {
    // Go replaces invalid UTF-8 with U+FFFD inside strings; elsewhere it is a syntax error either way.
    let text = String::from_utf8_lossy(raw);
    let value: Value =
        serde_json::from_str(&text).map_err(|e| BodyError::NotJson(e.to_string()))?;
    let object = match value {
        Value::Object(object) => object,
        Value::Null => Map::new(),
        Value::Array(_) => return Err(BodyError::NotObject("a list")),
        Value::String(_) => return Err(BodyError::NotObject("a string")),
        Value::Number(_) => return Err(BodyError::NotObject("a number")),
        Value::Bool(_) => return Err(BodyError::NotObject("a boolean")),
    };
    let mut fields = SendFields::default();
    let mut first_error = None;
    for (name, value) in &object {
        let exact = Field::of(operation).find(|f| f.name() == name);
        let folded =
            || Field::of(operation).find(|f| f.name().to_lowercase() == name.to_lowercase());
        let Some(field) = exact.or_else(folded) else {
            continue;
        };
        if field.name() != name {
            fields.folded.push(name.clone());
        }
        if let Err(error) = fill(&mut fields, field, value) {
            first_error.get_or_insert(error);
        }
    }
    fields.object = object;
    match first_error {
        Some(error) => Err(error),
        None => Ok(fields),
    }
}

/// Stores `value` into `field`, as Go's decoder does.
fn fill(fields: &mut SendFields, field: Field, value: &Value) -> Result<(), BodyError> {
    let wrong = |expected: &'static str| BodyError::WrongType {
        field: field.name().to_string(),
        expected,
        found: value.clone(),
    };
    match field {
        Field::Users => match value {
            Value::Null => fields.users.clear(),
            Value::Array(list) => {
                fields.users.clear();
                let mut first_error = None;
                for (i, element) in list.iter().enumerate() {
                    match element {
                        // Go ignores a null for an integer: the element stays 0.
                        Value::Null => fields.users.push(0),
                        Value::Number(n) if n.is_i64() => {
                            fields.users.push(n.as_i64().unwrap_or_default())
                        }
                        other => {
                            fields.users.push(0);
                            first_error.get_or_insert(BodyError::WrongType {
                                field: format!("users[{i}]"),
                                expected: "a user id (a whole number)",
                                found: other.clone(),
                            });
                        }
                    }
                }
                if let Some(error) = first_error {
                    return Err(error);
                }
            }
            _ => return Err(wrong("a list of user ids")),
        },
        Field::Actions => match value {
            Value::Null => fields.actions.clear(),
            Value::Array(list) => fields.actions = list.clone(),
            _ => return Err(wrong("a list")),
        },
        Field::Sender => {
            fields.sender = (!value.is_null()).then(|| value.clone());
        }
        text => {
            let slot = match text {
                Field::Gid => &mut fields.gid,
                Field::Title => &mut fields.title,
                Field::Subtitle => &mut fields.subtitle,
                Field::Content => &mut fields.content,
                Field::ContentType => &mut fields.content_type,
                _ => &mut fields.url,
            };
            match value {
                // Go leaves a string as it was on null.
                Value::Null => {}
                Value::String(s) => *slot = s.clone(),
                _ => return Err(wrong("a string")),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn notification(body: &str) -> Result<SendFields, BodyError> {
        decode(body.as_bytes(), Operation::SendNotification)
    }

    #[test]
    fn typed_fields() {
        let f = notification(r#"{"users":[3,4,null],"Title":"t","title":"u","actions":null,"sender":{"displayName":"CI"},"gid":7}"#).unwrap();
        assert_eq!(f.users, [3, 4, 0]);
        assert_eq!(f.title, "u", "the last name that matches wins");
        assert_eq!(f.folded, ["Title"]);
        assert!(f.actions.is_empty());
        assert_eq!(f.sender, Some(json!({"displayName": "CI"})));
        let f = notification("null").unwrap();
        assert!(f.users.is_empty() && f.sender.is_none());
        let f = notification(r#"{"sender":null,"title":null}"#).unwrap();
        assert!(f.sender.is_none() && f.title.is_empty());
    }

    #[test]
    fn wrong_types_are_refused_with_the_first_one_met() {
        assert_eq!(
            notification(r#"{"users":[3,"zhangsan",4.5]}"#),
            Err(BodyError::WrongType {
                field: "users[1]".into(),
                expected: "a user id (a whole number)",
                found: json!("zhangsan")
            })
        );
        for body in [
            r#"{"users":[3.0]}"#,
            r#"{"users":["3"]}"#,
            r#"{"users":3}"#,
            r#"{"users":[1e2]}"#,
            r#"{"users":[99999999999999999999]}"#,
        ] {
            assert!(
                matches!(notification(body), Err(BodyError::WrongType { .. })),
                "{body}"
            );
        }
        assert!(
            matches!(notification(r#"{"title":1,"actions":{}}"#), Err(BodyError::WrongType { field, .. }) if field == "title")
        );
        assert!(
            matches!(notification(r#"{"actions":"x"}"#), Err(BodyError::WrongType { field, .. }) if field == "actions")
        );
        assert_eq!(notification("[1]"), Err(BodyError::NotObject("a list")));
        assert!(matches!(notification(""), Err(BodyError::NotJson(_))));
        assert!(matches!(notification("{} x"), Err(BodyError::NotJson(_))));
        // Another send's field is no field of this one.
        assert!(decode(br#"{"users":"x","gid":"g"}"#, Operation::SendChatMessage).is_ok());
    }

    #[test]
    fn invalid_utf8_in_a_string_becomes_the_replacement_character() {
        let f = decode(b"{\"title\":\"a\xffb\"}", Operation::SendNotification).unwrap();
        assert_eq!(f.title, "a\u{fffd}b");
    }

    proptest! {
        /// Model: a list of values decodes exactly when each is null or a whole number within i64,
        /// and null counts as 0.
        #[test]
        fn users_decode_like_go_slices_of_int64(elements in proptest::collection::vec(prop_oneof![
            Just(json!(null)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            "[a-z0-9]{0,4}".prop_map(|s| json!(s)),
            any::<bool>().prop_map(|b| json!(b)),
        ], 0..6)) {
            let body = json!({"users": elements}).to_string();
            let expected: Option<Vec<i64>> = elements.iter().map(|e| match e {
                Value::Null => Some(0),
                Value::Number(n) => n.as_i64(),
                _ => None,
            }).collect();
            match (notification(&body), expected) {
                (Ok(f), Some(ids)) => prop_assert_eq!(f.users, ids),
                (Err(BodyError::WrongType { .. }), None) => {}
                (got, want) => prop_assert!(false, "{} decoded to {:?}, expected {:?}", body, got, want),
            }
        }
    }
}

//! PHP's JSON: `json_encode` bytes (the one place that turns a JSON value into what the real server
//! sends) and `json_decode` ([`decode`], how the real server reads a request body).
//!
//! The real server answers with PHP's `json_encode` defaults, which differ from every other encoder:
//! every non-ASCII character is escaped as `\uXXXX` in lower-case hex (surrogate pairs above U+FFFF),
//! `/` is escaped as `\/`, there is no white space, and an empty PHP array (an empty map included) is
//! `[]`. A PHP array whose keys are exactly `0, 1, 2, ...` in order is a list, so a map keyed `"0"`, `"1"`
//! encodes as a JSON array too. All of this is reproduced deliberately: clients that parse the answers
//! byte by byte, or treat `[]` and `{}` differently, must see what production sends.

mod decode;

pub use decode::{decode, DecodeError};

use serde_json::Value;
use std::fmt::Write;

/// Encodes `value` exactly as PHP 8's `json_encode($value)` with no flags.
pub fn encode(value: &Value) -> String {
    let mut out = String::with_capacity(128);
    write_value(&mut out, value, Objects::PhpArrays);
    out
}

/// Appends `value` to `out` as PHP's `json_encode` writes what its own `json_decode` produced: a
/// JSON object was decoded as an `stdClass` object, which is encoded as an object whatever its keys
/// (`{}` stays `{}`, `{"0":1}` stays an object). This is how the real server writes a client's
/// values into the message's `data` column.
pub fn encode_decoded_into(out: &mut String, value: &Value) {
    write_value(out, value, Objects::StdClass);
}

/// What a JSON object is to PHP in the value being encoded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Objects {
    /// A PHP array built by the server's code (a map of ids to names, say).
    PhpArrays,
    /// An `stdClass`, as `json_decode` makes of a JSON object.
    StdClass,
}

fn write_value(out: &mut String, value: &Value, objects: Objects) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => write_list(out, items.iter(), objects),
        Value::Object(map) => {
            // Deliberate: PHP has one array type; an empty one is `[]`, and one whose keys are the
            // sequence 0..n is a list.
            if objects == Objects::PhpArrays && (map.is_empty() || is_php_list(map.keys())) {
                write_list(out, map.values(), objects);
                return;
            }
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, key);
                out.push(':');
                write_value(out, item, objects);
            }
            out.push('}');
        }
    }
}

fn write_list<'a>(out: &mut String, items: impl Iterator<Item = &'a Value>, objects: Objects) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_value(out, item, objects);
    }
    out.push(']');
}

/// PHP turns canonical decimal string keys into integer keys; an array whose keys are then exactly
/// `0, 1, ..., n-1` in order is encoded as a JSON list.
fn is_php_list<'a>(mut keys: impl Iterator<Item = &'a String>) -> bool {
    keys.all({
        let mut expected = 0u64;
        move |key| {
            let ok = *key == expected.to_string();
            expected += 1;
            ok
        }
    })
}

fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
        // PHP (serialize_precision = -1) prints the shortest round-trip form and keeps a `.0`
        // on integral floats.
        if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
            let _ = write!(out, "{f:.1}");
        } else {
            let _ = write!(out, "{f}");
        }
    } else {
        let _ = write!(out, "{n}");
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Characters written as they are go out in runs, between the ones escaped.
    let mut run_start = 0;
    for (at, c) in s.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '/' => "\\/",
            '\u{08}' => "\\b",
            '\u{0c}' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 || (c as u32) >= 0x80 => "",
            _ => continue,
        };
        out.push_str(&s[run_start..at]);
        run_start = at + c.len_utf8();
        if !escape.is_empty() {
            out.push_str(escape);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            push_unicode_escape(out, *unit);
        }
    }
    out.push_str(&s[run_start..]);
    out.push('"');
}

/// `\uXXXX` with the UTF-16 code unit in lower-case hex, as PHP writes it.
fn push_unicode_escape(out: &mut String, unit: u16) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(char::from(HEX[usize::from((unit >> shift) & 0xf)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn escapes_non_ascii_in_lower_case_hex() {
        assert_eq!(encode(&json!("张三")), r#""\u5f20\u4e09""#);
        assert_eq!(encode(&json!("é")), r#""\u00e9""#);
    }

    #[test]
    fn escapes_characters_above_the_bmp_as_surrogate_pairs() {
        assert_eq!(encode(&json!("😀")), r#""\ud83d\ude00""#);
    }

    #[test]
    fn escapes_slash_and_controls() {
        assert_eq!(
            encode(&json!("a/b\"c\\d\n\t\r\u{1}")),
            r#""a\/b\"c\\d\n\t\r\u0001""#
        );
        assert_eq!(encode(&json!("\u{7f}")), "\"\u{7f}\"");
    }

    #[test]
    fn empty_map_and_empty_list_are_both_brackets() {
        assert_eq!(encode(&json!({})), "[]");
        assert_eq!(encode(&json!([])), "[]");
        assert_eq!(encode(&json!({"data": {}})), r#"{"data":[]}"#);
    }

    #[test]
    fn maps_keyed_zero_to_n_are_lists() {
        assert_eq!(encode(&json!({"0": "a", "1": "b"})), r#"["a","b"]"#);
        assert_eq!(encode(&json!({"1": "a", "0": "b"})), r#"{"1":"a","0":"b"}"#);
        assert_eq!(encode(&json!({"00": "a"})), r#"{"00":"a"}"#);
    }

    #[test]
    fn decoded_objects_stay_objects() {
        let encode_decoded = |value: &Value| {
            let mut out = String::new();
            encode_decoded_into(&mut out, value);
            out
        };
        assert_eq!(encode_decoded(&json!({})), "{}");
        assert_eq!(
            encode_decoded(&json!({"0": "a", "1": {}})),
            r#"{"0":"a","1":{}}"#
        );
        assert_eq!(encode_decoded(&json!([{}, []])), "[{},[]]");
        assert_eq!(encode_decoded(&json!("a/é")), r#""a\/\u00e9""#);
    }

    #[test]
    fn keeps_key_order_and_writes_no_spaces() {
        let v = json!({"result": "success", "data": {"3": "x", "1": "y"}, "n": [1, true, null]});
        assert_eq!(
            encode(&v),
            r#"{"result":"success","data":{"3":"x","1":"y"},"n":[1,true,null]}"#
        );
    }

    #[test]
    fn floats_keep_their_decimal_point() {
        assert_eq!(encode(&json!(1.0)), "1.0");
        assert_eq!(encode(&json!(1.5)), "1.5");
        assert_eq!(encode(&json!(-7)), "-7");
    }

    proptest! {
        #[test]
        fn output_is_ascii_json_that_decodes_to_the_same_string(s in any::<String>()) {
            let encoded = encode(&Value::String(s.clone()));
            prop_assert!(encoded.is_ascii());
            let decoded: String = serde_json::from_str(&encoded).unwrap();
            prop_assert_eq!(decoded, s);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn encode() {
        use serde_json::json;
        let bytes = crate::php::json::encode(&json!({"result": "success", "data": {}}));
        assert_eq!(bytes, r#"{"result":"success","data":[]}"#);
        let bytes = crate::php::json::encode(&json!({"1": "管理员", "url": "http://x/y"}));
        assert_eq!(bytes, r#"{"1":"\u7ba1\u7406\u5458","url":"http:\/\/x\/y"}"#);
    }
}

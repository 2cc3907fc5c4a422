//! PHP 8.2's `json_decode($json)` (objects as `stdClass`, depth 512, no flags): what the real
//! server reads from a request body, and when it reads nothing.
//!
//! Reproduced deliberately, as PHP's scanner and parser do it:
//! - Nesting: at most 512 arrays and objects deep in all, so a `users` value inside the body's
//!   object may nest 511 levels; one more and the whole body is invalid.
//! - A repeated key: the last value wins, in the place of the first (the property is updated).
//! - A key that starts with `\u0000` is invalid (PHP cannot name a property so); `""` is a key.
//! - Strings must be valid UTF-8 without raw control characters; `\u0000` is kept as a NUL;
//!   an unpaired surrogate escape is invalid; an unterminated string is a control-character error.
//! - Only lower-case `true`, `false`, `null`; numbers as RFC 8259 writes them (no `01`, `1.`,
//!   `.5`, `+1`); an integer that does not fit in 64 bits is a float.
//! - A UTF-8 byte-order mark, a raw NUL, anything after the value: invalid.
//!
//! One difference, unavoidable with `serde_json` values: PHP reads an overflowing number such as
//! `1e400` as `INF`; here it is the largest finite float with the same sign. Both are numeric and
//! equal no user id; only the text PHP would make of it (`INF`) differs.

use serde_json::{Map, Number, Value};
use std::fmt;

/// PHP's default `json_decode` depth: arrays and objects nested deeper than this are an error.
pub const MAX_DEPTH: usize = 512;

/// Why `json_decode` returned `null`: PHP's `json_last_error()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    Depth,
    CtrlChar,
    Syntax,
    Utf8,
    InvalidPropertyName,
    Utf16,
}

impl JsonError {
    /// PHP's `json_last_error_msg()` text.
    pub fn message(self) -> &'static str {
        match self {
            JsonError::Depth => "Maximum stack depth exceeded",
            JsonError::CtrlChar => "Control character error, possibly incorrectly encoded",
            JsonError::Syntax => "Syntax error",
            JsonError::Utf8 => "Malformed UTF-8 characters, possibly incorrectly encoded",
            JsonError::InvalidPropertyName => "The decoded property name is invalid",
            JsonError::Utf16 => "Single unpaired UTF-16 surrogate in unicode escape",
        }
    }
}

/// A body PHP cannot decode: the error and the byte where it was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub kind: JsonError,
    pub offset: usize,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind.message(), self.offset)
    }
}

impl std::error::Error for DecodeError {}

/// Decodes `input` as PHP's `json_decode($input)` does. A JSON object becomes a map (PHP's
/// `stdClass`), in key order.
pub fn decode(input: &[u8]) -> Result<Value, DecodeError> {
    let mut parser = Parser {
        bytes: input,
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_white_space();
    if parser.pos < input.len() {
        return Err(parser.unexpected());
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, kind: JsonError, offset: usize) -> DecodeError {
        DecodeError { kind, offset }
    }

    /// The error for a byte that starts no expected token: PHP's scanner calls a NUL a control
    /// character, a byte that starts no UTF-8 character malformed UTF-8, anything else syntax.
    fn unexpected(&self) -> DecodeError {
        let kind = match self.bytes.get(self.pos) {
            None => JsonError::Syntax,
            Some(0) => JsonError::CtrlChar,
            Some(b) if b.is_ascii() => JsonError::Syntax,
            Some(_) if utf8_char_len(&self.bytes[self.pos..]).is_some() => JsonError::Syntax,
            Some(_) => JsonError::Utf8,
        };
        self.error(kind, self.pos)
    }

    fn skip_white_space(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Value, DecodeError> {
        self.skip_white_space();
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            _ => Err(self.unexpected()),
        }
    }

    fn literal(&mut self, word: &[u8], value: Value) -> Result<Value, DecodeError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected())
        }
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(JsonError::Depth, self.pos));
        }
        self.pos += 1;
        Ok(())
    }

    /// Expects `byte` after white space.
    fn expect(&mut self, byte: u8) -> Result<(), DecodeError> {
        self.skip_white_space();
        if self.bytes.get(self.pos) == Some(&byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    /// After an element: `,` (more follow) or `close` (the end).
    fn more(&mut self, close: u8) -> Result<bool, DecodeError> {
        self.skip_white_space();
        match self.bytes.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(&b) if b == close => {
                self.pos += 1;
                Ok(false)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// The elements of an array or an object, after its opening bracket: none, or `element`s
    /// separated by `,`, up to `close`.
    fn elements(
        &mut self,
        close: u8,
        mut element: impl FnMut(&mut Self) -> Result<(), DecodeError>,
    ) -> Result<(), DecodeError> {
        self.enter()?;
        self.skip_white_space();
        if self.bytes.get(self.pos) == Some(&close) {
            self.pos += 1;
        } else {
            loop {
                element(self)?;
                if !self.more(close)? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(())
    }

    fn array(&mut self) -> Result<Value, DecodeError> {
        let mut items = Vec::new();
        self.elements(b']', |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Value::Array(items))
    }

    fn object(&mut self) -> Result<Value, DecodeError> {
        let mut map = Map::new();
        self.elements(b'}', |p| {
            p.skip_white_space();
            if p.bytes.get(p.pos) != Some(&b'"') {
                return Err(p.unexpected());
            }
            let key_at = p.pos;
            let key = p.string()?;
            p.expect(b':')?;
            let value = p.value()?;
            // PHP checks the name when it sets the property, after reading the value.
            if key.starts_with('\0') {
                return Err(p.error(JsonError::InvalidPropertyName, key_at));
            }
            // Deliberate: a repeated key keeps its first place and takes the last value.
            map.insert(key, value);
            Ok(())
        })?;
        Ok(Value::Object(map))
    }

    fn number(&mut self) -> Result<Value, DecodeError> {
        let start = self.pos;
        let digits = |bytes: &[u8], from: usize| {
            bytes[from.min(bytes.len())..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
        };
        let mut end = start;
        if self.bytes[end] == b'-' {
            end += 1;
        }
        match self.bytes.get(end) {
            Some(b'0') => end += 1,
            Some(b'1'..=b'9') => end += digits(self.bytes, end),
            _ => {
                self.pos = start;
                return Err(self.unexpected());
            }
        }
        let mut float = false;
        if self.bytes.get(end) == Some(&b'.') {
            let n = digits(self.bytes, end + 1);
            if n > 0 {
                float = true;
                end += 1 + n;
            }
        }
        if matches!(self.bytes.get(end), Some(b'e' | b'E')) {
            let mut exp = end + 1;
            if matches!(self.bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            let n = digits(self.bytes, exp);
            if n > 0 {
                float = true;
                end = exp + n;
            }
        }
        self.pos = end;
        // The slice is ASCII digits, signs, `.` and `e`: always UTF-8.
        let text = std::str::from_utf8(&self.bytes[start..end]).unwrap_or("0");
        if !float {
            if let Ok(int) = text.parse::<i64>() {
                return Ok(Value::Number(int.into()));
            }
        }
        let value: f64 = text.parse().unwrap_or(0.0);
        let value = if value.is_infinite() {
            f64::MAX.copysign(value)
        } else {
            value
        };
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    /// A string token, the cursor on its opening quote.
    fn string(&mut self) -> Result<String, DecodeError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.bytes[self.pos..]
                .iter()
                .take_while(|&&b| b != b'"' && b != b'\\' && b >= 0x20)
                .count();
            match std::str::from_utf8(&self.bytes[self.pos..self.pos + run]) {
                Ok(text) => out.push_str(text),
                Err(e) => return Err(self.error(JsonError::Utf8, self.pos + e.valid_up_to())),
            }
            self.pos += run;
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                // A raw control character, or the end of the input inside the string.
                _ => return Err(self.error(JsonError::CtrlChar, self.pos)),
            }
        }
    }

    /// An escape, the cursor on its backslash.
    fn escape(&mut self, out: &mut String) -> Result<(), DecodeError> {
        let at = self.pos;
        let simple = match self.bytes.get(at + 1) {
            Some(b'"') => Some('"'),
            Some(b'\\') => Some('\\'),
            Some(b'/') => Some('/'),
            Some(b'b') => Some('\u{8}'),
            Some(b'f') => Some('\u{c}'),
            Some(b'n') => Some('\n'),
            Some(b'r') => Some('\r'),
            Some(b't') => Some('\t'),
            Some(b'u') => None,
            _ => return Err(self.error(JsonError::Syntax, at)),
        };
        if let Some(c) = simple {
            out.push(c);
            self.pos += 2;
            return Ok(());
        }
        let unit = self
            .hex4(at + 2)
            .ok_or_else(|| self.error(JsonError::Syntax, at))?;
        let c = match unit {
            0xD800..=0xDBFF => {
                let low = (self.bytes.get(at + 6..at + 8) == Some(b"\\u"))
                    .then(|| self.hex4(at + 8))
                    .flatten()
                    .filter(|low| (0xDC00..=0xDFFF).contains(low))
                    .ok_or_else(|| self.error(JsonError::Utf16, at))?;
                self.pos += 6;
                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error(JsonError::Utf16, at)),
            unit => unit,
        };
        self.pos += 6;
        out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
        Ok(())
    }

    fn hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at + 4)?;
        if !digits.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
    }
}

/// The length of the UTF-8 character at the start of `bytes`, if one starts there.
fn utf8_char_len(bytes: &[u8]) -> Option<usize> {
    let window = &bytes[..bytes.len().min(4)];
    let valid = match std::str::from_utf8(window) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&window[..e.valid_up_to()]).ok()?,
    };
    valid.chars().next().map(char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn kind(input: &[u8]) -> JsonError {
        decode(input).expect_err("invalid").kind
    }

    fn nested(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn nesting_stops_at_512() {
        assert!(decode(nested(512).as_bytes()).is_ok());
        assert_eq!(kind(nested(513).as_bytes()), JsonError::Depth);
        // Inside the body's object, so 511 levels of `users` are accepted and 512 are not.
        let body = |n: usize| format!(r#"{{"users":{}}}"#, nested(n));
        assert!(decode(body(511).as_bytes()).is_ok());
        assert_eq!(kind(body(512).as_bytes()), JsonError::Depth);
        let objects = format!("{}1{}", r#"{"a":"#.repeat(513), "}".repeat(513));
        assert_eq!(kind(objects.as_bytes()), JsonError::Depth);
        // Deep but valid elsewhere: depth is counted per path, not in total.
        let wide = format!("[{}]", vec![nested(500); 3].join(","));
        assert!(decode(wide.as_bytes()).is_ok());
    }

    #[test]
    fn the_last_duplicate_wins_in_the_first_place() {
        let value = decode(br#"{"users":[1],"title":"a","users":[2]}"#).unwrap();
        assert_eq!(value, json!({"users": [2], "title": "a"}));
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["users", "title"]);
    }

    #[test]
    fn property_names() {
        assert_eq!(decode(br#"{"":1}"#).unwrap(), json!({"": 1}));
        assert_eq!(kind(br#"{"\u0000a":1}"#), JsonError::InvalidPropertyName);
        assert_eq!(decode(br#"{"a\u0000":1}"#).unwrap(), json!({"a\u{0}": 1}));
        // The value is read before the name is checked.
        assert_eq!(kind(br#"{"\u0000a":[}"#), JsonError::Syntax);
    }

    #[test]
    fn strings() {
        assert_eq!(decode(br#""a\u0000b""#).unwrap(), json!("a\u{0}b"));
        assert_eq!(decode(br#""\ud83d\ude00""#).unwrap(), json!("😀"));
        assert_eq!(
            decode(br#""\u5F20\/\"\\\b\f\n\r\t""#).unwrap(),
            json!("张/\"\\\u{8}\u{c}\n\r\t")
        );
        assert_eq!(decode("\"张三\"".as_bytes()).unwrap(), json!("张三"));
        assert_eq!(kind(br#""\ud83d""#), JsonError::Utf16);
        assert_eq!(kind(br#""\ude00""#), JsonError::Utf16);
        assert_eq!(kind(br#""\ud83d\u0041""#), JsonError::Utf16);
        assert_eq!(kind(br#""\x""#), JsonError::Syntax);
        assert_eq!(kind(br#""\u12G4""#), JsonError::Syntax);
        assert_eq!(kind(b"\"a\x00b\""), JsonError::CtrlChar);
        assert_eq!(kind(b"\"a\nb\""), JsonError::CtrlChar);
        assert_eq!(kind(b"\"abc"), JsonError::CtrlChar);
        assert_eq!(kind(b"\"a\xffb\""), JsonError::Utf8);
        assert_eq!(kind(b"\"\xc3\""), JsonError::Utf8);
        assert_eq!(kind(b"\"\xed\xa0\x80\""), JsonError::Utf8);
        assert_eq!(decode(b"\"\x7f\"").unwrap(), json!("\u{7f}"));
    }

    #[test]
    fn numbers() {
        assert_eq!(decode(b"0").unwrap(), json!(0));
        assert_eq!(decode(b"-0").unwrap(), json!(0));
        assert!(decode(b"-0.0")
            .unwrap()
            .as_f64()
            .unwrap()
            .is_sign_negative());
        assert_eq!(decode(b"1.0").unwrap(), json!(1.0));
        assert!(decode(b"1.0").unwrap().is_f64());
        assert_eq!(decode(b"1E2").unwrap(), json!(100.0));
        assert_eq!(decode(b"9223372036854775807").unwrap(), json!(i64::MAX));
        assert_eq!(decode(b"-9223372036854775808").unwrap(), json!(i64::MIN));
        assert_eq!(
            decode(b"9223372036854775808").unwrap(),
            json!(9223372036854775808.0)
        );
        assert!(decode(b"9223372036854775808").unwrap().is_f64());
        assert_eq!(decode(b"1e400").unwrap(), json!(f64::MAX));
        assert_eq!(decode(b"-1e400").unwrap(), json!(-f64::MAX));
        assert_eq!(decode(b"1e-400").unwrap(), json!(0.0));
        for bad in [
            &b"01"[..],
            b"1.",
            b".5",
            b"+1",
            b"-",
            b"1e",
            b"1.e1",
            b"0x1",
            b"- 1",
            b"1 2",
        ] {
            assert_eq!(
                kind(bad),
                JsonError::Syntax,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn what_makes_a_body_invalid() {
        assert_eq!(kind(b""), JsonError::Syntax);
        assert_eq!(kind(b"   "), JsonError::Syntax);
        assert_eq!(kind(b"\xef\xbb\xbf{}"), JsonError::Syntax);
        assert_eq!(kind(b"{}\x00"), JsonError::CtrlChar);
        assert_eq!(kind(b"\x00{}"), JsonError::CtrlChar);
        assert_eq!(kind(b"{}\xff"), JsonError::Utf8);
        assert_eq!(kind(b"{} x"), JsonError::Syntax);
        assert_eq!(kind(b"data={\"users\":[1]}"), JsonError::Syntax);
        assert_eq!(kind(b"TRUE"), JsonError::Syntax);
        assert_eq!(kind(b"nul"), JsonError::Syntax);
        assert_eq!(kind(b"truex"), JsonError::Syntax);
        assert_eq!(kind(b"[1,]"), JsonError::Syntax);
        assert_eq!(kind(br#"{"a":1,}"#), JsonError::Syntax);
        assert_eq!(kind(br#"{'a':1}"#), JsonError::Syntax);
        assert_eq!(kind(b"[1"), JsonError::Syntax);
        assert_eq!(kind(b"/*c*/{}"), JsonError::Syntax);
        // Valid JSON that is not an object still decodes; the methods treat it as no fields.
        assert_eq!(decode(b" [1, 2] ").unwrap(), json!([1, 2]));
        assert_eq!(decode(b"null").unwrap(), Value::Null);
        assert_eq!(
            decode(b"\t\r\n{\"a\" : true }\n").unwrap(),
            json!({"a": true})
        );
    }

    #[test]
    fn errors_say_where() {
        let e = decode(br#"{"users": [1, ]}"#).unwrap_err();
        assert_eq!(e.offset, 14);
        assert_eq!(e.to_string(), "Syntax error (at byte 14)");
    }

    /// Arbitrary JSON values without duplicate keys or NUL-led keys, and floats that print exactly.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z\u{4e00}-\u{4e10}]{0,4}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// `value` with every number as a float.
    fn as_floats(value: Value) -> Value {
        match value {
            Value::Number(n) => Value::from(n.as_f64().unwrap_or(f64::NAN)),
            Value::Array(items) => Value::Array(items.into_iter().map(as_floats).collect()),
            Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, as_floats(v))).collect())
            }
            other => other,
        }
    }

    proptest! {
        /// Oracle: serde_json's encoder and the value it encoded.
        #[test]
        fn decodes_what_serde_json_encodes(value in json_value()) {
            let text = serde_json::to_string(&value).unwrap();
            prop_assert_eq!(decode(text.as_bytes()).unwrap(), value.clone());
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert_eq!(decode(pretty.as_bytes()).unwrap(), value.clone());
            let php = crate::php::json::encode(&value);
            if !php.contains("[]") {
                prop_assert_eq!(decode(php.as_bytes()).unwrap(), value);
            }
        }

        /// Oracle: serde_json accepts what PHP accepts (short inputs, far below its depth limit),
        /// and reads the same values once numbers are compared as numbers (serde_json keeps
        /// `-0` and integers above `i64::MAX` apart, PHP does not).
        #[test]
        fn accepts_what_serde_json_accepts(raw in proptest::collection::vec(
            prop::sample::select(b"{}[]\":,0123456789.eE+-tfnrul \\a\x00\xc3\xa9".to_vec()), 0..24)
        ) {
            let theirs = serde_json::from_slice::<Value>(&raw);
            let out_of_range = theirs.as_ref().is_err_and(|e| e.to_string().contains("out of range"));
            prop_assume!(!out_of_range);
            let ours = decode(&raw);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{:?}", String::from_utf8_lossy(&raw));
            if let (Ok(ours), Ok(theirs)) = (ours, theirs) {
                prop_assert_eq!(as_floats(ours), as_floats(theirs));
            }
        }

        #[test]
        fn never_panics(raw in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = decode(&raw);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn decode() {
        use super::JsonError;
        use crate::php::json::decode;
        use serde_json::json;
        assert_eq!(
            decode(br#"{"a":1,"b":2,"a":3}"#).unwrap(),
            json!({"a": 3, "b": 2})
        );
        assert_eq!(
            decode(b"\xef\xbb\xbf{}").unwrap_err().kind,
            JsonError::Syntax
        );
    }
}

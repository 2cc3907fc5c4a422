//! PHP's value semantics that decide the real server's answers: `empty()`, `is_numeric()`, loose `==`
//! between strings, and the string a scalar becomes when PHP casts it.

use serde_json::Value;

/// PHP `empty()` of a decoded JSON value: missing (`None`), `null`, `false`, `0`, `0.0`, `""`, `"0"`
/// and `[]` are empty. A JSON object (`stdClass`) is never empty, even `{}`.
///
/// ```
/// use serde_json::json;
/// use xxb_mock::php::value::is_empty;
/// assert!(is_empty(Some(&json!("0"))));
/// assert!(!is_empty(Some(&json!({}))));
/// ```
pub fn is_empty(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => !b,
        Some(Value::Number(n)) => n.as_f64() == Some(0.0),
        Some(Value::String(s)) => s.is_empty() || s == "0",
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(_)) => false,
    }
}

/// PHP 8 `is_numeric()` of a string: optional leading and trailing white space, an optional sign,
/// decimal digits with an optional fraction and exponent. No hex, no `inf`.
///
/// ```
/// use xxb_mock::php::value::is_numeric_str;
/// assert!(is_numeric_str(" 12 "));
/// assert!(is_numeric_str("1e3"));
/// assert!(!is_numeric_str("0x1A"));
/// ```
pub fn is_numeric_str(s: &str) -> bool {
    parse_numeric(s).is_some()
}

/// PHP `is_numeric()` of a decoded JSON value: numbers always, strings when numeric, nothing else.
pub fn is_numeric(value: &Value) -> bool {
    match value {
        Value::Number(_) => true,
        Value::String(s) => is_numeric_str(s),
        _ => false,
    }
}

/// A numeric string's value: an integer when it is written as one and fits, otherwise a float.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Numeric {
    Int(i64),
    Float(f64),
    /// An integer string too large for `i64`: PHP compares two of these as strings.
    OverflowingInt(f64),
}

fn parse_numeric(s: &str) -> Option<Numeric> {
    const WS: &[char] = &[' ', '\t', '\n', '\r', '\u{0b}', '\u{0c}'];
    let t = s.trim_start_matches(WS).trim_end_matches(WS);
    let bytes = t.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut is_int = true;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        is_int = false;
        i += 1;
        let frac_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(bytes.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_start = j;
        while bytes.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j > exp_start {
            is_int = false;
            i = j;
        }
    }
    if i != bytes.len() {
        return None;
    }
    let float: f64 = t.parse().ok()?;
    if is_int {
        return Some(match t.parse::<i64>() {
            Ok(n) => Numeric::Int(n),
            Err(_) => Numeric::OverflowingInt(float),
        });
    }
    Some(Numeric::Float(float))
}

/// PHP 8 loose `==` between two strings: numeric strings compare as numbers (`"0e1" == "0e2"`),
/// others byte for byte. The real server compares tokens with it.
pub fn loose_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (parse_numeric(a), parse_numeric(b)) {
        (Some(Numeric::OverflowingInt(_)), Some(Numeric::OverflowingInt(_))) => false,
        (Some(Numeric::Int(x)), Some(Numeric::Int(y))) => x == y,
        (Some(x), Some(y)) => as_f64(x) == as_f64(y),
        _ => false,
    }
}

fn as_f64(n: Numeric) -> f64 {
    match n {
        Numeric::Int(i) => i as f64,
        Numeric::Float(f) | Numeric::OverflowingInt(f) => f,
    }
}

/// PHP's `(string)` cast of a scalar JSON value (`true` is `"1"`, `false` and `null` are `""`);
/// `None` for arrays and objects, which PHP cannot use as a string.
pub fn to_php_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(if *b { "1".into() } else { String::new() }),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn empty_matches_php() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(0.0),
            json!(""),
            json!("0"),
            json!([]),
        ] {
            assert!(is_empty(Some(&v)), "{v} should be empty");
        }
        assert!(is_empty(None));
        for v in [
            json!({}),
            json!(" "),
            json!("0.0"),
            json!("00"),
            json!([0]),
            json!(true),
            json!(-1),
            json!("false"),
        ] {
            assert!(!is_empty(Some(&v)), "{v} should not be empty");
        }
    }

    #[test]
    fn is_numeric_matches_php_8() {
        for s in [
            "1", "-1", "+1", "1.5", ".5", "5.", "1e3", "1E-3", " 1", "1 ", "\n1\t", "007",
        ] {
            assert!(is_numeric_str(s), "{s:?} is numeric");
        }
        for s in [
            "", " ", "a", "1a", "0x1A", ".", "e3", "1e", "1 1", "--1", "inf", "NaN", "admin",
        ] {
            assert!(!is_numeric_str(s), "{s:?} is not numeric");
        }
        assert!(is_numeric(&json!(3)));
        assert!(is_numeric(&json!("3")));
        assert!(!is_numeric(&json!(true)));
        assert!(!is_numeric(&json!(null)));
    }

    #[test]
    fn loose_eq_compares_numeric_strings_as_numbers() {
        assert!(loose_eq(
            "0e462097431906509019562988736854",
            "0e830400451993494058024219903391"
        ));
        assert!(loose_eq("1e3", "1000"));
        assert!(loose_eq("abc", "abc"));
        assert!(!loose_eq("abc", "ABC"));
        assert!(!loose_eq(
            "11111111111111111111111111111111",
            "11111111111111111111111111111112"
        ));
    }

    #[test]
    fn php_string_casts() {
        assert_eq!(to_php_string(&json!(true)).as_deref(), Some("1"));
        assert_eq!(to_php_string(&json!(12)).as_deref(), Some("12"));
        assert_eq!(to_php_string(&json!({})), None);
    }

    proptest! {
        #[test]
        fn numeric_parsing_never_panics(s in any::<String>()) {
            let _ = is_numeric_str(&s);
            prop_assert!(loose_eq(&s, &s));
        }
    }
}

//! PHP's value semantics that decide the real server's answers: `empty()`, `is_numeric()`, loose `==`
//! between strings, and the string a scalar becomes when PHP casts it.

use serde_json::Value;

/// PHP `empty()` of a decoded JSON value: missing (`None`), `null`, `false`, `0`, `0.0`, `""`, `"0"`
/// and `[]` are empty. A JSON object (`stdClass`) is never empty, even `{}`.
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

/// PHP's `(string)` cast of a scalar JSON value (`true` is `"1"`, `false` and `null` are `""`, a
/// float as [`float_to_string`] writes it); `None` for arrays and objects, which PHP cannot use as
/// a string.
pub fn to_php_string(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(if *b { "1".into() } else { String::new() }),
        Value::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) => float_to_string(f),
            (None, None) => n.to_string(),
        }),
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// PHP 8's `(string)` of a float: `%.14G` as PHP formats it (`precision` = 14). At most 14
/// significant digits, no trailing zeros, no `.0` on integral values (`1.0` is `"1"`), and the
/// exponent form when the decimal exponent is below -4 or above 14, written `1.0E+25` / `1.5E-7`.
/// Deliberate: `3.0000000000000004` becomes `"3"`, which is the id 3 to the database.
pub fn float_to_string(f: f64) -> String {
    const PRECISION: i32 = 14;
    if f.is_nan() {
        return "NAN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF".into() } else { "-INF".into() };
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0");
    }
    // `d.ddddddddddddde±x`: the digits rounded to 14 significant ones, and the exponent.
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    // PHP's `decpt`: the value is 0.DIGITS times ten to the `decpt`.
    let decpt = exponent + 1;
    let mut out = String::from(sign);
    if !(-3..=PRECISION).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        let exponent = decpt - 1;
        out.push('E');
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&exponent.abs().to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(decpt.unsigned_abs() as usize));
        out.push_str(digits);
    } else {
        let decpt = decpt as usize;
        if digits.len() <= decpt {
            out.push_str(digits);
            out.push_str(&"0".repeat(decpt - digits.len()));
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
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
        assert_eq!(to_php_string(&json!(false)).as_deref(), Some(""));
        assert_eq!(to_php_string(&json!(null)).as_deref(), Some(""));
        assert_eq!(to_php_string(&json!(12)).as_deref(), Some("12"));
        assert_eq!(to_php_string(&json!(-7)).as_deref(), Some("-7"));
        assert_eq!(to_php_string(&json!(7.0)).as_deref(), Some("7"));
        assert_eq!(to_php_string(&json!(3.5)).as_deref(), Some("3.5"));
        assert_eq!(to_php_string(&json!("x")).as_deref(), Some("x"));
        assert_eq!(to_php_string(&json!({})), None);
        assert_eq!(to_php_string(&json!([1])), None);
    }

    /// Outputs of `php -r 'echo (string)$f;'` on PHP 8.2 (precision = 14).
    #[test]
    fn floats_print_as_php_prints_them() {
        let cases = [
            (1.0, "1"),
            (-1.0, "-1"),
            (0.0, "0"),
            (-0.0, "-0"),
            (3.5, "3.5"),
            (0.1 + 0.2, "0.3"),
            (3.0000000000000004, "3"),
            (1.0 / 3.0, "0.33333333333333"),
            (2.0 / 3.0, "0.66666666666667"),
            (100.0, "100"),
            (1e13, "10000000000000"),
            (1e14, "1.0E+14"),
            (123456789012345.0, "1.2345678901234E+14"),
            (99999999999999.0, "99999999999999"),
            (999999999999999.0, "1.0E+15"),
            (1e15, "1.0E+15"),
            (1.5e300, "1.5E+300"),
            (1e20, "1.0E+20"),
            (0.0001, "0.0001"),
            (0.00012345, "0.00012345"),
            (0.00001, "1.0E-5"),
            (1.5e-7, "1.5E-7"),
            (-2.5e-10, "-2.5E-10"),
            (f64::MAX, "1.7976931348623E+308"),
            (5e-324, "4.9406564584125E-324"),
            (12345.678, "12345.678"),
        ];
        for (f, expected) in cases {
            assert_eq!(float_to_string(f), expected, "{f:e}");
        }
        assert_eq!(float_to_string(f64::NEG_INFINITY), "-INF");
        assert_eq!(float_to_string(f64::NAN), "NAN");
    }

    /// PHP 8 numeric strings, from the manual: white space (space, tab, new line, carriage return,
    /// vertical tab, form feed) may surround an optional sign, a mantissa of digits with at most one
    /// `.` and at least one digit, and an optional exponent `e`/`E`, optional sign, one or more digits.
    fn numeric_model(s: &str) -> bool {
        let ws = |c: char| " \t\n\r\u{0b}\u{0c}".contains(c);
        let t = s.trim_matches(ws);
        let t = t.strip_prefix(['+', '-']).unwrap_or(t);
        let (mantissa, exponent) = match t.find(['e', 'E']) {
            Some(at) => (&t[..at], Some(&t[at + 1..])),
            None => (t, None),
        };
        let dots = mantissa.matches('.').count();
        let mantissa_ok = dots <= 1
            && mantissa.chars().all(|c| c == '.' || c.is_ascii_digit())
            && mantissa.chars().any(|c| c.is_ascii_digit());
        let exponent_ok = exponent.is_none_or(|e| {
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
        });
        mantissa_ok && exponent_ok
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            prop_oneof![Just(0i64), -2..3i64, any::<i64>()].prop_map(|n| json!(n)),
            prop_oneof![
                Just(0.0f64),
                Just(-0.0f64),
                any::<f64>().prop_filter("finite", |f| f.is_finite())
            ]
            .prop_map(|f| json!(f)),
            prop_oneof![
                Just(String::new()),
                Just("0".to_string()),
                Just("0.0".to_string()),
                Just(" 0".to_string()),
                ".{0,3}"
            ]
            .prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 8, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{0,2}", inner, 0..3)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// PHP's float strings are numeric and read back to the float rounded to 14 digits.
        #[test]
        fn float_strings_read_back(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let s = float_to_string(f);
            prop_assert!(is_numeric_str(&s), "{}", s);
            let back: f64 = s.parse().unwrap();
            let rounded: f64 = format!("{f:.13e}").parse().unwrap();
            prop_assert_eq!(back, rounded, "{} from {:e}", s, f);
        }

        /// `is_numeric` agrees with a model written from PHP 8's documented grammar, over strings
        /// built from the pieces of numbers (so numeric and near-numeric strings are common).
        #[test]
        fn numeric_strings_follow_php_grammar(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                " ", "\t", "\n", "\r", "\u{0b}", "\u{0c}", "+", "-", "0", "1", "9", ".", "e", "E", "x", "a", "\u{a0}",
            ]), 0..9),
            any_text in any::<String>(),
        ) {
            for s in [pieces.concat(), any_text] {
                prop_assert_eq!(is_numeric_str(&s), numeric_model(&s), "{:?}", s);
                prop_assert_eq!(is_numeric(&json!(s)), numeric_model(&s), "{:?}", s);
                prop_assert!(loose_eq(&s, &s), "{:?}", s);
            }
        }

        /// `empty()` agrees with PHP's documented list of empty values, for any decoded JSON value.
        #[test]
        fn empty_follows_php_list(value in json_value()) {
            let expected = match &value {
                Value::Null | Value::Bool(false) => true,
                Value::Number(n) => n.as_i64() == Some(0) || n.as_u64() == Some(0) || n.as_f64() == Some(0.0),
                Value::String(s) => s.is_empty() || s == "0",
                Value::Array(a) => a.is_empty(),
                Value::Bool(true) | Value::Object(_) => false,
            };
            prop_assert_eq!(is_empty(Some(&value)), expected, "{}", value);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn is_empty() {
        use crate::php::value::is_empty;
        use serde_json::json;
        assert!(is_empty(Some(&json!("0"))));
        assert!(!is_empty(Some(&json!({}))));
    }

    #[test]
    fn is_numeric_str() {
        use crate::php::value::is_numeric_str;
        assert!(is_numeric_str(" 12 "));
        assert!(is_numeric_str("1e3"));
        assert!(!is_numeric_str("0x1A"));
    }

    #[test]
    fn float_to_string() {
        use crate::php::value::float_to_string;
        assert_eq!(float_to_string(1.0), "1");
        assert_eq!(float_to_string(0.1 + 0.2), "0.3");
        assert_eq!(float_to_string(1e25), "1.0E+25");
        assert_eq!(float_to_string(f64::INFINITY), "INF");
    }
}

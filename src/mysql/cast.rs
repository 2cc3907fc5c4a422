//! MySQL's casts in a numeric comparison: the real server looks users up with
//! `id IN ('1','3.5',...)`, an integer column against strings, which MariaDB compares as doubles.
//! So `'3abc'` is 3, `' 3'` is 3, `'3.5'` is no id, `'INF'` (PHP's text of an overflowing float)
//! is 0 — all deliberate, all observed on the real server.

/// MariaDB's cast of a string to a double (`my_strtod`): leading white space (space, tab, line
/// feed, vertical tab, form feed, carriage return) skipped, an optional sign, the longest decimal
/// prefix (digits, an optional fraction, an optional exponent), `0` when there is none. An
/// overflow gives the largest finite double, with the sign.
pub fn string_to_double(s: &str) -> f64 {
    let bytes = s.as_bytes();
    let mut start = 0;
    while bytes
        .get(start)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
    {
        start += 1;
    }
    let mut end = start;
    if matches!(bytes.get(end), Some(b'+' | b'-')) {
        end += 1;
    }
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_digits = digits(end);
    end += int_digits;
    let mut frac_digits = 0;
    if bytes.get(end) == Some(&b'.') {
        frac_digits = digits(end + 1);
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0.0;
    }
    if matches!(bytes.get(end), Some(b'e' | b'E')) {
        let mut exp = end + 1;
        if matches!(bytes.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        let exp_digits = digits(exp);
        if exp_digits > 0 {
            end = exp + exp_digits;
        }
    }
    // The slice is a well-formed decimal number, which Rust parses exactly (Rust accepts a
    // trailing `.`, as `1.` is here).
    let value: f64 = s[start..end].parse().unwrap_or(0.0);
    if value.is_infinite() {
        return f64::MAX.copysign(value);
    }
    value
}

/// The existing name of [`string_to_double`].
pub fn to_number(s: &str) -> f64 {
    string_to_double(s)
}

/// The integer id an integer column equals when compared with `value` (a double): `None` when
/// no integer equals it (a fraction, or out of range). Ids are far below 2^53, where doubles
/// represent every integer exactly.
pub fn integer_equal_to(value: f64) -> Option<i64> {
    const LIMIT: f64 = 9_007_199_254_740_992.0; // 2^53
    (value.fract() == 0.0 && value.abs() <= LIMIT).then_some(value as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn numeric_prefix_cast() {
        let cases = [
            ("3", 3.0),
            (" 3", 3.0),
            ("\t\n\r\u{b}\u{c} 3", 3.0),
            ("3 ", 3.0),
            ("3abc", 3.0),
            ("+3", 3.0),
            ("-3", -3.0),
            ("- 3", 0.0),
            ("+-3", 0.0),
            ("3.5", 3.5),
            ("3.", 3.0),
            (".5", 0.5),
            (".", 0.0),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("1e-1", 0.1),
            ("1e", 1.0),
            ("1e+", 1.0),
            ("e5", 0.0),
            ("1.2.3", 1.2),
            ("0x1A", 0.0),
            ("1_000", 1.0),
            ("abc", 0.0),
            ("", 0.0),
            ("INF", 0.0),
            ("NAN", 0.0),
            ("张", 0.0),
            ("1.0E+25", 1e25),
        ];
        for (s, expected) in cases {
            assert_eq!(string_to_double(s), expected, "{s:?}");
        }
        assert_eq!(string_to_double("1e400"), f64::MAX);
        assert_eq!(string_to_double("-1e400"), -f64::MAX);
        assert_eq!(to_number("7x"), 7.0);
    }

    #[test]
    fn integers_equal_to_doubles() {
        assert_eq!(integer_equal_to(3.0), Some(3));
        assert_eq!(integer_equal_to(-0.0), Some(0));
        assert_eq!(integer_equal_to(3.5), None);
        assert_eq!(integer_equal_to(f64::MAX), None);
        assert_eq!(integer_equal_to(1e15), Some(1_000_000_000_000_000));
    }

    /// An independent model: strip the white space, then try the longest prefix that parses as a
    /// number in the grammar `[+-]? digits? (. digits?)? ([eE] [+-]? digits)?` with a digit in it.
    fn model(s: &str) -> f64 {
        let t = s.trim_start_matches([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']);
        let is_number = |p: &str| {
            let body = p.strip_prefix(['+', '-']).unwrap_or(p);
            let (mantissa, exponent) = match body.find(['e', 'E']) {
                Some(at) => (&body[..at], Some(&body[at + 1..])),
                None => (body, None),
            };
            let mantissa_ok = mantissa.chars().filter(|c| *c == '.').count() <= 1
                && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
                && mantissa.chars().any(|c| c.is_ascii_digit());
            let exponent_ok = exponent.is_none_or(|e| {
                let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
            });
            mantissa_ok && exponent_ok
        };
        (1..=t.len())
            .rev()
            .filter(|n| t.is_char_boundary(*n))
            .find(|n| is_number(&t[..*n]))
            .and_then(|n| t[..n].parse::<f64>().ok())
            .map(|v| {
                if v.is_infinite() {
                    f64::MAX.copysign(v)
                } else {
                    v
                }
            })
            .unwrap_or(0.0)
    }

    proptest! {
        #[test]
        fn matches_the_prefix_model(s in "[ \t+.eE0-9a-z-]{0,12}") {
            prop_assert_eq!(string_to_double(&s), model(&s), "{:?}", s);
        }

        #[test]
        fn never_panics(s in any::<String>()) {
            let _ = string_to_double(&s);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn string_to_double() {
        use crate::mysql::cast::string_to_double;
        assert_eq!(string_to_double(" 3abc"), 3.0);
        assert_eq!(string_to_double("1.5e1x"), 15.0);
        assert_eq!(string_to_double("INF"), 0.0);
        assert_eq!(string_to_double("0x1A"), 0.0);
    }
}

//! PHP's query-string handling: `parse_str` (what fills `$_GET`), `http_build_query` and `urlencode`.
//!
//! The real server signs and reads the query exactly as PHP parses it, so the mock must parse it the
//! same way, quirks included: `+` is a space, names have leading spaces dropped and ` ` or `.` turned
//! into `_` (`a.b=1` arrives as `a_b`), `a[]=1&a[x]=2` makes an array, a repeated name keeps its first
//! position but takes the last value, numeric names become integer keys, and at most 1,000 variables
//! are read. Values are bytes, not text: `%FF` is a valid PHP string.

/// PHP's `max_input_vars` default: variables past this many are ignored.
const MAX_INPUT_VARS: usize = 1000;
/// PHP's `max_input_nesting_level` default: deeper array variables are dropped.
const MAX_NESTING: usize = 64;

/// A key of a PHP array: canonical decimal strings are integers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArrayKey {
    Int(i64),
    Bytes(Vec<u8>),
}

impl ArrayKey {
    /// The key PHP would use for `bytes` (`"7"` becomes the integer 7, `"07"` stays a string).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        let canonical = match bytes {
            [b'0'] => true,
            [b'-', b'1'..=b'9', rest @ ..] | [b'1'..=b'9', rest @ ..] => {
                rest.iter().all(u8::is_ascii_digit)
            }
            _ => false,
        };
        if canonical {
            if let Some(n) = std::str::from_utf8(bytes).ok().and_then(|s| s.parse().ok()) {
                return ArrayKey::Int(n);
            }
        }
        ArrayKey::Bytes(bytes.to_vec())
    }

    /// The key as PHP would print it.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            ArrayKey::Int(n) => n.to_string().into_bytes(),
            ArrayKey::Bytes(b) => b.clone(),
        }
    }
}

/// A value of `$_GET`: a byte string or a nested array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueryValue {
    Str(Vec<u8>),
    Array(PhpArray),
}

impl QueryValue {
    /// The string value, or `None` for an array.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            QueryValue::Str(b) => Some(b),
            QueryValue::Array(_) => None,
        }
    }

    /// PHP truthiness of a `$_GET` value: `""`, `"0"` and an empty array are false.
    pub fn is_truthy(&self) -> bool {
        match self {
            QueryValue::Str(b) => !(b.is_empty() || b == b"0"),
            QueryValue::Array(a) => !a.is_empty(),
        }
    }
}

/// An ordered PHP array, as `parse_str` builds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PhpArray {
    entries: Vec<(ArrayKey, QueryValue)>,
}

impl PhpArray {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ArrayKey, &QueryValue)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The value under a (string) name, as `$_GET['name']`.
    pub fn get(&self, name: &str) -> Option<&QueryValue> {
        let key = ArrayKey::from_bytes(name.as_bytes());
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Removes a name, as `unset($_GET['name'])`.
    pub fn remove(&mut self, name: &str) -> Option<QueryValue> {
        let key = ArrayKey::from_bytes(name.as_bytes());
        let at = self.entries.iter().position(|(k, _)| *k == key)?;
        Some(self.entries.remove(at).1)
    }

    /// Assignment: an existing key keeps its position and takes the new value.
    fn set(&mut self, key: ArrayKey, value: QueryValue) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The array stored under `key`, replacing a string that was there.
    fn array_at(&mut self, key: ArrayKey) -> &mut PhpArray {
        let at = match self.entries.iter().position(|(k, _)| *k == key) {
            Some(at) => {
                if !matches!(self.entries[at].1, QueryValue::Array(_)) {
                    self.entries[at].1 = QueryValue::Array(PhpArray::default());
                }
                at
            }
            None => {
                self.entries
                    .push((key, QueryValue::Array(PhpArray::default())));
                self.entries.len() - 1
            }
        };
        match &mut self.entries[at].1 {
            QueryValue::Array(a) => a,
            QueryValue::Str(_) => unreachable!("replaced by an array above"),
        }
    }

    /// PHP's next free integer key (`$a[] = ...`).
    fn next_index(&self) -> ArrayKey {
        let max = self
            .entries
            .iter()
            .filter_map(|(k, _)| match k {
                ArrayKey::Int(n) => Some(*n),
                ArrayKey::Bytes(_) => None,
            })
            .max();
        ArrayKey::Int(max.map_or(0, |n| n.saturating_add(1).max(0)))
    }
}

/// PHP `urldecode`: `+` is a space, `%XX` a byte, a broken `%` stays as it is.
pub fn urldecode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                input.get(i + 1).and_then(hex),
                input.get(i + 2).and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// PHP `urlencode`: `A-Z a-z 0-9 - _ .` kept, space as `+`, every other byte `%XX` in upper-case hex.
pub fn urlencode(input: &[u8]) -> String {
    form_encode(input, b"-_.")
}

/// Form encoding: ASCII letters and digits and the bytes of `unreserved` kept, space as `+`,
/// every other byte `%XX` in upper-case hex. PHP's `urlencode` and Go's `url.QueryEscape` differ
/// only in what they keep.
pub fn form_encode(input: &[u8], unreserved: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len() * 3);
    for &b in input {
        if b.is_ascii_alphanumeric() || unreserved.contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// PHP `parse_str` of a raw query string (the part after `?`), as `$_GET` is filled.
pub fn parse_str(raw: &[u8]) -> PhpArray {
    let mut vars = PhpArray::default();
    for pair in raw
        .split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .take(MAX_INPUT_VARS)
    {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(at) => (&pair[..at], &pair[at + 1..]),
            None => (pair, &b""[..]),
        };
        register(&mut vars, &urldecode(name), urldecode(value));
    }
    vars
}

/// `php_register_variable_ex`: how one decoded `name=value` lands in the array.
fn register(vars: &mut PhpArray, name: &[u8], value: Vec<u8>) {
    // PHP reads the name as a C string.
    let name = match name.iter().position(|&b| b == 0) {
        Some(nul) => &name[..nul],
        None => name,
    };
    let start = name.iter().take_while(|&&b| b == b' ').count();
    let name = &name[start..];

    let mut var = Vec::with_capacity(name.len());
    let mut bracket = None;
    for (i, &b) in name.iter().enumerate() {
        match b {
            b' ' | b'.' => var.push(b'_'),
            b'[' => {
                bracket = Some(i);
                break;
            }
            _ => var.push(b),
        }
    }
    if var.is_empty() {
        return;
    }
    let Some(mut open) = bracket else {
        vars.set(ArrayKey::from_bytes(&var), QueryValue::Str(value));
        return;
    };

    let mut indices: Vec<Option<Vec<u8>>> = Vec::new();
    loop {
        let rest = &name[open + 1..];
        let Some(close) = rest.iter().position(|&b| b == b']') else {
            if indices.is_empty() {
                // Not an index after all: the `[` becomes `_` and the rest is part of the name.
                var.push(b'_');
                var.extend_from_slice(rest);
                vars.set(ArrayKey::from_bytes(&var), QueryValue::Str(value));
                return;
            }
            break;
        };
        let index = &rest[..close];
        indices.push((!index.is_empty()).then(|| index.to_vec()));
        open = open + 1 + close + 1;
        if name.get(open) != Some(&b'[') {
            break;
        }
    }
    if indices.len() >= MAX_NESTING {
        return;
    }

    let mut target = vars.array_at(ArrayKey::from_bytes(&var));
    let (last, path) = indices.split_last().expect("at least one index was read");
    for index in path {
        let key = match index {
            Some(i) => ArrayKey::from_bytes(i),
            None => target.next_index(),
        };
        target = target.array_at(key);
    }
    let key = match last {
        Some(i) => ArrayKey::from_bytes(i),
        None => target.next_index(),
    };
    target.set(key, QueryValue::Str(value));
}

/// PHP `http_build_query` with its defaults (`&` separator, `urlencode` encoding, `a%5B0%5D=` for arrays).
pub fn http_build_query(vars: &PhpArray) -> String {
    let mut out = String::new();
    for (key, value) in vars.iter() {
        append_pair(&mut out, &urlencode(&key.to_bytes()), value);
    }
    out
}

fn append_pair(out: &mut String, name: &str, value: &QueryValue) {
    match value {
        QueryValue::Str(bytes) => {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(name);
            out.push('=');
            out.push_str(&urlencode(bytes));
        }
        QueryValue::Array(items) => {
            for (key, item) in items.iter() {
                let nested = format!("{name}%5B{}%5D", urlencode(&key.to_bytes()));
                append_pair(out, &nested, item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &str) -> QueryValue {
        QueryValue::Str(v.as_bytes().to_vec())
    }

    #[test]
    fn urlencode_keeps_only_unreserved_php_bytes() {
        for b in 0u8..=255 {
            let encoded = urlencode(&[b]);
            let expected = match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            };
            assert_eq!(encoded, expected, "byte {b:#04x}");
        }
        // `~` is encoded by PHP's urlencode, unlike RFC 3986 encoders.
        assert_eq!(urlencode(b"~*'()!"), "%7E%2A%27%28%29%21");
    }

    #[test]
    fn urldecode_handles_plus_and_broken_percent() {
        assert_eq!(urldecode(b"a+b%20c"), b"a b c");
        assert_eq!(urldecode(b"%zz%4"), b"%zz%4");
        assert_eq!(urldecode(b"%e5%BC%a0"), "张".as_bytes());
        assert_eq!(urldecode(b"%"), b"%");
    }

    #[test]
    fn names_are_mangled_like_php() {
        let q = parse_str(b"a.b=1&c d=2&%20%20e=3&f[=4&g[x=5");
        let names: Vec<_> = q.iter().map(|(k, _)| k.to_bytes()).collect();
        assert_eq!(
            names,
            vec![
                b"a_b".to_vec(),
                b"c_d".to_vec(),
                b"e".to_vec(),
                b"f_".to_vec(),
                b"g_x".to_vec()
            ]
        );
    }

    #[test]
    fn repeated_names_keep_first_position_and_last_value() {
        let q = parse_str(b"m=im&f=a&m=chat");
        assert_eq!(http_build_query(&q), "m=chat&f=a");
    }

    #[test]
    fn brackets_make_arrays() {
        let q = parse_str(b"a[]=1&a[]=2&b[x][y]=3&a[7]=4&a[]=5");
        assert_eq!(
            http_build_query(&q),
            "a%5B0%5D=1&a%5B1%5D=2&a%5B7%5D=4&a%5B8%5D=5&b%5Bx%5D%5By%5D=3"
        );
        assert!(matches!(q.get("a"), Some(QueryValue::Array(_))));
    }

    #[test]
    fn empty_segments_and_empty_names_are_skipped() {
        let q = parse_str(b"&&=x&a&b=");
        assert_eq!(q.len(), 2);
        assert_eq!(q.get("a"), Some(&s("")));
        assert_eq!(q.get("b"), Some(&s("")));
    }

    #[test]
    fn numeric_names_are_integer_keys() {
        assert_eq!(ArrayKey::from_bytes(b"12"), ArrayKey::Int(12));
        assert_eq!(ArrayKey::from_bytes(b"-3"), ArrayKey::Int(-3));
        assert_eq!(
            ArrayKey::from_bytes(b"012"),
            ArrayKey::Bytes(b"012".to_vec())
        );
        assert_eq!(ArrayKey::from_bytes(b"-0"), ArrayKey::Bytes(b"-0".to_vec()));
        assert_eq!(
            ArrayKey::from_bytes(b"99999999999999999999"),
            ArrayKey::Bytes(b"99999999999999999999".to_vec())
        );
    }

    #[test]
    fn only_the_first_thousand_variables_are_read() {
        let raw: Vec<String> = (0..1500).map(|i| format!("v{i}=1")).collect();
        assert_eq!(parse_str(raw.join("&").as_bytes()).len(), 1000);
    }

    #[test]
    fn remove_unsets_a_name() {
        let mut q = parse_str(b"m=im&token=x&f=y");
        assert_eq!(q.remove("token"), Some(s("x")));
        assert_eq!(http_build_query(&q), "m=im&f=y");
    }

    proptest! {
        #[test]
        fn parse_str_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..300)) {
            let q = parse_str(&raw);
            let _ = http_build_query(&q);
        }

        #[test]
        fn urlencode_round_trips_through_urldecode(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
            prop_assert_eq!(urldecode(urlencode(&bytes).as_bytes()), bytes);
        }

        #[test]
        fn simple_queries_rebuild_to_a_reparse_of_themselves(
            pairs in proptest::collection::vec(("[a-z][a-z0-9_]{0,6}", "[ -~]{0,12}"), 0..8)
        ) {
            let raw: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", urlencode(v.as_bytes()))).collect();
            let parsed = parse_str(raw.join("&").as_bytes());
            let rebuilt = http_build_query(&parsed);
            prop_assert_eq!(parse_str(rebuilt.as_bytes()), parsed);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn urlencode() {
        assert_eq!(
            crate::php::query::urlencode("a b~/张".as_bytes()),
            "a+b%7E%2F%E5%BC%A0"
        );
    }

    #[test]
    fn parse_str() {
        use crate::php::query::{parse_str, QueryValue};
        let q = parse_str(b"m=im&a.b=x+y&m=again");
        assert_eq!(q.get("m"), Some(&QueryValue::Str(b"again".to_vec())));
        assert_eq!(q.get("a_b"), Some(&QueryValue::Str(b"x y".to_vec())));
    }

    #[test]
    fn http_build_query() {
        use crate::php::query::{http_build_query, parse_str};
        assert_eq!(
            http_build_query(&parse_str(b"m=im&f=x&code=my+App&a[]=1")),
            "m=im&f=x&code=my+App&a%5B0%5D=1"
        );
    }
}

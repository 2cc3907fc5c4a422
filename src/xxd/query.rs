//! A query string as a Go daemon reads it (`net/url`'s `ParseQuery`), and the canonical form the
//! signature is computed over (`url.Values.Encode`).
//!
//! Reading (assumed: the guide does not say): pairs are separated by `&` only; a pair holding `;`
//! is dropped (Go 1.17 and later), as is one whose percent-encoding is broken (`%` not followed by
//! two hex digits); `+` is a space; a name without `=` has the empty value; a repeated name keeps
//! every value, and reading a parameter takes the first. Names and values are bytes.
//!
//! Encoding (documented: "every query parameter except `token`, sorted by name, encoded the
//! standard way"): names sorted bytewise, the values of one name in the order sent, `name=value`
//! joined by `&`, each escaped as `application/x-www-form-urlencoded` (space as `+`, `A-Z a-z 0-9
//! - _ . ~` kept, every other byte `%XX` in upper-case hex).

/// A parsed query: its pairs in the order sent, and how many were dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(Vec<u8>, Vec<u8>)>,
    /// The pairs Go would drop (a `;` in them, or broken percent-encoding), as sent.
    pub dropped: Vec<String>,
}

impl Query {
    /// Reads a raw query string (after `?`).
    pub fn parse(raw: &str) -> Query {
        let mut query = Query::default();
        for pair in raw.split('&') {
            if pair.is_empty() {
                continue;
            }
            if pair.contains(';') {
                query.dropped.push(pair.to_string());
                continue;
            }
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match (unescape(name.as_bytes()), unescape(value.as_bytes())) {
                (Some(name), Some(value)) => query.pairs.push((name, value)),
                _ => query.dropped.push(pair.to_string()),
            }
        }
        query
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name.as_bytes())
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of `name`, as text (invalid UTF-8 replaced).
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    }

    /// Whether `name` is given (with any value).
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The pairs in the order sent.
    pub fn pairs(&self) -> &[(Vec<u8>, Vec<u8>)] {
        &self.pairs
    }

    /// The canonical query of every parameter but `except`: sorted by name, form-encoded.
    pub fn canonical_without(&self, except: &str) -> String {
        let mut kept: Vec<&(Vec<u8>, Vec<u8>)> = self
            .pairs
            .iter()
            .filter(|(n, _)| n != except.as_bytes())
            .collect();
        // Stable: the values of one name keep the order they were sent in.
        kept.sort_by(|a, b| a.0.cmp(&b.0));
        kept.iter()
            .map(|(n, v)| format!("{}={}", escape(n), escape(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Go's `url.QueryUnescape`: `+` is a space, `%XX` a byte; `None` when a `%` is not followed by
/// two hex digits.
pub fn unescape(input: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                let hex = input.get(i + 1..i + 3)?;
                let text = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(text, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Go's `url.QueryEscape`: `A-Z a-z 0-9 - _ . ~` kept, space as `+`, every other byte `%XX`.
pub fn escape(input: &[u8]) -> String {
    crate::php::query::form_encode(input, b"-_.~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_canonical_query_is_sorted_and_form_encoded() {
        let q = Query::parse("token=x&gid=a%20b~c&code=appcode&gid=2");
        assert_eq!(q.canonical_without("token"), "code=appcode&gid=a+b~c&gid=2");
        assert_eq!(q.get("gid"), Some(&b"a b~c"[..]));
        let q = Query::parse("b=%E4%B8%AD&a=&c");
        assert_eq!(q.canonical_without("token"), "a=&b=%E4%B8%AD&c=");
    }

    #[test]
    fn go_drops_semicolons_and_broken_escapes() {
        let q = Query::parse("a=1;b=2&c=%zz&d=%4&e=+");
        assert_eq!(q.canonical_without("token"), "e=+");
        assert_eq!(q.dropped, ["a=1;b=2", "c=%zz", "d=%4"]);
    }

    /// An independent model of the escape: the bytes a form encoding keeps.
    fn kept(byte: u8) -> bool {
        byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte)
    }

    proptest! {
        #[test]
        fn escaping_round_trips_and_keeps_only_unreserved_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
            let escaped = escape(&bytes);
            prop_assert_eq!(unescape(escaped.as_bytes()), Some(bytes.clone()));
            let literal = escaped.bytes().filter(|b| *b != b'%' && *b != b'+').count();
            let expected_literal = bytes.iter().filter(|b| kept(**b)).count()
                + 2 * bytes.iter().filter(|b| !kept(**b) && **b != b' ').count();
            prop_assert_eq!(literal, expected_literal);
        }

        #[test]
        fn the_order_of_different_names_does_not_change_the_canonical_query(
            mut names in proptest::collection::btree_set("[a-z]{1,5}", 1..6),
            value in "[ -~]{0,8}",
        ) {
            let pairs: Vec<String> = names.iter().map(|n| format!("{n}={}", escape(value.as_bytes()))).collect();
            let forward = Query::parse(&pairs.join("&")).canonical_without("token");
            let mut reversed = pairs.clone();
            reversed.reverse();
            prop_assert_eq!(&forward, &Query::parse(&reversed.join("&")).canonical_without("token"));
            let first = format!("{}=", names.pop_first().unwrap());
            prop_assert!(forward.starts_with(&first), "{} does not start with {}", forward, first);
        }
    }
}

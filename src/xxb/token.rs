//! How the real server recognises an API call and checks its token.
//!
//! `token = md5(md5(rebuilt_query) + key)`, where the rebuilt query is the request's own query parsed
//! by PHP `parse_str`, without `token`, and rebuilt by `http_build_query`. In time mode the token may
//! instead be `md5(code + key + time)`. The CLI's `token` and `sign` commands use these same functions.

use crate::php::query::{http_build_query, parse_str, urlencode, PhpArray};

/// The hex md5 of `bytes`, lower-case, as PHP `md5()`.
pub fn md5_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = md5::compute(bytes);
    let mut hex = String::with_capacity(32);
    for byte in digest.0 {
        hex.push(HEX[(byte >> 4) as usize] as char);
        hex.push(HEX[(byte & 15) as usize] as char);
    }
    hex
}

/// Whether the raw query string makes the request an API call: it contains `token=` followed by 32
/// characters of `[a-z0-9]`, case-insensitively and anywhere (deliberately: `xtoken=...` counts too).
pub fn is_api_call(raw_query: &[u8]) -> bool {
    raw_query.windows(6).enumerate().any(|(at, w)| {
        w.eq_ignore_ascii_case(b"token=")
            && raw_query
                .get(at + 6..at + 38)
                .is_some_and(|t| t.iter().all(u8::is_ascii_alphanumeric))
    })
}

/// The query the server signs: `params` without `token`, rebuilt by `http_build_query`.
pub fn signed_query(params: &PhpArray) -> String {
    let mut params = params.clone();
    params.remove("token");
    http_build_query(&params)
}

/// The token of the query formula: `md5(md5(signed_query) + key)`.
pub fn query_token(signed_query: &str, key: &str) -> String {
    keyed_token(&md5_hex(signed_query.as_bytes()), key)
}

/// The outer half of the query formula, `md5(inner + key)`, for an inner `md5(signed_query)`
/// computed ahead (where the request arrives, off the store's thread).
pub fn keyed_token(inner: &str, key: &str) -> String {
    let mut input = String::with_capacity(inner.len() + key.len());
    input.push_str(inner);
    input.push_str(key);
    md5_hex(input.as_bytes())
}

/// The token of the time formula: `md5(code + key + time)`.
pub fn time_token(code: &[u8], key: &str, time: &[u8]) -> String {
    let mut input = code.to_vec();
    input.extend_from_slice(key.as_bytes());
    input.extend_from_slice(time);
    md5_hex(&input)
}

/// The token for a raw query string, computed exactly as the server checks it (query formula).
pub fn token_for_query(raw_query: &str, key: &str) -> String {
    query_token(&signed_query(&parse_str(raw_query.as_bytes())), key)
}

/// A URL (or bare query) with its `token` parameter replaced by, or appended as, the right token.
pub fn sign_url(url: &str, key: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (Some(base), query),
        None if url.contains('=') => (None, url),
        None => (Some(url), ""),
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let token = token_for_query(query, key);
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("token"))
        .collect();
    let mut signed = kept.join("&");
    if !signed.is_empty() {
        signed.push('&');
    }
    signed.push_str("token=");
    signed.push_str(&urlencode(token.as_bytes()));
    let mut out = match base {
        Some(base) => format!("{base}?{signed}"),
        None => signed,
    };
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: &str = "3cd0914d656e90ab181f1d52ff352cfe";

    #[test]
    fn spec_test_vectors() {
        let vectors = [
            (
                "m=chat&f=getChatUsers&code=myAppCode",
                "f5633c34c0c551a16c1d63bceb38d6a8",
            ),
            (
                "m=im&f=getGroupChats&code=myAppCode",
                "07a22de5b9c287eaaf5c04320fe48aba",
            ),
            (
                "m=im&f=getChatUsers&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode",
                "47b5ee6196ce02951e07b737509f1228",
            ),
            (
                "m=im&f=sendNotification&code=myAppCode",
                "1547b22b788502aae7988973eb6d2e79",
            ),
        ];
        for (query, token) in vectors {
            assert_eq!(query_token(query, KEY), token, "{query}");
            assert_eq!(
                token_for_query(&format!("{query}&token=whatever"), KEY),
                token
            );
        }
    }

    #[test]
    fn token_position_does_not_matter_but_order_of_others_does() {
        let a = token_for_query("token=x&m=im&f=getGroupChats&code=myAppCode", KEY);
        assert_eq!(a, "07a22de5b9c287eaaf5c04320fe48aba");
        let b = token_for_query("f=getGroupChats&m=im&code=myAppCode", KEY);
        assert_ne!(a, b);
    }

    #[test]
    fn the_query_is_re_encoded_before_signing() {
        // A client that signs `%7E` and one that signs `~` send the same parameter; the server signs
        // PHP's encoding of it, `%7E`.
        assert_eq!(
            token_for_query("m=im&f=getChatUsers&gid=a~b&code=c", KEY),
            query_token("m=im&f=getChatUsers&gid=a%7Eb&code=c", KEY)
        );
        assert_eq!(
            signed_query(&parse_str(b"gid=a%20b&a.b=1")),
            "gid=a+b&a_b=1"
        );
    }

    #[test]
    fn md5_hex_is_lower_case_hex() {
        assert_eq!(md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            md5_hex(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
    }

    #[test]
    fn time_formula() {
        assert_eq!(
            time_token(b"myAppCode", KEY, b"1700000000"),
            md5_hex(format!("myAppCode{KEY}1700000000").as_bytes())
        );
    }

    #[test]
    fn api_call_detection() {
        let t = "0123456789abcdef0123456789ABCDEF";
        assert!(is_api_call(format!("m=im&token={t}").as_bytes()));
        assert!(is_api_call(format!("xtoken={t}").as_bytes()));
        assert!(is_api_call(format!("TOKEN={t}x").as_bytes()));
        assert!(!is_api_call(b"m=im&token=short"));
        assert!(!is_api_call(format!("token={}", &t[..31]).as_bytes()));
        assert!(!is_api_call(format!("token=-{}", &t[..31]).as_bytes()));
    }

    #[test]
    fn sign_url_replaces_or_appends() {
        let signed = sign_url("m=im&f=getGroupChats&code=myAppCode", KEY);
        assert_eq!(
            signed,
            "m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba"
        );
        let signed = sign_url(
            "/x.php?token=1&m=im&f=getGroupChats&code=myAppCode#top",
            KEY,
        );
        assert_eq!(
            signed,
            "/x.php?m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba#top"
        );
    }

    /// PHP `urlencode`, written from its documentation: `A-Z a-z 0-9 - _ .` are kept, a space is
    /// `+`, every other byte is `%XX` in upper-case hex.
    fn urlencode_model(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// One byte of a value as a client may send it: literally where the query allows it, `+` or
    /// `%20` for a space, otherwise `%xx` in either case.
    fn sent_byte(b: u8, how: u8) -> String {
        let literal = b.is_ascii_alphanumeric() || b"-_.~:@!*,;/".contains(&b);
        match (b, how % 3) {
            (b' ', 0) => "+".to_string(),
            (_, 0 | 1) if literal => (b as char).to_string(),
            (_, 1) => format!("%{b:02x}"),
            _ => format!("%{b:02X}"),
        }
    }

    /// `md5(md5(query) + key)`, straight from the md5 crate.
    fn token_model(signed_query: &str) -> String {
        let inner = format!("{:x}", md5::compute(signed_query.as_bytes()));
        format!("{:x}", md5::compute(format!("{inner}{KEY}").as_bytes()))
    }

    /// Distinct parameter names that PHP keeps as they are, with values of any bytes and the way
    /// each byte is sent.
    fn params() -> impl Strategy<Value = Vec<(String, Vec<(u8, u8)>)>> {
        proptest::collection::btree_map(
            "[a-z][a-z0-9_]{0,5}".prop_filter("not token", |n| n != "token"),
            proptest::collection::vec((any::<u8>(), any::<u8>()), 0..12),
            0..6,
        )
        .prop_map(|m| m.into_iter().collect())
        .prop_shuffle()
    }

    proptest! {
        /// The token of any query is md5(md5(PHP's rebuilt query) + key), wherever `token` stands.
        #[test]
        fn the_token_is_md5_of_the_php_rebuilt_query(params in params(), at in any::<prop::sample::Index>()) {
            let mut sent: Vec<String> = params
                .iter()
                .map(|(name, value)| {
                    let v: String = value.iter().map(|&(b, how)| sent_byte(b, how)).collect();
                    format!("{name}={v}")
                })
                .collect();
            let rebuilt: Vec<String> = params
                .iter()
                .map(|(name, value)| {
                    let bytes: Vec<u8> = value.iter().map(|&(b, _)| b).collect();
                    format!("{name}={}", urlencode_model(&bytes))
                })
                .collect();
            let expected = token_model(&rebuilt.join("&"));
            let raw = sent.join("&");
            prop_assert_eq!(token_for_query(&raw, KEY), expected.clone(), "{}", raw);
            sent.insert(at.index(sent.len() + 1), "token=0".to_string());
            let with_token = sent.join("&");
            prop_assert_eq!(token_for_query(&with_token, KEY), expected.clone(), "{}", with_token);
            let url = sign_url(&format!("/x.php?{with_token}"), KEY);
            prop_assert!(url.ends_with(&format!("&token={expected}")) || url == format!("/x.php?token={expected}"), "{}", url);
        }

        /// An API call is a query with `token=` (any case) followed by 32 ASCII letters or digits.
        #[test]
        fn api_calls_are_recognised_by_the_token_pattern(
            before in "[a-zA-Z0-9=&_-]{0,8}",
            name in "[tT][oO][kK][eE][nN]=?",
            run in "[a-fA-F0-9xyz]{28,36}",
            tail in "[a-z0-9&=.-]{0,6}",
        ) {
            let query = format!("{before}{name}{run}{tail}");
            // Every piece after a `token=` (case-insensitive) must start with 32 letters or digits.
            let lower = query.to_ascii_lowercase();
            let expected = lower
                .split("token=")
                .skip(1)
                .any(|piece| piece.len() >= 32 && piece.bytes().take(32).all(|b| b.is_ascii_alphanumeric()));
            prop_assert_eq!(is_api_call(query.as_bytes()), expected, "{}", query);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn token_for_query() {
        let token = crate::xxb::token::token_for_query(
            "m=im&f=getGroupChats&code=myAppCode",
            "3cd0914d656e90ab181f1d52ff352cfe",
        );
        assert_eq!(token, "07a22de5b9c287eaaf5c04320fe48aba");
    }

    #[test]
    fn sign_url() {
        let url = crate::xxb::token::sign_url(
            "http://h/x.php?m=im&f=getGroupChats&code=myAppCode&token=0",
            "3cd0914d656e90ab181f1d52ff352cfe",
        );
        assert_eq!(url, "http://h/x.php?m=im&f=getGroupChats&code=myAppCode&token=07a22de5b9c287eaaf5c04320fe48aba");
    }
}

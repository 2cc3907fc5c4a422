//! The direct API's signature, as the vendor's guide documents it:
//! `token = md5(md5(P) + key)`, where `P` is the path without its leading slash, `?`, and the
//! canonical query (every parameter but `token`, sorted by name, form-encoded; see
//! [`Query::canonical_without`]). The server canonicalises, so the order of the parameters in the
//! URL does not matter. The CLI's `token --api xxd` and `sign --api xxd` use these functions.
//!
//! Also here: what a token signs when it is not this one, for the finding that tells a client it
//! signed with the other API's formula, in either direction.

use super::operation::Operation;
use super::query::Query;
use crate::php::query::parse_str;
use crate::xxb::token::{md5_hex, query_token, signed_query};

/// `P`: the path without its leading slash, `?`, and the canonical query.
pub fn signed_text(path: &str, query: &Query) -> String {
    format!(
        "{}?{}",
        path.trim_start_matches('/'),
        query.canonical_without("token")
    )
}

/// `md5(md5(P) + key)`.
pub fn token(signed_text: &str, key: &str) -> String {
    md5_hex(format!("{}{key}", md5_hex(signed_text.as_bytes())).as_bytes())
}

/// The token of a request target: `PATH?QUERY`, with or without the leading slash, or a whole URL
/// (`http://host:11443/im/getChatGroups?code=...`). A `token` in the query is ignored.
pub fn token_for(target: &str, key: &str) -> String {
    let (path, query) = split_target(target);
    token(&signed_text(path, &Query::parse(query)), key)
}

/// The path and the query of a request target (a whole URL loses its scheme and host, and any
/// fragment is dropped).
fn split_target(target: &str) -> (&str, &str) {
    let target = target.split('#').next().unwrap_or_default();
    let without_origin = match target.find("://") {
        Some(at) => {
            let rest = &target[at + 3..];
            rest.find(['/', '?']).map_or("", |slash| &rest[slash..])
        }
        None => target,
    };
    without_origin
        .split_once('?')
        .unwrap_or((without_origin, ""))
}

/// `target` with its `token` parameter replaced by, or appended as, the right token; its other
/// parameters stay as written, in their order.
pub fn sign_url(target: &str, key: &str) -> String {
    let token = token_for(target, key);
    let (before_fragment, fragment) = match target.split_once('#') {
        Some((url, fragment)) => (url, Some(fragment)),
        None => (target, None),
    };
    let (base, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let mut kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("token"))
        .collect();
    let appended = format!("token={token}");
    kept.push(&appended);
    let mut out = format!("{base}?{}", kept.join("&"));
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// What a wrong token turned out to sign: the other API's formula over this request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtherFormula {
    /// What was hashed, e.g. `m=im&f=getGroupChats&code=appcode`.
    pub signed: String,
    /// The formula, as the finding writes it.
    pub formula: &'static str,
}

/// On `/im/...`: whether `sent` is `/x.php`'s token for this request, i.e. `md5(md5(q) + key)` over
/// the query PHP rebuilds (in the order sent, PHP's encoding), or over `/x.php`'s own query for
/// the same operation (`m=im&f=<method>&` before it), as a client that kept its `/x.php` signing
/// sends.
pub fn x_php_formula(
    raw_query: &str,
    operation: Option<Operation>,
    sent: &str,
    key: &str,
) -> Option<OtherFormula> {
    let as_sent = signed_query(&parse_str(raw_query.as_bytes()));
    let mut candidates = vec![as_sent.clone()];
    if let Some(operation) = operation {
        let method = operation.x_php_method();
        let routed = if as_sent.is_empty() {
            format!("m=im&f={method}")
        } else {
            format!("m=im&f={method}&{as_sent}")
        };
        candidates.push(routed);
    }
    candidates
        .into_iter()
        .find(|signed| query_token(signed, key) == sent)
        .map(|signed| OtherFormula {
            signed,
            formula: "md5(md5(query) + key), the query in the order sent",
        })
}

/// On `/x.php`: whether `sent` is the direct API's token for this request, i.e. `md5(md5(P) + key)`
/// with `P` = `x.php?` and the canonical query, or `P` = the equivalent `/im/` path and the
/// canonical query without `m` and `f`, as a client that moved to the direct API's signing sends.
pub fn xxd_formula(
    script: &str,
    raw_query: &str,
    method: Option<&str>,
    sent: &str,
    key: &str,
) -> Option<OtherFormula> {
    let query = Query::parse(raw_query);
    let mut candidates = vec![signed_text(script, &query)];
    if let Some(operation) = method.and_then(Operation::for_x_php_method) {
        let without_route: Vec<String> = query
            .pairs()
            .iter()
            .filter(|(n, _)| n != b"m" && n != b"f")
            .map(|(n, v)| format!("{}={}", super::query::escape(n), super::query::escape(v)))
            .collect();
        candidates.push(signed_text(
            &operation.path(),
            &Query::parse(&without_route.join("&")),
        ));
    }
    candidates
        .into_iter()
        .find(|signed| token(signed, key) == sent)
        .map(|signed| OtherFormula {
            signed,
            formula:
                "md5(md5(P) + key), P = the path without its slash, `?`, the query sorted by name",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "dgqfkys6lq6v9xm7n1xofhgwkvcat12n";

    #[test]
    fn the_guides_vectors() {
        let vectors = [
            (
                "im/getChatGroups?code=appcode",
                "1a95a530d263cc19d51405566c00910b",
            ),
            (
                "im/getChatUsers?code=appcode&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
                "5d2d87e7fed3c51e6d599e4cc74fcdf8",
            ),
            (
                "im/getChatUsers?code=appcode",
                "6de85774f3ab629fcebf9ac284acc336",
            ),
            (
                "im/sendNotification?code=appcode",
                "e5f94a972bb6693e5e546c3f17a44e6a",
            ),
            (
                "im/sendChatMessage?code=appcode",
                "7211b3be50c9a2c7760afc48f8041bcf",
            ),
        ];
        for (target, expected) in vectors {
            assert_eq!(token_for(target, KEY), expected, "{target}");
            assert_eq!(token_for(&format!("/{target}"), KEY), expected);
            assert_eq!(
                token_for(
                    &format!("https://chat.example.com:11443/{target}&token=x#top"),
                    KEY
                ),
                expected
            );
        }
    }

    #[test]
    fn the_order_in_the_url_does_not_matter() {
        assert_eq!(
            token_for(
                "/im/getChatUsers?gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=appcode",
                KEY
            ),
            "5d2d87e7fed3c51e6d599e4cc74fcdf8"
        );
    }

    #[test]
    fn signing_appends_or_replaces_the_token() {
        assert_eq!(
            sign_url("http://h:11443/im/getChatGroups?code=appcode", KEY),
            "http://h:11443/im/getChatGroups?code=appcode&token=1a95a530d263cc19d51405566c00910b"
        );
        assert_eq!(
            sign_url("/im/getChatGroups?token=old&code=appcode#x", KEY),
            "/im/getChatGroups?code=appcode&token=1a95a530d263cc19d51405566c00910b#x"
        );
    }

    #[test]
    fn a_token_of_the_other_api_is_recognised_both_ways() {
        let php = query_token("m=im&f=getGroupChats&code=appcode", KEY);
        let found = x_php_formula("code=appcode", Some(Operation::GetChatGroups), &php, KEY);
        assert_eq!(
            found.map(|f| f.signed).as_deref(),
            Some("m=im&f=getGroupChats&code=appcode")
        );
        let direct = token("im/getChatGroups?code=appcode", KEY);
        let found = xxd_formula(
            "/x.php",
            "m=im&f=getGroupChats&code=appcode",
            Some("getGroupChats"),
            &direct,
            KEY,
        );
        assert_eq!(
            found.map(|f| f.signed).as_deref(),
            Some("im/getChatGroups?code=appcode")
        );
        let literal = token("x.php?code=appcode&f=getGroupChats&m=im", KEY);
        assert!(xxd_formula(
            "/x.php",
            "m=im&f=getGroupChats&code=appcode",
            None,
            &literal,
            KEY
        )
        .is_some());
        assert_eq!(
            x_php_formula("code=appcode", None, "0".repeat(32).as_str(), KEY),
            None
        );
    }
}

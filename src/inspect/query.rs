//! Reading the inspection API's input: refusing what an endpoint does not read (before its
//! handler runs), and reading the values of the parameters it does, with an error that names the
//! bad one.

use super::{Endpoint, InspectError};
use crate::suggest;
use std::collections::HashMap;
use std::str::FromStr;

/// The default and the largest page size.
pub const DEFAULT_LIMIT: usize = 100;
pub const MAX_LIMIT: usize = 1000;

/// The parameters of a page of a list.
pub const PAGE: [&str; 2] = ["limit", "order"];

/// The parameter every endpoint accepts: the admin token, for a browser's `EventSource`, which
/// cannot send headers (see `require_admin_token`).
pub const ACCESS_TOKEN: &str = "access_token";

/// `a` then `b`, as one array of `N` names (`N` must be their total length).
pub const fn concat<const N: usize>(a: &[&'static str], b: &[&'static str]) -> [&'static str; N] {
    assert!(a.len() + b.len() == N, "N must be the total length");
    let mut names = [""; N];
    let mut i = 0;
    while i < a.len() {
        names[i] = a[i];
        i += 1;
    }
    while i < N {
        names[i] = b[i - a.len()];
        i += 1;
    }
    names
}

fn pairs(raw: &str) -> Result<Vec<(String, String)>, InspectError> {
    Ok(
        actix_web::web::Query::<Vec<(String, String)>>::from_query(raw)
            .map_err(|e| InspectError::bad_request("query", e.to_string()))?
            .into_inner(),
    )
}

/// `GET /__inspect/wait`, as an error names an endpoint.
fn name(endpoint: &Endpoint) -> String {
    format!("{} /__inspect{}", endpoint.method, endpoint.path)
}

/// Refuses a query parameter `endpoint` does not read (naming the nearest one it reads), one given
/// twice, or one without a value: each would otherwise be ignored or match more than meant.
pub fn refuse_unread(endpoint: &Endpoint, raw: &str) -> Result<(), InspectError> {
    let mut seen: Vec<String> = Vec::new();
    for (parameter, value) in pairs(raw)? {
        if parameter == ACCESS_TOKEN {
            continue;
        }
        if !endpoint.query.contains(&parameter.as_str()) {
            let nearest = suggest::closest(
                &parameter,
                endpoint.query.iter().copied(),
                suggest::tolerance(&parameter),
            );
            let mut message = format!("{} has no parameter `{parameter}`", name(endpoint));
            match nearest {
                Some(nearest) => message.push_str(&format!("; did you mean `{nearest}`?")),
                None => message.push('.'),
            }
            if endpoint.query.is_empty() {
                message.push_str(" It reads none");
                if endpoint.body {
                    message.push_str(": its fields go in the JSON body");
                }
                message.push('.');
            } else {
                message.push_str(&format!(" It reads {}.", endpoint.query.join(", ")));
            }
            return Err(InspectError::unknown(&parameter, message, nearest));
        }
        if seen.contains(&parameter) {
            return Err(InspectError::bad_request(
                &parameter,
                format!("`{parameter}` is given more than once; give it once"),
            ));
        }
        if value.is_empty() {
            return Err(InspectError::bad_request(
                &parameter,
                format!("`{parameter}` has no value; leave it out to not filter by it"),
            ));
        }
        seen.push(parameter);
    }
    Ok(())
}

/// Refuses a body sent to an endpoint that reads none, unless it is empty (or `{}` or `null`,
/// which carry no field): a field in it would be ignored. A field that is one of the endpoint's query parameters is said to belong
/// in the query.
pub fn refuse_body(endpoint: &Endpoint, body: &[u8]) -> Result<(), InspectError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    let reads_none = format!("{} reads no body", name(endpoint));
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(fields)) => match fields.keys().next() {
            None => Ok(()),
            Some(field) if endpoint.query.contains(&field.as_str()) => {
                Err(InspectError::bad_request(
                    field,
                    format!("{reads_none}: give `{field}` as a query parameter (`?{field}=...`)"),
                ))
            }
            Some(field) => Err(InspectError::bad_request(
                field,
                format!("{reads_none}; `{field}` would be ignored"),
            )),
        },
        Ok(serde_json::Value::Null) => Ok(()),
        _ => Err(InspectError::bad_request("body", reads_none)),
    }
}

/// The query parameters of one request, refused already if the endpoint does not read them.
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(raw: &str) -> Result<Self, InspectError> {
        Ok(Params(pairs(raw)?.into_iter().collect()))
    }

    pub fn text(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }

    pub fn parsed<T: FromStr>(&self, name: &str, what: &str) -> Result<Option<T>, InspectError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                InspectError::bad_request(name, format!("`{name}` must be {what}, not {v:?}"))
            }),
        }
    }

    /// `limit`: 1 to 1000, 100 by default.
    pub fn limit(&self) -> Result<usize, InspectError> {
        let limit = self
            .parsed::<usize>("limit", "a whole number from 1 to 1000")?
            .unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(InspectError::bad_request(
                "limit",
                "`limit` must be a whole number from 1 to 1000",
            ));
        }
        Ok(limit)
    }

    /// `order`: `asc` (default) or `desc`; true for descending.
    pub fn descending(&self) -> Result<bool, InspectError> {
        match self.0.get("order").map(String::as_str) {
            None | Some("asc") => Ok(false),
            Some("desc") => Ok(true),
            Some(other) => Err(InspectError::bad_request(
                "order",
                format!("`order` must be asc or desc, not {other:?}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{concat, refuse_unread};
    use crate::inspect::ROUTES;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn concat_keeps_both_in_order() {
        const BOTH: [&str; 3] = concat(&["a"], &["b", "c"]);
        assert_eq!(BOTH, ["a", "b", "c"]);
    }

    /// Names a client might send: every parameter of any endpoint, misspellings, the token, and
    /// names that need percent-encoding.
    fn names() -> Vec<&'static str> {
        let mut names: Vec<&str> = ROUTES
            .iter()
            .flat_map(|e| e.query.iter().copied())
            .collect();
        names.extend([
            "access_token",
            "usr",
            "timeout",
            "Count",
            "user ",
            "用户",
            "a&b",
            "",
        ]);
        names
    }

    proptest! {
        /// Model: a query is let through exactly when every name but `access_token` is one the
        /// endpoint reads, none of them twice, and each has a value.
        #[test]
        fn a_query_passes_only_when_the_endpoint_reads_all_of_it(
            route in 0..ROUTES.len(),
            pairs in proptest::collection::vec(
                (prop::sample::select(names()), prop::sample::select(vec!["", "1", "x y", "中", "%"])),
                0..5,
            ),
        ) {
            let endpoint = &ROUTES[route];
            let raw = pairs
                .iter()
                .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
                .collect::<Vec<_>>()
                .join("&");
            let mut seen = HashSet::new();
            let expected = pairs.iter().filter(|(k, _)| *k != "access_token").all(|(k, v)| {
                endpoint.query.contains(k) && seen.insert(*k) && !v.is_empty()
            });
            prop_assert_eq!(refuse_unread(endpoint, &raw).is_ok(), expected, "{}", raw);
        }
    }

    fn urlencode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => (b as char).to_string(),
                other => format!("%{other:02X}"),
            })
            .collect()
    }
}

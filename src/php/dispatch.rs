//! How the real server's PHP router reads `m` (the module) and `f` (the method) from `$_GET`:
//! names compare without regard to ASCII case, as PHP's own class and method names do (`m=IM`,
//! `f=getgroupchats`, `f=SendNotification` all run the method), and a query array (`m[]=im`) makes
//! PHP throw. Both observed on the real server and reproduced deliberately.

use super::fatal::{FatalCause, PhpFatal};
use super::query::{PhpArray, QueryValue};

/// `$_GET[name]` as the router uses it: `Ok(None)` when missing, its bytes when a string, and a
/// fatal error when it is an array.
pub fn route_param<'a>(params: &'a PhpArray, name: &str) -> Result<Option<&'a [u8]>, PhpFatal> {
    match params.get(name) {
        None => Ok(None),
        Some(QueryValue::Str(bytes)) => Ok(Some(bytes)),
        Some(QueryValue::Array(_)) => Err(PhpFatal::new(name, FatalCause::QueryArray)),
    }
}

/// Whether `requested` names `declared` as PHP matches module and method names: equal but for
/// the case of ASCII letters (bytes beyond ASCII must be equal).
pub fn names(declared: &str, requested: &[u8]) -> bool {
    declared.as_bytes().eq_ignore_ascii_case(requested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php::query::parse_str;
    use proptest::prelude::*;

    #[test]
    fn route_params() {
        let params = parse_str(b"m=im&f[]=x&code=");
        assert_eq!(route_param(&params, "m"), Ok(Some(&b"im"[..])));
        assert_eq!(
            route_param(&params, "f"),
            Err(PhpFatal::new("f", FatalCause::QueryArray))
        );
        assert_eq!(route_param(&params, "code"), Ok(Some(&b""[..])));
        assert_eq!(route_param(&params, "t"), Ok(None));
        // The last value wins, an array included.
        let params = parse_str(b"m[]=x&m=im");
        assert_eq!(route_param(&params, "m"), Ok(Some(&b"im"[..])));
        let params = parse_str(b"m=im&m[]=x");
        assert!(route_param(&params, "m").is_err());
    }

    #[test]
    fn names_ignore_ascii_case_only() {
        assert!(names("im", b"IM"));
        assert!(names("getGroupChats", b"getgroupchats"));
        assert!(!names("im", b"i m"));
        assert!(!names("im", b"im\0"));
        assert!(!names("im", "ＩＭ".as_bytes()));
    }

    proptest! {
        /// Model: lower-case both with ASCII rules and compare bytes.
        #[test]
        fn names_match_the_lower_case_model(requested in proptest::collection::vec(
            prop::sample::select(b"sendNOTIFICATIONnotif\xc3\x89 ".to_vec()), 0..20)
        ) {
            let lower = |b: &[u8]| b.iter().map(|c| c.to_ascii_lowercase()).collect::<Vec<u8>>();
            prop_assert_eq!(
                names("sendNotification", &requested),
                lower(&requested) == lower(b"sendNotification")
            );
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn route_param() {
        use crate::php::{dispatch::route_param, query::parse_str};
        assert_eq!(route_param(&parse_str(b"m=IM"), "m"), Ok(Some(&b"IM"[..])));
        assert!(route_param(&parse_str(b"m[]=im"), "m").is_err());
    }

    #[test]
    fn names() {
        use crate::php::dispatch::names;
        assert!(names("sendNotification", b"SENDNOTIFICATION"));
        assert!(!names("sendNotification", b"sendNotification "));
    }
}

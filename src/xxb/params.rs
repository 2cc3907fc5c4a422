//! The real server's parameter filter and its positional method parameters.
//!
//! After the entry check, `code`, `token`, `m`, `f`, `t` (and `time`, when time mode accepted it) are
//! removed from `$_GET`. Every remaining name must match `^[a-zA-Z0-9_.]+$` and every remaining
//! non-empty value `^[a-zA-Z0-9=_,`#+^/.%*|\x7f-\xff-]+$`, or the whole answer is `Bad Request!`.
//! The values that pass are handed to the method **by position**, whatever they are called
//! (deliberate: `getChatUsers&group=X` reads `X` as its `gid`).

use crate::php::query::{ArrayKey, PhpArray, QueryValue};

/// Why the filter refused a parameter: the answer is `Bad Request!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub name: String,
    pub value: String,
    pub reason: RefusalReason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefusalReason {
    Name,
    Value,
    /// An array value (`a[]=1`); the real server cannot filter it as a string.
    Array,
}

/// A method parameter handed over by position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Positional {
    pub name: String,
    pub value: Vec<u8>,
}

/// The names removed before the filter runs (besides an accepted `time`).
pub const ROUTING_NAMES: [&str; 5] = ["code", "token", "m", "f", "t"];

/// Runs the filter over what remains of `$_GET` and returns the values in order.
pub fn filter(params: &PhpArray) -> Result<Vec<Positional>, Refused> {
    let mut positional = Vec::with_capacity(params.len());
    for (key, value) in params.iter() {
        let name_bytes = key.to_bytes();
        let name = String::from_utf8_lossy(&name_bytes).into_owned();
        let refuse = |reason, value: &[u8]| Refused {
            name: name.clone(),
            value: String::from_utf8_lossy(value).into_owned(),
            reason,
        };
        let name_ok = match key {
            ArrayKey::Int(_) => true,
            ArrayKey::Bytes(b) => !b.is_empty() && b.iter().all(|&c| is_name_byte(c)),
        };
        if !name_ok {
            return Err(refuse(
                RefusalReason::Name,
                value.as_bytes().unwrap_or_default(),
            ));
        }
        match value {
            QueryValue::Array(_) => return Err(refuse(RefusalReason::Array, b"")),
            QueryValue::Str(bytes) => {
                if value.is_truthy() && !bytes.iter().all(|&c| is_value_byte(c)) {
                    return Err(refuse(RefusalReason::Value, bytes));
                }
                positional.push(Positional {
                    name,
                    value: bytes.clone(),
                });
            }
        }
    }
    Ok(positional)
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'.'
}

/// The value filter's byte class: ``[a-zA-Z0-9=_,`#+^/.%*|\x7f-\xff-]``.
pub fn is_value_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"=_,`#+^/.%*|-".contains(&c) || c >= 0x7f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php::query::parse_str;
    use proptest::prelude::*;

    #[test]
    fn values_pass_by_position_whatever_their_name() {
        let got = filter(&parse_str(b"group=30683aea-7a1f&x=1")).unwrap();
        assert_eq!(
            got[0],
            Positional {
                name: "group".into(),
                value: b"30683aea-7a1f".to_vec()
            }
        );
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn refused_values() {
        for raw in [
            "gid=3%264",
            "gid=a+b",
            "gid=a~b",
            "gid=a:b",
            "gid=a@b",
            "gid=%3Cb%3E",
            "gid=a'b",
        ] {
            let refused = filter(&parse_str(raw.as_bytes())).unwrap_err();
            assert_eq!(refused.reason, RefusalReason::Value, "{raw}");
        }
    }

    #[test]
    fn accepted_values() {
        for raw in [
            "gid=30683aea-7a1f-4ec8",
            "gid=a%2Bb",
            "gid=%E5%BC%A0",
            "gid=",
            "gid=0",
            "gid=a,b=c|d*e^f`g#h/i.j%25",
        ] {
            assert!(filter(&parse_str(raw.as_bytes())).is_ok(), "{raw}");
        }
    }

    #[test]
    fn refused_names_and_arrays() {
        assert_eq!(
            filter(&parse_str(b"a-b=1")).unwrap_err().reason,
            RefusalReason::Name
        );
        assert_eq!(
            filter(&parse_str(b"a[]=1")).unwrap_err().reason,
            RefusalReason::Array
        );
        // `a.b` arrives as `a_b` (PHP mangles the name), which passes.
        assert!(filter(&parse_str(b"a.b=1")).is_ok());
    }

    #[test]
    fn value_byte_class() {
        let allowed: Vec<u8> = (0u8..=255).filter(|&c| is_value_byte(c)).collect();
        let ascii: String = allowed
            .iter()
            .filter(|c| c.is_ascii())
            .map(|&c| c as char)
            .collect();
        assert_eq!(
            ascii,
            "#%*+,-./0123456789=ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|\u{7f}"
        );
        assert!((0x80..=0xff).all(is_value_byte));
    }

    /// The filter's classes as the real server writes them, `^[a-zA-Z0-9_.]+$` for names and
    /// ``^[a-zA-Z0-9=_,`#+^/.%*|\x7f-\xff-]+$`` for values, spelled out as byte lists.
    const NAME_CLASS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
    const VALUE_CLASS: &[u8] =
        b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_,`#+^/.%*|-";

    fn model_value_ok(value: &[u8]) -> bool {
        value.is_empty()
            || value == b"0"
            || value.iter().all(|b| VALUE_CLASS.contains(b) || *b >= 0x7f)
    }

    fn percent(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("%{b:02X}")).collect()
    }

    /// Mostly bytes the filter accepts, so whole queries pass often, with an occasional other byte.
    fn value_byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            8 => proptest::sample::select(VALUE_CLASS.to_vec()),
            1 => 0x7fu8..=0xff,
            1 => any::<u8>(),
        ]
    }

    /// Distinct names (a letter or `_` first, so PHP keeps them as string keys), each with a value
    /// and whether it is sent as an array `name[]`.
    fn params() -> impl Strategy<Value = Vec<(String, Vec<u8>, bool)>> {
        proptest::collection::btree_map(
            "[a-zA-Z_][a-zA-Z0-9_]{0,3}(-|~)?",
            (
                prop_oneof![
                    Just(b"0".to_vec()),
                    proptest::collection::vec(value_byte(), 0..8)
                ],
                proptest::bool::weighted(0.05),
            ),
            0..5,
        )
        .prop_map(|m| m.into_iter().map(|(n, (v, a))| (n, v, a)).collect())
        .prop_shuffle()
    }

    proptest! {
        /// The filter passes every value in order when all names and values are in the classes, and
        /// otherwise refuses the first parameter outside them, for the reason the model gives.
        #[test]
        fn the_filter_follows_its_two_classes(params in params()) {
            let raw: Vec<String> = params
                .iter()
                .map(|(name, value, array)| {
                    format!("{}{}={}", percent(name.as_bytes()), if *array { "[]" } else { "" }, percent(value))
                })
                .collect();
            let got = filter(&parse_str(raw.join("&").as_bytes()));
            let refusal = params.iter().find_map(|(name, value, array)| {
                if !name.bytes().all(|b| NAME_CLASS.contains(&b)) {
                    Some((name.clone(), RefusalReason::Name))
                } else if *array {
                    Some((name.clone(), RefusalReason::Array))
                } else if !model_value_ok(value) {
                    Some((name.clone(), RefusalReason::Value))
                } else {
                    None
                }
            });
            match (refusal, got) {
                (None, Ok(passed)) => {
                    let expected: Vec<(String, Vec<u8>)> = params.iter().map(|(n, v, _)| (n.clone(), v.clone())).collect();
                    let passed: Vec<(String, Vec<u8>)> = passed.into_iter().map(|p| (p.name, p.value)).collect();
                    prop_assert_eq!(passed, expected);
                }
                (Some((name, reason)), Err(refused)) => {
                    prop_assert_eq!((refused.name, refused.reason), (name, reason));
                }
                (expected, got) => prop_assert!(false, "{:?} expected, got {:?} for {:?}", expected, got, raw),
            }
        }
    }
}

//! Who a send reaches, as the real server's PHP and MariaDB decide it together: the `users` of
//! sendNotification (and the `gid` of sendChatMessage, which the same code reads) becomes either a
//! list of users, looked up by id or by account, or a chat gid.
//!
//! The rules, each reproduced deliberately and observed on the real server:
//! - A JSON array is a list of users. When its **first** element is numeric (PHP `is_numeric`)
//!   every element is an id, otherwise every element is an account.
//! - Each element becomes PHP's string of it (`true` is `"1"`, `null` `""`, `1.0` `"1"`, an
//!   overflowing `1e400` `"INF"`) and goes into `IN ('...')`.
//! - Ids: MariaDB compares the integer `id` with each string as doubles, so `" 3"` and `"3abc"`
//!   are 3, `"3.5"`, `"0"`, `""` and `"INF"` are nobody, and a repeated id is one recipient.
//! - Accounts: compared under `utf8_general_ci`, so `"ZHANGSAN "` is zhangsan.
//! - An element that is an array or an object makes PHP throw (HTTP 500, nothing stored).
//! - A JSON object makes PHP throw too; any other non-empty scalar is a chat gid (`3` is `"3"`,
//!   `true` is `"1"`), an upstream bug.

use super::cast::{integer_equal_to, string_to_double};
use super::collation::CollationKey;
use super::Charset;
use crate::php::fatal::{FatalCause, PhpFatal};
use crate::php::value::{is_numeric, to_php_string};
use serde_json::Value;
use std::collections::HashSet;

/// What a non-empty `users` (or sendChatMessage `gid`) names.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// A JSON array: users, stored under the `notification` chat.
    Users(UserSelector),
    /// A scalar: a chat gid, as PHP's string of it. The chat is the one whose gid has the same
    /// [`CollationKey`]; the message is stored under [`super::column::char_column`] of it.
    Chat(String),
}

/// Reads a non-empty `users` (or sendChatMessage `gid`) value; `field` names it in the fatal
/// error. Call it after the `empty()` check: an empty value is refused before this.
pub fn target(charset: Charset, field: &str, value: &Value) -> Result<Target, PhpFatal> {
    match value {
        Value::Array(list) => user_selector(charset, field, list).map(Target::Users),
        Value::Object(_) => Err(PhpFatal::new(field, FatalCause::Object)),
        scalar => Ok(Target::Chat(to_php_string(scalar).unwrap_or_default())),
    }
}

/// Reads a JSON array of users: by id when its first element is numeric, by account otherwise.
pub fn user_selector(
    charset: Charset,
    field: &str,
    list: &[Value],
) -> Result<UserSelector, PhpFatal> {
    let by_id = list.first().is_some_and(is_numeric);
    let mut entries = Vec::with_capacity(list.len());
    for (index, element) in list.iter().enumerate() {
        let Some(text) = to_php_string(element) else {
            let cause = match element {
                Value::Object(_) => FatalCause::ObjectElement { index },
                _ => FatalCause::ArrayElement { index },
            };
            return Err(PhpFatal::new(field, cause));
        };
        let lookup = if by_id {
            match integer_equal_to(string_to_double(&text)) {
                Some(id) => Lookup::Id(id),
                None => Lookup::NoId,
            }
        } else {
            Lookup::Account(CollationKey::new(charset, &text))
        };
        entries.push(Entry { text, lookup });
    }
    Ok(UserSelector { by_id, entries })
}

/// A list of users as the real server looks them up.
#[derive(Clone, Debug, PartialEq)]
pub struct UserSelector {
    by_id: bool,
    entries: Vec<Entry>,
}

/// One element of the list: PHP's string of it, and what the database compares it with.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub text: String,
    pub lookup: Lookup,
}

/// What one element finds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Lookup {
    /// The user with this id, if any.
    Id(i64),
    /// No user: the value equals no integer (`"3.5"`, `"INF"`).
    NoId,
    /// The user whose account has this key under `utf8_general_ci`.
    Account(CollationKey),
}

impl UserSelector {
    /// Whether the list is matched by ids (its first element is numeric).
    pub fn by_id(&self) -> bool {
        self.by_id
    }

    /// The elements, in order.
    #[cfg(test)]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The distinct ids to look up, in the order they first appear (empty in account mode).
    pub fn ids(&self) -> Vec<i64> {
        let mut seen = HashSet::new();
        self.entries
            .iter()
            .filter_map(|e| match e.lookup {
                Lookup::Id(id) => seen.insert(id).then_some(id),
                _ => None,
            })
            .collect()
    }

    /// The distinct account keys to look up, in the order they first appear (empty in id mode).
    pub fn accounts(&self) -> Vec<&CollationKey> {
        let mut seen = HashSet::new();
        self.entries
            .iter()
            .filter_map(|e| match &e.lookup {
                Lookup::Account(key) => seen.insert(key).then_some(key),
                _ => None,
            })
            .collect()
    }

    /// The positions of the elements that find nobody, given what the directory holds: `has_id`
    /// and `has_account` say whether a user (deleted ones included) has that id or account key.
    pub fn unmatched(
        &self,
        has_id: impl Fn(i64) -> bool,
        has_account: impl Fn(&CollationKey) -> bool,
    ) -> Vec<usize> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| match &e.lookup {
                Lookup::Id(id) => !has_id(*id),
                Lookup::NoId => true,
                Lookup::Account(key) => !has_account(key),
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::collections::BTreeSet;

    /// The users of a small directory: (id, account).
    const DIRECTORY: [(i64, &str); 5] = [
        (1, "admin"),
        (2, "zhangsan"),
        (3, "lisi"),
        (4, "wangwu"),
        (7, "3abc"),
    ];

    /// Applies a selector to the directory, as the store will: ids by id, accounts by key.
    fn reached(users: &Value) -> Result<BTreeSet<i64>, PhpFatal> {
        match target(Charset::Utf8, "users", users)? {
            Target::Chat(gid) => panic!("{users} is a chat gid {gid:?}"),
            Target::Users(selector) => {
                let ids: BTreeSet<i64> = selector.ids().into_iter().collect();
                let accounts: Vec<&CollationKey> = selector.accounts();
                Ok(DIRECTORY
                    .iter()
                    .filter(|(id, account)| {
                        ids.contains(id)
                            || accounts.contains(&&CollationKey::new(Charset::Utf8, account))
                    })
                    .map(|(id, _)| *id)
                    .collect())
            }
        }
    }

    fn set(ids: &[i64]) -> BTreeSet<i64> {
        ids.iter().copied().collect()
    }

    /// The corners observed on the real server (issue 12, item 10).
    #[test]
    fn observed_corners() {
        let cases: Vec<(Value, &[i64])> = vec![
            (json!([1.0, 3.5]), &[1]),
            (json!([" 3"]), &[3]),
            (json!(["3abc"]), &[7]),
            (json!([4, "3abc"]), &[3, 4]),
            (json!([1e300]), &[]),
            (json!([0]), &[]),
            (json!([""]), &[]),
            (json!([null]), &[]),
            (json!([true]), &[]),
            (json!([1, 1, 3]), &[1, 3]),
            (json!(["ZHANGSAN"]), &[2]),
            (json!(["zhangsan ", "LISI", "nobody"]), &[2, 3]),
            (json!(["Zhàngsan"]), &[2]),
            (json!([3, true]), &[1, 3]),
            (json!(["1e0", "2.0", "+4"]), &[1, 2, 4]),
        ];
        for (users, expected) in cases {
            assert_eq!(reached(&users), Ok(set(expected)), "{users}");
        }
        // 2,000 ids: every existing one among them.
        let many: Vec<i64> = (1..=2000).collect();
        assert_eq!(reached(&json!(many)), Ok(set(&[1, 2, 3, 4, 7])));
    }

    #[test]
    fn scalars_are_chat_gids() {
        let gid = |v: Value| target(Charset::Utf8, "users", &v);
        assert_eq!(gid(json!(3)), Ok(Target::Chat("3".into())));
        assert_eq!(gid(json!(true)), Ok(Target::Chat("1".into())));
        assert_eq!(gid(json!(7.0)), Ok(Target::Chat("7".into())));
        assert_eq!(gid(json!("G-1 ")), Ok(Target::Chat("G-1 ".into())));
    }

    #[test]
    fn objects_and_nested_lists_are_fatal() {
        let fatal = |v: Value| target(Charset::Utf8, "users", &v).unwrap_err();
        assert_eq!(
            fatal(json!({"a": 1})),
            PhpFatal::new("users", FatalCause::Object)
        );
        assert_eq!(
            fatal(json!({"0": 1})),
            PhpFatal::new("users", FatalCause::Object)
        );
        assert_eq!(
            fatal(json!([[3]])),
            PhpFatal::new("users", FatalCause::ArrayElement { index: 0 })
        );
        assert_eq!(
            fatal(json!([1, {"id": 3}])),
            PhpFatal::new("users", FatalCause::ObjectElement { index: 1 })
        );
        let gid = target(Charset::Utf8, "gid", &json!({"gid": "x"})).unwrap_err();
        assert_eq!(gid.field, "gid");
    }

    #[test]
    fn a_chat_gid_list_is_an_account_list() {
        // sendChatMessage `gid: ["<gid>"]`: read as accounts, so nobody.
        let gid = "30683aea-7a1f-4ec8-a6d6-834e0310fd7d";
        let Ok(Target::Users(selector)) = target(Charset::Utf8, "gid", &json!([gid])) else {
            panic!("a list is users");
        };
        assert!(!selector.by_id());
        assert_eq!(selector.unmatched(|_| true, |_| false).len(), 1);
    }

    #[test]
    fn unmatched_entries_name_what_found_nobody() {
        let Ok(Target::Users(selector)) = target(Charset::Utf8, "users", &json!([1, "2", 3.5, 9]))
        else {
            panic!("a list is users");
        };
        let unmatched: Vec<&str> = selector
            .unmatched(|id| id <= 4, |_| false)
            .into_iter()
            .map(|i| selector.entries()[i].text.as_str())
            .collect();
        assert_eq!(unmatched, ["3.5", "9"]);
    }

    /// An element of a random `users` list.
    fn element() -> impl Strategy<Value = Value> {
        prop_oneof![
            (-2i64..10).prop_map(Value::from),
            prop::sample::select(vec![0.5, 1.0, 2.0, 3.5, 1e20]).prop_map(Value::from),
            "[ ]{0,2}[0-9]{1,2}[a-c ]{0,2}".prop_map(Value::from),
            prop::sample::select(vec![
                "admin", "ADMIN ", "ZhangSan", "lisi\t", "3abc", "x", ""
            ])
            .prop_map(Value::from),
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            Just(json!([1])),
            Just(json!({"a": 1})),
        ]
    }

    /// An independent model of the server's rules, written from the observations: PHP's string
    /// of each element, then MySQL's numeric prefix (by id) or case-insensitive, trailing-space
    /// insensitive equality (by account).
    fn model(list: &[Value]) -> Option<BTreeSet<i64>> {
        let php_string = |v: &Value| -> Option<String> {
            match v {
                Value::Null | Value::Bool(false) => Some(String::new()),
                Value::Bool(true) => Some("1".into()),
                Value::Number(n) if n.is_i64() => Some(n.to_string()),
                Value::Number(n) => {
                    let f = n.as_f64().unwrap();
                    Some(match f {
                        1e20 => "1.0E+20".to_string(),
                        f if f.fract() == 0.0 => format!("{f:.0}"),
                        f => f.to_string(),
                    })
                }
                Value::String(s) => Some(s.clone()),
                _ => None,
            }
        };
        let texts: Vec<String> = list.iter().map(php_string).collect::<Option<_>>()?;
        let numeric_first = match list.first() {
            Some(Value::Number(_)) => true,
            Some(Value::String(s)) => {
                let t = s.trim_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
                !t.is_empty() && t.parse::<f64>().is_ok() && !t.contains(['i', 'n', 'I', 'N'])
            }
            _ => false,
        };
        // The longest prefix that reads as a decimal number (0 when none), as an integer id.
        let number = |s: &str| -> Option<i64> {
            let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\u{b}', '\u{c}']);
            let value = (1..=t.len())
                .rev()
                .filter(|n| t.is_char_boundary(*n))
                .find_map(|n| t[..n].parse::<f64>().ok())
                .unwrap_or(0.0);
            (value.fract() == 0.0 && value.abs() < 1e15).then_some(value as i64)
        };
        let fold = |s: &str| s.trim_end_matches(' ').to_lowercase().replace('à', "a");
        Some(
            DIRECTORY
                .iter()
                .filter(|(id, account)| {
                    texts.iter().any(|t| {
                        if numeric_first {
                            number(t) == Some(*id)
                        } else {
                            fold(t) == fold(account)
                        }
                    })
                })
                .map(|(id, _)| *id)
                .collect(),
        )
    }

    proptest! {
        #[test]
        fn recipients_match_the_model(list in proptest::collection::vec(element(), 1..6)) {
            let users = Value::Array(list.clone());
            prop_assert_eq!(reached(&users).ok(), model(&list), "{}", users);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn target() {
        use crate::mysql::{
            selector::{target, Target},
            Charset,
        };
        use serde_json::json;
        assert_eq!(
            target(Charset::Utf8, "users", &json!(3)),
            Ok(Target::Chat("3".into()))
        );
        assert!(target(Charset::Utf8, "users", &json!({"a": 1})).is_err());
    }

    #[test]
    fn user_selector() {
        use crate::mysql::{selector::user_selector, Charset};
        use serde_json::json;
        let ids = user_selector(
            Charset::Utf8,
            "users",
            json!([4, "3abc", 4, 3.5]).as_array().unwrap(),
        );
        assert_eq!(ids.unwrap().ids(), vec![4, 3]);
    }
}

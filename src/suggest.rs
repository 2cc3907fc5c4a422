//! Did-you-mean: the known word nearest to a misspelt one, for every message that refuses or flags
//! a name (scenario keys, finding codes, user accounts, the parameters and body fields of
//! `/__inspect`, fixture fields and file names).

use serde::Deserialize;
use serde_json::Value;

/// The candidate nearest to `word` by Damerau-Levenshtein distance (a swap of two neighbours counts
/// once), when it is at most `max_distance` edits away; the first of equally near ones.
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    max_distance: usize,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, _)| *distance <= max_distance)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// How far a misspelt name may be from a known one and still be suggested: two edits, or half the
/// name's length for longer names (`timeout` for `timeout_ms`).
pub fn tolerance(word: &str) -> usize {
    (word.chars().count() / 2).max(2)
}

/// A field of a JSON object that the struct `T` does not have, with the nearest one it has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownField {
    pub field: String,
    pub nearest: Option<&'static str>,
    /// Every field `T` has, in declaration order.
    pub known: &'static [&'static str],
}

impl std::fmt::Display for UnknownField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown field `{}`", self.field)?;
        if let Some(nearest) = self.nearest {
            write!(f, "; did you mean `{nearest}`?")?;
        }
        write!(f, " (the fields are {})", self.known.join(", "))
    }
}

/// The first key of `value` (when it is an object) that the struct `T` does not deserialize,
/// with the nearest known field. The field names come from `T`'s own `Deserialize`, renames
/// included, so they cannot drift from the struct.
pub fn unknown_field<'de, T: Deserialize<'de>>(value: &Value) -> Option<UnknownField> {
    let known = serde_aux::serde_introspection::serde_introspect::<T>();
    let Value::Object(object) = value else {
        return None;
    };
    let field = object.keys().find(|k| !known.contains(&k.as_str()))?;
    Some(UnknownField {
        nearest: closest(field, known.iter().copied(), tolerance(field)),
        field: field.clone(),
        known,
    })
}

#[cfg(test)]
mod tests {
    use super::{closest, unknown_field};

    #[test]
    fn a_swap_is_one_edit() {
        let accounts = ["admin", "zhangsan", "lisi"];
        assert_eq!(closest("zhangsna", accounts, 1), Some("zhangsan"));
        assert_eq!(closest("adimn", accounts, 1), Some("admin"));
    }

    #[test]
    fn nothing_beyond_the_distance() {
        assert_eq!(closest("nobody", ["admin", "zhangsan", "lisi"], 2), None);
        assert_eq!(closest("x", [], 3), None);
    }

    #[test]
    fn the_first_of_equally_near_ones() {
        assert_eq!(closest("ab", ["ac", "ad"], 1), Some("ac"));
        assert_eq!(closest("ad", ["ac", "ad"], 1), Some("ad"));
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Entry {
        account: String,
        #[serde(rename = "type")]
        kind: String,
    }

    #[test]
    fn an_unknown_field_is_named_with_the_nearest_known_one() {
        let unknown = unknown_field::<Entry>(&serde_json::json!({"acount": "a", "type": "t"}));
        let unknown = unknown.expect("acount is unknown");
        assert_eq!(
            (unknown.field.as_str(), unknown.nearest),
            ("acount", Some("account"))
        );
        assert_eq!(
            unknown.to_string(),
            "unknown field `acount`; did you mean `account`? (the fields are account, type)"
        );
        assert_eq!(
            unknown_field::<Entry>(&serde_json::json!({"account": "a", "type": "t"})),
            None
        );
        assert_eq!(unknown_field::<Entry>(&serde_json::json!([1])), None);
        let far = unknown_field::<Entry>(&serde_json::json!({"zzzzzzzz": 1})).unwrap();
        assert_eq!(far.nearest, None);
    }
}

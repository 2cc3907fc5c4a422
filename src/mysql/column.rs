//! What the real server's columns keep of a value written in non-strict `sql_mode`: a `TEXT`
//! column its first 65,535 bytes, a `CHAR` column its width without trailing spaces, an `ENUM`
//! column a listed value, an index, or `""`. No error is raised: the value is silently cut, which
//! is why the mock flags every cut with a finding.

use super::collation::CollationKey;
use super::Charset;
use std::borrow::Cow;

/// The size of a `TEXT` column in bytes, in `utf8` and `utf8mb4` alike.
pub const TEXT_BYTES: usize = 65_535;

/// The width of the message's `cgid` column, a `CHAR(40)` in the upstream schema. That it is a
/// `CHAR` is what the real server shows (a gid sent with a trailing space is stored without it);
/// the cut of a longer gid at 40 characters follows from the type and has not been observed.
pub const CGID_WIDTH: usize = 40;

/// What a `TEXT` column holds for a value, and what was lost on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredText<'a> {
    pub value: Cow<'a, str>,
    /// Characters above U+FFFF were replaced by `????` (`utf8` only).
    pub replaced: bool,
    /// The byte length of the value before the cut, when it was cut.
    pub cut_from: Option<usize>,
}

/// A message's `content` as its `TEXT` column keeps it: first the charset's conversion (emoji to
/// `????` in `utf8`), then the cut to [`TEXT_BYTES`] at a character boundary. Deliberate: 30,000
/// CJK characters (90,000 bytes) keep 21,845.
pub fn text(charset: Charset, value: &str) -> StoredText<'_> {
    let replaced = charset.loses_characters(value);
    let converted = charset.store(value);
    let (value, cut_from) = cut(converted, TEXT_BYTES);
    StoredText {
        value,
        replaced,
        cut_from,
    }
}

/// A message's `data` (the JSON of title, subtitle, url, actions, sender, target) as its `TEXT`
/// column keeps it: cut at [`TEXT_BYTES`], even when that leaves invalid JSON (a 70,000-character
/// title does). The JSON is PHP's ASCII-only encoding, so no charset conversion applies.
pub fn data_json(json: &str) -> StoredText<'_> {
    let (value, cut_from) = cut(Cow::Borrowed(json), TEXT_BYTES);
    StoredText {
        value,
        replaced: false,
        cut_from,
    }
}

/// The longest prefix of `value` that fits in `max` bytes and ends on a character boundary.
fn cut(value: Cow<'_, str>, max: usize) -> (Cow<'_, str>, Option<usize>) {
    if value.len() <= max {
        return (value, None);
    }
    let len = value.len();
    let mut end = max;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    let kept = match value {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..end]),
        Cow::Owned(mut s) => {
            s.truncate(end);
            Cow::Owned(s)
        }
    };
    (kept, Some(len))
}

/// What a `CHAR(width)` column holds and gives back for `value` (after the charset's conversion):
/// at most `width` characters, and trailing spaces removed on reading. Deliberate: a gid sent with
/// a trailing space is stored without it.
pub fn char_column(charset: Charset, value: &str, width: usize) -> String {
    let converted = charset.store(value);
    let end = converted
        .char_indices()
        .nth(width)
        .map_or(converted.len(), |(at, _)| at);
    converted[..end].trim_end_matches(' ').to_string()
}

/// The message `contentType` enum, in column order.
pub const CONTENT_TYPES: [&str; 9] = [
    "text", "plain", "emotion", "image", "file", "object", "code", "merge", "voice",
];

/// What an `ENUM(members)` column stores for the string `value` (MariaDB's `Field_enum::store`):
/// trailing spaces removed, then the member equal to it under `utf8_general_ci` (`"TEXT"` and
/// `"Téxt"` are `text`); else, when it is shorter than six bytes and entirely an unsigned decimal
/// (leading white space and `+` allowed), the member at that 1-based index (`"2"` is the second);
/// else `""`, the enum's error value.
pub fn enum_value<'m>(members: &[&'m str], value: &str) -> &'m str {
    let trimmed = value.trim_end_matches(' ');
    let key = CollationKey::new(Charset::Utf8mb4, trimmed);
    if let Some(member) = members
        .iter()
        .find(|m| CollationKey::new(Charset::Utf8mb4, m) == key)
    {
        return member;
    }
    if trimmed.len() >= 6 {
        return "";
    }
    match unsigned_decimal(trimmed) {
        Some(index) if (1..=members.len()).contains(&index) => members[index - 1],
        _ => "",
    }
}

/// `my_strntoul` that must consume the whole string: white space, an optional `+`, digits.
fn unsigned_decimal(s: &str) -> Option<usize> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\u{b}', '\u{c}', '\r']);
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What the message's `contentType` column stores for `value`.
pub fn content_type_enum(value: &str) -> String {
    enum_value(&CONTENT_TYPES, value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_columns_cut_at_65535_bytes_on_a_character_boundary() {
        let ascii = "a".repeat(70_000);
        let stored = text(Charset::Utf8, &ascii);
        assert_eq!(stored.value.len(), 65_535);
        assert_eq!(stored.cut_from, Some(70_000));
        assert!(!stored.replaced);

        let cjk = "中".repeat(30_000);
        let stored = text(Charset::Utf8, &cjk);
        assert_eq!(stored.value.len(), 65_535);
        assert_eq!(stored.value.chars().count(), 21_845);

        // Two-byte characters: 65,535 is odd, so the last half character goes.
        let accented = "é".repeat(40_000);
        let stored = text(Charset::Utf8, &accented);
        assert_eq!(stored.value.len(), 65_534);

        let short = text(Charset::Utf8, "short");
        assert_eq!(short.value, "short");
        assert_eq!(short.cut_from, None);
    }

    #[test]
    fn the_replacement_comes_before_the_cut() {
        // 65,534 bytes and an emoji: `????` replaces it, and the cut keeps one `?`.
        let value = format!("{}😀", "a".repeat(65_534));
        let stored = text(Charset::Utf8, &value);
        assert!(stored.replaced);
        assert_eq!(stored.value.len(), 65_535);
        assert!(stored.value.ends_with("a?"));
        // utf8mb4 keeps the emoji whole or not at all.
        let stored = text(Charset::Utf8mb4, &value);
        assert!(!stored.replaced);
        assert_eq!(stored.value.len(), 65_534);
        assert_eq!(stored.cut_from, Some(65_538));
    }

    #[test]
    fn data_json_is_cut_even_when_that_breaks_it() {
        let json = format!(r#"{{"title":"{}"}}"#, "x".repeat(70_000));
        let stored = data_json(&json);
        assert_eq!(stored.value.len(), 65_535);
        assert!(serde_json::from_str::<serde_json::Value>(&stored.value).is_err());
        assert_eq!(data_json("{}").value, "{}");
    }

    #[test]
    fn char_columns_drop_trailing_spaces_and_keep_their_width() {
        assert_eq!(char_column(Charset::Utf8, "Gid-1  ", 40), "Gid-1");
        assert_eq!(char_column(Charset::Utf8, " gid", 40), " gid");
        assert_eq!(char_column(Charset::Utf8, "gid\t", 40), "gid\t");
        assert_eq!(
            char_column(Charset::Utf8, &"中".repeat(50), 40),
            "中".repeat(40)
        );
        assert_eq!(char_column(Charset::Utf8, "g😀", 40), "g????");
        assert_eq!(
            char_column(Charset::Utf8, &"a".repeat(45), CGID_WIDTH).len(),
            40
        );
    }

    #[test]
    fn enum_columns_take_members_case_insensitively_or_by_index() {
        let cases = [
            ("plain", "plain"),
            ("TEXT", "text"),
            ("text ", "text"),
            ("Téxt", "text"),
            (" text", ""),
            ("markdown", ""),
            ("2", "plain"),
            (" 2", "plain"),
            ("+2", "plain"),
            ("02", "plain"),
            ("00009", "voice"),
            ("000009", ""),
            ("2 ", "plain"),
            ("2.0", ""),
            ("-1", ""),
            ("10", ""),
            ("0", ""),
            ("", ""),
        ];
        for (value, stored) in cases {
            assert_eq!(content_type_enum(value), stored, "{value:?}");
        }
    }

    proptest! {
        /// Model: the longest prefix by whole characters whose UTF-8 length is at most 65,535.
        #[test]
        fn cut_keeps_the_longest_fitting_prefix(
            s in proptest::collection::vec(prop::sample::select(vec!["a", "é", "中", "😀"]), 16_000..17_000)
        ) {
            let s: String = s.concat();
            let stored = text(Charset::Utf8mb4, &s);
            let mut expected = String::new();
            for c in s.chars() {
                if expected.len() + c.len_utf8() > TEXT_BYTES {
                    break;
                }
                expected.push(c);
            }
            prop_assert_eq!(stored.value.as_ref(), expected.as_str());
            prop_assert_eq!(stored.cut_from.is_some(), s.len() > TEXT_BYTES);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn text() {
        use crate::mysql::{column, Charset};
        let content = "中".repeat(30_000);
        let stored = column::text(Charset::Utf8, &content);
        assert_eq!(stored.value.chars().count(), 21_845);
        assert_eq!(stored.cut_from, Some(90_000));
    }

    #[test]
    fn char_column() {
        use crate::mysql::{column, Charset};
        assert_eq!(column::char_column(Charset::Utf8, "ABC ", 40), "ABC");
    }

    #[test]
    fn content_type_enum() {
        use crate::mysql::column::content_type_enum;
        assert_eq!(content_type_enum("TEXT"), "text");
        assert_eq!(content_type_enum("2"), "plain");
        assert_eq!(content_type_enum("markdown"), "");
    }
}

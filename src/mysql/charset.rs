//! The character set of the real server's tables: `utf8` (three bytes, what ZenTao 18.8 and 18.12
//! ship) or `utf8mb4` (newer releases). It decides what happens to characters above U+FFFF.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// The character set of the emulated server's text columns and connection; `--charset` takes its
/// name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Charset {
    /// MySQL's three-byte `utf8` (`utf8mb3`): every character above U+FFFF (emoji) is stored as
    /// `????`, one `?` per byte. The default: the server generations the mock emulates use it.
    #[default]
    #[value(name = "utf8")]
    Utf8,
    /// `utf8mb4`: every character is kept.
    #[value(name = "utf8mb4")]
    Utf8mb4,
}

impl Charset {
    /// What a text column of this charset holds for `text` (before any length cut).
    pub fn store(self, text: &str) -> Cow<'_, str> {
        if !self.loses_characters(text) {
            return Cow::Borrowed(text);
        }
        // Deliberate: the four bytes of such a character are each invalid in a utf8 connection,
        // and each becomes a `?`.
        let mut stored = String::with_capacity(text.len());
        for c in text.chars() {
            if (c as u32) > 0xFFFF {
                stored.push_str("????");
            } else {
                stored.push(c);
            }
        }
        Cow::Owned(stored)
    }

    /// Whether storing `text` loses characters.
    pub fn loses_characters(self, text: &str) -> bool {
        self == Charset::Utf8 && text.chars().any(|c| (c as u32) > 0xFFFF)
    }

    pub fn name(self) -> &'static str {
        match self {
            Charset::Utf8 => "utf8",
            Charset::Utf8mb4 => "utf8mb4",
        }
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Charset {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "utf8" | "utf8mb3" => Ok(Charset::Utf8),
            "utf8mb4" => Ok(Charset::Utf8mb4),
            other => Err(format!(
                "unknown charset {other:?}: use utf8 (ZenTao 18.8 to 18.12, the default) or utf8mb4 (newer releases)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn utf8_loses_astral_characters_byte_for_byte() {
        assert_eq!(Charset::Utf8.store("张三"), "张三");
        assert_eq!(Charset::Utf8.store("🎉x😀"), "????x????");
        assert!(Charset::Utf8.loses_characters("a😀"));
        assert!(!Charset::Utf8.loses_characters("a\u{FFFF}"));
        assert!(!Charset::Utf8mb4.loses_characters("a😀"));
    }

    #[test]
    fn names_round_trip() {
        for c in [Charset::Utf8, Charset::Utf8mb4] {
            assert_eq!(c.to_string().parse::<Charset>(), Ok(c));
        }
        assert_eq!("utf8mb3".parse::<Charset>(), Ok(Charset::Utf8));
        assert!("latin1".parse::<Charset>().unwrap_err().contains("utf8mb4"));
    }

    proptest! {
        /// Model: a character above U+FFFF is four bytes in UTF-8, and each becomes one `?`.
        #[test]
        fn utf8_keeps_the_byte_length_and_every_bmp_character(s in any::<String>()) {
            let stored = Charset::Utf8.store(&s);
            prop_assert_eq!(stored.len(), s.len());
            let expected: String = s
                .chars()
                .map(|c| if c.len_utf8() == 4 { "????".to_string() } else { c.to_string() })
                .collect();
            prop_assert_eq!(stored.as_ref(), expected.as_str());
            let kept = Charset::Utf8mb4.store(&s);
            prop_assert_eq!(kept.as_ref(), s.as_str());
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn store() {
        use crate::mysql::Charset;
        assert_eq!(Charset::Utf8.store("ok 😀!"), "ok ????!");
        assert_eq!(Charset::Utf8mb4.store("ok 😀!"), "ok 😀!");
    }
}

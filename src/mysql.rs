//! What the real server's MySQL storage does to the values written into it: `utf8` (three-byte)
//! text columns lose every character above U+FFFF, `enum` columns keep only their listed values (and
//! read a number as an index), and numeric comparisons cast strings by their numeric prefix.

/// The value of a `utf8` (three-byte) text column: every character above U+FFFF becomes `????`.
/// Deliberate: emoji in names and message content are lost on the real server.
///
/// ```
/// assert_eq!(xxb_mock::mysql::utf8_text("ok 😀!"), "ok ????!");
/// ```
pub fn utf8_text(s: &str) -> String {
    if s.chars().all(|c| (c as u32) <= 0xFFFF) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if (c as u32) > 0xFFFF {
                "????".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Whether storing `s` in a `utf8` column would lose characters.
pub fn loses_characters(s: &str) -> bool {
    s.chars().any(|c| (c as u32) > 0xFFFF)
}

/// The message `contentType` enum, in column order.
pub const CONTENT_TYPES: [&str; 9] = [
    "text", "plain", "emotion", "image", "file", "object", "code", "merge", "voice",
];

/// What MySQL stores in the `contentType` enum column for `value`: a listed value (compared
/// case-insensitively, trailing spaces ignored), or, for a number or numeric string that is not a
/// listed value, the value at that 1-based index; anything else is stored as `""`.
pub fn content_type_enum(value: &str) -> String {
    let trimmed = value.trim_end_matches(' ');
    if let Some(listed) = CONTENT_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(trimmed))
    {
        return listed.to_string();
    }
    match trimmed.parse::<usize>() {
        Ok(index) if (1..=CONTENT_TYPES.len()).contains(&index) => {
            CONTENT_TYPES[index - 1].to_string()
        }
        _ => String::new(),
    }
}

/// MySQL's cast of a string to a number in a numeric comparison: leading white space skipped,
/// the longest numeric prefix read, `0` when there is none (`'3abc' = 3`).
pub fn to_number(s: &str) -> f64 {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r']);
    let len = t
        .bytes()
        .take(64)
        .take_while(|b| b.is_ascii_digit() || b"+-.eE".contains(b))
        .count();
    let candidate = &t[..len];
    (1..=len)
        .rev()
        .find_map(|n| candidate[..n].parse::<f64>().ok())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_columns_lose_astral_characters() {
        assert_eq!(utf8_text("张三"), "张三");
        assert_eq!(utf8_text("🎉x😀"), "????x????");
        assert!(loses_characters("a😀"));
        assert!(!loses_characters("a\u{FFFF}"));
    }

    #[test]
    fn enum_column() {
        assert_eq!(content_type_enum("plain"), "plain");
        assert_eq!(content_type_enum("TEXT"), "text");
        assert_eq!(content_type_enum("text "), "text");
        assert_eq!(content_type_enum("markdown"), "");
        assert_eq!(content_type_enum("2"), "plain");
        assert_eq!(content_type_enum("10"), "");
        assert_eq!(content_type_enum("0"), "");
    }

    #[test]
    fn numeric_prefix_cast() {
        assert_eq!(to_number("3"), 3.0);
        assert_eq!(to_number(" 3abc"), 3.0);
        assert_eq!(to_number("abc"), 0.0);
        assert_eq!(to_number("1.5e1x"), 15.0);
        assert_eq!(to_number("张"), 0.0);
    }
}

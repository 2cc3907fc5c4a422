//! What the reports of `replay` and `parity` share: colour for a terminal, and text made safe for
//! XML and HTML.

use std::borrow::Cow;

/// Paints `text` with the ANSI colour or style `code` (`31` red, `1` bold) when `color` is set,
/// and leaves it as it is otherwise.
pub fn painter(color: bool) -> impl Fn(&str, &str) -> String {
    move |code, text| {
        if color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Text for XML or HTML, in an element or a quoted attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    html_escape::encode_quoted_attribute(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_when_asked() {
        assert_eq!(painter(true)("31", "FAIL"), "\x1b[31mFAIL\x1b[0m");
        assert_eq!(painter(false)("31", "FAIL"), "FAIL");
    }

    #[test]
    fn markup_characters_are_escaped_in_text_and_attributes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
        assert!(matches!(escape("plain 中文"), Cow::Borrowed(_)));
    }
}

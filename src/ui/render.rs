//! Notification content as an XXB client shows it: `text` is Markdown, rendered here and sanitised
//! (no scripts, no event handlers, no `javascript:` links: content is attacker-controlled), anything
//! else is plain text.

use crate::report::escape;
use pulldown_cmark::{html, Options, Parser};

/// The HTML of a notification's `content` for its `contentType`.
pub fn content_html(content: &str, content_type: &str) -> String {
    if content_type != "text" {
        return escape(content).into_owned();
    }
    let mut rendered = String::with_capacity(content.len() * 2);
    html::push_html(
        &mut rendered,
        Parser::new_ext(
            content,
            Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
        ),
    );
    ammonia::clean(&rendered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let html = content_html(
            "# 标题\n\n[点我](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://x.io)",
            "text",
        );
        assert!(html.contains("<h1>标题</h1>"), "{html}");
        assert!(
            !html.contains("javascript:") && !html.contains("onerror"),
            "{html}"
        );
        assert!(html.contains(r#"href="https://x.io""#), "{html}");
    }

    /// A tag read from sanitised HTML: its name and its attributes (name, raw value).
    #[derive(Debug)]
    struct Tag {
        name: String,
        attributes: Vec<(String, String)>,
    }

    /// The tags of an HTML text, read as a browser tokenises a start tag: a name, then attributes
    /// separated by white space or `/`, each value quoted with `"` or `'` or unquoted. Text (escaped
    /// by the sanitiser as `&lt;`) contains none.
    fn tags(html: &str) -> Vec<Tag> {
        let bytes: Vec<char> = html.chars().collect();
        let mut found = Vec::new();
        let mut i = 0;
        let separator = |c: char| c.is_whitespace() || c == '/';
        while i < bytes.len() {
            if bytes[i] != '<' {
                i += 1;
                continue;
            }
            i += 1;
            let mut name = String::new();
            while i < bytes.len() && !separator(bytes[i]) && bytes[i] != '>' {
                name.push(bytes[i].to_ascii_lowercase());
                i += 1;
            }
            let mut attributes = Vec::new();
            loop {
                while i < bytes.len() && separator(bytes[i]) {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == '>' {
                    break;
                }
                let mut attribute = String::new();
                while i < bytes.len() && !separator(bytes[i]) && bytes[i] != '>' && bytes[i] != '='
                {
                    attribute.push(bytes[i].to_ascii_lowercase());
                    i += 1;
                }
                let mut value = String::new();
                if bytes.get(i) == Some(&'=') {
                    i += 1;
                    match bytes.get(i) {
                        Some(&q) if q == '"' || q == '\'' => {
                            i += 1;
                            while i < bytes.len() && bytes[i] != q {
                                value.push(bytes[i]);
                                i += 1;
                            }
                            i += 1;
                        }
                        _ => {
                            while i < bytes.len() && !bytes[i].is_whitespace() && bytes[i] != '>' {
                                value.push(bytes[i]);
                                i += 1;
                            }
                        }
                    }
                }
                attributes.push((attribute, value));
            }
            found.push(Tag { name, attributes });
        }
        found
    }

    /// A URL value as a browser reads it: character references decoded, white space and control
    /// characters dropped, lower-case.
    fn url_as_read(value: &str) -> String {
        let mut decoded = String::new();
        let mut rest = value;
        while let Some(at) = rest.find('&') {
            decoded.push_str(&rest[..at]);
            rest = &rest[at..];
            let end = rest.find(';').unwrap_or(rest.len());
            let entity = &rest[1..end];
            let c = match entity.to_ascii_lowercase().as_str() {
                "colon" => Some(':'),
                "tab" => Some('\t'),
                "newline" => Some('\n'),
                e => e
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| e.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            match c {
                Some(c) => {
                    decoded.push(c);
                    rest = rest.get(end + 1..).unwrap_or_default();
                }
                None => {
                    decoded.push('&');
                    rest = &rest[1..];
                }
            }
        }
        decoded.push_str(rest);
        decoded
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control())
            .collect::<String>()
            .to_lowercase()
    }

    /// What would run: a script-bearing element, an event handler attribute, or a URL attribute
    /// with a script scheme.
    fn executable(tag: &Tag) -> bool {
        const ELEMENTS: [&str; 7] = [
            "script", "iframe", "object", "embed", "style", "svg", "math",
        ];
        const URLS: [&str; 6] = ["href", "src", "action", "formaction", "xlink:href", "data"];
        ELEMENTS.contains(&tag.name.trim_start_matches('/'))
            || tag.attributes.iter().any(|(name, value)| {
                name.starts_with("on")
                    || name == "style"
                    || (URLS.contains(&name.as_str()) && {
                        let url = url_as_read(value);
                        ["javascript:", "vbscript:", "data:"]
                            .iter()
                            .any(|s| url.starts_with(s))
                    })
            })
    }

    /// HTML-shaped content: nested elements with event handlers, script URLs in several spellings,
    /// markdown links, and text, in any mix.
    fn markup() -> impl Strategy<Value = String> {
        let name = proptest::sample::select(vec![
            "script", "SCRIPT", "ScRiPt", "a", "img", "svg", "iframe", "div", "p", "b", "style",
            "object", "embed", "body", "math", "details", "form", "button", "input", "video",
        ]);
        let attribute = proptest::sample::select(vec![
            "onclick",
            "onerror",
            "onload",
            "OnMouseOver",
            "ontoggle",
            "onfocus",
            "href",
            "src",
            "style",
            "formaction",
            "action",
            "xlink:href",
            "title",
            "data",
        ]);
        let value = proptest::sample::select(vec![
            "x",
            "alert(1)",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:x",
            "java&#x09;script:x",
            "&#106;avascript:x",
            "javascript&colon;x",
            "vbscript:x",
            "data:text/html,<script>x</script>",
            "https://ok.example/",
            "expression(alert(1))",
        ]);
        let quote = proptest::sample::select(vec!["\"", "'", ""]);
        let separator = proptest::sample::select(vec![" ", "/", "\n", " \t"]);
        let attributes = proptest::collection::vec((separator, attribute, quote, value), 0..3)
            .prop_map(|attrs| {
                attrs
                    .into_iter()
                    .map(|(sep, name, q, value)| format!("{sep}{name}={q}{value}{q}"))
                    .collect::<String>()
            });
        let leaf = prop_oneof![
            "[a-z *_#\n]{0,8}",
            Just("[x](javascript:alert(1))".to_string()),
            Just("![x](javascript:alert(1))".to_string()),
            Just("<".to_string()),
            Just("<!-- x -->".to_string()),
        ];
        leaf.prop_recursive(3, 24, 4, move |inner| {
            (
                name.clone(),
                attributes.clone(),
                proptest::collection::vec(inner, 0..3),
                any::<bool>(),
            )
                .prop_map(|(name, attributes, children, closed)| {
                    let children = children.concat();
                    if closed {
                        format!("<{name}{attributes}>{children}</{name}>")
                    } else {
                        format!("<{name}{attributes}>{children}")
                    }
                })
        })
    }

    proptest! {
        /// Whatever markup a message carries, no script element, event handler or script URL is
        /// left in what the page shows.
        #[test]
        fn nothing_executable_survives(parts in proptest::collection::vec(markup(), 1..4), text in ".{0,40}") {
            let content = format!("{text}{}", parts.join("\n\n"));
            let html = content_html(&content, "text");
            let bad: Vec<Tag> = tags(&html).into_iter().filter(executable).collect();
            prop_assert!(bad.is_empty(), "{:?} in {}", bad, html);
        }

        /// Plain content is text: no tag at all comes out.
        #[test]
        fn plain_content_has_no_tag(parts in proptest::collection::vec(markup(), 1..4)) {
            let html = content_html(&parts.concat(), "plain");
            prop_assert!(!html.contains('<') && !html.contains('>'), "{}", html);
        }
    }
}

/// The examples of this module's documentation, as tests.
#[cfg(test)]
mod examples {
    #[test]
    fn content_html() {
        let html = crate::ui::render::content_html("**加粗** <script>alert(1)</script>", "text");
        assert_eq!(html.trim(), "<p><strong>加粗</strong> </p>");
        assert_eq!(
            crate::ui::render::content_html("<b>x</b>", "plain"),
            "&lt;b&gt;x&lt;/b&gt;"
        );
    }
}

//! Notification content as an XXB client shows it: `text` is Markdown, rendered here and sanitised
//! (no scripts, no event handlers, no `javascript:` links: content is attacker-controlled), anything
//! else is plain text.

use pulldown_cmark::{html, Options, Parser};

/// The HTML of a notification's `content` for its `contentType`.
pub fn content_html(content: &str, content_type: &str) -> String {
    if content_type != "text" {
        return escape(content);
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

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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

    /// The tags of an HTML text (escaped text, `&lt;...`, contains none).
    fn tags(html: &str) -> Vec<String> {
        html.split('<')
            .skip(1)
            .map(|rest| {
                rest.split('>')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
            })
            .collect()
    }

    fn executable(tag: &str) -> bool {
        let event_handler = tag
            .split_whitespace()
            .skip(1)
            .any(|attribute| attribute.starts_with("on"));
        tag.starts_with("script") || tag.contains("javascript:") || event_handler
    }

    proptest! {
        #[test]
        fn nothing_executable_survives(content in ".{0,200}") {
            let html = content_html(&format!("{content}\n\n<script>x</script><a href=\"javascript:x\" onclick=\"x\">y</a><img src=x onerror=y>"), "text");
            prop_assert!(tags(&html).iter().all(|t| !executable(t)), "{}", html);
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

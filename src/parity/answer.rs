//! One answer as `parity` compares it: status, content type, the headers the server's PHP code
//! sets, and the body, with what legitimately varies between two servers normalised
//! ([`NORMALISED`], which the report lists).

use super::probes::{Compare, Request};
use serde::Serialize;

/// Headers the real server's PHP code sets; the web server's own (`Date`, `Server`,
/// `Content-Length`, `Connection`, `Transfer-Encoding`, ...) are not compared.
pub const COMPARED_HEADERS: &[&str] = &[
    "set-cookie",
    "expires",
    "cache-control",
    "pragma",
    "x-content-type-options",
    "x-xss-protection",
    "x-frame-options",
];

/// What is normalised before answers are compared, as the report lists it.
pub const NORMALISED: &[&str] = &[
    "headers of the web server, not of the XXB code (Date, Server, Content-Length, Connection, Keep-Alive, Transfer-Encoding, Vary, ...): not compared",
    "the session cookie's value (a cookie named *sid, e.g. zentaosid): random per request, shown as <session>",
    "cookie expiry dates (expires=...): they follow the clock, shown as <date>",
    "the HTML page of the web path: only its message (the alert text) is compared, not its markup",
];

/// An answer, normalised.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    /// The [`COMPARED_HEADERS`] present, in order, lower-case names.
    pub headers: Vec<(String, String)>,
    /// The body as text (bytes that are not UTF-8 are shown as `\xNN`).
    pub body: String,
}

/// Sends `request` to `base` and reads the answer, normalised for `compare`.
pub async fn fetch(
    client: &reqwest::Client,
    base: &str,
    request: &Request,
    compare: Compare,
) -> Result<Answer, reqwest::Error> {
    let method =
        reqwest::Method::from_bytes(request.http_method.as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut builder = client.request(method, format!("{base}{}", request.target));
    if let Some(lang) = request.lang {
        builder = builder.header("Accept-Language", lang);
    }
    if let Some(content_type) = request.content_type {
        builder = builder.header("Content-Type", content_type);
    }
    if !request.body.is_empty() {
        builder = builder.body(request.body.clone());
    }
    let response = builder.send().await?;
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let mut headers = Vec::new();
    for name in COMPARED_HEADERS {
        for value in response.headers().get_all(*name) {
            let value = String::from_utf8_lossy(value.as_bytes());
            let value = if *name == "set-cookie" {
                cookie(&value)
            } else {
                value.into_owned()
            };
            headers.push((name.to_string(), value));
        }
    }
    let bytes = response.bytes().await?;
    let body = match String::from_utf8(bytes.to_vec()) {
        Ok(text) => text,
        Err(_) => bytes.escape_ascii().to_string(),
    };
    let body = match compare {
        Compare::Bytes => body,
        Compare::PageMessage => page_message(&body),
    };
    Ok(Answer {
        status,
        content_type,
        headers,
        body,
    })
}

/// A `Set-Cookie` value with the session id and expiry dates normalised.
fn cookie(value: &str) -> String {
    value
        .split(';')
        .enumerate()
        .map(|(i, part)| {
            let trimmed = part.trim_start();
            let lead = &part[..part.len() - trimmed.len()];
            match trimmed.split_once('=') {
                Some((name, _)) if i == 0 && name.to_ascii_lowercase().ends_with("sid") => {
                    format!("{lead}{name}=<session>")
                }
                Some((name, _)) if i > 0 && name.eq_ignore_ascii_case("expires") => {
                    format!("{lead}{name}=<date>")
                }
                _ => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// The message of the web path's HTML page: the text of its `alert(...)`, else the page's text
/// without tags.
fn page_message(html: &str) -> String {
    if let Some(start) = html.find("alert(") {
        let rest = &html[start + "alert(".len()..];
        if let Some(end) = rest.find(')') {
            return format!(
                "(page) {}",
                rest[..end].trim().trim_matches(|c| c == '\'' || c == '"')
            );
        }
    }
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    format!(
        "(page) {}",
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// One aspect in which two answers differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// `status`, `content type`, `header set-cookie`, `body`.
    pub aspect: String,
    pub target: String,
    pub mock: String,
}

/// How `target` differs from `mock`; empty when they agree.
pub fn differences(target: &Answer, mock: &Answer) -> Vec<Difference> {
    let mut found = Vec::new();
    let mut differ = |aspect: &str, t: String, m: String| {
        if t != m {
            found.push(Difference {
                aspect: aspect.to_string(),
                target: t,
                mock: m,
            });
        }
    };
    differ("status", target.status.to_string(), mock.status.to_string());
    let none = || "(none)".to_string();
    differ(
        "content type",
        target.content_type.clone().unwrap_or_else(none),
        mock.content_type.clone().unwrap_or_else(none),
    );
    for name in COMPARED_HEADERS {
        let values = |answer: &Answer| {
            let values: Vec<&str> = answer
                .headers
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect();
            if values.is_empty() {
                none()
            } else {
                values.join("\n")
            }
        };
        differ(&format!("header {name}"), values(target), values(mock));
    }
    differ("body", target.body.clone(), mock.body.clone());
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_lose_their_session_id_and_dates_only() {
        assert_eq!(
            cookie("zentaosid=8d2k0s9f1h3j5l7n9p1r3t5v7x; path=/; HttpOnly"),
            "zentaosid=<session>; path=/; HttpOnly"
        );
        assert_eq!(
            cookie("lang=zh-cn; expires=Sat, 26 Dec 2026 10:00:00 GMT; Max-Age=2592000; path=/"),
            "lang=zh-cn; expires=<date>; Max-Age=2592000; path=/"
        );
        assert_eq!(cookie("theme=default; path=/"), "theme=default; path=/");
    }

    #[test]
    fn the_page_is_compared_by_its_message() {
        let page = "<html><meta charset='utf-8'/><style>body{background:white}</style><script>alert('XXB参数设置不正确。')\n</script>\n";
        assert_eq!(page_message(page), "(page) XXB参数设置不正确。");
        assert_eq!(
            page_message("<p>XXB is\n error.</p>"),
            "(page) XXB is error."
        );
    }

    #[test]
    fn differences_name_the_aspect() {
        let a = Answer {
            status: 200,
            content_type: Some("text/html".into()),
            headers: vec![("pragma".into(), "no-cache".into())],
            body: "{}".into(),
        };
        assert!(differences(&a, &a).is_empty());
        let b = Answer {
            headers: Vec::new(),
            body: "[]".into(),
            ..a.clone()
        };
        let found = differences(&a, &b);
        let aspects: Vec<&str> = found.iter().map(|d| d.aspect.as_str()).collect();
        assert_eq!(aspects, ["header pragma", "body"]);
        assert_eq!(found[0].mock, "(none)");
    }
}

//! The browser boundary: `/__inspect` and `/__ui` are refused to foreign Host names (DNS rebinding)
//! and to cross-site writes; the emulated API stays open to every Host and Origin, without CORS.

use crate::helpers::{signed, spawn_app, spawn_app_with, TestApp};
use serde_json::Value;
use xxb_mock::Config;

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = reqwest::Client::new().request(
        reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
        format!("{}{path}", app.url),
    );
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn refused_by(body: &str) -> String {
    let error: Value = serde_json::from_str(body).expect("a JSON error");
    error["field"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_foreign_host_name_is_refused_on_inspect_and_ui_but_loopback_names_are_served() {
    let app = spawn_app().await;
    for path in ["/__inspect/state", "/__ui", "/__ui/api/notifications"] {
        let (status, headers, body) =
            send(&app, "GET", path, &[("host", "evil.example:8080")], None).await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(refused_by(&body), "host");
        assert!(body.contains("--allowed-host evil.example"), "{body}");
    }
    for host in ["localhost:8080", "127.0.0.1", "[::1]:1234", "LOCALHOST"] {
        let (status, _, _) = send(&app, "GET", "/__inspect/state", &[("host", host)], None).await;
        assert_eq!(status, 200, "{host}");
    }
}

#[tokio::test]
async fn allowed_host_adds_a_name() {
    let app = spawn_app_with(Config {
        allowed_hosts: vec!["mock.test".into()],
        ..Config::default()
    })
    .await;
    let (status, _, _) = send(
        &app,
        "GET",
        "/__inspect/state",
        &[("host", "mock.test:80")],
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) = send(
        &app,
        "GET",
        "/__inspect/state",
        &[("host", "other.test")],
        None,
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn bound_beyond_loopback_without_allowed_hosts_any_host_is_served() {
    let app = spawn_app_with(Config {
        host: "0.0.0.0".into(),
        ..Config::default()
    })
    .await;
    let (status, _, _) = send(
        &app,
        "GET",
        "/__inspect/state",
        &[("host", "ci-runner.internal")],
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_emulated_api_answers_any_host_and_origin_without_cors_headers() {
    let app = spawn_app().await;
    let query = format!("/x.php?{}", signed("m=im&f=getGroupChats&code=myAppCode"));
    let (status, headers, body) = send(
        &app,
        "GET",
        &query,
        &[
            ("host", "evil.example"),
            ("origin", "https://evil.example"),
            ("sec-fetch-site", "cross-site"),
        ],
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.starts_with(r#"{"result":"success","data":{"#),
        "{body}"
    );
    assert!(
        headers
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{headers:?}"
    );
}

/// A request (path, headers, body) and the status and rule that refuse it.
type Refused<'a> = (
    &'a str,
    &'a [(&'a str, &'a str)],
    Option<&'a str>,
    u16,
    &'a str,
);

#[tokio::test]
async fn cross_site_writes_are_refused_and_say_which_rule() {
    let app = spawn_app().await;
    let cases: [Refused; 5] = [
        (
            "/__inspect/reset",
            &[("origin", "https://evil.example")],
            None,
            403,
            "origin",
        ),
        (
            "/__inspect/reset",
            &[("origin", "null")],
            None,
            403,
            "origin",
        ),
        (
            "/__inspect/reset",
            &[("sec-fetch-site", "cross-site")],
            None,
            403,
            "sec-fetch-site",
        ),
        (
            "/__inspect/faults",
            &[("content-type", "text/plain")],
            Some(r#"{"respond":{"status":502}}"#),
            415,
            "content-type",
        ),
        (
            "/__inspect/users",
            &[("content-type", "application/x-www-form-urlencoded")],
            Some("id=9&account=x"),
            415,
            "content-type",
        ),
    ];
    for (path, headers, body, status, rule) in cases {
        let (got, _, text) = send(&app, "POST", path, headers, body).await;
        assert_eq!(
            (got, refused_by(&text)),
            (status, rule.to_string()),
            "{path} {headers:?}"
        );
    }
    // Nothing of it happened: no fault is armed.
    let (_, _, faults) = send(&app, "GET", "/__inspect/faults", &[], None).await;
    assert_eq!(faults, "[]");
    // The page's own origin, and a client that sends no Origin (a test, curl), may.
    let own = app.url.clone();
    let (status, _, _) = send(&app, "POST", "/__inspect/reset", &[("origin", &own)], None).await;
    assert_eq!(status, 200);
    let (status, _, _) = send(
        &app,
        "POST",
        "/__inspect/faults",
        &[("content-type", "application/json; charset=utf-8")],
        Some(r#"{"respond":{"status":502}}"#),
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn head_is_answered_wherever_get_is_and_framework_errors_are_json() {
    let app = spawn_app().await;
    for path in ["/__inspect/health", "/__inspect/notifications", "/__ui"] {
        let (status, _, body) = send(&app, "HEAD", path, &[], None).await;
        assert_eq!((status, body.as_str()), (200, ""), "{path}");
    }
    let big = format!("[{}]", vec![r#"{"id":1,"account":"a"}"#; 20_000].join(","));
    let (status, headers, body) = send(
        &app,
        "POST",
        "/__inspect/users",
        &[("content-type", "application/json")],
        Some(&big),
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(refused_by(&body), "request");
    let (status, headers, _) = send(&app, "GET", "/__inspect/no-such-thing", &[], None).await;
    assert_eq!(
        (status, &headers["content-type"]),
        (
            404,
            &reqwest::header::HeaderValue::from_static("application/json")
        )
    );
}

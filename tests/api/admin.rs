//! The admin token and the OpenAPI document of `/__inspect`.

use crate::helpers::{signed, spawn_app, spawn_app_with};
use serde_json::Value;
use xxb_mock::Config;

#[tokio::test]
async fn the_admin_token_guards_inspect_but_not_the_emulated_api() {
    let app = spawn_app_with(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let client = reqwest::Client::new();
    let url = format!("{}/__inspect/notifications", app.url);
    assert_eq!(client.get(&url).send().await.unwrap().status(), 401);
    assert_eq!(
        client
            .get(&url)
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        client
            .get(&url)
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.json()["result"], "success");
}

#[tokio::test]
async fn every_documented_path_answers_and_every_route_is_documented() {
    let app = spawn_app().await;
    app.send_notification(&crate::helpers::notification(serde_json::json!([1])))
        .await;
    let doc = app.inspect("openapi.json").await;
    assert_eq!(doc["openapi"], "3.0.3");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (path, operations) in paths {
        for method in operations.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
        }
    }
    let mut routed: Vec<(String, String)> = xxb_mock::internals::ROUTES
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed);

    let client = reqwest::Client::new();
    for (method, path) in &documented {
        if path == "/events" {
            continue; // a stream: checked in waiting.rs
        }
        let concrete = path
            .replace("{seq}", "1")
            .replace("{gid}", "30683aea-7a1f-4ec8-a6d6-834e0310fd7d");
        let url = format!("{}/__inspect{concrete}", app.url);
        let request = client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                &url,
            )
            .body("{}");
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        // A 404 about a resource carries a JSON error naming the field; a missing route does not.
        let resource_missing = status == 404
            && response
                .json::<Value>()
                .await
                .is_ok_and(|e| e["field"].is_string());
        assert!(
            resource_missing || (status != 404 && status != 405),
            "{method} {path} answered {status}"
        );
    }
    let unknown = client
        .get(format!("{}/__inspect/nothing-here", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn health_answers_without_the_admin_token_and_tells_only_status_and_version() {
    let app = spawn_app_with(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    let answer = app.request("GET", "/__inspect/health", b"", &[]).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json(),
        serde_json::json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    // Only the health endpoint: its neighbours still need the token.
    for path in [
        "/__inspect/state",
        "/__inspect/health/",
        "/__inspect/healthz",
    ] {
        let answer = app.request("GET", path, b"", &[]).await;
        assert_eq!(answer.status, 401, "{path}");
    }
}

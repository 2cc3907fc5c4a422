//! The admin token and the OpenAPI document of `/__inspect`, checked against the route table and
//! the running server both ways: every documented route and parameter is read, and nothing else.

use crate::helpers::{signed, spawn_app, spawn_app_with};
use serde_json::{json, Value};
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

/// `#/components/...` references resolved.
fn resolve<'a>(doc: &'a Value, item: &'a Value) -> &'a Value {
    match item["$ref"].as_str() {
        Some(reference) => doc
            .pointer(reference.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("{reference} is not in the document")),
        None => item,
    }
}

/// Every documented operation: (method, path) and its parameters.
fn operations(doc: &Value) -> Vec<(String, String, Vec<Value>)> {
    let mut found = Vec::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let parameters = operation["parameters"]
                .as_array()
                .map(|list| list.iter().map(|p| resolve(doc, p).clone()).collect())
                .unwrap_or_default();
            found.push((method.to_uppercase(), path.clone(), parameters));
        }
    }
    found.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    found
}

/// The names of the parameters `in` the query or the path.
fn names(parameters: &[Value], place: &str) -> Vec<String> {
    let mut names: Vec<String> = parameters
        .iter()
        .filter(|p| p["in"] == place)
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// A value the document says a parameter takes: its example, its first allowed value, or its
/// default.
fn sample(parameter: &Value) -> String {
    let schema = &parameter["schema"];
    let value = [&schema["example"], &schema["enum"][0], &schema["default"]]
        .into_iter()
        .find(|v| !v.is_null())
        .unwrap_or_else(|| panic!("{} has no example", parameter["name"]));
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What an operation reads: method, path, query parameters, path parameters, whether a body.
type Reads = (String, String, Vec<String>, Vec<String>, bool);

fn concrete(path: &str) -> String {
    path.replace("{seq}", "1")
        .replace("{gid}", "30683aea-7a1f-4ec8-a6d6-834e0310fd7d")
        .replace("{id}", "2")
        .replace("{code}", "noKeyApp")
}

#[tokio::test]
async fn the_document_lists_exactly_the_routes_and_the_parameters_each_reads() {
    let app = spawn_app().await;
    let doc = app.inspect("openapi.json").await;
    assert_eq!(doc["openapi"], "3.0.3");
    let documented: Vec<Reads> = operations(&doc)
        .into_iter()
        .map(|(method, path, parameters)| {
            let body = !doc["paths"][&path][method.to_lowercase()]["requestBody"].is_null();
            let (query, in_path) = (names(&parameters, "query"), names(&parameters, "path"));
            (method, path, query, in_path, body)
        })
        .collect();
    let mut routed: Vec<Reads> = xxb_mock::internals::ROUTES
        .iter()
        .map(|e| {
            let mut query: Vec<String> = e.query.iter().map(|q| q.to_string()).collect();
            query.sort();
            let in_path: Vec<String> = e
                .path
                .split('/')
                .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
                .map(str::to_string)
                .collect();
            (
                e.method.to_string(),
                e.path.to_string(),
                query,
                in_path,
                e.body,
            )
        })
        .collect();
    routed.sort();
    assert_eq!(documented, routed);
    // `access_token`, accepted everywhere, is documented once, as a way to give the admin token.
    let scheme = &doc["components"]["securitySchemes"]["accessToken"];
    assert_eq!(
        (&scheme["in"], &scheme["name"]),
        (&json!("query"), &json!("access_token"))
    );
}

#[tokio::test]
async fn every_route_answers_its_documented_parameters_and_refuses_any_other() {
    let app = spawn_app().await;
    app.send_notification(&crate::helpers::notification(json!([1])))
        .await;
    let doc = app.inspect("openapi.json").await;
    let client = reqwest::Client::new();
    let call = |method: &str, path: &str, query: &[(String, String)]| {
        client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}/__inspect{path}", app.url),
            )
            .query(query)
            .send()
    };
    let one = |name: &str| vec![(name.to_string(), "1".to_string())];
    for (method, path, parameters) in operations(&doc) {
        let route = concrete(&path);
        let query: Vec<(String, String)> = parameters
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| (p["name"].as_str().unwrap().to_string(), sample(p)))
            .collect();
        // Every documented parameter at once, with a value the document gives, is read (the
        // event stream is checked in waiting.rs; what it refuses, below).
        if path != "/events" {
            let mut with_token = query.clone();
            with_token.push(("access_token".into(), "unused".into()));
            let response = call(&method, &route, &with_token).await.unwrap();
            let status = response.status().as_u16();
            let answer: Value = response.json().await.unwrap_or(Value::Null);
            // A 404 about a resource carries a JSON error naming the field; a missing route does
            // not. A 400 may only be about the (empty) body of an endpoint that reads one.
            let resource_missing = status == 404 && answer["field"].is_string();
            let body_missing = status == 400 && answer["field"] == "body";
            assert!(
                resource_missing || body_missing || ![400, 404, 405].contains(&status),
                "{method} {path} {with_token:?} answered {status}: {answer}"
            );
        }
        // A misspelt one is refused, naming it and the documented one.
        for (name, _) in &query {
            let typo = format!("{name}s");
            let response = call(&method, &route, &one(&typo)).await.unwrap();
            assert_eq!(response.status(), 400, "{method} {path}?{typo}");
            let error: Value = response.json().await.unwrap();
            assert_eq!(
                (&error["field"], &error["did_you_mean"]),
                (&json!(typo), &json!(name)),
                "{method} {path}: {error}"
            );
        }
        // And so is any other, on every route.
        let response = call(&method, &route, &one("zzz_unknown")).await.unwrap();
        assert_eq!(response.status(), 400, "{method} {path}?zzz_unknown");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["field"], "zzz_unknown", "{method} {path}: {error}");
        assert!(error.get("did_you_mean").is_none(), "{error}");
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

#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive() {
    let app = spawn_app_with(Config {
        admin_token: Some("s3cret".into()),
        ..Config::default()
    })
    .await;
    for (header, status) in [
        ("bearer s3cret", 200),
        ("BEARER s3cret", 200),
        ("Bearer s3cre", 401),
        ("Basic s3cret", 401),
    ] {
        let answer = app
            .request("GET", "/__inspect/state", b"", &[("authorization", header)])
            .await;
        assert_eq!(answer.status, status, "{header}");
    }
}

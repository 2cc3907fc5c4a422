//! Which paths run the API, and what happens to every other one (SPEC 1.6 and 4, issue 12 items 3
//! and 17, issue 16 item 4): `/x.php/` is served like `/x.php`, `/X.php` is the web server's 404,
//! `--base-path` serves the API under a reverse proxy's prefix, `/` sends a browser to `/__ui`,
//! and every request outside `/__inspect` and `/__ui` is journaled with what the client probably
//! meant.

use crate::helpers::{get_json, signed, spawn_app, spawn_app_with, TestApp};
use xxb_mock::{BasePath, Config};

const GROUP_CHATS: &str = "m=im&f=getGroupChats&code=myAppCode";

/// The last journal entry's only finding, which must be `wrong_path`: its message and hint.
async fn wrong_path(app: &TestApp) -> (String, String) {
    let entry = app.last_request().await;
    assert_eq!(entry["outcome"], "rejected", "{entry}");
    let findings = entry["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{entry}");
    assert_eq!(findings[0]["code"], "wrong_path");
    let text = |name: &str| findings[0][name].as_str().unwrap().to_string();
    (text("message"), text("hint"))
}

#[tokio::test]
async fn a_trailing_slash_runs_the_same_script() {
    // Deliberate: the web server runs /x.php for /x.php/ (PATH_INFO), as observed.
    let app = spawn_app().await;
    let expected = app.get(&signed(GROUP_CHATS)).await.text();
    let a = app
        .request("GET", &format!("/x.php/?{}", signed(GROUP_CHATS)), b"", &[])
        .await;
    assert_eq!((a.status, a.text()), (200, expected));
    assert_eq!(app.last_request().await["path"], "/x.php/");
}

#[tokio::test]
async fn a_script_name_in_another_case_is_the_web_servers_404() {
    // Deliberate: file names are case-sensitive on the real server; the application never runs,
    // so there are no application headers or cookies.
    let app = spawn_app().await;
    let a = app
        .request("GET", &format!("/X.php?{}", signed(GROUP_CHATS)), b"", &[])
        .await;
    assert_eq!((a.status, a.body.len()), (404, 0));
    assert!(a.headers.get("set-cookie").is_none());
    let entry = app.last_request().await;
    assert_eq!(
        (entry["path"].as_str(), entry["status"].as_u64()),
        (Some("/X.php"), Some(404))
    );
    let (message, hint) = wrong_path(&app).await;
    assert!(message.contains("case-sensitive"), "{message}");
    assert!(
        hint.starts_with("Call /x.php?m=im&f=getGroupChats"),
        "{hint}"
    );
    assert_eq!(app.inspect("notifications").await["total"], 0);
}

#[tokio::test]
async fn every_request_outside_the_mocks_own_paths_is_journaled() {
    let app = spawn_app().await;
    let cases: [(&str, &str, &str); 4] = [
        ("POST", "/xxb/x.php", "--base-path /xxb"),
        // The direct API is served at /im/<operation>; behind a prefix, or with more path, it is not.
        (
            "POST",
            "/xxd/im/sendNotification",
            "/x.php?m=im&f=sendNotification",
        ),
        ("GET", "/im/getChatGroups/x", "Call /im/getChatGroups"),
        ("PUT", "/index.php", "/x.php?m=im&f=<method>"),
    ];
    for (i, (method, path, meant)) in cases.iter().enumerate() {
        let a = app
            .request(
                method,
                &format!("{path}?code=myAppCode"),
                b"{\"users\":[1]}",
                &[],
            )
            .await;
        assert_eq!((a.status, a.body.len()), (404, 0), "{path}");
        let (message, hint) = wrong_path(&app).await;
        assert!(
            format!("{message} {hint}").contains(meant),
            "{path}: {message} / {hint}"
        );
        let entry = app.last_request().await;
        assert_eq!(entry["http_method"], *method);
        assert_eq!(entry["body"], "{\"users\":[1]}");
        assert_eq!(app.inspect("requests").await["total"], i + 1);
    }
}

#[tokio::test]
async fn the_root_sends_a_browser_to_the_page_and_is_journaled() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = client.get(format!("{}/", app.url)).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/__ui");
    let (message, _) = wrong_path(&app).await;
    assert!(message.contains("root"), "{message}");
    // Followed, the redirect reaches the page.
    let page = reqwest::get(format!("{}/", app.url)).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("<html"));
}

#[tokio::test]
async fn the_mocks_own_unknown_paths_are_plain_404s_not_journaled() {
    let app = spawn_app().await;
    for path in ["/__inspect/nope", "/__ui/nope", "/__inspect"] {
        let a = app.request("GET", path, b"", &[]).await;
        assert_eq!(a.status, 404, "{path}");
    }
    assert_eq!(app.inspect("requests").await["total"], 0);
}

#[tokio::test]
async fn a_base_path_serves_the_api_under_a_proxys_prefix() {
    let app = spawn_app_with(Config {
        base_path: BasePath::parse("/xxb/").unwrap(),
        ..Config::default()
    })
    .await;
    let a = app
        .request(
            "GET",
            &format!("/xxb/x.php?{}", signed(GROUP_CHATS)),
            b"",
            &[],
        )
        .await;
    assert_eq!(a.json()["result"], "success");
    assert_eq!(app.last_request().await["path"], "/xxb/x.php");
    // Without the prefix, the script is not there.
    let a = app.get(&signed(GROUP_CHATS)).await;
    assert_eq!(a.status, 404);
    let (_, hint) = wrong_path(&app).await;
    assert!(hint.starts_with("Call /xxb/x.php?m=im"), "{hint}");
    // The mock's own paths stay where they are.
    let health = get_json(format!("{}/__inspect/health", app.url)).await;
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn a_base_path_is_a_serve_flag() {
    let (mut child, url) = crate::helpers::start_binary(&["--base-path", "xxb"]);
    let answer = reqwest::get(format!("{url}/xxb/x.php?{}", signed(GROUP_CHATS)))
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer
        .text()
        .await
        .unwrap()
        .starts_with(r#"{"result":"success""#));
    child.kill().unwrap();
    child.wait().unwrap();
}

//! What the real server's columns keep (SPEC 1.4 and 1.6, issue 12 items 11 and 18), over HTTP:
//! `content` and the message's `data` JSON cut at 65,535 bytes in non-strict mode (a warning in
//! faithful mode, a rejection in strict mode), and the tables' character set: `utf8` (the default,
//! as recorded) replaces characters above U+FFFF with `????`, `utf8mb4` keeps them. Observed on the
//! real server; reproduced deliberately.

use crate::helpers::{
    get_json, notification, signed, spawn_app, spawn_app_with, spawn_faithful_app, start_binary,
    TestApp,
};
use serde_json::{json, Value};
use xxb_mock::Charset;
use xxb_mock::Config;
use xxb_mock::ValidationMode;

const SENT: &str = r#"{"result":"success","message":""}"#;

async fn latest(app: &TestApp) -> Value {
    app.inspect("notifications?order=desc&limit=1").await["items"][0].clone()
}

/// The last journal entry's finding `code`, if any: its severity and message.
async fn finding(app: &TestApp, code: &str) -> Option<(String, String)> {
    let entry = app.last_request().await;
    entry["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
}

#[tokio::test]
async fn content_keeps_65535_bytes_at_a_character_boundary() {
    // Deliberate: a TEXT column in non-strict mode cuts silently.
    let app = spawn_faithful_app().await;
    let mut body = notification(json!([1]));
    body["content"] = json!("a".repeat(70_000));
    assert_eq!(app.send_notification(&body).await.text(), SENT);
    assert_eq!(latest(&app).await["content"], "a".repeat(65_535));
    let (severity, message) = finding(&app, "too_long").await.expect("a too_long finding");
    assert_eq!(severity, "warning");
    assert!(message.starts_with("`content` is 70000 bytes"), "{message}");
    // 30,000 CJK characters are 90,000 bytes: 21,845 of them fit.
    body["content"] = json!("中".repeat(30_000));
    assert_eq!(app.send_notification(&body).await.text(), SENT);
    assert_eq!(latest(&app).await["content"], "中".repeat(21_845));
}

#[tokio::test]
async fn the_data_column_is_cut_even_when_that_breaks_its_json() {
    // Deliberate: the data column is PHP's JSON of title, subtitle, url, actions, sender and the
    // recipients' ids; its cut leaves invalid JSON, and /__inspect shows what can still be read.
    let app = spawn_faithful_app().await;
    let mut body = notification(json!([1]));
    body["title"] = json!("x".repeat(70_000));
    assert_eq!(app.send_notification(&body).await.text(), SENT);
    let n = latest(&app).await;
    // `{"title":"` takes 10 of the 65,535 bytes.
    assert_eq!(n["title"], "x".repeat(65_525));
    assert_eq!(n["subtitle"], Value::Null);
    assert_eq!(n["sender"], Value::Null);
    assert_eq!(n["recipients"][0]["id"], 1);
    let (_, message) = finding(&app, "too_long").await.expect("a too_long finding");
    assert!(message.starts_with("The message's data"), "{message}");
    // Non-ASCII is escaped in that JSON (6 bytes per character): 12,000 CJK characters are over.
    body["title"] = json!("中".repeat(12_000));
    assert_eq!(app.send_notification(&body).await.text(), SENT);
    let title = latest(&app).await["title"].as_str().unwrap().to_string();
    assert_eq!(title.chars().count(), (65_535 - 10) / 6);
}

#[tokio::test]
async fn strict_mode_rejects_what_a_column_would_cut() {
    let app = spawn_app().await;
    let mut body = notification(json!([1]));
    body["content"] = json!("a".repeat(65_536));
    let answer = app.send_notification(&body).await;
    assert_eq!(answer.json()["result"], "fail");
    assert_eq!(
        finding(&app, "too_long").await.map(|(s, _)| s),
        Some("error".into())
    );
    body["content"] = json!("a".repeat(65_535));
    assert_eq!(app.send_notification(&body).await.text(), SENT);
    assert_eq!(app.inspect("notifications").await["total"], 1);
}

async fn utf8mb4(validation: ValidationMode) -> TestApp {
    spawn_app_with(Config {
        charset: Charset::Utf8mb4,
        validation,
        ..Config::default()
    })
    .await
}

#[tokio::test]
async fn utf8mb4_keeps_characters_above_the_bmp_and_strict_mode_allows_them() {
    // The server generations after ZenTao 18.12 use utf8mb4 tables.
    for validation in [ValidationMode::Strict, ValidationMode::Faithful] {
        let app = utf8mb4(validation).await;
        let mut body = notification(json!([1]));
        body["content"] = json!("发布 🎉 完成😀");
        assert_eq!(
            app.send_notification(&body).await.text(),
            SENT,
            "{validation}"
        );
        assert_eq!(latest(&app).await["content"], "发布 🎉 完成😀");
        assert_eq!(finding(&app, "characters_lost").await, None, "{validation}");
    }
    // Names too: a user added with an emoji keeps it.
    let app = utf8mb4(ValidationMode::Strict).await;
    let response = reqwest::Client::new()
        .post(format!("{}/__inspect/users", app.url))
        .header("Content-Type", "application/json")
        .body(r#"{"id": 7, "account": "party", "realname": "派对🎉"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let state = app.inspect("state").await;
    assert_eq!(state["users"][6]["realname"], "派对🎉");
}

#[tokio::test]
async fn utf8_stores_question_marks_in_content_and_names() {
    // The default, as recorded on ZenTao 18.8 and 18.12.
    let app = spawn_faithful_app().await;
    let response = reqwest::Client::new()
        .post(format!("{}/__inspect/users", app.url))
        .header("Content-Type", "application/json")
        .body(r#"{"id": 7, "account": "party", "realname": "派对🎉"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        app.inspect("state").await["users"][6]["realname"],
        "派对????"
    );
    let a = app
        .send_notification(&{
            let mut body = notification(json!([7]));
            body["content"] = json!("🎉");
            body
        })
        .await;
    assert_eq!(a.text(), SENT);
    assert_eq!(latest(&app).await["content"], "????");
    assert_eq!(latest(&app).await["recipients"][0]["realname"], "派对????");
}

#[tokio::test]
async fn the_charset_is_a_serve_flag_and_an_environment_variable() {
    let check = |url: String| async move {
        let mut body = notification(json!([1]));
        body["content"] = json!("🎉");
        let answer = reqwest::Client::new()
            .post(format!(
                "{url}/x.php?{}",
                signed("m=im&f=sendNotification&code=myAppCode")
            ))
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(answer, SENT);
        let items = get_json(format!("{url}/__inspect/notifications")).await;
        assert_eq!(items["items"][0]["content"], "🎉");
    };
    let (mut child, url) = start_binary(&["--charset", "utf8mb4"]);
    check(url).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["serve", "--port", "0"])
        .env("XXB_MOCK_CHARSET", "utf8mb4")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    check(
        line.trim()
            .trim_start_matches("xxb-mock listening on ")
            .to_string(),
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn a_scenario_can_set_the_charset() {
    let dir = crate::helpers::tempdir("charset-scenario");
    let file = dir.join("emoji.yaml");
    std::fs::write(
        &file,
        r#"name: emoji under utf8mb4
charset: utf8mb4
steps:
  - call: sendNotification
    body: {users: [1], title: t, contentType: text, content: "🎉", sender: {id: ci, avatar: "https://x/a.png"}}
    expect: {body: {result: success}}
  - inspect: notifications
    expect: {count: 1, items: [{content: "🎉"}]}
"#,
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .arg("replay")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[tokio::test]
async fn the_library_takes_the_charset_too() {
    let server = xxb_mock::MockServer::builder()
        .charset(Charset::Utf8mb4)
        .start()
        .await;
    let mut body = notification(json!([1]));
    body["content"] = json!("🎉");
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/x.php?{}",
            server.uri(),
            server.sign("m=im&f=sendNotification&code=myAppCode")
        ))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), SENT);
    assert_eq!(server.notifications().await.unwrap()[0].content, "🎉");
}

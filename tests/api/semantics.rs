//! PHP's and MySQL's semantics (SPEC 1.6, issue 12) over HTTP, in faithful mode: how the real
//! server decodes a body (`json_decode`), the strings PHP makes of numbers, and what the
//! `contentType` enum column keeps. Every case was observed on the real server or follows from
//! PHP's and MariaDB's code; the quirks are deliberate.

use crate::helpers::{signed, spawn_faithful_app as spawn_app, TestApp};
use serde_json::Value;

const SUCCESS: &str = r#"{"result":"success","message":""}"#;
const NO_USERS: &str = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#;
const SENDER: &str = r#""sender":{"id":"ci","avatar":"https://ci.example.com/logo.png"}"#;

async fn notify(app: &TestApp, body: &[u8]) -> String {
    app.request(
        "POST",
        &format!(
            "/x.php?{}",
            signed("m=im&f=sendNotification&code=myAppCode")
        ),
        body,
        &[("Content-Type", "application/json")],
    )
    .await
    .text()
}

async fn last_notification(app: &TestApp) -> Value {
    app.inspect("notifications?order=desc&limit=1").await["items"][0].clone()
}

fn recipient_ids(n: &Value) -> Vec<i64> {
    n["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn json_decode_accepts_511_levels_inside_the_body_and_not_512() {
    let app = spawn_app().await;
    let body = |depth: usize| {
        format!(
            r#"{{"users":["admin"],{SENDER},"title":{}"t"{}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    assert_eq!(notify(&app, body(511).as_bytes()).await, SUCCESS);
    // 512 levels inside the body's own object make 513 in all: past json_decode's depth of 512.
    assert_eq!(notify(&app, body(512).as_bytes()).await, NO_USERS);
    assert_eq!(app.inspect("notifications").await["total"], 1);
}

#[tokio::test]
async fn a_repeated_key_takes_its_last_value() {
    let app = spawn_app().await;
    let body = format!(r#"{{"users":["nobody"],"title":"t",{SENDER},"users":["zhangsan"]}}"#);
    assert_eq!(notify(&app, body.as_bytes()).await, SUCCESS);
    assert_eq!(recipient_ids(&last_notification(&app).await), [3]);
}

#[tokio::test]
async fn an_escaped_nul_is_kept_in_the_stored_content() {
    let app = spawn_app().await;
    let body = format!(r#"{{"users":["admin"],"title":"t",{SENDER},"content":"a\u0000b"}}"#);
    assert_eq!(notify(&app, body.as_bytes()).await, SUCCESS);
    assert_eq!(last_notification(&app).await["content"], "a\u{0}b");
}

/// A notification body whose title is the raw bytes `title`.
fn with_title(title: &[u8]) -> Vec<u8> {
    [
        &br#"{"users":["admin"],"title":"#[..],
        title,
        b",",
        SENDER.as_bytes(),
        b"}",
    ]
    .concat()
}

#[tokio::test]
async fn bodies_php_cannot_decode_or_that_are_no_object_get_the_users_error() {
    let app = spawn_app().await;
    let valid = with_title(br#""t""#);
    let bodies: Vec<Vec<u8>> = vec![
        // A UTF-8 byte-order mark.
        [&b"\xef\xbb\xbf"[..], &valid].concat(),
        // A raw NUL after the object, and one inside a string.
        [&valid[..], b"\x00"].concat(),
        with_title(b"\"t\x00\""),
        // Invalid UTF-8 inside a string.
        with_title(b"\"t\xff\""),
        with_title(b"\"\xc3\""),
        // PHP knows only lower-case literals.
        with_title(b"TRUE"),
        // An unpaired surrogate escape.
        with_title(br#""\ud83d""#),
        // No property name starts with NUL.
        [&br#"{"\u0000x":1,"#[..], &valid[1..]].concat(),
        // Valid JSON that is not an object.
        [&b"["[..], &valid, b"]"].concat(),
        b"null".to_vec(),
    ];
    for body in bodies {
        assert_eq!(
            notify(&app, &body).await,
            NO_USERS,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    assert_eq!(app.inspect("notifications").await["total"], 0);
    // The valid body itself is accepted, so each rejection above is the decoder's.
    assert_eq!(notify(&app, &valid).await, SUCCESS);
}

#[tokio::test]
async fn an_overflowing_number_is_read_and_finds_nobody() {
    let app = spawn_app().await;
    // PHP reads 1e400 as a float (INF): numeric, so ids; no user has it. Success, nobody.
    let body = format!(r#"{{"users":[1e400],"title":"t",{SENDER}}}"#);
    assert_eq!(notify(&app, body.as_bytes()).await, SUCCESS);
    let n = last_notification(&app).await;
    assert_eq!(n["cgid"], "notification");
    assert_eq!(recipient_ids(&n), Vec::<i64>::new());
}

#[tokio::test]
async fn numbers_become_the_strings_php_makes_of_them() {
    let app = spawn_app().await;
    // A float content is stored as PHP prints it: `1.0` is "1".
    for (content, stored) in [
        ("1.0", "1"),
        ("2.5", "2.5"),
        ("1e25", "1.0E+25"),
        ("7", "7"),
    ] {
        let body = format!(r#"{{"users":["admin"],"title":"t",{SENDER},"content":{content}}}"#);
        assert_eq!(notify(&app, body.as_bytes()).await, SUCCESS);
        assert_eq!(
            last_notification(&app).await["content"],
            stored,
            "{content}"
        );
    }
    // A float `users` is a chat gid, written as PHP writes the float.
    let body = format!(r#"{{"users":3.0,"title":"t",{SENDER}}}"#);
    assert_eq!(notify(&app, body.as_bytes()).await, SUCCESS);
    assert_eq!(last_notification(&app).await["cgid"], "3");
    // So is a sendChatMessage `gid`.
    let a = app
        .post(
            &signed("m=im&f=sendChatMessage&code=myAppCode"),
            &format!(r#"{{"gid":7.0,"title":"t",{SENDER}}}"#),
        )
        .await;
    assert_eq!(a.text(), SUCCESS);
    assert_eq!(last_notification(&app).await["cgid"], "7");
}

#[tokio::test]
async fn content_type_is_read_as_the_enum_column_reads_it() {
    let app = spawn_app().await;
    let cases = [
        (r#""TEXT""#, "text"),
        (r#""Téxt""#, "text"),
        (r#""code  ""#, "code"),
        (r#"" code""#, ""),
        ("2", "plain"),
        (r#""2""#, "plain"),
        (r#"" 2""#, "plain"),
        (r#""+2""#, "plain"),
        ("2.0", "plain"),
        (r#""2.0""#, ""),
        ("10", ""),
        (r#""markdown""#, ""),
    ];
    for (content_type, stored) in cases {
        let body =
            format!(r#"{{"users":["admin"],"title":"t",{SENDER},"contentType":{content_type}}}"#);
        assert_eq!(
            notify(&app, body.as_bytes()).await,
            SUCCESS,
            "{content_type}"
        );
        assert_eq!(
            last_notification(&app).await["contentType"],
            stored,
            "{content_type}"
        );
    }
}

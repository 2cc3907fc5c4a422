//! PHP's router and where PHP stops (SPEC 1.6, issue 12 items 1, 2, 4, 6 and 7), over HTTP, in both
//! modes: `m` and `f` in any case, query arrays, repeated names, the fatal-error class, and the
//! bodies PHP cannot or can read. Every case was observed on the real server; each quirk here is
//! reproduced deliberately.

use crate::helpers::{
    notification, signed, spawn_app, spawn_faithful_app, Answer, TestApp, GROUP, KEY,
};
use serde_json::{json, Value};
use xxb_mock::sign::token_for_query;

const SENT: &str = r#"{"result":"success","message":""}"#;
const NO_USERS: &str = r#"{"result":"fail","message":"\u5e94\u5f53\u8bbe\u7f6e\u63a5\u6536\u8005\u7528\u6237\u5217\u8868\u3002"}"#;

/// `/x.php?query&token=...`, signed over PHP's re-encoding of the query.
fn signed_any(query: &str) -> String {
    format!("{query}&token={}", token_for_query(query, KEY))
}

/// The header values named `name`.
fn all(answer: &Answer, name: &str) -> Vec<String> {
    answer
        .headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// Asserts the real server's answer to a PHP fatal error: HTTP 500, an empty body, and the
/// application's usual headers and cookies (the error happens after they are set).
fn assert_php_fatal(answer: &Answer, what: &str) {
    assert_eq!((answer.status, answer.body.len()), (500, 0), "{what}");
    assert_eq!(
        answer.headers["content-type"], "text/html; Language=UTF-8;charset=UTF-8",
        "{what}"
    );
    assert!(
        all(answer, "set-cookie")[0].starts_with("zentaosid="),
        "{what}"
    );
    assert_eq!(answer.headers["x-frame-options"], "SAMEORIGIN", "{what}");
}

async fn stored(app: &TestApp) -> u64 {
    app.inspect("notifications").await["total"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn m_and_f_match_without_regard_to_case() {
    // Deliberate: PHP's class and method names are case-insensitive, and so is the router.
    let app = spawn_app().await;
    let expected = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await
        .text();
    for query in [
        "m=IM&f=getGroupChats&code=myAppCode",
        "m=im&f=getgroupchats&code=myAppCode",
        "m=Im&f=GETGROUPCHATS&code=myAppCode",
    ] {
        assert_eq!(app.get(&signed(query)).await.text(), expected, "{query}");
    }
    let a = app
        .get(&signed(&format!(
            "m=im&f=GetChatUsers&gid={GROUP}&code=myAppCode"
        )))
        .await;
    assert_eq!(
        a.text(),
        r#"{"result":"success","data":{"1":"\u7ba1\u7406\u5458","3":"\u5f20\u4e09","4":"\u674e\u56db"}}"#
    );
    // A send in another case stores what it would store, and the journal names the method.
    let a = app
        .post(
            &signed("m=im&f=SendNotification&code=myAppCode"),
            &notification(json!([3])).to_string(),
        )
        .await;
    assert_eq!(a.text(), SENT);
    assert_eq!(stored(&app).await, 1);
    assert_eq!(app.last_request().await["method"], "sendNotification");
    let a = app
        .post(
            &signed("m=IM&f=sendchatmessage&code=myAppCode"),
            &json!({"gid": GROUP, "title": "t", "contentType": "text", "sender": {"id": "ci", "name": "CI", "avatar": "https://x/a.png"}}).to_string(),
        )
        .await;
    assert_eq!(a.text(), SENT);
    assert_eq!(stored(&app).await, 2);
}

#[tokio::test]
async fn a_query_array_for_m_or_f_is_a_php_fatal_error() {
    // Deliberate: the router needs strings; `m[]=` or `f[]=` makes PHP throw.
    let app = spawn_app().await;
    for query in [
        "m[]=im&f=getGroupChats&code=myAppCode",
        "m=im&f[]=sendNotification&code=myAppCode",
        "m=im&f[x]=getGroupChats&code=myAppCode",
    ] {
        let a = app
            .request(
                "POST",
                &format!("/x.php?{}", signed_any(query)),
                notification(json!([1])).to_string().as_bytes(),
                &[],
            )
            .await;
        assert_php_fatal(&a, query);
        let entry = app.last_request().await;
        assert_eq!(entry["status"], 500);
        assert_eq!(entry["outcome"], "rejected");
        assert_eq!(app.last_findings().await, vec!["php_fatal"]);
    }
    assert_eq!(stored(&app).await, 0);
    // The last value of a repeated name wins, an array included.
    let a = app
        .get(&signed_any("m[]=x&m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.json()["result"], "success");
}

#[tokio::test]
async fn a_code_array_finds_no_application_and_the_last_code_wins() {
    // Deliberate: PHP reads an array `code` as no code at all (errcode 404, observed).
    let app = spawn_app().await;
    let a = app
        .get(&signed_any("m=im&f=getGroupChats&code[]=myAppCode"))
        .await;
    assert_eq!(a.text(), r#"{"errcode":404,"errmsg":"应用不存在"}"#);
    let a = app
        .get(&signed_any("m=im&f=getGroupChats&code[]=x&code=myAppCode"))
        .await;
    assert_eq!(a.json()["result"], "success");
    // Repeated names anywhere: the last value wins (in the first one's position).
    let a = app
        .get(&signed_any(&format!(
            "m=im&f=getChatUsers&gid=nothing&gid={GROUP}&code=myAppCode"
        )))
        .await;
    assert_eq!(
        a.json()["data"].as_object().map(|d| d.len()),
        Some(3),
        "{}",
        a.text()
    );
}

/// The bodies whose `users` (or `gid`) PHP cannot use, and the field the finding names.
fn fatal_bodies() -> Vec<(&'static str, Value, &'static str)> {
    let with_users = |users: Value| {
        let mut body = notification(json!([1]));
        body["users"] = users;
        body
    };
    vec![
        (
            "sendNotification",
            with_users(json!({"a": 1})),
            "`users` is a JSON object",
        ),
        (
            "sendNotification",
            with_users(json!({"0": 1})),
            "`users` is a JSON object",
        ),
        (
            "sendNotification",
            with_users(json!([[3]])),
            "`users[0]` is an array",
        ),
        (
            "sendNotification",
            with_users(json!([1, {"id": 3}])),
            "`users[1]` is an object",
        ),
        (
            "sendChatMessage",
            json!({"gid": {"gid": GROUP}, "title": "t", "contentType": "text", "sender": {"id": "ci", "avatar": "https://x/a.png"}}),
            "`gid` is a JSON object",
        ),
    ]
}

#[tokio::test]
async fn values_php_cannot_use_are_fatal_errors_in_both_modes() {
    // Deliberate: where the real server's PHP throws, the mock answers as its web server does:
    // HTTP 500, empty body, usual headers and cookies, nothing stored.
    for app in [spawn_app().await, spawn_faithful_app().await] {
        for (method, body, names) in fatal_bodies() {
            let a = app
                .post(
                    &signed(&format!("m=im&f={method}&code=myAppCode")),
                    &body.to_string(),
                )
                .await;
            assert_php_fatal(&a, &body.to_string());
            let entry = app.last_request().await;
            assert_eq!(entry["findings"][0]["code"], "fatal_value", "{body}");
            let message = entry["findings"][0]["message"].as_str().unwrap();
            assert!(message.starts_with(names), "{message}");
            assert!(message.contains("HTTP 500"), "{message}");
        }
        assert_eq!(stored(&app).await, 0);
    }
}

#[tokio::test]
async fn the_empty_checks_come_before_the_fatal_error() {
    let app = spawn_faithful_app().await;
    // Without a sender, the refusal comes first: the server never reads `users` as recipients.
    let a = app
        .post(
            &signed("m=im&f=sendNotification&code=myAppCode"),
            r#"{"users":{"a":1},"title":"t"}"#,
        )
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["result"], "fail");
}

#[tokio::test]
async fn a_content_list_stops_with_an_empty_200_in_both_modes() {
    // Deliberate: the server's code stops on a `content` list without an error page.
    for app in [spawn_app().await, spawn_faithful_app().await] {
        let mut body = notification(json!([1]));
        body["content"] = json!(["a", "b"]);
        let a = app.send_notification(&body).await;
        assert_eq!((a.status, a.body.len()), (200, 0));
        assert!(all(&a, "set-cookie")[0].starts_with("zentaosid="));
        assert_eq!(app.last_findings().await, vec!["content_array"]);
        assert_eq!(stored(&app).await, 0);
    }
}

#[tokio::test]
async fn a_multipart_body_is_not_readable_by_the_server() {
    // Deliberate: PHP parses multipart/form-data into form fields and leaves the raw body empty.
    let app = spawn_faithful_app().await;
    let query = signed("m=im&f=sendNotification&code=myAppCode");
    let json = notification(json!([1])).to_string();
    let multipart =
        format!("--b\r\nContent-Disposition: form-data; name=\"data\"\r\n\r\n{json}\r\n--b--\r\n");
    let a = app
        .request(
            "POST",
            &format!("/x.php?{query}"),
            multipart.as_bytes(),
            &[("Content-Type", "multipart/form-data; boundary=b")],
        )
        .await;
    assert_eq!(a.text(), NO_USERS);
    assert_eq!(app.last_findings().await, vec!["multipart_body"]);
    // The journal still shows what was sent.
    assert!(app.last_request().await["body"]
        .as_str()
        .unwrap()
        .contains("form-data"));
    // The same JSON as a form or as text is read as JSON: the Content-Type does not matter.
    for content_type in ["application/x-www-form-urlencoded", "text/plain"] {
        let a = app
            .request(
                "POST",
                &format!("/x.php?{query}"),
                json.as_bytes(),
                &[("Content-Type", content_type)],
            )
            .await;
        assert_eq!(a.text(), SENT, "{content_type}");
    }
    assert_eq!(stored(&app).await, 2);
}

#[tokio::test]
async fn a_body_over_eight_mib_is_still_read_and_used() {
    // Deliberate: the real server reads bodies beyond PHP's 8 MiB post_max_size (observed; an
    // earlier reading had it seen as empty). The journal keeps 64 KiB of it.
    let app = spawn_faithful_app().await;
    let mut body = notification(json!([3]));
    body["content"] = json!("x".repeat(9 * 1024 * 1024));
    let a = app.send_notification(&body).await;
    assert_eq!(a.text(), SENT);
    let entry = app.last_request().await;
    assert!(entry["body_size"].as_u64().unwrap() > 9 * 1024 * 1024);
    assert_eq!(entry["body"].as_str().unwrap().len(), 64 * 1024);
    assert_eq!(entry["body_truncated"], true);
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(n["recipients"][0]["id"], 3);
    // Its content is what the column keeps: 65,535 bytes.
    assert_eq!(n["content"].as_str().unwrap().len(), 65_535);
}

#[tokio::test]
async fn a_body_over_the_read_cap_is_not_read() {
    // The mock reads at most 64 MiB of a body (the real server would read more): it answers as
    // if there were none, and says so.
    let app = spawn_faithful_app().await;
    let body = vec![b' '; 64 * 1024 * 1024 + 1];
    let a = app
        .request(
            "POST",
            &format!(
                "/x.php?{}",
                signed("m=im&f=sendNotification&code=myAppCode")
            ),
            &body,
            &[],
        )
        .await;
    assert_eq!(a.text(), NO_USERS);
    assert_eq!(app.last_findings().await, vec!["body_too_large"]);
    let entry = app.last_request().await;
    assert_eq!(entry["body"].as_str().unwrap().len(), 64 * 1024);
    assert!(entry["body_size"].as_u64().unwrap() > 64 * 1024 * 1024);
}

//! The first part of `/__inspect`: health, notifications, the journal, reset.

use crate::helpers::{notification, signed, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn health_answers_ok_and_the_version() {
    let app = spawn_app().await;
    let health = app.inspect("health").await;
    assert_eq!(health["status"], "ok");
    assert_eq!(health["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn notifications_show_every_field_oldest_first() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1, 3]))).await;
    app.send_notification(&notification(json!(["lisi"]))).await;
    let page = app.inspect("notifications").await;
    assert_eq!(page["total"], 2);
    let first = &page["items"][0];
    let keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for key in [
        "seq",
        "kind",
        "cgid",
        "title",
        "subtitle",
        "content",
        "contentType",
        "url",
        "actions",
        "sender",
        "recipients",
        "app",
        "received_at",
        "request_seq",
    ] {
        assert!(keys.contains(&key), "missing {key}");
    }
    assert_eq!(first["title"], "构建成功");
    assert_eq!(first["actions"][0]["type"], "primary");
    assert_eq!(first["sender"]["name"], "CI");
    assert!(page["items"][1]["seq"].as_i64() > first["seq"].as_i64());
    assert!(time::OffsetDateTime::parse(
        first["received_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());
    // request_seq points at the journal entry of the send.
    let journal = app.inspect("requests").await;
    let entry = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["seq"] == first["request_seq"])
        .unwrap();
    assert_eq!(entry["method"], "sendNotification");
}

#[tokio::test]
async fn after_and_limit_page_through_notifications() {
    let app = spawn_app().await;
    for _ in 0..5 {
        app.send_notification(&notification(json!([1]))).await;
    }
    let page = app.inspect("notifications?limit=2").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let last = page["items"][1]["seq"].as_i64().unwrap();
    let next = app
        .inspect(&format!("notifications?after={last}&limit=10"))
        .await;
    assert_eq!(next["total"], 3);
    assert!(next["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["seq"].as_i64().unwrap() > last));
}

#[tokio::test]
async fn bad_inspect_parameters_get_a_400_naming_the_field() {
    let app = spawn_app().await;
    let response = reqwest::get(format!("{}/__inspect/notifications?limit=zero", app.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["field"], "limit");
}

#[tokio::test]
async fn an_unknown_finding_code_is_refused_with_the_nearest_one() {
    let app = spawn_app().await;
    let response = reqwest::get(format!("{}/__inspect/requests?finding=users_mix", app.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["field"], "finding");
    assert_eq!(
        body["error"],
        "unknown finding code \"users_mix\"; did you mean users_mixed?"
    );
    // A code of the catalogue filters, even when no entry carries it yet.
    assert_eq!(
        app.inspect("requests?finding=users_mixed").await["total"],
        0
    );
}

#[tokio::test]
async fn the_journal_records_every_request_with_its_answer() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    app.get("m=im").await;
    app.request(
        "PUT",
        &format!(
            "/x.php?{}",
            signed("m=im&f=sendNotification&code=myAppCode")
        ),
        b"\xff\xfe",
        &[],
    )
    .await;
    let page = app.inspect("requests").await;
    assert_eq!(page["total"], 3);
    let sent = &page["items"][0];
    assert_eq!(sent["http_method"], "POST");
    assert_eq!(sent["path"], "/x.php");
    assert!(sent["query"]
        .as_str()
        .unwrap()
        .starts_with("m=im&f=sendNotification&code=myAppCode&token="));
    assert_eq!(sent["app"], "myAppCode");
    assert_eq!(sent["method"], "sendNotification");
    assert_eq!(sent["status"], 200);
    assert_eq!(sent["response"], r#"{"result":"success","message":""}"#);
    assert_eq!(sent["outcome"], "accepted");
    assert_eq!(sent["body_truncated"], false);
    assert!(sent["body"].as_str().unwrap().contains("构建成功"));
    assert!(sent["duration_us"].is_u64());
    assert_eq!(page["items"][1]["outcome"], "rejected");
    let binary = &page["items"][2];
    assert_eq!(
        (binary["body_encoding"].as_str(), binary["body"].as_str()),
        (Some("base64"), Some("//4="))
    );
    let rejected = app.inspect("requests?outcome=rejected").await;
    assert_eq!(rejected["total"], 2);
}

#[tokio::test]
async fn large_bodies_are_journaled_capped_and_flagged() {
    let app = spawn_app().await;
    // A body over the journal's 64 KiB, with a content that fits its column (65,535 bytes).
    let mut body = notification(json!([1]));
    body["content"] = json!("x".repeat(60 * 1024));
    body["subtitle"] = json!("y".repeat(10 * 1024));
    let a = app.send_notification(&body).await;
    assert_eq!(a.json()["result"], "success");
    let entry = app.last_request().await;
    assert_eq!(entry["body_truncated"], true);
    assert_eq!(entry["body"].as_str().unwrap().len(), 64 * 1024);
    assert!(entry["body_size"].as_u64().unwrap() > 70 * 1024);
    // The notification itself is whole.
    let n = &app.inspect("notifications").await["items"][0];
    assert_eq!(n["content"].as_str().unwrap().len(), 60 * 1024);
    assert_eq!(n["subtitle"].as_str().unwrap().len(), 10 * 1024);
}

#[tokio::test]
async fn reset_empties_messages_and_journal_and_restores_the_fixtures() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    let response = reqwest::Client::new()
        .post(format!("{}/__inspect/reset", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(app.inspect("notifications").await["total"], 0);
    assert_eq!(app.inspect("requests").await["total"], 0);
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.json()["data"].as_object().unwrap().len(), 3);
    // Sequences start again.
    app.send_notification(&notification(json!([1]))).await;
    assert_eq!(app.inspect("notifications").await["items"][0]["seq"], 1);
}

/// `method /__inspect/{path_and_query}` with a raw body: status and JSON answer.
async fn inspect_call(
    app: &crate::helpers::TestApp,
    method: &str,
    path_and_query: &str,
    body: &str,
) -> (u16, serde_json::Value) {
    let answer = app
        .request(
            method,
            &format!("/__inspect/{path_and_query}"),
            body.as_bytes(),
            &[("content-type", "application/json")],
        )
        .await;
    (answer.status, answer.json())
}

#[tokio::test]
async fn a_misspelt_parameter_is_refused_with_the_nearest_one_instead_of_ignored() {
    let app = spawn_app().await;
    // Sent to someone else: a wait that ignored `usr` would pass.
    app.send_notification(&notification(json!(["lisi"]))).await;
    let (status, error) = inspect_call(&app, "GET", "wait?count=1&usr=wangwu", "").await;
    assert_eq!(status, 400);
    assert_eq!(
        error,
        json!({
            "error": "GET /__inspect/wait has no parameter `usr`; did you mean `user`? It reads count, timeout_ms, user, gid, kind, app, title, api, after, limit, order.",
            "field": "usr",
            "did_you_mean": "user"
        })
    );
    // One that is far from any is named with what the endpoint reads.
    let (status, error) = inspect_call(&app, "GET", "state?verbose=1", "").await;
    assert_eq!(status, 400);
    assert_eq!(
        error["error"],
        "GET /__inspect/state has no parameter `verbose`. It reads none."
    );
    let (_, error) = inspect_call(&app, "POST", "faults?method=getGroupChats", "{}").await;
    assert_eq!(
        error["error"],
        "POST /__inspect/faults has no parameter `method`. It reads none: its fields go in the JSON body."
    );
}

#[tokio::test]
async fn a_parameter_given_twice_or_empty_is_refused() {
    let app = spawn_app().await;
    for (query, field) in [
        ("notifications?user=1&user=3", "user"),
        ("notifications?title=", "title"),
        ("requests?app=", "app"),
    ] {
        let (status, error) = inspect_call(&app, "GET", query, "").await;
        assert_eq!(
            (status, error["field"].as_str()),
            (400, Some(field)),
            "{query}: {error}"
        );
    }
    let (status, _) = inspect_call(&app, "DELETE", "notifications?title=", "").await;
    assert_eq!(
        status, 400,
        "an empty title would match, and delete, every notification"
    );
}

#[tokio::test]
async fn invalid_values_are_refused_naming_the_parameter() {
    let app = spawn_app().await;
    for (query, field, error) in [
        (
            "wait?count=abc",
            "count",
            "`count` must be a whole number from 1, not \"abc\"",
        ),
        (
            "wait?count=0",
            "count",
            "`count` must be a whole number from 1",
        ),
        (
            "wait?timeout_ms=soon",
            "timeout_ms",
            "`timeout_ms` must be a number of milliseconds, not \"soon\"",
        ),
        (
            "wait?timeout_ms=300001",
            "timeout_ms",
            "`timeout_ms` must be at most 300000",
        ),
        (
            "notifications?order=up",
            "order",
            "`order` must be asc or desc, not \"up\"",
        ),
        (
            "notifications?kind=message",
            "kind",
            "`kind` must be notification or chat, not \"message\"",
        ),
        (
            "notifications?limit=0",
            "limit",
            "`limit` must be a whole number from 1 to 1000",
        ),
        (
            "notifications?after=last",
            "after",
            "`after` must be a notification seq, not \"last\"",
        ),
        (
            "requests?outcome=failed",
            "outcome",
            "`outcome` must be accepted or rejected, not \"failed\"",
        ),
    ] {
        let (status, answer) = inspect_call(&app, "GET", query, "").await;
        assert_eq!(
            (status, answer["field"].as_str(), answer["error"].as_str()),
            (400, Some(field), Some(error)),
            "{query}"
        );
    }
    let (status, answer) = inspect_call(&app, "DELETE", "requests?outcome=failed", "").await;
    assert_eq!((status, answer["field"].as_str()), (400, Some("outcome")));
}

#[tokio::test]
async fn a_body_where_none_is_read_is_refused_and_a_misspelt_field_named_with_the_nearest() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    // The scope of a reset goes in the query: in the body it would reset everything.
    let (status, error) = inspect_call(&app, "POST", "reset", r#"{"app": "myAppCode"}"#).await;
    assert_eq!(status, 400);
    assert_eq!(
        error,
        json!({
            "error": "POST /__inspect/reset reads no body: give `app` as a query parameter (`?app=...`)",
            "field": "app"
        })
    );
    let (status, error) = inspect_call(
        &app,
        "DELETE",
        "faults",
        r#"{"method": "sendNotification"}"#,
    )
    .await;
    assert_eq!((status, error["field"].as_str()), (400, Some("method")));
    let (status, error) = inspect_call(&app, "DELETE", "notifications", "user=1").await;
    assert_eq!((status, error["field"].as_str()), (400, Some("body")));
    assert_eq!(
        app.inspect("notifications").await["total"],
        1,
        "nothing was deleted"
    );
    // Empty bodies (or ones without a field) are no bodies.
    assert_eq!(inspect_call(&app, "POST", "reset", "{}").await.0, 200);

    for (method, path, body, field, nearest) in [
        (
            "POST",
            "users",
            r#"{"id": 9, "acount": "x"}"#,
            "acount",
            "account",
        ),
        (
            "POST",
            "users",
            r#"[{"id": 9, "account": "x", "realnam": "X"}]"#,
            "[0].realnam",
            "realname",
        ),
        (
            "POST",
            "groups",
            r#"{"gid": "g", "name": "n", "member": [1]}"#,
            "member",
            "members",
        ),
        (
            "PATCH",
            "groups/30683aea-7a1f-4ec8-a6d6-834e0310fd7d",
            r#"{"nmae": "x"}"#,
            "nmae",
            "name",
        ),
        ("POST", "apps", r#"{"cod": "x"}"#, "cod", "code"),
        (
            "POST",
            "faults",
            r#"{"metod": "sendNotification", "respond": {"status": 502}}"#,
            "metod",
            "method",
        ),
    ] {
        let (status, error) = inspect_call(&app, method, path, body).await;
        assert_eq!(
            (
                status,
                error["field"].as_str(),
                error["did_you_mean"].as_str()
            ),
            (400, Some(field), Some(nearest)),
            "{method} {path} {body}: {error}"
        );
        let message = error["error"].as_str().unwrap();
        assert!(
            message.contains(&format!(
                "unknown field `{}`; did you mean `{nearest}`?",
                field.trim_start_matches("[0].")
            )),
            "{message}"
        );
    }
}

#[tokio::test]
async fn the_admin_token_in_the_query_is_accepted_everywhere() {
    let app = crate::helpers::spawn_app_with(xxb_mock::Config {
        admin_token: Some("s3cret".into()),
        ..xxb_mock::Config::default()
    })
    .await;
    let (status, page) =
        inspect_call(&app, "GET", "notifications?access_token=s3cret&user=1", "").await;
    assert_eq!((status, &page["total"]), (200, &json!(0)));
    let (status, _) = inspect_call(&app, "POST", "reset?access_token=s3cret", "").await;
    assert_eq!(status, 200);
    // Checked before the parameters: a wrong token is a 401, whatever else is wrong.
    let (status, _) = inspect_call(&app, "GET", "notifications?access_token=wrong&usr=1", "").await;
    assert_eq!(status, 401);
}

/// A title more than 1,000 notifications hold: the page is exactly the page asked for, and the
/// total, counted one by one, stops at 1,000 and says it is a lower bound; a rare title, and any
/// combination of equalities, have an exact total and say nothing of it.
#[tokio::test]
async fn a_counted_total_stops_at_a_thousand_and_says_so() {
    const SENT: usize = 1_005;
    let app = std::sync::Arc::new(spawn_app().await);
    let senders: Vec<_> = (0..16)
        .map(|lane| {
            let app = app.clone();
            tokio::spawn(async move {
                for i in (lane..SENT).step_by(16) {
                    let mut body = notification(json!([1 + i % 2]));
                    body["title"] = format!("构建成功 #{i}").into();
                    assert_eq!(app.send_notification(&body).await.status, 200);
                }
            })
        })
        .collect();
    for sender in senders {
        sender.await.unwrap();
    }
    let page = app
        .inspect("notifications?title=%E6%88%90%E5%8A%9F&limit=3")
        .await;
    assert_eq!(page["total"], 1_000);
    assert_eq!(page["total_relation"], "gte");
    let seqs: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["seq"])
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    let newest = app
        .inspect("notifications?title=%E6%88%90%E5%8A%9F&order=desc&limit=1")
        .await;
    assert_eq!(newest["items"][0]["seq"], SENT);
    assert_eq!(newest["total_relation"], "gte");
    // Exactly: a rare title, a user's notifications, and both.
    let rare = app.inspect("notifications?title=%231004").await;
    assert_eq!(rare["total"], 1);
    assert!(rare.get("total_relation").is_none(), "{rare}");
    let user = app
        .inspect("notifications?user=2&app=myAppCode&limit=1")
        .await;
    assert_eq!(user["total"], SENT / 2);
    assert!(user.get("total_relation").is_none(), "{user}");
    let both = app.inspect("notifications?title=%231003&user=2").await;
    assert_eq!(both["total"], 1);
    assert!(both.get("total_relation").is_none(), "{both}");
    // A wait counts as far as it needs: for more than the bound it is satisfied at once, with the
    // exact count, even after a wait for fewer counted the same filter only up to the bound.
    let few = app
        .inspect("wait?count=1&title=%E6%88%90%E5%8A%9F&limit=1&timeout_ms=1000")
        .await;
    assert_eq!(few["total"], 1_000);
    assert_eq!(few["total_relation"], "gte");
    let all = app
        .inspect(&format!(
            "wait?count={SENT}&title=%E6%88%90%E5%8A%9F&limit=1&timeout_ms=1000"
        ))
        .await;
    assert_eq!(all["total"], SENT, "{all}");
    assert!(all.get("total_relation").is_none(), "{all}");
}

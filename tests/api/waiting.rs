//! `/__inspect/wait` and `/__inspect/events`: being told about a notification the moment it is stored.

use crate::helpers::{notification, spawn_app, TestApp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn wait(app: &TestApp, query: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}/__inspect/wait?{query}", app.url))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_wait_already_satisfied_answers_at_once() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    let started = Instant::now();
    let (status, page) = wait(&app, "count=1&timeout_ms=30000").await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "it did not wait for the timeout"
    );
}

#[tokio::test]
async fn a_wait_is_woken_by_a_concurrent_send() {
    let app = spawn_app().await;
    let waiter = {
        let url = app.url.clone();
        tokio::spawn(async move {
            let response = reqwest::get(format!(
                "{url}/__inspect/wait?count=2&user=lisi&timeout_ms=30000"
            ))
            .await
            .unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap(),
            )
        })
    };
    // Sends that do not match the filter do not satisfy it.
    app.send_notification(&notification(json!([1]))).await;
    app.send_notification(&notification(json!(["lisi"]))).await;
    app.send_notification(&notification(json!([4, 3]))).await;
    let (status, page) = waiter.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(page["total"], 2);
    let items = page["items"].as_array().unwrap();
    assert!(items.iter().all(|n| n["recipients"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["account"] == "lisi")));
}

#[tokio::test]
async fn a_wait_times_out_with_408_and_what_matched() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    let (status, page) = wait(&app, "count=3&timeout_ms=150").await;
    assert_eq!(status, 408);
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn many_waiters_are_all_woken() {
    let app = spawn_app().await;
    let waiters: Vec<_> = (0..20)
        .map(|i| {
            let url = app.url.clone();
            let kind = if i % 2 == 0 { "notification" } else { "chat" };
            tokio::spawn(async move {
                reqwest::get(format!(
                    "{url}/__inspect/wait?count=1&kind={kind}&timeout_ms=30000"
                ))
                .await
                .unwrap()
                .status()
                .as_u16()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    app.send_notification(&notification(json!([1]))).await;
    let mut chat = notification(json!(null));
    chat.as_object_mut().unwrap().remove("users");
    chat["gid"] = json!("30683aea-7a1f-4ec8-a6d6-834e0310fd7d");
    assert_eq!(
        app.send_chat_message(&chat).await.json()["result"],
        "success"
    );
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap(), 200);
    }
}

#[tokio::test]
async fn wait_parameters_are_validated() {
    let app = spawn_app().await;
    for query in [
        "count=x",
        "timeout_ms=-1",
        "timeout_ms=999999999",
        "kind=email",
    ] {
        let response = reqwest::get(format!("{}/__inspect/wait?{query}", app.url))
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{query}");
    }
}

#[tokio::test]
async fn the_event_stream_carries_requests_and_notifications() {
    let app = spawn_app().await;
    let mut stream = reqwest::get(format!("{}/__inspect/events", app.url))
        .await
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let opening = stream.chunk().await.unwrap().unwrap();
    assert_eq!(&opening[..], b": connected\n\n");
    app.send_notification(&notification(json!([3]))).await;
    let mut text = String::new();
    while !(text.contains("event: request") && text.contains("event: notification")) {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let data_of = |event: &str| -> Value {
        let at = text.find(&format!("event: {event}\ndata: ")).unwrap() + event.len() + 14;
        let end = text[at..].find("\n\n").unwrap();
        serde_json::from_str(&text[at..at + end]).unwrap()
    };
    assert_eq!(
        data_of("notification")["recipients"][0]["account"],
        "zhangsan"
    );
    assert_eq!(data_of("request")["method"], "sendNotification");
}

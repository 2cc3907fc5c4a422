//! `/__inspect/wait` and `/__inspect/events`: being told about a notification the moment it is stored.

use crate::helpers::{notification, spawn_app, until_parked, TestApp};
use serde_json::{json, Value};

/// The longest wait the server accepts: a wait that is answered before it proves that it did not
/// run into its timeout, without the test timing anything.
const FOREVER: &str = "timeout_ms=300000";

async fn wait(app: &TestApp, query: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}/__inspect/wait?{query}", app.url))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// A wait started in the background; its status and page once answered.
fn spawn_wait(app: &TestApp, query: &str) -> tokio::task::JoinHandle<(u16, Value)> {
    let url = format!("{}/__inspect/wait?{query}&{FOREVER}", app.url);
    tokio::spawn(async move {
        let response = reqwest::get(url).await.unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().await.unwrap(),
        )
    })
}

#[tokio::test]
async fn a_wait_already_satisfied_answers_at_once() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    // Nothing is sent after this point, so only the first read can answer it (200, not the 408
    // of a wait that ran out).
    let (status, page) = wait(&app, &format!("count=1&{FOREVER}")).await;
    assert_eq!(status, 200);
    assert_eq!(page["total"], 1);
    assert_eq!(app.inspect("waits").await["pending"], 0);
}

#[tokio::test]
async fn a_wait_is_woken_by_a_concurrent_send() {
    let app = spawn_app().await;
    let waiter = spawn_wait(&app, "count=2&user=lisi");
    // Parked before anything is sent: only a wake-up can answer it now.
    until_parked(&app.url, 1).await;
    // Sends that do not match the filter, or not enough of them, do not satisfy it.
    app.send_notification(&notification(json!([1]))).await;
    app.send_notification(&notification(json!(["lisi"]))).await;
    assert!(!waiter.is_finished(), "one match of two does not answer");
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
    assert_eq!(app.inspect("waits").await["pending"], 0);
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
            let kind = if i % 2 == 0 { "notification" } else { "chat" };
            spawn_wait(&app, &format!("count=1&kind={kind}"))
        })
        .collect();
    until_parked(&app.url, 20).await;
    app.send_notification(&notification(json!([1]))).await;
    let mut chat = notification(json!(null));
    chat.as_object_mut().unwrap().remove("users");
    chat["gid"] = json!("30683aea-7a1f-4ec8-a6d6-834e0310fd7d");
    assert_eq!(
        app.send_chat_message(&chat).await.json()["result"],
        "success"
    );
    for waiter in waiters {
        let (status, page) = waiter.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(page["total"], 1);
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
        // The stream subscribed before its opening comment, so the send's events are on their way.
        let chunk = stream
            .chunk()
            .await
            .unwrap()
            .expect("the stream stays open");
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

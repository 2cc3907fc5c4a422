//! Pending waits are matched in memory and cost nothing once their client has gone: observed through
//! `/__inspect/waits`, the count of pending waits.

use crate::helpers::{notification, spawn_app, TestApp};
use serde_json::json;
use std::io::Write;

async fn pending(app: &TestApp) -> u64 {
    app.inspect("waits").await["pending"].as_u64().unwrap()
}

/// Polls the count of pending waits until it is `expected`; false if it never becomes so within
/// `tries` looks (a bound far below the waits' own timeouts).
async fn until_pending(app: &TestApp, expected: u64, tries: usize) -> bool {
    for _ in 0..tries {
        if pending(app).await == expected {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn a_wait_whose_client_leaves_is_cancelled_long_before_its_timeout() {
    let app = spawn_app().await;
    let address = app.url.trim_start_matches("http://").to_string();
    let mut client = std::net::TcpStream::connect(&address).unwrap();
    write!(
        client,
        "GET /__inspect/wait?count=1&user=nobody&timeout_ms=300000 HTTP/1.1\r\nHost: {address}\r\n\r\n"
    )
    .unwrap();
    assert!(until_pending(&app, 1, 300).await, "the wait never started");
    drop(client);
    // The wait would hold on for 300 s; it is dropped within a few looks at the socket.
    assert!(
        until_pending(&app, 0, 100).await,
        "the abandoned wait is still pending"
    );
}

#[tokio::test]
async fn deleting_notifications_makes_pending_waits_count_again() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([4]))).await;
    let waiter = {
        let url = app.url.clone();
        tokio::spawn(async move {
            let response = reqwest::get(format!(
                "{url}/__inspect/wait?count=2&user=4&timeout_ms=300000"
            ))
            .await
            .unwrap();
            (
                response.status().as_u16(),
                response.json::<serde_json::Value>().await.unwrap(),
            )
        })
    };
    assert!(until_pending(&app, 1, 300).await, "the wait never started");
    let deleted = reqwest::Client::new()
        .delete(format!("{}/__inspect/notifications", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    // One new notification: the count starts again from none, so one is not yet two.
    app.send_notification(&notification(json!([4]))).await;
    assert!(until_pending(&app, 1, 300).await);
    assert!(!waiter.is_finished());
    app.send_notification(&notification(json!([4]))).await;
    let (status, page) = waiter.await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(page["total"], 2);
}

#[tokio::test]
async fn a_thousand_waits_on_one_filter_are_all_woken_by_one_send() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let mut waits = Vec::new();
    for _ in 0..1000 {
        let request = client
            .get(format!(
                "{}/__inspect/wait?count=1&user=zhangsan&timeout_ms=300000",
                app.url
            ))
            .send();
        waits.push(tokio::spawn(request));
    }
    assert!(
        until_pending(&app, 1000, 600).await,
        "not every wait started"
    );
    app.send_notification(&notification(json!(["zhangsan"])))
        .await;
    for wait in waits {
        assert_eq!(wait.await.unwrap().unwrap().status(), 200);
    }
    assert_eq!(pending(&app).await, 0);
}

//! Fault injection: armed answers for the next calls of a method.

use crate::helpers::{notification, signed, spawn_app, TestApp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

async fn arm(app: &TestApp, fault: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/__inspect/faults", app.url))
        .header("content-type", "application/json")
        .body(fault.to_string())
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_body_fault_answers_it_php_encoded_and_stores_nothing() {
    let app = spawn_app().await;
    let (status, _) = arm(&app, json!({"method": "sendNotification", "times": 2, "respond": {"body": {"result": "fail", "message": "服务器繁忙"}}})).await;
    assert_eq!(status, 201);
    for _ in 0..2 {
        let a = app.send_notification(&notification(json!([1]))).await;
        assert_eq!(
            (a.status, a.text()),
            (
                200,
                r#"{"result":"fail","message":"\u670d\u52a1\u5668\u7e41\u5fd9"}"#.to_string()
            )
        );
        assert_eq!(
            a.headers["content-type"],
            "text/html; Language=UTF-8;charset=UTF-8"
        );
    }
    assert_eq!(app.last_findings().await, vec!["fault_injected"]);
    assert_eq!(app.inspect("notifications").await["total"], 0);
    // Used up: the third call is normal.
    assert_eq!(
        app.send_notification(&notification(json!([1])))
            .await
            .json()["result"],
        "success"
    );
    // Other methods were never affected.
    assert_eq!(
        app.get(&signed("m=im&f=getGroupChats&code=myAppCode"))
            .await
            .json()["result"],
        "success"
    );
}

#[tokio::test]
async fn a_status_fault_answers_that_status() {
    let app = spawn_app().await;
    arm(
        &app,
        json!({"method": "getGroupChats", "respond": {"status": 502}}),
    )
    .await;
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!((a.status, a.body.len()), (502, 0));
    assert_eq!(app.last_request().await["status"], 502);
}

#[tokio::test]
async fn a_delay_fault_answers_normally_later() {
    let app = spawn_app().await;
    arm(
        &app,
        json!({"method": "sendNotification", "respond": {"delay_ms": 300}}),
    )
    .await;
    let started = Instant::now();
    let a = app.send_notification(&notification(json!([1]))).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(a.json()["result"], "success");
    assert_eq!(app.inspect("notifications").await["total"], 1);
    assert!(app
        .last_findings()
        .await
        .contains(&"fault_injected".to_string()));
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_answer() {
    let app = spawn_app().await;
    arm(
        &app,
        json!({"method": "getChatUsers", "respond": {"drop": true}}),
    )
    .await;
    let result = reqwest::get(format!(
        "{}/x.php?{}",
        app.url,
        signed("m=im&f=getChatUsers&code=myAppCode")
    ))
    .await;
    assert!(
        result.is_err(),
        "expected a dropped connection, got {result:?}"
    );
    let entry = app.last_request().await;
    assert_eq!(
        (
            entry["status"].clone(),
            entry["findings"][0]["code"].clone()
        ),
        (json!(0), json!("fault_injected"))
    );
    // The server is fine afterwards.
    assert_eq!(
        app.get(&signed("m=im&f=getChatUsers&code=myAppCode"))
            .await
            .json()["result"],
        "success"
    );
}

#[tokio::test]
async fn faults_without_times_last_until_cleared_and_are_listed() {
    let app = spawn_app().await;
    arm(&app, json!({"times": null, "respond": {"status": 503}})).await;
    for _ in 0..3 {
        assert_eq!(
            app.get(&signed("m=im&f=getGroupChats&code=myAppCode"))
                .await
                .status,
            503
        );
    }
    let listed = app.inspect("faults").await;
    assert_eq!(listed[0]["remaining"], Value::Null);
    assert_eq!(listed[0]["method"], Value::Null);
    reqwest::Client::new()
        .delete(format!("{}/__inspect/faults", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(app.inspect("faults").await, json!([]));
    assert_eq!(
        app.get(&signed("m=im&f=getGroupChats&code=myAppCode"))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn reset_clears_faults() {
    let app = spawn_app().await;
    arm(&app, json!({"respond": {"status": 500}})).await;
    reqwest::Client::new()
        .post(format!("{}/__inspect/reset", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(app.inspect("faults").await, json!([]));
}

#[tokio::test]
async fn invalid_faults_answer_400() {
    let app = spawn_app().await;
    for (fault, field) in [
        (json!({"respond": {"nothing": 1}}), "respond"),
        (json!({"respond": {"status": 99}}), "respond.status"),
        (json!({"respond": {"drop": false}}), "respond.drop"),
        (json!({"times": 0, "respond": {"status": 500}}), "times"),
        (json!({"method": 5, "respond": {"status": 500}}), "method"),
        (json!({}), "body"),
    ] {
        let (status, error) = arm(&app, fault.clone()).await;
        assert_eq!(
            (status, error["field"].as_str()),
            (400, Some(field)),
            "{fault}"
        );
    }
}

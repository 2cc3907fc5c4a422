//! Deleting and resetting exactly what was asked: `DELETE /notifications` and `DELETE /requests`
//! by the filters of their lists, and `POST /reset?app=CODE` for suites that share one mock.

use crate::helpers::{notification, signed, spawn_app, time_token, token, TestApp};
use serde_json::{json, Value};

const SUITE_KEY: &str = "5f4dcc3b5aa765d61d8327deb882cf99";

async fn call(app: &TestApp, method: &str, path_and_query: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
            format!("{}/__inspect/{path_and_query}", app.url),
        )
        .header("content-type", "application/json")
        .body(if body.is_null() {
            String::new()
        } else {
            body.to_string()
        })
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// `total` of a list.
async fn total(app: &TestApp, path_and_query: &str) -> i64 {
    app.inspect(path_and_query).await["total"].as_i64().unwrap()
}

/// A second application, `suiteB`, as a parallel suite would add it.
async fn add_suite_app(app: &TestApp) {
    let (status, _) = call(
        app,
        "POST",
        "apps",
        json!({"code": "suiteB", "key": SUITE_KEY}),
    )
    .await;
    assert_eq!(status, 200);
}

/// A notification sent by `suiteB` to `users`.
async fn send_as_suite(app: &TestApp, users: Value) -> Value {
    let query = "m=im&f=sendNotification&code=suiteB";
    app.post(
        &format!("{query}&token={}", token(query, SUITE_KEY)),
        &notification(users).to_string(),
    )
    .await
    .json()
}

#[tokio::test]
async fn deleting_notifications_deletes_only_what_the_filters_match() {
    let app = spawn_app().await;
    add_suite_app(&app).await;
    app.send_notification(&notification(json!(["zhangsan"])))
        .await;
    app.send_notification(&notification(json!(["lisi", "zhangsan"])))
        .await;
    assert_eq!(
        send_as_suite(&app, json!(["lisi"])).await["result"],
        "success"
    );
    // Nothing matches an application that sent nothing: nothing is deleted.
    let (status, answer) = call(&app, "DELETE", "notifications?app=nonexistent", json!(null)).await;
    assert_eq!((status, answer), (200, json!({"deleted": 0})));
    assert_eq!(total(&app, "notifications").await, 3);
    // A recipient's: the notifications they received, whole (lisi's and zhangsan's together).
    let (_, answer) = call(
        &app,
        "DELETE",
        "notifications?user=lisi&app=myAppCode",
        json!(null),
    )
    .await;
    assert_eq!(answer, json!({"deleted": 1}));
    let left = app.inspect("notifications").await;
    let seqs: Vec<i64> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 3]);
    // The totals kept for the filters are right after a filtered delete.
    assert_eq!(
        (
            total(&app, "notifications?user=zhangsan").await,
            total(&app, "notifications?user=lisi").await,
            total(&app, "notifications").await
        ),
        (1, 1, 2)
    );
    // The journal stays.
    assert_eq!(total(&app, "requests").await, 3);
    let (_, answer) = call(
        &app,
        "DELETE",
        "notifications?title=%E6%9E%84%E5%BB%BA&after=1",
        json!(null),
    )
    .await;
    assert_eq!(answer, json!({"deleted": 1}));
    assert_eq!(total(&app, "notifications").await, 1);
}

#[tokio::test]
async fn a_chat_numbers_its_next_message_after_its_latest_remaining_one() {
    let app = spawn_app().await;
    let gid = "30683aea-7a1f-4ec8-a6d6-834e0310fd7d";
    let mut chat = notification(Value::Null);
    chat.as_object_mut().unwrap().remove("users");
    chat["gid"] = json!(gid);
    for title in ["one", "two", "three"] {
        chat["title"] = json!(title);
        app.send_chat_message(&chat).await;
    }
    let (_, answer) = call(&app, "DELETE", "notifications?title=three", json!(null)).await;
    assert_eq!(answer, json!({"deleted": 1}));
    chat["title"] = json!("four");
    app.send_chat_message(&chat).await;
    let last = app.inspect("notifications?order=desc&limit=1").await;
    assert_eq!(
        (&last["items"][0]["title"], &last["items"][0]["index"]),
        (&json!("four"), &json!(3))
    );
}

#[tokio::test]
async fn deleting_requests_deletes_only_what_the_filters_match() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    app.send_notification(&json!({"users": [1], "title": "no sender"}))
        .await;
    app.get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    let (status, answer) = call(&app, "DELETE", "requests?outcome=rejected", json!(null)).await;
    assert_eq!((status, answer), (200, json!({"deleted": 1})));
    let (_, answer) = call(
        &app,
        "DELETE",
        "requests?method=getGroupChats&app=nonexistent",
        json!(null),
    )
    .await;
    assert_eq!(answer, json!({"deleted": 0}));
    let left = app.inspect("requests").await;
    let methods: Vec<&str> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["sendNotification", "getGroupChats"]);
    // The notifications they stored stay.
    let (_, answer) = call(&app, "DELETE", "requests", json!(null)).await;
    assert_eq!(answer, json!({"deleted": 2}));
    assert_eq!(total(&app, "notifications").await, 1);
}

#[tokio::test]
async fn a_scoped_reset_forgets_one_applications_traffic_and_faults_and_nothing_else() {
    let app = spawn_app().await;
    add_suite_app(&app).await;
    // Each suite's traffic, and a fault each (plus one for every application).
    app.send_notification(&notification(json!(["zhangsan"])))
        .await;
    assert_eq!(
        send_as_suite(&app, json!(["lisi"])).await["result"],
        "success"
    );
    for fault in [
        json!({"app": "suiteB", "method": "getChatUsers", "times": null, "respond": {"status": 502}}),
        json!({"app": "myAppCode", "method": "getChatUsers", "times": null, "respond": {"status": 503}}),
        json!({"method": "getChatUsers", "times": null, "respond": {"status": 504}}),
    ] {
        assert_eq!(call(&app, "POST", "faults", fault).await.0, 201);
    }
    // suiteB's clock moves with a time-mode call.
    let time = "1800000000";
    let timed = format!(
        "m=im&f=getGroupChats&code=suiteB&time={time}&token={}",
        time_token("suiteB", SUITE_KEY, time)
    );
    assert_eq!(app.get(&timed).await.json()["result"], "success");
    assert_eq!(app.get(&timed).await.json()["errcode"], 405, "used up");

    let (status, answer) = call(&app, "POST", "reset?app=suiteB", json!(null)).await;
    assert_eq!(status, 200);
    assert_eq!(answer["app"], "suiteB");
    assert_eq!(
        answer["deleted"],
        json!({"notifications": 1, "requests": 3, "faults": 1})
    );
    // suiteB's notifications and journal are gone, myAppCode's stay.
    assert_eq!(total(&app, "notifications?app=suiteB").await, 0);
    assert_eq!(total(&app, "requests?app=suiteB").await, 0);
    assert_eq!(total(&app, "notifications?app=myAppCode").await, 1);
    assert_eq!(total(&app, "requests?app=myAppCode").await, 1);
    // Its fault is cleared; myAppCode's and the one for every application stay.
    let faults = app.inspect("faults").await;
    let statuses: Vec<&Value> = faults
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["respond"]["status"])
        .collect();
    assert_eq!(statuses, [&json!(503), &json!(504)]);
    // Its clock is back: the same time-mode token is good again.
    assert_eq!(app.get(&timed).await.json()["result"], "success");
    // The organisation stays (suiteB itself, added at runtime, included) and sequences go on.
    assert_eq!(
        send_as_suite(&app, json!(["lisi"])).await["result"],
        "success"
    );
    assert_eq!(
        app.inspect("notifications?app=suiteB").await["items"][0]["seq"],
        3
    );
}

#[tokio::test]
async fn a_scoped_reset_of_an_unknown_application_is_refused_with_the_nearest_code() {
    let app = spawn_app().await;
    app.send_notification(&notification(json!([1]))).await;
    let (status, error) = call(&app, "POST", "reset?app=myAppCod", json!(null)).await;
    assert_eq!(status, 400);
    assert_eq!(error["field"], "app");
    assert_eq!(
        error["error"],
        "there is no application \"myAppCod\"; did you mean \"myAppCode\"?"
    );
    // Nothing was reset.
    assert_eq!(total(&app, "notifications").await, 1);
    // Nor is a fault for one armed.
    let fault = json!({"app": "myAppCod", "respond": {"status": 502}});
    let (status, error) = call(&app, "POST", "faults", fault).await;
    assert_eq!((status, &error["field"]), (400, &json!("app")));
    assert!(app.inspect("faults").await.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_fault_for_an_application_answers_its_calls_only() {
    let app = spawn_app().await;
    add_suite_app(&app).await;
    let fault = json!({"app": "suiteB", "method": "sendNotification", "respond": {"status": 502}});
    let (status, armed) = call(&app, "POST", "faults", fault).await;
    assert_eq!((status, &armed["app"]), (201, &json!("suiteB")));
    let mine = app.send_notification(&notification(json!([1]))).await;
    assert_eq!(mine.json()["result"], "success");
    let query = "m=im&f=sendNotification&code=suiteB";
    let theirs = app
        .post(
            &format!("{query}&token={}", token(query, SUITE_KEY)),
            &notification(json!([1])).to_string(),
        )
        .await;
    assert_eq!(theirs.status, 502);
}

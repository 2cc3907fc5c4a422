//! A request is written whole or not at all. A failure is injected into the commit the way a full
//! disk or a broken database would fail it: a trigger, added to the `--db` file from outside,
//! aborts every delivery row, after the request's journal entry and message were written in the
//! same transaction. A committed request is observed (journaled, waiters woken) even when its client
//! left before the answer.

use crate::helpers::{
    signed, spawn_app_with, temp_file, time_token, until_parked, TestApp, TestPath, KEY,
};
use serde_json::{json, Value};
use xxb_mock::Config;
use xxb_mock::DbLocation;

const BODY: &str = r#"{"users":["zhangsan"],"title":"t","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/a.png"}}"#;

/// The app, a connection of the test's own to its file, and the file (gone when dropped).
async fn app_on_file(name: &str) -> (TestApp, rusqlite::Connection, TestPath) {
    let db = temp_file(name, "state.db");
    let app = spawn_app_with(Config {
        db: DbLocation::File(db.to_path_buf()),
        ..Config::default()
    })
    .await;
    let outside = rusqlite::Connection::open(&db).unwrap();
    outside
        .busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    (app, outside, db)
}

fn break_deliveries(db: &rusqlite::Connection) {
    db.execute_batch(
        "CREATE TRIGGER broken_disk BEFORE INSERT ON recipients
         BEGIN SELECT RAISE(ABORT, 'injected: the disk is full'); END;",
    )
    .unwrap();
}

fn mend_deliveries(db: &rusqlite::Connection) {
    db.execute_batch("DROP TRIGGER broken_disk").unwrap();
}

async fn totals(app: &TestApp) -> (Value, Value) {
    (
        app.inspect("requests?limit=1").await["total"].clone(),
        app.inspect("notifications?limit=1").await["total"].clone(),
    )
}

#[tokio::test]
async fn a_send_whose_commit_fails_writes_nothing_and_answers_500() {
    let (app, db, _file) = app_on_file("commit-fails").await;
    assert_eq!(totals(&app).await, (json!(0), json!(0)));
    break_deliveries(&db);

    let answer = app
        .post(&signed("m=im&f=sendNotification&code=myAppCode"), BODY)
        .await;
    assert_eq!(answer.status, 500);
    // Neither its journal entry nor its message, both written before the failing delivery.
    assert_eq!(totals(&app).await, (json!(0), json!(0)));
    let messages: i64 = db
        .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(messages, 0);

    mend_deliveries(&db);
    let answer = app
        .post(&signed("m=im&f=sendNotification&code=myAppCode"), BODY)
        .await;
    assert_eq!(answer.text(), r#"{"result":"success","message":""}"#);
    assert_eq!(totals(&app).await, (json!(1), json!(1)));
}

#[tokio::test]
async fn a_failed_commit_does_not_use_up_a_time_mode_token() {
    let (app, db, _file) = app_on_file("commit-time-token").await;
    let time = "1800000000";
    let query = format!(
        "m=im&f=sendNotification&code=myAppCode&time={time}&token={}",
        time_token("myAppCode", KEY, time)
    );
    break_deliveries(&db);
    assert_eq!(app.post(&query, BODY).await.status, 500);
    let clock: i64 = db
        .query_row(
            "SELECT called_time FROM apps WHERE code = 'myAppCode'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(clock, 0, "the failed call must not move the clock");

    mend_deliveries(&db);
    // The same token again: accepted, since the failed call left nothing behind ...
    assert_eq!(
        app.post(&query, BODY).await.text(),
        r#"{"result":"success","message":""}"#
    );
    // ... and now used up.
    assert_eq!(
        app.post(&query, BODY).await.text(),
        r#"{"errcode":405,"errmsg":"Token已失效"}"#
    );
}

#[tokio::test]
async fn requests_batched_with_a_failing_one_are_written_in_full() {
    let (app, db, _file) = app_on_file("commit-batch").await;
    break_deliveries(&db);
    let lookups = 40;
    let sends = 40;
    let mut calls = Vec::new();
    for i in 0..lookups + sends {
        let app = &app;
        calls.push(async move {
            if i % 2 == 0 {
                app.get(&signed("m=im&f=getGroupChats&code=myAppCode"))
                    .await
                    .status
            } else {
                app.post(&signed("m=im&f=sendNotification&code=myAppCode"), BODY)
                    .await
                    .status
            }
        });
    }
    let statuses = futures_util::future::join_all(calls).await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), lookups);
    assert_eq!(statuses.iter().filter(|s| **s == 500).count(), sends);
    // Every lookup was journaled, whichever batch it shared with a failing send; no send was.
    let journal = app
        .inspect("requests?limit=1000&method=getGroupChats")
        .await;
    assert_eq!(journal["total"], json!(lookups));
    assert_eq!(totals(&app).await, (json!(lookups), json!(0)));
}

#[tokio::test]
async fn a_send_whose_client_leaves_before_its_answer_is_still_observed() {
    let (app, db, _file) = app_on_file("commit-abandoned").await;
    let wait = {
        let url = format!(
            "{}/__inspect/wait?count=1&title=abandoned&timeout_ms=10000",
            app.url
        );
        tokio::spawn(async move { reqwest::get(url).await.unwrap().json::<Value>().await })
    };
    until_parked(&app.url, 1).await;
    // The write lock held from outside: the store thread waits for it, and the client gives up
    // on its answer meanwhile.
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    let impatient = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let body = BODY.replace(r#""title":"t""#, r#""title":"abandoned""#);
    let gave_up = impatient
        .post(format!(
            "{}/x.php?{}",
            app.url,
            signed("m=im&f=sendNotification&code=myAppCode")
        ))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    assert!(gave_up.unwrap_err().is_timeout());
    // Letting the server see the connection closed before the commit can complete is what this
    // pause is for; how long anything takes is not what is tested.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    db.execute_batch("COMMIT").unwrap();
    // The send was committed: it is journaled, and the waiter it matches is woken by it.
    let woken = wait.await.unwrap().unwrap();
    assert_eq!(woken["total"], 1, "{woken}");
    assert_eq!(woken["items"][0]["title"], "abandoned");
    assert_eq!(totals(&app).await, (json!(1), json!(1)));
}

//! `serve --retain N`: at most N journal entries and N notifications are kept, the oldest trimmed
//! first, and `/__inspect/health` reports the trimming to whoever may read `/__inspect`.

use crate::helpers::{notification, spawn_app_with, TestApp, GROUP};
use serde_json::{json, Value};
use xxb_mock::{Config, Retain};

/// Reads `/__inspect/health` until it reports `trimmed` (the store trims just after it answers a
/// send, so the last trim may still be running when the send's answer arrives). Polling a condition
/// the server reports; a server that never trims fails the test after 10 s.
async fn until_trimmed(app: &TestApp, trimmed: Value) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let health = app.inspect("health").await;
        if health["retention"]["trimmed"] == trimmed {
            return health;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {health} instead of trimmed {trimmed}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|n| n["title"].as_str().expect("a title").to_string())
        .collect()
}

#[tokio::test]
async fn with_retain_5_eight_sends_leave_the_newest_5_of_each() {
    let app = spawn_app_with(Config {
        retain: Retain::Limit(5),
        ..Config::default()
    })
    .await;
    // Counted before anything is trimmed, so the per-user total is cached and must follow.
    assert_eq!(app.inspect("notifications?user=1").await["total"], 0);
    for i in 1..=8 {
        let mut body = notification(json!(if i % 2 == 0 { [1, 3] } else { [3, 4] }));
        body["title"] = json!(format!("send {i}"));
        let answer = app.send_notification(&body).await;
        assert_eq!(answer.json()["result"], "success", "{}", answer.text());
    }
    let health = until_trimmed(&app, json!({"requests": 3, "notifications": 3})).await;
    assert_eq!(health["retention"]["limit"], 5);

    let page = app.inspect("notifications").await;
    assert_eq!(page["total"], 5);
    assert_eq!(
        titles(&page),
        ["send 4", "send 5", "send 6", "send 7", "send 8"]
    );
    let journal = app.inspect("requests").await;
    assert_eq!(journal["total"], 5);
    let seqs: Vec<i64> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [4, 5, 6, 7, 8]);
    // User 1 received sends 2, 4, 6 and 8; 4, 6 and 8 remain.
    let to_1 = app.inspect("notifications?user=1").await;
    assert_eq!(
        (to_1["total"].clone(), titles(&to_1)),
        (
            json!(3),
            vec!["send 4".to_string(), "send 6".into(), "send 8".into()]
        )
    );
    assert_eq!(app.inspect("notifications?user=4").await["total"], 2);
    assert_eq!(app.inspect("requests?outcome=accepted").await["total"], 5);
}

#[tokio::test]
async fn a_chat_keeps_its_index_when_its_oldest_messages_are_trimmed() {
    let app = spawn_app_with(Config {
        retain: Retain::Limit(2),
        ..Config::default()
    })
    .await;
    for i in 1..=4 {
        let mut body = notification(json!([]));
        body.as_object_mut().unwrap().remove("users");
        body["gid"] = json!(GROUP);
        body["title"] = json!(format!("m{i}"));
        let answer = app.send_chat_message(&body).await;
        assert_eq!(answer.json()["result"], "success", "{}", answer.text());
    }
    until_trimmed(&app, json!({"requests": 2, "notifications": 2})).await;
    let page = app.inspect(&format!("notifications?gid={GROUP}")).await;
    let indexes: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["index"].as_i64().unwrap())
        .collect();
    assert_eq!((page["total"].clone(), indexes), (json!(2), vec![3, 4]));
}

#[tokio::test]
async fn health_shows_the_retention_only_to_whoever_may_read_inspect() {
    let app = spawn_app_with(Config {
        admin_token: Some("s3cret".into()),
        retain: Retain::Unlimited,
        ..Config::default()
    })
    .await;
    app.send_notification(&notification(json!([1]))).await;
    let anonymous = app.request("GET", "/__inspect/health", b"", &[]).await;
    assert_eq!(
        anonymous.json(),
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
    let wrong = app
        .request(
            "GET",
            "/__inspect/health",
            b"",
            &[("Authorization", "Bearer s3cre")],
        )
        .await;
    assert_eq!(wrong.json().as_object().unwrap().len(), 2);
    let allowed = app
        .request(
            "GET",
            "/__inspect/health",
            b"",
            &[("Authorization", "Bearer s3cret")],
        )
        .await;
    assert_eq!(
        allowed.json()["retention"],
        json!({"limit": null, "trimmed": {"requests": 0, "notifications": 0}})
    );
    let by_query = app
        .request("GET", "/__inspect/health?access_token=s3cret", b"", &[])
        .await;
    assert_eq!(by_query.json()["retention"]["limit"], json!(null));
}

/// Polls `/__inspect/health` and the totals until the journal and the notifications are down to the
/// limit and what was trimmed and what remains add up to everything sent (the last steps run just
/// after the last answers). Answers (requests kept, notifications kept, health).
async fn until_settled(app: &TestApp, sent: i64, limit: i64, slack: i64) -> (i64, i64, Value) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let health = app.inspect("health").await;
        let requests = app.inspect("requests?limit=1").await["total"]
            .as_i64()
            .unwrap();
        let notifications = app.inspect("notifications?limit=1").await["total"]
            .as_i64()
            .unwrap();
        let trimmed = &health["retention"]["trimmed"];
        let settled = |kept: i64, trimmed: &Value| {
            kept <= limit + slack && kept + trimmed.as_i64().unwrap() == sent
        };
        if settled(requests, &trimmed["requests"])
            && settled(notifications, &trimmed["notifications"])
        {
            return (requests, notifications, health);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{requests} requests and {notifications} notifications kept, {health}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn sends_far_past_the_limit_leave_the_newest_and_the_counts_follow() {
    let app = spawn_app_with(Config {
        retain: Retain::Limit(300),
        ..Config::default()
    })
    .await;
    // Counted before anything is trimmed, so that the cached totals must follow the trimming.
    assert_eq!(app.inspect("notifications?user=1").await["total"], 0);
    const SENT: i64 = 800;
    // In waves of concurrent sends, so that batches of several requests meet the trimming.
    for wave in 0..SENT / 40 {
        let calls = (0..40).map(|i| {
            let mut body = notification(json!([1, 3]));
            body["title"] = json!(format!("send {}", wave * 40 + i + 1));
            let app = &app;
            async move { app.send_notification(&body).await }
        });
        for answer in futures_util::future::join_all(calls).await {
            assert_eq!(answer.json()["result"], "success", "{}", answer.text());
        }
    }
    // A limit of 300 lets 3 more (a hundredth) wait for the next step.
    let (requests, notifications, health) = until_settled(&app, SENT, 300, 3).await;
    assert_eq!(health["retention"]["limit"], 300);
    assert!(requests >= 300 && notifications >= 300, "{health}");

    // The newest remain: the journal's seqs run up to the last one without a gap.
    let journal = app.inspect("requests?limit=1000").await;
    let seqs: Vec<i64> = journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, ((SENT - requests + 1)..=SENT).collect::<Vec<_>>());
    let page = app.inspect("notifications?limit=1000").await;
    assert_eq!(
        page["items"].as_array().unwrap().len() as i64,
        notifications
    );
    // Every filter's total follows: by recipient, by outcome, by application.
    assert_eq!(
        app.inspect("notifications?user=1").await["total"],
        notifications
    );
    assert_eq!(app.inspect("notifications?user=2").await["total"], 0);
    assert_eq!(
        app.inspect("notifications?app=myAppCode").await["total"],
        notifications
    );
    assert_eq!(
        app.inspect("requests?outcome=accepted").await["total"],
        requests
    );
}

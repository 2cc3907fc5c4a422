//! The Rust library API: `MockServer` in a test's own runtime, in parallel tests.

use crate::helpers::until_parked;
use std::time::Duration;
use xxb_mock::{
    FaultSpec, Filter, Lang, MessageKind, MockServer, Respond, ValidationMode, WaitExplanation,
};

const BODY: &str = r#"{"users":["zhangsan","lisi"],"title":"构建成功","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/logo.png"}}"#;

async fn send(server: &MockServer, body: &str) -> String {
    let url = format!(
        "{}/x.php?{}",
        server.uri(),
        server.sign("m=im&f=sendNotification&code=myAppCode")
    );
    reqwest::Client::new()
        .post(url)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn start_send_and_read_back() {
    let server = MockServer::start().await;
    assert_eq!(
        (server.app_code(), server.app_key()),
        ("myAppCode", "3cd0914d656e90ab181f1d52ff352cfe")
    );
    assert_eq!(
        send(&server, BODY).await,
        r#"{"result":"success","message":""}"#
    );
    let all = server.notifications().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(
        all[0]
            .recipients
            .iter()
            .map(|r| r.account.as_str())
            .collect::<Vec<_>>(),
        ["zhangsan", "lisi"]
    );
    assert_eq!(
        server
            .notifications_matching(Filter::new().user("admin"))
            .await
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        server
            .notifications_matching(Filter::new().kind(MessageKind::Notification).title("构建"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(server.requests().await.unwrap().len(), 1);
    server.reset().await.unwrap();
    assert!(server.notifications().await.unwrap().is_empty());
    assert!(server.requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn wait_for_is_woken_by_a_send() {
    let server = MockServer::start().await;
    let (waited, sent) = tokio::join!(
        server.wait_for(Filter::new().user("lisi"), 1, Duration::from_secs(300)),
        async {
            // The send goes out only once the wait is parked: only a wake-up can answer it.
            until_parked(&server.uri(), 1).await;
            send(&server, BODY).await
        }
    );
    assert_eq!(sent, r#"{"result":"success","message":""}"#);
    assert_eq!(waited.unwrap()[0].title, "构建成功");
}

/// The explanation a wait for `filter` fails with, in Rust.
async fn explanation(server: &MockServer, filter: Filter, count: usize) -> WaitExplanation {
    match server
        .wait_for(filter, count, Duration::from_millis(100))
        .await
    {
        Err(xxb_mock::Error::Timeout(explanation)) => *explanation,
        other => panic!("not a time-out: {other:?}"),
    }
}

#[tokio::test]
async fn a_failing_wait_for_says_what_arrived_and_what_was_rejected() {
    let server = MockServer::start().await;
    send(&server, BODY).await;
    send(&server, r#"{"users":["zhangsan"],"title":"no sender"}"#).await;
    let explained = explanation(&server, Filter::new().user("admin"), 1).await;
    assert_eq!((explained.count, explained.matched), (1, 0));
    assert_eq!(explained.unmatched.total, 2);
    let [stored, rejected] = &explained.unmatched.items[..] else {
        panic!("two requests: {explained:?}");
    };
    let to_lisi = stored
        .stored
        .as_ref()
        .expect("the accepted send stored one");
    assert_eq!(to_lisi.title, "构建成功");
    assert_eq!(rejected.findings[0].code.to_string(), "missing_sender");
    let message = explained.to_string();
    for line in [
        "waited 100 ms for 1 notification(s) matching user=admin: 0 of 1 arrived.",
        "requests that stored no matching notification (2):",
        "  #1 sendNotification by myAppCode: accepted, stored #1 \"构建成功\" to [zhangsan, lisi] in notification",
        "  #2 sendNotification by myAppCode: rejected, answered HTTP 200 ",
        "      [Error] missing_sender: ",
    ] {
        assert!(message.contains(line), "{line:?} is not in:\n{message}");
    }
}

#[tokio::test]
async fn a_wait_explains_only_what_came_after_its_latest_match_and_from_its_app() {
    let server = MockServer::start().await;
    send(&server, BODY).await;
    send(&server, r#"{"users":["lisi"],"title":"no sender"}"#).await;
    // Another application's traffic is not this wait's business.
    let other = format!(
        "{}/x.php?m=im&f=sendNotification&code=noKeyApp",
        server.uri()
    );
    reqwest::Client::new()
        .post(other)
        .body(BODY)
        .send()
        .await
        .unwrap();
    let explained = explanation(&server, Filter::new().user("lisi").app("myAppCode"), 2).await;
    assert_eq!(explained.matched, 1);
    let seqs: Vec<i64> = explained.unmatched.items.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [2], "{explained:?}");
    assert_eq!(
        serde_json::to_value(&explained.filter).unwrap(),
        serde_json::json!({"user": "lisi", "app": "myAppCode"})
    );
    // Without the app, the other application's rejected call is one of the reasons.
    let explained = explanation(&server, Filter::new().user("lisi"), 2).await;
    let seqs: Vec<i64> = explained.unmatched.items.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [2, 3], "{explained:?}");
}

#[tokio::test]
async fn wait_for_and_the_http_wait_give_the_same_explanation() {
    let server = MockServer::start().await;
    send(&server, BODY).await;
    send(&server, r#"{"users":["zhangsan"],"title":"no sender"}"#).await;
    let explained = explanation(&server, Filter::new().user("admin").title("构建"), 1).await;
    let response = reqwest::Client::new()
        .get(format!("{}/__inspect/wait", server.uri()))
        .query(&[("user", "admin"), ("title", "构建"), ("timeout_ms", "100")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 408);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        (&answer["total"], &answer["items"]),
        (&serde_json::json!(0), &serde_json::json!([]))
    );
    assert_eq!(
        answer["explanation"],
        serde_json::to_value(&explained).unwrap()
    );
    assert_eq!(answer["message"], explained.to_string());
}

#[tokio::test]
async fn the_builder_sets_every_option_and_faults_can_be_armed() {
    let server = MockServer::builder()
        .validation(ValidationMode::Faithful)
        .lang(Lang::En)
        .start()
        .await;
    // Faithful: a string users is accepted (and reaches a chat).
    assert_eq!(
        send(&server, r#"{"users":"x","title":"t","sender":"s"}"#).await,
        r#"{"result":"success","message":""}"#
    );
    assert_eq!(
        send(&server, "{}").await,
        r#"{"result":"fail","message":"Should set user list."}"#
    );
    server.arm_fault(FaultSpec {
        method: Some("sendNotification".into()),
        app: None,
        times: Some(1),
        respond: Respond::Body {
            body: serde_json::json!({"result": "fail"}),
        },
    });
    assert_eq!(send(&server, BODY).await, r#"{"result":"fail"}"#);
    server.arm_fault(FaultSpec {
        method: None,
        app: None,
        times: None,
        respond: Respond::Status {
            status: 500,
            body: None,
        },
    });
    server.clear_faults();
    assert_eq!(
        send(&server, BODY).await,
        r#"{"result":"success","message":""}"#
    );
}

#[tokio::test]
async fn replay_a_scenario_against_the_server() {
    let server = MockServer::start().await;
    let results = server.replay("scenarios/old-api-body.yaml").await.unwrap();
    assert!(results[0].passed(), "{results:?}");
    assert_eq!(
        results[0].count(xxb_mock::scenario::Status::Skipped),
        0,
        "{results:?}"
    );
}

#[tokio::test]
async fn many_servers_side_by_side() {
    let servers = futures_util::future::join_all((0..8).map(|_| MockServer::start())).await;
    for server in &servers {
        send(server, BODY).await;
    }
    for server in &servers {
        assert_eq!(
            server.notifications().await.unwrap().len(),
            1,
            "each server has its own state"
        );
    }
}

//! The Rust library API: `MockServer` in a test's own runtime, in parallel tests.

use crate::helpers::until_parked;
use std::time::Duration;
use xxb_mock::{Filter, Lang, MessageKind, MockServer, Respond, ValidationMode};

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

#[tokio::test]
async fn a_failing_wait_for_says_what_arrived_and_what_was_rejected() {
    let server = MockServer::start().await;
    send(&server, BODY).await;
    send(&server, r#"{"users":["zhangsan"],"title":"no sender"}"#).await;
    let error = server
        .wait_for(Filter::new().user("admin"), 1, Duration::from_millis(100))
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("0 of 1 arrived"), "{message}");
    assert!(
        message.contains("stored notifications (1)") && message.contains("构建成功"),
        "{message}"
    );
    assert!(
        message.contains("rejected requests (1)") && message.contains("missing_sender"),
        "{message}"
    );
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
    server.arm_fault(
        Some("sendNotification"),
        Some(1),
        Respond::Body {
            body: serde_json::json!({"result": "fail"}),
        },
    );
    assert_eq!(send(&server, BODY).await, r#"{"result":"fail"}"#);
    server.arm_fault(
        None,
        None,
        Respond::Status {
            status: 500,
            body: None,
        },
    );
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

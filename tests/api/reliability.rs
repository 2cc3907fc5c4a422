//! Nothing acknowledged is lost, under load, across `kill -9` and SIGTERM; hostile input never
//! crashes the server or earns a 5xx; slow clients cannot exhaust it.

use crate::helpers::{signed, spawn_app, spawn_app_with, start_binary, tempdir, TestApp};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use xxb_mock::Config;
use xxb_mock::DbLocation;

const BODY: &str = r#"{"users":[1,3,4],"title":"t","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/logo.png"}}"#;

async fn all_notifications(app: &TestApp) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = 0;
    loop {
        let page = app
            .inspect(&format!("notifications?after={after}&limit=1000"))
            .await;
        let batch = page["items"].as_array().unwrap().clone();
        if batch.is_empty() {
            return items;
        }
        after = batch.last().unwrap()["seq"].as_i64().unwrap();
        items.extend(batch);
    }
}

async fn no_loss(app: TestApp) {
    let clients: Vec<_> = (0..32)
        .map(|_| {
            let url = format!(
                "{}/x.php?{}",
                app.url,
                signed("m=im&f=sendNotification&code=myAppCode")
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for _ in 0..500 {
                    let text = client
                        .post(&url)
                        .body(BODY)
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap();
                    assert_eq!(text, r#"{"result":"success","message":""}"#);
                }
            })
        })
        .collect();
    for client in clients {
        client.await.unwrap();
    }
    let items = all_notifications(&app).await;
    assert_eq!(items.len(), 16_000);
    let seqs: Vec<i64> = items.iter().map(|n| n["seq"].as_i64().unwrap()).collect();
    assert_eq!(
        seqs,
        (1..=16_000).collect::<Vec<i64>>(),
        "seq unique and gapless"
    );
    assert!(
        items
            .iter()
            .all(|n| n["recipients"].as_array().unwrap().len() == 3),
        "every recipient row present"
    );
    let requests: HashSet<i64> = items
        .iter()
        .map(|n| n["request_seq"].as_i64().unwrap())
        .collect();
    assert_eq!(requests.len(), 16_000);
    assert_eq!(app.inspect("requests?limit=1").await["total"], 16_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_lose_nothing_in_memory() {
    no_loss(spawn_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_lose_nothing_with_a_database_file() {
    let dir = tempdir("no-loss");
    let config = Config {
        db: DbLocation::File(dir.join("state.db")),
        ..Config::default()
    };
    no_loss(spawn_app_with(config).await).await;
    let _ = std::fs::remove_dir_all(dir);
}

fn integrity_ok(db: &std::path::Path) -> bool {
    let conn = rusqlite::Connection::open(db).unwrap();
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    result == "ok"
}

/// Sends from 8 clients until stopped; returns the titles of the acknowledged sends.
async fn send_until_stopped(url: String, stop: Duration) -> Vec<String> {
    let deadline = Instant::now() + stop;
    let tasks: Vec<_> = (0..8)
        .map(|client_no| {
            let url = format!(
                "{url}/x.php?{}",
                signed("m=im&f=sendNotification&code=myAppCode")
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut acknowledged = Vec::new();
                for i in 0.. {
                    if Instant::now() > deadline + Duration::from_secs(5) {
                        break;
                    }
                    let title = format!("c{client_no}-{i}");
                    let body = BODY.replace(r#""title":"t""#, &format!(r#""title":"{title}""#));
                    match client.post(&url).body(body).send().await {
                        Ok(response) => match response.text().await {
                            Ok(text) if text == r#"{"result":"success","message":""}"# => {
                                acknowledged.push(title)
                            }
                            Ok(text) => panic!("unexpected answer {text}"),
                            Err(_) => break,
                        },
                        Err(_) => break,
                    }
                }
                acknowledged
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all
}

async fn stored_titles(url: &str) -> (HashSet<String>, i64) {
    let client = reqwest::Client::new();
    let mut titles = HashSet::new();
    let mut after = 0;
    loop {
        let page: Value = client
            .get(format!(
                "{url}/__inspect/notifications?after={after}&limit=1000"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let items = page["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        after = items.last().unwrap()["seq"].as_i64().unwrap();
        titles.extend(
            items
                .iter()
                .map(|n| n["title"].as_str().unwrap().to_string()),
        );
    }
    let journal: Value = client
        .get(format!("{url}/__inspect/requests?limit=1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (titles, journal["total"].as_i64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_notification() {
    let dir = tempdir("kill9");
    let db = dir.join("state.db");
    let (mut child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let senders = tokio::spawn(send_until_stopped(url, Duration::from_millis(700)));
    tokio::time::sleep(Duration::from_millis(700)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let acknowledged = senders.await.unwrap();
    assert!(
        acknowledged.len() > 100,
        "the load ran ({} acknowledged)",
        acknowledged.len()
    );
    assert!(integrity_ok(&db));
    let (mut child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let (stored, journaled) = stored_titles(&url).await;
    let missing: Vec<_> = acknowledged
        .iter()
        .filter(|t| !stored.contains(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged notifications lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
    assert!(
        journaled as usize >= acknowledged.len(),
        "every acknowledged request is journaled"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_answers_what_it_accepted_and_leaves_a_consistent_database() {
    let dir = tempdir("sigterm");
    let db = dir.join("state.db");
    let (mut child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let senders = tokio::spawn(send_until_stopped(url, Duration::from_millis(700)));
    tokio::time::sleep(Duration::from_millis(700)).await;
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "a clean exit on SIGTERM, not {status}");
    let acknowledged = senders.await.unwrap();
    assert!(integrity_ok(&db));
    let (mut child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let (stored, _) = stored_titles(&url).await;
    assert!(
        acknowledged.iter().all(|t| stored.contains(t)),
        "every answered send is stored"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// Sends raw bytes on a new connection and reads what comes back (until close or 5 s).
async fn raw(app: &TestApp, request: &[u8]) -> Vec<u8> {
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    answer
}

fn status_of(answer: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(answer);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[tokio::test]
async fn hostile_bodies_get_the_real_servers_answer() {
    let app = spawn_app().await;
    let deep = "[".repeat(100_000);
    let huge_number = format!(
        r#"{{"users":[1{}],"title":"t","sender":"s"}}"#,
        "0".repeat(5000)
    );
    let ten_mb = vec![b'x'; 10 * 1024 * 1024];
    let invalid_utf8 = b"{\"users\":[1],\"title\":\"\xff\xfe\",\"sender\":\"s\"}".to_vec();
    let query = signed("m=im&f=sendNotification&code=myAppCode");
    for body in [
        deep.into_bytes(),
        huge_number.into_bytes(),
        ten_mb,
        invalid_utf8,
        vec![0u8; 1000],
    ] {
        let a = app
            .request("POST", &format!("/x.php?{query}"), &body, &[])
            .await;
        assert_eq!(a.status, 200);
        assert!(a.text().starts_with(r#"{"result":"#), "{}", a.text());
    }
    assert_eq!(
        app.inspect("requests").await["total"],
        5,
        "every request is journaled"
    );
}

#[tokio::test]
async fn truncated_and_broken_requests_do_not_hurt_the_server() {
    let app = spawn_app().await;
    let query = signed("m=im&f=sendNotification&code=myAppCode");
    // A body shorter than its Content-Length, then the connection closes.
    let truncated = format!(
        "POST /x.php?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"users\":[1]"
    );
    let _ = raw(&app, truncated.as_bytes()).await;
    // Bytes that are not HTTP at all.
    let answer = raw(&app, b"\x00\x01\x02 garbage\r\n\r\n").await;
    assert!(
        status_of(&answer) < 500,
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Percent-broken, duplicated and empty parameters.
    let a = app.get("m=im&m=im&f=getGroupChats&code=myAppCode&code=&token=%zz&token=0123456789abcdef0123456789abcdef&&=&%").await;
    assert_eq!(a.status, 200);
    // The server still answers.
    assert_eq!(
        app.get(&signed("m=im&f=getGroupChats&code=myAppCode"))
            .await
            .json()["result"],
        "success"
    );
}

#[tokio::test]
async fn slow_clients_cannot_exhaust_the_server() {
    let app = spawn_app().await;
    let address = app.url.trim_start_matches("http://").to_string();
    let mut idle = Vec::new();
    for _ in 0..200 {
        let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
        stream
            .write_all(b"GET /x.php?m=im HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        idle.push(stream);
    }
    let started = Instant::now();
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.json()["result"], "success");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "answered while 200 slow clients hang"
    );
    // A client that never finishes its headers is cut off (HTTP 408) after the request timeout.
    let mut slow = idle.pop().unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(15), slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the slow connection was closed");
    assert!(
        answer.is_empty() || status_of(&answer) == 408,
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_query_headers_and_body_get_200_and_a_journal_entry(
        query in proptest::collection::vec(prop_oneof![Just(b'&'), Just(b'='), Just(b'%'), Just(b'+'), Just(b'['), Just(b']'), 0x21u8..0x7f], 0..120),
        language in "[a-zA-Z,;=.0-9 -]{0,30}",
        forwarded in "[0-9a-f.:, ]{0,30}",
        body in proptest::collection::vec(any::<u8>(), 0..400),
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH"), Just("OPTIONS")],
        with_token in any::<bool>(),
    ) {
        let mut query: String = query.into_iter().map(char::from).filter(|c| *c != '#').collect();
        if with_token {
            query.push_str("&m=im&f=sendNotification&code=myAppCode&token=0123456789abcdef0123456789abcdef");
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = spawn_app().await;
            let request = format!(
                "{method} /x.php?{query} HTTP/1.1\r\nHost: x\r\nAccept-Language: {language}\r\nX-Forwarded-For: {forwarded}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let mut bytes = request.into_bytes();
            bytes.extend_from_slice(&body);
            let answer = raw(&app, &bytes).await;
            let status = status_of(&answer);
            if status == 200 {
                assert_eq!(app.inspect("requests").await["total"], 1, "journaled");
            } else {
                // Only HTTP-level refusals of the framework (a request line it cannot parse) may
                // differ, and never with a 5xx.
                assert!(status < 500 && status != 0, "status {status} for {}", String::from_utf8_lossy(&bytes));
            }
        });
    }
}

#[test]
fn a_raw_request_line_with_invalid_utf8_is_refused_at_the_http_level_not_with_5xx() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let app = spawn_app().await;
        let answer = raw(
            &app,
            b"GET /x.php?gid=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .await;
        let status = status_of(&answer);
        assert!(status == 200 || status == 400, "{status}");
    });
}

//! Nothing acknowledged is lost, under load, across `kill -9` and SIGTERM; hostile input never
//! crashes the server or earns a 5xx; slow clients cannot exhaust it.

use crate::helpers::{get_json, signed, spawn_app, spawn_app_with, start_binary, tempdir, TestApp};
use proptest::prelude::*;
use serde_json::Value;
use std::collections::HashSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
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
}

fn integrity_ok(db: &std::path::Path) -> bool {
    let conn = rusqlite::Connection::open(db).unwrap();
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    result == "ok"
}

/// The acknowledged sends a load must reach before its server is killed or stopped.
const BEFORE_THE_SIGNAL: usize = 200;

/// Eight clients sending notifications with distinct titles to one server until the signal
/// (SIGTERM or `kill -9`), each with at most one request in flight.
struct Load {
    clients: Vec<tokio::task::JoinHandle<Result<Sent, String>>>,
    acknowledged: tokio::sync::watch::Receiver<usize>,
    signalled: Arc<AtomicBool>,
}

/// What the load's clients sent, by title.
#[derive(Default)]
struct Sent {
    acknowledged: Vec<String>,
    /// Requests that met a closed connection after the signal (at most one per client).
    unanswered: Vec<String>,
}

impl Load {
    /// A transport error before the signal fails the load; after it, it ends the client, and the
    /// test decides what the request may have done.
    fn start(url: &str) -> Load {
        let (count, acknowledged) = tokio::sync::watch::channel(0usize);
        let count = Arc::new(count);
        let signalled = Arc::new(AtomicBool::new(false));
        let clients = (0..8)
            .map(|client_no| {
                let url = format!(
                    "{url}/x.php?{}",
                    signed("m=im&f=sendNotification&code=myAppCode")
                );
                let (count, signalled) = (count.clone(), signalled.clone());
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let mut sent = Sent::default();
                    for i in 0.. {
                        if signalled.load(Ordering::SeqCst) {
                            break;
                        }
                        let title = format!("c{client_no}-{i}");
                        let body = BODY.replace(r#""title":"t""#, &format!(r#""title":"{title}""#));
                        let answer = match client.post(&url).body(body).send().await {
                            Ok(response) => response.text().await,
                            Err(e) => Err(e),
                        };
                        match answer {
                            Ok(text) if text == r#"{"result":"success","message":""}"# => {
                                sent.acknowledged.push(title);
                                count.send_modify(|n| *n += 1);
                            }
                            Ok(text) => return Err(format!("{title}: unexpected answer {text}")),
                            Err(_) if signalled.load(Ordering::SeqCst) => {
                                sent.unanswered.push(title);
                                break;
                            }
                            Err(e) => {
                                return Err(format!("{title}: no answer before the signal: {e:?}"))
                            }
                        }
                    }
                    Ok(sent)
                })
            })
            .collect();
        Load {
            clients,
            acknowledged,
            signalled,
        }
    }

    /// Returns once `n` sends have been acknowledged.
    async fn until_acknowledged(&mut self, n: usize) {
        self.acknowledged
            .wait_for(|count| *count >= n)
            .await
            .expect("the clients are running");
    }

    /// Marks the moment just before the signal: the clients send nothing new after it.
    fn signal(&self) {
        self.signalled.store(true, Ordering::SeqCst);
    }

    /// What every client sent, once all have stopped.
    async fn sent(self) -> Sent {
        let mut all = Sent::default();
        for client in self.clients {
            let sent = client.await.unwrap().unwrap_or_else(|e| panic!("{e}"));
            all.acknowledged.extend(sent.acknowledged);
            all.unanswered.extend(sent.unanswered);
        }
        all
    }
}

async fn stored_titles(url: &str) -> (HashSet<String>, i64) {
    let mut titles = HashSet::new();
    let mut after = 0;
    loop {
        let page = get_json(format!(
            "{url}/__inspect/notifications?after={after}&limit=1000"
        ))
        .await;
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
    let journal = get_json(format!("{url}/__inspect/requests?limit=1")).await;
    (titles, journal["total"].as_i64().unwrap())
}

/// Waits for a child process without blocking the runtime's threads.
async fn exit_status(mut child: std::process::Child) -> std::process::ExitStatus {
    tokio::task::spawn_blocking(move || child.wait().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_acknowledged_notification() {
    let dir = tempdir("kill9");
    let db = dir.join("state.db");
    let (mut child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let mut load = Load::start(&url);
    load.until_acknowledged(BEFORE_THE_SIGNAL).await;
    load.signal();
    child.kill().unwrap(); // SIGKILL
    exit_status(child).await;
    let acknowledged = load.sent().await.acknowledged;
    assert!(acknowledged.len() >= BEFORE_THE_SIGNAL);
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_answers_what_it_accepted_and_leaves_a_consistent_database() {
    let dir = tempdir("sigterm");
    let db = dir.join("state.db");
    let (child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let mut load = Load::start(&url);
    load.until_acknowledged(BEFORE_THE_SIGNAL).await;
    load.signal();
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let sent = load.sent().await;
    assert!(sent.acknowledged.len() >= BEFORE_THE_SIGNAL);
    let status = exit_status(child).await;
    assert!(status.success(), "a clean exit on SIGTERM, not {status}");
    assert!(integrity_ok(&db));
    let (mut child, url) = start_binary(&["--db", db.to_str().unwrap()]);
    let (stored, journaled) = stored_titles(&url).await;
    // Every request the server took up was answered: what it stored and journaled is exactly what
    // it acknowledged. A request that reached a connection the server was already closing (at most
    // one per client, sent as the signal went out) was not taken up: nothing of it is stored.
    let acknowledged: HashSet<String> = sent.acknowledged.iter().cloned().collect();
    assert_eq!(
        stored,
        acknowledged,
        "stored but unanswered: {:?}; answered but not stored: {:?}",
        stored.difference(&acknowledged).collect::<Vec<_>>(),
        acknowledged.difference(&stored).collect::<Vec<_>>()
    );
    assert_eq!(journaled as usize, acknowledged.len());
    assert!(sent.unanswered.iter().all(|t| !stored.contains(t)));
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Sends raw bytes on a new connection and reads what comes back until the server closes it (the
/// requests say `Connection: close`, or are refused by the HTTP layer, which closes too).
pub async fn raw(app: &TestApp, request: &[u8]) -> Vec<u8> {
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    answer
}

/// The status code of a raw HTTP answer (0 when there is none).
pub fn status_of(answer: &[u8]) -> u16 {
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
    // A body shorter than its Content-Length, then the client closes its side.
    let truncated = format!(
        "POST /x.php?{query} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{{\"users\":[1]"
    );
    let address = app.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(truncated.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    assert!(
        answer.is_empty() || status_of(&answer) < 500,
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // Bytes that are not HTTP at all: the HTTP layer refuses them, before the journal.
    let answer = raw(&app, b"\x00\x01\x02 garbage\r\n\r\n").await;
    assert_eq!(
        status_of(&answer),
        400,
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
    // Answered while 200 clients hang in the middle of their request heads.
    let a = app
        .get(&signed("m=im&f=getGroupChats&code=myAppCode"))
        .await;
    assert_eq!(a.json()["result"], "success");
    // Each of them is cut off with HTTP 408 once its 5 s to send the head are over (they were
    // still open when the answer above came: the 408 is written to them now).
    for mut slow in idle {
        let mut answer = Vec::new();
        slow.read_to_end(&mut answer).await.unwrap();
        assert_eq!(
            status_of(&answer),
            408,
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    // On a new connection: the pooled one has been idle past the server's keep-alive time while the
    // 408s were read, and may be closing under a request sent on it.
    let journal: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/__inspect/requests", app.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        journal["total"], 1,
        "an unfinished request head is not a request"
    );
}

/// Whether the HTTP layer refuses a request target with this query (HTTP 400, before the
/// journal), as read in its parsers: `httparse` (the request target must be UTF-8) and the `http`
/// crate's `PathAndQuery` (before a `#`, the query takes `!`, `$` to `;`, `=` and `?` to `~`,
/// so not `"`, `<`, `>` nor any byte above 0x7F). A PHP web server passes all of them to PHP;
/// the README lists them among the deviations.
fn refused_by_the_http_layer(query: &[u8]) -> bool {
    if std::str::from_utf8(query).is_err() {
        return true;
    }
    let before_fragment = query.split(|b| *b == b'#').next().unwrap_or_default();
    before_fragment
        .iter()
        .any(|b| matches!(b, b'"' | b'<' | b'>') || *b > 0x7f)
}

/// A query of the bytes a PHP web server accepts in a request target: visible ASCII characters
/// (the delimiters often), and in half the cases one piece the HTTP layer refuses (`"`, `<`, `>`,
/// a UTF-8 character, a stray byte above 0x7F) somewhere in it, so both answers are reached.
fn query_bytes() -> impl Strategy<Value = Vec<u8>> {
    let accepted = prop_oneof![
        1 => prop_oneof![Just(b'&'), Just(b'='), Just(b'%'), Just(b'+'), Just(b'['), Just(b']')],
        2 => (0x21u8..0x7f).prop_filter("refused by the HTTP layer", |b| !b"\"<>".contains(b)),
    ];
    let refused = prop_oneof![
        prop_oneof![Just(b'"'), Just(b'<'), Just(b'>')].prop_map(|b| vec![b]),
        proptest::char::range('\u{80}', char::MAX).prop_map(|c| c.to_string().into_bytes()),
        (0x80u8..=0xff).prop_map(|b| vec![b]),
    ];
    (
        proptest::collection::vec(accepted, 0..80),
        proptest::option::of((any::<proptest::sample::Index>(), refused)),
    )
        .prop_map(|(mut query, refused)| {
            if let Some((at, piece)) = refused {
                let at = at.index(query.len() + 1);
                query.splice(at..at, piece);
            }
            query
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_query_headers_and_body_get_200_and_a_journal_entry(
        query in query_bytes(),
        language in "[a-zA-Z,;=.0-9 -]{0,30}",
        forwarded in "[0-9a-f.:, ]{0,30}",
        body in proptest::collection::vec(any::<u8>(), 0..400),
        method in prop_oneof![Just("GET"), Just("POST"), Just("PUT"), Just("DELETE"), Just("PATCH"), Just("OPTIONS")],
        with_token in any::<bool>(),
    ) {
        let mut query = query;
        if with_token {
            query.extend_from_slice(b"&m=im&f=sendNotification&code=myAppCode&token=0123456789abcdef0123456789abcdef");
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let app = spawn_app().await;
            let mut bytes = format!("{method} /x.php?").into_bytes();
            bytes.extend_from_slice(&query);
            bytes.extend_from_slice(format!(
                " HTTP/1.1\r\nHost: x\r\nAccept-Language: {language}\r\nX-Forwarded-For: {forwarded}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ).as_bytes());
            bytes.extend_from_slice(&body);
            let answer = raw(&app, &bytes).await;
            let journaled = app.inspect("requests").await["total"].clone();
            let request = String::from_utf8_lossy(&bytes[..bytes.len() - body.len()]).into_owned();
            if refused_by_the_http_layer(&query) {
                assert_eq!(status_of(&answer), 400, "{request}");
                assert_eq!(journaled, 0, "{request}");
            } else {
                assert_eq!(status_of(&answer), 200, "{request}");
                assert_eq!(journaled, 1, "{request}");
            }
        });
    }
}

#[tokio::test]
async fn the_bytes_the_http_layer_refuses_are_refused_raw_and_served_percent_encoded() {
    let app = spawn_app().await;
    let mut journaled = 0;
    for (raw_query, encoded) in [
        (&b"a=\"x\""[..], "a=%22x%22"),
        (b"a=<b>", "a=%3Cb%3E"),
        ("gid=中".as_bytes(), "gid=%E4%B8%AD"),
        (b"gid=\xff\xfe", "gid=%FF%FE"),
    ] {
        let suffix = "&m=im&f=getGroupChats&code=myAppCode";
        let mut request = b"GET /x.php?".to_vec();
        request.extend_from_slice(raw_query);
        request.extend_from_slice(suffix.as_bytes());
        request.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let answer = raw(&app, &request).await;
        assert_eq!(
            status_of(&answer),
            400,
            "{}",
            String::from_utf8_lossy(raw_query)
        );
        assert_eq!(app.inspect("requests").await["total"], journaled);

        let answer = app.get(&format!("{encoded}{suffix}")).await;
        assert_eq!(answer.status, 200, "{encoded}");
        journaled += 1;
        assert_eq!(app.inspect("requests").await["total"], journaled);
    }
}

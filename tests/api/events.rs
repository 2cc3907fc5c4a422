//! `/__inspect/events` under load: every event, in order, at a modest rate and from concurrent
//! clients; a stream that falls behind skips to the newest events and is told exactly what it
//! skipped and where to catch up, across a reset too.

use crate::helpers::{notification, spawn_app, spawn_app_with, tempdir, TestApp};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use xxb_mock::{Config, DbLocation};

/// An open event stream read over a bare TCP connection, so that the test decides how much the
/// connection buffers: a small receive buffer, which the server fills at once when nobody reads.
struct Stream {
    connection: TcpStream,
    /// Received bytes not yet decoded from the chunked transfer coding.
    raw: Vec<u8>,
    /// The decoded body not yet parsed into frames.
    body: String,
    /// Whether the response head was read: what follows is the chunked body.
    in_body: bool,
}

/// A frame of the stream: its `event` name and its `data` as JSON.
#[derive(Debug)]
struct Event {
    name: String,
    data: Value,
}

impl Stream {
    async fn open(app: &TestApp) -> Stream {
        let address = app.url.trim_start_matches("http://");
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut connection = socket.connect(address.parse().unwrap()).await.unwrap();
        connection
            .write_all(b"GET /__inspect/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        let mut stream = Stream {
            connection,
            raw: Vec::new(),
            body: String::new(),
            in_body: false,
        };
        // The head, then the opening comment: from then on the stream receives every event.
        while !stream.raw.windows(4).any(|w| w == b"\r\n\r\n") {
            stream.receive().await;
        }
        let end = stream
            .raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap()
            + 4;
        let head = String::from_utf8(stream.raw.drain(..end).collect()).unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{head}"
        );
        stream.in_body = true;
        stream.decode();
        while !stream.body.contains("\n\n") {
            stream.receive().await;
        }
        assert_eq!(stream.body, ": connected\n\n");
        stream.body.clear();
        stream
    }

    /// Reads what arrived, and decodes the complete chunks once in the body.
    async fn receive(&mut self) {
        let mut buffer = [0; 65536];
        let read = self.connection.read(&mut buffer).await.unwrap();
        assert!(read > 0, "the stream stays open");
        self.raw.extend_from_slice(&buffer[..read]);
        if self.in_body {
            self.decode();
        }
    }

    /// Moves the complete chunks of `raw` to `body`.
    fn decode(&mut self) {
        loop {
            let Some(line) = self.raw.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size = std::str::from_utf8(&self.raw[..line]).unwrap();
            let size = usize::from_str_radix(size, 16).unwrap();
            if self.raw.len() < line + 2 + size + 2 {
                return;
            }
            let chunk = &self.raw[line + 2..line + 2 + size];
            self.body.push_str(std::str::from_utf8(chunk).unwrap());
            self.raw.drain(..line + 2 + size + 2);
        }
    }

    /// The next event (comments skipped).
    async fn next(&mut self) -> Event {
        loop {
            if let Some(end) = self.body.find("\n\n") {
                let frame: String = self.body.drain(..end + 2).collect();
                if frame.starts_with(':') {
                    continue;
                }
                let (name, data) = frame
                    .trim_end()
                    .strip_prefix("event: ")
                    .and_then(|rest| rest.split_once("\ndata: "))
                    .unwrap_or_else(|| panic!("a frame of one event and one data line: {frame:?}"));
                return Event {
                    name: name.to_string(),
                    data: serde_json::from_str(data).unwrap(),
                };
            }
            self.receive().await;
        }
    }
}

#[tokio::test]
async fn at_a_modest_rate_every_event_arrives_in_order() {
    let app = spawn_app().await;
    let mut stream = Stream::open(&app).await;
    // 40 sends make 80 events of about 1 KB: however late the stream runs, no more than one
    // write's share of the budget (100 events and 320 KiB for a single stream) can be waiting, so
    // none may be skipped.
    for _ in 0..40 {
        app.send_notification(&notification(json!([3]))).await;
    }
    let journal = app.inspect("requests?limit=1000").await;
    let notifications = app.inspect("notifications?limit=1000").await;
    for (request, stored) in journal["items"]
        .as_array()
        .unwrap()
        .iter()
        .zip(notifications["items"].as_array().unwrap())
    {
        let event = stream.next().await;
        assert_eq!(event.name, "request");
        assert_eq!(&event.data, request);
        let event = stream.next().await;
        assert_eq!(event.name, "notification");
        assert_eq!(&event.data, stored);
    }
    assert_eq!(journal["total"], 40);
    assert_eq!(notifications["total"], 40);
}

#[tokio::test]
async fn concurrent_requests_are_announced_in_commit_order() {
    let app = spawn_app().await;
    let mut stream = Stream::open(&app).await;
    // 40 sends from 8 clients at once (80 events: within one write's share, so none is skipped).
    // Their answers reach the clients in any order; the stream's events come in the order of the
    // seqs they were given, each notification right after the journal entry of its request.
    let clients = (0..8).map(|_| async {
        for _ in 0..5 {
            let answer = app.send_notification(&notification(json!([3]))).await;
            assert_eq!(answer.status, 200);
        }
    });
    futures_util::future::join_all(clients).await;
    let mut announced = Vec::new();
    for _ in 0..80 {
        let event = stream.next().await;
        announced.push((event.name, event.data["seq"].as_i64().unwrap()));
    }
    let in_commit_order: Vec<(String, i64)> = (1..=40)
        .flat_map(|seq| {
            [
                ("request".to_string(), seq),
                ("notification".to_string(), seq),
            ]
        })
        .collect();
    assert_eq!(announced, in_commit_order);
}

#[tokio::test]
async fn a_stream_that_falls_behind_skips_to_the_newest_events_and_says_what_it_missed() {
    let app = spawn_app().await;
    let mut stream = Stream::open(&app).await;
    // The stream is not read while 400 sends (800 events of about 16 KB) are made: its connection
    // holds a fraction of them, so far more than one write's share wait when it is read again.
    let content = "长".repeat(5_000);
    const SENDS: i64 = 400;
    for _ in 0..SENDS {
        let mut body = notification(json!([3]));
        body["content"] = json!(content);
        assert_eq!(app.send_notification(&body).await.status, 200);
    }
    // Every send is one journal entry and one notification, whose seqs both run 1..=SENDS. Each
    // event is the next of its kind after those delivered or declared missed; a `lagged` frame names
    // as `resume_after` the last of each kind accounted for, and the counts add up to what was sent.
    let mut accounted = json!({"notification": 0, "request": 0});
    let mut lagged = Vec::new();
    while accounted["notification"] != SENDS || accounted["request"] != SENDS {
        let event = stream.next().await;
        match event.name.as_str() {
            "lagged" => {
                lagged.push(event.data.clone());
                for kind in ["notification", "request"] {
                    assert_eq!(
                        event.data["resume_after"][kind], accounted[kind],
                        "{event:?}"
                    );
                    let missed = event.data["missed"][kind].as_i64().unwrap();
                    accounted[kind] = json!(accounted[kind].as_i64().unwrap() + missed);
                }
            }
            kind @ ("notification" | "request") => {
                let seq = event.data["seq"].as_i64().unwrap();
                assert_eq!(seq, accounted[kind].as_i64().unwrap() + 1, "{kind} {seq}");
                accounted[kind] = json!(seq);
            }
            other => panic!("an unknown event {other}"),
        }
    }
    assert_eq!(accounted, json!({"notification": SENDS, "request": SENDS}));
    assert!(
        !lagged.is_empty(),
        "800 events cannot have fitted in the connection"
    );
    // What a client that wants them all fetches: the missed ones are listed after `resume_after`.
    for kind in ["notification", "request"] {
        let (after, missed) = (
            &lagged[0]["resume_after"][kind],
            lagged[0]["missed"][kind].as_i64().unwrap(),
        );
        let list = if kind == "request" {
            "requests"
        } else {
            "notifications"
        };
        let page = app
            .inspect(&format!("{list}?after={after}&limit={}", missed.max(1)))
            .await;
        let seqs: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["seq"].as_i64().unwrap())
            .collect();
        let after = after.as_i64().unwrap();
        let expected: Vec<i64> = (after + 1..=after + missed.max(1)).collect();
        assert_eq!(seqs, expected, "{kind}");
    }
}

/// A stream left unread while the server is reset (in the default store or a `--db` file) catches
/// up from the start: when it skips past the reset, `resume_after` is 0, and the lists after 0
/// hold exactly what was sent since.
async fn a_stream_lagging_across_a_reset_catches_up_from_the_start(app: TestApp) {
    let mut stream = Stream::open(&app).await;
    let content = "长".repeat(5_000);
    for _ in 0..300 {
        let mut body = notification(json!([3]));
        body["content"] = json!(content);
        assert_eq!(app.send_notification(&body).await.status, 200);
    }
    let reset = reqwest::Client::new()
        .post(format!("{}/__inspect/reset", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    for _ in 0..3 {
        let mut body = notification(json!([3]));
        body["title"] = json!("after the reset");
        assert_eq!(app.send_notification(&body).await.status, 200);
    }
    // Read until the third notification sent since the reset: the last `lagged` frame before the
    // first of them skipped across the reset.
    let (mut last_lag, mut since) = (None, Vec::new());
    while since.len() < 3 {
        let event = stream.next().await;
        match event.name.as_str() {
            "lagged" if since.is_empty() => last_lag = Some(event.data),
            "notification" if event.data["title"] == "after the reset" => {
                since.push(event.data["seq"].as_i64().unwrap())
            }
            _ => {}
        }
    }
    let lag = last_lag.expect("300 events of 16 KB cannot have fitted in the connection");
    assert_eq!(
        lag["resume_after"],
        json!({"notification": 0, "request": 0}),
        "{lag}"
    );
    assert_eq!(since, [1, 2, 3]);
    let caught_up = app.inspect("notifications?after=0&limit=100").await;
    assert_eq!(caught_up["total"], 3);
}

#[tokio::test]
async fn a_stream_lagging_across_a_reset_of_the_default_store_catches_up_from_the_start() {
    a_stream_lagging_across_a_reset_catches_up_from_the_start(spawn_app().await).await;
}

#[tokio::test]
async fn a_stream_lagging_across_a_reset_of_a_database_file_catches_up_from_the_start() {
    let dir = tempdir("events-reset");
    let app = spawn_app_with(Config {
        db: DbLocation::File(dir.join("state.db")),
        ..Config::default()
    })
    .await;
    a_stream_lagging_across_a_reset_catches_up_from_the_start(app).await;
}

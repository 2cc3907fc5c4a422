//! A client that stops sending its request body is answered 408 and its connection closed, once the
//! body has made no progress for `--body-timeout-ms`: stalled uploads cost nothing lasting.

use crate::helpers::{signed, spawn_app_with};
use std::io::{Read, Write};
use std::time::Duration;
use xxb_mock::Config;

/// Sends a request head announcing 100 bytes of body, then 10 bytes, then nothing; answers all the
/// server wrote before closing the connection.
fn stalled_upload(address: &str, path: &str, extra_headers: &str) -> String {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 100\r\n{extra_headers}\r\n{{\"users\":"
    )
    .unwrap();
    // Generous, against a 300 ms stall limit: only a server that never gives up times this out.
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

#[tokio::test]
async fn a_stalled_body_is_answered_408_and_the_connection_closed() {
    let app = spawn_app_with(Config {
        body_timeout: Duration::from_millis(300),
        ..Config::default()
    })
    .await;
    let address = app.url.trim_start_matches("http://").to_string();
    let path = format!(
        "/x.php?{}",
        signed("m=im&f=sendNotification&code=myAppCode")
    );
    let answer = {
        let address = address.clone();
        tokio::task::spawn_blocking(move || stalled_upload(&address, &path, ""))
            .await
            .unwrap()
    };
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    // Not journaled as a call: the request never arrived whole.
    assert_eq!(app.inspect("requests").await["total"], 0);

    let answer = tokio::task::spawn_blocking(move || {
        stalled_upload(
            &address,
            "/__inspect/users",
            "Content-Type: application/json\r\n",
        )
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer:?}");
    assert!(answer.contains("application/json"), "{answer:?}");
}

/// Started with a soft limit of 256 open descriptors (the default on some machines) and a hard one
/// of 4096, the server raises the soft limit to the hard one.
#[test]
fn the_soft_descriptor_limit_is_raised_to_the_hard_one() {
    let mut child = std::process::Command::new("prlimit")
        .args([
            "--nofile=256:4096",
            env!("CARGO_BIN_EXE_xxb-mock"),
            "serve",
            "--port",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("prlimit (util-linux) runs");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert!(line.starts_with("xxb-mock listening on"), "{line}");
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", child.id())).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let open_files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    let numbers: Vec<&str> = open_files.split_whitespace().skip(3).take(2).collect();
    assert_eq!(numbers, ["4096", "4096"], "{open_files}");
}

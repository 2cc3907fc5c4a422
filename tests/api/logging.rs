//! The request log on stderr: one line per request to the emulated API, as text or JSON, without
//! colour codes when stderr is not a terminal, and none with `--quiet`.

use crate::helpers::signed;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts the binary with stderr piped; answers the process and its URL.
fn start(args: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["serve", "--port", "0"])
        .args(args)
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .trim_start_matches("xxb-mock listening on ")
        .to_string();
    (child, url)
}

/// Sends a sendNotification without `sender` (rejected) and a getGroupChats (accepted), stops the
/// server, and answers what it wrote on stderr.
async fn log_of(args: &[&str]) -> String {
    let (child, url) = start(args);
    let client = reqwest::Client::new();
    client
        .post(format!(
            "{url}/x.php?{}",
            signed("m=im&f=sendNotification&code=myAppCode")
        ))
        .body(r#"{"users":[1],"title":"t"}"#)
        .send()
        .await
        .unwrap();
    client
        .get(format!(
            "{url}/x.php?{}",
            signed("m=im&f=getGroupChats&code=myAppCode")
        ))
        .send()
        .await
        .unwrap();
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8(output.stderr).unwrap()
}

#[tokio::test]
async fn each_request_is_one_line_saying_method_outcome_and_findings() {
    let log = log_of(&[]).await;
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("xxb_mock::request"))
        .collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("sendNotification rejected"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("findings=missing_sender"), "{}", lines[0]);
    assert!(lines[0].contains("app=myAppCode"), "{}", lines[0]);
    assert!(lines[1].contains("getGroupChats accepted"), "{}", lines[1]);
    // Written to a pipe: no colour codes.
    assert!(!log.contains('\u{1b}'), "{log:?}");
}

#[tokio::test]
async fn json_lines_and_quiet() {
    let log = log_of(&["--log-format", "json"]).await;
    let events: Vec<serde_json::Value> = log
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|e: &serde_json::Value| e["target"] == "xxb_mock::request")
        .collect();
    assert_eq!(events.len(), 2, "{log}");
    assert_eq!(events[0]["method"], "sendNotification");
    assert_eq!(events[0]["outcome"], "rejected");
    assert_eq!(events[0]["findings"], "missing_sender");
    assert_eq!(events[0]["status"], 200);
    let quiet = log_of(&["--quiet"]).await;
    assert!(!quiet.contains("xxb_mock::request"), "{quiet}");
}

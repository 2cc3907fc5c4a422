//! `xxb-mock parity` against separately started servers: a faithful xxb-mock agrees on every
//! probe; one that answers a probe differently is reported; the battery stores nothing unless
//! writes are allowed; usage and connection errors exit 2.

use crate::helpers::{start_binary, temp_file, KEY};
use serde_json::{json, Value};
use std::process::{Child, Command, Output};

struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn parity(url: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args([
            "parity",
            "--target",
            url,
            "--code",
            "myAppCode",
            "--key",
            KEY,
        ])
        .args(extra)
        .output()
        .unwrap()
}

fn report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

async fn inspect(url: &str, path: &str) -> Value {
    reqwest::get(format!("{url}/__inspect/{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_faithful_xxb_mock_agrees_on_every_probe_and_nothing_is_stored() {
    let (child, url) = start_binary(&["--validation", "faithful"]);
    let _stop = Stop(child);
    let output = parity(&url, &[]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("target: xxb-mock 0.1.0 (it answers /__inspect); ZenTao-embedded XXB (entry errors in raw UTF-8); default language zh-cn"),
        "{text}"
    );
    assert!(text.contains(" 0 differ, 0 skipped"), "{text}");
    // Every row of the table has its verdict.
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.ends_with(" agree") || l.ends_with(" DIFFER") || l.ends_with(" skipped"))
        .collect();
    assert!(rows.len() >= 80, "{text}");
    assert!(rows.iter().any(|r| r.starts_with("entry.unknown_app[fr]")));

    // Non-destructive: the target stored no message, and every request it journaled was
    // rejected or a lookup.
    assert_eq!(inspect(&url, "notifications").await["total"], 0);
    let journal = inspect(&url, "requests?limit=1000").await;
    assert!(journal["total"].as_u64().unwrap() >= 80);
    for entry in journal["items"].as_array().unwrap() {
        let method = entry["method"].as_str().unwrap_or_default();
        assert!(
            entry["outcome"] == "rejected" || !method.starts_with("send"),
            "{entry}"
        );
    }

    let json = report(&parity(&url, &["--format", "json"]));
    assert_eq!(json["agrees"], true);
    assert_eq!(json["differ"], 0);
    let probes = json["report"]["probes"].as_array().unwrap();
    assert!(probes.iter().all(|p| p["verdict"] == "agree"));
    let unknown = probes
        .iter()
        .find(|p| p["name"] == "entry.unknown_app[en]")
        .unwrap();
    assert_eq!(
        unknown["target"]["body"],
        r#"{"errcode":404,"errmsg":"Application does not exist."}"#
    );
    assert_eq!(unknown["target"], unknown["mock"]);
    // The session cookie is normalised; the other cookies are compared as sent.
    let cookies: Vec<&str> = unknown["target"]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "set-cookie")
        .map(|h| h[1].as_str().unwrap())
        .collect();
    assert_eq!(cookies[0], "zentaosid=<session>; path=/; HttpOnly");
    assert!(cookies[1].starts_with("lang=en; expires=<date>; Max-Age="));
    assert!(json["report"]["normalised"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("session cookie")));
}

#[test]
fn the_mock_takes_the_targets_default_language() {
    let (child, url) = start_binary(&["--validation", "faithful", "--lang", "en"]);
    let _stop = Stop(child);
    let output = parity(&url, &["--format", "json"]);
    let json = report(&output);
    assert_eq!(output.status.code(), Some(0), "{json}");
    assert_eq!(json["report"]["flavour"]["default_lang"], "en");
    assert!(json["report"]["mock"]
        .as_str()
        .unwrap()
        .contains("default language en"));
    let default = json["report"]["probes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "send.empty[default]")
        .unwrap()
        .clone();
    assert_eq!(
        default["target"]["body"],
        r#"{"result":"fail","message":"Should set user list."}"#
    );
}

#[tokio::test]
async fn a_target_that_answers_a_probe_differently_is_reported() {
    let (child, url) = start_binary(&["--validation", "faithful"]);
    let _stop = Stop(child);
    // The target answers the next sendChatMessage with something else.
    let armed = reqwest::Client::new()
        .post(format!("{url}/__inspect/faults"))
        .header("Content-Type", "application/json")
        .body(
            json!({"method": "sendChatMessage", "times": 1,
                   "respond": {"body": {"result": "fail", "message": "injected"}}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 201);
    let junit = temp_file("parity-junit", "parity.xml");
    let output = parity(
        &url,
        &["--format", "json", "--junit", junit.to_str().unwrap()],
    );
    let json = report(&output);
    assert_eq!(output.status.code(), Some(1), "{json}");
    assert_eq!(
        (json["agrees"].clone(), json["differ"].clone()),
        (json!(false), json!(1))
    );
    let differing: Vec<&Value> = json["report"]["probes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["verdict"] == "differ")
        .collect();
    assert!(differing[0]["name"].as_str().unwrap().starts_with("chat."));
    assert_eq!(differing[0]["differences"][0]["aspect"], "body");
    assert_eq!(
        differing[0]["differences"][0]["target"],
        r#"{"result":"fail","message":"injected"}"#
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(
        xml.matches("<failure message=\"body differs\">").count(),
        1,
        "{xml}"
    );
    assert!(xml.contains("classname=\"parity.chat\""));

    // The text report lists the difference under the table.
    let (child, url) = start_binary(&["--validation", "faithful"]);
    let _second = Stop(child);
    reqwest::Client::new()
        .post(format!("{url}/__inspect/faults"))
        .header("Content-Type", "application/json")
        .body(
            json!({"method": "sendNotification", "times": 1, "respond": {"status": 503}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    let output = parity(&url, &[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("differences:\n  send."), "{text}");
    assert!(
        text.contains("    status:\n      target: 503\n      mock:   200"),
        "{text}"
    );
    assert!(text.contains(" 1 differ, 0 skipped"), "{text}");
}

#[tokio::test]
async fn writes_are_sent_and_compared_only_when_allowed() {
    let (child, url) = start_binary(&["--validation", "faithful"]);
    let _stop = Stop(child);
    let output = parity(&url, &["--allow-writes", "--user", "3", "--format", "json"]);
    let json = report(&output);
    assert_eq!(output.status.code(), Some(0), "{json}");
    let writes: Vec<&Value> = json["report"]["probes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str().unwrap().starts_with("write."))
        .collect();
    assert_eq!(writes.len(), 2);
    for write in writes {
        assert_eq!(write["verdict"], "agree");
        assert_eq!(
            write["target"]["body"],
            r#"{"result":"success","message":""}"#
        );
    }
    let stored = inspect(&url, "notifications").await;
    assert_eq!(stored["total"], 2);
    let kind = |kind: &str| {
        stored["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == kind)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        kind("notification")["recipients"],
        json!([{"id": 3, "account": "zhangsan", "realname": "张三"}])
    );
    // The chat message went to the first listed group user 3 is in.
    assert_eq!(kind("chat")["cgid"], "30683aea-7a1f-4ec8-a6d6-834e0310fd7d");

    // --user without --allow-writes is a usage error.
    let output = parity(&url, &["--user", "3"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn connection_and_application_problems_exit_2_with_one_line() {
    let output = parity("http://127.0.0.1:1", &[]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("cannot connect to http://127.0.0.1:1"),
        "{err}"
    );

    let (child, url) = start_binary(&[]);
    let _stop = Stop(child);
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["parity", "--target", &url, "--code", "myAppCode"])
        .args(["--key", "00000000000000000000000000000000"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{err}");
    assert!(
        err.contains(r#"the target refused getGroupChats: {"errcode":401,"errmsg":"无效的token参数"} (check --code and --key"#),
        "{err}"
    );
}

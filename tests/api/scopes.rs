//! Scenarios that hold on both kinds of target: `expect` for any faithful server, `expect_mock`
//! and `mock_only` for what only xxb-mock answers, captures instead of fixture literals, and a
//! running xxb-mock left as each scenario found it.

use crate::helpers::{start_binary, tempdir};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command};
use xxb_mock::scenario::{self, ScenarioResult, Status};

struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn counts(results: &[ScenarioResult]) -> Vec<(String, usize, usize, usize)> {
    results
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                r.count(Status::Passed),
                r.count(Status::Failed),
                r.count(Status::Skipped),
            )
        })
        .collect()
}

async fn get(url: &str, path: &str) -> Value {
    reqwest::get(format!("{url}/__inspect/{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_shipped_scenarios_pass_against_one_running_mock_as_they_do_in_process() {
    let scenarios = scenario::load(&[PathBuf::from("scenarios")]).unwrap();
    let in_process = scenario::run_all(&scenarios, None).await;
    assert!(in_process.iter().all(ScenarioResult::passed));
    assert!(in_process.iter().all(|r| r.count(Status::Skipped) == 0));

    // One server, started as `serve` starts by default (strict), for every scenario, twice.
    let (child, url) = start_binary(&[]);
    let _stop = Stop(child);
    let before = get(&url, "state").await;
    for round in 0..2 {
        let against = scenario::run_all(&scenarios, Some(&url)).await;
        for result in &against {
            assert!(
                result.passed(),
                "round {round}: {}",
                scenario::report::text::render(std::slice::from_ref(result), false)
            );
        }
        assert_eq!(counts(&against), counts(&in_process), "round {round}");
        // What the scenarios added (users, a group's dismissal, faults) is gone again.
        assert_eq!(get(&url, "state").await, before, "round {round}");
        assert_eq!(get(&url, "faults").await, serde_json::json!([]));
    }
}

fn replay(args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .arg("replay")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&output.stderr));
    });
    (output.status.code().unwrap_or(-1), report)
}

fn steps(report: &Value) -> Vec<Value> {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["steps"].as_array().unwrap().clone())
        .collect()
}

/// A real server has other data and no /__inspect: a faithful xxb-mock with another
/// organisation, behind an admin token, stands in for one.
#[tokio::test]
async fn against_a_server_without_inspect_nothing_fails_and_every_skip_says_why() {
    let (child, url) = start_binary(&[
        "--validation",
        "faithful",
        "--admin-token",
        "hidden",
        "--fixtures",
        "tests/data/other-org",
    ]);
    let _stop = Stop(child);
    // The scenarios of /x.php: xxd-guide.yaml calls the chat daemon's direct API with the guide's
    // tokens, for a daemon that has the guide's application.
    let mut files: Vec<String> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|entry| entry.unwrap().path().display().to_string())
        .filter(|path| !path.ends_with("xxd-guide.yaml"))
        .collect();
    files.sort();
    let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
    args.extend([
        "--target",
        &url,
        "--code",
        "platformBot",
        "--key",
        "5f0e7c1d2b3a49586a7b8c9d0e1f2a3b",
    ]);
    let (code, report) = replay(&args);
    assert_eq!(code, 0, "{report:#}");
    let ran = steps(&report);
    assert!(ran.iter().all(|s| s["status"] != "failed"));
    let passed = ran.iter().filter(|s| s["status"] == "passed").count();
    assert!(passed >= 15, "{report:#}");
    for skipped in ran.iter().filter(|s| s["status"] == "skipped") {
        let why = skipped["message"].as_str().unwrap();
        assert!(
            why.starts_with("mock only: ")
                || why == "the target has no /__inspect (not an xxb-mock)",
            "{skipped}"
        );
    }
    // The calls used the server's own first group, captured from its answer.
    let stored: Value = reqwest::Client::new()
        .get(format!(
            "{url}/__inspect/notifications?kind=chat&limit=1000"
        ))
        .bearer_auth("hidden")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let chats = stored["items"].as_array().unwrap();
    assert!(!chats.is_empty());
    assert!(chats
        .iter()
        .all(|n| n["cgid"] == "b7e0a3c2-1f44-4c1e-9d2a-0f6b5e8c7d31"));
}

const SCOPES: &str = r#"
name: scopes
validation: strict
steps:
  - call: getGroupChats
    capture: {gid: "$.data[0]~", name: "$.data[0]"}
    expect: {body: {result: success}}
  - call: getChatUsers
    query: {gid: "${gid}"}
    expect: {body: {result: success, data: {"1": 管理员}}}
  - name: mock only
    call: sendNotification
    mock_only: needs the mock's user 1
    capture: {result: "$.result"}
    body: {users: [1], title: "to ${name}", contentType: text, sender: {id: ci, avatar: "https://x/a.png"}}
    expect: {body: {result: success}}
  - name: uses a capture of a mock-only step
    call: sendNotification
    body: {users: [nobody], title: "${result}", contentType: text, sender: {id: ci, avatar: "https://x/a.png"}}
    expect: {body: {result: success}}
    expect_mock: {body: {result: fail}}
  - inspect: notifications
    where: {title: "to ${name}"}
    expect: {count: 1, items: [{title: "to ${name}"}]}
"#;

#[tokio::test]
async fn captures_expect_mock_and_mock_only_by_target() {
    let dir = tempdir("scopes");
    let file = dir.join("scopes.yaml");
    std::fs::write(&file, SCOPES).unwrap();
    let file = file.to_str().unwrap();

    // In-process, and against a faithful xxb-mock (the scenario asks for strict on each call):
    // every step runs, `expect_mock` is checked.
    let (code, report) = replay(&[file]);
    assert_eq!(code, 0, "{report:#}");
    let (child, faithful) = start_binary(&["--validation", "faithful"]);
    let _faithful = Stop(child);
    let (code, report) = replay(&[file, "--target", &faithful]);
    assert_eq!(code, 0, "{report:#}");
    assert!(steps(&report).iter().all(|s| s["status"] == "passed"));

    // Against a server without /__inspect: `expect` is checked, the mock-only step is skipped
    // with its reason, and so is the step that needs what it would have captured.
    let (child, hidden) = start_binary(&["--validation", "faithful", "--admin-token", "t"]);
    let _hidden = Stop(child);
    let (code, report) = replay(&[file, "--target", &hidden]);
    assert_eq!(code, 0, "{report:#}");
    let ran = steps(&report);
    let status: Vec<&str> = ran.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(
        status,
        ["passed", "passed", "skipped", "skipped", "skipped"]
    );
    assert_eq!(ran[2]["message"], "mock only: needs the mock's user 1");
    assert_eq!(
        ran[3]["message"],
        "not run: `${result}` was not captured: step 3 was skipped"
    );

    // A failed expectation shows the captured value in place of the reference.
    std::fs::write(
        dir.join("wrong.yaml"),
        SCOPES.replace(r#"data: {"1": 管理员}"#, r#"data: {"1": "${name}"}"#),
    )
    .unwrap();
    let (code, report) = replay(&[dir.join("wrong.yaml").to_str().unwrap()]);
    assert_eq!(code, 1);
    let failed = &steps(&report)[1];
    assert_eq!(failed["mismatches"][0]["path"], "$.data.1");
    assert_eq!(failed["mismatches"][0]["expected"], "第四期项目讨论");
}

#[tokio::test]
async fn fixtures_that_replace_the_organisation_are_refused_on_a_running_mock() {
    let dir = tempdir("replace");
    let file = dir.join("replace.yaml");
    std::fs::write(
        &file,
        "fixtures:\n  replace: true\n  users: [{id: 1, account: a}]\n  apps: [{code: myAppCode, key: 3cd0914d656e90ab181f1d52ff352cfe}]\nsteps:\n  - call: getGroupChats\n",
    )
    .unwrap();
    let (child, url) = start_binary(&[]);
    let _stop = Stop(child);
    let (code, report) = replay(&[file.to_str().unwrap(), "--target", &url]);
    assert_eq!(code, 1);
    assert!(report["scenarios"][0]["error"]
        .as_str()
        .unwrap()
        .contains("`fixtures: replace: true` cannot be applied to a running server"));
    let (code, _) = replay(&[file.to_str().unwrap()]);
    assert_eq!(code, 0);
}

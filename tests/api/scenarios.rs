//! Scenario scripts: the shipped examples pass, every reporter's output is pinned by a golden file,
//! `replay --target` drives a separately started server, and `serve --scenario` follows a client.

use crate::helpers::{get_json, signed, start_binary};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use xxb_mock::scenario::{self, report, report::Format, ScenarioResult, Status};

async fn replay(paths: &[&str]) -> Vec<ScenarioResult> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let scenarios = scenario::load(&paths).expect("the scenarios parse");
    scenario::run_all(&scenarios, None).await
}

#[tokio::test]
async fn every_shipped_scenario_passes() {
    let results = replay(&["scenarios"]).await;
    assert!(results.len() >= 5);
    for result in &results {
        let report = report::text::render(std::slice::from_ref(result), false);
        assert!(result.passed(), "{report}");
        // In process, every step runs: a skipped inspect, wait, fault or state step is a failure.
        assert_eq!(result.count(Status::Skipped), 0, "{report}");
        assert_eq!(result.count(Status::Passed), result.steps.len(), "{report}");
    }
}

/// Durations, times and client details vary from run to run: zeroed before rendering.
fn normalized(mut results: Vec<ScenarioResult>) -> Vec<ScenarioResult> {
    for result in &mut results {
        result.duration_ms = 0.0;
        for step in &mut result.steps {
            step.duration_ms = 0.0;
            if let Some(Value::Object(entry)) = &mut step.journal {
                for volatile in ["received_at", "duration_us", "query"] {
                    entry.insert(volatile.into(), json!("…"));
                }
            }
        }
    }
    results
}

fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(actual, expected, "{name} differs from its golden file");
}

#[tokio::test]
async fn reporters_match_their_golden_files() {
    let passing = normalized(replay(&["scenarios/old-api-body.yaml"]).await);
    let failing = normalized(replay(&["tests/data/failing.yaml"]).await);
    assert!(passing[0].passed() && !failing[0].passed());
    for (format, extension) in [
        (Format::Text, "txt"),
        (Format::Json, "json"),
        (Format::Junit, "xml"),
        (Format::Tap, "tap"),
    ] {
        golden(
            &format!("passing.{extension}"),
            &report::render(format, &passing, false),
        );
        golden(
            &format!("failing.{extension}"),
            &report::render(format, &failing, false),
        );
    }
}

fn replay_binary(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .arg("replay")
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn replay_exit_codes_and_junit_file() {
    let junit = crate::helpers::temp_file("junit", "report.xml");
    let (code, out) = replay_binary(&[
        "scenarios/old-api-body.yaml",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<testsuite name=\"The old api.php body gets the user-list error\""));
    let (code, out) = replay_binary(&["tests/data/failing.yaml", "--format", "tap"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("TAP version 13"));
    let bad = crate::helpers::temp_file("bad", "scenario.yaml");
    std::fs::write(
        &bad,
        "name: x\nsteps:\n  - call: getGroupChats\n    expct: {status: 200}\n",
    )
    .unwrap();
    let (code, out) = replay_binary(&[bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        out.contains(":4:5") && out.contains("did you mean `expect`?"),
        "{out}"
    );
    let (code, _) = replay_binary(&["no/such/file.yaml"]);
    assert_eq!(code, 2);
}

/// Fault and state steps are typed when the file is parsed: an error in one fails the replay
/// before anything runs, pointing at the value, as every other step's errors do.
#[test]
fn fault_and_state_step_errors_are_parse_errors_with_a_position() {
    let dir = crate::helpers::tempdir("typed-steps");
    let cases = [
        (
            "name: x\nsteps:\n  - fault:\n      method: sendNotifcation\n      respond: {status: 502}\n",
            ":4:15",
            "did you mean \"sendNotification\"?",
        ),
        (
            "name: x\nsteps:\n  - fault:\n      respond: {status: 502}\n      times: 0\n",
            ":5:14",
            "`times` must be at least 1",
        ),
        (
            "name: x\nsteps:\n  - fault:\n      respnd: {status: 502}\n",
            ":4:7",
            "did you mean `respond`?",
        ),
        (
            "name: x\nsteps:\n  - state:\n      users:\n        - {id: 7, account: \"\"}\n",
            ":5:28",
            "state `users: account`: must not be empty",
        ),
        (
            "name: x\nsteps:\n  - state:\n      groups:\n        - {gid: g, add: [1, true]}\n",
            ":5:29",
            "state `groups: add[1]`",
        ),
    ];
    for (i, (text, position, message)) in cases.iter().enumerate() {
        let file = dir.join(format!("case{i}.yaml"));
        std::fs::write(&file, text).unwrap();
        let (code, out) = replay_binary(&[file.to_str().unwrap()]);
        assert_eq!(code, 2, "case {i}: {out}");
        assert!(
            out.contains(&format!("case{i}.yaml{position}")) && out.contains(message),
            "case {i}: expected {position} and {message:?} in:\n{out}"
        );
    }
}

#[test]
fn replay_against_a_separately_started_server() {
    let (mut child, url) = start_binary(&[]);
    let (code, out) = replay_binary(&["scenarios/ci-release.yaml", "--target", &url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 failed, 0 skipped"), "{out}");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn against_a_server_without_inspection_those_steps_are_skipped() {
    // A real XXB server has no /__inspect; a mock behind an admin token looks the same from outside.
    let (mut child, url) = start_binary(&["--admin-token", "hidden"]);
    let (code, out) = replay_binary(&["scenarios/old-api-body.yaml", "--target", &url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 passed, 0 failed, 2 skipped"), "{out}");
    // Each skipped step says why.
    assert_eq!(
        out.matches("the target has no /__inspect (not an xxb-mock)")
            .count(),
        2,
        "{out}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn an_unreachable_target_is_an_error_not_a_run_of_skipped_steps() {
    // A port nothing listens on: taken from a listener that is closed at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("http://127.0.0.1:{port}");
    let (code, out) = replay_binary(&["scenarios/old-api-body.yaml", "--target", &target]);
    // A usage or connection error: exit 2, one line, nothing reported as skipped or passed.
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        out.trim(),
        format!("xxb-mock replay: cannot connect to {target}: Connection refused (os error 111)")
    );
}

#[tokio::test]
async fn serve_scenario_follows_the_application_under_test() {
    let file = crate::helpers::temp_file("expect", "scenario.yaml");
    std::fs::write(
        &file,
        r#"
name: The application announces a build
fixtures:
  users: [{id: 9, account: ci-bot}]
steps:
  - call: getGroupChats
  - fault: {method: sendNotification, respond: {status: 503}}
  - name: the announcement
    call: sendNotification
    body: {users: [ci-bot], title: 构建成功}
  - state: {groups: [{gid: 64da14c3-c07a-45af-9c61-4e638de4af26, dismissed: true}]}
  - call: getChatUsers
    query: {gid: 30683aea-7a1f-4ec8-a6d6-834e0310fd7d}
"#,
    )
    .unwrap();
    let (mut child, url) = start_binary(&["--scenario", file.to_str().unwrap()]);
    let client = reqwest::Client::new();
    let progress = || async {
        client
            .get(format!("{url}/__inspect/scenario"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let x = |query: &str| format!("{url}/x.php?{}", signed(query));

    // Unexpected: the scenario starts with getGroupChats.
    client
        .get(x("m=im&f=getChatUsers&code=myAppCode"))
        .send()
        .await
        .unwrap();
    assert_eq!(progress().await["unexpected"], json!([1]));
    // Passed.
    let groups = get_json(x("m=im&f=getGroupChats&code=myAppCode")).await;
    assert_eq!(groups["data"].as_object().unwrap().len(), 3);
    // The fault step was reached: the next send gets the armed 503, and its body does not match.
    let body = json!({"users": ["someone-else"], "title": "构建成功", "contentType": "text", "sender": {"id": 1, "avatar": "a", "name": "n"}});
    let sent = client
        .post(x("m=im&f=sendNotification&code=myAppCode"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 503);
    let report = progress().await;
    assert_eq!(report["steps"][0]["status"], "passed");
    assert_eq!(report["steps"][1]["status"], "passed");
    assert_eq!(report["steps"][2]["status"], "failed");
    assert_eq!(report["steps"][2]["diff"][0]["path"], "body.users[0]");
    // The state step was applied: 公司总群 is dismissed.
    assert_eq!(report["steps"][3]["status"], "passed");
    let groups = get_json(x("m=im&f=getGroupChats&code=myAppCode")).await;
    assert_eq!(groups["data"].as_object().unwrap().len(), 2);
    // That getGroupChats was not expected; the last call is.
    client
        .get(x(
            "m=im&f=getChatUsers&gid=30683aea-7a1f-4ec8-a6d6-834e0310fd7d&code=myAppCode",
        ))
        .send()
        .await
        .unwrap();
    let report = progress().await;
    assert_eq!(report["done"], true);
    assert_eq!(report["steps"][4]["status"], "passed");
    assert_eq!(report["unexpected"].as_array().unwrap().len(), 2);
    assert_eq!(report["name"], "The application announces a build");
    child.kill().unwrap();
    child.wait().unwrap();
}

//! `/x.php` and the direct API (`/im/...`) on one server, from one state: notifications of both
//! listed, filtered by API, waited for, streamed and shown on the page alike; `--xxd-port`; the
//! command line's and the library's signing; scenarios that call the direct API, replayed in
//! process, against a target, and followed by `serve --scenario`.

use crate::helpers::{self, get_json, spawn_app, start_binary, TestApp, GROUP, KEY};
use crate::xxd::{add_guide_app, xxd_token, GUIDE_KEY};
use serde_json::{json, Value};
use std::process::Command;
use std::time::Duration;

/// A notification to user 3 through each API: `/x.php` first, then `/im/sendNotification`.
async fn one_through_each(app: &TestApp) {
    let answer = app
        .send_notification(&json!({
            "users": [3], "title": "经由 x.php", "contentType": "text", "content": "**a**",
            "sender": {"id": "ci", "name": "CI", "avatar": "https://ci.example.com/logo.png"}
        }))
        .await;
    assert_eq!(answer.json()["result"], "success");
    let token = xxd_token("im/sendNotification?code=myAppCode", KEY);
    let body = json!({
        "users": [3, 4], "title": "经由 xxd", "contentType": "text", "content": "**b**",
        "sender": {"id": "cd", "displayName": "CD", "avatar": "https://cd.example.com/logo.png"}
    });
    let answer = app
        .request(
            "POST",
            &format!("/im/sendNotification?code=myAppCode&token={token}"),
            body.to_string().as_bytes(),
            &[],
        )
        .await;
    assert_eq!(answer.text(), "{\"result\":\"success\",\"message\":\"\"}\n");
}

fn titles_and_apis(page: &Value) -> Vec<(String, String)> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["title"].as_str().unwrap().to_string(),
                n["api"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(title: &str, api: &str) -> (String, String) {
    (title.to_string(), api.to_string())
}

#[tokio::test]
async fn a_notification_through_each_api_shows_in_the_list_the_page_and_the_wait() {
    let app = spawn_app().await;
    one_through_each(&app).await;
    let both = vec![pair("经由 x.php", "x.php"), pair("经由 xxd", "xxd")];

    let listed = app.inspect("notifications?user=3").await;
    assert_eq!(listed["total"], 2);
    assert_eq!(titles_and_apis(&listed), both);
    assert_eq!(
        titles_and_apis(&app.inspect("notifications?user=zhangsan&api=xxd").await),
        [pair("经由 xxd", "xxd")]
    );
    assert_eq!(
        titles_and_apis(&app.inspect("notifications?user=3&api=x.php").await),
        [pair("经由 x.php", "x.php")]
    );
    assert_eq!(app.inspect("notifications?user=4").await["total"], 1);

    // What /__ui reads: the same notifications, rendered.
    let page = app
        .request(
            "GET",
            "/__ui/api/notifications?user=3&gid=notification",
            b"",
            &[],
        )
        .await;
    let page = page.json();
    assert_eq!(titles_and_apis(&page), both);
    assert_eq!(
        page["items"][0]["content_html"],
        "<p><strong>a</strong></p>\n"
    );
    assert_eq!(
        page["items"][1]["content_html"],
        "<p><strong>b</strong></p>\n"
    );
    assert_eq!(page["items"][1]["sender"]["displayName"], "CD");

    let waited = app.inspect("wait?user=3&count=2&timeout_ms=5000").await;
    assert_eq!(titles_and_apis(&waited), both);
    let waited = app
        .request(
            "GET",
            "/__inspect/wait?user=3&api=xxd&count=2&timeout_ms=100",
            b"",
            &[],
        )
        .await;
    assert_eq!(waited.status, 408);
    assert_eq!(waited.json()["total"], 1);
    assert_eq!(
        waited.json()["explanation"]["filter"],
        json!({"user": "3", "api": "xxd"})
    );

    // The journal: each entry says its API.
    assert_eq!(app.inspect("requests?api=xxd").await["total"], 1);
    assert_eq!(app.inspect("requests?api=x.php").await["total"], 1);
    let refused = app
        .request("GET", "/__inspect/requests?api=im", b"", &[])
        .await;
    assert_eq!(refused.status, 400);
    assert_eq!(refused.json()["field"], "api");

    // A delete by API deletes only what came through it.
    let deleted = app
        .request("DELETE", "/__inspect/notifications?api=xxd", b"", &[])
        .await;
    assert_eq!(deleted.json(), json!({"deleted": 1}));
    assert_eq!(
        titles_and_apis(&app.inspect("notifications").await),
        [pair("经由 x.php", "x.php")]
    );
}

#[tokio::test]
async fn a_wait_for_the_direct_api_is_woken_by_its_send() {
    let app = spawn_app().await;
    let url = format!(
        "{}/__inspect/wait?user=3&api=xxd&count=1&timeout_ms=10000",
        app.url
    );
    let waiting = tokio::spawn(async move {
        reqwest::get(url)
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    });
    // The wait is registered before anything is sent.
    while app.inspect("waits").await["pending"] != 1 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    one_through_each(&app).await;
    let woken = waiting.await.unwrap();
    assert_eq!(titles_and_apis(&woken), [pair("经由 xxd", "xxd")]);
}

#[tokio::test]
async fn the_event_stream_says_which_api() {
    let app = spawn_app().await;
    let mut stream = reqwest::get(format!("{}/__inspect/events", app.url))
        .await
        .unwrap();
    let _opening = stream.chunk().await.unwrap().unwrap();
    one_through_each(&app).await;
    let mut text = String::new();
    while text.matches("event: notification").count() < 2 {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("an event in time")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
    }
    let apis: Vec<Value> = text
        .split("\n\n")
        .filter_map(|event| event.strip_prefix("event: notification\ndata: "))
        .map(|data| serde_json::from_str::<Value>(data).unwrap()["api"].clone())
        .collect();
    assert_eq!(apis, [json!("x.php"), json!("xxd")]);
}

#[test]
fn a_second_port_serves_the_same_server() {
    let (mut child, url) = {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
            .args(["serve", "--port", "0", "--xxd-port", "0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines =
            std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
        let first = lines.next().unwrap().unwrap();
        let second = lines.next().unwrap().unwrap();
        assert!(
            first.starts_with("xxb-mock listening on http://127.0.0.1:"),
            "{first}"
        );
        let xxd = second
            .strip_prefix("xxb-mock also listening on ")
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("{second}"))
            .to_string();
        let main = first
            .trim_start_matches("xxb-mock listening on ")
            .to_string();
        assert_ne!(main, xxd);
        (child, (main, xxd))
    };
    let (main, xxd) = url;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let token = xxd_token("im/sendNotification?code=myAppCode", KEY);
        let body = r#"{"users":[3],"title":"二号端口","sender":{"id":"cd","displayName":"CD","avatar":"https://a/b.png"}}"#;
        let answer = reqwest::Client::new()
            .post(format!("{xxd}/im/sendNotification?code=myAppCode&token={token}"))
            .body(body)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(answer, "{\"result\":\"success\",\"message\":\"\"}\n");
        let listed = get_json(format!("{main}/__inspect/notifications?api=xxd")).await;
        assert_eq!(listed["items"][0]["title"], "二号端口");
    });
    let _ = child.kill();
    let _ = child.wait();
}

fn cli(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_command_line_signs_for_either_api() {
    assert_eq!(
        cli(&[
            "token",
            "--api",
            "xxd",
            "--key",
            GUIDE_KEY,
            "im/getChatGroups?code=appcode"
        ]),
        "1a95a530d263cc19d51405566c00910b\n"
    );
    assert_eq!(
        cli(&[
            "token",
            "--api",
            "xxd",
            "--key",
            GUIDE_KEY,
            &format!("/im/getChatUsers?gid={GROUP}&code=appcode")
        ]),
        "5d2d87e7fed3c51e6d599e4cc74fcdf8\n"
    );
    assert_eq!(
        cli(&["sign", "--api", "xxd", "--key", GUIDE_KEY, "https://chat.example.com:11443/im/sendChatMessage?code=appcode"]),
        "https://chat.example.com:11443/im/sendChatMessage?code=appcode&token=7211b3be50c9a2c7760afc48f8041bcf\n"
    );
    // /x.php stays the default.
    assert_eq!(
        cli(&["sign", "--key", KEY, "m=im&f=getGroupChats&code=myAppCode"]),
        format!(
            "m=im&f=getGroupChats&code=myAppCode&token={}\n",
            helpers::token("m=im&f=getGroupChats&code=myAppCode", KEY)
        )
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args([
            "token",
            "--api",
            "xxd",
            "--key",
            KEY,
            "--time",
            "1700000000",
            "--code",
            "c",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "the direct API has no time mode"
    );
}

#[tokio::test]
async fn the_library_offers_the_direct_apis_address_and_signing() {
    use xxb_mock::{Api, Filter, MockServer};
    let server = MockServer::builder().separate_xxd_port(true).start().await;
    assert_ne!(server.xxd_uri(), server.uri());
    let target = server.sign_xxd("/im/sendNotification?code=myAppCode");
    assert_eq!(
        target,
        format!(
            "/im/sendNotification?code=myAppCode&token={}",
            xxd_token("im/sendNotification?code=myAppCode", KEY)
        )
    );
    let body = r#"{"users":[3],"title":"库","sender":{"id":"cd","displayName":"CD","avatar":"https://a/b.png"}}"#;
    reqwest::Client::new()
        .post(format!("{}{target}", server.xxd_uri()))
        .body(body)
        .send()
        .await
        .unwrap();
    let arrived = server
        .wait_for(
            Filter::new().user(3).api(Api::Xxd),
            1,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
    assert_eq!(
        (arrived[0].title.clone(), arrived[0].api),
        (json!("库"), Api::Xxd)
    );
    assert!(server
        .notifications_matching(Filter::new().api(Api::XPhp))
        .await
        .unwrap()
        .is_empty());
    let journal = server.requests().await.unwrap();
    assert_eq!(journal[0].api, Api::Xxd);
    // One server, one port, by default.
    let plain = MockServer::start().await;
    assert_eq!(plain.xxd_uri(), plain.uri());
}

fn scenario_file(name: &str, text: &str) -> helpers::TestPath {
    let path = helpers::temp_file(name, "scenario.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[tokio::test]
async fn a_scenario_chooses_the_api_per_file_or_per_call() {
    let path = scenario_file(
        "per-call-api",
        r#"
name: Both APIs in one scenario
steps:
  - call: getGroupChats
    expect: {body: {result: success}}
  - call: getChatGroups
    api: xxd
    expect: {status: 200, raw_body: "{\"result\":\"success\",\"data\":{\"30683aea-7a1f-4ec8-a6d6-834e0310fd7d\":\"第四期项目讨论\",\"64da14c3-c07a-45af-9c61-4e638de4af26\":\"公司总群\",\"81c6ba89-00ab-4431-8e47-063556ae4886\":\"研发部\"}}\n"}
  - call: sendNotification
    api: xxd
    body: {users: [3], title: 直连, sender: {id: cd, displayName: CD, avatar: "https://a/b.png"}}
    expect: {body_exact: {result: success, message: ""}}
  - call: getGroupChats
    api: xxd
    expect: {status: 404}
  - inspect: requests
    where: {api: xxd}
    expect: {count: 3, findings: [unknown_operation, unverified_answer]}
  - inspect: notifications
    where: {api: xxd}
    expect: {count: 1, items: [{title: 直连}]}
"#,
    );
    let server = xxb_mock::MockServer::start().await;
    let results = server.replay(&path).await.unwrap();
    assert!(results[0].passed(), "{results:#?}");
    let bad = scenario_file("bad-api", "steps:\n  - call: getChatGroups\n    api: im\n");
    let error = xxb_mock::scenario::load_file(&bad).unwrap_err().to_string();
    assert!(
        error.contains("`api` must be x.php or xxd, not \"im\""),
        "{error}"
    );
    assert!(error.contains(":3:10"), "{error}");
}

#[test]
fn the_guides_scenario_replays_against_a_target() {
    let (mut child, url) = start_binary(&[]);
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["replay", "scenarios/xxd-guide.yaml", "--target", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("8 passed, 0 failed, 0 skipped"), "{text}");
    let _ = child.kill();
    let _ = child.wait();
}

/// A stand-in for a real chat daemon: a server whose `/__inspect` the runner cannot use (an admin
/// token), with the guide's application in its own configuration.
#[test]
fn the_guides_scenario_checks_what_the_guide_documents_on_a_server_without_inspect() {
    let dir = helpers::tempdir("guide-target");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for file in ["users.json", "groups.json"] {
        std::fs::copy(fixtures.join(file), dir.join(file)).unwrap();
    }
    let apps = json!([{"code": "appcode", "key": GUIDE_KEY, "ip": "*", "account": "admin"}]);
    std::fs::write(dir.join("apps.json"), apps.to_string()).unwrap();
    let (mut child, url) = start_binary(&[
        "--fixtures",
        dir.to_str().unwrap(),
        "--admin-token",
        "not-for-the-runner",
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["replay", "scenarios/xxd-guide.yaml", "--target", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    // The five calls, checked against what the guide documents; the three inspections skipped.
    assert!(text.contains("5 passed, 0 failed, 3 skipped"), "{text}");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn serve_scenario_follows_calls_of_the_direct_api() {
    let path = scenario_file(
        "follow-xxd",
        r#"
name: An application that uses the direct API
api: xxd
steps:
  - call: getChatGroups
  - call: sendNotification
    body: {title: 部署}
"#,
    );
    let server = xxb_mock::MockServer::builder()
        .scenario(&path)
        .unwrap()
        .start()
        .await;
    let client = reqwest::Client::new();
    // The same call through /x.php is not the one expected.
    client
        .get(format!(
            "{}/x.php?{}",
            server.uri(),
            server.sign("m=im&f=getChatGroups&code=myAppCode")
        ))
        .send()
        .await
        .unwrap();
    client
        .get(format!(
            "{}{}",
            server.xxd_uri(),
            server.sign_xxd("/im/getChatGroups?code=myAppCode")
        ))
        .send()
        .await
        .unwrap();
    client
        .post(format!("{}{}", server.xxd_uri(), server.sign_xxd("/im/sendNotification?code=myAppCode")))
        .body(r#"{"users":[3],"title":"部署","sender":{"id":"cd","displayName":"CD","avatar":"https://a/b.png"}}"#)
        .send()
        .await
        .unwrap();
    let report = get_json(format!("{}/__inspect/scenario", server.uri())).await;
    assert_eq!(report["done"], true, "{report}");
    let statuses: Vec<&Value> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["status"])
        .collect();
    assert_eq!(statuses, [&json!("passed"), &json!("passed")]);
    assert_eq!(report["unexpected"], json!([1]));
}

#[tokio::test]
async fn the_guides_application_signs_both_apis() {
    // The guide's key is an application like any other: /x.php accepts its calls too.
    let app = spawn_app().await;
    add_guide_app(&app).await;
    let answer = app
        .get(&format!(
            "m=im&f=getGroupChats&code=appcode&token={}",
            helpers::token("m=im&f=getGroupChats&code=appcode", GUIDE_KEY)
        ))
        .await;
    assert_eq!(answer.json()["result"], "success");
}

/// `xxb-mock parity --api xxd` (and `fixtures pull --api xxd`) against `target`.
fn against_the_direct_api(command: &[&str], url: &str, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(command)
        .args([
            "--api",
            "xxd",
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

#[tokio::test]
async fn parity_compares_the_direct_api_and_stores_nothing_unless_asked() {
    let (mut child, url) = start_binary(&["--validation", "faithful"]);
    let output = against_the_direct_api(&["parity"], &url, &["--format", "json"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let probes = report["report"]["probes"].as_array().unwrap();
    assert!(probes.len() >= 40, "{report:#}");
    for probe in probes {
        assert!(
            probe["name"].as_str().unwrap().starts_with("xxd."),
            "{probe}"
        );
        assert_eq!(probe["verdict"], "agree", "{probe}");
        assert!(
            probe["request"].as_str().unwrap().contains(" /im/"),
            "{probe}"
        );
    }
    assert_eq!(
        report["report"]["flavour"]["server"],
        "a chat daemon's direct API (/im/...)"
    );
    // Non-destructive: nothing stored, and every request went to the direct API.
    let inspect = |path: &str| {
        let url = format!("{url}/__inspect/{path}");
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(inspect("notifications").await["total"], 0);
    let journal = inspect("requests?limit=1000").await;
    assert_eq!(
        journal["total"],
        inspect("requests?api=xxd&limit=1").await["total"]
    );

    // With writes: one notification and one chat message, through the direct API.
    let output = against_the_direct_api(&["parity"], &url, &["--allow-writes", "--user", "3"]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("xxd.write.notification"), "{text}");
    let stored = inspect("notifications?api=xxd").await;
    assert_eq!(stored["total"], 2);
    assert_eq!(
        stored["items"][0]["sender"]["displayName"],
        "xxb-mock parity"
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn fixtures_pull_reads_the_organisation_through_the_direct_api() {
    let (mut child, url) = start_binary(&[]);
    let dir = helpers::temp_file("pull-xxd", "org");
    let output = against_the_direct_api(
        &["fixtures", "pull"],
        &url,
        &["--out", dir.to_str().unwrap()],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let groups: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("groups.json")).unwrap()).unwrap();
    let gids: Vec<&str> = groups
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["type"] == "group")
        .map(|g| g["gid"].as_str().unwrap())
        .collect();
    // The daemon's map is sorted as text (assumed), so the groups come in that order.
    assert_eq!(
        gids,
        [
            GROUP,
            "64da14c3-c07a-45af-9c61-4e638de4af26",
            "81c6ba89-00ab-4431-8e47-063556ae4886"
        ]
    );
    let journal: Value = {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            reqwest::get(format!("{url}/__inspect/requests?api=x.php"))
                .await
                .unwrap()
                .json()
                .await
                .unwrap()
        })
    };
    assert_eq!(journal["total"], 0, "no lookup went through /x.php");
    let _ = child.kill();
    let _ = child.wait();
}

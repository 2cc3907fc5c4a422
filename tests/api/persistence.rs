//! The binary's promises: the listening line, clean stops, fixture errors, `--db` across restarts.

use crate::helpers::{start_binary, tempdir};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

fn terminate(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    child.wait().unwrap()
}

fn send(url: &str, body: &str) -> String {
    let query = "m=im&f=sendNotification&code=myAppCode";
    let url = format!("{url}/x.php?{}", crate::helpers::signed(query));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        reqwest::Client::new()
            .post(url)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    })
}

fn get_json(url: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(crate::helpers::get_json(url))
}

#[test]
fn the_first_line_names_the_real_port_and_sigterm_stops_cleanly() {
    let (child, url) = start_binary(&[]);
    assert!(!url.ends_with(":0"));
    assert_eq!(get_json(&format!("{url}/__inspect/health"))["status"], "ok");
    assert!(terminate(child).success());
}

#[test]
fn a_database_file_survives_a_restart_without_being_seeded_again() {
    let dir = tempdir("persistence");
    let db = dir.join("state.db");
    let db = db.to_str().unwrap();
    let (child, url) = start_binary(&["--db", db]);
    let body = r#"{"users":[1],"title":"kept","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/logo.png"}}"#;
    assert_eq!(send(&url, body), r#"{"result":"success","message":""}"#);
    assert!(terminate(child).success());

    let (child, url) = start_binary(&["--db", db]);
    let page = get_json(&format!("{url}/__inspect/notifications"));
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["title"], "kept");
    assert_eq!(get_json(&format!("{url}/__inspect/requests"))["total"], 1);
    assert!(terminate(child).success());
}

#[test]
fn fixture_errors_name_the_file_and_entry_and_exit_with_2_before_listening() {
    let dir = tempdir("persistence");
    std::fs::write(
        dir.join("users.json"),
        r#"[{"id":1,"account":"a"},{"id":2,"account":"a"}]"#,
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["serve", "--port", "0", "--fixtures", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty(), "it must not listen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"users.json: entry 1 (id 2): duplicate account "a""#),
        "{stderr}"
    );
}

#[test]
fn a_fixture_directory_replaces_the_defaults() {
    let dir = tempdir("persistence");
    std::fs::write(
        dir.join("users.json"),
        r#"[{"id":7,"account":"ops","admin":"super"}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("groups.json"),
        r#"[{"gid":"g1","name":"运维","members":["ops"]}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("apps.json"),
        r#"[{"code":"myAppCode","key":"3cd0914d656e90ab181f1d52ff352cfe"}]"#,
    )
    .unwrap();
    let (child, url) = start_binary(&["--fixtures", dir.to_str().unwrap()]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let text = runtime.block_on(async {
        let q = crate::helpers::signed("m=im&f=getGroupChats&code=myAppCode");
        reqwest::get(format!("{url}/x.php?{q}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });
    assert_eq!(text, r#"{"result":"success","data":{"g1":"\u8fd0\u7ef4"}}"#);
    assert!(terminate(child).success());
}

#[test]
fn environment_variables_configure_serve() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .arg("serve")
        .env("XXB_MOCK_PORT", "0")
        .env("XXB_MOCK_LANG", "en")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim_end()
        .strip_prefix("xxb-mock listening on ")
        .unwrap()
        .to_string();
    assert_eq!(
        send(&url, "{}"),
        r#"{"result":"fail","message":"Should set user list."}"#
    );
    assert!(terminate(child).success());
}

#[test]
fn token_and_sign_commands_print_the_servers_token() {
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args([
            "token",
            "--key",
            "3cd0914d656e90ab181f1d52ff352cfe",
            "m=chat&f=getChatUsers&code=myAppCode",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "f5633c34c0c551a16c1d63bceb38d6a8\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args([
            "sign",
            "--key",
            "3cd0914d656e90ab181f1d52ff352cfe",
            "http://h/x.php?m=im&f=sendNotification&code=myAppCode",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "http://h/x.php?m=im&f=sendNotification&code=myAppCode&token=1547b22b788502aae7988973eb6d2e79\n"
    );
}

#[test]
fn generated_fixtures_add_ten_thousand_users_and_a_thousand_groups() {
    let dir = tempdir("persistence");
    std::fs::write(
        dir.join("users.json"),
        r#"[{"id":1,"account":"admin","admin":"super"}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("apps.json"),
        r#"[{"code":"myAppCode","key":"3cd0914d656e90ab181f1d52ff352cfe"}]"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("generate.json"),
        r#"{"users": 10000, "groups": 1000, "seed": 7}"#,
    )
    .unwrap();
    let (child, url) = start_binary(&["--fixtures", dir.to_str().unwrap()]);
    let state = get_json(&format!("{url}/__inspect/state"));
    assert_eq!(state["users"].as_array().unwrap().len(), 10_001);
    assert_eq!(state["chats"].as_array().unwrap().len(), 1_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let groups: serde_json::Value = runtime.block_on(async {
        let q = crate::helpers::signed("m=im&f=getGroupChats&code=myAppCode");
        reqwest::get(format!("{url}/x.php?{q}"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert_eq!(groups["data"].as_object().unwrap().len(), 1_000);
    assert!(terminate(child).success());
    // The same seed, the same organisation.
    let (child, url) = start_binary(&["--fixtures", dir.to_str().unwrap()]);
    assert_eq!(get_json(&format!("{url}/__inspect/state")), state);
    assert!(terminate(child).success());
}

/// `serve --port 0 ARGS` that must refuse to start: its exit code and stderr.
fn refused_serve(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(output.stdout.is_empty(), "it must not listen");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_database_seeded_with_other_fixtures_is_refused_unless_reseeded() {
    let dir = tempdir("persistence");
    let db = dir.join("state.db");
    let db = db.to_str().unwrap();
    let mine = dir.join("mine");
    std::fs::create_dir(&mine).unwrap();
    std::fs::write(
        mine.join("users.json"),
        r#"[{"id":7,"account":"ops","admin":"super"}]"#,
    )
    .unwrap();
    std::fs::write(
        mine.join("apps.json"),
        r#"[{"code":"myAppCode","key":"3cd0914d656e90ab181f1d52ff352cfe"}]"#,
    )
    .unwrap();
    let mine = mine.to_str().unwrap();
    // Seeded with the embedded fixtures, with one notification.
    let (child, url) = start_binary(&["--db", db]);
    let body = r#"{"users":[1],"title":"old","contentType":"text","sender":{"id":"ci","name":"CI","avatar":"https://ci/logo.png"}}"#;
    assert_eq!(send(&url, body), r#"{"result":"success","message":""}"#);
    assert!(terminate(child).success());

    let (code, stderr) = refused_serve(&["--db", db, "--fixtures", mine], &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(&format!(
            "{db} holds other fixtures than the fixtures in {mine}; add --reseed (XXB_MOCK_RESEED=true) to replace them"
        )),
        "{stderr}"
    );

    // Replaced: only ops, nothing of before.
    let (child, url) = start_binary(&["--db", db, "--fixtures", mine, "--reseed"]);
    let state = get_json(&format!("{url}/__inspect/state"));
    let accounts: Vec<&str> = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["account"].as_str().unwrap())
        .collect();
    assert_eq!(accounts, ["ops"]);
    assert_eq!(
        get_json(&format!("{url}/__inspect/notifications"))["total"],
        0
    );
    assert_eq!(
        send(&url, &body.replace("[1]", "[7]")),
        r#"{"result":"success","message":""}"#
    );
    assert!(terminate(child).success());

    // The same fixtures again: kept as they are, with or without --reseed.
    let (child, url) = start_binary(&["--db", db, "--fixtures", mine]);
    assert_eq!(
        get_json(&format!("{url}/__inspect/notifications"))["total"],
        1
    );
    assert!(terminate(child).success());
    // And back to the embedded ones needs a reseed too, here through the environment.
    let (code, _) = refused_serve(&["--db", db], &[]);
    assert_eq!(code, Some(2));
    let mut child = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["serve", "--port", "0", "--db", db])
        .env("XXB_MOCK_RESEED", "true")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim_end().trim_start_matches("xxb-mock listening on ");
    let state = get_json(&format!("{url}/__inspect/state"));
    assert_eq!(state["users"].as_array().unwrap().len(), 6);
    assert!(terminate(child).success());
}

#[test]
fn fixtures_check_refuses_a_file_it_would_not_read_and_names_those_it_reads() {
    let dir = tempdir("persistence");
    std::fs::write(dir.join("user.json"), r#"[{"id":7,"account":"ops"}]"#).unwrap();
    std::fs::write(dir.join(".gitkeep"), "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["fixtures", "check", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "xxb-mock: {}: is not a fixture file (did you mean users.json?); a fixture directory holds only users.json, groups.json, apps.json, generate.json\n",
            dir.join("user.json").display()
        )
    );
    // `serve` refuses it the same way, before listening.
    let (code, stderr) = refused_serve(&["--fixtures", dir.to_str().unwrap()], &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("(did you mean users.json?)"), "{stderr}");
    // Rightly named (hidden files aside), it is read.
    std::fs::rename(dir.join("user.json"), dir.join("users.json")).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["fixtures", "check", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "ok: 1 users, 0 chats, 0 applications\n"
    );
}

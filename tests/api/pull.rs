//! `xxb-mock fixtures pull`: the organisation an xxb-mock's lookups reveal, written as fixtures,
//! round-trips: ids, real names and members come back, and a server started on the pulled
//! directory answers the lookups exactly as the original does.

use crate::helpers::{get_json, start_binary, temp_file, token, KEY};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Child, Command};

struct Stop(Child);

impl Drop for Stop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pull(url: &str, out: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["fixtures", "pull", "--target", url, "--out"])
        .arg(out)
        .env("XXB_MOCK_CODE", "myAppCode")
        .env("XXB_MOCK_KEY", KEY)
        .output()
        .unwrap()
}

async fn lookup(url: &str, query: &str) -> String {
    let signed = format!("{query}&token={}", token(query, KEY));
    reqwest::get(format!("{url}/x.php?{signed}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn read(dir: &std::path::Path, file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap()
}

#[tokio::test]
async fn pulled_fixtures_round_trip_ids_names_and_members() {
    let (child, url) = start_binary(&[]);
    let _source = Stop(child);
    let dir = temp_file("pull", "org");
    let output = pull(&url, &dir);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("the API does not reveal:"), "{stdout}");
    assert!(stdout.contains("accounts"), "{stdout}");
    assert!(stdout.contains("every key"), "{stdout}");

    // What the source holds, read from its /__inspect/state: the group chats that are not
    // dismissed, with their current members, and the users of every current membership.
    let state = get_json(format!("{url}/__inspect/state")).await;
    let names: BTreeMap<i64, String> = state["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["id"].as_i64().unwrap(),
                u["realname"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let listed: Vec<&Value> = state["chats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["type"] == "group" && c["dismissed"] == false)
        .collect();

    let users = read(&dir, "users.json");
    for user in users.as_array().unwrap() {
        let id = user["id"].as_i64().unwrap();
        assert_eq!(
            user["realname"].as_str(),
            names.get(&id).map(String::as_str),
            "{user}"
        );
        assert_eq!(user["account"], format!("u{id}"));
    }
    let groups = read(&dir, "groups.json");
    for (pulled, source) in groups.as_array().unwrap().iter().zip(&listed) {
        assert_eq!(pulled["gid"], source["gid"]);
        assert_eq!(pulled["name"], source["name"]);
        let mut members: Vec<i64> = pulled["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_i64().unwrap())
            .collect();
        members.sort();
        assert_eq!(json!(members), source["members"], "{pulled}");
    }
    assert_eq!(
        read(&dir, "apps.json"),
        json!([{"code": "myAppCode", "key": KEY, "ip": "*"}])
    );

    // A server on the pulled fixtures answers the lookups (of the listed groups, and without a
    // gid) byte for byte as the source does.
    let (child, copy) = start_binary(&["--fixtures", dir.to_str().unwrap()]);
    let _copy = Stop(child);
    let mut queries = vec![
        "m=im&f=getGroupChats&code=myAppCode".to_string(),
        "m=im&f=getChatUsers&code=myAppCode".to_string(),
    ];
    for chat in &listed {
        let gid = chat["gid"].as_str().unwrap();
        queries.push(format!("m=im&f=getChatUsers&code=myAppCode&gid={gid}"));
    }
    for query in &queries {
        assert_eq!(
            lookup(&url, query).await,
            lookup(&copy, query).await,
            "{query}"
        );
    }

    // An existing directory is not overwritten.
    let again = pull(&url, &dir);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

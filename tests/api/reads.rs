//! Reads of `/__inspect` on connections of their own: they answer while sends are written, see
//! every send acknowledged before them, keep their totals right, and a wait keeps its time even
//! when its filter is slow to count. The default's data lives in a private file that goes with
//! the server.

use crate::helpers::{
    get_json, notification, signed, spawn_app, start_binary_with, tempdir, TestApp,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The files under `dir`, by path relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap();
                found.push(relative.display().to_string());
            }
        }
    }
    found.sort();
    found
}

/// The names of the files in the one directory under `temp`.
fn scratch_files(temp: &Path) -> (PathBuf, Vec<String>) {
    let dirs: Vec<PathBuf> = std::fs::read_dir(temp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(dirs.len(), 1, "one private directory: {dirs:?}");
    let names = files_under(&dirs[0]);
    (dirs[0].clone(), names)
}

#[tokio::test]
async fn the_default_keeps_its_data_in_a_private_file_replaced_by_a_reset_and_removed_at_stop() {
    let temp = tempdir("reads-scratch");
    let (mut child, url) = start_binary_with(&[], &[("TMPDIR", &temp)]);
    let client = reqwest::Client::new();
    let sent = client
        .post(format!(
            "{url}/x.php?{}",
            signed("m=im&f=sendNotification&code=myAppCode")
        ))
        .body(notification(json!([1])).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    let (dir, names) = scratch_files(&temp);
    assert!(
        dir.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("xxb-mock-"),
        "{dir:?}"
    );
    assert!(names.contains(&"store-1.db".to_string()), "{names:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by its owner only: {mode:o}");
    }

    let reset = client
        .post(format!("{url}/__inspect/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 200);
    let (_, names) = scratch_files(&temp);
    assert!(
        names.iter().all(|n| !n.starts_with("store-1.db")),
        "the old file is gone at once: {names:?}"
    );
    assert!(names.contains(&"store-2.db".to_string()), "{names:?}");
    let listed = get_json(format!("{url}/__inspect/notifications")).await;
    assert_eq!(listed["total"], 0);

    let stopped = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    assert!(child.wait().unwrap().success());
    assert_eq!(files_under(&temp), Vec::<String>::new());
    let left: Vec<_> = std::fs::read_dir(&temp).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    std::fs::remove_dir(&temp).unwrap();
}

/// The notification of one send, found by a title no other send's title contains.
fn marked(task: usize, round: usize, users: Value) -> (String, Value) {
    let mark = format!("[{task:02}.{round:03}]");
    let mut body = notification(users);
    body["title"] = json!(format!("build {mark}"));
    (mark, body)
}

async fn page(app: &TestApp, query: &str) -> Value {
    app.inspect(&format!("notifications?{query}")).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_and_reads_all_answer_and_each_read_sees_the_sends_before_it() {
    let app = std::sync::Arc::new(spawn_app().await);
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let app = app.clone();
            tokio::spawn(async move {
                for round in 0..20 {
                    let (mark, body) = marked(task, round, json!([1 + task % 4]));
                    let sent = app.send_notification(&body).await;
                    assert_eq!(sent.status, 200, "{}", sent.text());
                    let query = format!("title={}", urlencode(&mark));
                    let found = page(&app, &query).await;
                    assert_eq!(found["total"], 1, "{mark}: {found}");
                    assert_eq!(found["items"][0]["title"], format!("build {mark}"));
                    let journal = app.inspect("requests?order=desc&limit=1").await;
                    assert!(journal["total"].as_u64().unwrap() > round as u64);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(page(&app, "limit=1").await["total"], 160);
    assert_eq!(app.inspect("requests?limit=1").await["total"], 160);
}

/// The total of a list as known without counting (no filter but the recipient) and as counted
/// (`after=0` filters nothing out but makes the store count).
async fn totals(app: &TestApp, user: Option<&str>) -> (u64, u64) {
    let by = user.map(|u| format!("user={u}&")).unwrap_or_default();
    let known = page(app, &format!("{by}limit=1")).await["total"]
        .as_u64()
        .unwrap();
    let counted = page(app, &format!("{by}after=0&limit=1")).await["total"]
        .as_u64()
        .unwrap();
    (known, counted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn totals_stay_right_through_concurrent_sends_deletes_and_resets() {
    let app = std::sync::Arc::new(spawn_app().await);
    let users = [None, Some("1"), Some("zhangsan"), Some("lisi"), Some("3")];
    for step in 0..4 {
        let senders: Vec<_> = (0..4)
            .map(|task| {
                let app = app.clone();
                tokio::spawn(async move {
                    for round in 0..10 {
                        let to = match (task + round) % 3 {
                            0 => json!([1]),
                            1 => json!(["lisi", 3]),
                            _ => json!([1, 2, 3, 4]),
                        };
                        let sent = app.send_notification(&marked(task, round, to).1).await;
                        assert_eq!(sent.status, 200);
                    }
                })
            })
            .collect();
        // Totals read while the sends are written are each some moment's.
        for _ in 0..10 {
            for user in users {
                totals(&app, user).await;
            }
        }
        for sender in senders {
            sender.await.unwrap();
        }
        for user in users {
            let (known, counted) = totals(&app, user).await;
            assert_eq!(known, counted, "step {step}, user {user:?}");
        }
        let change = match step {
            0 => app.request("DELETE", "/__inspect/notifications?user=lisi", b"", &[]),
            1 => app.request("POST", "/__inspect/reset?app=myAppCode", b"", &[]),
            2 => app.request("DELETE", "/__inspect/notifications?title=%5B00.", b"", &[]),
            _ => app.request("POST", "/__inspect/reset", b"", &[]),
        };
        assert_eq!(change.await.status, 200, "step {step}");
        for user in users {
            let (known, counted) = totals(&app, user).await;
            assert_eq!(known, counted, "after step {step}, user {user:?}");
        }
    }
    assert_eq!(totals(&app, None).await, (0, 0));
}

#[tokio::test]
async fn a_wait_whose_filter_cannot_be_counted_in_time_answers_408_with_what_it_knows() {
    let app = spawn_app().await;
    for round in 0..500 {
        let mut body = notification(json!([1]));
        body["title"] = json!(format!("build {round}"));
        assert_eq!(app.send_notification(&body).await.status, 200);
    }
    // Two characters: every title is read (no trigram index serves them), which takes SQLite far
    // more steps than the first look at the deadline; with no time at all, that look stops it.
    let response = reqwest::get(format!("{}/__inspect/wait?title=zq&timeout_ms=0", app.url))
        .await
        .unwrap();
    assert_eq!(response.status(), 408);
    let answer: Value = response.json().await.unwrap();
    let explanation = &answer["explanation"];
    let incomplete = explanation["incomplete"]
        .as_str()
        .unwrap_or_else(|| panic!("says it is partial: {explanation}"));
    assert!(incomplete.contains("in time"), "{incomplete}");
    assert_eq!(answer["total"], 0);
    assert_eq!(answer["items"], json!([]));
    assert_eq!(explanation["count"], 1);
    assert_eq!(explanation["waited_ms"], 0);
    assert_eq!(explanation["filter"], json!({"title": "zq"}));
    assert_eq!(explanation["matched"], 0);
    assert_eq!(explanation["unmatched"]["total"], 0);
    assert_eq!(explanation["unmatched"]["items"], json!([]));
    let message = answer["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "waited 0 ms for 1 notification(s) matching title=zq: 0 of 1 arrived.\nincomplete: "
        ),
        "{message}"
    );
    // The stopped read left its connection usable: the same filter, with time to count, answers.
    let listed = page(&app, "title=zq").await;
    assert_eq!(listed["total"], 0);
    assert_eq!(app.inspect("waits").await["pending"], 0);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

//! One way to start the server for a test, and small helpers to talk to it.

use reqwest::header::HeaderMap;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use xxb_mock::Config;
use xxb_mock::Server;

pub const KEY: &str = "3cd0914d656e90ab181f1d52ff352cfe";
pub const GROUP: &str = "30683aea-7a1f-4ec8-a6d6-834e0310fd7d";

pub struct TestApp {
    pub url: String,
    client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        drop(handle.stop(false));
    }
}

/// A server on the embedded fixtures, in memory, strict, on a free port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Config::default()).await
}

/// A server in faithful mode: exactly the real server's behaviour.
pub async fn spawn_faithful_app() -> TestApp {
    spawn_app_with(Config {
        validation: xxb_mock::ValidationMode::Faithful,
        ..Config::default()
    })
    .await
}

pub async fn spawn_app_with(config: Config) -> TestApp {
    let server = Server::build(config).await.expect("the server starts");
    let url = server.url();
    let handle = server.handle();
    tokio::spawn(server.run_until_stopped());
    TestApp {
        url,
        client: reqwest::Client::new(),
        handle,
    }
}

/// `GET url`, its body as JSON: for servers a test reaches by address (a child process, a
/// `MockServer`), where [`TestApp::inspect`] does not apply.
pub async fn get_json(url: impl reqwest::IntoUrl) -> Value {
    reqwest::get(url)
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("the server answers JSON")
}

/// `md5(md5(query) + key)`, written here independently of the server's code. Valid for queries
/// whose PHP re-encoding is the query itself (letters, digits, `-_.=&`).
pub fn token(query: &str, key: &str) -> String {
    let inner = format!("{:x}", md5::compute(query.as_bytes()));
    format!("{:x}", md5::compute(format!("{inner}{key}").as_bytes()))
}

/// The time-mode token `md5(code + key + time)`, written here independently of the server's code.
pub fn time_token(code: &str, key: &str, time: &str) -> String {
    format!(
        "{:x}",
        md5::compute(format!("{code}{key}{time}").as_bytes())
    )
}

/// `query&token=...` signed with the default application's key.
pub fn signed(query: &str) -> String {
    format!("{query}&token={}", token(query, KEY))
}

/// An answer, with its body as bytes.
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

impl TestApp {
    /// Any request to `path?query`, with a body and headers.
    pub async fn request(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        headers: &[(&str, &str)],
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a valid method");
        let mut request = self
            .client
            .request(method, format!("{}{path_and_query}", self.url))
            .body(body.to_vec());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("the server answers");
        Answer {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.bytes().await.expect("a body").to_vec(),
        }
    }

    /// `GET /x.php?query`.
    pub async fn get(&self, query: &str) -> Answer {
        self.request("GET", &format!("/x.php?{query}"), b"", &[])
            .await
    }

    /// `GET /x.php?query` in a language.
    pub async fn get_in(&self, query: &str, accept_language: &str) -> Answer {
        self.request(
            "GET",
            &format!("/x.php?{query}"),
            b"",
            &[("Accept-Language", accept_language)],
        )
        .await
    }

    /// `POST /x.php?query` with a raw body.
    pub async fn post(&self, query: &str, body: &str) -> Answer {
        self.request(
            "POST",
            &format!("/x.php?{query}"),
            body.as_bytes(),
            &[("Content-Type", "application/json")],
        )
        .await
    }

    /// A signed `sendNotification` with a JSON body.
    pub async fn send_notification(&self, body: &Value) -> Answer {
        self.post(
            &signed("m=im&f=sendNotification&code=myAppCode"),
            &body.to_string(),
        )
        .await
    }

    /// A signed `sendChatMessage` with a JSON body.
    pub async fn send_chat_message(&self, body: &Value) -> Answer {
        self.post(
            &signed("m=im&f=sendChatMessage&code=myAppCode"),
            &body.to_string(),
        )
        .await
    }

    /// `GET /__inspect/{path}` as JSON.
    pub async fn inspect(&self, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}/__inspect/{path}", self.url))
            .send()
            .await
            .expect("inspect answers");
        assert_eq!(response.headers()["content-type"], "application/json");
        response.json().await.expect("inspect answers JSON")
    }

    /// The last journal entry.
    pub async fn last_request(&self) -> Value {
        let page = self.inspect("requests?order=desc&limit=1").await;
        page["items"][0].clone()
    }

    /// The finding codes of the last journal entry.
    pub async fn last_findings(&self) -> Vec<String> {
        let entry = self.last_request().await;
        entry["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| f["code"].as_str().expect("a code").to_string())
            .collect()
    }
}

/// A valid notification body for user ids or accounts.
pub fn notification(users: Value) -> Value {
    serde_json::json!({
        "users": users,
        "title": "构建成功",
        "subtitle": "main #42",
        "content": "**全部通过**",
        "contentType": "text",
        "url": "https://ci.example.com/builds/42",
        "actions": [{"label": "查看", "url": "https://ci.example.com/builds/42", "type": "primary"}],
        "sender": {"id": "ci", "name": "CI", "avatar": "https://ci.example.com/logo.png"}
    })
}

/// Starts the `xxb-mock` binary with `serve --port 0 ARGS`; returns the process and the URL its
/// first line announces.
pub fn start_binary(args: &[&str]) -> (Child, String) {
    start_binary_with(args, &[])
}

/// [`start_binary`] with environment variables set for the process.
pub fn start_binary_with(args: &[&str], env: &[(&str, &std::path::Path)]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .args(["serve", "--port", "0"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .expect("a first line");
    assert!(
        line.starts_with("xxb-mock listening on http://127.0.0.1:"),
        "unexpected first line {line:?}"
    );
    let url = line
        .trim_end()
        .trim_start_matches("xxb-mock listening on ")
        .to_string();
    (child, url)
}

/// Returns once `waiters` waits are pending on the server at `url` (read from `/__inspect/waits`):
/// each is registered with the server, so whatever is sent next can only reach it by waking it.
pub async fn until_parked(url: &str, waiters: u64) {
    let client = reqwest::Client::new();
    loop {
        let health: Value = client
            .get(format!("{url}/__inspect/waits"))
            .send()
            .await
            .expect("waits answers")
            .json()
            .await
            .expect("waits answers JSON");
        if health["pending"] == waiters {
            return;
        }
        // Polling a condition the server reports; how long it takes is not what is tested.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}

/// A path in a new, empty directory of the test's own, which goes with everything in it when the
/// value is dropped (a failing test unwinds, so it goes then too). It reads as a path.
pub struct TestPath {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl AsRef<Path> for TestPath {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl std::ops::Deref for TestPath {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

/// The new directory itself: `dir.join("state.db")`.
pub fn tempdir(name: &str) -> TestPath {
    temp_file(name, "")
}

/// `file` in the new directory (not made).
pub fn temp_file(name: &str, file: &str) -> TestPath {
    let dir = tempfile::Builder::new()
        .prefix(&format!("xxb-mock-{name}-"))
        .tempdir()
        .unwrap();
    TestPath {
        path: if file.is_empty() {
            dir.path().to_path_buf()
        } else {
            dir.path().join(file)
        },
        _dir: dir,
    }
}

//! How scripts and orchestrators learn that a server is up, over the real binary: `xxb-mock health`
//! (exit 0 or 1 with one line saying why), `/__inspect/health` without the admin token,
//! `serve --ready-file`, and the README's CI recipe run as written.

use crate::helpers::{start_binary, tempdir};
use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_xxb-mock");

fn health(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command.arg("health").args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn stderr_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

fn terminate(child: &mut std::process::Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait().expect("the server exits")
}

/// A port on which nothing listens (bound, read, released).
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn health_exits_0_when_the_server_answers() {
    let (mut child, url) = start_binary(&[]);
    let output = health(&["--url", &url], &[]);
    assert_eq!(output.status.code(), Some(0), "{:?}", stderr_lines(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("ok: xxb-mock {} at {url}\n", env!("CARGO_PKG_VERSION"))
    );
    terminate(&mut child);
}

#[test]
fn health_without_a_url_asks_where_serve_listens_with_the_same_environment() {
    let (mut child, url) = start_binary(&[]);
    let port = url.rsplit(':').next().unwrap();
    // As in the container image: the server binds every address, the probe asks loopback.
    let output = health(
        &[],
        &[("XXB_MOCK_HOST", "0.0.0.0"), ("XXB_MOCK_PORT", port)],
    );
    assert_eq!(output.status.code(), Some(0), "{:?}", stderr_lines(&output));
    terminate(&mut child);
    let output = health(
        &[],
        &[("XXB_MOCK_HOST", "0.0.0.0"), ("XXB_MOCK_PORT", port)],
    );
    assert_eq!(output.status.code(), Some(1), "the server is gone");
}

#[test]
fn health_exits_1_with_one_line_when_nothing_listens() {
    let url = format!("http://127.0.0.1:{}", closed_port());
    let output = health(&["--url", &url], &[]);
    assert_eq!(output.status.code(), Some(1));
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "xxb-mock health: cannot reach {url}/__inspect/health: "
        )),
        "{lines:?}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn health_exits_1_when_the_server_does_not_answer_in_time() {
    // Accepts connections (the kernel does) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let output = health(&["--url", &url, "--timeout", "0.3"], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&output),
        vec![format!(
            "xxb-mock health: no answer from {url}/__inspect/health within 0.3 s"
        )]
    );
}

#[test]
fn health_exits_1_when_something_else_answers() {
    let (mut child, url) = start_binary(&[]);
    // A 404 from a path that is not the health endpoint.
    let output = health(&["--url", &format!("{url}/elsewhere")], &[]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&output),
        vec![format!(
            "xxb-mock health: {url}/elsewhere/__inspect/health answered HTTP 404, not an xxb-mock health answer"
        )]
    );
    // A 200 that is not a health answer: the emulated API's web page (the path becomes a query).
    let output = health(&["--url", &format!("{url}/x.php?")], &[]);
    assert_eq!(output.status.code(), Some(1));
    let lines = stderr_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(r#"not {"status":"ok",...}"#), "{lines:?}");
    terminate(&mut child);
}

#[test]
fn health_needs_no_admin_token() {
    let (mut child, url) = start_binary(&["--admin-token", "s3cret"]);
    let output = health(&["--url", &url], &[]);
    assert_eq!(output.status.code(), Some(0), "{:?}", stderr_lines(&output));
    terminate(&mut child);
}

#[test]
fn the_ready_file_holds_the_url_once_listening_and_is_removed_on_exit() {
    let dir = tempdir("ready");
    let path = dir.join("xxb-mock.url");
    std::fs::write(&path, "http://127.0.0.1:1\n").unwrap(); // left by an earlier run
    let (mut child, url) = start_binary(&["--ready-file", path.to_str().unwrap()]);
    // Written before the first line is printed: the file is there once the line is.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("{url}\n"));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec!["xxb-mock.url"], "no temporary file is left");
    let status = terminate(&mut child);
    assert!(status.success(), "{status}");
    assert!(!path.exists(), "removed on a clean exit");
}

#[test]
fn a_stale_ready_file_is_removed_when_the_server_cannot_start() {
    let dir = tempdir("ready-fail");
    let path = dir.join("xxb-mock.url");
    std::fs::write(&path, "http://127.0.0.1:1\n").unwrap();
    let output = Command::new(BIN)
        .args(["serve", "--port", "0", "--fixtures"])
        .arg(dir.join("no-such-directory"))
        .arg("--ready-file")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        !path.exists(),
        "a script waiting for the file must not find the old URL"
    );
}

/// The README's CI start recipe: the first `sh` block of its "In CI" section.
fn readme_ci_recipe() -> String {
    let readme = include_str!("../../README.md");
    let section = &readme[readme.find("### In CI").expect("an In CI section")..];
    let start = section.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = start + section[start..].find("```").expect("the block ends");
    section[start..end].to_string()
}

/// Runs the recipe with `bash -e`, then `then`, in a fresh directory, with `env`.
fn run_recipe(name: &str, then: &str, env: &[(&str, &str)]) -> Output {
    let dir = tempdir(name);
    let mut command = Command::new("bash");
    command
        .args(["-e", "-c", &format!("{}\n{then}", readme_ci_recipe())])
        .current_dir(&dir)
        .env("XXB_MOCK_BIN", BIN)
        .stdin(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("bash runs")
}

#[test]
fn the_readme_ci_recipe_waits_for_the_server_and_exports_its_url() {
    let output = run_recipe(
        "recipe",
        r#"echo "url=$XXB_URL"
"$XXB_MOCK_BIN" health --url "$XXB_URL"
kill "$XXB_MOCK_PID"; wait "$XXB_MOCK_PID""#,
        &[],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let url = stdout
        .lines()
        .find_map(|l| l.strip_prefix("url="))
        .expect("the URL is exported");
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(stdout.contains(&format!(
        "ok: xxb-mock {} at {url}",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn the_readme_ci_recipe_stops_with_the_log_when_the_server_cannot_start() {
    let output = run_recipe(
        "recipe-fail",
        "echo should-not-be-reached",
        &[("XXB_MOCK_FIXTURES", "/no-such-fixture-directory")],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("should-not-be-reached"));
    let mut stderr = String::new();
    output
        .stderr
        .as_slice()
        .read_to_string(&mut stderr)
        .unwrap();
    // Stopped by the check that the process is alive, not by the time limit.
    assert_eq!(
        stderr,
        "xxb-mock exited before listening:\nxxb-mock: fixtures: /no-such-fixture-directory: is not a directory\n"
    );
}

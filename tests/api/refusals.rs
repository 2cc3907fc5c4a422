//! Start-up refuses what cannot work, with exit 2 and one line naming the file and the reason: a
//! database another xxb-mock is using, one that cannot be written, a directory.

use crate::helpers::{start_binary, temp_file, tempdir};
use std::process::{Command, Stdio};

/// Runs `PROGRAM PRE... BINARY serve --port 0 ARGS` and answers its exit code and what it printed,
/// expecting it to stop on its own.
fn refused_with(binary: &str, program: &str, pre: &[&str], args: &[&str]) -> (Option<i32>, String) {
    let output = Command::new(program)
        .args(pre)
        .arg(binary)
        .args(["serve", "--port", "0"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.code(), text)
}

fn refused(program: &str, pre: &[&str], args: &[&str]) -> (Option<i32>, String) {
    refused_with(env!("CARGO_BIN_EXE_xxb-mock"), program, pre, args)
}

#[test]
fn a_database_in_use_by_another_server_is_refused() {
    let db = temp_file("refusals-locked", "state.db");
    let db = db.to_str().unwrap();
    let (mut first, _) = start_binary(&["--db", db]);
    let (code, text) = refused("env", &[], &["--db", db]);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(code, Some(2), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(
        text.contains(db) && text.contains("another xxb-mock is using it"),
        "{text}"
    );
    // Once the first has stopped, the file is free again.
    let (mut again, _) = start_binary(&["--db", db]);
    let _ = again.kill();
    let _ = again.wait();
}

#[test]
fn a_database_that_cannot_be_written_and_a_directory_are_refused() {
    let dir = tempdir("refusals-readonly");
    let db = dir.join("state.db");
    let db_text = db.to_str().unwrap().to_string();
    let (mut first, _) = start_binary(&["--db", &db_text]);
    let _ = first.kill();
    let _ = first.wait();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    // As an unprivileged user (root writes read-only files anyway), from a copy of the binary that
    // user can reach (the build directory may be inside a folder only root can enter).
    let binary = dir.join("xxb-mock");
    std::fs::copy(env!("CARGO_BIN_EXE_xxb-mock"), &binary).unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let (code, text) = refused_with(
        binary.to_str().unwrap(),
        "setpriv",
        &["--reuid=65534", "--regid=65534", "--clear-groups"],
        &["--db", &db_text],
    );
    assert_eq!(code, Some(2), "{text}");
    assert!(
        text.contains(&db_text) && text.contains("cannot be written"),
        "{text}"
    );
    assert!(!text.contains("listening"), "{text}");

    let (code, text) = refused("env", &[], &["--db", dir.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains(dir.to_str().unwrap()), "{text}");
}

//! What a user who installs the binary meets first: `--version` names the package version and, in a
//! build from a checkout, the commit it was built from.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

#[test]
fn the_version_names_the_package_and_the_commit_of_the_checkout() {
    let output = Command::new(env!("CARGO_BIN_EXE_xxb-mock"))
        .arg("--version")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    // Asked of git here, independently of the build script: a checkout of this repository (the
    // suite's usual case) names its commit; a tree without git (an unpacked crate) does not.
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap();
    let is_checkout = git(&["rev-parse", "--show-toplevel"])
        .and_then(|top| std::path::Path::new(&top).canonicalize().ok())
        == Some(manifest_dir);
    let expected = match git(&["rev-parse", "HEAD"]).filter(|_| is_checkout) {
        Some(commit) => format!(
            "xxb-mock {} (commit {})\n",
            env!("CARGO_PKG_VERSION"),
            &commit[..12]
        ),
        None => format!("xxb-mock {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(String::from_utf8_lossy(&output.stdout), expected);
}

//! Build script: sets `XXB_MOCK_VERSION`, what `xxb-mock --version` prints: the package version,
//! followed by the git commit when the crate is built from a checkout of its own repository
//! (`0.1.0 (commit 1a2b3c4d5e6f)`). The commit can also be given as `XXB_MOCK_COMMIT` (a container
//! build, whose context holds no `.git`). Without git, or outside a checkout, the version alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=XXB_MOCK_COMMIT");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let given = std::env::var("XXB_MOCK_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty());
    let commit = given.or_else(|| {
        let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").ok()?);
        commit_of_checkout(&manifest_dir)
    });
    match commit {
        Some(commit) => println!(
            "cargo:rustc-env=XXB_MOCK_VERSION={version} (commit {})",
            commit.trim()
        ),
        None => println!("cargo:rustc-env=XXB_MOCK_VERSION={version}"),
    }
}

/// The commit checked out in `dir`, when `dir` is the top of a git work tree (not a crate vendored
/// inside some other repository), and git runs.
fn commit_of_checkout(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    // Run again when HEAD moves: a commit, a checkout, a branch that is fast-forwarded. Only files
    // that exist are named: cargo would run the script before every build for a missing one.
    let branch = git(dir, &["symbolic-ref", "-q", "HEAD"]);
    for path in ["HEAD", "packed-refs"].into_iter().chain(branch.as_deref()) {
        if let Some(file) = git(dir, &["rev-parse", "--git-path", path]) {
            let file = dir.join(file);
            if file.exists() {
                println!("cargo:rerun-if-changed={}", file.display());
            }
        }
    }
    git(dir, &["rev-parse", "--short=12", "HEAD"])
}

/// The trimmed output of a git command that succeeded.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

//! The client tests of `examples/` in Python (pytest) and JavaScript (node --test), run against the
//! built binary. Neither is skipped: a missing interpreter or pytest fails with what to install
//! (`.ci/run` installs pytest when it is missing).

use std::process::Command;

fn run(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .env("XXB_MOCK_BIN", env!("CARGO_BIN_EXE_xxb-mock"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (install it; .ci/run does)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{program} {args:?} failed:\n{text}"
    );
}

#[test]
fn the_python_example_passes() {
    run(
        "python3",
        &[
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "examples/python",
        ],
    );
}

#[test]
fn the_javascript_example_passes() {
    run("node", &["--test", "examples/js/"]);
}

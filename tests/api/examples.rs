//! The client tests of `examples/` in Python (pytest) and JavaScript (node --test), run against the
//! built binary. Neither is skipped: a missing interpreter or pytest fails with what to install
//! (`.ci/run` installs pytest when it is missing), and each runner must report exactly the number
//! of tests the example holds as passed (a runner that finds no test exits 0 too).

use std::collections::BTreeMap;
use std::process::Command;

/// The tests in `examples/python`.
const PYTHON_TESTS: usize = 2;
/// The tests in `examples/js`.
const JAVASCRIPT_TESTS: usize = 2;

/// Runs a test runner; returns what it printed, after checking its exit status.
fn run(program: &str, args: &[&str]) -> String {
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
    text
}

/// pytest's closing line, `2 passed in 0.14s` or `1 failed, 1 passed, 1 skipped in 0.2s`, as
/// counts by outcome.
fn pytest_counts(output: &str) -> BTreeMap<String, usize> {
    let summary = output
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default();
    let counts = summary.split(" in ").next().unwrap_or_default();
    counts
        .split(", ")
        .filter_map(|part| {
            let (n, outcome) = part.trim().split_once(' ')?;
            Some((outcome.to_string(), n.parse().ok()?))
        })
        .collect()
}

/// The `# pass N`, `# fail N`, ... lines that close Node's TAP report.
fn tap_counts(output: &str) -> BTreeMap<String, usize> {
    output
        .lines()
        .filter_map(|line| {
            let (outcome, n) = line.strip_prefix("# ")?.split_once(' ')?;
            Some((outcome.to_string(), n.parse().ok()?))
        })
        .filter(|(outcome, _)| outcome != "duration_ms")
        .collect()
}

#[test]
fn the_python_example_passes() {
    let output = run(
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
    assert_eq!(
        pytest_counts(&output),
        BTreeMap::from([("passed".to_string(), PYTHON_TESTS)]),
        "{output}"
    );
}

#[test]
fn the_javascript_example_passes() {
    let output = run("node", &["--test", "--test-reporter=tap", "examples/js/"]);
    let expected = [
        ("tests", JAVASCRIPT_TESTS),
        ("suites", 0),
        ("pass", JAVASCRIPT_TESTS),
        ("fail", 0),
        ("cancelled", 0),
        ("skipped", 0),
        ("todo", 0),
    ]
    .map(|(outcome, n)| (outcome.to_string(), n));
    assert_eq!(tap_counts(&output), BTreeMap::from(expected), "{output}");
}

#[test]
fn the_runners_reports_are_read_as_they_print_them() {
    assert_eq!(
        pytest_counts("..s\n1 failed, 2 passed, 1 skipped in 0.20s\n"),
        BTreeMap::from([
            ("failed".to_string(), 1),
            ("passed".to_string(), 2),
            ("skipped".to_string(), 1)
        ])
    );
    assert_eq!(
        pytest_counts("\nno tests ran in 0.01s\n"),
        BTreeMap::from([]),
        "no count is not a pass"
    );
    assert_eq!(
        tap_counts("ok 1 - a\n1..1\n# tests 1\n# pass 1\n# fail 0\n# duration_ms 8.5\n"),
        BTreeMap::from([
            ("fail".to_string(), 0),
            ("pass".to_string(), 1),
            ("tests".to_string(), 1)
        ])
    );
}

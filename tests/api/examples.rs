//! The client packages of `examples/`, installed as a user installs them and run with their own tests
//! against the built binary: the Python package into a new virtual environment (never the Python that
//! runs the suite), the npm package from its packed tarball into a new prefix. Each test checks how
//! many tests passed, so a test that is not collected or is skipped fails the count. Neither is
//! skipped: a missing interpreter, venv or npm fails with what to install (tests/run.sh installs them).

use crate::helpers::tempdir;
use std::path::Path;
use std::process::Command;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");

/// Runs a command in `dir` with the binary under test as `XXB_MOCK_BIN`; its output when it succeeds.
fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    let output = Command::new(program)
        .args(args)
        .env("XXB_MOCK_BIN", env!("CARGO_BIN_EXE_xxb-mock"))
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e} (install it; tests/run.sh does)"));
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

#[test]
fn the_python_package_installs_into_a_virtual_environment_and_its_tests_pass() {
    let dir = tempdir("python-package");
    run(&dir, "python3", &["-m", "venv", "venv"]);
    let python = dir.join("venv/bin/python");
    let python = python.to_str().unwrap();
    let package = format!("{EXAMPLES}/python");
    run(
        &dir,
        python,
        &["-m", "pip", "install", "--quiet", &package, "pytest"],
    );
    // Run from the temporary directory: the package is imported as installed, and its fixture is
    // found through its pytest11 entry point (its tests have no conftest.py).
    let tests = format!("{EXAMPLES}/python/tests");
    let output = run(
        &dir,
        python,
        &["-m", "pytest", "-p", "no:cacheprovider", "-q", &tests],
    );
    let summary = output
        .lines()
        .rev()
        .find(|line| line.contains(" passed"))
        .unwrap_or_else(|| panic!("no pytest summary in:\n{output}"));
    assert!(summary.starts_with("8 passed in "), "{summary}\n{output}");
}

#[test]
fn the_npm_package_installs_into_a_prefix_and_its_tests_pass() {
    let dir = tempdir("npm-package");
    let prefix = dir.to_str().unwrap();
    let package = format!("{EXAMPLES}/js");
    run(
        &dir,
        "npm",
        &["pack", "--silent", "--pack-destination", prefix, &package],
    );
    run(
        &dir,
        "npm",
        &[
            "install",
            "--silent",
            "--no-audit",
            "--no-fund",
            "--prefix",
            prefix,
            &format!("{prefix}/xxb-mock-0.1.0.tgz"),
        ],
    );
    // The tests beside the installed package, so that `import 'xxb-mock'` finds it as a user's would.
    std::fs::create_dir(dir.join("test")).unwrap();
    let mut files = vec!["--test".to_string()];
    for entry in std::fs::read_dir(format!("{EXAMPLES}/js/test")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join("test").join(entry.file_name())).unwrap();
        files.push(format!("test/{}", entry.file_name().to_str().unwrap()));
    }
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let output = run(&dir, "node", &args);
    let counts: Vec<&str> = output
        .lines()
        .filter(|line| {
            [
                "# pass ",
                "# fail ",
                "# skipped ",
                "# todo ",
                "# cancelled ",
            ]
            .iter()
            .any(|p| line.starts_with(p))
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            "# pass 9",
            "# fail 0",
            "# cancelled 0",
            "# skipped 0",
            "# todo 0"
        ],
        "{output}"
    );
}

//! End-to-end tests of the whole contractgate pipeline (spec → IR → generated tests → harness),
//! run against real servers. The tests live in `tests/`; this library runs a crate's generated
//! contract tests as a subprocess and reads the outcome back, the way CI would see it.

// A test-support library: a failed expectation panics, like an assertion.
#![allow(clippy::panic)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

/// The outcome of one `cargo test` run, per test.
#[derive(Debug, Default)]
pub struct TestRun {
    /// Tests that passed.
    pub passed: Vec<String>,
    /// Tests that failed, with the text they printed (the rendered failure).
    pub failed: BTreeMap<String, String>,
    /// Tests that were ignored.
    pub ignored: Vec<String>,
    /// Everything printed, for assertion messages.
    pub output: String,
    /// The exit code.
    pub code: Option<i32>,
}

impl TestRun {
    /// Names of the failed tests, sorted.
    pub fn failed_names(&self) -> Vec<&str> {
        self.failed.keys().map(String::as_str).collect()
    }

    /// The failure text of one test (panics with the whole output when it did not fail).
    pub fn failure(&self, name: &str) -> &str {
        match self.failed.get(name) {
            Some(text) => text,
            None => panic!("{name} did not fail:\n{}", self.output),
        }
    }
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `cargo test -p PACKAGE --test TEST` with extra environment variables and parses libtest's
/// output. Backtraces are off so failure texts are what a user reads.
pub fn cargo_test(package: &str, test: &str, env: &[(&str, &str)]) -> TestRun {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace())
        .args(["test", "--quiet", "-p", package, "--test", test, "--"])
        .args(["--format", "pretty", "--color", "never"])
        .env("RUST_BACKTRACE", "0")
        .env_remove("CONTRACTGATE_BASE_URL")
        .env_remove("CONTRACTGATE_ENV")
        .env_remove("CONTRACTGATE_CASES")
        // No regressions file beside the example's spec: a test that wants one names it.
        .env("CONTRACTGATE_REGRESSIONS", "off");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = match cmd.output() {
        Ok(out) => out,
        Err(e) => panic!("cannot run cargo test -p {package}: {e}"),
    };
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut run = parse(&stdout);
    run.output = format!("{stdout}\n--- stderr ---\n{stderr}");
    run.code = out.status.code();
    if run.passed.is_empty() && run.failed.is_empty() && run.ignored.is_empty() {
        // Nothing ran: the build failed (or the binary did not start). The end of cargo's output
        // says why (a linker's "No space left on device" comes after pages of arguments), so it
        // goes first.
        let lines: Vec<&str> = stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        panic!(
            "`cargo test -p {package} --test {test}` ran no test (exit {:?}); the end of its output:\n{tail}\n--- all of stdout ---\n{stdout}",
            run.code
        );
    }
    run
}

/// Parses libtest's pretty output.
pub fn parse(stdout: &str) -> TestRun {
    let mut run = TestRun::default();
    let mut current: Option<(String, String)> = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test ") {
            if let Some(name) = rest.strip_suffix(" ... ok") {
                run.passed.push(name.to_owned());
                continue;
            }
            if let Some(name) = rest.strip_suffix(" ... FAILED") {
                run.failed.entry(name.to_owned()).or_default();
                continue;
            }
            if let Some((name, _)) = rest.split_once(" ... ignored") {
                run.ignored.push(name.to_owned());
                continue;
            }
        }
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            if let Some((n, text)) = current.take() {
                run.failed.insert(n, text);
            }
            current = Some((name.to_owned(), String::new()));
            continue;
        }
        if line == "failures:" || line.starts_with("test result:") {
            if let Some((n, text)) = current.take() {
                run.failed.insert(n, text);
            }
            continue;
        }
        if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    if let Some((n, text)) = current.take() {
        run.failed.insert(n, text);
    }
    run.passed.sort();
    run.ignored.sort();
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_libtest_output() {
        let out = "\nrunning 3 tests\ntest a::b ... ok\ntest a::c ... FAILED\ntest a::d ... ignored, why\n\nfailures:\n\n---- a::c stdout ----\n\nthread 'a::c' panicked at x.rs:1:1:\nboom\n\n\nfailures:\n    a::c\n\ntest result: FAILED. 1 passed; 1 failed; 1 ignored\n";
        let run = parse(out);
        assert_eq!(run.passed, ["a::b"]);
        assert_eq!(run.ignored, ["a::d"]);
        assert_eq!(run.failed_names(), ["a::c"]);
        assert!(run.failure("a::c").contains("boom"));
    }
}

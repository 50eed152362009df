//! `contractgate run` end to end: the real binary against the real example service
//! (`examples/user-service`), started by `--server`; every exit code, the reports parsed back,
//! sharding, read-only mode seen in the service's own request log, and no secret in any output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const TOKEN: &str = "cg_demo_7f3a9c2e5b1d4e8f";
const SPEC: &str = "examples/user-service/openapi.yaml";
const OPERATIONS: [&str; 8] = [
    "getHealth",
    "getUserProfile",
    "updateUserProfile",
    "getUserSettings",
    "updateUserSettings",
    "createUser",
    "getUser",
    "deleteUser",
];
const PATHS: [&str; 5] = [
    "/health",
    "/user/profile",
    "/user/settings",
    "/users",
    "/users/{id}",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The example service's binary. `cargo test --workspace` builds it next to `contractgate`;
/// `cargo test -p contractgate-cli` alone may not, so it is built once here when missing.
fn user_service() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = format!("user-service{}", std::env::consts::EXE_SUFFIX);
        let bin = Path::new(env!("CARGO_BIN_EXE_contractgate")).with_file_name(exe);
        if !bin.is_file() {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "-p", "user-service"])
                .current_dir(repo())
                .status()
                .unwrap();
            assert!(status.success(), "cargo build -p user-service failed");
        }
        assert!(bin.is_file(), "{} is missing", bin.display());
        bin
    })
}

/// `--server` for the example service on a free port.
fn server_cmd() -> String {
    format!("'{}' --port {{port}}", user_service().display())
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn all(&self) -> String {
        format!("{}\n--- stderr ---\n{}", self.stdout, self.stderr)
    }
}

/// Runs the binary from the repository root with a clean environment for contractgate's variables.
fn contractgate(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_contractgate"));
    cmd.args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env("CI", "true")
        .env_remove("CONTRACTGATE_BASE_URL")
        .env_remove("CONTRACTGATE_ENV")
        .env_remove("CONTRACTGATE_CONFIG")
        .env_remove("USER_SERVICE_FAULT")
        .env_remove("USER_SERVICE_LOG")
        .env_remove("USER_SERVICE_TOKEN");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `run SPEC --env local --server <the built service>` plus `extra`.
fn run_local(extra: &[&str], env: &[(&str, &str)]) -> Run {
    let server = server_cmd();
    let mut args = vec!["run", SPEC, "--env", "local", "--server", &server];
    args.extend_from_slice(extra);
    contractgate(&args, env)
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate_report(report: &serde_json::Value) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/run-report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:#?}"
    );
}

fn junit(path: &Path) -> quick_junit::Report {
    quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// (testcases, failures and errors, skipped) of a JUnit report.
fn junit_counts(report: &quick_junit::Report) -> (usize, usize, usize) {
    let cases: Vec<&quick_junit::TestCase> = report
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .collect();
    let failed = cases
        .iter()
        .filter(|c| matches!(c.status, quick_junit::TestCaseStatus::NonSuccess { .. }))
        .count();
    let skipped = cases
        .iter()
        .filter(|c| matches!(c.status, quick_junit::TestCaseStatus::Skipped { .. }))
        .count();
    (cases.len(), failed, skipped)
}

#[test]
fn run_help() {
    let r = contractgate(&["run", "--help"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    insta::assert_snapshot!("run_help", r.stdout);
}

#[test]
fn a_service_that_keeps_its_contract_exits_0_with_reports() {
    let (xml, json) = (scratch("clean.xml"), scratch("clean.json"));
    let r = run_local(
        &[
            "--junit",
            xml.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stdout.contains("result: PASSED"), "{}", r.all());
    assert!(
        r.stdout
            .contains("8 operation(s) and 5 path(s): 55 check(s) passed, 0 failed"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("(environment local)"), "{}", r.all());
    // What a user reads at the end: the table and the totals (times and paths filtered).
    let table = &r.stdout[r.stdout.find("operation ").unwrap()..];
    insta::with_settings!({filters => vec![
        (r"\s+\d+ ms", " [time]"),
        (r"\s+\d+\.\d+ s\b", " [time]"),
        (r"(junit|json|server log): .*", "$1: [path]"),
    ]}, {
        insta::assert_snapshot!("clean_run_table", table);
    });

    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["exit_code"], 0);
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["summary"]["operations"], 8);
    let checks = report["summary"]["checks"].as_u64().unwrap() as usize;

    // The token came from the environment's `env_defaults` and is redacted all the same.
    for text in [
        r.all(),
        std::fs::read_to_string(&xml).unwrap(),
        std::fs::read_to_string(&json).unwrap(),
    ] {
        assert!(!text.contains(TOKEN));
    }

    let (cases, failed, skipped) = junit_counts(&junit(&xml));
    assert_eq!(cases, checks, "one testcase per operation × check");
    assert_eq!(failed, 0);
    assert_eq!(
        skipped,
        report["summary"]["not_applicable"].as_u64().unwrap() as usize
    );
}

#[test]
fn route_mixup_exits_1_and_names_get_user_profile() {
    let (xml, json, log) = (
        scratch("mixup.xml"),
        scratch("mixup.json"),
        scratch("mixup.log"),
    );
    let r = run_local(
        &[
            "--junit",
            xml.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--server-log",
            log.to_str().unwrap(),
        ],
        &[
            ("USER_SERVICE_FAULT", "route-mixup"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    // The harness's rendering, as is.
    assert!(
        r.stdout.contains(
            "response_schema_conformance failed: the body does not match its schema\nOperation: GET /user/profile (operationId getUserProfile)"
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("GET /user/settings (operationId getUserSettings)"),
        "the route identity hint: {}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("Authorization: Bearer ${USER_SERVICE_TOKEN}"),
        "the curl line names the variable: {}",
        r.all()
    );
    assert!(
        r.stdout.contains(
            "result: FAILED\n  GET /user/profile (getUserProfile): response_schema_conformance\n"
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains(&format!("server log: {}", log.display())),
        "{}",
        r.all()
    );

    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["summary"]["failed"], 1);
    let failing: Vec<(&str, &str)> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| {
            u["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["status"] == "failed")
                .map(move |c| (u["id"].as_str().unwrap(), c["check"].as_str().unwrap()))
        })
        .collect();
    assert_eq!(failing, [("getUserProfile", "response_schema_conformance")]);

    let xml_report = junit(&xml);
    let (cases, failed, _) = junit_counts(&xml_report);
    assert_eq!(
        cases,
        report["summary"]["checks"].as_u64().unwrap() as usize
    );
    assert_eq!(failed, 1);
    let case = xml_report.test_suites[0]
        .test_cases
        .iter()
        .find(|c| matches!(c.status, quick_junit::TestCaseStatus::NonSuccess { .. }))
        .unwrap();
    assert_eq!(case.name.as_str(), "response_schema_conformance");
    assert_eq!(
        case.classname.as_ref().map(|c| c.as_str()),
        Some("getUserProfile")
    );

    // The token was used (the secured routes passed) but appears in no output or file.
    for (name, text) in [
        ("stdout", r.stdout.clone()),
        ("stderr", r.stderr.clone()),
        ("junit", std::fs::read_to_string(&xml).unwrap()),
        ("json", std::fs::read_to_string(&json).unwrap()),
        ("server log", std::fs::read_to_string(&log).unwrap()),
    ] {
        assert!(!text.contains(TOKEN), "the token leaked into {name}");
    }
}

#[test]
fn a_spec_that_does_not_load_exits_2() {
    let r = contractgate(
        &[
            "run",
            "crates/contractgate-spec/tests/fixtures/load/errors/several.yaml",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("error[ref-not-found]"), "{}", r.all());
    assert!(r.stderr.contains("the spec does not load"), "{}", r.all());
    let r = contractgate(&["run", "no/such/openapi.yaml"], &[]);
    assert_eq!(r.code, 2, "{}", r.all());
}

#[test]
fn bad_usage_exits_2_with_a_clear_message() {
    let cases: [(&[&str], &str); 8] = [
        (&["run"], "<SPEC>"),
        (&["run", SPEC, "--shard", "4/3"], "is not K/N"),
        (&["run", SPEC, "--checks", "status_code"], "valid checks"),
        (
            &["run", SPEC, "--include", "path:users"],
            "must start with '/'",
        ),
        (&["run", SPEC, "--concurrency", "0"], "--concurrency"),
        (&["run", SPEC, "--env", "nope"], "no environment `nope`"),
        (
            &[
                "run",
                SPEC,
                "--include",
                "tag:nothing",
                "--base-url",
                "http://127.0.0.1:9",
            ],
            "no operation is selected",
        ),
        (&["run", SPEC], "no base URL"),
    ];
    for (args, message) in cases {
        let r = contractgate(args, &[]);
        assert_eq!(r.code, 2, "{args:?}: {}", r.all());
        assert!(r.stderr.contains(message), "{args:?}: {}", r.all());
    }
    // The environment variables stand for the flags.
    let r = contractgate(&["run", SPEC], &[("CONTRACTGATE_ENV", "nope")]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("no environment `nope`"), "{}", r.all());
    // A broken config: unknown keys list the valid ones.
    let config = scratch("broken.toml");
    std::fs::write(&config, "[environments.x]\nbase_ur = \"http://a\"\n").unwrap();
    let r = contractgate(
        &["run", SPEC, "--env", "x"],
        &[("CONTRACTGATE_CONFIG", config.to_str().unwrap())],
    );
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains("base_ur") && r.stderr.contains("server"),
        "{}",
        r.all()
    );
}

#[test]
fn an_unreachable_target_exits_3() {
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let r = contractgate(&["run", SPEC, "--base-url", &url], &[]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr
            .contains(&format!("cannot reach the target at {url}")),
        "{}",
        r.all()
    );
    // Through the environment variable too.
    let r = contractgate(&["run", SPEC], &[("CONTRACTGATE_BASE_URL", &url)]);
    assert_eq!(r.code, 3, "{}", r.all());
}

fn pid_in(stderr: &str) -> u32 {
    let after = stderr.split("(pid ").nth(1).unwrap();
    after[..after.find(')').unwrap()].parse().unwrap()
}

fn gone(pid: u32) -> bool {
    // Gone, or a zombie waiting for its reaper.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_server_that_never_becomes_ready_exits_3_and_is_stopped() {
    let started = Instant::now();
    let r = contractgate(
        &[
            "run",
            SPEC,
            "--server",
            "echo booting; exec sleep 300",
            "--ready-url",
            "http://127.0.0.1:{port}/health",
            "--ready-timeout",
            "1",
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(
        r.stderr.contains("the server was not ready after 1.0 s"),
        "{}",
        r.all()
    );
    assert!(
        r.stderr.contains("| booting"),
        "the log's last lines: {}",
        r.all()
    );
    let pid = pid_in(&r.stderr);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(gone(pid), "server pid {pid} still runs");

    // A server that exits at once: exit 3 with its output.
    let r = contractgate(
        &[
            "run",
            SPEC,
            "--server",
            "echo 'no config'; exit 4",
            "--base-url",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr.contains("exited before it was ready"),
        "{}",
        r.all()
    );
    assert!(r.stderr.contains("| no config"), "{}", r.all());
}

#[test]
fn a_server_that_prints_its_url_needs_no_base_url() {
    let server = format!("'{}' --port 0", user_service().display());
    let r = contractgate(
        &["run", SPEC, "--server", &server, "--include", "getHealth"],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("against http://127.0.0.1:"),
        "{}",
        r.all()
    );
    assert!(r.stdout.contains("GET /health (getHealth)"), "{}", r.all());
    assert!(!r.stdout.contains("getUserProfile"), "{}", r.all());
}

fn ids_of(report: &serde_json::Value, kind: &str) -> Vec<String> {
    report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["kind"] == kind)
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn shards_split_the_operations_without_overlap() {
    let mut operations: Vec<String> = Vec::new();
    let mut paths: Vec<String> = Vec::new();
    for k in 1..=3 {
        let json = scratch(&format!("shard{k}.json"));
        let shard = format!("{k}/3");
        let r = run_local(&["--shard", &shard, "--json", json.to_str().unwrap()], &[]);
        assert_eq!(r.code, 0, "{}", r.all());
        let report = read_json(&json);
        validate_report(&report);
        assert_eq!(report["shard"]["index"], k);
        assert_eq!(report["shard"]["selected_operations"], 8);
        operations.extend(ids_of(&report, "operation"));
        paths.extend(ids_of(&report, "path"));
    }
    let mut sorted = operations.clone();
    sorted.sort();
    let mut all: Vec<String> = OPERATIONS.iter().map(|s| s.to_string()).collect();
    all.sort();
    assert_eq!(sorted, all, "every operation in exactly one shard");
    paths.sort();
    assert_eq!(paths, PATHS, "every path check in exactly one shard");
}

#[test]
fn read_only_sends_no_unsafe_method() {
    let log = scratch("read-only.log");
    let json = scratch("read-only.json");
    let r = run_local(
        &[
            "--read-only",
            "--server-log",
            log.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[("USER_SERVICE_LOG", "1")],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains(", read-only"), "{}", r.all());
    assert!(
        r.stdout
            .contains("PUT /user/profile (updateUserProfile): all checks: read-only environment"),
        "{}",
        r.all()
    );
    let requests: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter(|l| {
            [
                "GET ", "HEAD ", "OPTIONS ", "PUT ", "POST ", "DELETE ", "PATCH ",
            ]
            .iter()
            .any(|m| l.contains(m))
        })
        .map(str::to_owned)
        .collect();
    assert!(
        requests.iter().any(|l| l.contains("GET /user/profile")),
        "the service logged the requests: {requests:#?}"
    );
    for unsafe_method in ["PUT ", "POST ", "DELETE ", "PATCH "] {
        assert!(
            !requests.iter().any(|l| l.contains(unsafe_method)),
            "{unsafe_method}sent in read-only mode: {requests:#?}"
        );
    }
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["target"]["read_only"], true);
    let skipped: Vec<String> = report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["counts"]["skipped"].as_u64().unwrap() > 0 && u["kind"] == "operation")
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        skipped,
        [
            "updateUserProfile",
            "updateUserSettings",
            "createUser",
            "deleteUser"
        ]
    );
}

#[test]
fn selection_checks_and_budget() {
    let json = scratch("select.json");
    let r = run_local(
        &[
            "--include",
            "tag:profile",
            "--exclude",
            "method:PUT",
            "--checks",
            "status_code_conformance,method_not_allowed",
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(ids_of(&report, "operation"), ["getUserProfile"]);
    assert_eq!(ids_of(&report, "path"), ["/user/profile"]);
    assert_eq!(report["summary"]["checks"], 2);

    // A budget of 2 requests: the rest is skipped, and says why.
    let r = run_local(&["--max-requests", "2", "--concurrency", "1"], &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("the request budget of 2 requests is spent"),
        "{}",
        r.all()
    );
}

#[test]
fn fail_fast_stops_after_the_first_failure() {
    let r = run_local(
        &["--fail-fast", "--concurrency", "1"],
        &[("USER_SERVICE_FAULT", "profile-500")],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("--fail-fast: the run stopped"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("not run: --fail-fast stopped the run after a failure"),
        "{}",
        r.all()
    );
    // One at a time, in document order: everything after GET /user/profile is skipped.
    assert!(
        r.stdout.contains(
            "DELETE /users/{id} (deleteUser): all checks: not run: --fail-fast stopped the run"
        ),
        "{}",
        r.all()
    );
    assert!(
        !r.stdout
            .contains("PUT /user/profile (updateUserProfile)            7"),
        "{}",
        r.all()
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_and_sigterm_stop_the_server_and_exit_130() {
    use nix::sys::signal::Signal;
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    for (signal, name) in [
        (Signal::SIGINT, "SIGINT (Ctrl-C)"),
        (Signal::SIGTERM, "SIGTERM"),
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_contractgate"))
            .args([
                "run",
                SPEC,
                "--server",
                "exec sleep 300",
                "--ready-url",
                "http://127.0.0.1:{port}/health",
                "--ready-timeout",
                "60",
            ])
            .current_dir(repo())
            .env("CI", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        stderr.read_line(&mut first).unwrap();
        let server_pid = pid_in(&first);
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap()),
            signal,
        )
        .unwrap();
        let status = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
        assert_eq!(status.code(), Some(130), "{first}{rest}");
        assert!(
            rest.contains(&format!("interrupted by {name}")),
            "{first}{rest}"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while !gone(server_pid) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            gone(server_pid),
            "server pid {server_pid} still runs after {name}"
        );
    }
}

#[test]
fn no_server_runs_against_a_service_already_running() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let mut service = Command::new(user_service())
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(service.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    let r = contractgate(
        &[
            "run",
            SPEC,
            "--env",
            "local",
            "--no-server",
            "--base-url",
            &url,
        ],
        &[],
    );
    let _ = service.kill();
    let _ = service.wait();
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(!r.stderr.contains("server: started"), "{}", r.all());
    assert!(!r.stdout.contains("server log:"), "{}", r.all());
}

#[test]
fn a_server_that_dies_during_the_run_exits_3() {
    let json = scratch("died.json");
    // Ready at once, killed half a second later; the rate limit keeps the run going for seconds.
    let server = format!(
        "'{}' --port {{port}} & sleep 0.5; kill $!; wait",
        user_service().display()
    );
    let r = contractgate(
        &[
            "run",
            SPEC,
            "--env",
            "local",
            "--server",
            &server,
            "--rate-limit",
            "10",
            "--retries",
            "0",
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stdout.contains("the server exited during the run"),
        "{}",
        r.all()
    );
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["exit_code"], 3);
}

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

/// The binary `bin` of the workspace's package `package`: `cargo test --workspace` builds it next
/// to `contractgate`; `cargo test -p contractgate-cli` alone may not, so it is built here when
/// missing.
fn workspace_binary(package: &str, bin: &str) -> PathBuf {
    let exe = format!("{bin}{}", std::env::consts::EXE_SUFFIX);
    let path = Path::new(env!("CARGO_BIN_EXE_contractgate")).with_file_name(exe);
    if !path.is_file() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", package, "--bin", bin])
            .current_dir(repo())
            .status()
            .unwrap();
        assert!(status.success(), "cargo build -p {package} failed");
    }
    assert!(path.is_file(), "{} is missing", path.display());
    path
}

/// The example service's binary (built once).
fn user_service() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| workspace_binary("user-service", "user-service"))
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
        .env_remove("CONTRACTGATE_CA_FILE")
        .env_remove("CONTRACTGATE_CASES")
        // No regressions file beside the repository's specs: tests that want one name it.
        .env("CONTRACTGATE_REGRESSIONS", "off")
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

/// The incident example's spec as many real ones are written: a permissive profile schema and a
/// documented 500 (`tests/e2e/permissive/openapi.yaml`).
const PERMISSIVE_SPEC: &str = "tests/e2e/permissive/openapi.yaml";

#[test]
fn a_spec_that_documents_500_with_permissive_schemas_still_fails_both_faults() {
    let server = server_cmd();
    let run = |fault: &str| {
        contractgate(
            &[
                "run",
                PERMISSIVE_SPEC,
                "--config",
                "examples/user-service/contractgate.toml",
                "--env",
                "local",
                "--server",
                &server,
            ],
            &[("USER_SERVICE_FAULT", fault), ("USER_SERVICE_TOKEN", TOKEN)],
        )
    };
    let clean = run("");
    assert_eq!(clean.code, 0, "{}", clean.all());
    for (fault, failing, headline) in [
        (
            "profile-500",
            "not_server_error, content_type_conformance",
            "not_server_error failed: server error",
        ),
        (
            "route-mixup",
            "route_identity",
            "route_identity failed: the body is not this route's answer",
        ),
    ] {
        let r = run(fault);
        assert_eq!(r.code, 1, "{fault}: {}", r.all());
        assert!(
            r.stdout.contains(&format!(
                "result: FAILED\n  GET /user/profile (getUserProfile): {failing}\n"
            )),
            "{fault}: {}",
            r.all()
        );
        assert!(r.stdout.contains(headline), "{fault}: {}", r.all());
    }
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
        r.stdout.contains(
            "8 operation(s) and 5 path(s): 67 check(s) passed, 0 failed, 0 not exercised"
        ),
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
    // What the stderr lines say, for CI: the cases and how to send them again, and the cleanup.
    assert_eq!(report["cases"]["per_operation"], 10, "{report:#}");
    assert_eq!(report["cases"]["seed"], 0);
    assert_eq!(report["cases"]["regressions_file"], serde_json::Value::Null);
    assert!(
        r.stderr.contains("cases: up to 10 per operation (seed 0;"),
        "{}",
        r.all()
    );
    let deleted = report["cleanup"]["deleted"].as_u64().unwrap_or(0);
    assert!(deleted > 0, "{report:#}");
    assert!(
        r.stderr.contains(&format!(
            "cleanup: {deleted} resource(s) the run created deleted"
        )),
        "{}",
        r.all()
    );
    assert_eq!(
        report["cleanup"]["operations"],
        serde_json::json!(["DELETE /users/{id} (deleteUser)"])
    );
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
            "result: FAILED\n  GET /user/profile (getUserProfile): response_schema_conformance, route_identity\n"
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
    assert_eq!(report["summary"]["failed"], 2);
    let failing: Vec<(&str, &str)> = with_status(&report, "failed");
    assert_eq!(
        failing,
        [
            ("getUserProfile", "response_schema_conformance"),
            ("getUserProfile", "route_identity")
        ]
    );

    let xml_report = junit(&xml);
    let (cases, failed, _) = junit_counts(&xml_report);
    assert_eq!(
        cases,
        report["summary"]["checks"].as_u64().unwrap() as usize
    );
    assert_eq!(failed, 2);
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

/// The requests the example service logged (`USER_SERVICE_LOG=1`) with a method in `methods`.
fn logged(log: &Path, method: &str) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .filter(|l| l.contains(&format!("{method} ")))
        .map(str::to_owned)
        .collect()
}

#[test]
fn links_give_delete_a_created_user_unless_turned_off_or_the_source_is_excluded() {
    // deleteUser's example id names no user: only the link from createUser gives it a real one.
    let runs: [(&str, &[&str], i32, usize); 3] = [
        ("links", &[], 0, 1),
        ("no-links", &["--no-links"], 1, 0),
        ("excluded", &["--exclude", "createUser"], 1, 0),
    ];
    for (name, extra, code, posts) in runs {
        let log = scratch(&format!("links-{name}.log"));
        let json = scratch(&format!("links-{name}.json"));
        let mut args = vec![
            "--include",
            "deleteUser",
            "--checks",
            "not_server_error,status_code_conformance",
            "--server-log",
            log.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let r = run_local(&args, &[("USER_SERVICE_LOG", "1")]);
        assert_eq!(r.code, code, "{name}: {}", r.all());
        assert_eq!(
            logged(&log, "POST").len(),
            posts,
            "{name}: POSTs the service saw: {:#?}\n{}",
            logged(&log, "POST"),
            r.all()
        );
        let report = read_json(&json);
        validate_report(&report);
        if code == 1 {
            assert_eq!(
                with_status(&report, "not_exercised").len(),
                2,
                "{name}: {}",
                r.all()
            );
            assert!(r.stdout.contains("so the route was not exercised"));
        } else {
            assert_eq!(with_status(&report, "passed").len(), 2, "{}", r.all());
        }
    }
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
    // The excluded PUT is listed, skipped with the selector that excluded it.
    assert_eq!(
        ids_of(&report, "operation"),
        ["getUserProfile", "updateUserProfile"]
    );
    assert_eq!(ids_of(&report, "path"), ["/user/profile"]);
    assert_eq!(report["summary"]["checks"], 3);
    assert_eq!(report["summary"]["passed"], 2);
    assert_eq!(report["summary"]["skipped"], 1);
    assert!(
        r.stdout.contains(
            "PUT /user/profile (updateUserProfile): status_code_conformance: excluded by --exclude method:PUT"
        ),
        "{}",
        r.all()
    );

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

/// Starts the built example service on a free port (with `fault`, if any); returns the process
/// and the URL it printed (`listening on http://127.0.0.1:PORT`).
fn spawn_service(fault: Option<&str>) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let mut service = Command::new(user_service());
    service
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove("USER_SERVICE_FAULT");
    if let Some(f) = fault {
        service.args(["--fault", f]);
    }
    let mut service = service.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(service.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    (service, url)
}

#[test]
fn no_server_runs_against_a_service_already_running() {
    let (mut service, url) = spawn_service(None);
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
    // Ready within milliseconds, killed 1.5 s after it starts (room for a slow, loaded CI
    // machine to see it ready first); the rate limit (10 requests a second for about 60
    // requests) keeps the run going for seconds after that.
    let server = format!(
        "'{}' --port {{port}} & sleep 1.5; kill $!; wait",
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
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["exit_code"], 3);
    let log = report["server"]["log"].as_str().unwrap();
    let loss = &report["connection_loss"];
    assert_eq!(loss["unreachable"], true, "{loss}");
    assert!(loss["server_exit"].is_string(), "{loss}");
    // Checks after the kill could not connect: the message says so, with the server's end.
    let errored = with_status(&report, "errored");
    assert!(!errored.is_empty());
    assert_eq!(loss["checks"], errored.len());
    assert!(
        r.stdout.contains(&format!(
            "target unreachable: {} check(s) could not connect to {}",
            errored.len(),
            report["target"]["base_url"].as_str().unwrap()
        )),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains(&format!(
            "\n  the server exited during the run ({}); its output is in {log}\n",
            loss["server_exit"].as_str().unwrap()
        )),
        "{}",
        r.all()
    );
}

// ---------------------------------------------------------------------------------------------
// A target that goes away during the run.

/// What the proxy does with the `n`-th request (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Relay it to the service.
    Relay,
    /// Read it and close the connection without an answer (a reset, as the client sees it).
    Drop,
    /// Close the listener: from now on every connect is refused.
    Stop,
}

/// A proxy on 127.0.0.1 in front of the example service: one request per connection, each relayed
/// or dropped as `step` says (given the request's number from 0 and its request line), until it
/// says [`Step::Stop`]. Connections that send no request (the CLI's TCP probes) do not count. The
/// request lines it saw are in `seen`.
struct Proxy {
    url: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    service: std::process::Child,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.service.kill();
        let _ = self.service.wait();
    }
}

/// Starts the example service (with `fault`, if any) and a proxy in front of it.
fn proxy(fault: Option<&str>, mut step: impl FnMut(usize, &str) -> Step + Send + 'static) -> Proxy {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    let (service, url) = spawn_service(fault);
    let backend = url.strip_prefix("http://").unwrap().to_owned();

    /// The request head and body, or `None` when the peer sent nothing.
    fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
        let mut data = Vec::new();
        let mut buf = [0u8; 8192];
        let end = loop {
            if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => return None,
                Ok(n) => data.extend_from_slice(&buf[..n]),
            }
        };
        let head = String::from_utf8_lossy(&data[..end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        let mut body = data[end..].to_vec();
        while body.len() < length {
            match stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&buf[..n]),
            }
        }
        Some((head, body))
    }

    /// One request to the service on a connection of its own; the answer says `connection: close`.
    fn relay(backend: &str, head: &str, body: &[u8]) -> Vec<u8> {
        let mut up = TcpStream::connect(backend).unwrap();
        let mut lines: Vec<&str> = head
            .trim_end()
            .lines()
            .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
            .collect();
        lines.push("connection: close");
        up.write_all(format!("{}\r\n\r\n", lines.join("\r\n")).as_bytes())
            .unwrap();
        up.write_all(body).unwrap();
        let mut answer = Vec::new();
        up.read_to_end(&mut answer).unwrap();
        let end = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or(answer.len());
        let head = String::from_utf8_lossy(&answer[..end]);
        if head.to_ascii_lowercase().contains("\r\nconnection:") {
            answer
        } else {
            let mut out = format!("{head}\r\nconnection: close").into_bytes();
            out.extend_from_slice(&answer[end..]);
            out
        }
    }

    let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    std::thread::spawn(move || {
        let mut n = 0;
        loop {
            let Ok((mut stream, _)) = listener.accept() else {
                continue;
            };
            let Some((head, body)) = read_request(&mut stream) else {
                continue;
            };
            let request_line = head.lines().next().unwrap_or_default().to_owned();
            let action = step(n, &request_line);
            n += 1;
            log.lock()
                .unwrap()
                .push(format!("{request_line} -> {action:?}"));
            match action {
                Step::Relay => {
                    let _ = stream.write_all(&relay(&backend, &head, &body));
                }
                Step::Drop => {}
                Step::Stop => {
                    // The port is closed before the client sees this request fail.
                    drop(listener);
                    drop(stream);
                    return;
                }
            }
        }
    });
    Proxy { url, seen, service }
}

/// The checks of a JSON report with a status, as (unit id, check).
fn with_status<'a>(report: &'a serde_json::Value, status: &str) -> Vec<(&'a str, &'a str)> {
    report["operations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| {
            u["checks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(move |c| c["status"] == status)
                .map(move |c| (u["id"].as_str().unwrap(), c["check"].as_str().unwrap()))
        })
        .collect()
}

/// `run` against the proxy, one operation at a time, without retries.
fn run_through(p: &Proxy, xml: &Path, json: &Path) -> Run {
    contractgate(
        &[
            "run",
            SPEC,
            "--env",
            "local",
            "--no-server",
            "--base-url",
            &p.url,
            "--concurrency",
            "1",
            "--retries",
            "0",
            "--junit",
            xml.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
        &[],
    )
}

/// With `--concurrency 1` the requests go in document order: `GET /health`, its
/// `method_not_allowed`, `GET /user/profile` (where the route mix-up shows), its path's
/// `method_not_allowed`, then `PUT /user/profile`: updateUserProfile's positive request, the first
/// request of this line.
const PUT_PROFILE: &str = "PUT /user/profile ";

/// A proxy step: relay until the first `PUT /user/profile`, then `then` for `count` requests
/// (`Stop` ends it all), then relay again.
fn from_put_profile(then: Step, count: usize) -> impl FnMut(usize, &str) -> Step + Send {
    let mut from = None;
    move |n, line| {
        if from.is_none() && line.starts_with(PUT_PROFILE) {
            from = Some(n);
        }
        match from {
            Some(k) if n - k < count => then,
            _ => Step::Relay,
        }
    }
}

#[test]
fn a_target_that_stops_answering_mid_run_exits_3_and_keeps_earlier_failures() {
    let (xml, json) = (scratch("gone.xml"), scratch("gone.json"));
    // The route mix-up is found on GET /user/profile; the port closes at the PUT after it.
    let p = proxy(Some("route-mixup"), from_put_profile(Step::Stop, 1));
    let r = run_through(&p, &xml, &json);
    assert_eq!(r.code, 3, "{}", r.all());
    let seen = p.seen.lock().unwrap().clone();
    assert!(
        seen.last().unwrap().starts_with(PUT_PROFILE)
            && seen[..seen.len() - 1]
                .iter()
                .all(|l| l.ends_with("-> Relay")),
        "{seen:#?}"
    );

    // The table tells a contract failure from checks that got no answer.
    let row = |label: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(label) && l.contains(" ms "))
            .unwrap_or_else(|| panic!("no row for {label}:\n{}", r.all()))
            .to_owned()
    };
    assert!(
        row("GET /user/profile (getUserProfile)").ends_with("  FAIL"),
        "{}",
        r.all()
    );
    assert!(
        row("PUT /user/profile (updateUserProfile)").ends_with("  NO ANSWER"),
        "{}",
        r.all()
    );

    // The failure found before is reported in full, and listed as the result.
    assert!(
        r.stdout.contains(
            "── failure 1 of 2 ─"
        ) && r.stdout.contains(
            "response_schema_conformance failed: the body does not match its schema\nOperation: GET /user/profile"
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains(
            "result: FAILED\n  GET /user/profile (getUserProfile): response_schema_conformance, route_identity\ntarget unreachable: "
        ),
        "{}",
        r.all()
    );
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["exit_code"], 3);
    let errored = with_status(&report, "errored");
    let loss = &report["connection_loss"];
    assert_eq!(loss["checks"], errored.len(), "{loss}");
    assert_eq!(loss["unreachable"], true);
    assert_eq!(loss["answered_after_run"], false);
    assert_eq!(loss["first"]["id"], "updateUserProfile");
    assert_eq!(loss["first"]["check"], "not_server_error");
    assert!(
        loss["probe_error"].as_str().unwrap().contains("refused"),
        "{loss}"
    );
    // Every check from updateUserProfile on got no answer; nothing before it did.
    assert_eq!(errored[0], ("updateUserProfile", "not_server_error"));
    assert!(errored.contains(&("/users/{id}", "method_not_allowed")));
    assert!(errored.contains(&("deleteUser", "auth_enforced")));
    assert_eq!(
        with_status(&report, "failed"),
        [
            ("getUserProfile", "response_schema_conformance"),
            ("getUserProfile", "route_identity")
        ]
    );

    // The message, exactly.
    let port = p.url.rsplit(':').next().unwrap();
    let expected = format!(
        "target unreachable: {} check(s) could not connect to {} (first at PUT /user/profile (updateUserProfile): not_server_error); the server stopped answering during the run\n  a TCP connect after the run failed: 127.0.0.1:{port}: ",
        errored.len(),
        p.url
    );
    assert!(r.stdout.contains(&expected), "{expected}\n{}", r.all());
    assert!(
        r.stdout.contains(&format!(
            "  2 contract failure(s) found before that are listed above; the {} check(s) without an answer are reported as errors (JUnit <error>, JSON \"errored\")\n",
            errored.len()
        )),
        "{}",
        r.all()
    );
    // They are shown once, not as one failure each.
    assert!(
        r.stdout.contains(&format!(
            "── no answer: {} check(s), the target stopped answering ─",
            errored.len()
        )),
        "{}",
        r.all()
    );
    // Two contract failures and the one shown for every check without an answer.
    assert_eq!(
        r.stdout.matches("Reproduce with:").count(),
        3,
        "{}",
        r.all()
    );

    // JUnit: the contract failure a <failure>, every check without an answer an <error>.
    let junit = junit(&xml);
    let cases: Vec<&quick_junit::TestCase> = junit.test_suites[0].test_cases.iter().collect();
    let kind = |c: &quick_junit::TestCase| match &c.status {
        quick_junit::TestCaseStatus::NonSuccess { kind, .. } => Some(*kind),
        _ => None,
    };
    let errors: Vec<(&str, &str)> = cases
        .iter()
        .filter(|c| kind(c) == Some(quick_junit::NonSuccessKind::Error))
        .map(|c| (c.classname.as_ref().unwrap().as_str(), c.name.as_str()))
        .collect();
    assert_eq!(errors, errored);
    let failures: Vec<&str> = cases
        .iter()
        .filter(|c| kind(c) == Some(quick_junit::NonSuccessKind::Failure))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(failures, ["response_schema_conformance", "route_identity"]);
    assert_eq!(junit.test_suites[0].errors, errored.len());
    assert_eq!(junit.test_suites[0].failures, 2);
}

#[test]
fn a_transient_interruption_is_reported_and_exits_1() {
    let (xml, json) = (scratch("blip.xml"), scratch("blip.json"));
    // updateUserProfile's positive request, its request without credentials and its first
    // invalid request are dropped; everything else is answered, also after the run.
    let p = proxy(None, from_put_profile(Step::Drop, 3));
    let r = run_through(&p, &xml, &json);
    assert_eq!(r.code, 1, "{}", r.all());
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["exit_code"], 1);
    let errored = with_status(&report, "errored");
    assert!(
        errored.iter().all(|(id, _)| *id == "updateUserProfile") && errored.len() >= 3,
        "{errored:?}"
    );
    let loss = &report["connection_loss"];
    assert_eq!(loss["checks"], errored.len(), "{loss}");
    assert_eq!(loss["unreachable"], false);
    assert_eq!(loss["answered_after_run"], true);
    assert_eq!(loss["probe_error"], serde_json::Value::Null);
    assert!(
        r.stdout.contains(&format!(
            "note: {} check(s) could not connect to {} (first at PUT /user/profile (updateUserProfile): not_server_error), but it answered again after the run (a transient interruption): they count as failures; --retries N retries connection errors\n",
            errored.len(),
            p.url
        )),
        "{}",
        r.all()
    );
    // As before: every failure in full, each check listed.
    assert!(
        r.stdout
            .contains("result: FAILED\n  PUT /user/profile (updateUserProfile): not_server_error"),
        "{}",
        r.all()
    );
    assert!(!r.stdout.contains("target unreachable"), "{}", r.all());
}

// ---------------------------------------------------------------------------------------------
// The JUnit file as CI test-report parsers read it.

/// The attributes of every `<tag ...>` in `xml`, in order (values still XML-escaped; quick-xml
/// escapes `<` and `>` in attribute values, so a tag ends at the first `>`).
fn tags(xml: &str, tag: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let open = format!("<{tag}");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        if !rest.starts_with([' ', '>', '/']) {
            continue;
        }
        let end = rest.find('>').unwrap();
        let mut attrs = std::collections::BTreeMap::new();
        let mut body = rest[..end].trim_end_matches('/').trim();
        while let Some(eq) = body.find("=\"") {
            let name = body[..eq].trim().to_owned();
            let value_end = body[eq + 2..].find('"').unwrap();
            attrs.insert(name, body[eq + 2..eq + 2 + value_end].to_owned());
            body = body[eq + 2 + value_end + 1..].trim_start();
        }
        found.push(attrs);
        rest = &rest[end..];
    }
    found
}

/// What GitLab (`lib/gitlab/ci/parsers/test/junit.rb`, with ActiveSupport's XML converter),
/// mikepenz/action-junit-report (`src/testParser.ts`, xml-js) and dorny/test-reporter
/// (`src/parsers/java-junit/java-junit-parser.ts`, xml2js) rely on, checked on a run with every
/// outcome: passed, a contract failure (the route mix-up), errors (requests dropped without an
/// answer) and skipped (not applicable).
#[test]
fn junit_has_what_gitlab_and_github_parsers_read() {
    let (xml_path, json) = (scratch("parsers.xml"), scratch("parsers.json"));
    let p = proxy(Some("route-mixup"), from_put_profile(Step::Drop, 3));
    let r = run_through(&p, &xml_path, &json);
    assert_eq!(r.code, 1, "{}", r.all());
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    let report = read_json(&json);

    // One <testsuites> root (GitLab accepts only one top-level testsuites) with one named
    // <testsuite> (dorny calls `$.name.trim()` on it) holding the testcases directly.
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    let roots = tags(&xml, "testsuites");
    let suites = tags(&xml, "testsuite");
    assert_eq!((roots.len(), suites.len()), (1, 1), "{xml}");
    let (root, suite) = (&roots[0], &suites[0]);
    assert_eq!(suite["name"], "User Service 0.1.0");

    // Every testcase: a name, a classname (dorny groups by it; GitLab keys a case by
    // suite + classname + name, so a repeated pair would silently replace another case) and a
    // time that is a plain number of seconds (GitLab `to_f`, dorny and xml-js `parseFloat`:
    // without it dorny shows NaN).
    let cases = tags(&xml, "testcase");
    let mut keys = std::collections::BTreeSet::new();
    let mut total = 0.0;
    for case in &cases {
        assert!(
            !case["name"].is_empty() && !case["classname"].is_empty(),
            "{case:?}"
        );
        assert!(
            keys.insert((case["classname"].clone(), case["name"].clone())),
            "{case:?} twice"
        );
        let time = &case["time"];
        assert!(
            time.chars().all(|c| c.is_ascii_digit() || c == '.'),
            "time {time:?} is not a plain number"
        );
        total += time.parse::<f64>().unwrap();
    }
    assert!(total > 0.0, "every testcase took 0 s: {xml}");

    // The counts on <testsuites> and <testsuite> match the children (mikepenz and dorny count
    // the children, GitLab too; a mismatch shows different numbers in different places).
    let failures = tags(&xml, "failure");
    let errors = tags(&xml, "error");
    let skipped = tags(&xml, "skipped");
    for counts in [root, suite] {
        assert_eq!(counts["tests"], cases.len().to_string());
        assert_eq!(counts["failures"], failures.len().to_string());
        assert_eq!(counts["errors"], errors.len().to_string());
        assert_eq!(counts["skipped"], skipped.len().to_string());
        assert!(counts["time"].parse::<f64>().unwrap() > 0.0);
    }
    // ... and the run's own summary: failed = <failure> + <error>, skipped + n/a = <skipped>.
    let summary = &report["summary"];
    assert_eq!(summary["checks"], cases.len());
    assert_eq!(summary["failed"], failures.len() + errors.len());
    assert_eq!(
        summary["skipped"].as_u64().unwrap() + summary["not_applicable"].as_u64().unwrap(),
        skipped.len() as u64
    );
    // The route mix-up: the schema check and route_identity.
    assert_eq!(failures.len(), 2);
    assert!(errors.len() >= 3, "{xml}");

    // <failure>/<error>/<skipped> carry a one-line `message` (mikepenz's annotation message,
    // dorny's error message) and a `type`. ActiveSupport's converter (GitLab) type-casts an
    // element by its `type` attribute and refuses the whole file for `yaml` or `symbol`: the
    // types used are none of its names.
    const ACTIVE_SUPPORT_TYPES: [&str; 16] = [
        "symbol",
        "date",
        "datetime",
        "dateTime",
        "integer",
        "float",
        "decimal",
        "boolean",
        "string",
        "double",
        "base64Binary",
        "binary",
        "file",
        "yaml",
        "array",
        "hash",
    ];
    for (elements, types) in [
        (&failures, &["failed", "not_exercised"][..]),
        (&errors, &["errored"][..]),
        (&skipped, &["skipped", "not_applicable"][..]),
    ] {
        for e in elements.iter() {
            let message = &e["message"];
            assert!(!message.is_empty() && !message.contains('\n'), "{e:?}");
            assert!(types.contains(&e["type"].as_str()), "{e:?}");
            assert!(!ACTIVE_SUPPORT_TYPES.contains(&e["type"].as_str()));
        }
    }

    // The text of a <failure>/<error> (GitLab's system_output, mikepenz's raw details, dorny's
    // details) is the whole rendering; the message its headline. Read back with quick-junit.
    let parsed = junit(&xml_path);
    for case in &parsed.test_suites[0].test_cases {
        if let quick_junit::TestCaseStatus::NonSuccess {
            message,
            description,
            ..
        } = &case.status
        {
            let text = description.as_ref().unwrap().as_str();
            assert!(
                text.starts_with(&format!("{} failed: ", case.name.as_str())),
                "{text}"
            );
            assert!(text.contains("Reproduce with:"), "{text}");
            let message = message.as_ref().unwrap().as_str();
            assert!(
                text.contains(message.split_once(": ").unwrap().1),
                "{message}"
            );
        }
    }
    let failure = parsed.test_suites[0]
        .test_cases
        .iter()
        .find(|c| {
            matches!(
                &c.status,
                quick_junit::TestCaseStatus::NonSuccess {
                    kind: quick_junit::NonSuccessKind::Failure,
                    ..
                }
            )
        })
        .unwrap();
    assert_eq!(
        (
            failure.classname.as_ref().unwrap().as_str(),
            failure.name.as_str()
        ),
        ("getUserProfile", "response_schema_conformance")
    );

    // Times: an operation's testcase times add up to no more than its time (one shared request is
    // counted once, not once per check), and each equals the JSON's `duration_ms`.
    for unit in report["operations"].as_array().unwrap() {
        let id = unit["id"].as_str().unwrap();
        let mine: Vec<&quick_junit::TestCase> = parsed.test_suites[0]
            .test_cases
            .iter()
            .filter(|c| c.classname.as_ref().is_some_and(|n| n.as_str() == id))
            .collect();
        let checks = unit["checks"].as_array().unwrap();
        assert_eq!(mine.len(), checks.len(), "{id}");
        let mut sum_ms = 0.0;
        for (case, check) in mine.iter().zip(checks) {
            assert_eq!(case.name.as_str(), check["check"].as_str().unwrap());
            let ms = case.time.unwrap().as_secs_f64() * 1000.0;
            let json_ms = check["duration_ms"].as_f64().unwrap();
            assert!(
                (ms - json_ms).abs() <= 1.0,
                "{id} {}: {ms} vs {json_ms}",
                case.name.as_str()
            );
            sum_ms += ms;
        }
        let unit_ms = unit["duration_ms"].as_f64().unwrap();
        assert!(
            sum_ms <= unit_ms + 1.0 + 0.5 * checks.len() as f64,
            "{id}: testcases {sum_ms} ms, operation {unit_ms} ms"
        );
    }
}

/// Whether `word` stands in `text` as a whole token (not inside a longer word).
fn has_token(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        !text[..i].chars().next_back().is_some_and(is_word)
            && !text[i + word.len()..].chars().next().is_some_and(is_word)
    })
}

#[test]
fn short_secrets_never_corrupt_a_report_and_are_never_printed() {
    for (i, secret) in ["x", "admin", "status", "not_server_error"]
        .iter()
        .enumerate()
    {
        let secret = *secret;
        // A folder name without the secret in it (it would be redacted there, as it should).
        let dir = scratch(&format!("short-secret-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = example_config(
            &dir,
            "[environments.t.credentials]\nbearerAuth = { token_env = \"CG_SHORT_SECRET\" }\n",
        );
        let (xml, json) = (dir.join("junit.xml"), dir.join("report.json"));
        let r = contractgate(
            &[
                "run",
                SPEC,
                "--config",
                config.to_str().unwrap(),
                "--env",
                "t",
                "--junit",
                xml.to_str().unwrap(),
                "--json",
                json.to_str().unwrap(),
            ],
            &[("CG_SHORT_SECRET", secret)],
        );
        // The service refuses the token: its secured routes are not exercised.
        assert_eq!(r.code, 1, "{secret}: {}", r.all());
        assert!(
            r.stderr
                .contains("note: the secret in $CG_SHORT_SECRET is shorter than 8 characters")
                || secret.len() >= 8,
            "{secret}: {}",
            r.all()
        );
        let report = read_json(&json);
        validate_report(&report);
        assert!(
            !with_status(&report, "not_exercised").is_empty(),
            "{secret}"
        );
        assert!(
            r.stdout.contains(&format!("junit: {}", xml.display())),
            "{secret}: {}",
            r.all()
        );
        let xml_text = std::fs::read_to_string(&xml).unwrap();
        junit(&xml);
        let json_text = std::fs::read_to_string(&json).unwrap();
        for (what, text) in [
            ("stdout", &r.stdout),
            ("junit", &xml_text),
            ("json", &json_text),
        ] {
            assert!(
                text.contains("Bearer ${CG_SHORT_SECRET}"),
                "{secret} in {what}: the curl line names the variable"
            );
            assert!(
                !has_token(text, &format!("Bearer {secret}")),
                "{secret} in {what}"
            );
        }
        if secret == "x" || secret == "admin" {
            for (what, text) in [
                ("stdout", &r.stdout),
                ("junit", &xml_text),
                ("json", &json_text),
            ] {
                assert!(!has_token(text, secret), "{secret} printed in {what}");
            }
        }
    }
}

/// A `contractgate.toml` in `dir` with an environment `t` that starts the example service, plus
/// `extra` (credentials, headers).
fn example_config(dir: &Path, extra: &str) -> PathBuf {
    let config = dir.join("contractgate.toml");
    std::fs::write(
        &config,
        format!(
            "[environments.t]\nbase_url = \"http://127.0.0.1:{{port}}\"\nserver = \"{}\"\nready_url = \"http://127.0.0.1:{{port}}/health\"\n{extra}",
            server_cmd().replace('\'', "")
        ),
    )
    .unwrap();
    config
}

#[test]
fn header_flags_read_variables_and_never_print_credentials() {
    let dir = scratch("header-flags");
    std::fs::create_dir_all(&dir).unwrap();
    let config = example_config(&dir, "");
    let run = |header: &str, env: &[(&str, &str)]| {
        let mut vars = vec![("USER_SERVICE_FAULT", "route-mixup")];
        vars.extend_from_slice(env);
        contractgate(
            &[
                "run",
                SPEC,
                "--config",
                config.to_str().unwrap(),
                "--env",
                "t",
                "-H",
                header,
            ],
            &vars,
        )
    };
    // From a variable: the secured routes get through, the curl line names the variable.
    let r = run(
        "Authorization: Bearer ${CG_HEADER_TOKEN}",
        &[("CG_HEADER_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "result: FAILED\n  GET /user/profile (getUserProfile): response_schema_conformance, route_identity, profile_is_callers"
        ) || r.stdout.contains("result: FAILED\n  GET /user/profile (getUserProfile): response_schema_conformance, route_identity\n"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("-H \"Authorization: Bearer ${CG_HEADER_TOKEN}\""),
        "{}",
        r.all()
    );
    assert!(!r.all().contains(TOKEN), "{}", r.all());

    // Written as is: it works, and is never printed.
    let r = run(&format!("Authorization: Bearer {}", TOKEN), &[]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "GET /user/profile (getUserProfile): response_schema_conformance, route_identity"
        ),
        "{}",
        r.all()
    );
    assert!(!r.all().contains(TOKEN), "{}", r.all());
    assert!(
        r.stdout.contains("-H 'Authorization: [redacted]'"),
        "{}",
        r.all()
    );

    // A variable nobody set, and a header that is not `Name: value`: usage errors, nothing sent.
    let r = run("X-Token: ${CG_NOT_SET_ANYWHERE}", &[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("the header `X-Token` reads ${CG_NOT_SET_ANYWHERE}, which is not set"),
        "{}",
        r.all()
    );
    let r = run("no colon here", &[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("expected `Name: value`"), "{}", r.all());
}

#[test]
fn credentials_that_cannot_be_obtained_stop_the_run_before_any_check() {
    let dir = scratch("login-refused");
    std::fs::create_dir_all(&dir).unwrap();
    // `createUser` as the "login": it wants a token itself, so it answers 401 to a request
    // without one. The run stops with the answer (exit 3), and checks nothing unauthenticated.
    let config = example_config(
        &dir,
        "[environments.t.credentials.bearerAuth.login]\noperation = \"createUser\"\nbody = { name = \"Ada\", email = \"ada@example.com\", password = \"${CG_LOGIN_PASSWORD}\" }\n",
    );
    let args = [
        "run",
        SPEC,
        "--config",
        config.to_str().unwrap(),
        "--env",
        "t",
    ];
    let r = contractgate(&args, &[("CG_LOGIN_PASSWORD", "login-pa55word-42")]);
    assert_eq!(r.code, 3, "{}", r.all());
    assert!(
        r.stderr.contains(
            "contractgate: error: could not obtain credentials: no token for `bearerAuth` from the login operation `createUser`: POST /users (createUser) answered 401 Unauthorized"
        ),
        "{}",
        r.all()
    );
    assert!(!r.stdout.contains("result:"), "{}", r.all());
    assert!(!r.all().contains("login-pa55word-42"), "{}", r.all());
    // A login that reads a variable nobody set: a usage error before anything is sent.
    let r = contractgate(&args, &[]);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr
            .contains("the login for `bearerAuth` reads ${CG_LOGIN_PASSWORD}, which is not set"),
        "{}",
        r.all()
    );
}

#[test]
fn a_baseline_accepts_known_failures_and_names_stale_entries() {
    let (baseline, json, xml) = (
        scratch("baseline.toml"),
        scratch("baseline-run.json"),
        scratch("baseline-run.xml"),
    );
    let b = baseline.to_str().unwrap();
    let mixup = [
        ("USER_SERVICE_FAULT", "route-mixup"),
        ("USER_SERVICE_TOKEN", TOKEN),
    ];
    // Written from a failing run (which still fails).
    let r = run_local(&["--write-baseline", b], &mixup);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("baseline: wrote 2 accepted failure(s) to"),
        "{}",
        r.all()
    );
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(
        text.contains("operation = \"getUserProfile\"\ncheck = \"response_schema_conformance\""),
        "{text}"
    );
    assert!(text.contains("check = \"route_identity\""), "{text}");
    assert!(
        text.contains("reason = \"TODO: why this failure is accepted"),
        "{text}"
    );
    let text = text.replace(
        "TODO: why this failure is accepted, and who fixes it",
        "PROJ-7: settings body on the profile route, fix in 1.4",
    );
    std::fs::write(&baseline, &text).unwrap();

    // The same fault, another server on another port: known, exit 0.
    let r = run_local(
        &[
            "--baseline",
            b,
            "--json",
            json.to_str().unwrap(),
            "--junit",
            xml.to_str().unwrap(),
        ],
        &mixup,
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("result: PASSED (2 known failure(s) accepted by the baseline)"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("accepted: PROJ-7: settings body on the profile route, fix in 1.4"),
        "{}",
        r.all()
    );
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["summary"]["known"], 2);
    assert_eq!(report["summary"]["failed"], 0);
    assert_eq!(report["baseline"]["known"], 2);
    let xml_text = std::fs::read_to_string(&xml).unwrap();
    assert!(xml_text.contains("type=\"known\""), "{xml_text}");

    // Another fault is a new failure: exit 1, while the accepted ones are gone, so stale.
    let r = run_local(
        &["--baseline", b, "--json", json.to_str().unwrap()],
        &[
            ("USER_SERVICE_FAULT", "profile-500"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("not_server_error"), "{}", r.all());
    // Fixed: both entries are stale and the run passes.
    let r = run_local(
        &["--baseline", b, "--json", json.to_str().unwrap()],
        &[("USER_SERVICE_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("Stale baseline entries: their failure is gone (fixed: remove them from"),
        "{}",
        r.all()
    );
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["baseline"]["stale"].as_array().unwrap().len(), 2);

    // Expired: the failure fails again, and says why.
    std::fs::write(
        &baseline,
        text.replace("# expires = \"YYYY-MM-DD\"", "expires = \"2026-01-01\""),
    )
    .unwrap();
    let r = run_local(&["--baseline", b], &mixup);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains("accepted this failure until 2026-01-01 (\"PROJ-7: settings body on the profile route, fix in 1.4\"); the entry has expired"),
        "{}",
        r.all()
    );
    // A file that does not parse is a usage error before anything is sent.
    std::fs::write(&baseline, "[[accepted]]\noperation = 1\n").unwrap();
    let r = run_local(&["--baseline", b], &mixup);
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(r.stderr.contains("does not parse"), "{}", r.all());
}

#[test]
fn coverage_counts_what_was_exercised_and_min_coverage_fails_a_run_that_proved_too_little() {
    let api = contractgate_spec::load(Path::new(&repo().join(SPEC)))
        .unwrap()
        .api;
    // Counted from the IR, apart from the coverage code.
    let documented: usize = api
        .operations
        .iter()
        .map(|op| {
            op.responses
                .iter()
                .filter(|r| r.status != contractgate_spec::ir::StatusSpec::Default)
                .count()
        })
        .sum();
    let declared: usize = api.operations.iter().map(|op| op.parameters.len()).sum();
    let gets = api
        .operations
        .iter()
        .filter(|op| op.method.as_str() == "GET")
        .count();
    let json = scratch("coverage.json");
    let r = run_local(
        &["--json", json.to_str().unwrap()],
        &[("USER_SERVICE_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let report = read_json(&json);
    validate_report(&report);
    let c = &report["coverage"];
    assert_eq!(c["operations"]["covered"], api.operations.len());
    assert_eq!(c["operations"]["total"], api.operations.len());
    assert_eq!(c["statuses"]["total"], documented);
    assert_eq!(c["parameters"]["total"], declared);
    assert!(
        r.stdout.contains(&format!(
            "coverage: {n} of {n} operations exercised (100%), {} of {documented} documented statuses seen",
            c["statuses"]["covered"],
            n = api.operations.len()
        )),
        "{}",
        r.all()
    );
    // Every documented status counted as seen was received.
    for unit in report["operations"].as_array().unwrap() {
        let Some(cov) = unit.get("coverage") else {
            continue;
        };
        for s in cov["statuses_seen"].as_array().unwrap() {
            let s = s.as_str().unwrap();
            assert!(
                cov["statuses_received"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| {
                        let r = r.to_string();
                        r == s || (s.ends_with("XX") && r.starts_with(&s[..1]))
                    }),
                "{cov}"
            );
        }
    }

    // Read-only: only the GET operations are exercised; below 80% is exit 4, and says why.
    let r = run_local(
        &[
            "--read-only",
            "--min-coverage",
            "80",
            "--json",
            json.to_str().unwrap(),
        ],
        &[("USER_SERVICE_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 4, "{}", r.all());
    let report = read_json(&json);
    validate_report(&report);
    assert_eq!(report["coverage"]["operations"]["covered"], gets);
    assert_eq!(report["coverage"]["below_min"], true);
    assert!(
        r.stdout
            .contains("  not exercised: POST /users (createUser): skipped (read-only environment)"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("result: FAILED (too few operations exercised: see coverage above)"),
        "{}",
        r.all()
    );

    // A request the server refuses (an id that does not exist there) is not coverage.
    let dir = scratch("coverage-refused");
    std::fs::create_dir_all(&dir).unwrap();
    let config = example_config(
        &dir,
        "[environments.t.credentials]\nbearerAuth = { token_env = \"USER_SERVICE_TOKEN\" }\n[environments.t.fixtures.getUser]\nparams = { id = \"00000000-0000-4000-8000-000000000000\" }\n",
    );
    let r = contractgate(
        &[
            "run",
            SPEC,
            "--config",
            config.to_str().unwrap(),
            "--env",
            "t",
            "--no-links",
            "--include",
            "getUser",
            "--min-coverage",
            "100",
        ],
        &[("USER_SERVICE_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 1, "not exercised fails the run first: {}", r.all());
    assert!(
        r.stdout
            .contains("coverage: 0 of 1 operations exercised (0%)"),
        "{}",
        r.all()
    );
    assert!(
        r.stdout.contains(
            "not exercised: GET /users/{id} (getUser): the server refused the request built from the spec (404 Not Found)"
        ),
        "{}",
        r.all()
    );
}

#[test]
fn excluded_operations_are_listed_as_skipped() {
    let json = scratch("excluded.json");
    let r = run_local(
        &["--exclude", "tag:users", "--json", json.to_str().unwrap()],
        &[("USER_SERVICE_TOKEN", TOKEN)],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("POST /users (createUser): all checks: excluded by --exclude tag:users"),
        "{}",
        r.all()
    );
    let report = read_json(&json);
    validate_report(&report);
    // Listed, but not counted as run operations in the coverage.
    assert!(
        report["operations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == "createUser")
    );
    assert!(
        report["coverage"]["uncovered"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["id"] != "createUser")
    );
}

/// A Chromium (or Chrome) to open the HTML report with: `CONTRACTGATE_CHROMIUM`, else the first
/// of the usual names on the PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CONTRACTGATE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
    .find(|p| p.is_file())
}

#[test]
fn html_and_markdown_reports_show_the_failure() {
    let (html, md, summary) = (
        scratch("report.html"),
        scratch("report.md"),
        scratch("step-summary.md"),
    );
    std::fs::write(&summary, "an earlier step's summary\n").unwrap();
    let r = run_local(
        &[
            "--html",
            html.to_str().unwrap(),
            "--markdown",
            md.to_str().unwrap(),
        ],
        &[
            ("USER_SERVICE_FAULT", "route-mixup"),
            ("USER_SERVICE_TOKEN", TOKEN),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(r.stdout.contains("html: "), "{}", r.all());
    let md_text = std::fs::read_to_string(&md).unwrap();
    assert!(md_text.contains("❌ FAILED"), "{md_text}");
    assert!(
        md_text.contains(
            "| GET /user/profile (getUserProfile) | route_identity | the body is not this route's answer"
        ),
        "{md_text}"
    );
    assert!(
        md_text.contains("**Coverage:** 8 of 8 operations exercised"),
        "{md_text}"
    );
    // The job summary gets the same text, after what was there.
    let step = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(step, format!("an earlier step's summary\n{md_text}"));

    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains(TOKEN),
        "the token leaked into the HTML report"
    );
    assert!(!md_text.contains(TOKEN));
    // Self-contained: nothing is loaded from anywhere.
    for external in ["<link", "src=", "@import", "url("] {
        assert!(!page.contains(external), "{external} in the HTML report");
    }
    assert_eq!(page.matches("<tr data-status=\"failed\">").count(), 2);

    let Some(browser) = chromium() else {
        eprintln!(
            "skipped: no Chromium on the PATH (install Debian's `chromium`, or set CONTRACTGATE_CHROMIUM); the HTML report was only checked as text"
        );
        return;
    };
    let url = format!("file://{}#failed", html.display());
    let open = |extra: &[&str]| {
        let out = Command::new(&browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1280,1400",
            ])
            .args(extra)
            .arg(&url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The DOM after the page's script ran: `#failed` shows the two failures, hides the rest.
    let dom = open(&["--dump-dom"]);
    let rows = dom.matches("<tr data-status=").count();
    let shown_failed = dom.matches("<tr data-status=\"failed\">").count();
    let hidden = dom.matches("hidden=\"\"").count();
    assert_eq!(shown_failed, 2, "{dom}");
    assert_eq!(hidden, rows - 2, "every other row is hidden");
    assert!(
        dom.contains("data-filter=\"failed\" aria-pressed=\"true\""),
        "the Failed filter is on"
    );
    assert!(
        dom.contains("route mix-up?"),
        "the failure text is expanded"
    );
    let png = scratch("report.png");
    open(&[&format!("--screenshot={}", png.display())]);
    let image = std::fs::read(&png).unwrap();
    assert!(image.starts_with(b"\x89PNG"), "a screenshot was taken");
    assert!(image.len() > 10_000, "the screenshot is not blank");
}

#[test]
fn replay_sends_a_reports_failures_again_with_the_new_targets_credentials() {
    let json = scratch("replay.json");
    // The report: a route mix-up, seen by a run with the local environment's token.
    let r = run_local(
        &["--json", json.to_str().unwrap()],
        &[
            ("USER_SERVICE_FAULT", "route-mixup"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    let report = std::fs::read_to_string(&json).unwrap();
    // The recorded request holds no credential.
    assert!(!report.contains(TOKEN));
    assert!(report.contains("\"replay\""), "{report}");
    validate_report(&serde_json::from_str(&report).unwrap());

    let (mut clean, clean_url) = spawn_service(None);
    let (mut broken, broken_url) = spawn_service(Some("route-mixup"));
    let replay = |url: &str, extra: &[&str]| {
        let mut args = vec![
            "replay",
            json.to_str().unwrap(),
            "--base-url",
            url,
            "--env",
            "local",
        ];
        args.extend_from_slice(extra);
        contractgate(&args, &[("USER_SERVICE_TOKEN", TOKEN)])
    };
    let fixed = replay(&clean_url, &[]);
    let still = replay(&broken_url, &["--check", "route_identity"]);
    let nothing = replay(&clean_url, &["--operation", "getHealth"]);
    // Without the environment, no credentials: the replayed request is refused.
    let refused = contractgate(
        &["replay", json.to_str().unwrap(), "--base-url", &broken_url],
        &[],
    );
    for s in [&mut clean, &mut broken] {
        let _ = s.kill();
        let _ = s.wait();
    }
    assert_eq!(fixed.code, 0, "{}", fixed.all());
    assert!(
        fixed.stdout.contains(
            "passes now: GET /user/profile (getUserProfile) · route_identity (was failed)"
        ),
        "{}",
        fixed.all()
    );
    assert!(
        fixed
            .stdout
            .contains("replayed 2: 0 still fail(s), 2 pass(es) now"),
        "{}",
        fixed.all()
    );
    assert_eq!(still.code, 1, "{}", still.all());
    assert!(
        still
            .stdout
            .contains("still fails: GET /user/profile (getUserProfile) · route_identity (was failed)\nroute_identity failed: the body is not this route's answer"),
        "{}",
        still.all()
    );
    assert!(
        still
            .stdout
            .contains("-H \"Authorization: Bearer ${USER_SERVICE_TOKEN}\""),
        "the new environment's credentials, by name: {}",
        still.all()
    );
    assert!(!still.all().contains(TOKEN));
    assert_eq!(nothing.code, 0, "{}", nothing.all());
    assert!(
        nothing.stdout.contains("nothing to replay"),
        "{}",
        nothing.all()
    );
    assert_eq!(refused.code, 1, "{}", refused.all());
    assert!(refused.stdout.contains("still fails"), "{}", refused.all());
}

#[test]
fn a_delete_that_keeps_the_resource_fails_use_after_free() {
    let r = run_local(
        &[],
        &[
            ("USER_SERVICE_FAULT", "delete-keeps"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout
            .contains("result: FAILED\n  DELETE /users/{id} (deleteUser): use_after_free\n"),
        "{}",
        r.all()
    );
}

#[test]
fn a_500_at_a_boundary_value_is_found_by_generated_cases_shrunk_and_remembered() {
    let regressions = scratch("bio-limit.regressions.json");
    let file = regressions.to_str().unwrap();
    let env = [
        ("USER_SERVICE_FAULT", "bio-limit-500"),
        ("USER_SERVICE_TOKEN", TOKEN),
        ("CONTRACTGATE_REGRESSIONS", file),
    ];
    // Case 1 alone (the spec's example) does not reach the fault.
    let one = run_local(&["--cases", "1"], &env);
    assert_eq!(one.code, 0, "{}", one.all());
    assert!(!regressions.exists());

    let found = run_local(&["--cases", "20"], &env);
    assert_eq!(found.code, 1, "{}", found.all());
    assert!(
        found.stdout.contains(
            "result: FAILED\n  PUT /user/profile (updateUserProfile): not_server_error, status_code_conformance\n"
        ),
        "{}",
        found.all()
    );
    assert!(
        found
            .all()
            .contains("cases: up to 20 per operation (seed 0"),
        "{}",
        found.all()
    );
    assert!(
        found
            .stdout
            .contains("boundary: `bio` at its maxLength (280 characters); the request built from the spec (case 1) passed this check."),
        "{}",
        found.all()
    );
    assert!(found.stdout.contains("Shrunk in "), "{}", found.all());
    // The minimal request: optional `avatar_url` left out, `bio` still 280 characters.
    let saved = read_json(&regressions);
    let cases = saved["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{saved:#}");
    assert_eq!(cases[0]["operation"], "updateUserProfile");
    let body = cases[0]["body"].as_object().unwrap();
    assert_eq!(
        body["bio"].as_str().unwrap().chars().count(),
        280,
        "{saved:#}"
    );
    assert!(!body.contains_key("avatar_url"), "{saved:#}");
    assert_eq!(body["display_name"].as_str().unwrap().chars().count(), 1);
    let curl = found
        .stdout
        .lines()
        .find(|l| l.contains("curl") && l.contains("-X PUT"))
        .unwrap();
    assert!(!curl.contains("avatar_url"), "{curl}");

    // The next run sends the remembered case first, even with one case per operation.
    let again = run_local(&["--cases", "1"], &env);
    assert_eq!(again.code, 1, "{}", again.all());
    assert!(
        again
            .stdout
            .contains(&format!("Found by case 2 of 2: from {file}")),
        "{}",
        again.all()
    );

    // The clean service passes the same cases and the remembered one: no false positive.
    let clean = run_local(
        &["--cases", "20"],
        &[
            ("USER_SERVICE_TOKEN", TOKEN),
            ("CONTRACTGATE_REGRESSIONS", file),
        ],
    );
    assert_eq!(clean.code, 0, "{}", clean.all());
    assert!(clean.stdout.contains("result: PASSED"), "{}", clean.all());
}

#[test]
fn a_bad_number_of_cases_or_regressions_file_is_said_clearly() {
    let bad = contractgate(
        &[
            "run",
            SPEC,
            "--base-url",
            "http://127.0.0.1:9",
            "--cases",
            "0",
        ],
        &[],
    );
    assert_eq!(bad.code, 2, "{}", bad.all());
    assert!(bad.stderr.contains("--cases"), "{}", bad.all());
    let broken = scratch("broken.regressions.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let r = run_local(
        &["--cases", "3"],
        &[
            ("USER_SERVICE_TOKEN", TOKEN),
            ("CONTRACTGATE_REGRESSIONS", broken.to_str().unwrap()),
        ],
    );
    assert_eq!(r.code, 2, "{}", r.all());
    assert!(
        r.stderr.contains(&format!(
            "the regressions file could not be read: {}: ",
            broken.display()
        )),
        "{}",
        r.all()
    );
}

#[test]
fn an_update_that_is_not_stored_fails_read_after_write() {
    let r = run_local(
        &[],
        &[
            ("USER_SERVICE_FAULT", "settings-stale"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "result: FAILED\n  PUT /user/settings (updateUserSettings): read_after_write\n"
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("  - `theme`: sent \"dark\", read \"system\""),
        "{}",
        r.all()
    );
    // The users the run created are deleted at the end; --no-cleanup leaves them.
    assert!(
        r.all().contains(
            "resource(s) the run created deleted through DELETE /users/{id} (deleteUser)"
        ),
        "{}",
        r.all()
    );
    let kept = run_local(
        &["--no-cleanup"],
        &[
            ("USER_SERVICE_FAULT", "settings-stale"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert!(!kept.all().contains("cleanup:"), "{}", kept.all());
}

#[test]
fn a_create_that_stores_nothing_fails_resource_availability() {
    let r = run_local(
        &[],
        &[
            ("USER_SERVICE_FAULT", "user-lost"),
            ("USER_SERVICE_TOKEN", TOKEN),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stdout.contains(
            "result: FAILED\n  GET /users/{id} (getUser): resource_availability; not exercised ("
        ),
        "{}",
        r.all()
    );
    assert!(
        r.stdout
            .contains("resource_availability failed: a resource just created cannot be read"),
        "{}",
        r.all()
    );
    // Nothing else fails: the other operations keep their contract.
    let failing: Vec<&str> = r
        .stdout
        .split("result: FAILED\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("  "))
        .collect();
    assert!(
        failing
            .iter()
            .all(|l| l.starts_with("  GET /users/{id}") || l.starts_with("  DELETE /users/{id}")),
        "{failing:#?}"
    );
}

/// The OpenAPI 3.2 test service's binary (`tests/oas32`, built once).
fn oas32_service() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| workspace_binary("oas32-e2e", "oas32-e2e"))
}

/// The lines under `result: FAILED`: one per failing operation, with its failed checks.
fn failed_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("result: FAILED"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect()
}

/// `run` of the OpenAPI 3.2 fixture (QUERY, additionalOperations, querystring, JSON Lines)
/// against its service: every check passes; a bad line in the middle of the stream fails the
/// stream's schema check only, and QUERY answered 405 fails that operation only.
#[test]
fn run_passes_on_the_openapi_32_service_and_fails_each_broken_variant_on_its_check() {
    let server = format!("'{}' --port {{port}}", oas32_service().display());
    let spec = "crates/contractgate-spec/tests/fixtures/oas32/every-construct.yaml";
    let args = [
        "run",
        spec,
        "--server",
        &server,
        "--base-url",
        "http://127.0.0.1:{port}",
        "--cases",
        "3",
    ];
    let good = contractgate(&args, &[("OAS32_FAULT", "none")]);
    assert_eq!(good.code, 0, "{}", good.all());
    assert!(
        good.stdout.contains("QUERY /events/search"),
        "{}",
        good.all()
    );
    assert!(good.stdout.contains("PURGE /events/raw"), "{}", good.all());

    let bad_item = contractgate(&args, &[("OAS32_FAULT", "bad-item")]);
    assert_eq!(bad_item.code, 1, "{}", bad_item.all());
    assert!(
        bad_item
            .stdout
            .contains("item 1 of the stream does not match the itemSchema"),
        "{}",
        bad_item.all()
    );
    let failed = failed_lines(&bad_item.stdout);
    assert_eq!(failed.len(), 1, "{failed:?}\n{}", bad_item.all());
    assert!(
        failed[0].contains("streamEvents): response_schema_conformance"),
        "{failed:?}"
    );

    let query = contractgate(&args, &[("OAS32_FAULT", "query-405")]);
    assert_eq!(query.code, 1, "{}", query.all());
    assert!(query.stdout.contains("-X QUERY"), "{}", query.all());
    let failed = failed_lines(&query.stdout);
    assert_eq!(failed.len(), 1, "{failed:?}\n{}", query.all());
    assert!(failed[0].contains("searchEvents"), "{failed:?}");
}

//! `contractgate generate`'s library side end to end: a stand-alone test crate for the incident
//! example's spec is written, built by cargo on its own, and its tests run against the real
//! service: all pass, and with the route mix-up the right test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use contractgate_codegen::standalone::{Source, Standalone, write_crate};
use contractgate_e2e::{parse, workspace};

static CLEAN: contractgate::InProcess = contractgate::InProcess::new();
static BROKEN: contractgate::InProcess = contractgate::InProcess::new();

fn start(server: &'static contractgate::InProcess, fault: Option<user_service::Fault>) -> String {
    server
        .url(move |listener| async move {
            let state = match fault {
                Some(fault) => user_service::AppState::with_fault(fault),
                None => user_service::AppState::default(),
            };
            let _ = user_service::serve(listener, state).await;
        })
        .unwrap()
}

/// Points the `e2e` environment of the crate's `contractgate.toml` (next to the spec, where the
/// harness looks) at `base_url`, then runs `cargo test` in the crate.
fn cargo_test(dir: &Path, base_url: &str) -> contractgate_e2e::TestRun {
    std::fs::write(
        dir.join("spec/contractgate.toml"),
        format!(
            "[environments.e2e]\nbase_url = \"{base_url}\"\n\n[environments.e2e.credentials]\nbearerAuth = {{ token_env = \"USER_SERVICE_TOKEN\" }}\n"
        ),
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(dir)
        .args([
            "test",
            "--quiet",
            "--offline",
            "--",
            "--format",
            "pretty",
            "--color",
            "never",
        ])
        // Share the workspace's build of the dependencies.
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env("CONTRACTGATE_ENV", "e2e")
        .env("USER_SERVICE_TOKEN", user_service::DEMO_TOKEN)
        .env("RUST_BACKTRACE", "0")
        .env_remove("CONTRACTGATE_BASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut run = parse(&stdout);
    run.output = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    run.code = out.status.code();
    run
}

#[test]
fn a_generated_standalone_crate_builds_and_tests_a_live_service() {
    let dir = workspace().join("target/e2e-standalone");
    let _ = std::fs::remove_dir_all(&dir);
    let spec = workspace().join("examples/user-service/openapi.yaml");
    let written = write_crate(&Standalone::new(
        &spec,
        &dir,
        Source::Path(workspace().join("crates")),
    ))
    .unwrap();
    assert_eq!(written.package, "user-service-contract-tests");
    assert_eq!(written.operations, 8);
    for file in [
        "Cargo.toml",
        "build.rs",
        "README.md",
        "src/lib.rs",
        "tests/contract.rs",
        "spec/openapi.yaml",
        "spec/contractgate.toml",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    // A second run refuses to overwrite.
    let again = write_crate(&Standalone::new(
        &spec,
        &dir,
        Source::Path(workspace().join("crates")),
    ));
    assert!(again.unwrap_err().to_string().contains("not empty"));

    // The workspace's lock file keeps every dependency at the version already built.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let clean = cargo_test(&dir, &start(&CLEAN, None));
    assert_eq!(clean.code, Some(0), "{}", clean.output);
    assert_eq!(clean.passed.len(), 63, "{}", clean.output);

    let broken = cargo_test(&dir, &start(&BROKEN, Some(user_service::Fault::RouteMixup)));
    assert_eq!(
        broken.failed_names(),
        [
            "contract::get_user_profile::response_schema_conformance",
            "contract::get_user_profile::route_identity"
        ],
        "{}",
        broken.output
    );
}

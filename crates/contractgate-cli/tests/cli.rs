//! The `contractgate` binary as a user runs it: output and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the binary from the repository root; returns (exit code, stdout, stderr).
fn contractgate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_contractgate"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn help_texts() {
    let (code, out, _) = contractgate(&["--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("help", out);
    let (code, out, _) = contractgate(&["lint", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("lint_help", out);
    let (code, out, _) = contractgate(&["generate", "--help"]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("generate_help", out);
}

#[test]
fn lint_a_clean_spec_exits_0_with_a_summary() {
    let (code, out, _) =
        contractgate(&["lint", "specs/oai/petstore-expanded.yaml", "--operations"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn lint_a_broken_spec_exits_1_and_shows_the_line() {
    let spec = "crates/contractgate-spec/tests/fixtures/load/errors/several.yaml";
    let (code, out, _) = contractgate(&["lint", spec]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn lint_warnings_exit_0_unless_denied() {
    let spec = "specs/oai/link-example.yaml";
    let (code, out, _) = contractgate(&["lint", spec]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("warning[indistinguishable-responses]"),
        "{out}"
    );
    let (code, _, _) = contractgate(&["lint", spec, "--deny-warnings"]);
    assert_eq!(code, 1);
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = contractgate(&["lint"]);
    assert_eq!(code, 2);
    assert!(err.contains("<SPEC>"), "{err}");
    let (code, _, _) = contractgate(&["frobnicate"]);
    assert_eq!(code, 2);
}

#[test]
fn a_missing_spec_file_is_a_clear_error() {
    let (code, out, _) = contractgate(&["lint", "no/such/openapi.yaml"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[file-not-readable]: no/such/openapi.yaml"),
        "{out}"
    );
}

#[test]
fn lint_groups_a_repeated_warning_and_verbose_shows_each() {
    // nexus has 24 `indistinguishable-responses` warnings (the 24th, GET /v1/system/update/deployments
    // accepting the components page, is found since unions are compared branch by branch).
    let (code, out, _) = contractgate(&["lint", "specs/oxide/nexus.json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.matches("warning[indistinguishable-responses]: specs/")
            .count(),
        3,
        "{out}"
    );
    assert!(
        out.contains(
            "warning[indistinguishable-responses]: 21 more like the 3 above (24 in all), at:"
        ),
        "{out}"
    );
    assert!(
        out.contains("... and 16 more places (`--verbose` lists every warning)"),
        "{out}"
    );
    assert!(out.ends_with("0 errors, 24 warning(s)\n"), "{out}");
    let (code, verbose, _) = contractgate(&["lint", "--verbose", "specs/oxide/nexus.json"]);
    assert_eq!(code, 0, "{verbose}");
    assert_eq!(
        verbose
            .matches("warning[indistinguishable-responses]: specs/")
            .count(),
        24
    );
    assert!(!verbose.contains("more like"), "{verbose}");
}

#[test]
fn lint_summarizes_every_bundled_spec() {
    // (spec, paths, operations)
    let expected = [
        ("specs/oai/api-with-examples.yaml", 2, 2),
        ("specs/oai/callback-example.yaml", 1, 1),
        ("specs/oai/link-example.yaml", 6, 6),
        ("specs/oai/petstore-expanded.yaml", 2, 4),
        ("specs/oai/petstore.yaml", 2, 3),
        ("specs/oai/uspto.yaml", 3, 3),
        ("specs/oai/webhook-example.yaml", 1, 1),
        ("specs/oxide/buildomat.json", 20, 21),
        ("specs/oxide/keeper.json", 6, 6),
        ("specs/oxide/nexus.json", 134, 193),
        ("specs/oxide/param-collision.json", 1, 1),
        ("specs/oxide/param-overrides.json", 1, 1),
        ("specs/oxide/propolis-server.json", 6, 7),
    ];
    for (spec, paths, ops) in expected {
        let (code, out, _) = contractgate(&["lint", spec]);
        assert_eq!(code, 0, "{spec}: {out}");
        assert!(
            out.contains(&format!("  paths:       {paths}\n")),
            "{spec}: {out}"
        );
        assert!(
            out.contains(&format!("  operations:  {ops}\n")),
            "{spec}: {out}"
        );
    }
}

#[test]
fn generate_writes_a_standalone_crate_and_never_overwrites() {
    let out = repo().join("target/cli-test-generate");
    let _ = std::fs::remove_dir_all(&out);
    let out_s = out.to_string_lossy().into_owned();
    let (code, text, _) = contractgate(&[
        "generate",
        "examples/user-service/openapi.yaml",
        "--out",
        &out_s,
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("wrote user-service-contract-tests (8 operations)"),
        "{text}"
    );
    assert!(text.contains("CONTRACTGATE_BASE_URL="), "{text}");
    let cargo_toml = std::fs::read_to_string(out.join("Cargo.toml")).unwrap();
    assert!(
        cargo_toml.contains("contractgate-codegen = { path = "),
        "{cargo_toml}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("tests/contract.rs"))
            .unwrap()
            .lines()
            .last(),
        Some("contractgate::include_tests!(\"openapi\");")
    );
    assert_eq!(
        std::fs::read(out.join("spec/openapi.yaml")).unwrap(),
        std::fs::read(repo().join("examples/user-service/openapi.yaml")).unwrap()
    );

    let (code, text, _) = contractgate(&[
        "generate",
        "examples/user-service/openapi.yaml",
        "--out",
        &out_s,
    ]);
    assert_eq!(code, 1);
    assert!(text.contains("is not empty"), "{text}");

    let broken = repo().join("target/cli-test-generate-broken");
    let _ = std::fs::remove_dir_all(&broken);
    let (code, text, _) = contractgate(&[
        "generate",
        "crates/contractgate-spec/tests/fixtures/load/errors/missing-ref.yaml",
        "--out",
        &broken.to_string_lossy(),
    ]);
    assert_eq!(code, 1);
    assert!(text.contains("error[ref-not-found]"), "{text}");
    assert!(!broken.exists(), "nothing is written for a broken spec");
}

#[test]
fn a_ca_file_that_cannot_be_used_is_a_usage_error_before_any_request() {
    let dir = std::env::temp_dir().join(format!("cg-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let garbage = dir.join("garbage.pem");
    std::fs::write(&garbage, "not a certificate\n").unwrap();
    for (file, expected) in [
        ("no/such/ca.pem", "no/such/ca.pem"),
        (garbage.to_str().unwrap(), "contains no certificate"),
    ] {
        // Port 9 on 127.0.0.1: nothing is sent, the file is read first.
        let (code, out, err) = contractgate(&[
            "run",
            "examples/user-service/openapi.yaml",
            "--base-url",
            "https://127.0.0.1:9",
            "--ca-file",
            file,
        ]);
        let text = format!("{out}{err}");
        assert_eq!(code, 2, "{text}");
        assert!(
            text.contains("--ca-file (or CONTRACTGATE_CA_FILE)"),
            "{text}"
        );
        assert!(text.contains(expected), "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn lint_a_swagger_2_0_document_says_it_was_converted() {
    let spec = "crates/contractgate-spec/tests/fixtures/swagger2/oai/petstore-expanded.yaml";
    let (code, out, err) = contractgate(&["lint", spec]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("(OpenAPI 3.0.3, converted from Swagger 2.0 at load time)"),
        "{out}"
    );
    assert!(out.contains("operations:  4"), "{out}");
}

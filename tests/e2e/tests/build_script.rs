//! The build.rs integration as a user meets it: `cargo build` of a crate whose build.rs calls
//! `contractgate_codegen::Build`, with a multi-file spec (every file becomes a
//! `rerun-if-changed`), a spec with a warning (a `cargo:warning`), and a broken spec (every error
//! with its location, exit 1, no panic, no backtrace).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use contractgate_e2e::workspace;

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `cargo build` in `dir` with the workspace's target directory; (success, stderr).
fn cargo_build(dir: &Path) -> (bool, String) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(dir)
        .args(["build", "--offline", "--color", "never"])
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `output` file of this crate's newest build-script run.
fn build_script_output() -> String {
    let build = workspace().join("target/debug/build");
    let newest: PathBuf = std::fs::read_dir(&build)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("e2e-build-script-"))
                && p.join("output").is_file()
        })
        .max_by_key(|p| p.join("output").metadata().unwrap().modified().unwrap())
        .unwrap();
    std::fs::read_to_string(newest.join("output")).unwrap()
}

const SPEC: &str = r##"openapi: 3.0.3
info: { title: Build script, version: "1" }
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{ $ref: "parts/params.yaml#/PetId" }]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema: { $ref: "parts/schemas/pet.json#/Pet" }
"##;

#[test]
fn build_rs_reruns_on_every_file_warns_and_fails_cleanly() {
    let dir = workspace().join("target/e2e-build-script");
    let _ = std::fs::remove_dir_all(&dir);
    let crates = workspace().join("crates");
    write(
        &dir,
        "Cargo.toml",
        &format!(
            "[package]\nname = \"e2e-build-script\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[build-dependencies]\ncontractgate-codegen = {{ path = {:?} }}\n",
            crates.join("contractgate-codegen")
        ),
    );
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    write(&dir, "src/lib.rs", "");
    write(
        &dir,
        "build.rs",
        "fn main() {\n    contractgate_codegen::Build::new(\"api/openapi.yaml\").emit();\n}\n",
    );
    write(&dir, "api/openapi.yaml", SPEC);
    write(
        &dir,
        "api/parts/params.yaml",
        "PetId: { name: id, in: path, required: true, schema: { type: integer } }\n",
    );
    write(
        &dir,
        "api/parts/schemas/pet.json",
        r#"{ "Pet": { "type": "object", "required": ["id"], "properties": { "id": { "type": "integer" } } } }"#,
    );

    // 1. A clean multi-file spec: every file read is a rerun-if-changed.
    let (ok, stderr) = cargo_build(&dir);
    assert!(ok, "{stderr}");
    let output = build_script_output();
    for file in [
        "api/openapi.yaml",
        "api/parts/params.yaml",
        "api/parts/schemas/pet.json",
    ] {
        assert!(
            output.contains(&format!("cargo:rerun-if-changed={file}")),
            "{file} missing from:\n{output}"
        );
    }

    // 2. A warning in the spec reaches the build log as a cargo warning, and the build goes on.
    write(
        &dir,
        "api/openapi.yaml",
        &SPEC.replace(
            "operationId: getPet",
            "operationId: getPet\n      x-note: fine\n      summary: 5",
        ),
    );
    let (ok, stderr) = cargo_build(&dir);
    assert!(ok, "{stderr}");
    assert!(
        stderr.contains("warning: e2e-build-script@0.1.0: contractgate: warning[spec-violation]"),
        "{stderr}"
    );

    // 3. A broken spec: every error with its place, exit 1, no panic and no backtrace.
    write(
        &dir,
        "api/openapi.yaml",
        &SPEC.replace("#/PetId", "#/PetID").replace(
            "responses:",
            "responses:\n        \"2OO\": { description: typo }",
        ),
    );
    let (ok, stderr) = cargo_build(&dir);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("contractgate: cannot generate contract tests from api/openapi.yaml"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error[ref-not-found]: api/openapi.yaml:7:"),
        "{stderr}"
    );
    assert!(stderr.contains("help: did you mean 'PetId'?"), "{stderr}");
    assert!(
        stderr.contains("error[invalid-status]: api/openapi.yaml:"),
        "{stderr}"
    );
    assert!(stderr.contains("exit status: 1"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
}

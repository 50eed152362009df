//! `contractgate diff`: exit codes by `--fail-on`, the three formats, a spec that does not load, and
//! an old side read from git (`REV:PATH`, the whole tree, so a multi-file spec resolves).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

const BASE: &str = "crates/contractgate-spec/tests/fixtures/diff/base.yaml";
const NEXT: &str = "crates/contractgate-spec/tests/fixtures/diff/next.yaml";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn diff(args: &[&str], dir: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_contractgate"))
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_codes_follow_fail_on() {
    let dir = repo();
    let (code, out, _) = diff(&[BASE, NEXT], &dir);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("2 breaking, 0 warning(s), 1 non-breaking"),
        "{out}"
    );
    assert!(
        out.contains("getUserProfile moved from GET /user/profile to GET /user/settings"),
        "{out}"
    );
    assert_eq!(diff(&[BASE, NEXT, "--fail-on", "none"], &dir).0, 0);
    assert_eq!(diff(&[BASE, BASE], &dir).0, 0);
    assert_eq!(diff(&[BASE, BASE, "--fail-on", "warning"], &dir).0, 0);
    // A spec that does not load, and one that is not there: 2.
    let (code, _, err) = diff(&[BASE, "Cargo.toml"], &dir);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = diff(&[BASE, "no-such.yaml"], &dir);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such file"), "{err}");
}

#[test]
fn json_and_markdown() {
    let dir = repo();
    let (_, out, _) = diff(&[BASE, NEXT, "--format", "json"], &dir);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["counts"]["breaking"], 2);
    assert_eq!(doc["changes"][0]["rule"], "operation-moved");
    assert_eq!(doc["changes"][0]["level"], "breaking");
    assert_eq!(doc["changes"][0]["old"]["line"], 5);
    let (_, out, _) = diff(&[BASE, NEXT, "--format", "markdown"], &dir);
    assert!(
        out.starts_with("### API changes: 2 breaking, 0 warning(s), 1 non-breaking"),
        "{out}"
    );
    assert!(
        out.contains("| ❌ breaking | GET /user/profile (getUserProfile) |"),
        "{out}"
    );
}

#[test]
fn the_old_side_can_come_from_git() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff-git");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("api/schemas")).unwrap();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    // A two-file spec: the schema lives in its own file.
    let spec = "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /user/profile:\n    get:\n      operationId: getUserProfile\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: \"schemas/profile.yaml\"}\n";
    std::fs::write(dir.join("api/openapi.yaml"), spec).unwrap();
    std::fs::write(
        dir.join("api/schemas/profile.yaml"),
        "type: object\nrequired: [id, email]\nproperties:\n  id: {type: string}\n  email: {type: string}\n",
    )
    .unwrap();
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "v1"]);
    // The working copy drops `email` in the referenced file.
    std::fs::write(
        dir.join("api/schemas/profile.yaml"),
        "type: object\nrequired: [id]\nproperties:\n  id: {type: string}\n",
    )
    .unwrap();
    let (code, out, err) = diff(&["main:api/openapi.yaml", "api/openapi.yaml"], &dir);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("the property `email` was removed"), "{out}");
    assert!(out.contains("main:api/openapi.yaml:8:9"), "{out}");
    // Relative to the current folder with `./`, as git show reads it.
    let (code, out, err) = diff(&["main:./openapi.yaml", "openapi.yaml"], &dir.join("api"));
    assert_eq!(code, 1, "{out}{err}");
    // A revision that does not exist.
    let (code, _, err) = diff(&["nope:api/openapi.yaml", "api/openapi.yaml"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("`nope` is not a git revision"), "{err}");
}

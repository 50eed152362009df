//! The README's "In your own service" lines, exactly as written (the clone's path put in for
//! `/path/to/contractgate`), in a crate outside this workspace: it builds, and its generated tests
//! run against the example service.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use contractgate_e2e::{parse, workspace};

static SERVER: contractgate::InProcess = contractgate::InProcess::new();

/// The fenced blocks of `lang` in the README section that starts with `heading`.
fn blocks(readme: &str, heading: &str, lang: &str) -> Vec<String> {
    let start = readme.find(heading).expect("the README section");
    let section = &readme[start..];
    let end = section[heading.len()..]
        .find("\n## ")
        .map_or(section.len(), |e| e + heading.len());
    let section = &section[..end];
    let fence = format!("```{lang}\n");
    let mut out = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find(&fence) {
        let body = &rest[i + fence.len()..];
        let close = body.find("```").expect("a closed block");
        out.push(body[..close].to_owned());
        rest = &body[close..];
    }
    out
}

#[test]
fn the_readme_install_lines_build_a_crate_outside_the_workspace() {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let toml = blocks(&readme, "### In your own service", "toml");
    let rust = blocks(&readme, "### In your own service", "rust");
    assert_eq!(toml.len(), 1, "one Cargo.toml block");
    assert_eq!(rust.len(), 2, "build.rs and tests/contract.rs");
    assert!(
        toml[0].contains("/path/to/contractgate/crates/contractgate\""),
        "{}",
        toml[0]
    );
    let deps = toml[0].replace("/path/to/contractgate", workspace().to_str().unwrap());

    let dir = workspace().join("target/e2e-readme-install");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    // `[workspace]`: a crate of its own, not a member of the workspace it sits under.
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"readme-install\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n{deps}"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("src/lib.rs"), "").unwrap();
    std::fs::write(dir.join("build.rs"), &rust[0]).unwrap();
    std::fs::write(dir.join("tests/contract.rs"), &rust[1]).unwrap();
    std::fs::copy(
        workspace().join("examples/user-service/openapi.yaml"),
        dir.join("openapi.yaml"),
    )
    .unwrap();
    // The workspace's lock file keeps every dependency at the version already built.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let url = SERVER
        .url(|listener| async move {
            let _ = user_service::serve(listener, user_service::AppState::default()).await;
        })
        .unwrap();
    // The token comes from the environment, as a config next to the spec says.
    std::fs::write(
        dir.join("contractgate.toml"),
        format!(
            "[environments.readme]\nbase_url = \"{url}\"\n\n[environments.readme.credentials]\nbearerAuth = {{ token_env = \"USER_SERVICE_TOKEN\" }}\n"
        ),
    )
    .unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&dir)
        .args([
            "test",
            "--quiet",
            "--offline",
            "--test",
            "contract",
            "--",
            "--format",
            "pretty",
            "--color",
            "never",
        ])
        .env("CARGO_TARGET_DIR", workspace().join("target"))
        .env("CONTRACTGATE_ENV", "readme")
        .env("USER_SERVICE_TOKEN", user_service::DEMO_TOKEN)
        .env_remove("CONTRACTGATE_BASE_URL")
        .env_remove("CONTRACTGATE_CONFIG")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let run = parse(&stdout);
    // It built, and every generated test passed against the service.
    assert_eq!(
        out.status.code(),
        Some(0),
        "the crate did not build or its tests failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(run.passed.len(), 63, "{stdout}");
}

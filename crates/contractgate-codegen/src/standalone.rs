//! A stand-alone test crate for a service that is not written in Rust (`contractgate generate`).
//!
//! ```text
//! DIR/
//! ├── Cargo.toml          depends on contractgate (dev) and contractgate-codegen (build)
//! ├── build.rs            Build::new("spec/openapi.yaml").emit()
//! ├── README.md           how to run it against an environment
//! ├── spec/               the spec and every file it references, same layout; the
//! │                       contractgate.toml next to the spec and the CA files it names
//! ├── src/lib.rs          empty: the tests are the point
//! └── tests/contract.rs   contractgate::include_tests!("openapi")
//! ```
//!
//! Then `cd DIR && CONTRACTGATE_BASE_URL=https://staging.example.com cargo test`.

use std::fmt;
use std::path::{Component, Path, PathBuf};

/// Where the generated crate gets the contractgate crates from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A local checkout: the folder that holds `contractgate/` and `contractgate-codegen/`
    /// (the repository's `crates/`).
    Path(PathBuf),
    /// A git repository.
    Git(String),
}

/// Options of [`write_crate`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Standalone {
    /// The spec to test.
    pub spec: PathBuf,
    /// The folder to write (created; must be empty or absent).
    pub out: PathBuf,
    /// The package name (default: from the spec's title).
    pub package: Option<String>,
    /// Where the contractgate crates come from.
    pub source: Source,
}

impl Standalone {
    /// Writes a crate for `spec` into `out`, depending on contractgate from `source`.
    pub fn new(spec: impl Into<PathBuf>, out: impl Into<PathBuf>, source: Source) -> Self {
        Standalone {
            spec: spec.into(),
            out: out.into(),
            package: None,
            source,
        }
    }
}

/// What went wrong.
#[derive(Debug)]
pub enum StandaloneError {
    /// The spec does not load.
    Spec(contractgate_spec::diag::Diagnostics),
    /// The output folder exists and is not empty.
    NotEmpty(PathBuf),
    /// A file the spec references lies outside the spec's folder, so it cannot be copied with the
    /// same relative path.
    OutsideSpecFolder(String),
    /// Reading or writing a file failed.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for StandaloneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StandaloneError::Spec(d) => write!(f, "the spec has errors:\n{d}"),
            StandaloneError::NotEmpty(p) => write!(
                f,
                "{} exists and is not empty; choose a new folder (contractgate never overwrites files)",
                p.display()
            ),
            StandaloneError::OutsideSpecFolder(file) => write!(
                f,
                "the spec references {file}, outside the spec's folder; generate from a folder that holds every referenced file"
            ),
            StandaloneError::Io(p, e) => write!(f, "{}: {e}", p.display()),
        }
    }
}

impl std::error::Error for StandaloneError {}

/// What [`write_crate`] wrote.
#[derive(Clone, Debug)]
pub struct Written {
    /// The package name.
    pub package: String,
    /// Every file written, relative to the output folder.
    pub files: Vec<PathBuf>,
    /// Operations in the spec.
    pub operations: usize,
    /// What the user should know: a `ca_file` that could not be copied.
    pub notes: Vec<String>,
}

/// `Swagger Petstore` → `swagger-petstore-contract-tests`.
/// From this many operations on, the crate's build script (which loads the spec and writes the
/// tests) is compiled with optimizations: unoptimized, loading Microsoft Graph's 20 MB spec is
/// most of a regeneration (76 s → 48 s to regenerate and compile its 60,546 tests). Below it, the
/// longer first build of optimized build dependencies is not worth it.
const OPTIMIZED_BUILD_SCRIPT_FROM: usize = 2_000;

/// The `[profile]` section of the crate's Cargo.toml for a spec of `operations` operations.
fn build_profile(operations: usize) -> String {
    if operations < OPTIMIZED_BUILD_SCRIPT_FROM {
        return String::new();
    }
    format!(
        "\n# {operations} operations: build.rs loads the spec and writes the tests faster when it is\n\
         # compiled with optimizations (the first build takes longer; every regeneration after it is\n\
         # faster).\n\
         [profile.dev.build-override]\n\
         opt-level = 3\n"
    )
}

fn package_name(title: &str) -> String {
    let mut name = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api-{name}-contract-tests").replace("--", "-")
    } else {
        format!("{name}-contract-tests")
    }
}

fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes the crate. Loads the spec first: a spec with errors writes nothing.
pub fn write_crate(opts: &Standalone) -> Result<Written, StandaloneError> {
    let loaded = contractgate_spec::load(&opts.spec).map_err(StandaloneError::Spec)?;
    let api = &loaded.api;
    if opts.out.exists() {
        let mut entries =
            std::fs::read_dir(&opts.out).map_err(|e| StandaloneError::Io(opts.out.clone(), e))?;
        if entries.next().is_some() {
            return Err(StandaloneError::NotEmpty(opts.out.clone()));
        }
    }
    // The spec's folder as the loader names files (the first file read is the spec itself).
    let spec_dir: PathBuf = api
        .files
        .first()
        .and_then(|f| Path::new(f).parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Every file read, relative to the spec's folder.
    let mut copies: Vec<(PathBuf, PathBuf)> = Vec::new();
    for file in &api.files {
        let file = PathBuf::from(file);
        let relative = relative_to(&file, &spec_dir)
            .ok_or_else(|| StandaloneError::OutsideSpecFolder(file.display().to_string()))?;
        copies.push((file, Path::new("spec").join(relative)));
    }
    let spec_rel = copies
        .first()
        .map(|(_, to)| to.clone())
        .unwrap_or_else(|| PathBuf::from("spec/openapi.yaml"));
    let stem = opts.spec.file_stem().map_or_else(
        || "openapi".to_owned(),
        |s| s.to_string_lossy().into_owned(),
    );
    let package = opts
        .package
        .clone()
        .unwrap_or_else(|| package_name(&api.info.title));
    let deps = match &opts.source {
        Source::Path(crates) => {
            let c = crates.join("contractgate");
            let g = crates.join("contractgate-codegen");
            (
                format!("{{ path = {} }}", toml_string(&c.to_string_lossy())),
                format!("{{ path = {} }}", toml_string(&g.to_string_lossy())),
            )
        }
        Source::Git(url) => (
            format!("{{ git = {} }}", toml_string(url)),
            format!("{{ git = {} }}", toml_string(url)),
        ),
    };
    let spec_posix = spec_rel.to_string_lossy().replace('\\', "/");
    let mut files: Vec<(PathBuf, String)> = vec![
        (
            PathBuf::from("Cargo.toml"),
            format!(
                "# Contract tests for {title}, generated by `contractgate generate`.\n\
                 [package]\n\
                 name = {name}\n\
                 version = \"0.1.0\"\n\
                 edition = \"2024\"\n\
                 publish = false\n\n\
                 # Not part of any enclosing workspace.\n\
                 [workspace]\n\n\
                 [dev-dependencies]\n\
                 contractgate = {dep}\n\n\
                 [build-dependencies]\n\
                 contractgate-codegen = {bdep}\n{profile}",
                title = api.info.title,
                name = toml_string(&package),
                dep = deps.0,
                bdep = deps.1,
                profile = build_profile(api.operations.len()),
            ),
        ),
        (
            PathBuf::from("build.rs"),
            format!(
                "//! Generates one test per route and check from the spec (re-run when it changes).\n\
                 fn main() {{\n    contractgate_codegen::Build::new({}).emit();\n}}\n",
                toml_string(&spec_posix)
            ),
        ),
        (
            PathBuf::from("src/lib.rs"),
            format!(
                "//! Contract tests for {}: see `tests/contract.rs` and README.md.\n",
                api.info.title
            ),
        ),
        (
            PathBuf::from("tests/contract.rs"),
            format!(
                "//! Every route and check of the spec, against CONTRACTGATE_BASE_URL (or CONTRACTGATE_ENV).\n\
                 contractgate::include_tests!({});\n",
                toml_string(&stem)
            ),
        ),
        (
            PathBuf::from("README.md"),
            format!(
                "# Contract tests for {title}\n\n\
                 Generated by `contractgate generate` from `{spec}`: {ops} operations, one Rust test per\n\
                 route and check, built from the spec at build time (`build.rs`).\n\n\
                 ```sh\n\
                 CONTRACTGATE_BASE_URL=https://staging.example.com cargo test\n\
                 cargo test get_user_profile            # every check of one route\n\
                 cargo test not_server_error            # one check on every route\n\
                 CONTRACTGATE_ENV=staging cargo test    # an environment of contractgate.toml\n\
                 ```\n\n\
                 To follow a new version of the API, replace the files under `spec/`; the next\n\
                 `cargo test` regenerates the tests.\n",
                title = api.info.title,
                spec = opts.spec.display(),
                ops = api.operations.len(),
            ),
        ),
    ];
    let mut notes = Vec::new();
    let config = spec_dir.join("contractgate.toml");
    if config.is_file() {
        let text =
            std::fs::read_to_string(&config).map_err(|e| StandaloneError::Io(config.clone(), e))?;
        notes.extend(copy_ca_files(&text, &spec_dir, &spec_rel, &mut files));
        files.push((spec_rel.with_file_name("contractgate.toml"), text));
    }

    let mut written = Vec::new();
    for (from, to) in &copies {
        let text =
            std::fs::read_to_string(from).map_err(|e| StandaloneError::Io(from.clone(), e))?;
        files.push((to.clone(), text));
    }
    for (rel, text) in files {
        let path = opts.out.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| StandaloneError::Io(parent.to_path_buf(), e))?;
        }
        std::fs::write(&path, text).map_err(|e| StandaloneError::Io(path.clone(), e))?;
        written.push(rel);
    }
    Ok(Written {
        package,
        files: written,
        operations: api.operations.len(),
        notes,
    })
}

/// The CA files (`ca_file`) that `contractgate.toml` names relative to itself, added to `files` at
/// the same place relative to the copied config, so its environments work in the new crate.
/// Returns a note for each one that is not copied (absolute, outside the spec's folder, missing).
fn copy_ca_files(
    config: &str,
    spec_dir: &Path,
    spec_rel: &Path,
    files: &mut Vec<(PathBuf, String)>,
) -> Vec<String> {
    let Ok(table) = config.parse::<toml::Table>() else {
        // The harness reports a broken config with its location when the tests run.
        return Vec::new();
    };
    let environments = table.get("environments").and_then(toml::Value::as_table);
    let mut notes = Vec::new();
    for (name, env) in environments.into_iter().flatten() {
        let Some(ca) = env.get("ca_file").and_then(toml::Value::as_str) else {
            continue;
        };
        let path = Path::new(ca);
        let setting = format!("`ca_file = \"{ca}\"` of [environments.{name}]");
        if path.is_absolute() {
            notes.push(format!(
                "{setting} is an absolute path: it must exist where the tests run"
            ));
            continue;
        }
        if path.components().any(|c| matches!(c, Component::ParentDir)) {
            notes.push(format!(
                "{setting} is outside the spec's folder and was not copied: copy the file into the crate and change the path"
            ));
            continue;
        }
        let to = spec_rel.parent().unwrap_or(Path::new("")).join(path);
        if files.iter().any(|(rel, _)| rel == &to) {
            continue;
        }
        match std::fs::read_to_string(spec_dir.join(path)) {
            Ok(text) => files.push((to, text)),
            Err(e) => notes.push(format!(
                "{setting} was not copied: cannot read {}: {e}",
                spec_dir.join(path).display()
            )),
        }
    }
    notes
}

/// `file` relative to `dir`, when it lies inside it (lexically).
fn relative_to(file: &Path, dir: &Path) -> Option<PathBuf> {
    let rel = if dir.as_os_str().is_empty() {
        file.to_path_buf()
    } else {
        file.strip_prefix(dir).ok()?.to_path_buf()
    };
    if rel.components().any(|c| {
        matches!(
            c,
            Component::ParentDir | Component::RootDir | Component::Prefix(_)
        )
    }) {
        return None;
    }
    Some(rel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_specs_get_an_optimized_build_script() {
        assert_eq!(build_profile(OPTIMIZED_BUILD_SCRIPT_FROM - 1), "");
        let profile = build_profile(11_422);
        assert!(
            profile.contains("[profile.dev.build-override]\nopt-level = 3\n"),
            "{profile}"
        );
        // The section parses as TOML, with the package's other sections.
        let toml = format!("[package]\nname = \"x\"\n{profile}");
        let parsed: toml::Value = toml::from_str(&toml).unwrap();
        assert_eq!(
            parsed["profile"]["dev"]["build-override"]["opt-level"].as_integer(),
            Some(3)
        );
    }

    #[test]
    fn package_names_come_from_titles() {
        assert_eq!(
            package_name("Swagger Petstore"),
            "swagger-petstore-contract-tests"
        );
        assert_eq!(package_name("User Service"), "user-service-contract-tests");
        assert_eq!(package_name("3D API!"), "api-3d-api-contract-tests");
        assert_eq!(package_name("日本"), "api-contract-tests");
    }

    #[test]
    fn only_files_inside_the_spec_folder_are_copied() {
        assert_eq!(
            relative_to(Path::new("specs/a/b.yaml"), Path::new("specs")),
            Some(PathBuf::from("a/b.yaml"))
        );
        assert_eq!(
            relative_to(Path::new("other/b.yaml"), Path::new("specs")),
            None
        );
        assert_eq!(
            relative_to(Path::new("openapi.yaml"), Path::new("")),
            Some(PathBuf::from("openapi.yaml"))
        );
    }

    #[test]
    fn ca_files_named_by_the_config_travel_with_it() {
        let dir = std::env::temp_dir().join(format!("cg-standalone-ca-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("api/certs")).unwrap();
        std::fs::write(
            dir.join("api/openapi.yaml"),
            "openapi: 3.1.0\ninfo: {title: T, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n",
        )
        .unwrap();
        std::fs::write(dir.join("api/certs/ca.pem"), "PEM\n").unwrap();
        std::fs::write(
            dir.join("api/contractgate.toml"),
            "[environments.staging]\nbase_url = \"https://s\"\nca_file = \"certs/ca.pem\"\n\
             [environments.qa]\nbase_url = \"https://q\"\nca_file = \"../ca.pem\"\n\
             [environments.dev]\nbase_url = \"https://d\"\nca_file = \"certs/missing.pem\"\n",
        )
        .unwrap();
        let written = write_crate(&Standalone::new(
            dir.join("api/openapi.yaml"),
            dir.join("out"),
            Source::Path(dir.clone()),
        ))
        .unwrap();
        let copied = std::fs::read_to_string(dir.join("out/spec/certs/ca.pem"));
        assert_eq!(copied.ok().as_deref(), Some("PEM\n"), "{:?}", written.files);
        assert!(dir.join("out/spec/contractgate.toml").is_file());
        assert_eq!(written.notes.len(), 2, "{:?}", written.notes);
        assert!(
            written.notes[0].contains("[environments.qa]")
                && written.notes[0].contains("outside the spec's folder"),
            "{:?}",
            written.notes
        );
        assert!(
            written.notes[1].contains("[environments.dev]")
                && written.notes[1].contains("cannot read"),
            "{:?}",
            written.notes
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

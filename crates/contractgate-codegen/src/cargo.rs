//! The `build.rs` API: one call that loads the spec, generates the tests and tells Cargo when to
//! run again.
//!
//! ```text
//! $OUT_DIR/
//! └── contractgate/
//!     ├── openapi.rs     the generated tests (included by `contractgate::include_tests!("openapi")`)
//!     └── openapi.json   the IR they embed with `include_str!`
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use contractgate_spec::diag::Diagnostics;
use contractgate_spec::select::Selector;

use crate::{Error, Generator, Settings, Stats};

/// Generates contract tests from `build.rs`.
///
/// ```no_run
/// // build.rs
/// fn main() {
///     contractgate_codegen::Build::new("openapi.yaml")
///         .exclude("tag:internal")
///         .emit();
/// }
/// ```
#[derive(Clone, Debug)]
pub struct Build {
    spec: PathBuf,
    name: Option<String>,
    settings: Settings,
    checks: Option<Vec<crate::Check>>,
    config: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    selector_errors: Vec<String>,
}

/// What [`Build::try_emit`] wrote.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The generated Rust file.
    pub rust_file: PathBuf,
    /// The IR it embeds.
    pub ir_file: PathBuf,
    /// What was generated.
    pub stats: Stats,
    /// Warnings about the spec (the build goes on).
    pub warnings: Diagnostics,
    /// Every file read: the spec and all it references (each was printed as
    /// `cargo:rerun-if-changed`).
    pub files_read: Vec<PathBuf>,
}

/// Why [`Build::try_emit`] failed.
#[derive(Debug)]
pub enum BuildError {
    /// The spec has errors; each has file, line, column and JSON pointer.
    Spec(Diagnostics),
    /// A bad option (unknown check, bad selector) or an internal error.
    Codegen(Error),
    /// A bad option given to [`Build`].
    Option(String),
    /// Writing the output failed.
    Io {
        /// The file being written.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// `OUT_DIR` is not set: not running inside a build script, and no [`Build::out_dir`].
    NoOutDir,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Spec(diags) => write!(f, "the OpenAPI spec has errors:\n{diags}"),
            BuildError::Codegen(e) => write!(f, "{e}"),
            BuildError::Option(msg) => f.write_str(msg),
            BuildError::Io { path, error } => write!(f, "cannot write {}: {error}", path.display()),
            BuildError::NoOutDir => f.write_str(
                "OUT_DIR is not set: call Build::emit from build.rs, or set Build::out_dir",
            ),
        }
    }
}

impl std::error::Error for BuildError {}

impl Build {
    /// Generates tests for the spec at `spec` (relative to the crate's `Cargo.toml`, like every
    /// path in `build.rs`).
    pub fn new(spec: impl AsRef<Path>) -> Self {
        Build {
            spec: spec.as_ref().to_path_buf(),
            name: None,
            settings: Settings::default(),
            checks: None,
            config: None,
            out_dir: None,
            selector_errors: Vec::new(),
        }
    }

    /// The output name (default: the spec's file stem, `openapi` for `openapi.yaml`): the files are
    /// `<name>.rs` and `<name>.json`, and the test file says `include_tests!("<name>")`.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Self {
        self.name = Some(name.into());
        self
    }

    /// Generates only these checks (default: every check except `latency_budget` and
    /// `negative_data_rejection`; [`Check::ALL`](crate::Check::ALL) is every one).
    pub fn checks(&mut self, checks: impl IntoIterator<Item = crate::Check>) -> &mut Self {
        self.checks = Some(checks.into_iter().collect());
        self
    }

    /// Generates tests only for operations matching a selector: an operationId, `tag:NAME`,
    /// `method:GET`, `path:/users/*` or `GET /users/{id}`. May be given several times.
    pub fn include(&mut self, selector: &str) -> &mut Self {
        match selector.parse::<Selector>() {
            Ok(s) => {
                self.settings.with_include(s);
            }
            Err(e) => self
                .selector_errors
                .push(format!("include(\"{selector}\"): {e}")),
        }
        self
    }

    /// Generates no tests for operations matching a selector (see [`Build::include`]).
    pub fn exclude(&mut self, selector: &str) -> &mut Self {
        match selector.parse::<Selector>() {
            Ok(s) => {
                self.settings.with_exclude(s);
            }
            Err(e) => self
                .selector_errors
                .push(format!("exclude(\"{selector}\"): {e}")),
        }
        self
    }

    /// A `contractgate.toml` the tests read at run time: Cargo re-runs the build when it changes.
    /// (The harness finds `contractgate.toml` next to the spec, or through `CONTRACTGATE_CONFIG`.)
    pub fn config(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.config = Some(path.as_ref().to_path_buf());
        self
    }

    /// Writes to `dir` instead of `$OUT_DIR/contractgate` (for tools and tests).
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Generates, printing `cargo:rerun-if-changed` lines; returns what was written, or why not.
    pub fn try_emit(&self) -> Result<Generated, BuildError> {
        println!("cargo:rerun-if-changed={}", self.spec.display());
        if let Some(config) = &self.config {
            println!("cargo:rerun-if-changed={}", config.display());
        }
        if !self.selector_errors.is_empty() {
            return Err(BuildError::Option(self.selector_errors.join("\n")));
        }
        let mut settings = self.settings.clone();
        if let Some(checks) = &self.checks {
            settings.with_checks(checks.iter().copied());
        }
        let name = self.name.clone().unwrap_or_else(|| {
            self.spec.file_stem().map_or_else(
                || "openapi".to_owned(),
                |s| s.to_string_lossy().into_owned(),
            )
        });
        settings.with_ir_file_name(format!("{name}.json"));

        let loaded = match contractgate_spec::load(&self.spec) {
            Ok(loaded) => loaded,
            Err(diags) => {
                // Re-run when any file named in an error changes, so fixing it rebuilds.
                let mut seen = Vec::new();
                for d in &diags.0 {
                    if !d.location.file.is_empty() && !seen.contains(&d.location.file) {
                        println!("cargo:rerun-if-changed={}", d.location.file);
                        seen.push(d.location.file.clone());
                    }
                }
                return Err(BuildError::Spec(diags));
            }
        };
        let files_read: Vec<PathBuf> = loaded.api.files.iter().map(PathBuf::from).collect();
        for file in files_read.iter().skip(1) {
            println!("cargo:rerun-if-changed={}", file.display());
        }

        let (source, stats) = Generator::new(&settings)
            .generate_source(&loaded.api)
            .map_err(BuildError::Codegen)?;
        let dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(|d| PathBuf::from(d).join("contractgate"))
                .ok_or(BuildError::NoOutDir)?,
        };
        let write = |path: &Path, contents: &str| -> Result<(), BuildError> {
            // Leave an unchanged file alone so Cargo does not recompile the tests for nothing.
            if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
                return Ok(());
            }
            std::fs::write(path, contents).map_err(|error| BuildError::Io {
                path: path.to_path_buf(),
                error,
            })
        };
        std::fs::create_dir_all(&dir).map_err(|error| BuildError::Io {
            path: dir.clone(),
            error,
        })?;
        let rust_file = dir.join(format!("{name}.rs"));
        let ir_file = dir.join(format!("{name}.json"));
        write(&ir_file, &loaded.api.to_json())?;
        write(&rust_file, &source)?;
        Ok(Generated {
            rust_file,
            ir_file,
            stats,
            warnings: loaded.diagnostics,
            files_read,
        })
    }

    /// Generates, or prints every error and exits the build script with status 1 (no panic, no
    /// backtrace). Spec warnings become `cargo:warning=` lines.
    pub fn emit(&self) -> Generated {
        match self.try_emit() {
            Ok(generated) => {
                for w in &generated.warnings.0 {
                    let one_line = w.to_string().replace('\n', " | ");
                    println!("cargo:warning=contractgate: {one_line}");
                }
                generated
            }
            Err(err) => {
                eprintln!(
                    "contractgate: cannot generate contract tests from {}",
                    self.spec.display()
                );
                match &err {
                    // The full report, with source lines: a build log is read like a terminal.
                    BuildError::Spec(diags) => eprintln!("{}", diags.render()),
                    other => eprintln!("{other}"),
                }
                std::process::exit(1);
            }
        }
    }
}

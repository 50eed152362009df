//! `contractgate.toml` as `contractgate run` reads it, and the settings of one run.
//!
//! The file is the harness's ([`contractgate::Config`]: environments, credentials, fixtures,
//! checks, skips; unknown keys are errors that list the valid ones). Some keys of an environment
//! are read by `contractgate run` only, because only the CLI starts servers:
//!
//! | key | meaning |
//! | --- | --- |
//! | `server` | a shell command that starts the service (`{port}`: a free port the CLI picks) |
//! | `ready_url` | polled until it answers 2xx/3xx (default: a TCP connect to the base URL) |
//! | `ready_timeout_secs` | how long to wait for it (default 60) |
//! | `server_log` | where the server's output goes (default: a file in the temp directory) |
//!
//! (`env_defaults`, values for unset environment variables, is applied by the harness when it
//! reads credentials.)
//!
//! Precedence: flags > `CONTRACTGATE_*` environment variables (clap reads them for the flags) >
//! the environment's keys > the harness's defaults.

use std::path::{Path, PathBuf};

use contractgate::config::Environment;
use contractgate::{ConfigError, Resolve, Settings, TargetError};

/// The keys of an environment that only `contractgate run` reads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ServerKeys {
    /// A shell command that starts the service.
    pub server: Option<String>,
    /// Polled until it answers 2xx/3xx.
    pub ready_url: Option<String>,
    /// How long to wait for readiness, in seconds.
    pub ready_timeout_secs: Option<f64>,
    /// The server's log file.
    pub server_log: Option<PathBuf>,
}

impl ServerKeys {
    fn of(env: &Environment) -> ServerKeys {
        ServerKeys {
            server: env.server.clone(),
            ready_url: env.ready_url.clone(),
            ready_timeout_secs: env.ready_timeout_secs,
            server_log: env.server_log.clone(),
        }
    }
}

/// An error of the configuration or the target: exit code 2.
#[derive(Debug)]
pub struct SetupError(pub String);

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<TargetError> for SetupError {
    fn from(e: TargetError) -> Self {
        SetupError(e.to_string())
    }
}

impl From<ConfigError> for SetupError {
    fn from(e: ConfigError) -> Self {
        SetupError(e.to_string())
    }
}

/// The configuration of one run: which file, which environment, its settings and server keys.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    /// The config file used, if any.
    pub path: Option<PathBuf>,
    /// The environment's name, if one was chosen.
    pub environment: Option<String>,
    /// The harness settings (the environment's values over the file's top-level ones).
    pub settings: Settings,
    /// The environment's base URL.
    pub base_url: Option<String>,
    /// Whether the environment asks for the spec's first server.
    pub use_spec_server: bool,
    /// The environment's CLI-only keys.
    pub server: ServerKeys,
    /// Whether the file sets `cases` (top-level or in the environment): then the CLI's default
    /// does not apply.
    pub cases_configured: bool,
}

/// Finds the config file (`--config`/`CONTRACTGATE_CONFIG`, else `contractgate.toml` next to the
/// spec) and the environment (`--env`/`CONTRACTGATE_ENV`), the harness's way
/// ([`Resolve::environment_with_env`]). clap has already read the `CONTRACTGATE_*` variables
/// into the flags, so the harness is given no variables of its own to read.
pub fn resolve(
    config: Option<&Path>,
    environment: Option<&str>,
    spec: &Path,
) -> Result<RunConfig, SetupError> {
    let mut resolve = Resolve::new().with_spec(spec);
    if let Some(config) = config {
        resolve = resolve.with_config(config);
    }
    if let Some(environment) = environment {
        resolve = resolve.with_environment(environment);
    }
    let resolved = resolve.environment_with_env(None, &|_| None)?;
    let env = resolved.environment.as_ref();
    Ok(RunConfig {
        path: resolved.config_path.clone(),
        environment: env.map(|(n, _)| n.clone()),
        base_url: env.and_then(|(_, e)| e.base_url.clone()),
        use_spec_server: env.is_some_and(|(_, e)| e.use_spec_server),
        server: env.map(|(_, e)| ServerKeys::of(e)).unwrap_or_default(),
        cases_configured: resolved.config.as_ref().is_some_and(|c| c.cases.is_some())
            || env.is_some_and(|(_, e)| e.cases.is_some()),
        settings: resolved.settings,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use contractgate::Config;

    #[test]
    fn the_documented_configs_parse() {
        for (path, text) in [
            (
                "docs/contractgate.toml",
                include_str!("../../../docs/contractgate.toml"),
            ),
            (
                "examples/user-service/contractgate.toml",
                include_str!("../../../examples/user-service/contractgate.toml"),
            ),
        ] {
            let c = Config::parse(text, Path::new(path)).unwrap();
            assert_eq!(
                c.environments.keys().collect::<Vec<_>>(),
                ["local", "staging", "production"],
                "{path}"
            );
            assert!(c.environments["production"].read_only, "{path}");
            let local = ServerKeys::of(&c.environments["local"]);
            assert!(local.server.unwrap().contains("{port}"), "{path}");
            assert!(local.ready_url.is_some(), "{path}");
        }
    }

    #[test]
    fn the_environment_picks_settings_and_server_keys() {
        let dir = std::env::temp_dir().join(format!("cg-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("contractgate.toml");
        std::fs::write(
            &config,
            "[environments.local]\nbase_url = \"http://127.0.0.1:{port}\"\nserver = \"svc --port {port}\"\nread_only = true\n",
        )
        .unwrap();
        let spec = dir.join("openapi.yaml");
        let r = resolve(None, Some("local"), &spec).unwrap();
        assert_eq!(r.path.as_deref(), Some(config.as_path()));
        assert_eq!(r.server.server.as_deref(), Some("svc --port {port}"));
        assert!(r.settings.read_only);
        let e = resolve(None, Some("nope"), &spec).unwrap_err().to_string();
        assert!(e.contains("environments: local"), "{e}");
        let r = resolve(None, None, &spec).unwrap();
        assert_eq!(r.environment, None);
        assert_eq!(r.server, ServerKeys::default());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

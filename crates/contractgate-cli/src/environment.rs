//! `contractgate.toml` as `contractgate run` reads it, and the settings of one run.
//!
//! The file is the harness's ([`contractgate::Config`]: environments, credentials, fixtures,
//! checks, skips), plus a few keys per environment that only the CLI uses, because only the CLI
//! starts servers:
//!
//! | key | meaning |
//! | --- | --- |
//! | `server` | a shell command that starts the service (`{port}`: a free port the CLI picks) |
//! | `ready_url` | polled until it answers 2xx/3xx (default: a TCP connect to the base URL) |
//! | `ready_timeout_secs` | how long to wait for it (default 60) |
//! | `server_log` | where the server's output goes (default: a file in the temp directory) |
//! | `env_defaults` | values for environment variables that are not set (demo credentials of a local service; never real secrets) |
//!
//! The harness's parser rejects unknown keys (and lists the valid ones); the CLI takes its keys
//! out of each environment before handing the file to it, so both stay strict.
//!
//! Precedence: flags > `CONTRACTGATE_*` environment variables (clap reads them for the flags) >
//! the environment's keys > the harness's defaults.

use std::path::{Path, PathBuf};

use contractgate::config::Environment;
use contractgate::{Config, ConfigError, Settings, TargetError};
use serde::Deserialize;

/// The keys of an environment that only `contractgate run` reads.
pub const CLI_KEYS: &[&str] = &[
    "server",
    "ready_url",
    "ready_timeout_secs",
    "server_log",
    "env_defaults",
];

/// The CLI-only keys of one environment.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerKeys {
    /// A shell command that starts the service.
    #[serde(default)]
    pub server: Option<String>,
    /// Polled until it answers 2xx/3xx.
    #[serde(default)]
    pub ready_url: Option<String>,
    /// How long to wait for readiness, in seconds.
    #[serde(default)]
    pub ready_timeout_secs: Option<f64>,
    /// The server's log file.
    #[serde(default)]
    pub server_log: Option<PathBuf>,
    /// Values for environment variables that are not set.
    #[serde(default)]
    pub env_defaults: indexmap::IndexMap<String, String>,
}

/// A config file as the CLI reads it.
#[derive(Clone, Debug)]
pub struct LoadedConfig {
    /// The file.
    pub path: PathBuf,
    /// What the harness reads.
    pub config: Config,
    /// The CLI-only keys, by environment name.
    pub server_keys: indexmap::IndexMap<String, ServerKeys>,
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
        let mut s = e.to_string();
        if s.contains("unknown field") {
            s.push_str(&format!(
                "\n(`contractgate run` also reads these keys in an environment: {})",
                CLI_KEYS.join(", ")
            ));
        }
        SetupError(s)
    }
}

/// Reads a config file: the CLI's keys out of each environment, the rest through the harness's
/// strict parser.
pub fn load(path: &Path) -> Result<LoadedConfig, SetupError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, path)
}

/// Parses config text; `path` is used in messages.
pub fn parse(text: &str, path: &Path) -> Result<LoadedConfig, SetupError> {
    let parse_error = |message: String| ConfigError::Parse {
        path: path.to_owned(),
        message,
    };
    let mut table: toml::Table =
        toml::from_str(text).map_err(|e| parse_error(e.to_string().trim_end().to_owned()))?;
    let mut server_keys = indexmap::IndexMap::new();
    let mut stripped_any = false;
    if let Some(toml::Value::Table(envs)) = table.get_mut("environments") {
        for (name, env) in envs.iter_mut() {
            let toml::Value::Table(env) = env else {
                continue;
            };
            let mut keys = toml::Table::new();
            for key in CLI_KEYS {
                if let Some(v) = env.remove(*key) {
                    keys.insert((*key).to_owned(), v);
                    stripped_any = true;
                }
            }
            let keys: ServerKeys = toml::Value::Table(keys).try_into().map_err(|e| {
                parse_error(format!("environments.{name}: {}", e.to_string().trim_end()))
            })?;
            server_keys.insert(name.clone(), keys);
        }
    }
    // Without CLI keys, the harness parses the text as written (its messages then point at the
    // user's lines); with them, the same table less those keys.
    let config = if stripped_any {
        let rest = toml::to_string(&table)
            .map_err(|e| parse_error(format!("cannot re-read the file: {e}")))?;
        Config::parse(&rest, path)?
    } else {
        Config::parse(text, path)?
    };
    Ok(LoadedConfig {
        path: path.to_owned(),
        config,
        server_keys,
    })
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
}

/// Finds the config file (`--config`/`CONTRACTGATE_CONFIG`, else `contractgate.toml` next to the
/// spec) and the environment (`--env`/`CONTRACTGATE_ENV`).
pub fn resolve(
    config: Option<&Path>,
    environment: Option<&str>,
    spec: &Path,
) -> Result<RunConfig, SetupError> {
    let next_to_spec = spec
        .parent()
        .unwrap_or(Path::new(""))
        .join("contractgate.toml");
    let path = match config {
        Some(p) => Some(p.to_owned()),
        None => Some(next_to_spec.clone()).filter(|p| p.is_file()),
    };
    let loaded = path.as_deref().map(load).transpose()?;
    let env: Option<(&str, &Environment)> = match (environment, &loaded) {
        (None, _) => None,
        (Some(name), None) => {
            return Err(
                TargetError::NoConfig(name.to_owned(), next_to_spec.display().to_string()).into(),
            );
        }
        (Some(name), Some(c)) => match c.config.environments.get(name) {
            Some(e) => Some((name, e)),
            None => {
                return Err(TargetError::UnknownEnvironment {
                    path: c.path.display().to_string(),
                    name: name.to_owned(),
                    known: c
                        .config
                        .environments
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                }
                .into());
            }
        },
    };
    let settings = match &loaded {
        Some(c) => Settings::from_config(&c.config, env.map(|(_, e)| e)),
        None => Settings::default(),
    };
    let server = match (env, &loaded) {
        (Some((name, _)), Some(c)) => c.server_keys.get(name).cloned().unwrap_or_default(),
        _ => ServerKeys::default(),
    };
    let environment = env.map(|(n, _)| n.to_owned());
    let base_url = env.and_then(|(_, e)| e.base_url.clone());
    let use_spec_server = env.is_some_and(|(_, e)| e.use_spec_server);
    Ok(RunConfig {
        path: loaded.map(|c| c.path),
        environment,
        base_url,
        use_spec_server,
        settings,
        server,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cli_keys_are_taken_out_and_the_rest_stays_strict() {
        let text = r#"
[environments.local]
base_url = "http://127.0.0.1:{port}"
server = "user-service --port {port}"
ready_url = "http://127.0.0.1:{port}/health"
ready_timeout_secs = 5
env_defaults = { TOKEN = "demo" }
[environments.local.credentials]
bearerAuth = { token_env = "TOKEN" }
[environments.prod]
base_url = "https://example.com"
read_only = true
"#;
        let c = parse(text, Path::new("c.toml")).unwrap();
        let local = &c.server_keys["local"];
        assert_eq!(local.server.as_deref(), Some("user-service --port {port}"));
        assert_eq!(local.ready_timeout_secs, Some(5.0));
        assert_eq!(local.env_defaults["TOKEN"], "demo");
        assert!(c.config.environments["prod"].read_only);
        assert_eq!(
            c.config.environments["local"].credentials["bearerAuth"]
                .token_env
                .as_deref(),
            Some("TOKEN")
        );

        let e = parse(
            "[environments.x]\nserver = \"a\"\nbase_ur = \"http://a\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("base_ur"), "{e}");
        assert!(e.contains("also reads these keys"), "{e}");
        let e = parse(
            "[environments.x]\nready_timeout_secs = \"soon\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("environments.x"), "{e}");
    }

    #[test]
    fn the_documented_configs_parse() {
        let c = parse(
            include_str!("../../../docs/contractgate.toml"),
            Path::new("docs/contractgate.toml"),
        )
        .unwrap();
        assert_eq!(
            c.config.environments.keys().collect::<Vec<_>>(),
            ["local", "staging", "production"]
        );
        assert!(c.config.environments["production"].read_only);
        assert!(c.server_keys["local"].server.is_some());
        let c = parse(
            include_str!("../../../examples/user-service/contractgate.toml"),
            Path::new("examples/user-service/contractgate.toml"),
        )
        .unwrap();
        assert!(c.config.environments["production"].read_only);
        assert!(c.server_keys["local"].ready_url.is_some());
    }
}

//! `contractgate.toml`: named environments, fixtures, checks on/off and skips.
//!
//! ```toml
//! [environments.staging]
//! base_url = "https://staging.example.com"
//! headers = { "X-Client" = "contractgate" }
//! read_only = true
//! timeout_secs = 10.0
//! request_budget = 500
//! rate_limit = 20.0              # requests per second
//! latency_budget_ms = 800
//! ca_file = "certs/internal-ca.pem"  # extra CA certificates (PEM), relative to this file
//! links = false                  # no values from OpenAPI links (default: on)
//!
//! [environments.staging.credentials]
//! bearerAuth = { token_env = "STAGING_TOKEN" }
//! basicAuth = { username_env = "STAGING_USER", password_env = "STAGING_PASSWORD" }
//! apiKeyAuth = { key_env = "STAGING_API_KEY" }
//!
//! [environments.staging.fixtures.getUser]
//! params = { userId = 42 }
//!
//! [environments.staging.skip]
//! deleteUser = "destroys data"
//!
//! [environments.staging.allowed_server_errors]   # 5xx answered by design (rare)
//! getReport = [503]              # by operation id; "*" for every operation
//!
//! [checks.latency_budget]
//! enabled = false
//! ```
//!
//! Unknown keys are errors that list the valid ones; so are unknown check names. An environment
//! may also carry the keys only `contractgate run` uses (`server`, `ready_url`,
//! `ready_timeout_secs`, `server_log`); `env_defaults` gives values for unset environment
//! variables (demo credentials of a local service), and credentials fall back to them.
//!
//! `ca_file` names a PEM file of one or more CA certificates trusted in addition to the
//! platform's roots (a staging environment behind an internal CA); a relative path is relative
//! to the directory of the `contractgate.toml` that names it. The file is read when the
//! environment is chosen ([`crate::Resolve`]), and a missing or unreadable file, or one without
//! a certificate, is an error that names the file and the setting. `CONTRACTGATE_CA_FILE`
//! overrides it.

use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

use crate::checks::Check;

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Named environments.
    #[serde(default)]
    pub environments: IndexMap<String, Environment>,
    /// Checks on/off and their settings, by check name (for every environment).
    #[serde(default)]
    pub checks: IndexMap<String, CheckSettings>,
    /// Fixtures for every environment, by operation id (an environment's own fixtures win).
    #[serde(default)]
    pub fixtures: IndexMap<String, OperationFixtures>,
    /// Parameter values for every operation that has the parameter, by name (`tenant`) or by
    /// location and name (`header:X-Org`), in every environment (an environment's own win).
    #[serde(default)]
    pub params: IndexMap<String, serde_json::Value>,
    /// Operations to skip in every environment, by operation id, with the reason.
    #[serde(default)]
    pub skip: IndexMap<String, String>,
    /// 5xx statuses that do not fail `not_server_error`, by operation id (`"*"`: every
    /// operation), in every environment.
    #[serde(default)]
    pub allowed_server_errors: IndexMap<String, Vec<u16>>,
    /// A file of accepted failures for every environment (relative to this file).
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// `contractgate run` only: the least percentage of operations exercised.
    #[serde(default)]
    pub min_coverage: Option<f64>,
    /// Requests per operation for every environment (default 1: the request built from the
    /// spec; more adds boundary and random cases, see docs/cases.md).
    #[serde(default)]
    pub cases: Option<usize>,
    /// The file of minimal failing cases, replayed first on every run (relative to this file;
    /// default `<spec name>.regressions.json` next to the spec; `"off"`: none kept).
    #[serde(default)]
    pub regressions: Option<String>,
}

/// One environment.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// The base URL, e.g. `https://staging.example.com/api`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Use the spec's first `servers` entry (with variables' defaults) when no base URL is given.
    #[serde(default)]
    pub use_spec_server: bool,
    /// Headers sent with every request.
    #[serde(default)]
    pub headers: IndexMap<String, String>,
    /// A file of accepted failures for this environment (relative to the config file; over the
    /// top-level `baseline`).
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    /// `contractgate run` only: the least percentage of operations exercised (over the top-level
    /// `min_coverage`).
    #[serde(default)]
    pub min_coverage: Option<f64>,
    /// Credentials per security scheme name, read from environment variables.
    #[serde(default)]
    pub credentials: IndexMap<String, Credential>,
    /// Connect timeout in seconds (default 5).
    #[serde(default)]
    pub connect_timeout_secs: Option<f64>,
    /// Total timeout per request in seconds (default 30).
    #[serde(default)]
    pub timeout_secs: Option<f64>,
    /// Accept invalid TLS certificates. Off unless set explicitly.
    #[serde(default)]
    pub insecure: bool,
    /// A PEM file of CA certificates to trust besides the platform's roots. Written as a path;
    /// [`Config::parse`] makes a relative one relative to the config file's directory and
    /// records the setting for messages.
    #[serde(default)]
    pub ca_file: Option<crate::client::CaFile>,
    /// A client certificate (PEM) presented to servers that ask for one (mutual TLS), relative to
    /// the config file; needs `client_key`.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM), relative to the config file.
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    /// Where `client_cert`/`client_key` were written, for messages (set by [`Config::parse`]).
    #[serde(skip)]
    pub client_setting: String,
    /// Send only GET, HEAD and OPTIONS; other operations are reported as skipped.
    #[serde(default)]
    pub read_only: bool,
    /// The most requests one process sends to this environment.
    #[serde(default)]
    pub request_budget: Option<u64>,
    /// Requests per second, at most.
    #[serde(default)]
    pub rate_limit: Option<f64>,
    /// Response bodies larger than this are cut and reported (default 10 MiB).
    #[serde(default)]
    pub max_body_bytes: Option<u64>,
    /// Retries on connection errors (default 2).
    #[serde(default)]
    pub retries: Option<u32>,
    /// The budget for `latency_budget`, in milliseconds.
    #[serde(default)]
    pub latency_budget_ms: Option<u64>,
    /// Report properties the documented schema does not declare as failures, not warnings.
    #[serde(default)]
    pub strict_properties: Option<bool>,
    /// Take request values from OpenAPI links (default true): `false` turns it off, and values
    /// come from fixtures, examples and synthesized data only.
    #[serde(default)]
    pub links: Option<bool>,
    /// Use links contractgate infers from names where the spec writes none (default true;
    /// `contractgate lint` lists them): a create's `id` feeding `{id}` of the path below it.
    #[serde(default)]
    pub infer_links: Option<bool>,
    /// Fixtures by operation id.
    #[serde(default)]
    pub fixtures: IndexMap<String, OperationFixtures>,
    /// Parameter values for every operation that has the parameter, by name (`tenant`) or by
    /// location and name (`header:X-Org`): below an operation's fixtures and values from links,
    /// above examples and synthesized data.
    #[serde(default)]
    pub params: IndexMap<String, serde_json::Value>,
    /// How many other requests to try when the request built from the spec is refused (default
    /// 3; 0 turns it off).
    #[serde(default)]
    pub alternatives: Option<usize>,
    /// Requests per operation in this environment (over the top-level `cases`).
    #[serde(default)]
    pub cases: Option<usize>,
    /// `contractgate run` only: at the end, delete what the run created, through the DELETE a
    /// link connects each create operation to (default true).
    #[serde(default)]
    pub cleanup: Option<bool>,
    /// Operations to skip, by operation id, with the reason.
    #[serde(default)]
    pub skip: IndexMap<String, String>,
    /// 5xx statuses that do not fail `not_server_error` in this environment, by operation id
    /// (`"*"`: every operation); added to the top-level ones.
    #[serde(default)]
    pub allowed_server_errors: IndexMap<String, Vec<u16>>,
    /// Checks on/off for this environment (wins over the top-level `[checks]`).
    #[serde(default)]
    pub checks: IndexMap<String, CheckSettings>,
    /// `contractgate run` only: a shell command that starts the service (`{port}`: a free port).
    #[serde(default)]
    pub server: Option<String>,
    /// `contractgate run` only: polled until it answers before checks start.
    #[serde(default)]
    pub ready_url: Option<String>,
    /// `contractgate run` only: how long to wait for `ready_url`, in seconds.
    #[serde(default)]
    pub ready_timeout_secs: Option<f64>,
    /// `contractgate run` only: where the started server's output goes.
    #[serde(default)]
    pub server_log: Option<PathBuf>,
    /// Values for environment variables that are not set (demo credentials of a local service,
    /// never real secrets); credentials fall back to them.
    #[serde(default)]
    pub env_defaults: IndexMap<String, String>,
}

/// Where the secret for one security scheme comes from: names of environment variables, never
/// the values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// For bearer, OAuth 2 and OpenID Connect schemes: the token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// For basic: the user name.
    #[serde(default)]
    pub username_env: Option<String>,
    /// For basic: the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// For apiKey schemes: the key.
    #[serde(default)]
    pub key_env: Option<String>,
    /// OAuth 2 client credentials: the client id, read from this variable. With
    /// `client_secret_env`, a token is obtained from the token URL once per run (or test binary)
    /// and sent as a bearer token.
    #[serde(default)]
    pub client_id_env: Option<String>,
    /// OAuth 2 client credentials: the client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// The token URL (default: the scheme's `flows.clientCredentials.tokenUrl` in the spec).
    #[serde(default)]
    pub token_url: Option<String>,
    /// Scopes to ask for (default: none, the server's default).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A login operation of the spec that gives the token: sent once per run (or test binary)
    /// before the first request, the token taken from its answer and sent the way the scheme
    /// says (a bearer token, or the API key).
    #[serde(default)]
    pub login: Option<Login>,
}

/// A login operation of the spec, and where its answer holds the token.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    /// The operation's `operationId` (or `"POST /login"`).
    pub operation: String,
    /// A runtime expression for the token in the answer (default
    /// `$response.body#/access_token`; `$response.header.X-Token` reads a header).
    #[serde(default)]
    pub token: Option<String>,
    /// Parameter values by name; strings may read `${VAR}`s from the environment (secrets).
    #[serde(default)]
    pub params: IndexMap<String, serde_json::Value>,
    /// The request body; its strings may read `${VAR}`s from the environment (secrets).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

impl Login {
    /// The runtime expression used when `token` is not given.
    pub const DEFAULT_TOKEN: &str = "$response.body#/access_token";
}

/// Values to use for one operation instead of examples or synthesized data.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationFixtures {
    /// Parameter values by parameter name.
    #[serde(default)]
    pub params: IndexMap<String, serde_json::Value>,
    /// The request body.
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

/// Settings of one check.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSettings {
    /// Whether the check runs (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// An error reading or applying configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (it lists the valid keys for an unknown one).
        message: String,
    },
    /// A `[checks.<name>]` table names no check.
    #[error("{path}: unknown check `{name}` in `{table}`; valid checks: {valid}")]
    UnknownCheck {
        /// The file.
        path: PathBuf,
        /// The table, e.g. `checks` or `environments.staging.checks`.
        table: String,
        /// The unknown name.
        name: String,
        /// Every valid name.
        valid: String,
    },
    /// An `allowed_server_errors` entry names a status that is not a 5xx.
    #[error(
        "{path}: `{table}` allows {status} for `{operation}`, but only 5xx statuses (500-599) can be allowed"
    )]
    NotAServerError {
        /// The file.
        path: PathBuf,
        /// The table, e.g. `environments.staging.allowed_server_errors`.
        table: String,
        /// The operation id (or `*`).
        operation: String,
        /// The status.
        status: u16,
    },
}

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses config text; `path` is used in messages, and relative `ca_file` paths are made
    /// relative to its directory. The CA files themselves are not read here (only the chosen
    /// environment's is, by [`crate::Resolve`]).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let dir = path.parent().unwrap_or(Path::new(""));
        if let Some(b) = &mut config.baseline {
            *b = dir.join(&*b);
        }
        if let Some(r) = &mut config.regressions
            && r != REGRESSIONS_OFF
        {
            *r = dir.join(&*r).to_string_lossy().into_owned();
        }
        for (name, env) in &mut config.environments {
            if let Some(b) = &mut env.baseline {
                *b = dir.join(&*b);
            }
            if let Some(ca) = &mut env.ca_file {
                // `join` keeps an absolute path as it is.
                ca.path = dir.join(&ca.path);
                ca.setting = format!("`ca_file` of [environments.{name}] in {}", path.display());
            }
            match (&mut env.client_cert, &mut env.client_key) {
                (Some(cert), Some(key)) => {
                    *cert = dir.join(&*cert);
                    *key = dir.join(&*key);
                    env.client_setting = format!(
                        "`client_cert`/`client_key` of [environments.{name}] in {}",
                        path.display()
                    );
                }
                (None, None) => {}
                _ => {
                    return Err(ConfigError::Parse {
                        path: path.to_owned(),
                        message: format!(
                            "[environments.{name}]: `client_cert` and `client_key` go together (a client certificate and its private key, PEM)"
                        ),
                    });
                }
            }
        }
        let check_tables = std::iter::once(("checks".to_owned(), &config.checks)).chain(
            config
                .environments
                .iter()
                .map(|(name, env)| (format!("environments.{name}.checks"), &env.checks)),
        );
        for (table, checks) in check_tables {
            for name in checks.keys() {
                if name.parse::<Check>().is_err() {
                    return Err(ConfigError::UnknownCheck {
                        path: path.to_owned(),
                        table,
                        name: name.clone(),
                        valid: Check::ALL.map(Check::as_str).join(", "),
                    });
                }
            }
        }
        let allowed_tables = std::iter::once((
            "allowed_server_errors".to_owned(),
            &config.allowed_server_errors,
        ))
        .chain(config.environments.iter().map(|(name, env)| {
            (
                format!("environments.{name}.allowed_server_errors"),
                &env.allowed_server_errors,
            )
        }));
        for (table, allowed) in allowed_tables {
            for (operation, statuses) in allowed {
                if let Some(&status) = statuses.iter().find(|s| !(500..600).contains(*s)) {
                    return Err(ConfigError::NotAServerError {
                        path: path.to_owned(),
                        table,
                        operation: operation.clone(),
                        status,
                    });
                }
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_config() {
        let text = r#"
[environments.staging]
base_url = "https://staging.example.com"
headers = { "X-Client" = "contractgate" }
read_only = true
request_budget = 10
rate_limit = 2.5
links = false
[environments.staging.credentials]
bearerAuth = { token_env = "TOKEN" }
[environments.staging.fixtures.getUser]
params = { userId = 42 }
[checks.latency_budget]
enabled = false
[skip]
deleteUser = "destroys data"
"#;
        let c = Config::parse(text, Path::new("contractgate.toml")).unwrap();
        let env = &c.environments["staging"];
        assert!(env.read_only);
        assert_eq!(env.links, Some(false));
        assert!(!Settings::from_config(&c, Some(env)).links);
        assert!(Settings::from_config(&c, None).links);
        assert_eq!(
            env.credentials["bearerAuth"].token_env.as_deref(),
            Some("TOKEN")
        );
        assert_eq!(
            env.fixtures["getUser"].params["userId"],
            serde_json::json!(42)
        );
        assert!(!c.checks["latency_budget"].enabled);
        assert_eq!(c.skip["deleteUser"], "destroys data");
    }

    #[test]
    fn ca_file_is_relative_to_the_config_file() {
        let text = "[environments.a]\nca_file = \"certs/ca.pem\"\n[environments.b]\nca_file = \"/etc/ca.pem\"\n";
        let c = Config::parse(text, Path::new("conf/contractgate.toml")).unwrap();
        let a = c.environments["a"].ca_file.clone().unwrap();
        assert_eq!(a.path, Path::new("conf/certs/ca.pem"));
        assert_eq!(
            a.setting,
            "`ca_file` of [environments.a] in conf/contractgate.toml"
        );
        let b = c.environments["b"].ca_file.clone().unwrap();
        assert_eq!(b.path, Path::new("/etc/ca.pem"));
        let s = Settings::from_config(&c, Some(&c.environments["a"]));
        assert_eq!(s.http.ca_file, Some(a));
        let c = Config::parse(text, Path::new("contractgate.toml")).unwrap();
        assert_eq!(
            c.environments["a"].ca_file.as_ref().unwrap().path,
            Path::new("certs/ca.pem")
        );
    }

    #[test]
    fn client_certificates_are_relative_to_the_config_and_come_in_pairs() {
        let text =
            "[environments.a]\nclient_cert = \"certs/me.pem\"\nclient_key = \"certs/me.key\"\n";
        let c = Config::parse(text, Path::new("conf/contractgate.toml")).unwrap();
        let s = Settings::from_config(&c, Some(&c.environments["a"]));
        let id = s.http.client_identity.unwrap();
        assert_eq!(id.cert, Path::new("conf/certs/me.pem"));
        assert_eq!(id.key, Path::new("conf/certs/me.key"));
        assert_eq!(
            id.setting,
            "`client_cert`/`client_key` of [environments.a] in conf/contractgate.toml"
        );
        let e = Config::parse(
            "[environments.a]\nclient_cert = \"me.pem\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml: [environments.a]: `client_cert` and `client_key` go together (a client certificate and its private key, PEM)"
        );
    }

    #[test]
    fn allowed_server_errors_merge_and_must_be_5xx() {
        let text = "[allowed_server_errors]\ngetReport = [503]\n[environments.a.allowed_server_errors]\n\"*\" = [502]\ngetReport = [504]\n";
        let c = Config::parse(text, Path::new("c.toml")).unwrap();
        let s = Settings::from_config(&c, Some(&c.environments["a"]));
        assert!(s.allows_server_error("getReport", 503));
        assert!(s.allows_server_error("getReport", 504));
        assert!(s.allows_server_error("other", 502));
        assert!(!s.allows_server_error("other", 503));
        assert!(!Settings::from_config(&c, None).allows_server_error("other", 502));
        let e = Config::parse(
            "[environments.a.allowed_server_errors]\ngetReport = [404]\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml: `environments.a.allowed_server_errors` allows 404 for `getReport`, but only 5xx statuses (500-599) can be allowed"
        );
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        let e = Config::parse(
            "[environments.x]\nbase_ur = \"http://a\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        insta::assert_snapshot!("unknown_environment_key", e.to_string());
        let e = Config::parse(
            "[checks.status_code]\nenabled = true\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.toml: unknown check `status_code` in `checks`; valid checks: not_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, route_identity, response_headers_conformance, method_not_allowed, auth_enforced, negative_data_rejection, latency_budget, resource_availability, use_after_free, read_after_write"
        );
    }
}

/// The settings in force for one run: an environment's values over the top-level ones, with
/// defaults filled in.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Timeouts, TLS, body cap, retries.
    pub http: crate::client::HttpSettings,
    /// Headers sent with every request.
    pub headers: IndexMap<String, String>,
    /// Credentials per security scheme, by environment variable name.
    pub credentials: IndexMap<String, Credential>,
    /// Only GET, HEAD and OPTIONS are sent.
    pub read_only: bool,
    /// The most requests this process sends.
    pub request_budget: Option<u64>,
    /// Requests per second, at most.
    pub rate_limit: Option<f64>,
    /// The budget of `latency_budget`.
    pub latency_budget: Option<std::time::Duration>,
    /// Undeclared properties fail `response_schema_conformance` instead of warning.
    pub strict_properties: bool,
    /// Values from OpenAPI links: the source operation of a link is sent first, and its answer
    /// gives the target's parameters (fixtures still win). On by default.
    pub links: bool,
    /// Links inferred from names count too ([`contractgate_spec::infer`]). On by default.
    pub infer_links: bool,
    /// How many other requests to try when the request built from the spec is refused with a
    /// 4xx (not 401, 403 or 405), before reporting the operation not exercised (default 3; 0
    /// turns it off).
    pub alternatives: usize,
    /// Parameter values by name or `location:name`, for every operation that has the parameter.
    pub params: IndexMap<String, serde_json::Value>,
    /// Fixtures by operation id.
    pub fixtures: IndexMap<String, OperationFixtures>,
    /// Skipped operations by id, with the reason.
    pub skip: IndexMap<String, String>,
    /// Checks turned off.
    pub disabled: Vec<Check>,
    /// 5xx statuses that do not fail `not_server_error`, by operation id (`"*"`: every operation).
    pub allowed_server_errors: IndexMap<String, Vec<u16>>,
    /// Seed for synthesized data (mixed with operation and parameter names).
    pub seed: u64,
    /// Values for environment variables that are not set (the environment's `env_defaults`).
    pub env_defaults: IndexMap<String, String>,
    /// A file of accepted failures ([`crate::baseline`]).
    pub baseline: Option<PathBuf>,
    /// `contractgate run` only: the least percentage of operations exercised.
    pub min_coverage: Option<f64>,
    /// Requests per operation: 1 is the request built from the spec; more add boundary values,
    /// then random values, of the request's schemas (judged by [`crate::cases::CASE_CHECKS`]).
    pub cases: usize,
    /// The file of minimal failing cases: replayed first, and where new ones are written.
    pub regressions: RegressionsFile,
    /// `contractgate run` only: delete what the run created at the end ([`crate::cleanup`]).
    pub cleanup: bool,
}

/// The value of `regressions` that keeps no file.
pub const REGRESSIONS_OFF: &str = "off";

/// Where minimal failing cases are kept (docs/cases.md).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RegressionsFile {
    /// `<spec stem>.regressions.json` beside the spec the API was loaded from.
    #[default]
    BesideSpec,
    /// None: neither read nor written.
    Off,
    /// This file.
    At(PathBuf),
}

impl RegressionsFile {
    /// A setting's value: [`REGRESSIONS_OFF`], or a path.
    pub fn parse(value: &str) -> RegressionsFile {
        if value == REGRESSIONS_OFF {
            RegressionsFile::Off
        } else {
            RegressionsFile::At(PathBuf::from(value))
        }
    }

    /// The file, for an API loaded from `spec` (`None` or empty: not loaded from a file).
    pub fn path(&self, spec: Option<&Path>) -> Option<PathBuf> {
        match self {
            RegressionsFile::BesideSpec => spec
                .filter(|s| !s.as_os_str().is_empty())
                .map(crate::cases::default_regressions_file),
            RegressionsFile::Off => None,
            RegressionsFile::At(path) => Some(path.clone()),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            http: crate::client::HttpSettings::default(),
            headers: IndexMap::new(),
            credentials: IndexMap::new(),
            read_only: false,
            request_budget: None,
            rate_limit: None,
            latency_budget: None,
            strict_properties: false,
            links: true,
            infer_links: true,
            fixtures: IndexMap::new(),
            params: IndexMap::new(),
            alternatives: 3,
            skip: IndexMap::new(),
            disabled: Vec::new(),
            allowed_server_errors: IndexMap::new(),
            seed: 0,
            env_defaults: IndexMap::new(),
            baseline: None,
            min_coverage: None,
            cases: 1,
            regressions: RegressionsFile::BesideSpec,
            cleanup: true,
        }
    }
}

impl Settings {
    /// Whether the configuration allows `status` (a 5xx) for the operation `id`.
    pub fn allows_server_error(&self, id: &str, status: u16) -> bool {
        [id, "*"].iter().any(|key| {
            self.allowed_server_errors
                .get(*key)
                .is_some_and(|s| s.contains(&status))
        })
    }

    /// Settings from a config file and (optionally) one of its environments.
    pub fn from_config(config: &Config, env: Option<&Environment>) -> Settings {
        let mut s = Settings {
            fixtures: config.fixtures.clone(),
            params: config.params.clone(),
            skip: config.skip.clone(),
            allowed_server_errors: config.allowed_server_errors.clone(),
            baseline: config.baseline.clone(),
            min_coverage: config.min_coverage,
            cases: config.cases.unwrap_or(1).max(1),
            ..Settings::default()
        };
        let mut checks = config.checks.clone();
        if let Some(env) = env {
            let secs = |v: Option<f64>, d: std::time::Duration| {
                v.filter(|v| v.is_finite() && *v > 0.0)
                    .map_or(d, std::time::Duration::from_secs_f64)
            };
            s.http.connect_timeout = secs(env.connect_timeout_secs, s.http.connect_timeout);
            s.http.timeout = secs(env.timeout_secs, s.http.timeout);
            s.http.insecure = env.insecure;
            s.http.ca_file = env.ca_file.clone();
            if let (Some(cert), Some(key)) = (&env.client_cert, &env.client_key) {
                s.http.client_identity = Some(crate::client::ClientIdentity {
                    cert: cert.clone(),
                    key: key.clone(),
                    setting: env.client_setting.clone(),
                });
            }
            if let Some(m) = env.max_body_bytes {
                s.http.max_body_bytes = m;
            }
            if let Some(r) = env.retries {
                s.http.retries = r;
            }
            s.headers = env.headers.clone();
            s.credentials = env.credentials.clone();
            s.read_only = env.read_only;
            s.request_budget = env.request_budget;
            s.rate_limit = env.rate_limit.filter(|r| *r > 0.0);
            s.latency_budget = env.latency_budget_ms.map(std::time::Duration::from_millis);
            s.strict_properties = env.strict_properties.unwrap_or(false);
            s.links = env.links.unwrap_or(true);
            s.infer_links = env.infer_links.unwrap_or(true);
            s.fixtures.extend(env.fixtures.clone());
            s.params.extend(env.params.clone());
            if let Some(n) = env.alternatives {
                s.alternatives = n;
            }
            if let Some(n) = env.cases {
                s.cases = n.max(1);
            }
            s.cleanup = env.cleanup.unwrap_or(true);
            s.skip.extend(env.skip.clone());
            for (op, statuses) in &env.allowed_server_errors {
                s.allowed_server_errors
                    .entry(op.clone())
                    .or_default()
                    .extend(statuses);
            }
            s.env_defaults = env.env_defaults.clone();
            if env.baseline.is_some() {
                s.baseline.clone_from(&env.baseline);
            }
            if env.min_coverage.is_some() {
                s.min_coverage = env.min_coverage;
            }
            checks.extend(env.checks.clone());
        }
        s.disabled = checks
            .iter()
            .filter(|(_, c)| !c.enabled)
            .filter_map(|(name, _)| name.parse().ok())
            .collect();
        s
    }
}

//! Where requests go: the base URL and the environment's settings and credentials.
//!
//! The base URL comes from, in order: an explicit value ([`Resolve::base_url`], e.g. a CLI flag or
//! an in-process server), `CONTRACTGATE_BASE_URL`, the environment named by
//! [`Resolve::environment`] or `CONTRACTGATE_ENV` in `contractgate.toml` (given by
//! [`Resolve::config`], `CONTRACTGATE_CONFIG`, or found next to the spec), that environment's
//! `use_spec_server`, and otherwise an error that says how to set one.
//!
//! Extra CA certificates come from `CONTRACTGATE_CA_FILE` (a path, relative to the current
//! directory), else the environment's `ca_file` (relative to its `contractgate.toml`). The file is
//! read when the environment is resolved: a missing or unreadable file, or one without a
//! certificate, is [`TargetError::CaFile`], naming the file and the setting.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use contractgate_spec::ir::{Api, ApiKeyLocation, SecurityScheme};
use indexmap::IndexMap;

use crate::client::{CaFile, CaFileError, block_on, runtime};
use crate::config::{Config, ConfigError, Settings};
use crate::redact::Redactor;

/// An error finding the target.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// No base URL from any source.
    #[error(
        "no base URL for the API under test. Set one of:{}",
        .0.iter().map(|way| format!("\n  - {way}")).collect::<String>()
    )]
    NoBaseUrl(Vec<&'static str>),
    /// An environment was asked for but there is no config file.
    #[error(
        "environment `{0}` was asked for, but no contractgate.toml was found (looked at {1}); set CONTRACTGATE_CONFIG"
    )]
    NoConfig(String, String),
    /// The config has no such environment.
    #[error("{path}: no environment `{name}`; environments: {known}")]
    UnknownEnvironment {
        /// The config file.
        path: String,
        /// The name asked for.
        name: String,
        /// The names it has.
        known: String,
    },
    /// The config file is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The CA file (`ca_file` or `CONTRACTGATE_CA_FILE`) cannot be used.
    #[error(transparent)]
    CaFile(#[from] CaFileError),
    /// The base URL is not a URL.
    #[error("base URL `{0}` is not an http(s) URL")]
    BadUrl(String),
    /// `CONTRACTGATE_CASES` is not a positive number.
    #[error("CONTRACTGATE_CASES=`{0}` is not a number of cases (1 or more)")]
    BadCases(String),
    /// The in-process server could not start.
    #[error("cannot start the in-process server: {0}")]
    InProcess(String),
}

/// How to find the target; every field is optional.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Resolve {
    /// An explicit base URL (wins over everything).
    pub base_url: Option<String>,
    /// An environment name (wins over `CONTRACTGATE_ENV`).
    pub environment: Option<String>,
    /// The config file (wins over `CONTRACTGATE_CONFIG` and the file next to the spec).
    pub config: Option<PathBuf>,
    /// The spec file: `contractgate.toml` is looked for in its directory.
    pub spec: Option<PathBuf>,
}

impl Resolve {
    /// Nothing set: everything comes from the process environment and the config file.
    pub fn new() -> Self {
        Resolve::default()
    }

    /// Sets the explicit base URL.
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the environment name.
    pub fn with_environment(mut self, name: impl Into<String>) -> Self {
        self.environment = Some(name.into());
        self
    }

    /// Sets the config file.
    pub fn with_config(mut self, path: impl Into<PathBuf>) -> Self {
        self.config = Some(path.into());
        self
    }

    /// Sets the spec file.
    pub fn with_spec(mut self, path: impl Into<PathBuf>) -> Self {
        self.spec = Some(path.into());
        self
    }

    /// Resolves against the process environment.
    pub fn target(&self, api: Option<&Api>) -> Result<Target, TargetError> {
        self.target_with_env(api, &|name| std::env::var(name).ok())
    }

    /// Resolves with `vars` standing for the process environment (for tests, and for callers
    /// that keep their own environment).
    pub fn target_with_env(
        &self,
        api: Option<&Api>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Target, TargetError> {
        let resolved = self.environment_with_env(api, vars)?;
        let environment = resolved.environment.as_ref();
        let spec_server = environment
            .filter(|(_, e)| e.use_spec_server)
            .and_then(|_| api.and_then(|a| a.servers.first()).map(|s| s.default_url()));
        let base_url = self
            .base_url
            .clone()
            .or_else(|| vars("CONTRACTGATE_BASE_URL").filter(|s| !s.is_empty()))
            .or_else(|| environment.and_then(|(_, e)| e.base_url.clone()))
            .or(spec_server)
            .ok_or_else(TargetError::no_base_url)?;
        let mut target = Target::new(base_url)?;
        target.environment = environment.map(|(n, _)| n.clone());
        target.settings = resolved.settings;
        target.read_secrets(api, vars);
        Ok(target)
    }

    /// The first half of [`Resolve::target_with_env`]: the config file (explicit, else
    /// `CONTRACTGATE_CONFIG`, else `contractgate.toml` next to the spec), the environment
    /// (explicit, else `CONTRACTGATE_ENV`) and the settings they give, before any base URL is
    /// chosen. `contractgate run` uses it to read the environment's server keys.
    ///
    /// `CONTRACTGATE_CA_FILE` replaces the environment's `ca_file`; the CA file in force is read
    /// here, so a bad one is an error before any request.
    pub fn environment_with_env(
        &self,
        api: Option<&Api>,
        vars: &dyn Fn(&str) -> Option<String>,
    ) -> Result<ResolvedEnvironment, TargetError> {
        let env_name = self
            .environment
            .clone()
            .or_else(|| vars("CONTRACTGATE_ENV").filter(|s| !s.is_empty()));
        let spec = self
            .spec
            .clone()
            .or_else(|| api.map(|a| PathBuf::from(&a.source)));
        let next_to_spec = spec.as_deref().map(|s| {
            s.parent()
                .unwrap_or(Path::new(""))
                .join("contractgate.toml")
        });
        let config_path = self
            .config
            .clone()
            .or_else(|| {
                vars("CONTRACTGATE_CONFIG")
                    .filter(|s| !s.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| next_to_spec.clone().filter(|p| p.is_file()));
        let config = match &config_path {
            Some(p) => Some(Config::load(p)?),
            None => None,
        };
        let environment = match (&env_name, &config) {
            (None, _) => None,
            (Some(name), None) => {
                let looked =
                    next_to_spec.map_or("no spec given".to_owned(), |p| p.display().to_string());
                return Err(TargetError::NoConfig(name.clone(), looked));
            }
            (Some(name), Some(c)) => match c.environments.get(name) {
                Some(env) => Some((name.clone(), env.clone())),
                None => {
                    return Err(TargetError::UnknownEnvironment {
                        path: config_path
                            .as_deref()
                            .map(|p| p.display().to_string())
                            .unwrap_or_default(),
                        name: name.clone(),
                        known: c
                            .environments
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
            },
        };
        let mut settings = match &config {
            Some(c) => Settings::from_config(c, environment.as_ref().map(|(_, e)| e)),
            None => Settings::default(),
        };
        if let Some(n) = vars("CONTRACTGATE_CASES").filter(|s| !s.is_empty()) {
            settings.cases = n
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(TargetError::BadCases(n))?;
        }
        let regressions = vars("CONTRACTGATE_REGRESSIONS")
            .filter(|s| !s.is_empty())
            .or_else(|| config.as_ref().and_then(|c| c.regressions.clone()));
        settings.regressions = match regressions.as_deref() {
            Some(value) => crate::config::RegressionsFile::parse(value),
            None => crate::config::RegressionsFile::BesideSpec,
        };
        if let Some(path) = vars("CONTRACTGATE_CA_FILE").filter(|s| !s.is_empty()) {
            settings.http.ca_file = Some(CaFile::new(path, "CONTRACTGATE_CA_FILE"));
        }
        if let Some(ca_file) = &settings.http.ca_file {
            ca_file.certificates()?;
        }
        Ok(ResolvedEnvironment {
            config_path,
            config,
            environment,
            settings,
        })
    }
}

/// A config file and the environment chosen in it, as [`Resolve::environment_with_env`] finds
/// them.
#[derive(Clone, Debug, Default)]
pub struct ResolvedEnvironment {
    /// The config file used, if any.
    pub config_path: Option<PathBuf>,
    /// Its content.
    pub config: Option<Config>,
    /// The environment chosen, by name, with its table.
    pub environment: Option<(String, crate::config::Environment)>,
    /// The settings: the environment's values over the file's top-level ones (defaults without a
    /// file).
    pub settings: Settings,
}

/// A secret read from an environment variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// The variable's name.
    pub env_var: String,
    /// Its value, when set.
    pub value: Option<String>,
}

/// Credentials for one security scheme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credentials {
    /// A token sent as `Authorization: Bearer ...` (bearer, OAuth 2, OpenID Connect).
    Bearer(Secret),
    /// `Authorization: Basic ...`.
    Basic {
        /// The user name.
        username: Secret,
        /// The password.
        password: Secret,
    },
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// The header, query or cookie name.
        name: String,
        /// Where it goes.
        location: ApiKeyLocation,
        /// The key.
        key: Secret,
    },
}

/// The API under test: a base URL and the settings to test it with.
#[derive(Clone, Debug)]
pub struct Target {
    /// The base URL, without a trailing slash: paths are appended to it.
    pub base_url: String,
    /// The environment's name, when one was used.
    pub environment: Option<String>,
    /// Settings (timeouts, read-only, fixtures, checks on/off, ...).
    pub settings: Settings,
    /// Credentials by security scheme name.
    pub credentials: IndexMap<String, Credentials>,
    /// Changes every request right before it is sent (sign it, add a header computed from the
    /// body); see [`Target::with_request_hook`].
    pub request_hook: Option<crate::custom::RequestHook>,
    /// The values of the `${VAR}`s the settings read (headers, login parameters and bodies):
    /// secrets, redacted as `$VAR`.
    pub header_values: IndexMap<String, String>,
    /// Where tokens come from, by security scheme (OAuth 2 client credentials), obtained by the
    /// harness before its first request.
    pub token_sources: IndexMap<String, TokenSource>,
}

/// Where a scheme's token comes from, obtained by the harness before its first request.
#[derive(Clone, Debug)]
pub enum TokenSource {
    /// An OAuth 2 client-credentials grant.
    ClientCredentials {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: Secret,
        /// The client secret.
        client_secret: Secret,
        /// Scopes to ask for (space-separated in the request).
        scopes: Vec<String>,
    },
    /// A login operation of the spec.
    Login {
        /// Its `operationId` or `METHOD /path`.
        operation: String,
        /// The runtime expression that reads the token from the answer.
        token: String,
        /// Parameter values, `${VAR}`s expanded.
        params: IndexMap<String, serde_json::Value>,
        /// The body, `${VAR}`s expanded.
        body: Option<serde_json::Value>,
    },
}

impl TokenSource {
    /// The variable a curl line names for the token this source gives `scheme`.
    pub fn var(&self, scheme: &str) -> String {
        match self {
            TokenSource::ClientCredentials { .. } => token_var(scheme),
            TokenSource::Login { .. } => format!("LOGIN_TOKEN_{}", var_suffix(scheme)),
        }
    }
}

/// Ways to give a base URL that work everywhere (`TargetError::NoBaseUrl` lists them, with the
/// ways of the caller's context).
pub const BASE_URL_WAYS: [&str; 2] = [
    "CONTRACTGATE_BASE_URL=http://127.0.0.1:8080",
    "CONTRACTGATE_ENV=<name> with [environments.<name>] base_url = \"...\" in contractgate.toml (next to the spec, or at CONTRACTGATE_CONFIG)",
];

/// The variable a curl line names for the token obtained for `scheme` with OAuth 2 client
/// credentials: `OAUTH_TOKEN_CLIENTAUTH` (a login gives `LOGIN_TOKEN_CLIENTAUTH`).
pub fn token_var(scheme: &str) -> String {
    format!("OAUTH_TOKEN_{}", var_suffix(scheme))
}

/// A scheme name as part of a variable name: `bearer-auth` → `BEARER_AUTH`.
fn var_suffix(scheme: &str) -> String {
    scheme
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

impl TargetError {
    /// No base URL, in a harness: the environment, or an in-process server.
    pub fn no_base_url() -> TargetError {
        let mut ways = BASE_URL_WAYS.to_vec();
        ways.push("an in-process server: contractgate::InProcess (see the crate docs)");
        TargetError::NoBaseUrl(ways)
    }
}

impl Target {
    /// A target at `base_url` with default settings and no credentials.
    pub fn new(base_url: impl Into<String>) -> Result<Target, TargetError> {
        let base_url: String = base_url.into();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(TargetError::BadUrl(base_url));
        }
        Ok(Target {
            base_url: base_url.trim_end_matches('/').to_owned(),
            environment: None,
            settings: Settings::default(),
            credentials: IndexMap::new(),
            request_hook: None,
            header_values: IndexMap::new(),
            token_sources: IndexMap::new(),
        })
    }

    /// Calls `hook` on every request right before it is sent (positive and negative requests,
    /// requests without credentials, link sources): to sign it, or add a header computed from
    /// the body. Headers it adds or changes are in the failure's `curl` line too (redacted like
    /// every other value).
    pub fn with_request_hook(
        mut self,
        hook: impl Fn(&mut crate::client::WireRequest) + Send + Sync + 'static,
    ) -> Target {
        self.request_hook = Some(crate::custom::RequestHook::new(hook));
        self
    }

    /// Replaces the settings.
    pub fn with_settings(mut self, settings: Settings) -> Target {
        self.settings = settings;
        self
    }

    /// Reads the credentials the settings name from `vars`, for the schemes of `api` (the scheme
    /// types say how each is sent). Schemes that already have credentials are left alone.
    /// Variables that are not set fall back to the environment's `env_defaults`.
    pub fn read_secrets(&mut self, api: Option<&Api>, vars: &dyn Fn(&str) -> Option<String>) {
        let defaults = self.settings.env_defaults.clone();
        let vars = |name: &str| vars(name).or_else(|| defaults.get(name).cloned());
        // `${VAR}`s in the environment's headers: read now, redacted everywhere as `$VAR`.
        for template in self.settings.headers.values() {
            for var in crate::curl::Word::template(template).vars() {
                if !self.header_values.contains_key(var)
                    && let Some(value) = vars(var).filter(|v| !v.is_empty())
                {
                    self.header_values.insert(var.to_owned(), value);
                }
            }
        }
        let Some(api) = api else {
            return;
        };
        let secret = |name: &Option<String>| {
            name.as_ref().map(|n| Secret {
                env_var: n.clone(),
                value: vars(n).filter(|v| !v.is_empty()),
            })
        };
        for (scheme_name, cred) in &self.settings.credentials {
            if self.credentials.contains_key(scheme_name) {
                continue;
            }
            let scheme = api.security_schemes.get(scheme_name);
            if let (Some(client_id), Some(client_secret)) =
                (secret(&cred.client_id_env), secret(&cred.client_secret_env))
            {
                let from_spec = match scheme {
                    Some(SecurityScheme::OAuth2 { flows }) => flows
                        .pointer("/clientCredentials/tokenUrl")
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_owned),
                    _ => None,
                };
                if let Some(token_url) = cred.token_url.clone().or(from_spec) {
                    self.token_sources.insert(
                        scheme_name.clone(),
                        TokenSource::ClientCredentials {
                            token_url,
                            client_id,
                            client_secret,
                            scopes: cred.scopes.clone(),
                        },
                    );
                    // The token is obtained at the first request; the curl line names it.
                    self.credentials.insert(
                        scheme_name.clone(),
                        Credentials::Bearer(Secret {
                            env_var: token_var(scheme_name),
                            value: None,
                        }),
                    );
                    continue;
                }
            }
            if let Some(login) = &cred.login {
                let mut expand = |value: &serde_json::Value| {
                    expand_vars(value, &mut |var| {
                        let got = vars(var).filter(|v| !v.is_empty());
                        if let Some(v) = &got {
                            self.header_values.insert(var.to_owned(), v.clone());
                        }
                        got
                    })
                };
                let params = login
                    .params
                    .iter()
                    .map(|(k, v)| (k.clone(), expand(v)))
                    .collect();
                let body = login.body.as_ref().map(&mut expand);
                let source = TokenSource::Login {
                    operation: login.operation.clone(),
                    token: login
                        .token
                        .clone()
                        .unwrap_or_else(|| crate::config::Login::DEFAULT_TOKEN.to_owned()),
                    params,
                    body,
                };
                let obtained = Secret {
                    env_var: source.var(scheme_name),
                    value: None,
                };
                let credentials = match scheme {
                    Some(SecurityScheme::ApiKey { name, location }) => Credentials::ApiKey {
                        name: name.clone(),
                        location: *location,
                        key: obtained,
                    },
                    _ => Credentials::Bearer(obtained),
                };
                self.token_sources.insert(scheme_name.clone(), source);
                self.credentials.insert(scheme_name.clone(), credentials);
                continue;
            }
            let resolved = match scheme {
                Some(SecurityScheme::ApiKey { name, location }) => {
                    secret(&cred.key_env).map(|key| Credentials::ApiKey {
                        name: name.clone(),
                        location: *location,
                        key,
                    })
                }
                Some(SecurityScheme::Http { scheme, .. }) if scheme == "basic" => {
                    match (secret(&cred.username_env), secret(&cred.password_env)) {
                        (Some(username), Some(password)) => {
                            Some(Credentials::Basic { username, password })
                        }
                        _ => None,
                    }
                }
                _ => match (
                    secret(&cred.token_env),
                    secret(&cred.username_env),
                    secret(&cred.password_env),
                ) {
                    (Some(token), _, _) => Some(Credentials::Bearer(token)),
                    (None, Some(username), Some(password)) => {
                        Some(Credentials::Basic { username, password })
                    }
                    _ => None,
                },
            };
            if let Some(c) = resolved {
                self.credentials.insert(scheme_name.clone(), c);
            }
        }
    }

    /// Sets credentials for a scheme directly.
    pub fn with_credentials(
        mut self,
        scheme: impl Into<String>,
        credentials: Credentials,
    ) -> Target {
        self.credentials.insert(scheme.into(), credentials);
        self
    }

    /// A redactor that knows every secret value of this target.
    pub fn redactor(&self) -> Redactor {
        let mut r = Redactor::new();
        for source in self.token_sources.values() {
            if let TokenSource::ClientCredentials { client_secret, .. } = source
                && let Some(v) = &client_secret.value
            {
                r.add_secret(v, &client_secret.env_var);
            }
        }
        for (var, value) in &self.header_values {
            r.add_secret(value, var);
        }
        let mut add = |s: &Secret| {
            if let Some(v) = &s.value {
                r.add_secret(v, &s.env_var);
            }
        };
        for c in self.credentials.values() {
            match c {
                Credentials::Bearer(t) => add(t),
                Credentials::Basic { username, password } => {
                    add(username);
                    add(password);
                }
                Credentials::ApiKey { key, .. } => add(key),
            }
        }
        for c in self.credentials.values() {
            if let Credentials::Basic { username, password } = c {
                let raw = format!(
                    "{}:{}",
                    username.value.as_deref().unwrap_or(""),
                    password.value.as_deref().unwrap_or("")
                );
                r.add_secret_shown_as(
                    &crate::data::serialize::base64(raw.as_bytes()),
                    &format!("[base64 of ${}:${}]", username.env_var, password.env_var),
                );
            }
        }
        for c in self.credentials.values() {
            if let Credentials::ApiKey {
                name,
                location: ApiKeyLocation::Header,
                ..
            } = c
            {
                r.add_header(name);
            }
        }
        // A credential written as is in a sensitive header (`-H 'Authorization: Bearer ...'`):
        // never printed, not even in the curl line.
        for (name, value) in &self.settings.headers {
            let word = crate::curl::Word::template(value);
            if r.is_sensitive_header(name) && word.vars().is_empty() {
                r.add_secret_shown_as(value, crate::redact::MASK);
                if let Some((_, credential)) = value.split_once(' ') {
                    r.add_secret_shown_as(credential, crate::redact::MASK);
                }
            }
        }
        r
    }
}

/// A server started in-process, once per test binary, on the harness runtime.
///
/// ```no_run
/// static APP: contractgate::InProcess = contractgate::InProcess::new();
///
/// fn target() -> contractgate::Target {
///     APP.target(|listener| async move {
///         // e.g. axum::serve(listener, my_service::app()).await.ok();
///         drop(listener);
///     })
///     .unwrap()
/// }
/// ```
#[derive(Debug)]
pub struct InProcess {
    url: OnceLock<Result<String, String>>,
}

impl InProcess {
    /// Not started yet.
    pub const fn new() -> Self {
        InProcess {
            url: OnceLock::new(),
        }
    }

    /// Binds `127.0.0.1:0`, hands the listener to `serve` on the harness runtime (the first time
    /// only) and returns the server's base URL.
    pub fn url<F, Fut>(&self, serve: F) -> Result<String, TargetError>
    where
        F: FnOnce(tokio::net::TcpListener) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.url
            .get_or_init(|| {
                let listener = block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
                    .map_err(|e| e.to_string())?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                let _guard = runtime().enter();
                runtime().spawn(serve(listener));
                Ok(format!("http://{addr}"))
            })
            .clone()
            .map_err(TargetError::InProcess)
    }

    /// The target for the in-process server: its URL, with the rest (config file, environment,
    /// credentials) resolved as usual.
    pub fn target<F, Fut>(&self, serve: F) -> Result<Target, TargetError>
    where
        F: FnOnce(tokio::net::TcpListener) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let url = self.url(serve)?;
        Resolve::new().with_base_url(url).target(None)
    }
}

impl Default for InProcess {
    fn default() -> Self {
        InProcess::new()
    }
}

/// `value` with `${VAR}`s in its strings replaced by what `var` gives (a string that is exactly
/// one `${VAR}` becomes the value; unset variables stay as written).
fn expand_vars(
    value: &serde_json::Value,
    var: &mut dyn FnMut(&str) -> Option<String>,
) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let word = crate::curl::Word::template(s);
            if word.vars().is_empty() {
                return value.clone();
            }
            let mut values = std::collections::HashMap::new();
            for v in word.vars() {
                if let Some(got) = var(v) {
                    values.insert(v.to_owned(), got);
                }
            }
            Value::String(word.expand(&|v| values.get(v).cloned()))
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| expand_vars(i, var)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), expand_vars(v, var)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The `${VAR}`s a login's parameters and body read.
pub fn login_vars(login: &crate::config::Login) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => {
                for v in crate::curl::Word::template(s).vars() {
                    if !out.iter().any(|o| o == v) {
                        out.push(v.to_owned());
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for v in login.params.values() {
        walk(v, &mut out);
    }
    if let Some(b) = &login.body {
        walk(b, &mut out);
    }
    out
}

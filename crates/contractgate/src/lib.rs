//! `contractgate`: the harness that generated tests and the `contractgate` CLI both call.
//!
//! It owns, for one API under test:
//! - the **target** ([`target`], [`config`]): base URL, named environments from
//!   `contractgate.toml`, credentials read from environment variables, read-only mode, request
//!   budget, rate limit, fixtures, skips, checks on/off; and an in-process server helper
//!   ([`InProcess`]);
//! - the **request data** ([`data`]): fixtures, values from OpenAPI links (the link's source
//!   operation is sent first, once per harness; see `docs/links.md`), the spec's examples, then
//!   values synthesized from the JSON Schemas of the IR, serialized as OpenAPI parameter styles
//!   and body media types;
//! - the **HTTP client** ([`client`]): one `reqwest` client per process with rustls (ring), on a
//!   runtime the harness owns, no redirects followed, a body cap, retries for connection errors;
//! - the **checks** ([`Check`]), each a named unit in `checks/<name>.rs`;
//! - the **failures** ([`Failure`]): data with one rendering, including a `curl` line with secrets
//!   as `$ENV_VAR` ([`curl`]), and redaction of every secret ([`redact`]).
//!
//! It reads the IR of [`contractgate_spec`] as JSON (embedded by codegen), never YAML.
//!
//! # For generated tests
//!
//! Each generated test is one synchronous call; the IR JSON is parsed once per test binary and
//! the target is found once (explicitly, or from `CONTRACTGATE_BASE_URL`, `CONTRACTGATE_ENV` +
//! `contractgate.toml`):
//!
//! ```no_run
//! static API: &str = r#"{"source":"openapi.yaml","openapi_version":"3.1.0","info":{"title":"t","version":"1"},"operations":[]}"#;
//!
//! #[test]
//! fn status_code_conformance() {
//!     contractgate::run_check(API, "getUserProfile", contractgate::Check::StatusCodeConformance);
//! }
//!
//! // Against a service started in-process, once per test binary:
//! static APP: contractgate::InProcess = contractgate::InProcess::new();
//! fn target(_: &contractgate::Api) -> Result<contractgate::Target, contractgate::TargetError> {
//!     APP.target(|listener| async move {
//!         // axum::serve(listener, my_service::app()).await.ok();
//!         drop(listener);
//!     })
//! }
//!
//! #[test]
//! fn not_server_error() {
//!     contractgate::run_check_with(API, target, "getUserProfile", contractgate::Check::NotServerError);
//! }
//!
//! #[test]
//! fn user_profile_path_method_not_allowed() {
//!     contractgate::run_path_check_with(API, target, "/user/profile");
//! }
//! ```
//!
//! A failed check panics with the rendered [`Failure`]; a check that cannot apply, or that the
//! configuration skips, prints why and passes. A 4xx answer to the positive request fails as
//! "request rejected, the route was not exercised".
//!
//! # For the CLI
//!
//! ```no_run
//! # async fn f(api: contractgate::Api) -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use contractgate::{Check, Harness, Resolve};
//!
//! let target = Resolve::new().with_environment("staging").target(Some(&api))?;
//! let harness = Harness::new(Arc::new(api), target);
//! let op = harness.api().operations[0].id.clone();
//! for result in harness.check_operation(&op, &Check::ALL).await {
//!     if result.is_failure() {
//!         println!("{result}");
//!     }
//! }
//! let per_path = harness.check_path("/user/profile").await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod baseline;
pub mod cases;
pub mod checks;
pub mod cleanup;
pub mod client;
pub mod config;
pub mod coverage;
pub mod curl;
pub mod custom;
pub mod data;
pub mod failure;
mod include;
mod links;
pub mod redact;
pub mod replay;
mod request;
pub mod runner;
mod schema;
pub mod target;
mod tokens;

pub use checks::{Check, UnknownCheck};
pub use client::{HttpSettings, block_on, runtime};
pub use config::{Config, ConfigError, Settings};
pub use contractgate_spec::ir::Api;
pub use custom::{CustomCheck, Observed};
pub use failure::{Failure, Finding, NoAnswer, OperationInfo, Severity};
pub use include::{
    env_target, run_check, run_check_with, run_custom_check_with, run_path_check,
    run_path_check_with,
};
pub use runner::{CheckResult, Harness, HarnessError, Outcome};
pub use schema::SchemaError;
pub use target::{
    Credentials, InProcess, Resolve, ResolvedEnvironment, Secret, Target, TargetError,
};

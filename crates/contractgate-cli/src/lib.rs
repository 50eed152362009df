//! The `contractgate` command line, as a library so it can be tested without a subprocess.
//!
//! Commands:
//! - `contractgate lint SPEC`: load a spec, print a summary and every diagnostic.
//! - `contractgate run SPEC`: run every check of every selected operation against a live target
//!   (a base URL, a named environment of `contractgate.toml`, or a server it starts itself), with
//!   a summary, JUnit XML and JSON reports, and an exit code a CI gate can use.
//!
//! `generate` (a stand-alone test crate) comes with the codegen crate.
//!
//! Exit codes are part of the interface (see [`exit`]).
#![deny(missing_docs)]

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use contractgate::Check;
use contractgate_spec::select::Selector;

pub mod commands;
pub mod environment;
pub mod plan;
pub mod report;
pub mod server;

/// Exit codes.
pub mod exit {
    /// Everything passed (for `lint`: no errors; warnings allowed unless `--deny-warnings`).
    pub const OK: u8 = 0;
    /// Contract failures (`run`) or spec errors (`lint`).
    pub const FAILED: u8 = 1;
    /// Usage error: bad arguments (clap's own exit code for usage errors is also 2); for `run`
    /// also a spec that does not load, or a bad `contractgate.toml`.
    pub const USAGE: u8 = 2;
    /// `run`: the target could not be reached, or stopped answering during the run (checks got no
    /// answer and a TCP connect after the run fails), or the server did not start, or exited
    /// during the run.
    pub const UNREACHABLE: u8 = 3;
    /// `run`: every check passed, but fewer operations were exercised than `--min-coverage`
    /// asks (contract failures are exit 1 whatever the coverage).
    pub const COVERAGE: u8 = 4;
    /// `run`: interrupted by Ctrl-C or SIGTERM (the server, if any, was stopped).
    pub const INTERRUPTED: u8 = 130;
}

const RUN_AFTER_HELP: &str = "\
Selectors (--include/--exclude, repeatable): an operationId, tag:NAME, method:GET, path:/users/*
(`*` one segment, `**` any), or \"GET /users/{id}\".

Checks: not_server_error, status_code_conformance, content_type_conformance,
response_schema_conformance, route_identity, response_headers_conformance, method_not_allowed,
auth_enforced, negative_data_rejection, latency_budget.

{port} in --server, --ready-url and the base URL is replaced by a free port on 127.0.0.1.

Exit codes:
  0  every check passed (skipped and not-applicable checks do not fail a run)
  1  contract failures (failed, not exercised, or no answer)
  2  usage error, a spec that does not load, or a bad contractgate.toml
  3  the target is unreachable at the start, or stopped answering during the run (checks got no
     answer and a connect after the run fails), or the server did not start, become ready or stay up
  130  interrupted (Ctrl-C, SIGTERM); the server was stopped";

/// contractgate: contract tests from an OpenAPI document.
#[derive(Debug, Parser)]
#[command(
    name = "contractgate",
    version,
    about = "Contract tests from an OpenAPI document: catch the broken route before users do",
    long_about = None
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load a spec and report what contractgate sees in it: a summary and every error and warning.
    ///
    /// Exit codes: 0 no errors (warnings allowed), 1 errors (or warnings with --deny-warnings),
    /// 2 usage error.
    Lint(LintArgs),
    /// Run every check of every selected operation against a live target: the release gate.
    ///
    /// The target is --base-url, an environment of contractgate.toml (--env), or a server this
    /// command starts (--server, or the environment's `server`) and stops afterwards.
    #[command(after_help = RUN_AFTER_HELP)]
    Run(Box<RunArgs>),
    /// Write a stand-alone Rust test crate for a spec: one test per route and check, for a
    /// service in any language (`cd DIR && CONTRACTGATE_BASE_URL=... cargo test`).
    ///
    /// Exit codes: 0 written, 1 the spec has errors or the folder is not empty, 2 usage error.
    Generate(GenerateArgs),
    /// Send the failing requests of a JSON report (`run --json`) again to another target, with
    /// that target's credentials, and judge them with the same checks: "still fails" or "passes
    /// now".
    ///
    /// Exit codes: 0 every replayed failure passes now (or there was none), 1 some still fail,
    /// 2 usage error, 3 the target is unreachable or its credentials could not be obtained.
    Replay(ReplayArgs),
    /// Compare two versions of a spec and list what changed for clients: breaking changes,
    /// warnings and non-breaking ones, each with both locations. Either side may be `REV:PATH`
    /// (a git revision, e.g. `main:openapi.yaml`).
    ///
    /// Exit codes: 0 nothing at or above --fail-on, 1 found, 2 a spec does not load.
    Diff(DiffArgs),
}

/// Arguments of `contractgate diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old spec: a file, or `REV:PATH` (e.g. `main:openapi.yaml`).
    pub old: String,
    /// The new spec: a file, or `REV:PATH`.
    pub new: String,
    /// How to print the changes.
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Exit 1 when a change at or above this level is found.
    #[arg(long, value_enum, default_value = "breaking")]
    pub fail_on: FailOn,
}

/// `--format` of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// One change per entry, with both locations.
    Text,
    /// A JSON document.
    Json,
    /// A Markdown table (a pull-request comment, a job summary).
    Markdown,
}

/// `--fail-on` of `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Breaking changes.
    Breaking,
    /// Breaking changes and warnings.
    Warning,
    /// Never (report only).
    None,
}

/// Arguments of `contractgate replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// A JSON report written by `contractgate run --json`.
    pub report: PathBuf,
    /// Only the failures of this operation (operationId, or the path for method_not_allowed).
    #[arg(long, value_name = "ID")]
    pub operation: Option<String>,
    /// Only the failures of this check.
    #[arg(long, value_name = "NAME")]
    pub check: Option<String>,
    /// The target to send them to (wins over the environment's base_url).
    #[arg(long, value_name = "URL", env = "CONTRACTGATE_BASE_URL")]
    pub base_url: Option<String>,
    /// The environment of contractgate.toml whose base URL and credentials to use.
    #[arg(long = "env", value_name = "NAME", env = "CONTRACTGATE_ENV")]
    pub environment: Option<String>,
    /// The config file (default: CONTRACTGATE_CONFIG, else contractgate.toml next to the spec).
    #[arg(long, value_name = "FILE", env = "CONTRACTGATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// The spec (default: the one the report names).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
}

/// Arguments of `contractgate generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The OpenAPI document (3.0.x, 3.1.x or 3.2.x, or Swagger 2.0; YAML or JSON); it and every file it references are
    /// copied into the crate.
    pub spec: PathBuf,
    /// The folder to write (created; must be empty or absent).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The package name (default: from the spec's title, e.g. `user-service-contract-tests`).
    #[arg(long)]
    pub package: Option<String>,
    /// Depend on contractgate from this git repository.
    #[arg(long, value_name = "URL", conflicts_with = "contractgate_path")]
    pub git: Option<String>,
    /// Depend on contractgate from this local checkout (its `crates/` folder). Default: the
    /// checkout this binary was built from, when it still exists; else --git's default.
    #[arg(long, value_name = "DIR")]
    pub contractgate_path: Option<PathBuf>,
}

/// Arguments of `contractgate run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The OpenAPI document (3.0.x, 3.1.x or 3.2.x, or Swagger 2.0; YAML or JSON).
    pub spec: PathBuf,

    /// The base URL of the API under test (wins over the environment's).
    #[arg(
        long,
        env = "CONTRACTGATE_BASE_URL",
        hide_env_values = true,
        value_name = "URL",
        help_heading = "Target"
    )]
    pub base_url: Option<String>,
    /// An environment of contractgate.toml (base URL, credentials, read-only, server, ...).
    #[arg(
        long = "env",
        env = "CONTRACTGATE_ENV",
        hide_env_values = true,
        value_name = "NAME",
        help_heading = "Target"
    )]
    pub environment: Option<String>,
    /// The config file [default: contractgate.toml next to the spec].
    #[arg(
        long,
        env = "CONTRACTGATE_CONFIG",
        hide_env_values = true,
        value_name = "PATH",
        help_heading = "Target"
    )]
    pub config: Option<PathBuf>,
    /// A header sent with every request, `'Name: value'` (repeatable; wins over the
    /// environment's `headers`). `${VAR}` in the value reads VAR from the environment and is
    /// shown as `${VAR}` in every report; a literal Authorization, Cookie or API-key value is
    /// never printed.
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        help_heading = "Target"
    )]
    pub headers: Vec<String>,
    /// Accept invalid TLS certificates (TLS is verified otherwise).
    #[arg(long, help_heading = "Target")]
    pub insecure: bool,

    /// Also trust the CA certificates in this PEM file (a target behind an internal CA); replaces
    /// the environment's `ca_file`.
    #[arg(
        long,
        value_name = "PEM",
        env = "CONTRACTGATE_CA_FILE",
        help_heading = "Target"
    )]
    pub ca_file: Option<PathBuf>,
    /// A client certificate (PEM) for servers that ask for one (mutual TLS); with --client-key.
    #[arg(
        long,
        value_name = "PEM",
        requires = "client_key",
        help_heading = "Target"
    )]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(
        long,
        value_name = "PEM",
        requires = "client_cert",
        help_heading = "Target"
    )]
    pub client_key: Option<PathBuf>,

    /// Start the service with this shell command, wait until it answers, stop it afterwards.
    #[arg(long, value_name = "CMD", help_heading = "Server")]
    pub server: Option<String>,
    /// Ready when this URL answers 2xx/3xx [default: a TCP connect to the base URL].
    #[arg(long, value_name = "URL", help_heading = "Server")]
    pub ready_url: Option<String>,
    /// How long to wait for the server to be ready, in seconds [default: 60].
    #[arg(long, value_name = "SECS", help_heading = "Server")]
    pub ready_timeout: Option<f64>,
    /// Where the server's output goes [default: a file in the temp directory].
    #[arg(long, value_name = "PATH", help_heading = "Server")]
    pub server_log: Option<PathBuf>,
    /// Do not start the environment's `server` (it is already running).
    #[arg(long, conflicts_with = "server", help_heading = "Server")]
    pub no_server: bool,

    /// Only operations matching one of these selectors.
    #[arg(long, value_name = "SELECTOR", help_heading = "Selection")]
    pub include: Vec<Selector>,
    /// Not operations matching one of these selectors.
    #[arg(long, value_name = "SELECTOR", help_heading = "Selection")]
    pub exclude: Vec<Selector>,
    /// Only these checks, comma-separated [default: all].
    #[arg(
        long,
        value_name = "CHECK,...",
        value_delimiter = ',',
        help_heading = "Selection"
    )]
    pub checks: Vec<Check>,
    /// Send only GET, HEAD and OPTIONS; other operations are reported as skipped.
    #[arg(long, help_heading = "Selection")]
    pub read_only: bool,
    /// Do not follow the spec's links for request data (by default a link's source operation,
    /// e.g. the POST that creates a user, is sent once to give its targets real ids).
    #[arg(long, help_heading = "Selection")]
    pub no_links: bool,
    /// Run shard K of N (operations split by a stable hash of their id).
    #[arg(long, value_name = "K/N", help_heading = "Selection")]
    pub shard: Option<plan::Shard>,

    /// Operations checked at the same time.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1024), help_heading = "Control")]
    pub concurrency: u32,
    /// At most this many requests per second.
    #[arg(long, value_name = "RPS", help_heading = "Control")]
    pub rate_limit: Option<f64>,
    /// Timeout of one request, in seconds [default: 30, or the environment's].
    #[arg(long, value_name = "SECS", help_heading = "Control")]
    pub timeout: Option<f64>,
    /// At most this many requests in the whole run; checks past it are skipped.
    #[arg(long, value_name = "N", help_heading = "Control")]
    pub max_requests: Option<u64>,
    /// Seed of synthesized request data [default: 0].
    #[arg(long, value_name = "N", help_heading = "Control")]
    pub seed: Option<u64>,
    /// Requests per operation: the one built from the spec, then boundary values, then random
    /// ones; a failing case is shrunk [default: 10, or `cases` in contractgate.toml].
    #[arg(long, value_name = "N", env = "CONTRACTGATE_CASES", value_parser = clap::value_parser!(u32).range(1..=100_000), help_heading = "Control")]
    pub cases: Option<u32>,
    /// The file of minimal failing cases, sent first on every run and where new ones are added
    /// (`off`: none) [default: SPEC-NAME.regressions.json beside the spec].
    #[arg(
        long,
        value_name = "FILE",
        env = "CONTRACTGATE_REGRESSIONS",
        help_heading = "Control"
    )]
    pub regressions: Option<PathBuf>,
    /// Keep no regressions file: neither read nor write one (wins over --regressions).
    #[arg(long, help_heading = "Control")]
    pub no_regressions: bool,
    /// Leave what the run created: no DELETE at the end for resources its creates made.
    #[arg(long, help_heading = "Control")]
    pub no_cleanup: bool,
    /// Stop starting operations after the first failure.
    #[arg(long, help_heading = "Control")]
    pub fail_fast: bool,
    /// Retries of a request on connection errors (never on a failed check) [default: 2].
    #[arg(long, value_name = "N", help_heading = "Control")]
    pub retries: Option<u32>,

    /// Write a JUnit XML report (one testcase per operation and check).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report (schema in docs/cli.md).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report (open it offline, attach it as a CI artifact).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub html: Option<PathBuf>,
    /// Write a Markdown summary (also appended to $GITHUB_STEP_SUMMARY when that is set).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub markdown: Option<PathBuf>,

    /// Fail the run (exit 4) when fewer than PCT percent of the operations run were exercised
    /// (their request reached the handler); wins over `min_coverage` in contractgate.toml.
    #[arg(long, value_name = "PCT", help_heading = "Output")]
    pub min_coverage: Option<f64>,
    /// List every operation that was not exercised (the first 10 otherwise).
    #[arg(long, short = 'v', help_heading = "Output")]
    pub verbose: bool,

    /// Failures accepted for now (a file written by --write-baseline): reported as known, they
    /// do not fail the run (wins over `baseline` in contractgate.toml).
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub baseline: Option<PathBuf>,
    /// Write this run's failures as a baseline file to review (each with a reason to fill in).
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub write_baseline: Option<PathBuf>,
}

/// Arguments of `contractgate lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// The OpenAPI document (3.0.x, 3.1.x or 3.2.x, or Swagger 2.0; YAML or JSON).
    pub spec: PathBuf,
    /// Exit with 1 when there are warnings, not only errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Also list every operation: method, path, id and documented statuses.
    #[arg(long)]
    pub operations: bool,
    /// Print the IR (the normalized API contractgate tests) as JSON instead of the summary.
    #[arg(long, conflicts_with = "operations")]
    pub ir: bool,
    /// Show every warning in full. Without it, a warning code met more than 3 times shows its
    /// first 3 and then one line with the count and the next locations.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let code = match cli.command {
        Command::Lint(args) => commands::lint::run(&args, &mut out),
        Command::Run(args) => commands::run::run(&args, &mut out),
        Command::Generate(args) => commands::generate::run(&args, &mut out),
        Command::Replay(args) => commands::replay::run(&args, &mut out),
        Command::Diff(args) => commands::diff::run(&args, &mut out),
    };
    ExitCode::from(code)
}

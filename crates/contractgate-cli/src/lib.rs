//! The `contractgate` command line, as a library so it can be tested without a subprocess.
//!
//! Commands:
//! - `contractgate lint SPEC`: load a spec, print a summary and every diagnostic.
//!
//! `run` (checks against a live environment) and `generate` (a stand-alone test crate) come with
//! the harness and codegen crates.
//!
//! Exit codes are part of the interface (see [`exit`]).
#![deny(missing_docs)]

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub mod commands;
pub mod render;

/// Exit codes.
pub mod exit {
    /// Everything passed (for `lint`: no errors; warnings allowed unless `--deny-warnings`).
    pub const OK: u8 = 0;
    /// Contract failures (`run`) or spec errors (`lint`).
    pub const FAILED: u8 = 1;
    /// Usage error: bad arguments (clap's own exit code for usage errors is also 2).
    pub const USAGE: u8 = 2;
}

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
}

/// Arguments of `contractgate lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// The OpenAPI document (3.0.x or 3.1.x, YAML or JSON).
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
}

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let code = match cli.command {
        Command::Lint(args) => commands::lint::run(&args, &mut out),
    };
    ExitCode::from(code)
}

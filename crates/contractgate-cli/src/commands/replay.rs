//! `contractgate replay REPORT.json`: the failing requests of a JSON report (written by `run
//! --json`), sent again to another target (a staging failure against a local build) with that
//! target's credentials, and judged by the same checks: "still fails" or "passes now".

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use contractgate::replay::Replay;
use contractgate::{Check, Harness, Outcome, Target};

use crate::ReplayArgs;
use crate::environment;
use crate::exit;

/// One failure of the report to send again.
struct Recorded {
    /// The operation id, or the path for `method_not_allowed`.
    subject: String,
    /// `GET /user/profile (getUserProfile)`.
    label: String,
    check: Check,
    status: String,
    replay: Replay,
}

/// Runs `replay`; returns the exit code.
pub fn run(args: &ReplayArgs, out: &mut dyn Write) -> u8 {
    match replay(args, out) {
        Ok(code) => code,
        Err((code, message)) => {
            eprintln!("{message}");
            code
        }
    }
}

fn usage(message: impl std::fmt::Display) -> (u8, String) {
    (exit::USAGE, format!("contractgate: error: {message}"))
}

fn replay(args: &ReplayArgs, out: &mut dyn Write) -> Result<u8, (u8, String)> {
    let text = std::fs::read_to_string(&args.report)
        .map_err(|e| usage(format!("cannot read {}: {e}", args.report.display())))?;
    let report: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "{} is not a JSON report of `contractgate run --json`: {e}",
            args.report.display()
        ))
    })?;
    if report["schema_version"] != 1 {
        return Err(usage(format!(
            "{} is not a JSON report of `contractgate run --json` (schema_version 1)",
            args.report.display()
        )));
    }
    let spec = match &args.spec {
        Some(s) => s.clone(),
        None => {
            let named = PathBuf::from(report["spec"]["path"].as_str().unwrap_or_default());
            if named.is_file() {
                named
            } else {
                return Err(usage(format!(
                    "the spec the report names ({}) is not there; give it with --spec",
                    named.display()
                )));
            }
        }
    };
    let recorded = failures(&report, args)?;
    if recorded.is_empty() {
        let _ = writeln!(
            out,
            "nothing to replay: the report has no failure with a recorded request{}",
            filters(args)
        );
        return Ok(exit::OK);
    }

    let api = contractgate_spec::load(&spec)
        .map_err(|d| {
            usage(format!(
                "{}\n{}: the spec does not load",
                d.render().trim_end(),
                spec.display()
            ))
        })?
        .api;
    let config = environment::resolve(args.config.as_deref(), args.environment.as_deref(), &spec)
        .map_err(|e| usage(e.0))?;
    let base_url = args
        .base_url
        .clone()
        .or(config.base_url.clone())
        .ok_or_else(|| {
            usage("replay needs a running target: --base-url URL, or --env NAME with a base_url")
        })?;
    if base_url.contains("{port}") {
        return Err(usage(format!(
            "the environment's base_url `{base_url}` is for a server `run` starts; replay needs a running one: --base-url URL"
        )));
    }
    let mut target = Target::new(base_url.clone())
        .map_err(usage)?
        .with_settings(config.settings.clone());
    target.environment = config.environment.clone();
    let harness = Arc::new(Harness::new(Arc::new(api), target));
    let redactor = harness.redactor();

    contractgate::runtime().block_on(async {
        let connect = harness.target().settings.http.connect_timeout;
        if let Err(e) = crate::server::tcp_probe_within(&harness.target().base_url, connect).await {
            return Err((
                exit::UNREACHABLE,
                format!(
                    "contractgate: error: cannot reach the target at {}: {e}",
                    harness.target().base_url
                ),
            ));
        }
        if let Err(why) = harness.obtain_credentials().await {
            return Err((
                exit::UNREACHABLE,
                format!("contractgate: error: could not obtain credentials: {why}"),
            ));
        }
        let _ = writeln!(
            out,
            "contractgate replay: {} failure(s) of {} against {}",
            recorded.len(),
            args.report.display(),
            redactor.redact(&harness.target().base_url)
        );
        let (mut still, mut fixed) = (0, 0);
        for r in &recorded {
            let result = harness
                .replay(&r.subject, r.check, &r.replay, r.status == "not exercised")
                .await;
            let head = format!("{} · {} (was {})", r.label, r.check, r.status);
            match &result.outcome {
                Outcome::Passed { warnings } => {
                    fixed += 1;
                    let _ = writeln!(out, "\npasses now: {head}");
                    for w in warnings {
                        let _ = writeln!(out, "  note: {w}");
                    }
                }
                Outcome::Skipped { reason } | Outcome::NotApplicable { reason } => {
                    still += 1;
                    let _ = writeln!(out, "\nnot judged: {head}: {reason}");
                }
                _ => {
                    still += 1;
                    let rendered = crate::report::any_failure(&result)
                        .map(ToString::to_string)
                        .unwrap_or_default();
                    let _ = writeln!(out, "\nstill fails: {head}\n{}", redactor.redact(&rendered));
                }
            }
        }
        let _ = writeln!(
            out,
            "\nreplayed {}: {still} still fail(s), {fixed} pass(es) now",
            recorded.len()
        );
        Ok(if still > 0 { exit::FAILED } else { exit::OK })
    })
}

fn filters(args: &ReplayArgs) -> String {
    let mut f = Vec::new();
    if let Some(o) = &args.operation {
        f.push(format!("--operation {o}"));
    }
    if let Some(c) = &args.check {
        f.push(format!("--check {c}"));
    }
    if f.is_empty() {
        String::new()
    } else {
        format!(" for {}", f.join(" "))
    }
}

/// The failures of the report (failed, not exercised, errored, known) with a recorded request,
/// as the filters select them.
fn failures(report: &serde_json::Value, args: &ReplayArgs) -> Result<Vec<Recorded>, (u8, String)> {
    if let Some(c) = &args.check
        && c.parse::<Check>().is_err()
    {
        return Err(usage(format!("--check `{c}` is not a check")));
    }
    let mut out = Vec::new();
    for unit in report["operations"].as_array().into_iter().flatten() {
        let is_path = unit["kind"] == "path";
        let subject = if is_path {
            unit["path"].as_str().unwrap_or_default().to_owned()
        } else {
            unit["id"].as_str().unwrap_or_default().to_owned()
        };
        if let Some(o) = &args.operation
            && *o != subject
            && unit["path"].as_str() != Some(o.as_str())
        {
            continue;
        }
        let label = if is_path {
            format!("{subject} (method_not_allowed)")
        } else {
            format!(
                "{} {} ({subject})",
                unit["method"].as_str().unwrap_or_default(),
                unit["path"].as_str().unwrap_or_default()
            )
        };
        for c in unit["checks"].as_array().into_iter().flatten() {
            let status = c["status"].as_str().unwrap_or_default();
            if !matches!(status, "failed" | "not_exercised" | "errored" | "known") {
                continue;
            }
            let name = c["check"].as_str().unwrap_or_default();
            if args.check.as_deref().is_some_and(|f| f != name) {
                continue;
            }
            let Ok(check) = name.parse::<Check>() else {
                continue;
            };
            let Some(replay) = c["failure"]["data"]["request"]["replay"]
                .as_object()
                .and_then(|r| {
                    serde_json::from_value::<Replay>(serde_json::Value::Object(r.clone())).ok()
                })
            else {
                continue;
            };
            out.push(Recorded {
                subject: subject.clone(),
                label: label.clone(),
                check,
                status: status.replace('_', " "),
                replay,
            });
        }
    }
    Ok(out)
}

//! `--json FILE`: the run as one JSON document. The schema is
//! `crates/contractgate-cli/schema/run-report.schema.json` (described in `docs/cli.md`);
//! `schema_version` changes when a field changes meaning or goes away.

use serde::Serialize;

use super::{Counts, RunReport, Status};

/// The version of the report's schema.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Doc<'a> {
    schema_version: u32,
    tool: Tool,
    spec: Spec<'a>,
    target: TargetDoc<'a>,
    server: Option<ServerDoc<'a>>,
    shard: Option<ShardDoc>,
    duration_ms: u64,
    stopped_early: bool,
    exit_code: u8,
    summary: Summary,
    connection_loss: Option<LossDoc<'a>>,
    baseline: Option<BaselineDoc<'a>>,
    coverage: Option<CoverageDoc<'a>>,
    cases: Option<CasesDoc<'a>>,
    cleanup: Option<CleanupDoc<'a>>,
    operations: Vec<UnitDoc<'a>>,
}

#[derive(Serialize)]
struct CasesDoc<'a> {
    per_operation: usize,
    seed: u64,
    regressions_file: Option<&'a str>,
}

#[derive(Serialize)]
struct CleanupDoc<'a> {
    deleted: usize,
    gone: usize,
    failed: &'a [String],
    operations: &'a [String],
}

#[derive(Serialize)]
struct CoverageDoc<'a> {
    operations: RatioDoc,
    statuses: RatioDoc,
    parameters: RatioDoc,
    body_properties: RatioDoc,
    min_coverage: Option<f64>,
    below_min: bool,
    uncovered: Vec<UncoveredDoc<'a>>,
}

#[derive(Serialize)]
struct RatioDoc {
    covered: usize,
    total: usize,
    percent: f64,
}

impl From<super::coverage::Ratio> for RatioDoc {
    fn from(r: super::coverage::Ratio) -> Self {
        RatioDoc {
            covered: r.covered,
            total: r.total,
            percent: (r.percent() * 10.0).round() / 10.0,
        }
    }
}

#[derive(Serialize)]
struct UncoveredDoc<'a> {
    id: &'a str,
    why: &'a str,
}

#[derive(Serialize)]
struct BaselineDoc<'a> {
    file: &'a str,
    known: usize,
    stale: &'a [contractgate::baseline::Accepted],
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Spec<'a> {
    path: &'a str,
    title: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct TargetDoc<'a> {
    base_url: &'a str,
    environment: Option<&'a str>,
    read_only: bool,
}

#[derive(Serialize)]
struct ServerDoc<'a> {
    command: &'a str,
    log: String,
}

#[derive(Serialize)]
struct ShardDoc {
    index: u64,
    count: u64,
    selected_operations: usize,
}

#[derive(Serialize)]
struct LossDoc<'a> {
    checks: usize,
    timeouts: usize,
    first: Option<FirstDoc<'a>>,
    answered_after_run: Option<bool>,
    probe_error: Option<&'a str>,
    server_exit: Option<&'a str>,
    unreachable: bool,
}

#[derive(Serialize)]
struct FirstDoc<'a> {
    id: &'a str,
    check: &'static str,
}

#[derive(Serialize)]
struct Summary {
    operations: usize,
    paths: usize,
    checks: usize,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Serialize)]
struct UnitDoc<'a> {
    kind: &'static str,
    id: &'a str,
    method: Option<&'a str>,
    path: &'a str,
    operation_id: Option<&'a str>,
    summary: Option<&'a str>,
    duration_ms: u64,
    counts: Counts,
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<&'a super::coverage::Covered>,
    checks: Vec<CheckDoc<'a>>,
}

#[derive(Serialize)]
struct CheckDoc<'a> {
    check: &'static str,
    status: &'static str,
    duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    failure: Option<FailureDoc<'a>>,
}

#[derive(Serialize)]
struct FailureDoc<'a> {
    title: &'a str,
    severity: contractgate::Severity,
    rendered: String,
    /// The harness's failure data as it serializes it.
    data: &'a contractgate::Failure,
}

fn ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The JSON document (pretty-printed), every string value redacted on its own (keys and
/// structure never are: the report matches its schema whatever the secrets are).
pub fn render(
    report: &RunReport,
    exit_code: u8,
    redactor: &contractgate::redact::Redactor,
) -> Result<String, String> {
    let counts = report.counts();
    let doc = Doc {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "contractgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        spec: Spec {
            path: &report.spec,
            title: &report.title,
            version: &report.version,
        },
        target: TargetDoc {
            base_url: &report.base_url,
            environment: report.environment.as_deref(),
            read_only: report.read_only,
        },
        server: report.server.as_ref().map(|s| ServerDoc {
            command: &s.command,
            log: s.log.display().to_string(),
        }),
        shard: report.shard.map(|s| ShardDoc {
            index: s.index,
            count: s.count,
            selected_operations: report.selected,
        }),
        duration_ms: ms(report.duration),
        stopped_early: report.stopped_early,
        exit_code,
        summary: Summary {
            operations: report.operations(),
            paths: report.units.len() - report.operations(),
            checks: counts.total(),
            counts,
        },
        connection_loss: report.connection_loss.as_ref().map(|l| LossDoc {
            checks: l.checks,
            timeouts: l.timeouts,
            first: l.first.as_ref().map(|(id, _, check)| FirstDoc {
                id,
                check: check.as_str(),
            }),
            answered_after_run: l.probe.as_ref().map(Result::is_ok),
            probe_error: match &l.probe {
                Some(Err(e)) => Some(e),
                _ => None,
            },
            server_exit: match &l.server {
                Some(super::ServerState::Exited(status)) => Some(status),
                _ => None,
            },
            unreachable: l.unreachable(),
        }),
        coverage: report.coverage.as_ref().map(|c| CoverageDoc {
            operations: c.operations_ratio().into(),
            statuses: c.statuses_ratio().into(),
            parameters: c.parameters_ratio().into(),
            body_properties: c.body_ratio().into(),
            min_coverage: c.min,
            below_min: c.below_min(),
            uncovered: c
                .uncovered()
                .map(|o| UncoveredDoc {
                    id: &o.id,
                    why: o.why_not.as_deref().unwrap_or_default(),
                })
                .collect(),
        }),
        cases: report.cases.as_ref().map(|c| CasesDoc {
            per_operation: c.per_operation,
            seed: c.seed,
            regressions_file: c.regressions_file.as_deref(),
        }),
        cleanup: report.cleanup.as_ref().map(|c| CleanupDoc {
            deleted: c.deleted,
            gone: c.gone,
            failed: &c.failed,
            operations: &c.operations,
        }),
        baseline: report.baseline.as_ref().map(|b| BaselineDoc {
            file: &b.path,
            known: counts.known,
            stale: &b.stale,
        }),
        operations: report
            .units
            .iter()
            .map(|u| {
                let is_path = u.subject.method.is_empty();
                UnitDoc {
                    kind: if is_path { "path" } else { "operation" },
                    id: &u.subject.id,
                    method: (!is_path).then_some(u.subject.method.as_str()),
                    path: &u.subject.path,
                    operation_id: u.subject.operation_id.as_deref(),
                    summary: u.subject.summary.as_deref(),
                    duration_ms: ms(u.duration),
                    counts: Counts::of(&u.results),
                    coverage: report.coverage.as_ref().and_then(|c| {
                        c.operations
                            .iter()
                            .find(|o| !is_path && o.id == u.subject.id)
                    }),
                    checks: u
                        .results
                        .iter()
                        .enumerate()
                        .map(|(i, r)| CheckDoc {
                            check: r.check.as_str(),
                            status: Status::of(&r.outcome).as_str(),
                            duration_ms: ms(u.time(i)),
                            reason: super::reason(&r.outcome),
                            warnings: match &r.outcome {
                                contractgate::Outcome::Passed { warnings } => warnings,
                                _ => &[],
                            },
                            failure: super::any_failure(r).map(|f| FailureDoc {
                                title: &f.finding.title,
                                severity: f.severity,
                                rendered: f.to_string(),
                                data: f,
                            }),
                        })
                        .collect(),
                }
            })
            .collect(),
    };
    let mut value = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
    redact_values(&mut value, redactor);
    serde_json::to_string_pretty(&value).map_err(|e| e.to_string())
}

/// Keys whose values are the report's own vocabulary (check names, statuses, kinds, severities):
/// never redacted, so the report matches its schema even when a secret is such a word.
const VOCABULARY: [&str; 5] = ["check", "status", "kind", "severity", "method"];

fn redact_values(value: &mut serde_json::Value, redactor: &contractgate::redact::Redactor) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                if VOCABULARY.contains(&key.as_str()) && item.is_string() {
                    continue;
                }
                redact_values(item, redactor);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                redact_values(item, redactor);
            }
        }
        other => redactor.redact_json(other),
    }
}

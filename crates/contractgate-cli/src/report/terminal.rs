//! The report on a terminal or in a CI log: every failure as the harness renders it, what was
//! skipped and why, a table per operation, and a closing line.

use std::fmt::Write as _;

use contractgate::{CheckResult, Outcome};

use super::{Counts, RunReport, ServerState, Status, label, no_answer};

/// The whole text report.
pub fn render(report: &RunReport) -> String {
    let mut s = String::new();
    s.push_str(&failures(report));
    s.push_str(&known(report));
    s.push_str(&warnings(report));
    s.push_str(&skipped(report));
    s.push_str(&table(report));
    s.push_str(&summary(report));
    s
}

/// Each failure, rendered by the harness, with a numbered rule above it. Checks of one operation
/// that failed on the same exchange with the same finding (a refused or unanswered request fails
/// every check that judges it) are shown once, with the other checks named below.
///
/// When the target went away during the run ([`super::ConnectionLoss::unreachable`]), the checks
/// that got no answer are not numbered among the failures: the first is shown once after them, and
/// the others are listed by operation.
pub fn failures(report: &RunReport) -> String {
    let gone = target_gone(report);
    let mut groups: Vec<(&contractgate::Failure, Vec<&str>)> = Vec::new();
    let mut unanswered: Vec<(&super::UnitReport, Vec<&CheckResult>)> = Vec::new();
    for unit in &report.units {
        let start = groups.len();
        for r in &unit.results {
            let Some(f) = r.failure() else { continue };
            if gone && no_answer(r).is_some() {
                match unanswered.last_mut() {
                    Some((u, rs)) if std::ptr::eq(*u, unit) => rs.push(r),
                    _ => unanswered.push((unit, vec![r])),
                }
                continue;
            }
            let same = groups[start..].iter_mut().find(|(g, _)| {
                g.finding == f.finding && g.request == f.request && g.response == f.response
            });
            match same {
                Some((_, also)) => also.push(f.check.as_str()),
                None => groups.push((f, Vec::new())),
            }
        }
    }
    let mut s = String::new();
    let checks: usize = groups.iter().map(|(_, also)| 1 + also.len()).sum();
    if checks > groups.len() {
        let _ = writeln!(
            s,
            "{} failure(s) fail {checks} check(s): the checks of an operation that fail on one answer for one reason are shown once.\n",
            groups.len()
        );
    }
    for (i, (failure, also)) in groups.iter().enumerate() {
        let _ = writeln!(
            s,
            "── failure {} of {} {}",
            i + 1,
            groups.len(),
            "─".repeat(50)
        );
        let _ = writeln!(s, "{failure}");
        if failure.not_exercised {
            let checks: Vec<&str> = std::iter::once(failure.check.as_str())
                .chain(also.iter().copied())
                .collect();
            let _ = writeln!(s, "Not exercised, so not proven: {}.\n", checks.join(", "));
        } else if !also.is_empty() {
            let _ = writeln!(s, "The same failure fails {} too.\n", also.join(", "));
        }
    }
    let count: usize = unanswered.iter().map(|(_, rs)| rs.len()).sum();
    if let Some(first) = unanswered.first().and_then(|(_, rs)| rs.first()) {
        let _ = writeln!(
            s,
            "── no answer: {count} check(s), the target stopped answering {}",
            "─".repeat(30)
        );
        if let Some(f) = first.failure() {
            let _ = writeln!(s, "{f}");
        }
        let _ = writeln!(s, "No answer either (the same failure, not shown again):");
        for (i, (unit, rs)) in unanswered.iter().enumerate() {
            let rest: Vec<&str> = rs
                .iter()
                .skip(usize::from(i == 0))
                .map(|r| r.check.as_str())
                .collect();
            if rest.is_empty() {
                continue;
            }
            let which = if rest.len() == unit.results.len() && rest.len() > 1 {
                "all checks".to_owned()
            } else {
                rest.join(", ")
            };
            let _ = writeln!(s, "  {}: {which}", label(&unit.subject));
        }
        s.push('\n');
    }
    s
}

/// Failures the baseline accepts, with their reason, and the baseline's entries whose failure is
/// gone.
pub fn known(report: &RunReport) -> String {
    let Some(baseline) = &report.baseline else {
        return String::new();
    };
    let mut s = String::new();
    let mut lines = Vec::new();
    for u in &report.units {
        for r in &u.results {
            if let Outcome::Known { failure, reason } = &r.outcome {
                let kind = contractgate::baseline::Fingerprint::of(failure).kind;
                lines.push(format!(
                    "  {} · {}: {kind}\n    accepted: {reason}",
                    label(&u.subject),
                    failure.check_name()
                ));
            }
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(
            s,
            "Known failures (accepted by the baseline {}; they do not fail the run):\n{}\n",
            baseline.path,
            lines.join("\n")
        );
    }
    if !baseline.stale.is_empty() {
        let _ = writeln!(
            s,
            "Stale baseline entries: their failure is gone (fixed: remove them from {}):",
            baseline.path
        );
        for a in &baseline.stale {
            let _ = writeln!(
                s,
                "  {} · {}: {} (fingerprint {})",
                a.operation, a.check, a.finding, a.fingerprint
            );
        }
        s.push('\n');
    }
    s
}

/// Whether checks lost their connection and the target is gone (exit 3): their failures are
/// then shown apart from the contract's.
fn target_gone(report: &RunReport) -> bool {
    report
        .connection_loss
        .as_ref()
        .is_some_and(|l| l.checks > 0 && l.unreachable())
}

/// Warnings of passed checks (undeclared properties when not strict, ...).
pub fn warnings(report: &RunReport) -> String {
    let mut s = String::new();
    for u in &report.units {
        for r in &u.results {
            if let Outcome::Passed { warnings } = &r.outcome {
                for w in warnings {
                    let _ = writeln!(s, "  {} · {}: {w}", label(&u.subject), r.check);
                }
            }
        }
    }
    if s.is_empty() {
        s
    } else {
        format!("Warnings:\n{s}\n")
    }
}

/// Skipped checks and why, one line per operation and reason.
pub fn skipped(report: &RunReport) -> String {
    let mut s = String::new();
    for u in &report.units {
        let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
        for r in &u.results {
            if let Outcome::Skipped { reason } = &r.outcome {
                match reasons.iter_mut().find(|(x, _)| *x == reason.as_str()) {
                    Some((_, checks)) => checks.push(r.check.as_str()),
                    None => reasons.push((reason.as_str(), vec![r.check.as_str()])),
                }
            }
        }
        let run = u.results.len();
        for (why, checks) in reasons {
            let which = if checks.len() == run && run > 1 {
                "all checks".to_owned()
            } else {
                checks.join(", ")
            };
            let _ = writeln!(s, "  {}: {which}: {why}", label(&u.subject));
        }
    }
    if s.is_empty() {
        s
    } else {
        format!("Skipped:\n{s}\n")
    }
}

/// The table: one row per operation (and per path for `method_not_allowed`).
pub fn table(report: &RunReport) -> String {
    let rows: Vec<(String, Counts, String, &str)> = report
        .units
        .iter()
        .map(|u| {
            let c = Counts::of(&u.results);
            let verdict = if c.failed > 0 && only_no_answer(&u.results) {
                "NO ANSWER"
            } else if c.broken() > 0 {
                "FAIL"
            } else if c.not_exercised > 0 {
                "NOT EXERCISED"
            } else if c.known > 0 {
                "KNOWN"
            } else if c.passed > 0 {
                "ok"
            } else {
                "-"
            };
            (label(&u.subject), c, millis(u.duration), verdict)
        })
        .collect();
    let width = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max("operation".len());
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<width$}  {:>6}  {:>6}  {:>6}  {:>7}  {:>3}  {:>8}  result",
        "operation", "passed", "failed", "not ex", "skipped", "n/a", "time"
    );
    for (name, c, time, verdict) in &rows {
        let _ = writeln!(
            s,
            "{name:<width$}  {:>6}  {:>6}  {:>6}  {:>7}  {:>3}  {time:>8}  {verdict}",
            c.passed,
            c.broken(),
            c.not_exercised,
            c.skipped,
            c.not_applicable
        );
    }
    s
}

/// The closing line(s).
pub fn summary(report: &RunReport) -> String {
    let c = report.counts();
    let mut s = String::new();
    let paths = report.units.len() - report.operations();
    let _ = write!(
        s,
        "\n{} operation(s){}: {} check(s) passed, {} failed, {} not exercised, {} skipped, {} not applicable in {:.2} s",
        report.operations(),
        if paths > 0 {
            format!(" and {paths} path(s)")
        } else {
            String::new()
        },
        c.passed,
        c.broken(),
        c.not_exercised,
        c.skipped,
        c.not_applicable,
        report.duration.as_secs_f64()
    );
    if c.known > 0 {
        let _ = write!(s, "; {} known failure(s) accepted by the baseline", c.known);
    }
    let flaky = report
        .units
        .iter()
        .flat_map(|u| &u.results)
        .filter(|r| r.failure().is_some_and(|f| f.flaky.is_some()))
        .count();
    if flaky > 0 {
        let _ = write!(
            s,
            "; {flaky} of the failures flaky (passed when sent again; they still fail)"
        );
    }
    if let Some(shard) = report.shard {
        let _ = write!(
            s,
            " (shard {shard} of {} selected operations)",
            report.selected
        );
    }
    s.push('\n');
    if report.stopped_early {
        s.push_str("--fail-fast: the run stopped after the first failure; checks not run are reported as skipped\n");
    }
    // When the target went away, checks without an answer are summed up below, not listed.
    let gone = target_gone(report);
    let listed =
        |r: &&CheckResult| Status::of(&r.outcome).is_failure() && !(gone && no_answer(r).is_some());
    let failing: Vec<String> = report
        .units
        .iter()
        .filter_map(|u| {
            let (unproven, broken): (Vec<&CheckResult>, Vec<&CheckResult>) = u
                .results
                .iter()
                .filter(listed)
                .partition(|r| Status::of(&r.outcome) == Status::NotExercised);
            let names = |rs: &[&CheckResult]| {
                rs.iter()
                    .map(|r| r.check.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut parts = Vec::new();
            if !broken.is_empty() {
                parts.push(names(&broken));
            }
            if !unproven.is_empty() {
                parts.push(format!("not exercised ({})", names(&unproven)));
            }
            (!parts.is_empty()).then(|| format!("  {}: {}", label(&u.subject), parts.join("; ")))
        })
        .collect();
    let coverage_failed = report
        .coverage
        .as_ref()
        .is_some_and(super::coverage::CoverageReport::below_min);
    if let Some(coverage) = &report.coverage {
        s.push_str(&coverage.render(report.verbose));
    }
    if failing.is_empty() && !gone && coverage_failed {
        s.push_str("result: FAILED (too few operations exercised: see coverage above)\n");
    } else if failing.is_empty() && !gone && c.known > 0 {
        let _ = writeln!(
            s,
            "result: PASSED ({} known failure(s) accepted by the baseline)",
            c.known
        );
    } else if failing.is_empty() && !gone {
        s.push_str("result: PASSED\n");
    } else {
        s.push_str("result: FAILED\n");
        for f in failing {
            s.push_str(&f);
            s.push('\n');
        }
    }
    s.push_str(&connection_note(report));
    s
}

/// What the end of the report says about checks that got no answer, or a server that exited:
/// `target unreachable: ...` (exit 3), or a note on a transient interruption (the exit code stays
/// that of the checks).
pub fn connection_note(report: &RunReport) -> String {
    let Some(loss) = &report.connection_loss else {
        return String::new();
    };
    let log = report
        .server
        .as_ref()
        .map(|s| s.log.display().to_string())
        .unwrap_or_default();
    let mut s = String::new();
    let what = if loss.timeouts == 0 {
        format!("{} check(s) could not connect to {}", loss.checks, loss.url)
    } else {
        format!(
            "{} check(s) could not connect to {} or got no answer in time ({} timed out)",
            loss.checks, loss.url, loss.timeouts
        )
    };
    let first = loss
        .first
        .as_ref()
        .map(|(_, label, check)| format!(" (first at {label}: {check})"))
        .unwrap_or_default();
    if loss.checks > 0 && loss.unreachable() {
        let _ = writeln!(
            s,
            "target unreachable: {what}{first}; the server stopped answering during the run"
        );
        if let Some(Err(e)) = &loss.probe {
            let _ = writeln!(s, "  a TCP connect after the run failed: {e}");
        }
        match &loss.server {
            Some(ServerState::Exited(status)) => {
                let _ = writeln!(
                    s,
                    "  the server exited during the run ({status}); its output is in {log}"
                );
            }
            Some(ServerState::Running(pid)) => {
                let _ = writeln!(
                    s,
                    "  the server process (pid {pid}) was still running, but nothing answered on its port; its output is in {log}"
                );
            }
            None => {}
        }
        let contract = report
            .units
            .iter()
            .flat_map(|u| &u.results)
            .filter(|r| r.is_failure() && no_answer(r).is_none())
            .count();
        let found = if contract == 0 {
            "no contract failure was found before that".to_owned()
        } else {
            format!("{contract} contract failure(s) found before that are listed above")
        };
        let _ = writeln!(
            s,
            "  {found}; the {} check(s) without an answer are reported as errors (JUnit <error>, JSON \"errored\")",
            loss.checks
        );
    } else if let Some(ServerState::Exited(status)) = &loss.server {
        let _ = writeln!(
            s,
            "the server exited during the run ({status}): failures after that are not the contract's; its output is in {log}"
        );
    } else if loss.checks > 0 {
        let _ = writeln!(
            s,
            "note: {what}{first}, but it answered again after the run (a transient interruption): they count as failures; --retries N retries connection errors"
        );
    }
    s
}

/// Whether every failing result of a unit failed because the target gave no answer (the unit's
/// verdict is then about the target, not the contract).
fn only_no_answer(results: &[CheckResult]) -> bool {
    results
        .iter()
        .filter(|r| Status::of(&r.outcome).is_failure())
        .all(|r| no_answer(r).is_some())
}

/// `12 ms`, `1.20 s`.
pub fn millis(d: std::time::Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// A one-line progress entry for a finished unit (plain mode).
pub fn progress_line(done: usize, total: usize, unit: &super::UnitReport) -> String {
    let c = Counts::of(&unit.results);
    let mut parts = vec![format!("{} passed", c.passed)];
    if c.failed > 0 && only_no_answer(&unit.results) {
        parts.push(format!("{} got NO ANSWER", c.failed));
    } else {
        if c.broken() > 0 {
            parts.push(format!("{} FAILED", c.broken()));
        }
        if c.not_exercised > 0 {
            parts.push(format!("{} NOT EXERCISED", c.not_exercised));
        }
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped", c.skipped));
    }
    format!(
        "[{done}/{total}] {}: {} ({})",
        label(&unit.subject),
        parts.join(", "),
        millis(unit.duration)
    )
}

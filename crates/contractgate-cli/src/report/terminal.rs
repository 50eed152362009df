//! The report on a terminal or in a CI log: every failure as the harness renders it, what was
//! skipped and why, a table per operation, and a closing line.

use std::fmt::Write as _;

use contractgate::Outcome;

use super::{Counts, RunReport, Status, label};

/// The whole text report.
pub fn render(report: &RunReport) -> String {
    let mut s = String::new();
    s.push_str(&failures(report));
    s.push_str(&warnings(report));
    s.push_str(&skipped(report));
    s.push_str(&table(report));
    s.push_str(&summary(report));
    s
}

/// Each failure, rendered by the harness, with a numbered rule above it. Checks of one operation
/// that failed on the same exchange with the same finding (a refused or unanswered request fails
/// every check that judges it) are shown once, with the other checks named below.
pub fn failures(report: &RunReport) -> String {
    let mut groups: Vec<(&contractgate::Failure, Vec<&str>)> = Vec::new();
    for unit in &report.units {
        let start = groups.len();
        for f in unit.results.iter().filter_map(|r| r.failure()) {
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
    for (i, (failure, also)) in groups.iter().enumerate() {
        let _ = writeln!(
            s,
            "── failure {} of {} {}",
            i + 1,
            groups.len(),
            "─".repeat(50)
        );
        let _ = writeln!(s, "{failure}");
        if !also.is_empty() {
            let _ = writeln!(s, "The same failure fails {} too.\n", also.join(", "));
        }
    }
    s
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
            let verdict = if c.failed > 0 {
                "FAIL"
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
        "{:<width$}  {:>6}  {:>6}  {:>7}  {:>3}  {:>8}  result",
        "operation", "passed", "failed", "skipped", "n/a", "time"
    );
    for (name, c, time, verdict) in &rows {
        let _ = writeln!(
            s,
            "{name:<width$}  {:>6}  {:>6}  {:>7}  {:>3}  {time:>8}  {verdict}",
            c.passed, c.failed, c.skipped, c.not_applicable
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
        "\n{} operation(s){}: {} check(s) passed, {} failed, {} skipped, {} not applicable in {:.2} s",
        report.operations(),
        if paths > 0 {
            format!(" and {paths} path(s)")
        } else {
            String::new()
        },
        c.passed,
        c.failed,
        c.skipped,
        c.not_applicable,
        report.duration.as_secs_f64()
    );
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
    let failing: Vec<String> = report
        .units
        .iter()
        .filter(|u| {
            u.results
                .iter()
                .any(|r| Status::of(&r.outcome).is_failure())
        })
        .map(|u| {
            let checks: Vec<&str> = u
                .results
                .iter()
                .filter(|r| Status::of(&r.outcome).is_failure())
                .map(|r| r.check.as_str())
                .collect();
            format!("  {}: {}", label(&u.subject), checks.join(", "))
        })
        .collect();
    if failing.is_empty() {
        s.push_str("result: PASSED\n");
    } else {
        s.push_str("result: FAILED\n");
        for f in failing {
            s.push_str(&f);
            s.push('\n');
        }
    }
    s
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
    if c.failed > 0 {
        parts.push(format!("{} FAILED", c.failed));
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

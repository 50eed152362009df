//! `--markdown FILE`, and the GitHub Actions job summary (appended to `$GITHUB_STEP_SUMMARY` when
//! it is set): the verdict, the totals, coverage, the failing operations with the check and the
//! failure's one-line title, the known failures. Redacted value by value.

use std::fmt::Write as _;

use contractgate::redact::Redactor;

use super::{RunReport, Status, label};

/// A table cell: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

/// The summary.
pub fn render(report: &RunReport, exit_code: u8, redactor: &Redactor) -> String {
    let r = |s: &str| cell(&redactor.redact(s));
    let c = report.counts();
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## contractgate: {} {} {}\n",
        r(&report.title),
        r(&report.version),
        if exit_code == crate::exit::OK {
            "✅ PASSED"
        } else {
            "❌ FAILED"
        }
    );
    let _ = writeln!(
        s,
        "`{}` against {}{} · exit code {exit_code} · {:.2} s\n",
        r(&report.spec),
        r(&report.base_url),
        report
            .environment
            .as_deref()
            .map(|e| format!(" (environment {})", r(e)))
            .unwrap_or_default(),
        report.duration.as_secs_f64()
    );
    let _ = writeln!(
        s,
        "| passed | failed | not exercised | known | skipped | not applicable |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n| {} | {} | {} | {} | {} | {} |\n",
        c.passed,
        c.broken(),
        c.not_exercised,
        c.known,
        c.skipped,
        c.not_applicable
    );
    if let Some(coverage) = &report.coverage {
        let ops = coverage.operations_ratio();
        let _ = writeln!(
            s,
            "**Coverage:** {} of {} operations exercised ({:.0}%), {} of {} documented statuses seen, {} of {} parameters sent{}\n",
            ops.covered,
            ops.total,
            ops.percent(),
            coverage.statuses_ratio().covered,
            coverage.statuses_ratio().total,
            coverage.parameters_ratio().covered,
            coverage.parameters_ratio().total,
            if coverage.below_min() {
                format!(
                    " — **below --min-coverage {}%**",
                    coverage.min.unwrap_or_default()
                )
            } else {
                String::new()
            }
        );
    }
    let mut failing = Vec::new();
    let mut known = Vec::new();
    for u in &report.units {
        for result in &u.results {
            let status = Status::of(&result.outcome);
            let Some(f) = super::any_failure(result) else {
                continue;
            };
            let row = format!(
                "| {} | {} | {} |",
                r(&label(&u.subject)),
                r(f.check_name()),
                r(&f.finding.title)
            );
            if status == Status::Known {
                known.push(format!(
                    "{row} {} |",
                    r(super::reason(&result.outcome).unwrap_or_default())
                ));
            } else if status.is_failure() {
                failing.push(row);
            }
        }
    }
    if !failing.is_empty() {
        let _ = writeln!(
            s,
            "### Failing\n\n| operation | check | failure |\n| --- | --- | --- |\n{}\n",
            failing.join("\n")
        );
    }
    if !known.is_empty() {
        let _ = writeln!(
            s,
            "### Known failures (accepted by the baseline)\n\n| operation | check | failure | reason |\n| --- | --- | --- | --- |\n{}\n",
            known.join("\n")
        );
    }
    if let Some(coverage) = &report.coverage {
        let uncovered: Vec<String> = coverage
            .uncovered()
            .map(|o| {
                format!(
                    "- {}: {}",
                    r(&o.label),
                    r(o.why_not.as_deref().unwrap_or_default())
                )
            })
            .collect();
        if !uncovered.is_empty() {
            let _ = writeln!(s, "### Not exercised\n\n{}\n", uncovered.join("\n"));
        }
    }
    s
}

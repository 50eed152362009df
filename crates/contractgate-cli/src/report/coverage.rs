//! What a run covered: per operation, whether it was exercised (its request reached the handler),
//! which documented statuses were seen, which parameters and top-level body properties were sent;
//! the totals; and `--min-coverage`, which fails a run that exercised too few operations.

use std::fmt::Write as _;

use contractgate::coverage::OperationCoverage;
use contractgate::{CheckResult, Outcome};
use serde::Serialize;

use super::{UnitReport, label};

/// The coverage of one operation of the run.
#[derive(Clone, Debug, Serialize)]
pub struct Covered {
    /// Its id.
    pub id: String,
    /// `GET /users/{id} (getUser)`.
    #[serde(skip)]
    pub label: String,
    /// What the harness saw.
    #[serde(flatten)]
    pub coverage: OperationCoverage,
    /// Why it was not exercised (when it was not).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why_not: Option<String>,
}

/// The coverage of a run.
#[derive(Clone, Debug, Default)]
pub struct CoverageReport {
    /// Each operation of the run (not the excluded ones), in document order.
    pub operations: Vec<Covered>,
    /// `--min-coverage` / `min_coverage`, in percent.
    pub min: Option<f64>,
}

/// A count out of a total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Ratio {
    /// Covered.
    pub covered: usize,
    /// Out of.
    pub total: usize,
}

impl Ratio {
    /// In percent (100 when there is nothing to cover).
    pub fn percent(self) -> f64 {
        if self.total == 0 {
            100.0
        } else {
            #[allow(clippy::cast_precision_loss)]
            let p = self.covered as f64 * 100.0 / self.total as f64;
            p
        }
    }
}

impl CoverageReport {
    /// Operations exercised, out of those run.
    pub fn operations_ratio(&self) -> Ratio {
        Ratio {
            covered: self
                .operations
                .iter()
                .filter(|o| o.coverage.exercised)
                .count(),
            total: self.operations.len(),
        }
    }

    /// Documented statuses seen, out of those documented.
    pub fn statuses_ratio(&self) -> Ratio {
        self.sum(|c| (c.statuses_seen.len(), c.statuses_documented.len()))
    }

    /// Parameters sent, out of those declared.
    pub fn parameters_ratio(&self) -> Ratio {
        self.sum(|c| (c.parameters_sent.len(), c.parameters_declared.len()))
    }

    /// Top-level body properties sent, out of those declared.
    pub fn body_ratio(&self) -> Ratio {
        self.sum(|c| {
            (
                c.body_properties_sent.len(),
                c.body_properties_declared.len(),
            )
        })
    }

    fn sum(&self, f: impl Fn(&OperationCoverage) -> (usize, usize)) -> Ratio {
        let (covered, total) = self
            .operations
            .iter()
            .map(|o| f(&o.coverage))
            .fold((0, 0), |(a, b), (c, d)| (a + c, b + d));
        Ratio { covered, total }
    }

    /// Whether the run exercised fewer operations than `--min-coverage` asks.
    pub fn below_min(&self) -> bool {
        self.min
            .is_some_and(|min| self.operations_ratio().percent() + 1e-9 < min)
    }

    /// The operations not exercised.
    pub fn uncovered(&self) -> impl Iterator<Item = &Covered> {
        self.operations.iter().filter(|o| !o.coverage.exercised)
    }

    /// The terminal's lines: the totals, and the operations not exercised (the first 10 unless
    /// `all`).
    pub fn render(&self, all: bool) -> String {
        let mut s = String::new();
        let ops = self.operations_ratio();
        let _ = writeln!(
            s,
            "coverage: {} of {} operations exercised ({:.0}%), {} of {} documented statuses seen, {} of {} parameters sent, {} of {} body properties sent",
            ops.covered,
            ops.total,
            ops.percent(),
            self.statuses_ratio().covered,
            self.statuses_ratio().total,
            self.parameters_ratio().covered,
            self.parameters_ratio().total,
            self.body_ratio().covered,
            self.body_ratio().total,
        );
        let uncovered: Vec<&Covered> = self.uncovered().collect();
        const SHOWN: usize = 10;
        for o in uncovered.iter().take(if all { usize::MAX } else { SHOWN }) {
            let _ = writeln!(
                s,
                "  not exercised: {}: {}",
                o.label,
                o.why_not
                    .as_deref()
                    .unwrap_or("no answer reached the handler")
            );
        }
        if !all && uncovered.len() > SHOWN {
            let _ = writeln!(
                s,
                "  ... and {} more (--verbose lists them all)",
                uncovered.len() - SHOWN
            );
        }
        if let Some(min) = self.min
            && self.below_min()
        {
            let _ = writeln!(
                s,
                "coverage FAILED: {:.0}% of the operations were exercised, below --min-coverage {min}%",
                ops.percent()
            );
        }
        s
    }
}

/// Why the operation of `unit` was not exercised, from its results.
pub fn why_not(unit: &UnitReport, coverage: &OperationCoverage) -> String {
    let results: &[CheckResult] = &unit.results;
    if let Some(reason) = results.iter().find_map(|r| match &r.outcome {
        Outcome::Skipped { reason } => Some(reason),
        _ => None,
    }) && results.iter().all(|r| {
        matches!(
            r.outcome,
            Outcome::Skipped { .. } | Outcome::NotApplicable { .. }
        )
    }) {
        return format!("skipped ({reason})");
    }
    if let Some(f) = results.iter().find_map(|r| match &r.outcome {
        Outcome::NotExercised(f) => Some(f),
        _ => None,
    }) {
        let status = f.response.as_ref().map(|r| r.status);
        return match status {
            Some(s) => format!(
                "the server refused the request built from the spec ({s} {})",
                contractgate::failure::reason_phrase(s)
            ),
            None => "the server refused the request built from the spec".into(),
        };
    }
    if let Some(f) = results.iter().find_map(|r| match &r.outcome {
        Outcome::Errored(f) => Some(f),
        _ => None,
    }) {
        return format!("no answer to judge ({})", f.finding.title);
    }
    if coverage.statuses_received.is_empty() {
        return "no request was sent (the checks that ran need none)".into();
    }
    let received: Vec<String> = coverage
        .statuses_received
        .iter()
        .map(ToString::to_string)
        .collect();
    format!(
        "no success status to the request built from the spec (received {})",
        received.join(", ")
    )
}

/// The coverage of a run, from the harness's record and the units' results.
pub fn of(
    harness: &contractgate::Harness,
    units: &[UnitReport],
    excluded: &[(String, String)],
    min: Option<f64>,
) -> CoverageReport {
    let operations = units
        .iter()
        .filter(|u| {
            !u.subject.method.is_empty() && !excluded.iter().any(|(id, _)| *id == u.subject.id)
        })
        .filter_map(|u| {
            let op = harness.api().operation(&u.subject.id)?;
            let mut coverage = harness.coverage(op);
            // A check that was not exercised says the route was not: coverage agrees with it.
            if u.results
                .iter()
                .any(|r| matches!(r.outcome, Outcome::NotExercised(_)))
            {
                coverage.exercised = false;
            }
            let why_not = (!coverage.exercised).then(|| why_not(u, &coverage));
            Some(Covered {
                id: op.id.clone(),
                label: label(&u.subject),
                coverage,
                why_not,
            })
        })
        .collect();
    CoverageReport { operations, min }
}

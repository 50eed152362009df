//! What a run found, and its renderings: the terminal ([`terminal`]), JUnit XML ([`junit`]) and
//! JSON ([`json`]). Failures are always the harness's rendering ([`contractgate::Failure`]'s
//! `Display`), never reformatted.

pub mod json;
pub mod junit;
pub mod terminal;

use std::path::PathBuf;
use std::time::Duration;

use contractgate::{CheckResult, OperationInfo, Outcome};

use crate::exit;
use crate::plan::Shard;

/// The results of one unit (an operation's checks, or a path's `method_not_allowed`).
#[derive(Clone, Debug)]
pub struct UnitReport {
    /// The operation, or the path (empty method).
    pub subject: OperationInfo,
    /// The results, in check order.
    pub results: Vec<CheckResult>,
    /// Wall time of the unit.
    pub duration: Duration,
}

/// The server the run started.
#[derive(Clone, Debug)]
pub struct ServerInfo {
    /// The command (redacted).
    pub command: String,
    /// Its log file.
    pub log: PathBuf,
}

/// One whole run.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// The spec file as given.
    pub spec: String,
    /// The API's title.
    pub title: String,
    /// The API's version.
    pub version: String,
    /// The base URL (redacted).
    pub base_url: String,
    /// The environment, when one was used.
    pub environment: Option<String>,
    /// Whether only GET/HEAD/OPTIONS were sent.
    pub read_only: bool,
    /// The server started for the run.
    pub server: Option<ServerInfo>,
    /// The shard, with `--shard`.
    pub shard: Option<Shard>,
    /// Operations the selection kept (before sharding).
    pub selected: usize,
    /// Results per unit, in document order.
    pub units: Vec<UnitReport>,
    /// Wall time of the checks.
    pub duration: Duration,
    /// `--fail-fast` stopped the run.
    pub stopped_early: bool,
}

/// How one check ended, as reports count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Passed.
    Passed,
    /// The contract is broken.
    Failed,
    /// The server refused the positive request: nothing proven (counts as failed).
    NotExercised,
    /// No answer, or no request could be built (counts as failed).
    Errored,
    /// Not run by configuration or mode.
    Skipped,
    /// Cannot apply to this operation.
    NotApplicable,
}

impl Status {
    /// Of an outcome.
    pub fn of(outcome: &Outcome) -> Status {
        match outcome {
            Outcome::Passed { .. } => Status::Passed,
            Outcome::Failed(_) => Status::Failed,
            Outcome::NotExercised(_) => Status::NotExercised,
            Outcome::Errored(_) => Status::Errored,
            Outcome::Skipped { .. } => Status::Skipped,
            Outcome::NotApplicable { .. } => Status::NotApplicable,
        }
    }

    /// `passed`, `failed`, `not_exercised`, `errored`, `skipped`, `not_applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NotExercised => "not_exercised",
            Status::Errored => "errored",
            Status::Skipped => "skipped",
            Status::NotApplicable => "not_applicable",
        }
    }

    /// Failed, not exercised or errored.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Status::Failed | Status::NotExercised | Status::Errored
        )
    }
}

/// Counts of checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Passed.
    pub passed: usize,
    /// Failed, not exercised or errored.
    pub failed: usize,
    /// Skipped.
    pub skipped: usize,
    /// Not applicable.
    pub not_applicable: usize,
}

impl Counts {
    /// Counts the results.
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            match Status::of(&r.outcome) {
                Status::Passed => c.passed += 1,
                s if s.is_failure() => c.failed += 1,
                Status::Skipped => c.skipped += 1,
                _ => c.not_applicable += 1,
            }
        }
        c
    }

    /// Every check counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped + self.not_applicable
    }
}

impl RunReport {
    /// Counts over the whole run.
    pub fn counts(&self) -> Counts {
        Counts::of(self.units.iter().flat_map(|u| &u.results))
    }

    /// 0 when nothing failed, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self.counts().failed > 0 {
            exit::FAILED
        } else {
            exit::OK
        }
    }

    /// How many units are operations (the rest are paths).
    pub fn operations(&self) -> usize {
        self.units
            .iter()
            .filter(|u| !u.subject.method.is_empty())
            .count()
    }
}

/// The reason of a skipped or not-applicable result.
pub fn reason(outcome: &Outcome) -> Option<&str> {
    match outcome {
        Outcome::Skipped { reason } | Outcome::NotApplicable { reason } => Some(reason),
        _ => None,
    }
}

/// `GET /user/profile (getUserProfile)`, or `path /user/profile`.
pub fn label(subject: &OperationInfo) -> String {
    if subject.method.is_empty() {
        format!("{} (method_not_allowed)", subject.path)
    } else {
        format!("{} {} ({})", subject.method, subject.path, subject.id)
    }
}

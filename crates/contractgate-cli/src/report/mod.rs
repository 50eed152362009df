//! What a run found, and its renderings: the terminal ([`terminal`]), JUnit XML ([`junit`]) and
//! JSON ([`json`]). Failures are always the harness's rendering ([`contractgate::Failure`]'s
//! `Display`), never reformatted.

pub mod coverage;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod terminal;

use std::path::PathBuf;
use std::time::Duration;

use contractgate::{Check, CheckResult, NoAnswer, OperationInfo, Outcome};

use crate::exit;
use crate::plan::Shard;

/// The results of one unit (an operation's checks, or a path's `method_not_allowed`).
#[derive(Clone, Debug)]
pub struct UnitReport {
    /// The operation, or the path (empty method).
    pub subject: OperationInfo,
    /// The results, in check order.
    pub results: Vec<CheckResult>,
    /// The time of each result (same order): what its requests took (see [`check_times`]).
    pub times: Vec<Duration>,
    /// Wall time of the unit.
    pub duration: Duration,
}

impl UnitReport {
    /// The time of the `i`-th result (zero when unknown).
    pub fn time(&self, i: usize) -> Duration {
        self.times.get(i).copied().unwrap_or_default()
    }
}

/// The times of the checks judged on one shared exchange that took `elapsed`: the exchange's time
/// goes to the first check that was judged on it (normally `not_server_error`), every other check
/// gets zero, so the testcase times of an operation add up to the time its requests took.
/// Skipped checks sent nothing; a not-applicable one carries the time only when no check was
/// judged.
pub fn check_times(results: &[CheckResult], elapsed: Duration) -> Vec<Duration> {
    let judged = results
        .iter()
        .position(|r| {
            matches!(
                Status::of(&r.outcome),
                Status::Passed
                    | Status::Failed
                    | Status::NotExercised
                    | Status::Errored
                    | Status::Known
            )
        })
        .or_else(|| {
            results
                .iter()
                .position(|r| Status::of(&r.outcome) != Status::Skipped)
        });
    (0..results.len())
        .map(|i| {
            if Some(i) == judged {
                elapsed
            } else {
                Duration::ZERO
            }
        })
        .collect()
}

/// Why a check got no answer from the target, if that is why it errored (the harness decides:
/// [`Failure::no_answer`](contractgate::Failure::no_answer)).
pub fn no_answer(result: &CheckResult) -> Option<NoAnswer> {
    match &result.outcome {
        Outcome::Errored(f) => f.no_answer(),
        _ => None,
    }
}

/// The server `--server` started, as it was at the end of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerState {
    /// It exited on its own during the run (`exit status: 1`, `signal: 9 (SIGKILL)`).
    Exited(String),
    /// It was still running (pid).
    Running(u32),
}

/// Checks that got no answer from the target, and whether it answered after the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLoss {
    /// Checks whose request got no answer (connection failed or timed out).
    pub checks: usize,
    /// Of those, the ones that timed out.
    pub timeouts: usize,
    /// The first of them in document order: the unit's id and label, and the check.
    pub first: Option<(String, String, Check)>,
    /// The target's `host:port`.
    pub url: String,
    /// A TCP connect to the target after the run: `Err` says why it failed; `None` when there
    /// was no probe (no check lost its connection).
    pub probe: Option<Result<(), String>>,
    /// The server the run started, at the end of the run.
    pub server: Option<ServerState>,
}

impl ConnectionLoss {
    /// What the run's results say: `None` when every check got an answer.
    pub fn find(units: &[UnitReport], url: &str) -> Option<ConnectionLoss> {
        let mut loss = ConnectionLoss {
            checks: 0,
            timeouts: 0,
            first: None,
            url: url.to_owned(),
            probe: None,
            server: None,
        };
        for unit in units {
            for r in &unit.results {
                if let Some(kind) = no_answer(r) {
                    loss.checks += 1;
                    if kind == NoAnswer::Timeout {
                        loss.timeouts += 1;
                    }
                    if loss.first.is_none() {
                        loss.first = Some((unit.subject.id.clone(), label(&unit.subject), r.check));
                    }
                }
            }
        }
        (loss.checks > 0).then_some(loss)
    }

    /// The target went away: checks lost their connection and nothing answered after the run,
    /// or the server the run started exited during it. Exit code 3.
    pub fn unreachable(&self) -> bool {
        (self.checks > 0 && matches!(self.probe, Some(Err(_))))
            || matches!(self.server, Some(ServerState::Exited(_)))
    }
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
    /// Checks that got no answer, or a server that exited during the run.
    pub connection_loss: Option<ConnectionLoss>,
    /// The baseline used, and its entries whose failure is gone.
    pub baseline: Option<BaselineReport>,
    /// What the run covered.
    pub coverage: Option<coverage::CoverageReport>,
    /// List every uncovered operation.
    pub verbose: bool,
    /// Generated cases, when more than one per operation was asked for.
    pub cases: Option<CasesReport>,
    /// What the cleanup at the end did, when it ran and the run had created something.
    pub cleanup: Option<contractgate::cleanup::Cleanup>,
}

/// The generated cases of a run: how many per operation, and how to get the same ones again.
#[derive(Clone, Debug)]
pub struct CasesReport {
    /// Requests per operation, at most (`--cases`).
    pub per_operation: usize,
    /// The seed (`--seed` reproduces the cases).
    pub seed: u64,
    /// Where the minimal failing cases are kept, when they are.
    pub regressions_file: Option<String>,
}

/// What a run says about its baseline.
#[derive(Clone, Debug)]
pub struct BaselineReport {
    /// The file.
    pub path: String,
    /// Entries whose operation and check ran and did not fail that way: fixed, to remove.
    pub stale: Vec<contractgate::baseline::Accepted>,
}

impl BaselineReport {
    /// The entries of `baseline` that are stale after `units`: their operation and check ran (not
    /// skipped, not applicable) and no result has their fingerprint.
    pub fn of(baseline: &contractgate::baseline::Baseline, units: &[UnitReport]) -> BaselineReport {
        use contractgate::baseline::Fingerprint;
        let stale = baseline
            .accepted
            .iter()
            .filter(|a| {
                let mut ran = false;
                for u in units {
                    let subject = if u.subject.method.is_empty() {
                        &u.subject.path
                    } else {
                        &u.subject.id
                    };
                    if *subject != a.operation {
                        continue;
                    }
                    for r in &u.results {
                        let failure = match &r.outcome {
                            Outcome::Known { failure, .. } => Some(&**failure),
                            _ => r.failure(),
                        };
                        let name = failure.map_or(r.check.as_str(), |f| f.check_name());
                        if name != a.check {
                            continue;
                        }
                        if failure.is_some_and(|f| Fingerprint::of(f).id == a.fingerprint) {
                            return false;
                        }
                        ran |= matches!(
                            Status::of(&r.outcome),
                            Status::Passed | Status::Failed | Status::NotExercised | Status::Known
                        );
                    }
                }
                ran
            })
            .cloned()
            .collect();
        BaselineReport {
            path: baseline.path.display().to_string(),
            stale,
        }
    }
}

/// The failure of a result, accepted by the baseline or not.
pub fn any_failure(result: &CheckResult) -> Option<&contractgate::Failure> {
    match &result.outcome {
        Outcome::Known { failure, .. } => Some(failure),
        _ => result.failure(),
    }
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
    /// A failure the baseline accepts: reported, does not fail the run.
    Known,
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
            Outcome::Known { .. } => Status::Known,
            Outcome::Skipped { .. } => Status::Skipped,
            Outcome::NotApplicable { .. } => Status::NotApplicable,
        }
    }

    /// `passed`, `failed`, `not_exercised`, `errored`, `known`, `skipped`, `not_applicable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NotExercised => "not_exercised",
            Status::Errored => "errored",
            Status::Known => "known",
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
    /// Of `failed`, the checks that were not exercised (the request never reached the handler).
    pub not_exercised: usize,
    /// Failures the baseline accepts (not in `failed`).
    pub known: usize,
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
                Status::NotExercised => {
                    c.failed += 1;
                    c.not_exercised += 1;
                }
                s if s.is_failure() => c.failed += 1,
                Status::Known => c.known += 1,
                Status::Skipped => c.skipped += 1,
                _ => c.not_applicable += 1,
            }
        }
        c
    }

    /// Failed or errored: `failed` without the checks that were not exercised.
    pub fn broken(&self) -> usize {
        self.failed - self.not_exercised
    }

    /// Every check counted.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.known + self.skipped + self.not_applicable
    }
}

impl RunReport {
    /// Counts over the whole run.
    pub fn counts(&self) -> Counts {
        Counts::of(self.units.iter().flat_map(|u| &u.results))
    }

    /// 3 when the target went away during the run ([`ConnectionLoss::unreachable`]), else 0
    /// when nothing failed, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if self
            .connection_loss
            .as_ref()
            .is_some_and(ConnectionLoss::unreachable)
        {
            exit::UNREACHABLE
        } else if self.counts().failed > 0 {
            exit::FAILED
        } else if self
            .coverage
            .as_ref()
            .is_some_and(coverage::CoverageReport::below_min)
        {
            exit::COVERAGE
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

/// Writes the JUnit and JSON reports that were asked for (secrets redacted value by value),
/// creating their
/// folders. Returns the lines naming what was written, and an error line for each report that
/// could not be (the run then exits 2).
pub fn write_files(
    report: &RunReport,
    exit_code: u8,
    paths: &ReportPaths<'_>,
    redactor: &contractgate::redact::Redactor,
) -> (Vec<String>, Vec<String>) {
    let ReportPaths {
        junit: junit_path,
        json: json_path,
        html: html_path,
        markdown: markdown_path,
    } = *paths;
    let save = |label: &str, name: &str, path: &std::path::Path, text: Result<String, String>| {
        text.and_then(|t| write_file(path, &t))
            .map(|()| format!("{label}: {}", path.display()))
            .map_err(|e| {
                format!(
                    "contractgate: error: cannot write the {name} report {}: {e}",
                    path.display()
                )
            })
    };
    let mut results = Vec::new();
    if let Some(path) = junit_path {
        results.push(save(
            "junit",
            "JUnit",
            path,
            junit::render(report, redactor),
        ));
    }
    if let Some(path) = markdown_path {
        results.push(save(
            "markdown",
            "Markdown",
            path,
            Ok(markdown::render(report, exit_code, redactor)),
        ));
    }
    // The JSON and HTML reports carry the exit code, which a file that could not be written sets.
    let code = if results.iter().all(Result::is_ok) {
        exit_code
    } else {
        exit::USAGE
    };
    if let Some(path) = html_path {
        results.push(save(
            "html",
            "HTML",
            path,
            Ok(html::render(report, code, redactor)),
        ));
    }
    if let Some(path) = json_path {
        let code = if results.iter().all(Result::is_ok) {
            exit_code
        } else {
            exit::USAGE
        };
        results.push(save(
            "json",
            "JSON",
            path,
            json::render(report, code, redactor),
        ));
    }
    let (mut written, mut errors) = (Vec::new(), Vec::new());
    for r in results {
        match r {
            Ok(line) => written.push(line),
            Err(e) => errors.push(e),
        }
    }
    (written, errors)
}

/// Where the reports go (each optional).
#[derive(Clone, Copy, Debug, Default)]
pub struct ReportPaths<'a> {
    /// `--junit`.
    pub junit: Option<&'a std::path::Path>,
    /// `--json`.
    pub json: Option<&'a std::path::Path>,
    /// `--html`.
    pub html: Option<&'a std::path::Path>,
    /// `--markdown`.
    pub markdown: Option<&'a std::path::Path>,
}

/// Writes `text` to `path`, creating its folder.
pub fn write_text(path: &std::path::Path, text: &str) -> Result<(), String> {
    write_file(path, text)
}

fn write_file(path: &std::path::Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    }
    std::fs::write(path, text).map_err(|e| e.to_string())
}

/// The reason of a skipped or not-applicable result, or why a known failure is accepted.
pub fn reason(outcome: &Outcome) -> Option<&str> {
    match outcome {
        Outcome::Skipped { reason }
        | Outcome::NotApplicable { reason }
        | Outcome::Known { reason, .. } => Some(reason),
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

#[cfg(test)]
mod tests {
    use super::*;
    use contractgate::failure::RequestRecord;
    use contractgate::{Failure, Finding, Severity};

    fn result(check: Check, outcome: Outcome) -> CheckResult {
        CheckResult {
            check,
            subject: std::sync::Arc::new(OperationInfo::path("/x")),
            outcome,
        }
    }

    fn errored(title: &str, request: bool) -> Outcome {
        Outcome::Errored(Box::new(Failure {
            check: Check::NotServerError,
            severity: Severity::Critical,
            operation: OperationInfo::path("/x"),
            finding: Finding::new(title),
            request: request.then(|| RequestRecord {
                method: "GET".into(),
                url: "http://127.0.0.1:9/x".into(),
                curl: "curl".into(),
                notes: Vec::new(),
                replay: None,
            }),
            response: None,
            not_exercised: false,
            custom_name: None,
            flaky: None,
        }))
    }

    #[test]
    fn a_shared_exchange_is_timed_once() {
        let ms = Duration::from_millis;
        let passed = || Outcome::Passed {
            warnings: Vec::new(),
        };
        let skipped = || Outcome::Skipped {
            reason: "off".into(),
        };
        let na = || Outcome::NotApplicable {
            reason: "no".into(),
        };
        let times = check_times(
            &[
                result(Check::NotServerError, skipped()),
                result(Check::StatusCodeConformance, passed()),
                result(Check::ContentTypeConformance, passed()),
                result(Check::LatencyBudget, na()),
            ],
            ms(7),
        );
        assert_eq!(times, [ms(0), ms(7), ms(0), ms(0)]);
        // Nothing judged: the first check that was not skipped carries it.
        let times = check_times(
            &[
                result(Check::NotServerError, skipped()),
                result(Check::ContentTypeConformance, na()),
            ],
            ms(3),
        );
        assert_eq!(times, [ms(0), ms(3)]);
        assert_eq!(
            check_times(&[result(Check::NotServerError, skipped())], ms(1)),
            [ms(0)]
        );
    }

    #[test]
    fn no_answer_is_a_transport_failure_with_a_request() {
        let r = |o| result(Check::NotServerError, o);
        assert_eq!(
            no_answer(&r(errored("the target could not be reached", true))),
            Some(NoAnswer::Connect)
        );
        assert_eq!(
            no_answer(&r(errored("the target did not answer in time", true))),
            Some(NoAnswer::Timeout)
        );
        // No request could be built: not the target's fault.
        assert_eq!(
            no_answer(&r(errored("no request could be built", false))),
            None
        );
        assert_eq!(
            no_answer(&r(errored("the target could not be reached", false))),
            None
        );
        assert_eq!(
            no_answer(&r(Outcome::Passed {
                warnings: Vec::new()
            })),
            None
        );
    }
}

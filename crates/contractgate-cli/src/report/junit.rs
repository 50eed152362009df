//! `--junit FILE`: one `<testcase>` per operation × check, in one `<testsuite>` named after the
//! API. `classname` is the operation id (the path for `method_not_allowed`), `name` the check.
//! A failed check is a `<failure>` (`not_exercised` too, with its own `type`), a check that got
//! no answer an `<error>`; its text is the harness's rendering. Skipped and not-applicable checks
//! are `<skipped>` with the reason as the message; so is a failure the baseline accepts (type
//! `known`, the reason and the failure's headline as the message, its rendering as the text).
//!
//! Every testcase has a `time`: the time of the requests it needed. The checks of an operation
//! judged on its one shared exchange count that exchange once, on the first of them (normally
//! `not_server_error`; the others have 0); `auth_enforced` and `negative_data_rejection` have the
//! time of their own requests, `method_not_allowed` that of its path's requests; skipped and
//! not-applicable checks 0. So an operation's testcase times add up to the time its requests took
//! (what GitLab and dorny/test-reporter show as a suite's or class's time, by summing them).

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{RunReport, Status};

/// The JUnit XML document, every text node and attribute redacted on its own (never the
/// serialized document, whose markup a short secret could otherwise corrupt).
pub fn render(
    report: &RunReport,
    redactor: &contractgate::redact::Redactor,
) -> Result<String, String> {
    let r = |s: &str| redactor.redact(s);
    let mut junit = Report::new("contractgate");
    let mut suite = TestSuite::new(r(&format!("{} {}", report.title, report.version)));
    for unit in &report.units {
        let classname = r(if unit.subject.method.is_empty() {
            &unit.subject.path
        } else {
            &unit.subject.id
        });
        for (i, result) in unit.results.iter().enumerate() {
            let status = match Status::of(&result.outcome) {
                Status::Passed => TestCaseStatus::success(),
                s @ (Status::Failed | Status::NotExercised | Status::Errored) => {
                    let kind = if s == Status::Errored {
                        NonSuccessKind::Error
                    } else {
                        NonSuccessKind::Failure
                    };
                    let mut status = TestCaseStatus::non_success(kind);
                    if let Some(f) = result.failure() {
                        status
                            .set_message(r(&f.headline()))
                            .set_type(s.as_str())
                            .set_description(r(&f.to_string()));
                    }
                    status
                }
                Status::Known => {
                    let mut status = TestCaseStatus::skipped();
                    let why = super::reason(&result.outcome).unwrap_or_default();
                    status.set_type("known");
                    if let Some(f) = super::any_failure(result) {
                        status
                            .set_message(r(&format!(
                                "known failure, accepted by the baseline: {why} ({})",
                                f.headline()
                            )))
                            .set_description(r(&f.to_string()));
                    }
                    status
                }
                s @ (Status::Skipped | Status::NotApplicable) => {
                    let mut status = TestCaseStatus::skipped();
                    let why = super::reason(&result.outcome).unwrap_or_default();
                    let message = if s == Status::NotApplicable {
                        format!("not applicable: {why}")
                    } else {
                        why.to_owned()
                    };
                    status.set_message(r(&message)).set_type(s.as_str());
                    status
                }
            };
            let mut case = TestCase::new(result.check.as_str(), status);
            case.set_classname(classname.clone());
            case.set_time(unit.time(i));
            suite.add_test_case(case);
        }
    }
    suite.set_time(report.duration);
    junit.add_test_suite(suite);
    junit.set_time(report.duration);
    junit.to_string().map_err(|e| e.to_string())
}

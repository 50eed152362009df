//! `method_not_allowed`: catches an undocumented method on a documented path that answers 2xx or
//! 5xx instead of 404/405, and a 405 without the `Allow` header RFC 9110 §15.5.6 requires (a
//! client cannot learn the methods it may use). Runs per path
//! ([`Harness::check_path`](crate::Harness::check_path)); a method is only tried where no other
//! documented path template matches the same URL for it (`GET /user/createWithArray` is
//! `GET /user/{username}`).

use super::Verdict;
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    let method = &exchange.wire.method;
    if (200..300).contains(&status) || (500..600).contains(&status) {
        return Verdict::Fail(
            Finding::new(format!("an undocumented method was answered with {status}"))
                .received(format!("{method} answered {status}")),
        );
    }
    if status == 405 && exchange.response.header("allow").is_none() {
        return Verdict::Fail(
            Finding::new("405 Method Not Allowed without an Allow header")
                .received(format!("{method} answered 405 with no Allow header"))
                .detail("RFC 9110 §15.5.6: a 405 response must carry an Allow header listing the methods the resource supports."),
        );
    }
    Verdict::Pass(Vec::new())
}

// Sending every undocumented method to a documented path.
use std::sync::Arc;

use contractgate_spec::ir::Method;

use crate::checks::Check;
use crate::data::Planned;
use crate::failure::{Failure, OperationInfo, Severity};
use crate::runner::{CheckResult, Harness, Outcome};

impl Harness {
    /// Runs `method_not_allowed` on a documented path: every undocumented method among GET, PUT,
    /// POST, DELETE and PATCH must answer 404 or 405 (any 4xx passes but a 405 without `Allow`;
    /// 2xx and 5xx fail). A method that another documented template answers for the same URL is
    /// not tried.
    pub async fn check_path(&self, path: &str) -> CheckResult {
        let mut result = self.check_path_unjudged(path).await;
        self.apply_baseline(&mut result);
        result
    }

    async fn check_path_unjudged(&self, path: &str) -> CheckResult {
        let check = Check::MethodNotAllowed;
        let subject = OperationInfo::path(path);
        let result = |outcome| CheckResult {
            check,
            subject: Arc::new(subject.clone()),
            outcome,
        };
        let paths = self.api.paths();
        let Some(ops) = paths.get(path) else {
            return result(Outcome::Errored(Box::new(Failure {
                check,
                severity: Severity::Critical,
                operation: subject.clone(),
                finding: Finding::new(format!("no path `{path}` in the API")),
                request: None,
                response: None,
                not_exercised: false,
                custom_name: None,
                flaky: None,
            })));
        };
        let settings = &self.target.settings;
        if settings.disabled.contains(&check) {
            return result(Outcome::Skipped {
                reason: "turned off in the configuration".into(),
            });
        }
        let documented: Vec<Method> = ops.iter().map(|o| o.method).collect();
        let candidates: Vec<Method> = [
            Method::Get,
            Method::Put,
            Method::Post,
            Method::Delete,
            Method::Patch,
        ]
        .into_iter()
        .filter(|m| !documented.contains(m))
        .filter(|m| !settings.read_only || m.is_safe())
        .collect();
        if candidates.is_empty() {
            return result(if settings.read_only {
                Outcome::Skipped {
                    reason: "read-only environment".into(),
                }
            } else {
                Outcome::NotApplicable {
                    reason: "every method is documented on this path".into(),
                }
            });
        }
        // Path parameters come from the first documented operation's data (its schemas bundled).
        let Some(template) = ops.first().and_then(|o| self.operation(&o.id)) else {
            return result(Outcome::NotApplicable {
                reason: "no operation on this path".into(),
            });
        };
        let planned = match self.plan(template).await {
            Ok(p) => Planned {
                body: None,
                ..(*p).clone()
            },
            Err(unsent) => return result(unsent.outcome(check)),
        };
        let allowed: Vec<&str> = documented.iter().map(|m| m.as_str()).collect();
        // A method another documented template answers for this URL is not undocumented here.
        let concrete = planned.path.split('?').next().unwrap_or_default();
        let mut overlapping: Vec<String> = Vec::new();
        let candidates: Vec<Method> = candidates
            .into_iter()
            .filter(|m| {
                let other = self.api.operations.iter().find(|o| {
                    o.method == *m
                        && o.path != path
                        && contractgate_spec::path::PathTemplate::parse(&o.path).matches(concrete)
                });
                if let Some(o) = other {
                    overlapping.push(format!("{} {}", o.method, o.path));
                }
                other.is_none()
            })
            .collect();
        if candidates.is_empty() {
            return result(Outcome::NotApplicable {
                reason: format!(
                    "every undocumented method of {concrete} is documented on an overlapping path ({})",
                    overlapping.join(", ")
                ),
            });
        }
        for method in candidates {
            let (wire, curl) = self.build(template, method, &planned, true);
            let exchange = match self
                .send(
                    template,
                    Arc::new(wire),
                    Arc::new(curl),
                    planned.notes.clone(),
                )
                .await
            {
                Ok(e) => e,
                Err(unsent) => return result(unsent.outcome(check)),
            };
            if let Verdict::Fail(mut finding) = self::check(&exchange) {
                finding.documented = Some(format!(
                    "{} (documented methods: {}); others must answer 404 or 405",
                    path,
                    allowed.join(", ")
                ));
                let mut failure = self.failure(template, check, finding, Some(&exchange));
                failure.operation = OperationInfo {
                    method: method.as_str().to_owned(),
                    ..OperationInfo::path(path)
                };
                return result(Outcome::Failed(Box::new(failure)));
            }
        }
        result(Outcome::Passed {
            warnings: Vec::new(),
        })
    }
}

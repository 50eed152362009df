//! Checks users add, in Rust, for invariants a spec cannot say ("every response carries
//! `x-request-id`", "`GET /user/profile` returns the caller's id"), and a request hook (sign a
//! request, add a header computed from the body).
//!
//! A custom check is a function that looks at one operation's positive exchange (the request the
//! built-in checks judge) and returns `Some(Finding)` when the invariant breaks, `None` when it
//! holds. Register it where
//! the generated tests are included, optionally scoped to operations by selector; it becomes one
//! test per check (`contract::custom::x_request_id`) that runs it on every operation in scope and
//! fails with the usual text (operation, Received/Documented, `curl` line, response excerpt, secrets
//! redacted), once per failing operation:
//!
//! ```ignore
//! use contractgate::custom::Observed;
//! use contractgate::Finding;
//!
//! fn x_request_id(seen: &Observed<'_>) -> Option<Finding> {
//!     seen.response.header("x-request-id").is_none().then(|| {
//!         Finding::new("the response has no x-request-id header")
//!             .received(format!("{} without x-request-id", seen.response.status))
//!             .documented("every response carries x-request-id (the team's logging contract)")
//!     })
//! }
//!
//! contractgate::include_tests!("openapi", target = service, checks = [
//!     x_request_id,                          // every operation
//!     profile_is_callers("getUserProfile"),  // only the operations these selectors pick
//! ]);
//! ```
//!
//! The request hook goes on the target ([`Target::with_request_hook`](crate::Target)): it sees
//! every request (positive, negative, without credentials, link sources) right before it is sent.

use std::fmt;
use std::sync::Arc;

use contractgate_spec::ir::Operation;

use crate::checks::{Check, Verdict};
use crate::client::{Received, WireRequest};
use crate::failure::{Failure, Finding, OperationInfo};
use crate::runner::{CheckResult, Harness, Outcome, Positive};

/// What a custom check sees: the operation, the request as sent (secrets included: never put
/// them in a finding, they are redacted from its text anyway) and the response.
#[derive(Debug)]
pub struct Observed<'a> {
    /// The operation, as the spec describes it. Its schemas refer to the API's shared schemas as
    /// `#/$defs/<name>`; `api.bundle_operation(operation)` gives a copy whose schemas stand alone.
    pub operation: &'a Operation,
    /// The API the operation belongs to (its shared schemas: [`Api::schemas`](contractgate_spec::ir::Api::schemas)).
    pub api: &'a contractgate_spec::ir::Api,
    /// The request as it went on the wire.
    pub request: &'a WireRequest,
    /// The response.
    pub response: &'a Received,
}

/// A custom check's function: `None` when the invariant holds, else what is wrong.
pub type CheckFn = fn(&Observed<'_>) -> Option<Finding>;

/// A check a user adds: its name (the test's name, and the failure's headline), its function,
/// and the operations it applies to (selectors as in `contractgate run --include`; none: every
/// operation).
#[derive(Clone, Copy, Debug)]
pub struct CustomCheck {
    /// `x_request_id`.
    pub name: &'static str,
    /// The function.
    pub check: CheckFn,
    /// Selectors of the operations in scope (`getUserProfile`, `tag:users`, `GET /users/{id}`);
    /// empty: every operation.
    pub scope: &'static [&'static str],
}

/// A function that changes every request right before it is sent: sign it, add a header
/// computed from the body. Headers it adds appear in the failure's `curl` line too.
#[derive(Clone)]
pub struct RequestHook(pub Arc<dyn Fn(&mut WireRequest) + Send + Sync>);

impl RequestHook {
    /// A hook from a function.
    pub fn new(hook: impl Fn(&mut WireRequest) + Send + Sync + 'static) -> RequestHook {
        RequestHook(Arc::new(hook))
    }
}

impl fmt::Debug for RequestHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RequestHook(..)")
    }
}

impl Harness {
    /// Runs a custom check on one operation: on its positive exchange (sent as for the built-in
    /// checks), with the same preconditions (skips, read-only, unsupported features) and the same
    /// rule for a refused request (not exercised, never passed). Failures carry the check's name.
    pub async fn check_custom(&self, operation_id: &str, custom: &CustomCheck) -> CheckResult {
        let mut result = self.check_custom_unjudged(operation_id, custom).await;
        self.apply_baseline(&mut result);
        result
    }

    async fn check_custom_unjudged(&self, operation_id: &str, custom: &CustomCheck) -> CheckResult {
        let check = Check::Custom;
        let Some(op) = self.operation(operation_id) else {
            let failure = Failure {
                check,
                severity: check.severity(),
                operation: OperationInfo::path(operation_id),
                finding: Finding::new(format!("no operation `{operation_id}` in the API")),
                request: None,
                response: None,
                not_exercised: false,
                custom_name: Some(custom.name.to_owned()),
                flaky: None,
            };
            return CheckResult {
                check,
                subject: std::sync::Arc::new(OperationInfo::path(operation_id)),
                outcome: Outcome::Errored(Box::new(failure)),
            };
        };
        let mut outcome = match self.precondition(op, check) {
            Some(outcome) => outcome,
            None => match self.positive_exchange(op).await {
                Positive::Failed(unsent) => unsent.outcome(check),
                Positive::Sent(exchange) => {
                    let seen = Observed {
                        operation: op,
                        api: self.api(),
                        request: &exchange.wire,
                        response: &exchange.response,
                    };
                    let verdict = match (custom.check)(&seen) {
                        None => Verdict::Pass(Vec::new()),
                        Some(finding) => Verdict::Fail(finding),
                    };
                    self.outcome(op, check, verdict, &exchange)
                }
            },
        };
        if let Outcome::Failed(f) | Outcome::NotExercised(f) | Outcome::Errored(f) = &mut outcome {
            f.custom_name = Some(custom.name.to_owned());
        }
        CheckResult {
            check,
            subject: std::sync::Arc::new(OperationInfo::of(op)),
            outcome,
        }
    }
}

//! Running checks: the async [`Harness`] the CLI drives and generated tests call (through
//! [`run_check`](crate::run_check) and its family in `include.rs`). It only drives: requests are
//! built in `request.rs`, link sources sent in `links/source.rs`, and each check, with the
//! requests of its own it may send, lives in `checks/<name>.rs`.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use contractgate_spec::ir::{Api, Operation};
use serde::{Deserialize, Serialize};

use crate::checks::{self, Check, Context, Verdict};
use crate::client::{self, Exchange, TransportError, WireRequest};
use crate::curl::CurlRequest;
use crate::data::{self, Planned};
use crate::failure::{Failure, Finding, OperationInfo, Severity};
use crate::links::Graph;
use crate::links::source::SourceCell;
use crate::redact::Redactor;
use crate::schema::ValidatorCache;
use crate::target::{Target, TargetError};

/// What happened to one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The contract holds (warnings, if any, are worth reading).
    Passed {
        /// Warnings (e.g. undeclared properties when not strict).
        warnings: Vec<String>,
    },
    /// The contract is broken.
    Failed(Box<Failure>),
    /// The server rejected the positive request with 4xx: the route was not exercised, so nothing
    /// was proven. Reported so it is visible, never as a pass.
    NotExercised(Box<Failure>),
    /// The check could not run: no request could be built, or the target did not answer.
    Errored(Box<Failure>),
    /// A failure the baseline accepts for now: reported, but it fails neither run nor test.
    Known {
        /// The failure.
        failure: Box<Failure>,
        /// Why it is accepted (from the baseline entry).
        reason: String,
    },
    /// Not run, by configuration (read-only environment, skip, check turned off, budget spent).
    Skipped {
        /// Why.
        reason: String,
    },
    /// The check cannot apply to this operation (e.g. `auth_enforced` on an open operation).
    NotApplicable {
        /// Why.
        reason: String,
    },
}

/// The result of one check on one operation (or path).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    /// The check.
    pub check: Check,
    /// The operation or path (shared by the results of one operation's checks).
    pub subject: Arc<OperationInfo>,
    /// What happened.
    pub outcome: Outcome,
}

impl CheckResult {
    /// Failed, not exercised or errored: a test should fail.
    pub fn is_failure(&self) -> bool {
        self.failure().is_some()
    }

    /// The failure, when there is one.
    pub fn failure(&self) -> Option<&Failure> {
        match &self.outcome {
            Outcome::Failed(f) | Outcome::NotExercised(f) | Outcome::Errored(f) => Some(f),
            _ => None,
        }
    }
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = self.subject.describe();
        match &self.outcome {
            Outcome::Passed { warnings } => {
                write!(f, "{} passed: {who}", self.check)?;
                for w in warnings {
                    write!(f, "\n  warning: {w}")?;
                }
                Ok(())
            }
            Outcome::Failed(failure)
            | Outcome::NotExercised(failure)
            | Outcome::Errored(failure) => {
                write!(f, "{failure}")
            }
            Outcome::Known { failure, reason } => {
                write!(
                    f,
                    "known failure, accepted by the baseline ({reason}):\n{failure}"
                )
            }
            Outcome::Skipped { reason } => write!(f, "{} skipped: {reason} ({who})", self.check),
            Outcome::NotApplicable { reason } => {
                write!(f, "{} does not apply: {reason} ({who})", self.check)
            }
        }
    }
}

/// An error setting up a harness.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// The embedded IR does not parse.
    #[error("the embedded API description does not parse: {0}")]
    Ir(#[from] serde_json::Error),
    /// No target.
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// Runs checks of one API against one target. Cheap to share (`Arc`); validators are compiled
/// once per schema and cached.
#[derive(Debug)]
pub struct Harness {
    /// The API as loaded: schemas refer to its registry ([`Api::schemas`]), and are walked and
    /// validated in place (see [`crate::schema`]), never copied per operation.
    pub(crate) api: Arc<Api>,
    /// Operation index by id.
    pub(crate) index: HashMap<String, usize>,
    pub(crate) target: Target,
    pub(crate) redactor: Arc<Redactor>,
    pub(crate) validators: ValidatorCache,
    sent: AtomicU64,
    next_slot: tokio::sync::Mutex<Option<Instant>>,
    pub(crate) plans: Mutex<HashMap<String, Arc<Planned>>>,
    built: Mutex<HashMap<String, (u32, Built)>>,
    /// The status of each operation's latest positive exchange (checks that judge a request of
    /// their own compare with it).
    positive_status: Mutex<HashMap<String, u16>>,
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
    /// Which link gives which value (decided on first use).
    pub(crate) links: OnceLock<Graph>,
    /// The exchange of each link source, sent once: by (source operation id, whether it is the
    /// instance for DELETE targets).
    pub(crate) sources: Mutex<HashMap<(String, bool), SourceCell>>,
    /// Tokens the harness obtains (OAuth 2 client credentials, a login), with the redactor that
    /// knows them too; or why they could not be obtained.
    pub(crate) tokens: crate::tokens::TokenState,
    /// The accepted failures of `settings.baseline`, or why the file could not be read.
    baseline: Option<Result<crate::baseline::Baseline, String>>,
    /// Today, for the baseline's expiry dates.
    today: String,
    /// What was sent to and seen from each operation ([`Harness::coverage`]).
    pub(crate) seen: crate::coverage::SeenMap,
    /// Operations whose refused request was already followed by other requests.
    tried_alternatives: Mutex<std::collections::HashSet<String>>,
    /// The file of minimal failing cases (`settings.regressions`), as read at the start.
    pub(crate) regressions: Option<crate::cases::Regressions>,
    /// Per operation: held by requests that must not interleave with others to the same
    /// operation (an update and its read back; the generated cases).
    op_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Resources created, for [`Harness::clean_up`].
    pub(crate) created: Mutex<Vec<crate::cleanup::Created>>,
    /// Create operation → the DELETE a link connects it to (decided on first use).
    pub(crate) deleters: OnceLock<HashMap<usize, usize>>,
}

/// A positive request built once per operation: the wire request and its curl twin.
type Built = (Arc<WireRequest>, Arc<CurlRequest>);

/// A boxed future (the planning of a link target awaits the planning of its sources).
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The positive exchange, or why there is none.
pub(crate) enum Positive {
    Sent(Box<Exchange>),
    Failed(Unsent),
}

/// Why a request was not judged: it was not sent by configuration, or it could not be built,
/// sent or answered. No check's verdict: it becomes the outcome of whichever check needed the
/// request ([`Unsent::outcome`]).
#[derive(Clone, Debug)]
pub(crate) enum Unsent {
    /// Not sent by configuration (the request budget is spent).
    Skipped(String),
    /// No request could be built, the HTTP client could not be set up, or no answer came back.
    Error(Box<SetupError>),
}

/// What went wrong before any check could judge an answer (secrets already redacted).
#[derive(Clone, Debug)]
pub(crate) struct SetupError {
    operation: OperationInfo,
    finding: Finding,
    /// The request, when one was sent and got no answer.
    request: Option<crate::failure::RequestRecord>,
}

impl Unsent {
    /// The outcome of `check`, which needed the request: skipped, or errored (critical: nothing
    /// about the contract could be judged).
    pub(crate) fn outcome(&self, check: Check) -> Outcome {
        match self {
            Unsent::Skipped(reason) => Outcome::Skipped {
                reason: reason.clone(),
            },
            Unsent::Error(e) => Outcome::Errored(Box::new(Failure {
                check,
                severity: Severity::Critical,
                operation: e.operation.clone(),
                finding: e.finding.clone(),
                request: e.request.clone(),
                response: None,
                not_exercised: false,
                custom_name: None,
                flaky: None,
            })),
        }
    }

    /// One line: the reason, or the title with the `Received` line or first detail.
    pub(crate) fn describe(&self) -> String {
        match self {
            Unsent::Skipped(reason) => reason.clone(),
            Unsent::Error(e) => {
                let more = e
                    .finding
                    .received
                    .clone()
                    .or_else(|| e.finding.details.first().cloned());
                match more {
                    Some(m) => format!("{} ({m})", e.finding.title),
                    None => e.finding.title.clone(),
                }
            }
        }
    }

    /// The first detail of an error where no request could be built (nothing was sent).
    pub(crate) fn unbuildable(&self) -> Option<Option<&str>> {
        match self {
            Unsent::Error(e) if e.request.is_none() => {
                Some(e.finding.details.first().map(String::as_str))
            }
            _ => None,
        }
    }
}

impl Harness {
    /// A harness for `api` against `target`. Credentials named by the target's settings and not yet
    /// read are read from the process environment.
    pub fn new(api: Arc<Api>, mut target: Target) -> Harness {
        let index = api
            .operations
            .iter()
            .enumerate()
            .map(|(i, op)| (op.id.clone(), i))
            .collect();
        target.read_secrets(Some(&api), &|name| std::env::var(name).ok());
        let baseline = target
            .settings
            .baseline
            .as_deref()
            .map(crate::baseline::Baseline::load);
        let regressions = target
            .settings
            .regressions
            .path(Some(std::path::Path::new(&api.source)))
            .map(|p| crate::cases::Regressions::load(&p));
        Harness {
            redactor: Arc::new(target.redactor()),
            validators: ValidatorCache::for_api(Arc::clone(&api)),
            api,
            index,
            target,
            sent: AtomicU64::new(0),
            next_slot: tokio::sync::Mutex::new(None),
            plans: Mutex::new(HashMap::new()),
            built: Mutex::new(HashMap::new()),
            positive_status: Mutex::new(HashMap::new()),
            client: std::sync::OnceLock::new(),
            links: OnceLock::new(),
            sources: Mutex::new(HashMap::new()),
            tokens: crate::tokens::TokenState::default(),
            baseline,
            today: crate::baseline::today(),
            seen: crate::coverage::SeenMap::default(),
            tried_alternatives: Mutex::new(std::collections::HashSet::new()),
            regressions,
            op_locks: Mutex::new(HashMap::new()),
            created: Mutex::new(Vec::new()),
            deleters: OnceLock::new(),
        }
    }

    /// A harness from IR JSON (what codegen embeds).
    pub fn from_json(api_json: &str, target: Target) -> Result<Harness, HarnessError> {
        Ok(Harness::new(Arc::new(Api::from_json(api_json)?), target))
    }

    /// The API.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The operation `id`. Its schemas refer to shared ones as `#/$defs/<name>`, found in
    /// [`Api::schemas`] of [`Harness::api`] ([`Api::bundle_operation`] makes a self-contained
    /// copy).
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operation_at(*self.index.get(id)?)
    }

    /// The operation at `index` in [`Api::operations`].
    pub(crate) fn operation_at(&self, index: usize) -> Option<&Operation> {
        self.api.operations.get(index)
    }

    /// Every operation, in document order.
    pub(crate) fn operations(&self) -> impl Iterator<Item = &Operation> {
        self.api.operations.iter()
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The redactor for this target's secrets (for reports written by the caller); it knows the
    /// tokens the harness obtained too.
    pub fn redactor(&self) -> Arc<Redactor> {
        match self.tokens.tokens() {
            Some(tokens) => Arc::clone(&tokens.redactor),
            None => Arc::clone(&self.redactor),
        }
    }

    /// Runs one check on one operation (for `method_not_allowed`, use [`Harness::check_path`]).
    pub async fn check(&self, operation_id: &str, check: Check) -> CheckResult {
        let mut results = self.check_operation(operation_id, &[check]).await;
        results.pop().unwrap_or_else(|| CheckResult {
            check,
            subject: Arc::new(OperationInfo::path(operation_id)),
            outcome: Outcome::NotApplicable {
                reason: "nothing was run".into(),
            },
        })
    }

    /// Runs several checks on one operation; the checks that judge the positive request share one
    /// exchange. Results are in the order of `checks`. A failure the target's baseline accepts is
    /// [`Outcome::Known`].
    pub async fn check_operation(&self, operation_id: &str, checks: &[Check]) -> Vec<CheckResult> {
        let mut results = self.check_operation_unjudged(operation_id, checks).await;
        for r in &mut results {
            self.apply_baseline(r);
        }
        results
    }

    /// A failure the baseline accepts becomes [`Outcome::Known`]; a baseline that could not be
    /// read errors every result that would otherwise pass or fail silently.
    pub(crate) fn apply_baseline(&self, result: &mut CheckResult) {
        match &self.baseline {
            None => {}
            Some(Ok(baseline)) => baseline.apply(result, &self.today),
            Some(Err(why)) => {
                if matches!(
                    result.outcome,
                    Outcome::Passed { .. } | Outcome::Failed(_) | Outcome::NotExercised(_)
                ) {
                    result.outcome = Outcome::Errored(Box::new(Failure {
                        check: result.check,
                        severity: Severity::Critical,
                        operation: (*result.subject).clone(),
                        finding: Finding::new("the baseline file could not be read")
                            .detail(why.clone()),
                        request: None,
                        response: None,
                        not_exercised: false,
                        custom_name: None,
                        flaky: None,
                    }));
                }
            }
        }
    }

    async fn check_operation_unjudged(
        &self,
        operation_id: &str,
        checks: &[Check],
    ) -> Vec<CheckResult> {
        let Some(op) = self.operation(operation_id) else {
            let known: Vec<&str> = self
                .api
                .operations
                .iter()
                .map(|o| o.id.as_str())
                .take(20)
                .collect();
            return checks
                .iter()
                .map(|&check| CheckResult {
                    check,
                    subject: Arc::new(OperationInfo::path(operation_id)),
                    outcome: Outcome::Errored(Box::new(Failure {
                        check,
                        severity: Severity::Critical,
                        operation: OperationInfo::path(operation_id),
                        finding: Finding::new(format!("no operation `{operation_id}` in the API"))
                            .detail(format!("Operations: {}", known.join(", "))),
                        request: None,
                        response: None,
                        not_exercised: false,
                        custom_name: None,
                        flaky: None,
                    })),
                })
                .collect();
        };
        let info = Arc::new(OperationInfo::of(op));
        let mut outcomes: Vec<Option<Outcome>> =
            checks.iter().map(|&c| self.precondition(op, c)).collect();
        let needs_positive = checks
            .iter()
            .zip(&outcomes)
            .any(|(c, o)| o.is_none() && c.uses_positive_exchange());
        let positive = if needs_positive {
            Some(self.positive_exchange(op).await)
        } else {
            None
        };
        for (i, &check) in checks.iter().enumerate() {
            if outcomes[i].is_some() {
                continue;
            }
            let outcome = if check.uses_positive_exchange() {
                match &positive {
                    Some(Positive::Sent(exchange)) => match check {
                        Check::ResourceAvailability => self.resource_availability(op, exchange),
                        Check::UseAfterFree => self.use_after_free(op, exchange).await,
                        Check::ReadAfterWrite => self.read_after_write(op, exchange).await,
                        _ => self.judge(op, check, exchange),
                    },
                    Some(Positive::Failed(unsent)) => unsent.outcome(check),
                    None => Outcome::NotApplicable {
                        reason: "nothing was sent".into(),
                    },
                }
            } else {
                match check {
                    Check::AuthEnforced => self.auth_enforced(op).await,
                    Check::NegativeDataRejection => self.negative_data_rejection(op).await,
                    Check::MethodNotAllowed => Outcome::NotApplicable {
                        reason: "method_not_allowed is checked per path (Harness::check_path / run_path_check)".into(),
                    },
                    _ => Outcome::NotApplicable {
                        reason: format!("{check} is not implemented yet"),
                    },
                }
            };
            outcomes[i] = Some(outcome);
        }
        // A failure on the shared exchange: send the same request again. A check that passes on
        // the second answer is flaky (a race, an intermittent fault): it still fails, and says so.
        let failed_positive: Vec<usize> = checks
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                c.uses_positive_exchange() && matches!(outcomes[*i], Some(Outcome::Failed(_)))
            })
            .map(|(i, _)| i)
            .collect();
        if !failed_positive.is_empty()
            && let Some(Positive::Sent(_)) = &positive
            && let Positive::Sent(again) = self.positive_exchange(op).await
        {
            for i in failed_positive {
                // Passed, or refused (a 404 the second time). The state checks judge more than
                // this one exchange: sending it again says nothing about them.
                let stateful = matches!(
                    checks[i],
                    Check::ResourceAvailability | Check::UseAfterFree | Check::ReadAfterWrite
                );
                if !stateful
                    && matches!(
                        self.judge(op, checks[i], &again),
                        Outcome::Passed { .. } | Outcome::NotExercised(_)
                    )
                    && let Some(Outcome::Failed(f)) = &mut outcomes[i]
                {
                    f.flaky = Some(format!(
                        "{} {} in {} ms",
                        again.response.status,
                        crate::failure::reason_phrase(again.response.status),
                        again.response.elapsed.as_millis()
                    ));
                }
            }
        }
        // More cases (`cases`, and the regressions file): for the checks that held on this one.
        if let Some(Positive::Sent(_)) = &positive {
            self.explore(op, checks, &mut outcomes).await;
        }
        checks
            .iter()
            .zip(outcomes)
            .map(|(&check, outcome)| CheckResult {
                check,
                subject: Arc::clone(&info),
                outcome: outcome.unwrap_or(Outcome::NotApplicable {
                    reason: "nothing was run".into(),
                }),
            })
            .collect()
    }

    /// Why a check is not run on `op`, if it is not.
    pub(crate) fn precondition(&self, op: &Operation, check: Check) -> Option<Outcome> {
        let settings = &self.target.settings;
        let skip = |reason: String| Some(Outcome::Skipped { reason });
        let na = |reason: &str| {
            Some(Outcome::NotApplicable {
                reason: reason.to_owned(),
            })
        };
        if settings.disabled.contains(&check) {
            return skip("turned off in the configuration".into());
        }
        if let Some(reason) = settings.skip.get(&op.id) {
            return skip(format!("operation skipped by the configuration: {reason}"));
        }
        if let Some(u) = op.unsupported.first() {
            return skip(format!(
                "not supported by contractgate yet: {} (at {})",
                u.feature, u.location
            ));
        }
        if settings.read_only && !op.method.is_safe() {
            return skip("read-only environment".into());
        }
        // A defect of the spec is the spec's failure, named where it is; never a silent skip.
        // (Checks that cannot apply to the operation anyway still say so.)
        if let Some(reason) = check.not_applicable(op) {
            return na(reason);
        }
        if !op.spec_defects.is_empty() {
            let mut finding = Finding::new("the spec is invalid for this operation");
            for d in &op.spec_defects {
                finding = finding.detail(format!("{} (at {})", d.feature, d.location));
            }
            finding = finding.detail(SPEC_FIX);
            return Some(self.setup_error(op, finding, None).outcome(check));
        }
        if check == Check::LatencyBudget && settings.latency_budget.is_none() {
            return na(
                "no latency budget is configured (set `latency_budget_ms` in the environment)",
            );
        }
        check.not_applicable(op).and_then(na)
    }

    pub(crate) fn judge(&self, op: &Operation, check: Check, exchange: &Exchange) -> Outcome {
        let ctx = self.context(op);
        let verdict = checks::judge(check, &ctx, exchange);
        self.outcome(op, check, verdict, exchange)
    }

    /// The outcome of a verdict on the positive exchange: a pass on a refused request (4xx) is
    /// not exercised.
    pub(crate) fn outcome(
        &self,
        op: &Operation,
        check: Check,
        verdict: Verdict,
        exchange: &Exchange,
    ) -> Outcome {
        let status = exchange.response.status;
        match verdict {
            Verdict::Fail(finding) => {
                Outcome::Failed(Box::new(self.failure(op, check, finding, Some(exchange))))
            }
            Verdict::NotApplicable(reason) => Outcome::NotApplicable { reason },
            Verdict::Pass(warnings) if (400..500).contains(&status) => {
                let mut finding = Finding::new(format!(
                    "the server answered {} to the request built from the spec, so the route was not exercised",
                    answered(op, status)
                ))
                .received(exchange.response.status_and_type())
                .documented(success_statuses(op));
                let linked = self.plan_was_linked(op);
                if let Some(hint) = self.missing_credentials(op) {
                    finding = finding.detail(hint);
                } else if linked {
                    finding = finding.detail(
                        "The server refused the request built from values of links (see the notes), the spec's examples and synthesized data. Give working values as fixtures: [environments.<name>.fixtures.<operation id>] params = { ... } / body = ...",
                    );
                } else {
                    finding = finding.detail(
                        "The server refused the request built from the spec's examples and synthesized data. Give working values as fixtures: [environments.<name>.fixtures.<operation id>] params = { ... } / body = ...",
                    );
                }
                finding.warnings = warnings;
                self.not_exercised(op, check, finding, exchange)
            }
            Verdict::Pass(warnings) => Outcome::Passed { warnings },
        }
    }

    /// The lock of operation `id` (see `op_locks`).
    pub(crate) fn op_lock(&self, id: &str) -> Arc<tokio::sync::Mutex<()>> {
        match self.op_locks.lock() {
            Ok(mut locks) => Arc::clone(locks.entry(id.to_owned()).or_default()),
            Err(_) => Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    /// Whether the cached plan of `op` took values from links.
    pub(crate) fn plan_was_linked(&self, op: &Operation) -> bool {
        self.plans
            .lock()
            .ok()
            .and_then(|p| p.get(&op.id).map(|p| p.linked))
            .unwrap_or(false)
    }

    /// A check that proved nothing because its exchange never reached the handler.
    pub(crate) fn not_exercised(
        &self,
        op: &Operation,
        check: Check,
        finding: Finding,
        exchange: &Exchange,
    ) -> Outcome {
        let mut failure = self.failure(op, check, finding, Some(exchange));
        failure.not_exercised = true;
        Outcome::NotExercised(Box::new(failure))
    }

    pub(crate) fn context<'a>(&'a self, op: &'a Operation) -> Context<'a> {
        Context {
            harness: self,
            operation: op,
            settings: &self.target.settings,
            validators: &self.validators,
        }
    }

    pub(crate) fn failure(
        &self,
        op: &Operation,
        check: Check,
        finding: Finding,
        exchange: Option<&Exchange>,
    ) -> Failure {
        let mut finding = finding;
        let r = self.redactor();
        finding.title = r.redact(&finding.title);
        finding.received = finding.received.map(|s| r.redact(&s));
        finding.details = finding.details.iter().map(|s| r.redact(s)).collect();
        for e in &mut finding.schema_errors {
            e.message = r.redact(&e.message);
        }
        Failure {
            check,
            severity: check.severity(),
            operation: OperationInfo::of(op),
            finding,
            request: exchange.map(|e| {
                let mut record = e.request_record(&r);
                record.replay = self.replay_of(&e.wire);
                record
            }),
            response: exchange.map(|e| e.response_record(&r)),
            not_exercised: false,
            custom_name: None,
            flaky: None,
        }
    }

    pub(crate) async fn positive_exchange(&self, op: &Operation) -> Positive {
        let planned = match self.plan(op).await {
            Ok(p) => p,
            Err(unsent) => return Positive::Failed(unsent),
        };
        // Built again when the harness obtained new tokens since.
        let generation = self.tokens.generation();
        let cached = self
            .built
            .lock()
            .ok()
            .and_then(|b| b.get(&op.id).filter(|(g, _)| *g == generation).cloned());
        let (wire, curl) = match cached {
            Some((_, pair)) => pair,
            None => {
                let (wire, curl) = self.build(op, op.method, &planned, true);
                let pair = (Arc::new(wire), Arc::new(curl));
                if let Ok(mut b) = self.built.lock() {
                    b.insert(op.id.clone(), (generation, pair.clone()));
                }
                pair
            }
        };
        match self.send(op, wire, curl, planned.notes.clone()).await {
            Ok(mut exchange) => {
                self.saw_positive(op, &planned, exchange.response.status);
                if refused(exchange.response.status) {
                    match self.alternatives(op, &exchange).await {
                        Ok(better) => exchange = better,
                        Err(tried) => exchange.notes.extend(tried),
                    }
                }
                if let Ok(mut statuses) = self.positive_status.lock() {
                    statuses.insert(op.id.clone(), exchange.response.status);
                }
                Positive::Sent(Box::new(exchange))
            }
            Err(unsent) => Positive::Failed(unsent),
        }
    }

    /// When the request built from the spec is refused: other requests for `op` (values
    /// synthesized from the schemas, without the examples, with other seeds), up to
    /// `settings.alternatives`, until one gets a 2xx or a 5xx. That one becomes the operation's positive
    /// request (plan and built request cached, a note says what it is). Otherwise the lines that
    /// say what was tried. Tried once per operation and harness.
    async fn alternatives(
        &self,
        op: &Operation,
        first: &Exchange,
    ) -> Result<Exchange, Vec<String>> {
        let settings = &self.target.settings;
        let n = settings.alternatives;
        let first_again = match self.tried_alternatives.lock() {
            Ok(mut tried) => tried.insert(op.id.clone()),
            Err(_) => false,
        };
        if n == 0 || !first_again {
            return Err(Vec::new());
        }
        let (linked, _) = self.linked(op).await;
        let fixtures = self.fixtures_for(op, &linked);
        let first_status = answered(op, first.response.status);
        let mut seen = vec![(first.wire.url.clone(), first.wire.body.clone())];
        let mut answers: Vec<String> = Vec::new();
        for k in 0..n {
            let seed = settings.seed.wrapping_add(1 + k as u64);
            let Ok(planned) = data::plan_with(
                op,
                fixtures.as_ref(),
                &linked,
                seed,
                &self.validators,
                false,
            ) else {
                break;
            };
            let (wire, curl) = self.build(op, op.method, &planned, true);
            // The same request again proves nothing (every value fixed, or no schema to vary).
            if seen.contains(&(wire.url.clone(), wire.body.clone())) {
                continue;
            }
            seen.push((wire.url.clone(), wire.body.clone()));
            let mut notes = planned.notes.clone();
            notes.push(format!(
                "the request built from the spec was answered {first_status}; this one, with values synthesized from the schemas (seed {seed}), was sent instead"
            ));
            let (wire, curl) = (Arc::new(wire), Arc::new(curl));
            let Ok(exchange) = self
                .send(op, Arc::clone(&wire), Arc::clone(&curl), notes)
                .await
            else {
                break;
            };
            let status = exchange.response.status;
            self.saw_positive(op, &planned, status);
            // A 2xx reached the handler; so did a 5xx (it crashed there: a valid request that
            // `not_server_error` fails on, as it would on the first request).
            if (200..300).contains(&status) || (500..600).contains(&status) {
                if let Ok(mut plans) = self.plans.lock() {
                    plans.insert(op.id.clone(), Arc::new(planned));
                }
                if let Ok(mut b) = self.built.lock() {
                    b.insert(op.id.clone(), (self.tokens.generation(), (wire, curl)));
                }
                return Ok(exchange);
            }
            answers.push(format!("{status} (seed {seed})"));
        }
        if answers.is_empty() {
            return Err(Vec::new());
        }
        Err(vec![format!(
            "also tried {} other request(s) with values synthesized from the schemas: answered {}",
            answers.len(),
            answers.join(", ")
        )])
    }

    /// The status the positive request of `op` got: the latest one sent, or a new one. `None`
    /// when it got no answer.
    pub(crate) async fn positive_status(&self, op: &Operation) -> Option<u16> {
        let known = self
            .positive_status
            .lock()
            .ok()
            .and_then(|s| s.get(&op.id).copied());
        if known.is_some() {
            return known;
        }
        match self.positive_exchange(op).await {
            Positive::Sent(exchange) => Some(exchange.response.status),
            Positive::Failed(_) => None,
        }
    }

    /// The positive request data of `op`: fixtures, values from links, examples, synthesized
    /// values. Deterministic for the settings (a link source is sent once per harness), so built
    /// once and cached.
    pub(crate) fn plan<'a>(
        &'a self,
        op: &'a Operation,
    ) -> BoxFuture<'a, Result<Arc<Planned>, Unsent>> {
        Box::pin(async move {
            if let Err(why) = self.obtain_credentials().await {
                return Err(self.setup_error(
                    op,
                    Finding::new("the credentials could not be obtained").detail(why),
                    None,
                ));
            }
            if let Ok(plans) = self.plans.lock()
                && let Some(p) = plans.get(&op.id)
            {
                return Ok(Arc::clone(p));
            }
            let (linked, link_notes) = self.linked(op).await;
            let settings = &self.target.settings;
            // The login operation's own checks send the login's values unless fixtures say.
            let fixtures = self.fixtures_for(op, &linked);
            let mut planned = data::plan(
                op,
                fixtures.as_ref(),
                &linked,
                settings.seed,
                &self.validators,
            )
            .map_err(|e| {
                let mut finding = Finding::new("no request could be built").detail(e.0);
                // Where the spec breaks OpenAPI inside this operation: the likely cause.
                if !op.spec_violations.is_empty() {
                    finding =
                        finding.detail("The spec is invalid here, which is the likely cause:");
                    for v in &op.spec_violations {
                        finding = finding.detail(format!("  {} (at {})", v.feature, v.location));
                    }
                    finding = finding.detail(SPEC_FIX);
                }
                self.setup_error(op, finding, None)
            })?;
            if !link_notes.is_empty() {
                planned.notes.splice(0..0, link_notes);
            }
            let planned = Arc::new(planned);
            // Concurrent callers build the same plan; the first one stored is kept.
            Ok(match self.plans.lock() {
                Ok(mut plans) => Arc::clone(
                    plans
                        .entry(op.id.clone())
                        .or_insert_with(|| Arc::clone(&planned)),
                ),
                Err(_) => planned,
            })
        })
    }

    /// The values `op`'s requests start from: its fixtures (or, for the login operation, the
    /// login's values), with the environment's `params` where neither they nor a link give one.
    pub(crate) fn fixtures_for(
        &self,
        op: &Operation,
        linked: &data::Linked,
    ) -> Option<crate::config::OperationFixtures> {
        let login = self.login_fixtures(op);
        let own = self.target.settings.fixtures.get(&op.id).or(login.as_ref());
        self.with_environment_params(op, own, linked)
    }

    /// `fixtures` with the environment's parameter values (`params`, by name or `location:name`)
    /// for the parameters of `op` that neither the fixtures nor a link give a value.
    fn with_environment_params(
        &self,
        op: &Operation,
        fixtures: Option<&crate::config::OperationFixtures>,
        linked: &data::Linked,
    ) -> Option<crate::config::OperationFixtures> {
        let params = &self.target.settings.params;
        if params.is_empty() {
            return fixtures.cloned();
        }
        let mut out = fixtures.cloned().unwrap_or_default();
        for p in &op.parameters {
            if out.params.contains_key(&p.name) || linked.has_param(p) {
                continue;
            }
            let value = params
                .get(&format!("{}:{}", p.location.as_str(), p.name))
                .or_else(|| params.get(&p.name));
            if let Some(v) = value {
                out.params.insert(p.name.clone(), v.clone());
            }
        }
        Some(out)
    }

    /// Sends a request, honouring the budget and rate limit; transport errors become outcomes. A
    /// token the harness obtained that is answered 401 is obtained again (once) and the request
    /// sent again with it.
    pub(crate) async fn send(
        &self,
        op: &Operation,
        wire: Arc<WireRequest>,
        curl: Arc<CurlRequest>,
        notes: Vec<String>,
    ) -> Result<Exchange, Unsent> {
        let exchange = self.send_once(op, wire, curl, notes).await?;
        self.saw(op, &exchange.wire, exchange.response.status);
        self.remember_created(op, &exchange);
        if exchange.response.status != 401 {
            return Ok(exchange);
        }
        let Some(used) = self.tokens.tokens() else {
            return Ok(exchange);
        };
        let carried = crate::tokens::carried(&used, &exchange.wire);
        if carried.is_empty() {
            return Ok(exchange);
        }
        let Some(fresh) = self.refresh_after_401(&used).await else {
            return Ok(exchange);
        };
        let mut again = (*exchange.wire).clone();
        let mut schemes = Vec::new();
        for (scheme, old) in carried {
            if let Some(new) = fresh.token(scheme)
                && let Some(replaced) = crate::tokens::replace(&again, old, new)
            {
                again = replaced;
                schemes.push(format!("`{scheme}`"));
            }
        }
        if schemes.is_empty() {
            return Ok(exchange);
        }
        let mut notes = exchange.notes.clone();
        notes.push(format!(
            "the request was answered 401 Unauthorized with the token for {}; the token was obtained again and the request sent again",
            schemes.join(", ")
        ));
        let wire = Arc::new(again);
        let curl = Arc::clone(&exchange.curl);
        let settings = &self.target.settings;
        let client = match self.client.get_or_init(|| client::client(&settings.http)) {
            Ok(client) => client,
            Err(_) => return Ok(exchange),
        };
        match client::send(client, &wire, &settings.http).await {
            Ok(response) => {
                self.saw(op, &wire, response.status);
                let again = Exchange::new(wire, curl, notes, response);
                self.remember_created(op, &again);
                Ok(again)
            }
            Err(e) => Err(self.transport_failure(op, &wire, &curl, &notes, &e)),
        }
    }

    /// [`Harness::send`] without obtaining tokens again on a 401 (the login request itself).
    pub(crate) async fn send_once(
        &self,
        op: &Operation,
        wire: Arc<WireRequest>,
        curl: Arc<CurlRequest>,
        notes: Vec<String>,
    ) -> Result<Exchange, Unsent> {
        let settings = &self.target.settings;
        if let Some(budget) = settings.request_budget
            && self.sent.fetch_add(1, Ordering::SeqCst) >= budget
        {
            return Err(Unsent::Skipped(format!(
                "the request budget of {budget} requests is spent"
            )));
        }
        if let Some(rate) = settings.rate_limit {
            let interval = std::time::Duration::from_secs_f64(1.0 / rate);
            let at = {
                let mut next = self.next_slot.lock().await;
                let now = Instant::now();
                let at = next.map_or(now, |n| n.max(now));
                *next = Some(at + interval);
                at
            };
            tokio::time::sleep_until(at.into()).await;
        }
        let client = match self.client.get_or_init(|| client::client(&settings.http)) {
            Ok(client) => client,
            Err(message) => {
                // Nothing was sent: a setup problem (a bad CA file), not an unreachable target.
                return Err(self.setup_error(
                    op,
                    Finding::new("the HTTP client could not be set up").detail(message),
                    None,
                ));
            }
        };
        // The user's hook sees the request last; what it adds goes into the curl line too.
        let (wire, curl) = match &self.target.request_hook {
            Some(hook) => {
                let mut hooked = (*wire).clone();
                (hook.0)(&mut hooked);
                let mut curl_hooked = (*curl).clone();
                for (name, value) in &hooked.headers {
                    if !wire.headers.iter().any(|(n, v)| n == name && v == value) {
                        curl_hooked
                            .headers
                            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                        curl_hooked
                            .headers
                            .push((name.clone(), crate::curl::Word::lit(value.clone())));
                    }
                }
                if hooked.url != wire.url {
                    curl_hooked.url = crate::curl::Word::lit(hooked.url.clone());
                }
                curl_hooked.method.clone_from(&hooked.method);
                curl_hooked.body.clone_from(&hooked.body);
                (Arc::new(hooked), Arc::new(curl_hooked))
            }
            None => (wire, curl),
        };
        let sent = client::send(client, &wire, &settings.http).await;
        match sent {
            Ok(response) => Ok(Exchange::new(wire, curl, notes, response)),
            Err(e) => Err(self.transport_failure(op, &wire, &curl, &notes, &e)),
        }
    }

    pub(crate) fn transport_failure(
        &self,
        op: &Operation,
        wire: &WireRequest,
        curl: &CurlRequest,
        notes: &[String],
        e: &TransportError,
    ) -> Unsent {
        // Refused, reset, closed before the response, DNS, TLS: the target gave no answer.
        let title = if e.timeout {
            crate::failure::TIMEOUT_TITLE
        } else {
            crate::failure::UNREACHABLE_TITLE
        };
        self.setup_error(
            op,
            Finding::new(title)
                .received(format!("no response: {}", e.message))
                .detail(format!("Target: {}", self.target.base_url)),
            Some({
                let mut record = client::request_record(wire, curl, notes, &self.redactor());
                record.replay = self.replay_of(wire);
                record
            }),
        )
    }

    /// An error before any check could judge an answer, with secrets redacted.
    fn setup_error(
        &self,
        op: &Operation,
        finding: Finding,
        request: Option<crate::failure::RequestRecord>,
    ) -> Unsent {
        let r = self.redactor();
        let mut finding = finding;
        finding.title = r.redact(&finding.title);
        finding.received = finding.received.map(|s| r.redact(&s));
        finding.details = finding.details.iter().map(|s| r.redact(s)).collect();
        Unsent::Error(Box::new(SetupError {
            operation: OperationInfo::of(op),
            finding,
            request,
        }))
    }
}

/// A refusal another request may get past: a 4xx other than 401/403 (credentials) and 405 (the
/// method is not routed at all).
fn refused(status: u16) -> bool {
    (400..500).contains(&status) && !matches!(status, 401 | 403 | 405)
}

/// What a failure caused by the spec says to do.
const SPEC_FIX: &str =
    "Fix the spec: `contractgate lint SPEC` lists its problems with their locations.";

/// `the documented 405 Method Not Allowed`, `404 Not Found` (not documented, or only by `default`).
pub(crate) fn answered(op: &Operation, status: u16) -> String {
    let reason = crate::failure::reason_phrase(status);
    let code = if reason.is_empty() {
        status.to_string()
    } else {
        format!("{status} {reason}")
    };
    match checks::documented_response(op, status) {
        Some(r) if r.status != contractgate_spec::ir::StatusSpec::Default => {
            format!("the documented {code}")
        }
        _ => code,
    }
}

pub(crate) fn success_statuses(op: &Operation) -> String {
    let list: Vec<String> = op
        .success_responses()
        .map(|r| r.status.to_string())
        .collect();
    if list.is_empty() {
        checks::documented_statuses(op)
    } else {
        list.join(", ")
    }
}

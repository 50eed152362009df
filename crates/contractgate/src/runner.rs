//! Running checks: the async [`Harness`] the CLI drives, and the synchronous [`run_check`] family
//! that generated tests call.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use contractgate_spec::ir::{Api, ApiKeyLocation, Method, Operation, ParamLocation};
use serde::{Deserialize, Serialize};

use crate::checks::{self, Check, Context, Verdict};
use crate::client::{self, Exchange, TransportError, WireRequest, block_on};
use crate::curl::{CurlRequest, Word};
use crate::data::{self, Linked, Planned};
use crate::failure::{Failure, Finding, OperationInfo, Severity};
use crate::links::expr::{Exchanged, Payload};
use crate::links::{self, Graph, Slot};
use crate::redact::Redactor;
use crate::schema::ValidatorCache;
use crate::target::{Credentials, Resolve, Target, TargetError};

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
    /// The operation or path.
    pub subject: OperationInfo,
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
    api: Arc<Api>,
    target: Target,
    redactor: Redactor,
    validators: ValidatorCache,
    sent: AtomicU64,
    next_slot: tokio::sync::Mutex<Option<Instant>>,
    plans: Mutex<HashMap<String, Arc<Planned>>>,
    built: Mutex<HashMap<String, Built>>,
    /// The status of each operation's latest positive exchange (checks that judge a request of
    /// their own compare with it).
    positive_status: Mutex<HashMap<String, u16>>,
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
    /// Which link gives which value (decided on first use).
    links: OnceLock<Graph>,
    /// The exchange of each link source, sent once: by (source operation id, whether it is the
    /// instance for DELETE targets).
    sources: Mutex<HashMap<(String, bool), SourceCell>>,
}

/// A positive request built once per operation: the wire request and its curl twin.
type Built = (Arc<WireRequest>, Arc<CurlRequest>);

/// A boxed future (the planning of a link target awaits the planning of its sources).
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A link source that was sent and answered 2xx, or why its values cannot be used.
type SourceRun = Result<SourceExchange, String>;

/// Where the exchange of one link source is kept once sent (concurrent callers wait for it).
type SourceCell = Arc<tokio::sync::OnceCell<Arc<SourceRun>>>;

/// What a link's runtime expressions read: the source's request and response.
#[derive(Debug)]
struct SourceExchange {
    /// `POST /users (createUser)`.
    label: String,
    /// What the expressions read.
    exchanged: Exchanged,
}

/// The positive exchange, or why there is none.
enum Positive {
    Sent(Box<Exchange>),
    Failed(Outcome),
}

impl Harness {
    /// A harness for `api` against `target`. Credentials named by the target's settings and not yet
    /// read are read from the process environment.
    pub fn new(api: Arc<Api>, mut target: Target) -> Harness {
        target.read_secrets(Some(&api), &|name| std::env::var(name).ok());
        Harness {
            redactor: target.redactor(),
            api,
            target,
            validators: ValidatorCache::default(),
            sent: AtomicU64::new(0),
            next_slot: tokio::sync::Mutex::new(None),
            plans: Mutex::new(HashMap::new()),
            built: Mutex::new(HashMap::new()),
            positive_status: Mutex::new(HashMap::new()),
            client: std::sync::OnceLock::new(),
            links: OnceLock::new(),
            sources: Mutex::new(HashMap::new()),
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

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The redactor for this target's secrets (for reports written by the caller).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Runs one check on one operation (for `method_not_allowed`, use [`Harness::check_path`]).
    pub async fn check(&self, operation_id: &str, check: Check) -> CheckResult {
        let mut results = self.check_operation(operation_id, &[check]).await;
        results.pop().unwrap_or_else(|| CheckResult {
            check,
            subject: OperationInfo::path(operation_id),
            outcome: Outcome::NotApplicable {
                reason: "nothing was run".into(),
            },
        })
    }

    /// Runs several checks on one operation; the checks that judge the positive request share one
    /// exchange. Results are in the order of `checks`.
    pub async fn check_operation(&self, operation_id: &str, checks: &[Check]) -> Vec<CheckResult> {
        let Some(op) = self.api.operation(operation_id) else {
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
                    subject: OperationInfo::path(operation_id),
                    outcome: Outcome::Errored(Box::new(Failure {
                        check,
                        severity: Severity::Critical,
                        operation: OperationInfo::path(operation_id),
                        finding: Finding::new(format!("no operation `{operation_id}` in the API"))
                            .detail(format!("Operations: {}", known.join(", "))),
                        request: None,
                        response: None,
                        not_exercised: false,
                    })),
                })
                .collect();
        };
        let info = OperationInfo::of(op);
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
                    Some(Positive::Sent(exchange)) => self.judge(op, check, exchange),
                    Some(Positive::Failed(outcome)) => retitle(outcome, check),
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
        checks
            .iter()
            .zip(outcomes)
            .map(|(&check, outcome)| CheckResult {
                check,
                subject: info.clone(),
                outcome: outcome.unwrap_or(Outcome::NotApplicable {
                    reason: "nothing was run".into(),
                }),
            })
            .collect()
    }

    /// Why a check is not run on `op`, if it is not.
    fn precondition(&self, op: &Operation, check: Check) -> Option<Outcome> {
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
                "{} is not supported (at {})",
                u.feature, u.location
            ));
        }
        if settings.read_only && !op.method.is_safe() {
            return skip("read-only environment".into());
        }
        if check == Check::LatencyBudget && settings.latency_budget.is_none() {
            return na(
                "no latency budget is configured (set `latency_budget_ms` in the environment)",
            );
        }
        check.not_applicable(op).and_then(na)
    }

    fn judge(&self, op: &Operation, check: Check, exchange: &Exchange) -> Outcome {
        let ctx = self.context(op);
        let status = exchange.response.status;
        match checks::judge(check, &ctx, exchange) {
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
                let linked = self
                    .plans
                    .lock()
                    .ok()
                    .and_then(|p| p.get(&op.id).map(|p| p.linked))
                    .unwrap_or(false);
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

    /// A check that proved nothing because its exchange never reached the handler.
    fn not_exercised(
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

    fn context<'a>(&'a self, op: &'a Operation) -> Context<'a> {
        Context {
            api: &self.api,
            operation: op,
            settings: &self.target.settings,
            validators: &self.validators,
        }
    }

    fn failure(
        &self,
        op: &Operation,
        check: Check,
        finding: Finding,
        exchange: Option<&Exchange>,
    ) -> Failure {
        let mut finding = finding;
        let r = &self.redactor;
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
            request: exchange.map(|e| e.request_record(r)),
            response: exchange.map(|e| e.response_record(r)),
            not_exercised: false,
        }
    }

    /// A hint when `op` is secured and no configured credentials satisfy it.
    fn missing_credentials(&self, op: &Operation) -> Option<String> {
        if op.security.is_empty() || op.security.iter().any(|req| self.satisfied(req)) {
            return None;
        }
        let schemes: Vec<&str> = op
            .security
            .iter()
            .flat_map(|r| r.schemes.keys())
            .map(String::as_str)
            .collect();
        Some(format!(
            "No credentials are configured for the operation's security ({}). Name the environment variables that hold them: [environments.<name>.credentials] {} = {{ token_env = \"...\" }}",
            schemes.join(" or "),
            schemes.first().copied().unwrap_or("scheme")
        ))
    }

    fn satisfied(&self, req: &contractgate_spec::ir::SecurityRequirement) -> bool {
        req.schemes.keys().all(|s| self.has_credentials(s))
    }

    fn has_credentials(&self, scheme: &str) -> bool {
        match self.target.credentials.get(scheme) {
            Some(Credentials::Bearer(t)) => t.value.is_some(),
            Some(Credentials::Basic { username, password }) => {
                username.value.is_some() && password.value.is_some()
            }
            Some(Credentials::ApiKey { key, .. }) => key.value.is_some(),
            None => false,
        }
    }

    async fn positive_exchange(&self, op: &Operation) -> Positive {
        let planned = match self.plan(op).await {
            Ok(p) => p,
            Err(outcome) => return Positive::Failed(outcome),
        };
        let cached = self.built.lock().ok().and_then(|b| b.get(&op.id).cloned());
        let (wire, curl) = match cached {
            Some(pair) => pair,
            None => {
                let (wire, curl) = self.build(op, op.method, &planned, true);
                let pair = (Arc::new(wire), Arc::new(curl));
                if let Ok(mut b) = self.built.lock() {
                    b.insert(op.id.clone(), pair.clone());
                }
                pair
            }
        };
        match self.send(op, wire, curl, planned.notes.clone()).await {
            Ok(exchange) => {
                if let Ok(mut statuses) = self.positive_status.lock() {
                    statuses.insert(op.id.clone(), exchange.response.status);
                }
                Positive::Sent(Box::new(exchange))
            }
            Err(outcome) => Positive::Failed(outcome),
        }
    }

    /// The status the positive request of `op` got: the latest one sent, or a new one. `None`
    /// when it got no answer.
    async fn positive_status(&self, op: &Operation) -> Option<u16> {
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
    fn plan<'a>(&'a self, op: &'a Operation) -> BoxFuture<'a, Result<Arc<Planned>, Outcome>> {
        Box::pin(async move {
            if let Ok(plans) = self.plans.lock()
                && let Some(p) = plans.get(&op.id)
            {
                return Ok(Arc::clone(p));
            }
            let (linked, link_notes) = self.linked(op).await;
            let settings = &self.target.settings;
            let mut planned = data::plan(
                op,
                settings.fixtures.get(&op.id),
                &linked,
                settings.seed,
                &self.validators,
            )
            .map_err(|e| {
                Outcome::Errored(Box::new(self.failure(
                    op,
                    Check::NotServerError,
                    Finding::new("no request could be built").detail(e.0),
                    None,
                )))
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

    /// The link graph of this harness.
    fn graph(&self) -> &Graph {
        self.links.get_or_init(|| {
            if self.target.settings.links {
                Graph::build(&self.api, &self.target.settings)
            } else {
                Graph::empty()
            }
        })
    }

    /// The values links give `op` (their sources are sent first, once), and notes on where each
    /// came from or why a link was not used.
    async fn linked(&self, op: &Operation) -> (Linked, Vec<String>) {
        let mut linked = Linked::default();
        let Some(entry) = self.graph().get(&op.id) else {
            return (linked, Vec::new());
        };
        let mut notes = entry.notes.clone();
        for chosen in &entry.chosen {
            let label = links::link_label(&chosen.link, &self.api, op);
            let Some(source) = self.api.operations.get(chosen.link.source) else {
                continue;
            };
            let run = self.source_run(source, links::own_instance(op)).await;
            let exchange = match run.as_ref() {
                Ok(exchange) => exchange,
                Err(why) => {
                    notes.push(format!(
                        "{label} not used: {why}; {}",
                        links::instead(&links::slots_text(&chosen.supplies))
                    ));
                    continue;
                }
            };
            for supply in &chosen.supplies {
                let what = supply.slot.describe();
                let value = match links::expr::eval(&supply.template, &exchange.exchanged) {
                    Ok(v) => v,
                    Err(why) => {
                        notes.push(format!(
                            "{label} not used for {what}: {why}; {}",
                            links::instead(&what)
                        ));
                        continue;
                    }
                };
                let text = value.to_string();
                if self.redactor.redact(&text) != text {
                    notes.push(format!(
                        "{label} not used for {what}: {} would carry a credential of the source request; {}",
                        supply.written,
                        links::instead(&what)
                    ));
                    continue;
                }
                let from = format!(
                    "{what} from link {} of {} {}",
                    chosen.link.name, exchange.label, exchange.exchanged.status
                );
                let note = if supply.template.is_const() {
                    format!("{from}: the constant {}", shorten(&text))
                } else {
                    format!("{from}: {} = {}", supply.written, shorten(&text))
                };
                match &supply.slot {
                    Slot::Param(location, name) => {
                        linked.params.push((*location, name.clone(), value, note));
                    }
                    Slot::Body => linked.body = Some((value, note)),
                }
            }
        }
        (linked, notes)
    }

    /// The exchange of a link source, sent at most once per harness and instance (concurrent
    /// callers wait for the first).
    async fn source_run(&self, source: &Operation, own_instance: bool) -> Arc<SourceRun> {
        let cell = match self.sources.lock() {
            Ok(mut map) => Arc::clone(map.entry((source.id.clone(), own_instance)).or_default()),
            Err(_) => Arc::new(tokio::sync::OnceCell::new()),
        };
        Arc::clone(
            cell.get_or_init(|| async { Arc::new(self.send_source(source).await) })
                .await,
        )
    }

    /// Sends a link source's positive request, as the source's own checks would.
    async fn send_source(&self, source: &Operation) -> SourceRun {
        let label = format!("{} {} ({})", source.method, source.path, source.id);
        if self.target.settings.read_only && !source.method.is_safe() {
            return Err(format!("{label} is not sent in a read-only environment"));
        }
        let planned = self.plan(source).await.map_err(|o| match &o {
            Outcome::Errored(f) if f.request.is_none() => format!(
                "no request could be built for {}{}",
                source.id,
                f.finding
                    .details
                    .first()
                    .map_or_else(String::new, |d| format!(": {d}"))
            ),
            _ => format!(
                "{} was not sent{}",
                source.id,
                describe_unsent(&o).map_or_else(String::new, |why| format!(": {why}"))
            ),
        })?;
        let (wire, curl) = self.build(source, source.method, &planned, true);
        let exchange = self
            .send(
                source,
                Arc::new(wire),
                Arc::new(curl),
                planned.notes.clone(),
            )
            .await
            .map_err(|o| match &o {
                Outcome::Skipped { reason } => format!("{} was not sent: {reason}", source.id),
                _ => format!(
                    "{} got no answer{}",
                    source.id,
                    describe_unsent(&o).map_or_else(String::new, |why| format!(": {why}"))
                ),
            })?;
        let status = exchange.response.status;
        if !(200..300).contains(&status) {
            let reason = crate::failure::reason_phrase(status);
            return Err(format!(
                "{} answered {status}{}{}",
                source.id,
                if reason.is_empty() { "" } else { " " },
                reason
            ));
        }
        let value_of = |location: ParamLocation| {
            planned
                .values
                .iter()
                .filter(|(l, _, _)| *l == location)
                .map(|(_, n, v)| (n.clone(), v.clone()))
                .collect()
        };
        Ok(SourceExchange {
            label,
            exchanged: Exchanged {
                url: exchange.wire.url.clone(),
                method: exchange.wire.method.clone(),
                path: value_of(ParamLocation::Path),
                query: value_of(ParamLocation::Query),
                request_headers: exchange.wire.headers.clone(),
                request_body: exchange.wire.body.as_deref().and_then(Payload::of),
                status,
                response_headers: exchange.response.headers.clone(),
                response_body: Payload::of(&exchange.response.body),
            },
        })
    }

    /// Sends a request, honouring the budget and rate limit; transport errors become outcomes.
    async fn send(
        &self,
        op: &Operation,
        wire: Arc<WireRequest>,
        curl: Arc<CurlRequest>,
        notes: Vec<String>,
    ) -> Result<Exchange, Outcome> {
        let settings = &self.target.settings;
        if let Some(budget) = settings.request_budget
            && self.sent.fetch_add(1, Ordering::SeqCst) >= budget
        {
            return Err(Outcome::Skipped {
                reason: format!("the request budget of {budget} requests is spent"),
            });
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
                return Err(Outcome::Errored(Box::new(Failure {
                    check: Check::NotServerError,
                    severity: Severity::Critical,
                    operation: OperationInfo::of(op),
                    finding: Finding::new("the HTTP client could not be set up")
                        .detail(self.redactor.redact(message)),
                    request: None,
                    response: None,
                    not_exercised: false,
                })));
            }
        };
        let sent = client::send(client, &wire, &settings.http).await;
        match sent {
            Ok(response) => Ok(Exchange {
                wire,
                curl,
                notes,
                response,
            }),
            Err(e) => Err(Outcome::Errored(Box::new(
                self.transport_failure(op, &wire, &curl, &notes, &e),
            ))),
        }
    }

    fn transport_failure(
        &self,
        op: &Operation,
        wire: &WireRequest,
        curl: &CurlRequest,
        notes: &[String],
        e: &TransportError,
    ) -> Failure {
        // Refused, reset, closed before the response, DNS, TLS: the target gave no answer.
        let title = if e.timeout {
            crate::failure::TIMEOUT_TITLE
        } else {
            crate::failure::UNREACHABLE_TITLE
        };
        Failure {
            check: Check::NotServerError,
            severity: Severity::Critical,
            operation: OperationInfo::of(op),
            finding: Finding::new(title)
                .received(format!("no response: {}", self.redactor.redact(&e.message)))
                .detail(format!(
                    "Target: {}",
                    self.redactor.redact(&self.target.base_url)
                )),
            request: Some(client::request_record(wire, curl, notes, &self.redactor)),
            response: None,
            not_exercised: false,
        }
    }

    /// The `Accept` header: the operation's documented response media types, JSON first.
    fn accept(op: &Operation) -> String {
        let mut types: Vec<String> = Vec::new();
        for r in &op.responses {
            for mt in r.content.keys() {
                let e = crate::data::serialize::essence(mt);
                if !types.contains(&e) {
                    types.push(e);
                }
            }
        }
        types.sort_by_key(|t| {
            if t == "application/json" {
                0
            } else if crate::data::serialize::is_json(t) {
                1
            } else {
                2
            }
        });
        types.retain(|t| t != "*/*");
        if types.is_empty() {
            return "application/json, */*;q=0.1".to_owned();
        }
        types.push("*/*;q=0.1".to_owned());
        types.join(", ")
    }

    /// The wire request and its curl twin for planned data.
    fn build(
        &self,
        op: &Operation,
        method: Method,
        planned: &Planned,
        credentials: bool,
    ) -> (WireRequest, CurlRequest) {
        let base = &self.target.base_url;
        let mut url = format!("{base}{}", planned.path);
        let mut query = planned.query.clone();
        let mut curl_query_secret: Vec<(String, String)> = Vec::new();
        let mut headers: Vec<(String, String)> = vec![("Accept".into(), Harness::accept(op))];
        let mut curl_headers: Vec<(String, Word)> = Vec::new();
        for (n, v) in &self.target.settings.headers {
            headers.push((n.clone(), v.clone()));
        }
        for (n, v) in &planned.headers {
            headers.push((n.clone(), v.clone()));
        }
        if let Some(body) = &planned.body {
            headers.push(("Content-Type".into(), body.content_type.clone()));
        }
        for (n, v) in &headers {
            curl_headers.push((n.clone(), Word::lit(v.clone())));
        }
        let mut cookies = planned.cookies.clone();
        let mut curl_cookie = Word::lit(planned.cookies.join("; "));
        let mut basic = None;
        if credentials
            && let Some(req) = op
                .security
                .iter()
                .find(|r| !r.is_anonymous() && self.satisfied(r))
        {
            for scheme in req.schemes.keys() {
                match self.target.credentials.get(scheme) {
                    Some(Credentials::Bearer(t)) => {
                        let v = t.value.clone().unwrap_or_default();
                        headers.push(("Authorization".into(), format!("Bearer {v}")));
                        let mut w = Word::lit("Bearer ");
                        w.push_env(&t.env_var);
                        curl_headers.push(("Authorization".into(), w));
                    }
                    Some(Credentials::Basic { username, password }) => {
                        let raw = format!(
                            "{}:{}",
                            username.value.as_deref().unwrap_or(""),
                            password.value.as_deref().unwrap_or("")
                        );
                        headers.push((
                            "Authorization".into(),
                            format!("Basic {}", crate::data::synth::base64(raw.as_bytes())),
                        ));
                        basic = Some((username.env_var.clone(), password.env_var.clone()));
                    }
                    Some(Credentials::ApiKey {
                        name,
                        location,
                        key,
                    }) => {
                        let v = key.value.clone().unwrap_or_default();
                        match location {
                            ApiKeyLocation::Header => {
                                headers.push((name.clone(), v));
                                let mut w = Word::default();
                                w.push_env(&key.env_var);
                                curl_headers.push((name.clone(), w));
                            }
                            ApiKeyLocation::Query => {
                                let enc = |s: &str| {
                                    percent_encoding::utf8_percent_encode(
                                        s,
                                        crate::data::serialize::COMPONENT,
                                    )
                                    .to_string()
                                };
                                query.push(format!("{}={}", enc(name), enc(&v)));
                                curl_query_secret.push((enc(name), key.env_var.clone()));
                            }
                            ApiKeyLocation::Cookie => {
                                cookies.push(format!("{name}={v}"));
                                if !curl_cookie.0.is_empty() && !planned.cookies.is_empty() {
                                    curl_cookie.push_lit("; ");
                                }
                                curl_cookie.push_lit(&format!("{name}="));
                                curl_cookie.push_env(&key.env_var);
                            }
                        }
                    }
                    None => {}
                }
            }
        }
        if !cookies.is_empty() {
            headers.push(("Cookie".into(), cookies.join("; ")));
            curl_headers.push(("Cookie".into(), curl_cookie));
        }
        let mut curl_url = Word::lit(url.clone());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
            let plain: Vec<&String> = planned.query.iter().collect();
            curl_url.push_lit("?");
            let mut first = true;
            for q in plain {
                if !first {
                    curl_url.push_lit("&");
                }
                curl_url.push_lit(q);
                first = false;
            }
            for (name, var) in &curl_query_secret {
                if !first {
                    curl_url.push_lit("&");
                }
                curl_url.push_lit(&format!("{name}="));
                curl_url.push_env(var);
                first = false;
            }
        }
        let body = planned.body.as_ref().map(|b| b.bytes.clone());
        let wire = WireRequest {
            method: method.as_str().to_owned(),
            url,
            headers,
            body: body.clone(),
        };
        let curl = CurlRequest {
            method: method.as_str().to_owned(),
            url: curl_url,
            headers: curl_headers,
            basic,
            body,
        };
        (wire, curl)
    }

    async fn auth_enforced(&self, op: &Operation) -> Outcome {
        let check = Check::AuthEnforced;
        let planned = match self.plan(op).await {
            Ok(p) => p,
            Err(outcome) => return retitle(&outcome, check),
        };
        let (wire, curl) = self.build(op, op.method, &planned, false);
        let exchange = match self
            .send(op, Arc::new(wire), Arc::new(curl), planned.notes.clone())
            .await
        {
            Ok(exchange) => exchange,
            Err(outcome) => return retitle(&outcome, check),
        };
        let ctx = self.context(op);
        match checks::auth_enforced::check(&ctx, &exchange) {
            Verdict::Fail(f) => {
                Outcome::Failed(Box::new(self.failure(op, check, f, Some(&exchange))))
            }
            Verdict::NotApplicable(reason) => Outcome::NotApplicable { reason },
            Verdict::Pass(warnings) => {
                let status = exchange.response.status;
                if matches!(status, 401 | 403) {
                    return Outcome::Passed { warnings };
                }
                // Refused without credentials, but not as unauthenticated: that proves something
                // only if the request with credentials got through.
                match self.positive_status(op).await {
                    Some(with) if !(200..300).contains(&with) => {
                        let finding = Finding::new(format!(
                            "the request with credentials was refused too ({with} with them, {status} without), so it never reached the handler and whether the operation enforces authentication is unknown"
                        ))
                        .received(format!("{status} to a request without credentials"))
                        .documented(format!(
                            "{}; without credentials 401 or 403",
                            success_statuses(op)
                        ))
                        .detail("Give working values as fixtures so that the request with credentials succeeds: [environments.<name>.fixtures.<operation id>] params = { ... } / body = ...");
                        self.not_exercised(op, check, finding, &exchange)
                    }
                    _ => Outcome::Passed { warnings },
                }
            }
        }
    }

    async fn negative_data_rejection(&self, op: &Operation) -> Outcome {
        let check = Check::NegativeDataRejection;
        let planned = match self.plan(op).await {
            Ok(p) => p,
            Err(outcome) => return retitle(&outcome, check),
        };
        let mutants =
            data::mutate::mutants(op, &planned, &self.validators, self.target.settings.seed);
        if mutants.is_empty() {
            return Outcome::NotApplicable {
                reason: "no JSON request body or required query parameter to break".into(),
            };
        }
        let mut warnings = Vec::new();
        let mut last = None;
        for mutant in mutants {
            let (wire, curl) = self.build(op, op.method, &mutant.planned, true);
            let exchange = match self
                .send(op, Arc::new(wire), Arc::new(curl), mutant.planned.notes)
                .await
            {
                Ok(exchange) => exchange,
                Err(outcome) => return retitle(&outcome, check),
            };
            match checks::negative_data_rejection::check(&exchange, &mutant.broken) {
                Verdict::Fail(f) => {
                    return Outcome::Failed(Box::new(self.failure(op, check, f, Some(&exchange))));
                }
                Verdict::Pass(w) => warnings.extend(w),
                Verdict::NotApplicable(reason) => return Outcome::NotApplicable { reason },
            }
            last = Some((exchange, mutant.broken));
        }
        // Rejecting broken requests proves something only where the valid one gets through.
        if let Some((exchange, broken)) = last
            && let Some(with) = self.positive_status(op).await
            && !(200..300).contains(&with)
        {
            let finding = Finding::new(format!(
                "the valid request was refused too ({with}), so rejecting the invalid ones proves nothing"
            ))
            .received(format!("{} to a request with {broken}", exchange.response.status))
            .documented(format!(
                "{} to the valid request; invalid requests rejected with 4xx",
                success_statuses(op)
            ))
            .detail("Give working values as fixtures so that the valid request succeeds: [environments.<name>.fixtures.<operation id>] params = { ... } / body = ...");
            let mut outcome = self.not_exercised(op, check, finding, &exchange);
            if let Outcome::NotExercised(f) = &mut outcome {
                f.finding.warnings = warnings;
            }
            return outcome;
        }
        Outcome::Passed { warnings }
    }

    /// Runs `method_not_allowed` on a documented path: every undocumented method among GET, PUT,
    /// POST, DELETE and PATCH must answer 404 or 405 (any 4xx passes but a 405 without `Allow`;
    /// 2xx and 5xx fail). A method that another documented template answers for the same URL is
    /// not tried.
    pub async fn check_path(&self, path: &str) -> CheckResult {
        let check = Check::MethodNotAllowed;
        let subject = OperationInfo::path(path);
        let result = |outcome| CheckResult {
            check,
            subject: subject.clone(),
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
        // Path parameters come from the first documented operation's data.
        let Some(template) = ops.first() else {
            return result(Outcome::NotApplicable {
                reason: "no operation on this path".into(),
            });
        };
        let planned = match self.plan(template).await {
            Ok(p) => Planned {
                body: None,
                ..(*p).clone()
            },
            Err(outcome) => return result(retitle(&outcome, check)),
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
                Err(outcome) => return result(retitle(&outcome, check)),
            };
            if let Verdict::Fail(mut finding) = checks::method_not_allowed::check(&exchange) {
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

/// Why nothing usable came back, from an outcome that is not a judged response: the title and
/// the first detail or the `Received` line.
fn describe_unsent(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Skipped { reason } | Outcome::NotApplicable { reason } => Some(reason.clone()),
        Outcome::Errored(f) | Outcome::Failed(f) | Outcome::NotExercised(f) => {
            let more = f
                .finding
                .received
                .clone()
                .or_else(|| f.finding.details.first().cloned());
            Some(match more {
                Some(m) => format!("{} ({m})", f.finding.title),
                None => f.finding.title.clone(),
            })
        }
        Outcome::Passed { .. } => None,
    }
}

/// A value for a note: cut after 120 characters.
fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}...")
    } else {
        text.to_owned()
    }
}

fn retitle(outcome: &Outcome, check: Check) -> Outcome {
    let mut o = outcome.clone();
    if let Outcome::Errored(f) | Outcome::Failed(f) | Outcome::NotExercised(f) = &mut o {
        f.check = check;
    }
    o
}

/// `the documented 405 Method Not Allowed`, `404 Not Found` (not documented, or only by `default`).
fn answered(op: &Operation, status: u16) -> String {
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

fn success_statuses(op: &Operation) -> String {
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

// ---------------------------------------------------------------------------------------------
// The synchronous entry points generated tests call.

type Harnesses = Mutex<HashMap<usize, Arc<Harness>>>;

fn harness_for(
    api_json: &'static str,
    target: impl FnOnce(&Api) -> Result<Target, TargetError>,
) -> Result<Arc<Harness>, String> {
    static HARNESSES: OnceLock<Harnesses> = OnceLock::new();
    let key = api_json.as_ptr() as usize;
    let map = HARNESSES.get_or_init(|| Mutex::new(HashMap::new()));
    // A panic in another test's target closure poisons the lock; the map itself is still sound.
    let mut guard = map
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(h) = guard.get(&key) {
        return Ok(Arc::clone(h));
    }
    let api = Api::from_json(api_json).map_err(|e| HarnessError::Ir(e).to_string())?;
    let target = target(&api).map_err(|e| e.to_string())?;
    let harness = Arc::new(Harness::new(Arc::new(api), target));
    guard.insert(key, Arc::clone(&harness));
    Ok(harness)
}

fn finish(result: &CheckResult) {
    if let Some(failure) = result.failure() {
        // A generated test: failing it with the rendered failure is the point.
        #[allow(clippy::panic)]
        {
            panic!("\n{failure}");
        }
    }
    match &result.outcome {
        Outcome::Passed { warnings } if warnings.is_empty() => {}
        _ => eprintln!("{result}"),
    }
}

#[allow(clippy::panic)]
fn setup_failed(message: &str) -> ! {
    panic!("contractgate: {message}")
}

/// Runs one check of one operation against the target found from the environment
/// (`CONTRACTGATE_BASE_URL`, `CONTRACTGATE_ENV` + `contractgate.toml`, ...) and panics with the
/// rendered failure if the contract is broken. For generated tests.
///
/// `api_json` is the IR embedded with `include_str!`; it is parsed once per test binary.
pub fn run_check(api_json: &'static str, operation_id: &str, check: Check) {
    run_check_with(
        api_json,
        |api| Resolve::new().target(Some(api)),
        operation_id,
        check,
    );
}

/// Like [`run_check`], with the target given by `target` (called once per test binary, e.g. to
/// start an in-process server with [`InProcess`](crate::InProcess)).
pub fn run_check_with(
    api_json: &'static str,
    target: impl FnOnce(&Api) -> Result<Target, TargetError>,
    operation_id: &str,
    check: Check,
) {
    let harness = harness_for(api_json, target).unwrap_or_else(|e| setup_failed(&e));
    let result = if check.is_per_path() {
        let path = harness
            .api()
            .operation(operation_id)
            .map_or_else(|| operation_id.to_owned(), |op| op.path.clone());
        block_on(harness.check_path(&path))
    } else {
        block_on(harness.check(operation_id, check))
    };
    finish(&result);
}

/// Runs `method_not_allowed` on a documented path (e.g. `/users/{id}`); panics with the rendered
/// failure. For generated tests (one per path).
pub fn run_path_check(api_json: &'static str, path: &str) {
    run_path_check_with(api_json, |api| Resolve::new().target(Some(api)), path);
}

/// Like [`run_path_check`], with the target given by `target`.
pub fn run_path_check_with(
    api_json: &'static str,
    target: impl FnOnce(&Api) -> Result<Target, TargetError>,
    path: &str,
) {
    let harness = harness_for(api_json, target).unwrap_or_else(|e| setup_failed(&e));
    finish(&block_on(harness.check_path(path)));
}

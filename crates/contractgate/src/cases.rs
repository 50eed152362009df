//! Generated cases: more than one request per operation (docs/cases.md).
//!
//! Case 1 is the request built from the spec (fixtures, links, examples, synthesized values). With
//! `cases = N` (`--cases N`, `CONTRACTGATE_CASES`), cases 2 to N follow: first the minimal failing
//! cases of the regressions file for the operation, then a **boundary pass** (one value of one
//! parameter or of the body changed at a time, to each edge its schema names, see
//! `data::boundary`; the parameters and body taken round-robin so that a small N still
//! touches each), then **random** cases from the seed. Values given by fixtures or the
//! environment's `params` are never changed. Every value validates against its schema.
//!
//! The checks in [`CASE_CHECKS`] judge each case whose answer is a 2xx or a 5xx (a 4xx to a case
//! is the server's business rule, not a broken contract, and is only counted). The first case a
//! check fails on is **shrunk**: optional parameters and properties left out, strings and arrays
//! shortened, numbers moved toward zero, one step at a time while the check still fails the same
//! way ([`crate::baseline::Fingerprint`]), within [`SHRINK_BUDGET`] requests. The minimal case is
//! the failure's request, and is written to the regressions file, so that every later run (and
//! every generated test) sends it first.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use contractgate_spec::ir::{Operation, ParamLocation, Parameter};
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::baseline::Fingerprint;
use crate::checks::Check;
use crate::client::Exchange;
use crate::config::OperationFixtures;
use crate::data::{self, Linked, Planned, boundary};
use crate::failure::Failure;
use crate::runner::{Harness, Outcome, Unsent};
use crate::schema::InApi;

/// The checks that judge every generated case: those that read one answer and hold for any valid
/// request. (`route_identity` and the state checks judge case 1 only; `latency_budget` too.)
pub const CASE_CHECKS: [Check; 5] = [
    Check::NotServerError,
    Check::StatusCodeConformance,
    Check::ContentTypeConformance,
    Check::ResponseSchemaConformance,
    Check::ResponseHeadersConformance,
];

/// The most requests shrinking one failure sends.
pub const SHRINK_BUDGET: usize = 48;

/// Where minimal failing cases are kept by default: `<spec stem>.regressions.json` beside the
/// spec (`openapi.yaml` → `openapi.regressions.json`).
pub fn default_regressions_file(spec: &Path) -> PathBuf {
    let stem = spec
        .file_stem()
        .map_or_else(|| "openapi".into(), |s| s.to_string_lossy().into_owned());
    spec.with_file_name(format!("{stem}.regressions.json"))
}

/// Whether the regressions file at `path` reads (a missing file does: it is created when a case
/// fails).
pub fn check_regressions_file(path: &Path) -> Result<(), String> {
    Regressions::load(path).loaded.map(|_| ())
}

/// The values of one request: parameters by name, and the body.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseValues {
    /// Parameter values by name (as fixtures give them).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub params: IndexMap<String, Value>,
    /// The body, before encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

impl CaseValues {
    fn of(planned: &Planned) -> CaseValues {
        CaseValues {
            params: planned
                .values
                .iter()
                .map(|(_, name, v)| (name.clone(), v.clone()))
                .collect(),
            body: planned.body_value.clone(),
        }
    }

    fn fixtures(&self) -> OperationFixtures {
        OperationFixtures {
            params: self.params.clone(),
            body: self.body.clone(),
        }
    }

    /// One line: `{"limit":100} body {"name":"a"}`, long values cut.
    fn describe(&self) -> String {
        let cut = |v: &Value| {
            let t = v.to_string();
            if t.chars().count() > 200 {
                format!(
                    "{}… ({} characters)",
                    t.chars().take(200).collect::<String>(),
                    t.len()
                )
            } else {
                t
            }
        };
        let mut parts = Vec::new();
        if !self.params.is_empty() {
            parts.push(format!(
                "parameters {}",
                cut(&serde_json::to_value(&self.params).unwrap_or_default())
            ));
        }
        if let Some(b) = &self.body {
            parts.push(format!("body {}", cut(b)));
        }
        if parts.is_empty() {
            "no parameters, no body".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

/// One minimal failing case, as the regressions file keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Regression {
    /// The operation id.
    pub operation: String,
    /// The check that failed.
    pub check: String,
    /// The failure, as a baseline fingerprints it (`500: the server answered 500 ...`).
    pub finding: String,
    /// When it was found (`YYYY-MM-DD`).
    pub found: String,
    /// The request's values.
    #[serde(flatten)]
    pub values: CaseValues,
}

/// The regressions file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct RegressionFile {
    #[serde(default)]
    about: String,
    #[serde(default)]
    cases: Vec<Regression>,
}

const ABOUT: &str = "Minimal failing requests found by contractgate's generated cases, sent first on every run. Commit this file; remove an entry to forget it (docs/cases.md).";

/// The regressions file of a harness: what it held when the harness started, and where new cases
/// go.
#[derive(Debug)]
pub(crate) struct Regressions {
    path: PathBuf,
    /// The cases, or why the file could not be read.
    loaded: Result<Vec<Regression>, String>,
    /// Serializes writes of this process.
    write: Mutex<()>,
}

impl Regressions {
    pub(crate) fn load(path: &Path) -> Regressions {
        let loaded = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str::<RegressionFile>(&text)
                .map(|f| f.cases)
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        };
        Regressions {
            path: path.to_owned(),
            loaded,
            write: Mutex::new(()),
        }
    }

    fn for_operation(&self, op: &str) -> Vec<(CaseValues, String)> {
        match &self.loaded {
            Ok(cases) => cases
                .iter()
                .filter(|r| r.operation == op)
                .map(|r| {
                    (
                        r.values.clone(),
                        format!(
                            "from {} (found {}, failed `{}`)",
                            self.path.display(),
                            r.found,
                            r.check
                        ),
                    )
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// Adds a case to the file (read again first: generated tests may run in several processes).
    fn remember(&self, entry: Regression) -> Result<bool, String> {
        let _guard = self
            .write
            .lock()
            .map_err(|_| "a writer panicked".to_owned())?;
        let mut file = match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str::<RegressionFile>(&text)
                .map_err(|e| format!("{}: {e}", self.path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RegressionFile::default(),
            Err(e) => return Err(format!("{}: {e}", self.path.display())),
        };
        if file
            .cases
            .iter()
            .any(|r| r.operation == entry.operation && r.values == entry.values)
        {
            return Ok(false);
        }
        file.about = ABOUT.to_owned();
        file.cases.push(entry);
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        text.push('\n');
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        Ok(true)
    }
}

/// The parameters a case may change: not set by the harness, not given by fixtures.
fn free_params<'a>(
    op: &'a Operation,
    fixed: &'a OperationFixtures,
) -> impl Iterator<Item = (&'a Parameter, &'a Value)> + 'a {
    op.parameters.iter().filter_map(move |p| {
        if data::harness_sets(p) || fixed.params.contains_key(&p.name) {
            return None;
        }
        data::param_schema(p).map(|s| (p, s))
    })
}

impl Harness {
    fn valid(&self, schema: &Value, value: &Value) -> bool {
        match self
            .validators
            .get(schema, contractgate_spec::ir::Direction::Request)
            .as_ref()
        {
            Ok(v) => v.is_valid(value),
            Err(_) => false,
        }
    }

    /// `schema`, a request schema of the API, as the root of the values a case varies.
    fn request_root<'a>(&'a self, schema: &'a Value) -> boundary::Root<'a> {
        boundary::Root {
            value: schema,
            in_api: Some(InApi::request(&self.validators)),
        }
    }

    /// A value for `schema`, a request schema of the API.
    fn synthesize(&self, schema: &Value, seed: u64) -> Option<Value> {
        data::synth::synthesize_in(schema, seed, Some(InApi::request(&self.validators))).ok()
    }

    /// Cases 2 to N of `op` (without the regressions), starting from case 1's values.
    fn generated_cases(
        &self,
        op: &Operation,
        planned: &Planned,
        fixed: &OperationFixtures,
        wanted: usize,
    ) -> Vec<(CaseValues, String)> {
        let base = CaseValues::of(planned);
        let seed = self.target.settings.seed;
        let mut slots: Vec<Vec<(CaseValues, String)>> = Vec::new();
        // Optional parameters: all absent, all present.
        let optional: Vec<(&Parameter, &Value)> = free_params(op, fixed)
            .filter(|(p, _)| !p.required && p.location != ParamLocation::Path)
            .collect();
        let mut whole = Vec::new();
        if optional
            .iter()
            .any(|(p, _)| base.params.contains_key(&p.name))
        {
            let mut c = base.clone();
            for (p, _) in &optional {
                c.params.shift_remove(&p.name);
            }
            whole.push((c, "every optional parameter absent".to_owned()));
        }
        if optional
            .iter()
            .any(|(p, _)| !base.params.contains_key(&p.name))
        {
            let mut c = base.clone();
            for (p, schema) in &optional {
                if !c.params.contains_key(&p.name)
                    && let Some(v) = self.synthesize(schema, seed ^ 0x5eed)
                {
                    c.params.insert(p.name.clone(), v);
                }
            }
            whole.push((c, "every optional parameter present".to_owned()));
        }
        slots.push(whole);
        for (p, schema) in free_params(op, fixed) {
            let current = base.params.get(&p.name);
            let mut slot = Vec::new();
            for (v, d) in
                boundary::variants(self.request_root(schema), schema, current, &p.name, seed)
            {
                if !self.valid(schema, &v) {
                    continue;
                }
                let mut c = base.clone();
                c.params.insert(p.name.clone(), v);
                slot.push((c, format!("boundary: {} parameter {d}", p.location)));
            }
            slots.push(slot);
        }
        if fixed.body.is_none()
            && let (Some(schema), Some(body)) = (data::sent_body_schema(op, planned), &base.body)
        {
            let mut slot = Vec::new();
            for (v, d) in
                boundary::variants(self.request_root(schema), schema, Some(body), "", seed)
            {
                if !self.valid(schema, &v) {
                    continue;
                }
                let mut c = base.clone();
                c.body = Some(v);
                slot.push((
                    c,
                    format!("boundary: {}", d.replacen("the value", "the body", 1)),
                ));
            }
            slots.push(slot);
        }
        // Round-robin: the first edge of every value, then the second of every value, ...
        let mut out: Vec<(CaseValues, String)> = Vec::new();
        let longest = slots.iter().map(Vec::len).max().unwrap_or(0);
        'boundary: for i in 0..longest {
            for slot in &slots {
                if out.len() >= wanted {
                    break 'boundary;
                }
                if let Some(case) = slot.get(i)
                    && case.0 != base
                    && !out.iter().any(|(c, _)| *c == case.0)
                {
                    out.push(case.clone());
                }
            }
        }
        // Then random values from the seed.
        let mut k: u64 = 0;
        while out.len() < wanted && k < 4 * wanted as u64 + 8 {
            k += 1;
            let s = seed.wrapping_add(0x1000).wrapping_add(k);
            let mut c = CaseValues::default();
            for (p, schema) in free_params(op, fixed) {
                let h = data::synth::seed_for(&[&op.id, p.location.as_str(), &p.name]);
                let send = p.required
                    || p.location == ParamLocation::Path
                    || (s ^ h).count_ones().is_multiple_of(2);
                if send && let Some(v) = self.synthesize(schema, s ^ h) {
                    c.params.insert(p.name.clone(), v);
                }
            }
            for (name, v) in &fixed.params {
                c.params.insert(name.clone(), v.clone());
            }
            c.body = match (&fixed.body, data::sent_body_schema(op, planned)) {
                (Some(b), _) => Some(b.clone()),
                (None, Some(schema)) => self.synthesize(schema, s ^ 0xb0d7),
                (None, None) => base.body.clone(),
            };
            if c != base && !out.iter().any(|(o, _)| *o == c) {
                out.push((c, format!("random (seed {seed}, case seed {s})")));
            }
        }
        out
    }

    /// Cases 2 to `n` of an operation as the boundary pass and the random cases give them
    /// (without the regressions file), for tests that check every value against its schema.
    #[doc(hidden)]
    pub async fn generated_case_values(
        &self,
        operation_id: &str,
        n: usize,
    ) -> Vec<(CaseValues, String)> {
        let Some(op) = self.operation(operation_id) else {
            return Vec::new();
        };
        let Ok(planned) = self.plan(op).await else {
            return Vec::new();
        };
        let (linked, _) = self.linked(op).await;
        let fixed = self.fixtures_for(op, &linked).unwrap_or_default();
        self.generated_cases(op, &planned, &fixed, n.saturating_sub(1))
    }

    /// The request of a case.
    fn case_request(&self, op: &Operation, case: &CaseValues) -> Result<Planned, String> {
        data::plan_with(
            op,
            Some(&case.fixtures()),
            &Linked::default(),
            self.target.settings.seed,
            &self.validators,
            false,
        )
        .map_err(|e| e.0)
    }

    async fn send_case(
        &self,
        op: &Operation,
        case: &CaseValues,
        note: String,
    ) -> Option<Result<Exchange, Unsent>> {
        let planned = self.case_request(op, case).ok()?;
        let (wire, curl) = self.build(op, op.method, &planned, true);
        Some(
            self.send(op, Arc::new(wire), Arc::new(curl), vec![note])
                .await,
        )
    }

    /// Runs cases 2 to N of `op` (and its remembered cases) for the checks of [`CASE_CHECKS`]
    /// that passed on case 1; the first case each fails on (shrunk) becomes its outcome.
    pub(crate) async fn explore(
        &self,
        op: &Operation,
        checks: &[Check],
        outcomes: &mut [Option<Outcome>],
    ) {
        let settings = &self.target.settings;
        // Checks that held on case 1, and checks case 1 could not exercise (the server refused
        // it): a case the server accepts exercises them.
        let mut open: Vec<usize> = checks
            .iter()
            .enumerate()
            .filter(|(i, c)| {
                CASE_CHECKS.contains(c)
                    && matches!(
                        outcomes[*i],
                        Some(Outcome::Passed { .. } | Outcome::NotExercised(_))
                    )
            })
            .map(|(i, _)| i)
            .collect();
        if let Some(Regressions {
            loaded: Err(why), ..
        }) = &self.regressions
        {
            for i in open {
                outcomes[i] = Some(Outcome::Errored(Box::new(self.failure(
                    op,
                    checks[i],
                    crate::failure::Finding::new("the regressions file could not be read")
                        .detail(why.clone())
                        .detail("Fix or delete it (docs/cases.md), or set `regressions = \"off\"` in contractgate.toml."),
                    None,
                ))));
            }
            return;
        }
        let remembered = self
            .regressions
            .as_ref()
            .map(|r| r.for_operation(&op.id))
            .unwrap_or_default();
        if open.is_empty() || (settings.cases <= 1 && remembered.is_empty()) {
            return;
        }
        let Ok(planned) = self.plan(op).await else {
            return;
        };
        let (linked, _) = self.linked(op).await;
        let fixed = self.fixtures_for(op, &linked).unwrap_or_default();
        // An update and its read back (read_after_write, from another check's call) must not see
        // a case in between.
        let lock = self.op_lock(&op.id);
        let _guard = lock.lock().await;
        let generated = settings.cases - 1;
        let budget = remembered.len() + generated;
        let mut queue: std::collections::VecDeque<(CaseValues, String)> = remembered.into();
        if generated > 0 {
            queue.extend(self.generated_cases(op, &planned, &fixed, generated));
        }
        // When the server refused case 1, the first case it accepts becomes the base of the
        // boundary pass (each edge is then tried on a request the server takes).
        let mut refused_base = outcomes
            .iter()
            .any(|o| matches!(o, Some(Outcome::NotExercised(_))));
        let total = budget + 1;
        let mut sent: Vec<CaseValues> = Vec::new();
        while let Some((case, origin)) = queue.pop_front() {
            if open.is_empty() || sent.len() >= budget {
                break;
            }
            if sent.contains(&case) {
                continue;
            }
            sent.push(case.clone());
            let number = sent.len() + 1;
            let note = format!("case {number} of {total}: {origin}");
            let exchange = match self.send_case(op, &case, note.clone()).await {
                None => continue,
                Some(Ok(e)) => e,
                // The budget is spent, or the target stopped answering: case 1's verdict stands.
                Some(Err(_)) => break,
            };
            let status = exchange.response.status;
            if (400..500).contains(&status) {
                continue;
            }
            if refused_base && (200..300).contains(&status) {
                refused_base = false;
                if let Ok(accepted) = self.case_request(op, &case) {
                    let left = budget - sent.len();
                    queue = self
                        .generated_cases(op, &accepted, &fixed, left + sent.len())
                        .into_iter()
                        .filter(|(c, _)| !sent.contains(c))
                        .map(|(c, o)| {
                            (
                                c,
                                format!("{o} (from case {number}, the first the server accepted)"),
                            )
                        })
                        .collect();
                }
            }
            let mut still_open = Vec::new();
            for i in open {
                let check = checks[i];
                let was_exercised = matches!(outcomes[i], Some(Outcome::Passed { .. }));
                match self.judge(op, check, &exchange) {
                    Outcome::Failed(found) => {
                        let mut failure = self.shrink(op, check, &case, *found).await;
                        let before = if was_exercised {
                            "the request built from the spec (case 1) passed this check"
                        } else {
                            "the server had refused the request built from the spec (case 1)"
                        };
                        failure
                            .finding
                            .details
                            .insert(0, format!("Found by {note}; {before}."));
                        outcomes[i] = Some(Outcome::Failed(Box::new(failure)));
                    }
                    passed @ Outcome::Passed { .. } => {
                        if !was_exercised {
                            outcomes[i] = Some(passed);
                        }
                        still_open.push(i);
                    }
                    _ => still_open.push(i),
                }
            }
            open = still_open;
        }
    }

    /// Shrinks `case`, which `check` failed with `found`: simpler values one at a time while the
    /// check fails the same way, within [`SHRINK_BUDGET`] requests. The failure of the minimal
    /// case, which says how it was reached, and is remembered in the regressions file.
    async fn shrink(
        &self,
        op: &Operation,
        check: Check,
        case: &CaseValues,
        found: Failure,
    ) -> Failure {
        let kind = Fingerprint::of(&found).kind;
        let (linked, _) = self.linked(op).await;
        let fixed = self.fixtures_for(op, &linked).unwrap_or_default();
        let mut current = case.clone();
        let mut failure = found;
        let mut steps: Vec<String> = Vec::new();
        let mut sent = 0usize;
        let mut tried: Vec<CaseValues> = vec![current.clone()];
        'shrinking: loop {
            let Ok(planned) = self.case_request(op, &current) else {
                break;
            };
            let candidates = self.simpler_cases(op, &current, &planned, &fixed);
            let mut improved = false;
            for (candidate, what) in candidates {
                if tried.contains(&candidate) {
                    continue;
                }
                tried.push(candidate.clone());
                if sent >= SHRINK_BUDGET {
                    break 'shrinking;
                }
                sent += 1;
                let note = format!("shrinking: {what}");
                let Some(Ok(exchange)) = self.send_case(op, &candidate, note).await else {
                    continue;
                };
                if let Outcome::Failed(f) = self.judge(op, check, &exchange)
                    && Fingerprint::of(&f).kind == kind
                {
                    current = candidate;
                    failure = *f;
                    steps.push(what);
                    improved = true;
                    break;
                }
            }
            if !improved {
                break;
            }
        }
        if steps.is_empty() {
            failure.finding.details.push(format!(
                "Not shrunk: no simpler request failed the same way ({sent} tried)."
            ));
        } else {
            failure.finding.details.push(format!(
                "Shrunk in {} step(s) ({sent} requests) to the request below: {}. As found: {}.",
                steps.len(),
                steps.join("; "),
                case.describe()
            ));
        }
        if let Some(regressions) = &self.regressions {
            let entry = Regression {
                operation: op.id.clone(),
                check: check.as_str().to_owned(),
                finding: kind,
                found: crate::baseline::today(),
                values: current,
            };
            match regressions.remember(entry) {
                Ok(true) => failure.finding.details.push(format!(
                    "Remembered in {}: later runs send this request first.",
                    regressions.path.display()
                )),
                Ok(false) => {}
                Err(why) => failure
                    .finding
                    .details
                    .push(format!("The regressions file could not be written: {why}")),
            }
        }
        failure
    }

    /// Simpler cases than `case`, simplest first: an optional parameter left out, a simpler body,
    /// a simpler parameter value. Each value validates against its schema.
    fn simpler_cases(
        &self,
        op: &Operation,
        case: &CaseValues,
        planned: &Planned,
        fixed: &OperationFixtures,
    ) -> Vec<(CaseValues, String)> {
        let mut out = Vec::new();
        for (p, _) in free_params(op, fixed) {
            if !p.required && p.location != ParamLocation::Path && case.params.contains_key(&p.name)
            {
                let mut c = case.clone();
                c.params.shift_remove(&p.name);
                out.push((
                    c,
                    format!("without the {} parameter `{}`", p.location, p.name),
                ));
            }
        }
        if fixed.body.is_none()
            && let (Some(schema), Some(body)) = (data::sent_body_schema(op, planned), &case.body)
        {
            for (v, d) in boundary::simpler(self.request_root(schema), schema, body, "") {
                if self.valid(schema, &v) {
                    let mut c = case.clone();
                    c.body = Some(v);
                    out.push((c, format!("body {d}")));
                }
            }
        }
        for (p, schema) in free_params(op, fixed) {
            let Some(value) = case.params.get(&p.name) else {
                continue;
            };
            for (v, d) in boundary::simpler(self.request_root(schema), schema, value, &p.name) {
                if self.valid(schema, &v) {
                    let mut c = case.clone();
                    c.params.insert(p.name.clone(), v);
                    out.push((c, format!("{} parameter {d}", p.location)));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regressions_file_sits_beside_the_spec() {
        assert_eq!(
            default_regressions_file(Path::new("api/openapi.yaml")),
            PathBuf::from("api/openapi.regressions.json")
        );
    }

    #[test]
    fn remembered_cases_round_trip_and_are_not_repeated() {
        let dir = std::env::temp_dir().join(format!("cg-regressions-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("openapi.regressions.json");
        let _ = std::fs::remove_file(&path);
        let r = Regressions::load(&path);
        let entry = Regression {
            operation: "updateUserProfile".into(),
            check: "not_server_error".into(),
            finding: "500: the server answered 500".into(),
            found: "2026-12-06".into(),
            values: CaseValues {
                params: IndexMap::new(),
                body: Some(serde_json::json!({"bio": null, "display_name": "A"})),
            },
        };
        assert_eq!(r.remember(entry.clone()), Ok(true));
        assert_eq!(r.remember(entry.clone()), Ok(false));
        let again = Regressions::load(&path);
        assert_eq!(again.loaded, Ok(vec![entry]));
        assert_eq!(again.for_operation("updateUserProfile").len(), 1);
        assert!(again.for_operation("other").is_empty());
        std::fs::write(&path, "{ not json").unwrap();
        assert!(Regressions::load(&path).loaded.is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

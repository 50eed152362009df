//! Replay: a failing request, recorded in a report without its credentials, sent again to another
//! target (staging's failure against a local build) with that target's credentials, and judged by
//! the same check.
//!
//! [`Replay`] is what a [`RequestRecord`](crate::failure::RequestRecord) keeps of the request: the
//! path and query, the parameter headers and cookies, the body, and which credentials it carried
//! (the configured ones, none, or wrong ones), never a secret (credentials and the environment's
//! headers are left out; secrets elsewhere are already `$VAR`).

use std::sync::Arc;

use contractgate_spec::ir::{ApiKeyLocation, Method, Operation};
use serde::{Deserialize, Serialize};

use crate::checks::{Check, Verdict};
use crate::client::WireRequest;
use crate::data::Planned;
use crate::data::serialize::Body;
use crate::failure::{Failure, Finding, OperationInfo, Severity};
use crate::request::{Auth, WRONG_SUFFIX};
use crate::runner::{CheckResult, Harness, Outcome};
use crate::target::Credentials;

/// Which credentials a recorded request carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayCredentials {
    /// The configured ones (re-inserted from the new target's environment).
    With,
    /// None (`auth_enforced`).
    Without,
    /// Wrong ones of the right kind (`auth_enforced`).
    Wrong,
}

/// A request as replay needs it, without secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replay {
    /// `GET`.
    pub method: String,
    /// The encoded path after the base URL (`/users/42`).
    pub path: String,
    /// Encoded query pieces (`limit=10`), credentials left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query: Vec<String>,
    /// Parameter headers (not `Accept`, credentials or the environment's headers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Cookie pairs, credentials left out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cookies: Vec<String>,
    /// The body's `Content-Type`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The body as text (secrets in it are `$VAR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Which credentials it carried.
    pub credentials: ReplayCredentials,
}

impl Harness {
    /// What replay needs of `wire`, a request this harness sent (secrets left out or redacted);
    /// `None` when it did not go to this target's base URL.
    pub(crate) fn replay_of(&self, wire: &WireRequest) -> Option<Replay> {
        let rest = wire.url.strip_prefix(&self.target.base_url)?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let r = self.redactor();
        // Where the configured credentials go: they are not recorded.
        let mut secret_headers: Vec<String> = vec!["authorization".into()];
        let mut secret_query: Vec<String> = Vec::new();
        let mut secret_cookies: Vec<String> = Vec::new();
        for c in self.target.credentials.values() {
            if let Credentials::ApiKey { name, location, .. } = c {
                let list = match location {
                    ApiKeyLocation::Header => &mut secret_headers,
                    ApiKeyLocation::Query => &mut secret_query,
                    ApiKeyLocation::Cookie => &mut secret_cookies,
                };
                list.push(name.to_ascii_lowercase());
            }
        }
        for name in self.target.settings.headers.keys() {
            secret_headers.push(name.to_ascii_lowercase());
        }
        let mut carried: Vec<String> = Vec::new();
        let query: Vec<String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let name = p.split('=').next().unwrap_or_default();
                let decoded = percent_encoding::percent_decode_str(name)
                    .decode_utf8_lossy()
                    .to_ascii_lowercase();
                if secret_query.contains(&decoded) {
                    carried.push(p.split_once('=').map_or("", |(_, v)| v).to_owned());
                    return false;
                }
                true
            })
            .map(|p| r.redact(p))
            .collect();
        let mut headers = Vec::new();
        let mut cookies = Vec::new();
        let mut content_type = None;
        for (name, value) in &wire.headers {
            let lower = name.to_ascii_lowercase();
            if lower == "accept" {
                continue;
            }
            if lower == "content-type" {
                content_type = Some(value.clone());
                continue;
            }
            if lower == "cookie" {
                for pair in value.split("; ") {
                    let cookie = pair
                        .split('=')
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if secret_cookies.contains(&cookie) {
                        carried.push(pair.split_once('=').map_or("", |(_, v)| v).to_owned());
                    } else {
                        cookies.push(r.redact(pair));
                    }
                }
                continue;
            }
            if secret_headers.contains(&lower) {
                if lower == "authorization" || !self.target.settings.headers.contains_key(name) {
                    carried.push(value.clone());
                }
                continue;
            }
            headers.push((name.clone(), r.redact(value)));
        }
        let credentials = if carried.is_empty() {
            ReplayCredentials::Without
        } else if carried.iter().any(|v| wrong(v)) {
            ReplayCredentials::Wrong
        } else {
            ReplayCredentials::With
        };
        Some(Replay {
            method: wire.method.clone(),
            path: r.redact(path),
            query,
            headers,
            cookies,
            content_type,
            body: wire
                .body
                .as_ref()
                .map(|b| r.redact(&String::from_utf8_lossy(b))),
            credentials,
        })
    }

    /// Sends `replay` for the operation (or, for `method_not_allowed`, the path) `subject` to this
    /// harness's target, with this target's credentials where the recorded request had them, and
    /// judges the answer with `check`. `auth_enforced` and `negative_data_rejection` that were
    /// not exercised (the valid request was refused) proved nothing with the recorded request:
    /// they are judged again in full, with the new target's own requests.
    pub async fn replay(
        &self,
        subject: &str,
        check: Check,
        replay: &Replay,
        was_not_exercised: bool,
    ) -> CheckResult {
        let op = self.operation(subject).or_else(|| {
            self.operations()
                .find(|o| o.path == subject && check == Check::MethodNotAllowed)
        });
        let info = op.map_or_else(|| OperationInfo::path(subject), OperationInfo::of);
        let errored = |finding: Finding| CheckResult {
            check,
            subject: std::sync::Arc::new(info.clone()),
            outcome: Outcome::Errored(Box::new(Failure {
                check,
                severity: Severity::Critical,
                operation: info.clone(),
                finding,
                request: None,
                response: None,
                not_exercised: false,
                custom_name: None,
                flaky: None,
            })),
        };
        let Some(op) = op else {
            return errored(Finding::new(format!(
                "no operation `{subject}` in the API to replay against"
            )));
        };
        let Ok(method) = replay.method.parse::<Method>() else {
            return errored(Finding::new(format!(
                "`{}` is not a method contractgate sends",
                replay.method
            )));
        };
        if was_not_exercised
            && matches!(check, Check::AuthEnforced | Check::NegativeDataRejection)
            && op.path != subject
        {
            return self.check(&op.id, check).await;
        }
        if let Err(why) = self.obtain_credentials().await {
            return errored(Finding::new("the credentials could not be obtained").detail(why));
        }
        let planned = Planned {
            path: replay.path.clone(),
            query: replay.query.clone(),
            query_names: replay
                .query
                .iter()
                .map(|q| q.split('=').next().unwrap_or_default().to_owned())
                .collect(),
            headers: replay.headers.clone(),
            cookies: replay.cookies.clone(),
            body: replay.body.as_ref().map(|b| Body {
                content_type: replay
                    .content_type
                    .clone()
                    .unwrap_or_else(|| "application/json".into()),
                bytes: b.clone().into_bytes(),
            }),
            notes: vec!["replayed from a report".into()],
            ..Planned::default()
        };
        let auth = match replay.credentials {
            ReplayCredentials::With => Auth::With,
            ReplayCredentials::Without => Auth::Without,
            ReplayCredentials::Wrong => Auth::Wrong,
        };
        let (wire, curl) = self.build_with(op, method, &planned, auth);
        let subject_info = if check == Check::MethodNotAllowed {
            OperationInfo::path(&op.path)
        } else {
            info
        };
        let exchange = match self
            .send(op, Arc::new(wire), Arc::new(curl), planned.notes.clone())
            .await
        {
            Ok(e) => e,
            Err(unsent) => {
                return CheckResult {
                    check,
                    subject: std::sync::Arc::new(subject_info),
                    outcome: unsent.outcome(check),
                };
            }
        };
        let ctx = self.context(op);
        let outcome = match check {
            Check::AuthEnforced => {
                let verdict = crate::checks::auth_enforced::check(&ctx, &exchange);
                self.plain(op, check, verdict, &exchange)
            }
            Check::NegativeDataRejection => {
                let verdict =
                    crate::checks::negative_data_rejection::check(&exchange, "the recorded data");
                self.plain(op, check, verdict, &exchange)
            }
            Check::MethodNotAllowed => {
                let verdict = crate::checks::method_not_allowed::check(&exchange);
                let mut outcome = self.plain(op, check, verdict, &exchange);
                if let Outcome::Failed(f) = &mut outcome {
                    f.operation = OperationInfo::path(&op.path);
                }
                outcome
            }
            _ => self.judge(op, check, &exchange),
        };
        CheckResult {
            check,
            subject: std::sync::Arc::new(subject_info),
            outcome,
        }
    }

    /// A verdict as is: a failure fails, anything else passes (no "not exercised" reading).
    fn plain(
        &self,
        op: &Operation,
        check: Check,
        verdict: Verdict,
        exchange: &crate::client::Exchange,
    ) -> Outcome {
        match verdict {
            Verdict::Fail(finding) => {
                Outcome::Failed(Box::new(self.failure(op, check, finding, Some(exchange))))
            }
            Verdict::Pass(warnings) => Outcome::Passed { warnings },
            Verdict::NotApplicable(reason) => Outcome::NotApplicable { reason },
        }
    }
}

/// Whether a credential value is a wrong one this harness made.
fn wrong(value: &str) -> bool {
    value.ends_with(WRONG_SUFFIX)
        || percent_encoding::percent_decode_str(value)
            .decode_utf8_lossy()
            .ends_with(WRONG_SUFFIX)
        || value
            .strip_prefix("Basic ")
            .and_then(|b| {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.decode(b).ok()
            })
            .is_some_and(|raw| String::from_utf8_lossy(&raw).ends_with(WRONG_SUFFIX))
}

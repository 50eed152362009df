//! The checks: each a named unit in its own file, with one signature.
//!
//! A check looks at one [`Exchange`] (the request sent and the response received) for one
//! operation and returns a verdict: pass (with warnings), fail (with a [`Finding`]), or not
//! applicable (with the reason). Checks that need a request of their own (`method_not_allowed`,
//! `auth_enforced`, `negative_data_rejection`) get it prepared by the runner. Names are exactly those of
//! DESIGN.md and are used everywhere: `as_str()`, `FromStr`, config keys `[checks.<name>]`,
//! generated test names and failure titles.

use std::fmt;
use std::str::FromStr;

use contractgate_spec::ir::{Api, MediaType, Operation, Response};

use crate::client::Exchange;
use crate::config::Settings;
use crate::failure::Finding;
use crate::schema::ValidatorCache;

pub(crate) mod auth_enforced;
pub(crate) mod content_type_conformance;
pub(crate) mod latency_budget;
pub(crate) mod method_not_allowed;
pub(crate) mod negative_data_rejection;
pub(crate) mod not_server_error;
pub(crate) mod response_headers_conformance;
pub(crate) mod response_schema_conformance;
pub(crate) mod route_identity;
pub(crate) mod status_code_conformance;

/// One check.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A 5xx to a request built as valid, documented or not (unless the configuration allows it).
    NotServerError,
    /// The status is not in the operation's responses (exact, `2XX` ranges, `default`), or a 2xx
    /// only `default` covers while the operation lists its success codes.
    StatusCodeConformance,
    /// The `Content-Type` is not one documented for that status, or a documented body is missing.
    ContentTypeConformance,
    /// The body does not validate against the documented schema.
    ResponseSchemaConformance,
    /// The body is another route's answer (the route mix-up's signature).
    RouteIdentity,
    /// A required documented response header is missing or invalid.
    ResponseHeadersConformance,
    /// An undocumented method on a documented path answers 2xx or 5xx instead of 404/405, or a
    /// 405 comes without `Allow`.
    MethodNotAllowed,
    /// A secured operation answers 2xx without credentials.
    AuthEnforced,
    /// A request that violates the schema is accepted with 2xx.
    NegativeDataRejection,
    /// The response took longer than the configured budget.
    LatencyBudget,
}

impl Check {
    /// Every check, in DESIGN.md's order.
    pub const ALL: [Check; 10] = [
        Check::NotServerError,
        Check::StatusCodeConformance,
        Check::ContentTypeConformance,
        Check::ResponseSchemaConformance,
        Check::RouteIdentity,
        Check::ResponseHeadersConformance,
        Check::MethodNotAllowed,
        Check::AuthEnforced,
        Check::NegativeDataRejection,
        Check::LatencyBudget,
    ];

    /// The check's name: `status_code_conformance`.
    pub fn as_str(self) -> &'static str {
        match self {
            Check::NotServerError => "not_server_error",
            Check::StatusCodeConformance => "status_code_conformance",
            Check::ContentTypeConformance => "content_type_conformance",
            Check::ResponseSchemaConformance => "response_schema_conformance",
            Check::RouteIdentity => "route_identity",
            Check::ResponseHeadersConformance => "response_headers_conformance",
            Check::MethodNotAllowed => "method_not_allowed",
            Check::AuthEnforced => "auth_enforced",
            Check::NegativeDataRejection => "negative_data_rejection",
            Check::LatencyBudget => "latency_budget",
        }
    }

    /// Whether the check is about a path (all its operations) rather than one operation.
    pub fn is_per_path(self) -> bool {
        matches!(self, Check::MethodNotAllowed)
    }

    /// Whether the check judges the response to the positive request (the request built from
    /// examples and synthesized data), so one exchange serves all of them.
    pub fn uses_positive_exchange(self) -> bool {
        !matches!(
            self,
            Check::MethodNotAllowed | Check::AuthEnforced | Check::NegativeDataRejection
        )
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown check name; its message lists the valid ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{0}`; valid checks: {valid}", valid = Check::ALL.map(Check::as_str).join(", "))]
pub struct UnknownCheck(pub String);

impl FromStr for Check {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<Self, UnknownCheck> {
        Check::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCheck(s.to_owned()))
    }
}

/// What a check concluded about one exchange.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The contract holds; possibly with warnings worth reporting.
    Pass(Vec<String>),
    /// The contract is broken.
    Fail(Finding),
    /// The check cannot apply here, and why.
    NotApplicable(String),
}

/// What checks get besides the exchange.
pub(crate) struct Context<'a> {
    pub api: &'a Api,
    pub operation: &'a Operation,
    pub settings: &'a Settings,
    pub validators: &'a ValidatorCache,
}

/// Judges the positive exchange with one check (the checks that use it).
pub(crate) fn judge(check: Check, ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    match check {
        Check::NotServerError => not_server_error::check(ctx, exchange),
        Check::StatusCodeConformance => status_code_conformance::check(ctx, exchange),
        Check::ContentTypeConformance => content_type_conformance::check(ctx, exchange),
        Check::ResponseSchemaConformance => response_schema_conformance::check(ctx, exchange),
        Check::RouteIdentity => route_identity::check(ctx, exchange),
        Check::ResponseHeadersConformance => response_headers_conformance::check(ctx, exchange),
        Check::LatencyBudget => latency_budget::check(ctx, exchange),
        Check::AuthEnforced => auth_enforced::check(ctx, exchange),
        Check::MethodNotAllowed => method_not_allowed::check(exchange),
        Check::NegativeDataRejection => {
            Verdict::NotApplicable("negative_data_rejection sends a request of its own".into())
        }
    }
}

/// The documented response for the received status, for the checks that judge a response against
/// it; for an undocumented status, why they do not apply (`status_code_conformance` reports it).
pub(crate) fn documented_or_not_applicable(
    op: &Operation,
    status: u16,
) -> Result<&Response, String> {
    documented_response(op, status).ok_or_else(|| {
        format!("status {status} is not documented (status_code_conformance reports it)")
    })
}

/// The documented response for a status: exact code first, then its `NXX` range, then `default`.
pub(crate) fn documented_response(op: &Operation, status: u16) -> Option<&Response> {
    use contractgate_spec::ir::StatusSpec;
    op.responses
        .iter()
        .find(|r| r.status == StatusSpec::Exact(status))
        .or_else(|| {
            op.responses
                .iter()
                .find(|r| matches!(r.status, StatusSpec::Range(_)) && r.status.matches(status))
        })
        .or_else(|| {
            op.responses
                .iter()
                .find(|r| r.status == StatusSpec::Default)
        })
}

/// `200, 404, default` — the documented statuses, in document order.
pub(crate) fn documented_statuses(op: &Operation) -> String {
    let list: Vec<String> = op.responses.iter().map(|r| r.status.to_string()).collect();
    if list.is_empty() {
        "no responses".to_owned()
    } else {
        list.join(", ")
    }
}

/// Whether a received media type is covered by a documented one: equal essence, wildcards
/// (`*/*`, `application/*`), and any `+json` type for a documented `application/json`.
pub(crate) fn media_type_matches(documented: &str, received: &str) -> bool {
    use crate::data::serialize::essence;
    let (d, r) = (essence(documented), essence(received));
    if d == r || d == "*/*" {
        return true;
    }
    if let (Some((dt, ds)), Some((rt, _))) = (d.split_once('/'), r.split_once('/'))
        && ds == "*"
        && dt == rt
    {
        return true;
    }
    d == "application/json" && r.ends_with("+json")
}

/// The documented media type entry for a received `Content-Type`.
pub(crate) fn documented_media<'r>(
    response: &'r Response,
    received: &str,
) -> Option<(&'r str, &'r MediaType)> {
    // Exact matches first, then wildcards and suffixes.
    use crate::data::serialize::essence;
    let r = essence(received);
    response
        .content
        .iter()
        .find(|(d, _)| essence(d) == r)
        .or_else(|| {
            response
                .content
                .iter()
                .find(|(d, _)| media_type_matches(d, received))
        })
        .map(|(d, m)| (d.as_str(), m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Check::ALL {
            assert_eq!(c.as_str().parse::<Check>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        let e = "status_code".parse::<Check>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown check `status_code`; valid checks: not_server_error, ")
        );
    }

    #[test]
    fn media_types_match_with_parameters_wildcards_and_suffixes() {
        assert!(media_type_matches(
            "application/json",
            "application/json; charset=utf-8"
        ));
        assert!(media_type_matches(
            "application/json",
            "application/problem+json"
        ));
        assert!(media_type_matches("application/*", "application/xml"));
        assert!(media_type_matches("*/*", "text/html"));
        assert!(media_type_matches("Application/JSON", "application/json"));
        assert!(!media_type_matches("application/json", "text/html"));
        assert!(!media_type_matches(
            "application/problem+json",
            "application/json"
        ));
    }
}

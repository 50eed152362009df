//! The checks: each a named unit in its own file, with one signature.
//!
//! A check looks at one [`Exchange`] (the request sent and the response received) for one
//! operation and returns a verdict: pass (with warnings), fail (with a [`Finding`]), or not
//! applicable (with the reason). Checks that need a request of their own (`method_not_allowed`,
//! `auth_enforced`, `negative_data_rejection`) get it prepared by the runner. Names are exactly those of
//! DESIGN.md and are used everywhere: `as_str()`, `FromStr`, config keys `[checks.<name>]`,
//! generated test names and failure titles.

use contractgate_spec::ir::{MediaType, Operation, Response};

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
pub(crate) mod state;
pub(crate) mod status_code_conformance;

pub use contractgate_spec::check::{Check, CheckInfo, Severity, UnknownCheck};

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
    /// For the other operations and the API's shared schemas.
    pub harness: &'a crate::runner::Harness,
    pub operation: &'a Operation,
    pub settings: &'a Settings,
    pub validators: &'a ValidatorCache,
}

impl<'a> Context<'a> {
    /// Where the `$ref`s of `schema`, a schema of this API used in `direction`, lead.
    pub(crate) fn refs(
        &self,
        schema: &'a serde_json::Value,
        direction: contractgate_spec::ir::Direction,
    ) -> crate::schema::Refs<'a> {
        crate::schema::Refs::new(schema, self.harness.api(), direction)
    }
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
        Check::Custom => {
            Verdict::NotApplicable("custom checks run through Harness::check_custom".into())
        }
        Check::ResourceAvailability | Check::UseAfterFree | Check::ReadAfterWrite => {
            Verdict::NotApplicable("state checks are judged with the links that gave the id".into())
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

pub(crate) use contractgate_spec::media::matches as media_type_matches;

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

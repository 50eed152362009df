//! `not_server_error`: catches a 5xx answer to a request built as valid, whether or not the
//! operation documents it. A spec that lists `500` (as many do, for the error body's shape) still
//! describes an outage when a valid request gets one. The configuration can allow named 5xx
//! statuses per environment and per operation (`allowed_server_errors`) for an API that answers
//! them by design; the failure text names that setting.

use super::{Context, Verdict, documented_response, documented_statuses};
use crate::client::Exchange;
use crate::failure::Finding;
use contractgate_spec::ir::StatusSpec;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    if !(500..600).contains(&status) {
        return Verdict::Pass(Vec::new());
    }
    let op = ctx.operation;
    if ctx.settings.allows_server_error(&op.id, status) {
        return Verdict::Pass(vec![format!(
            "{status} allowed by `allowed_server_errors` in the configuration"
        )]);
    }
    let documented = documented_response(op, status)
        .filter(|r| matches!(r.status, StatusSpec::Exact(_) | StatusSpec::Range(_)));
    let mut finding = Finding::new("server error")
        .received(exchange.response.status_and_type())
        .documented(documented_statuses(op));
    if let Some(r) = documented {
        finding = finding.detail(format!(
            "The spec documents {} for this operation, but a request built from the spec must not get one: a documented server error is still an outage.",
            r.status
        ));
    }
    Verdict::Fail(finding.detail(format!(
        "If this API answers {status} by design, allow it: [environments.<name>.allowed_server_errors] {} = [{status}] (or \"*\" for every operation)",
        toml_key(&op.id)
    )))
}

/// An operation id as a TOML key: bare when it can be, quoted otherwise.
fn toml_key(id: &str) -> String {
    if !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        id.to_owned()
    } else {
        format!("{id:?}")
    }
}

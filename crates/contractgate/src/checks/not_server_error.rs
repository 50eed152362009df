//! `not_server_error`: catches a 5xx that the operation does not document (an exact code or a
//! `5XX` range; `default` does not count).

use contractgate_spec::ir::StatusSpec;

use super::{Context, Verdict, documented_statuses};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    if !(500..600).contains(&status) {
        return Verdict::Pass(Vec::new());
    }
    let documented = ctx.operation.responses.iter().any(|r| {
        matches!(r.status, StatusSpec::Exact(_) | StatusSpec::Range(_)) && r.status.matches(status)
    });
    if documented {
        return Verdict::Pass(Vec::new());
    }
    Verdict::Fail(
        Finding::new("server error")
            .received(exchange.response.status_and_type())
            .documented(documented_statuses(ctx.operation)),
    )
}

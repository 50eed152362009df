//! `status_code_conformance`: catches a status that is not among the operation's responses
//! (exact codes, `2XX` ranges, `default`).

use super::{Context, Verdict, documented_response, documented_statuses};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    if documented_response(ctx.operation, status).is_some() {
        return Verdict::Pass(Vec::new());
    }
    Verdict::Fail(
        Finding::new("undocumented status code")
            .received(exchange.response.status_and_type())
            .documented(documented_statuses(ctx.operation)),
    )
}

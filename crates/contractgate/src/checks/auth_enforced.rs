//! `auth_enforced`: catches a secured operation that answers 2xx to a request sent without
//! credentials.

use super::{Context, Verdict};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    if !(200..300).contains(&status) {
        return Verdict::Pass(Vec::new());
    }
    let schemes: Vec<String> = ctx
        .operation
        .security
        .iter()
        .map(|r| r.schemes.keys().cloned().collect::<Vec<_>>().join(" + "))
        .collect();
    Verdict::Fail(
        Finding::new("a secured operation answered a request without credentials")
            .received(format!("{status} to a request without credentials"))
            .documented(format!(
                "security: {}; expected 401 or 403 without credentials",
                schemes.join(" or ")
            )),
    )
}

//! `latency_budget`: catches a response that took longer than the configured budget
//! (`latency_budget_ms`).

use super::{Context, Verdict};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let Some(budget) = ctx.settings.latency_budget else {
        return Verdict::NotApplicable("no latency budget is configured".into());
    };
    let took = exchange.response.elapsed;
    if took <= budget {
        return Verdict::Pass(Vec::new());
    }
    Verdict::Fail(
        Finding::new("the response took longer than the latency budget")
            .received(format!("{} ms", took.as_millis()))
            .documented(format!(
                "at most {} ms (latency_budget_ms)",
                budget.as_millis()
            )),
    )
}

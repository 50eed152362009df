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

// Sending the request without credentials, and judging it against the one with them.
use std::sync::Arc;

use contractgate_spec::ir::Operation;

use crate::checks::Check;
use crate::runner::{Harness, Outcome, success_statuses};

impl Harness {
    pub(crate) async fn auth_enforced(&self, op: &Operation) -> Outcome {
        let check = Check::AuthEnforced;
        let planned = match self.plan(op).await {
            Ok(p) => p,
            Err(unsent) => return unsent.outcome(check),
        };
        let (wire, curl) = self.build(op, op.method, &planned, false);
        let exchange = match self
            .send(op, Arc::new(wire), Arc::new(curl), planned.notes.clone())
            .await
        {
            Ok(exchange) => exchange,
            Err(unsent) => return unsent.outcome(check),
        };
        let ctx = self.context(op);
        match self::check(&ctx, &exchange) {
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
}

//! `auth_enforced`: catches a secured operation that answers 2xx to a request sent without
//! credentials, or, when credentials are configured, to one sent with wrong credentials of the
//! same kind in the same place (the configured bearer token, password or API key with a suffix:
//! a server that accepts any token, a classic broken JWT check, fails here). A refusal without
//! credentials proves something only as 401/403, or when the request with them gets through.

use super::{Context, Verdict};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    judge(ctx, exchange, None)
}

/// The verdict on a request sent without credentials (`wrong: None`) or with the wrong ones
/// described by `wrong`.
fn judge(ctx: &Context<'_>, exchange: &Exchange, wrong: Option<&str>) -> Verdict {
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
    let (title, sent) = match wrong {
        None => (
            "a secured operation answered a request without credentials".to_owned(),
            "without credentials".to_owned(),
        ),
        Some(what) => (
            format!("a secured operation accepted {what}"),
            format!("with {what}"),
        ),
    };
    Verdict::Fail(
        Finding::new(title)
            .received(format!("{status} to a request {sent}"))
            .documented(format!(
                "security: {}; expected 401 or 403 without valid credentials",
                schemes.join(" or ")
            )),
    )
}

/// `a wrong bearer token (bearerAuth: the configured one with a suffix)`, for the credentials
/// the operation's request carries.
fn wrong_credentials(harness: &Harness, op: &Operation) -> Option<String> {
    let req = op
        .security
        .iter()
        .find(|r| !r.is_anonymous() && harness.satisfied(r))?;
    let kinds: Vec<String> = req
        .schemes
        .keys()
        .filter_map(|scheme| {
            let kind = match harness.target.credentials.get(scheme)? {
                Credentials::Bearer(_) => "bearer token",
                Credentials::Basic { .. } => "password",
                Credentials::ApiKey { .. } => "API key",
            };
            Some(format!(
                "a wrong {kind} ({scheme}: the configured one with a suffix)"
            ))
        })
        .collect();
    (!kinds.is_empty()).then(|| kinds.join(" and "))
}

// Sending the request without credentials, and judging it against the one with them.
use std::sync::Arc;

use contractgate_spec::ir::Operation;

use crate::checks::Check;
use crate::request::Auth;
use crate::runner::{Harness, Outcome, success_statuses};
use crate::target::Credentials;

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
                    return self.with_wrong_credentials(op, &planned, warnings).await;
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
                    _ => self.with_wrong_credentials(op, &planned, warnings).await,
                }
            }
        }
    }

    /// The second half of `auth_enforced`, once the request without credentials was refused:
    /// the same request with wrong credentials must be refused too.
    async fn with_wrong_credentials(
        &self,
        op: &Operation,
        planned: &crate::data::Planned,
        warnings: Vec<String>,
    ) -> Outcome {
        let check = Check::AuthEnforced;
        let Some(what) = wrong_credentials(self, op) else {
            return Outcome::Passed { warnings };
        };
        let (wire, curl) = self.build_with(op, op.method, planned, Auth::Wrong);
        let exchange = match self
            .send(op, Arc::new(wire), Arc::new(curl), planned.notes.clone())
            .await
        {
            Ok(exchange) => exchange,
            Err(unsent) => return unsent.outcome(check),
        };
        match judge(&self.context(op), &exchange, Some(&what)) {
            Verdict::Fail(f) => {
                Outcome::Failed(Box::new(self.failure(op, check, f, Some(&exchange))))
            }
            _ => Outcome::Passed { warnings },
        }
    }
}

//! `negative_data_rejection`: catches a request that violates the schema being accepted with 2xx.
//!
//! The runner derives up to [`MAX_MUTANTS`](crate::data::mutate::MAX_MUTANTS) requests from the
//! positive one ([`data::mutate`](crate::data::mutate)), each breaking the request schema in one
//! known way that the schema itself rejects: a JSON body without a required property or of the
//! wrong type, a missing required query parameter, and one value at a time (a body property, top
//! level or one level deep, or a path, query or header parameter) of the wrong type, breaking its
//! `format`, `pattern`, length or numeric bounds or `enum`, or an undeclared property where
//! `additionalProperties` is `false`. It sends them in turn and fails on the first answered with
//! 2xx, naming what was broken. A 4xx passes. A 5xx is not this check's failure: it is reported
//! as a warning (the request is malformed on purpose, so `not_server_error`, which judges the
//! positive request, does not see it).

use super::Verdict;
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(exchange: &Exchange, broken: &str) -> Verdict {
    let status = exchange.response.status;
    if (500..600).contains(&status) {
        return Verdict::Pass(vec![format!(
            "{status} to a request with {broken}: a server error, not a rejection with 4xx"
        )]);
    }
    if !(200..300).contains(&status) {
        return Verdict::Pass(Vec::new());
    }
    Verdict::Fail(
        Finding::new("a request that violates the schema was accepted")
            .received(format!("{status} to a request with {broken}"))
            .documented("the request schema; invalid requests must be rejected with 4xx"),
    )
}

// Sending the mutants, and judging them against the valid request.
use std::sync::Arc;

use contractgate_spec::ir::Operation;

use crate::checks::Check;
use crate::data;
use crate::runner::{Harness, Outcome, success_statuses};

impl Harness {
    pub(crate) async fn negative_data_rejection(&self, op: &Operation) -> Outcome {
        let check = Check::NegativeDataRejection;
        let planned = match self.plan(op).await {
            Ok(p) => p,
            Err(unsent) => return unsent.outcome(check),
        };
        let mutants =
            data::mutate::mutants(op, &planned, &self.validators, self.target.settings.seed);
        if mutants.is_empty() {
            return Outcome::NotApplicable {
                reason: "no JSON request body or required query parameter to break".into(),
            };
        }
        let mut warnings = Vec::new();
        let mut last = None;
        for mutant in mutants {
            let (wire, curl) = self.build(op, op.method, &mutant.planned, true);
            let exchange = match self
                .send(op, Arc::new(wire), Arc::new(curl), mutant.planned.notes)
                .await
            {
                Ok(exchange) => exchange,
                Err(unsent) => return unsent.outcome(check),
            };
            match self::check(&exchange, &mutant.broken) {
                Verdict::Fail(f) => {
                    return Outcome::Failed(Box::new(self.failure(op, check, f, Some(&exchange))));
                }
                Verdict::Pass(w) => warnings.extend(w),
                Verdict::NotApplicable(reason) => return Outcome::NotApplicable { reason },
            }
            last = Some((exchange, mutant.broken));
        }
        // Rejecting broken requests proves something only where the valid one gets through.
        if let Some((exchange, broken)) = last
            && let Some(with) = self.positive_status(op).await
            && !(200..300).contains(&with)
        {
            let finding = Finding::new(format!(
                "the valid request was refused too ({with}), so rejecting the invalid ones proves nothing"
            ))
            .received(format!("{} to a request with {broken}", exchange.response.status))
            .documented(format!(
                "{} to the valid request; invalid requests rejected with 4xx",
                success_statuses(op)
            ))
            .detail("Give working values as fixtures so that the valid request succeeds: [environments.<name>.fixtures.<operation id>] params = { ... } / body = ...");
            let mut outcome = self.not_exercised(op, check, finding, &exchange);
            if let Outcome::NotExercised(f) = &mut outcome {
                f.finding.warnings = warnings;
            }
            return outcome;
        }
        Outcome::Passed { warnings }
    }
}

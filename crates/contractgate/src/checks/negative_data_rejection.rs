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

//! `negative_data_rejection`: catches a request that violates the schema (a JSON body without a
//! required property or of the wrong type, or a missing required query parameter) being accepted
//! with 2xx. The runner derives the request from the positive one
//! ([`data::negative`](crate::data)) and passes what it broke.

use super::Verdict;
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(exchange: &Exchange, broken: &str) -> Verdict {
    let status = exchange.response.status;
    if !(200..300).contains(&status) {
        return Verdict::Pass(Vec::new());
    }
    Verdict::Fail(
        Finding::new("a request that violates the schema was accepted")
            .received(format!("{status} to a request with {broken}"))
            .documented("the request schema; invalid requests must be rejected with 4xx"),
    )
}

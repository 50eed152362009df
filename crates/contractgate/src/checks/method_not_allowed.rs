//! `method_not_allowed`: catches an undocumented method on a documented path that answers 2xx or
//! 5xx instead of 404/405. Runs per path ([`Harness::check_path`](crate::Harness::check_path)).

use super::Verdict;
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    if (200..300).contains(&status) || (500..600).contains(&status) {
        return Verdict::Fail(
            Finding::new(format!("an undocumented method was answered with {status}"))
                .received(format!("{} answered {status}", exchange.wire.method)),
        );
    }
    Verdict::Pass(Vec::new())
}

//! `method_not_allowed`: catches an undocumented method on a documented path that answers 2xx or
//! 5xx instead of 404/405, and a 405 without the `Allow` header RFC 9110 §15.5.6 requires (a
//! client cannot learn the methods it may use). Runs per path
//! ([`Harness::check_path`](crate::Harness::check_path)); a method is only tried where no other
//! documented path template matches the same URL for it (`GET /user/createWithArray` is
//! `GET /user/{username}`).

use super::Verdict;
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    let method = &exchange.wire.method;
    if (200..300).contains(&status) || (500..600).contains(&status) {
        return Verdict::Fail(
            Finding::new(format!("an undocumented method was answered with {status}"))
                .received(format!("{method} answered {status}")),
        );
    }
    if status == 405 && exchange.response.header("allow").is_none() {
        return Verdict::Fail(
            Finding::new("405 Method Not Allowed without an Allow header")
                .received(format!("{method} answered 405 with no Allow header"))
                .detail("RFC 9110 §15.5.6: a 405 response must carry an Allow header listing the methods the resource supports."),
        );
    }
    Verdict::Pass(Vec::new())
}

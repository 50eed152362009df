//! `status_code_conformance`: catches a status that is not among the operation's responses
//! (exact codes, `2XX` ranges, `default`), and a 2xx that only `default` covers while the
//! operation lists its success codes: `default` stands for the codes not listed, and a list of
//! success codes says which successes there are (a `202` where `200` is documented is a changed
//! contract, not a default).

use contractgate_spec::ir::StatusSpec;

use super::{Context, Verdict, documented_response, documented_statuses};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let status = exchange.response.status;
    let op = ctx.operation;
    match documented_response(op, status) {
        Some(r) if r.status == StatusSpec::Default && (200..300).contains(&status) => {
            let listed: Vec<String> = op
                .responses
                .iter()
                .filter(|r| r.status.is_success())
                .map(|r| r.status.to_string())
                .collect();
            if listed.is_empty() {
                return Verdict::Pass(Vec::new());
            }
            Verdict::Fail(
                Finding::new("a success status the operation does not list")
                    .received(exchange.response.status_and_type())
                    .documented(documented_statuses(op))
                    .detail(format!(
                        "Only `default` covers {status}, but the operation lists its success codes ({}): `default` stands for the codes not listed, so an unlisted success is a changed contract.",
                        listed.join(", ")
                    )),
            )
        }
        Some(_) => Verdict::Pass(Vec::new()),
        None => Verdict::Fail(
            Finding::new("undocumented status code")
                .received(exchange.response.status_and_type())
                .documented(documented_statuses(op)),
        ),
    }
}

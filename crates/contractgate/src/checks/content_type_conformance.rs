//! `content_type_conformance`: catches a `Content-Type` that is not one documented for the status
//! (parameters such as `charset` ignored; `+json` suffixes and wildcards understood).

use super::{Context, Verdict, documented_or_not_applicable, media_type_matches};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let r = &exchange.response;
    let documented = match documented_or_not_applicable(ctx.operation, r.status) {
        Ok(documented) => documented,
        Err(reason) => return Verdict::NotApplicable(reason),
    };
    let types: Vec<&str> = documented.content.keys().map(String::as_str).collect();
    if types.is_empty() {
        if r.body.is_empty() {
            return Verdict::Pass(Vec::new());
        }
        return Verdict::Pass(vec![format!(
            "the {} response documents no body, but one came back ({})",
            documented.status,
            r.content_type().unwrap_or("no content type")
        )]);
    }
    let Some(received) = r.content_type() else {
        if r.body.is_empty() {
            return Verdict::Pass(Vec::new());
        }
        return Verdict::Fail(
            Finding::new("the response has a body but no Content-Type")
                .received(format!(
                    "{} without Content-Type ({} bytes)",
                    r.status,
                    r.body.len()
                ))
                .documented(format!("{} {}", documented.status, types.join(", "))),
        );
    };
    if types.iter().any(|d| media_type_matches(d, received)) {
        return Verdict::Pass(Vec::new());
    }
    Verdict::Fail(
        Finding::new("undocumented Content-Type")
            .received(format!("{} {received}", r.status))
            .documented(format!("{} {}", documented.status, types.join(", "))),
    )
}

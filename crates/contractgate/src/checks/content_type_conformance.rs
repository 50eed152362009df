//! `content_type_conformance`: catches a `Content-Type` that is not one documented for the status
//! (parameters such as `charset` ignored; `+json` suffixes and wildcards understood), and a
//! missing body where the status documents one (an empty 500 where `application/problem+json` is
//! documented). Answers that cannot carry a body (to `HEAD`; 204, 205, 304) are not held to it.

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
    let bodiless =
        exchange.wire.method.eq_ignore_ascii_case("HEAD") || matches!(r.status, 204 | 205 | 304);
    if r.body.is_empty() && !bodiless {
        return Verdict::Fail(
            Finding::new("a documented body is missing")
                .received(format!(
                    "{} with an empty body{}",
                    r.status,
                    r.content_type()
                        .map_or_else(|| " and no Content-Type".to_owned(), |t| format!(" ({t})"))
                ))
                .documented(format!("{} {}", documented.status, types.join(", "))),
        );
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

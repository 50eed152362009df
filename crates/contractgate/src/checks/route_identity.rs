//! `route_identity`: catches a success body that is another route's answer, the signature of a
//! route mix-up, even where the documented schema is permissive enough to accept it.
//!
//! It judges a 2xx JSON body against the documented schema of its status on two kinds of
//! evidence, and fails on either:
//!
//! 1. **The body's own properties.** Every place of the body (the root, `/data/*` for the items
//!    of a list, ...) is counted by property name: names the schema declares there and names it
//!    does not (array items share one place, so a long list counts each name once; open maps are
//!    not counted). The place with the most names is the body's principal object (the resource,
//!    not its envelope). When at least [`MIN_FOREIGN`] of its names, and more than half of them,
//!    are undeclared, and at most half of the names the schema declares there are present, the
//!    body is not this operation's answer, whichever route it came from. Undeclared extras beside
//!    the route's own properties (an API, or a mock, that returns more than it documents, even
//!    where the schema declares only one or two) do not count here: `response_schema_conformance`
//!    lists them as warnings (failures with `strict_properties`).
//! 2. **Another route's schema.** The body has properties its own schema does not declare, and it
//!    validates against another operation's 2xx JSON schema that declares every one of them:
//!    the failure names that operation ("this looks like the response of GET /user/settings").

use serde_json::Value;

use contractgate_spec::ir::Operation;

use super::{Context, Verdict, documented_media, documented_response};
use crate::client::Exchange;
use crate::data::serialize::is_json;
use crate::failure::Finding;
use crate::schema::{PropertyNode, Refs, property_nodes, undeclared_properties};
use contractgate_spec::ir::Direction;

/// The fewest undeclared names at the principal place for the body's own evidence to count.
pub(crate) const MIN_FOREIGN: usize = 2;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let r = &exchange.response;
    if !(200..300).contains(&r.status) {
        return Verdict::NotApplicable(format!(
            "only a success body identifies its route (this answer is {})",
            r.status
        ));
    }
    let Some(documented) = documented_response(ctx.operation, r.status) else {
        return Verdict::NotApplicable(format!(
            "status {} is not documented (status_code_conformance reports it)",
            r.status
        ));
    };
    let received_type = r.content_type().unwrap_or("");
    let Some((media_type, schema)) = documented_media(documented, received_type)
        .filter(|(mt, _)| is_json(mt) || is_json(received_type))
        .and_then(|(mt, m)| m.schema.as_ref().map(|s| (mt, s)))
    else {
        return Verdict::NotApplicable(format!(
            "the {} response documents no JSON schema for `{received_type}`",
            documented.status
        ));
    };
    if r.truncated {
        return Verdict::NotApplicable(
            "the body was cut at the size cap (response_schema_conformance reports it)".into(),
        );
    }
    let Ok(body) = exchange.json() else {
        return Verdict::NotApplicable(
            "the body is not JSON (response_schema_conformance reports it)".into(),
        );
    };
    // Nothing undeclared (the usual answer): no foreign body, and no hint to look for.
    if exchange
        .undeclared_properties(ctx.refs(schema, Direction::Response), body)
        .is_empty()
    {
        return Verdict::Pass(Vec::new());
    }
    let nodes = property_nodes(ctx.refs(schema, Direction::Response), body);
    let principal = principal(&nodes);
    let foreign = principal.filter(|n| is_foreign(n));
    let hint = if nodes.iter().all(|n| n.undeclared.is_empty()) {
        None
    } else {
        hint(ctx, body)
    };
    if foreign.is_none() && hint.is_none() {
        return Verdict::Pass(Vec::new());
    }
    let received = format!("{} {received_type}", r.status);
    let documented_line = format!("the schema of {} {media_type}", documented.status);
    let mut finding = match foreign {
        Some(node) => Finding::new(
            "the body is not this route's answer: most of its properties are not in the documented schema",
        )
        .received(format!(
            "{received}; at {}, {} of {} properties are not in the schema: {}",
            place(&node.at),
            node.undeclared.len(),
            node.len(),
            node.undeclared.join(", ")
        ))
        .documented(format!(
            "{documented_line}, which has {} at {}",
            node.expected.join(", "),
            place(&node.at)
        ))
        .detail(format!(
            "route_identity judges the body's principal object (the place with the most properties, here {}): at least {MIN_FOREIGN} of its properties, and more than half, are not in the schema, and at most half of the schema's properties there are present. If they belong to this route, add them to the schema.",
            place(&node.at)
        )),
        None => Finding::new("the body is another route's answer")
            .received(format!(
                "{received}, with properties this operation's schema does not declare"
            ))
            .documented(documented_line)
            .detail("The body validates against that operation's success schema, which declares every one of its properties; this operation's schema does not."),
    };
    finding.route_hint = hint;
    Verdict::Fail(finding)
}

/// The place with the most property names (the first of equals, so the shallowest); `None` for a
/// body without counted objects.
fn principal(nodes: &[PropertyNode]) -> Option<&PropertyNode> {
    nodes
        .iter()
        .fold(None, |best: Option<&PropertyNode>, n| match best {
            Some(b) if b.len() >= n.len() => Some(b),
            _ => Some(n),
        })
}

/// At least [`MIN_FOREIGN`] undeclared names, more than half of the names, and at most half of
/// the names the schema declares there present (a body that carries the route's own properties
/// plus extras is this route's answer, documented too thinly).
fn is_foreign(node: &PropertyNode) -> bool {
    node.undeclared.len() >= MIN_FOREIGN
        && node.undeclared.len() > node.declared.len()
        && node.declared.len() * 2 <= node.expected.len()
}

fn place(at: &str) -> String {
    if at.is_empty() {
        "(root)".to_owned()
    } else {
        at.to_owned()
    }
}

/// "this looks like the response of GET /user/settings (operationId getUserSettings): a route
/// mix-up?" when `body` validates against another operation's 2xx JSON schema that declares all
/// of its properties.
pub(crate) fn hint(ctx: &Context<'_>, body: &Value) -> Option<String> {
    ctx.harness
        .api()
        .operations
        .iter()
        .filter(|other| other.id != ctx.operation.id)
        .find(|other| answers(ctx, other, body))
        .map(|other| {
            let name = other.operation_id.as_ref().map_or_else(
                || format!("id {}", other.id),
                |id| format!("operationId {id}"),
            );
            format!(
                "this looks like the response of {} {} ({name}): a route mix-up?",
                other.method, other.path
            )
        })
}

/// Whether `body` is a complete, valid 2xx answer of `other`.
fn answers(ctx: &Context<'_>, other: &Operation, body: &Value) -> bool {
    other.success_responses().any(|resp| {
        resp.content.iter().any(|(mt, media)| {
            let Some(schema) = media.schema.as_ref().filter(|_| is_json(mt)) else {
                return false;
            };
            let refs = ctx.refs(schema, Direction::Response);
            // The walk first: it is cheap, and most schemas fail it, so their validators are
            // never compiled.
            !is_trivial(refs)
                && undeclared_properties(refs, body).is_empty()
                && ctx
                    .validators
                    .get(schema, Direction::Response)
                    .as_ref()
                    .as_ref()
                    .is_ok_and(|v| v.is_valid(body))
        })
    })
}

/// Schemas that accept nearly anything say nothing about identity (a top-level `$ref` into the
/// schema's own `$defs` is followed first: that is how the IR shapes named schemas).
fn is_trivial(schema: Refs<'_>) -> bool {
    let mut node = schema.root;
    for _ in 0..8 {
        let Some(target) = schema.target(node) else {
            break;
        };
        node = target;
    }
    match node {
        Value::Object(m) => ![
            "properties",
            "required",
            "items",
            "prefixItems",
            "allOf",
            "oneOf",
            "anyOf",
            "$ref",
            "enum",
            "const",
        ]
        .iter()
        .any(|k| m.contains_key(*k)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A place where the schema declares `expected`, and the body has `declared` of them plus
    /// `undeclared` names.
    fn seen(expected: &[&str], declared: &[&str], undeclared: &[&str]) -> PropertyNode {
        PropertyNode {
            at: String::new(),
            declared: strings(declared),
            undeclared: strings(undeclared),
            expected: strings(expected),
        }
    }

    fn node(declared: &[&str], undeclared: &[&str]) -> PropertyNode {
        seen(declared, declared, undeclared)
    }

    #[test]
    fn foreign_means_mostly_undeclared_and_at_least_two() {
        // The incident: a settings document where a profile belongs.
        let profile = [
            "id",
            "display_name",
            "email",
            "bio",
            "avatar_url",
            "updated_at",
        ];
        assert!(is_foreign(&seen(
            &profile,
            &["id", "updated_at"],
            &["theme", "locale", "timezone", "email_notifications"]
        )));
        // One extra beside the declared ones: an API that returns more than it documents.
        assert!(!is_foreign(&node(
            &["id", "name", "email"],
            &["created_at"]
        )));
        assert!(!is_foreign(&seen(&["a"], &[], &["x"])));
        // Half is not most.
        assert!(!is_foreign(&seen(
            &["a", "b", "e", "f"],
            &["a", "b"],
            &["c", "d"]
        )));
        assert!(is_foreign(&seen(&["a", "b", "e"], &["a"], &["c", "d"])));
        // The route's own (thinly documented) property is there, with extras around it: a
        // Prism mock in dynamic mode, or an API whose schema names only its id.
        assert!(!is_foreign(&seen(
            &["subscriptionId"],
            &["subscriptionId"],
            &["nullab0", "qui_99", "velit__3"]
        )));
    }

    #[test]
    fn the_principal_place_is_the_one_with_most_names() {
        let nodes = vec![
            PropertyNode {
                at: String::new(),
                ..node(&["data", "links"], &[])
            },
            PropertyNode {
                at: "/data/*".into(),
                ..node(&["id"], &["name", "address", "timezone"])
            },
            PropertyNode {
                at: "/links".into(),
                ..node(&["self", "next"], &[])
            },
        ];
        assert_eq!(principal(&nodes).map(|n| n.at.as_str()), Some("/data/*"));
        assert_eq!(principal(&[]), None);
    }
}

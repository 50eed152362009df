//! `response_schema_conformance`: catches a body that does not validate against the documented
//! schema (every violated keyword, with instance and schema paths), a body that is not JSON, and
//! a body cut at the size cap. When the body fails its schema but validates against another
//! operation's 2xx schema, the failure says which (`route_identity` fails on it too). Properties the
//! schema does not declare are warnings, or failures with `strict_properties`.

use serde_json::Value;

use super::{
    Check, Context, Verdict, documented_media, documented_or_not_applicable, route_identity,
};
use crate::client::Exchange;
use crate::data::serialize::is_json;
use crate::failure::Finding;
use crate::schema::errors;
use contractgate_spec::ir::Direction;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let r = &exchange.response;
    let documented = match documented_or_not_applicable(ctx.operation, r.status) {
        Ok(documented) => documented,
        Err(reason) => return Verdict::NotApplicable(reason),
    };
    let received_type = r.content_type().unwrap_or("");
    let Some((media_type, media)) = documented_media(documented, received_type) else {
        if documented.content.is_empty() {
            return Verdict::NotApplicable(format!(
                "the {} response documents no body",
                documented.status
            ));
        }
        return Verdict::NotApplicable(format!(
            "Content-Type `{received_type}` is not documented for {} (content_type_conformance reports it)",
            documented.status
        ));
    };
    if media.schema.is_none()
        && let Some(item_schema) = &media.item_schema
    {
        return items(ctx, exchange, documented.status, media_type, item_schema);
    }
    let Some(schema) = &media.schema else {
        return Verdict::NotApplicable(format!(
            "{} {media_type} documents no schema",
            documented.status
        ));
    };
    if !is_json(media_type) && !is_json(received_type) {
        return Verdict::NotApplicable(format!(
            "only JSON bodies are validated (this one is {media_type})"
        ));
    }
    // Built only for a failure: this check runs on every response.
    let received = || format!("{} {received_type}", r.status);
    let documented_line = || format!("the schema of {} {media_type}", documented.status);
    if r.truncated {
        return Verdict::Fail(
            Finding::new("the body is larger than the size cap and was not validated")
                .received(format!("{}, more than {} bytes", received(), r.body.len()))
                .documented(documented_line())
                .detail(
                    "Raise `max_body_bytes` in the environment if bodies this large are expected.",
                ),
        );
    }
    let body: &Value = match exchange.json() {
        Ok(v) => v,
        Err(e) => {
            return Verdict::Fail(
                Finding::new("the body is not valid JSON")
                    .received(format!(
                        "{}, {} bytes that do not parse: {e}",
                        received(),
                        r.body.len()
                    ))
                    .documented(documented_line()),
            );
        }
    };
    let validator = ctx.validators.get(schema, Direction::Response);
    let validator = match validator.as_ref() {
        Ok(v) => v,
        Err(e) => {
            return Verdict::NotApplicable(format!("the documented schema does not compile: {e}"));
        }
    };
    let mut schema_errors = if validator.is_valid(body) {
        Vec::new()
    } else {
        errors(validator, body)
    };
    for e in &mut schema_errors {
        e.value = value_excerpt(body, &e.instance_path);
    }
    let undeclared = exchange.undeclared_properties(ctx.refs(schema, Direction::Response), body);
    let undeclared_lines: Vec<String> = undeclared
        .iter()
        .map(|p| format!("undeclared property {p}: the documented schema does not list it"))
        .collect();
    if schema_errors.is_empty() {
        if undeclared.is_empty() {
            return Verdict::Pass(Vec::new());
        }
        if !ctx.settings.strict_properties {
            let mut warnings = undeclared_lines;
            // With `route_identity` on, the route mix-up is its failure, not a warning here.
            if ctx.settings.disabled.contains(&Check::RouteIdentity)
                && let Some(hint) = route_identity::hint(ctx, body)
            {
                warnings.push(hint);
            }
            return Verdict::Pass(warnings);
        }
        let mut finding = Finding::new("the body has properties the schema does not declare")
            .received(format!(
                "{}, {}",
                received(),
                count(undeclared.len(), "undeclared property")
            ))
            .documented(format!("{} (strict_properties)", documented_line()));
        finding.details = undeclared_lines
            .iter()
            .map(|l| format!("  - {l}"))
            .collect();
        finding.route_hint = route_identity::hint(ctx, body);
        return Verdict::Fail(finding);
    }
    let mut finding = Finding::new("the body does not match its schema")
        .received(format!(
            "{}, {}",
            received(),
            count(schema_errors.len(), "schema violation")
        ))
        .documented(documented_line());
    finding.schema_errors = schema_errors;
    finding.route_hint = route_identity::hint(ctx, body);
    // An undeclared property that a violated `additionalProperties: false` (or
    // `unevaluatedProperties`) already names is said once, as the violation.
    finding.warnings = undeclared
        .iter()
        .zip(undeclared_lines)
        .filter(|(pointer, _)| {
            let parent = &pointer[..pointer.rfind('/').unwrap_or(0)];
            !finding.schema_errors.iter().any(|e| {
                matches!(
                    e.keyword.as_str(),
                    "additionalProperties" | "unevaluatedProperties"
                ) && e.instance_path == parent
            })
        })
        .map(|(_, line)| line)
        .collect();
    Verdict::Fail(finding)
}

/// The value at a JSON pointer, as compact JSON cut to 120 characters.
fn value_excerpt(body: &Value, pointer: &str) -> String {
    let v = body.pointer(pointer).unwrap_or(body);
    let text = v.to_string();
    if text.chars().count() > 120 {
        format!("{}...", text.chars().take(117).collect::<String>())
    } else {
        text
    }
}

/// `1 schema violation`, `2 schema violations`; `1 undeclared property`, `2 undeclared properties`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else if let Some(stem) = what.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {what}s")
    }
}

/// A sequential media type (OpenAPI 3.2 `itemSchema`): each item validated against the item
/// schema, the first failing item named by its index. JSON Lines / NDJSON (one JSON value per
/// line), `application/json-seq` (RFC 7464: each item after a record separator) and
/// `text/event-stream` ([`events`]) are read; other sequential types (`multipart/mixed`) are not
/// applicable yet. A stream that does not end is bounded by the timeout and the body cap like any
/// body.
fn items(
    ctx: &Context<'_>,
    exchange: &Exchange,
    status: contractgate_spec::ir::StatusSpec,
    media_type: &str,
    item_schema: &Value,
) -> Verdict {
    let r = &exchange.response;
    let essence = crate::data::serialize::essence(media_type);
    // `None`: server-sent events, read event by event.
    let separator = match essence.as_str() {
        "application/jsonl"
        | "application/x-ndjson"
        | "application/x-jsonlines"
        | "application/jsonlines"
        | "application/ndjson" => Some('\n'),
        "application/json-seq" => Some('\u{1e}'),
        "text/event-stream" => None,
        other => {
            return Verdict::NotApplicable(format!(
                "the items of a {other} stream are not validated yet (JSON Lines, json-seq and server-sent events are)"
            ));
        }
    };
    let validator = ctx.validators.get(item_schema, Direction::Response);
    let validator = match validator.as_ref() {
        Ok(v) => v,
        Err(e) => {
            return Verdict::NotApplicable(format!(
                "the documented itemSchema does not compile: {e}"
            ));
        }
    };
    let Some(separator) = separator else {
        return events(validator, exchange, status, media_type);
    };
    let text = String::from_utf8_lossy(&r.body);
    let mut pieces: Vec<&str> = text.split(separator).map(str::trim).collect();
    // The last piece may be cut at the size cap: not an item to judge.
    if r.truncated {
        pieces.pop();
    }
    let received = format!("{} {media_type}", r.status);
    for (index, piece) in pieces.iter().filter(|p| !p.is_empty()).enumerate() {
        let item: Value = match serde_json::from_str(piece) {
            Ok(v) => v,
            Err(e) => {
                return Verdict::Fail(
                    Finding::new(format!("item {index} of the stream is not valid JSON"))
                        .received(format!("{received}; item {index}: {e}"))
                        .documented(format!(
                            "each item of {status} {media_type} matches its itemSchema"
                        ))
                        .detail(format!("item {index}: {}", value_text(piece))),
                );
            }
        };
        if !validator.is_valid(&item) {
            return Verdict::Fail(item_failure(
                validator,
                &item,
                &format!("item {index}"),
                &received,
                piece,
                &format!("each item of {status} {media_type}"),
            ));
        }
    }
    Verdict::Pass(Vec::new())
}

/// `text/event-stream`: each event, as OpenAPI 3.2 models it (an object with the string fields
/// `event`, `data`, `id`, and the integer `retry`; several `data:` lines joined by newlines;
/// comments and events without a field left out), validated against the item schema.
fn events(
    validator: &jsonschema::Validator,
    exchange: &Exchange,
    status: contractgate_spec::ir::StatusSpec,
    media_type: &str,
) -> Verdict {
    let r = &exchange.response;
    let text = String::from_utf8_lossy(&r.body).replace("\r\n", "\n");
    let mut blocks: Vec<&str> = text.split("\n\n").collect();
    if r.truncated {
        blocks.pop();
    }
    let mut index = 0;
    for block in blocks {
        let mut event = serde_json::Map::new();
        let mut data: Vec<&str> = Vec::new();
        for line in block.lines() {
            if line.starts_with(':') || line.is_empty() {
                continue;
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "data" => data.push(value),
                "event" | "id" => {
                    event.insert(field.to_owned(), Value::String(value.to_owned()));
                }
                "retry" => {
                    if let Ok(n) = value.parse::<u64>() {
                        event.insert("retry".into(), Value::from(n));
                    }
                }
                _ => {}
            }
        }
        if !data.is_empty() {
            event.insert("data".into(), Value::String(data.join("\n")));
        }
        if event.is_empty() {
            continue;
        }
        let item = Value::Object(event);
        if !validator.is_valid(&item) {
            return Verdict::Fail(item_failure(
                validator,
                &item,
                &format!("event {index}"),
                &format!("{} {media_type}", r.status),
                block.trim(),
                &format!("each event of {status} {media_type}"),
            ));
        }
        index += 1;
    }
    Verdict::Pass(Vec::new())
}

/// `item 3 of the stream does not match the itemSchema`, with every violated keyword.
fn item_failure(
    validator: &jsonschema::Validator,
    item: &Value,
    what: &str,
    received: &str,
    text: &str,
    documented: &str,
) -> Finding {
    let mut schema_errors = errors(validator, item);
    for e in &mut schema_errors {
        e.value = value_excerpt(item, &e.instance_path);
    }
    let mut finding = Finding::new(format!(
        "{what} of the stream does not match the itemSchema"
    ))
    .received(format!(
        "{received}; {what} has {}",
        count(schema_errors.len(), "schema violation")
    ))
    .documented(format!("{documented} matches its itemSchema"))
    .detail(format!("{what}: {}", value_text(text)));
    finding.schema_errors = schema_errors;
    finding
}

/// An item as shown in a failure: cut to 200 characters.
fn value_text(piece: &str) -> String {
    if piece.chars().count() > 200 {
        format!("{}...", piece.chars().take(200).collect::<String>())
    } else {
        piece.to_owned()
    }
}

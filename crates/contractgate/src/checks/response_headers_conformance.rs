//! `response_headers_conformance`: catches a required documented response header that is
//! missing, or a documented header whose value does not match its schema.

use serde_json::Value;

use super::{Context, Verdict, documented_or_not_applicable};
use crate::client::Exchange;
use crate::failure::Finding;

pub(crate) fn check(ctx: &Context<'_>, exchange: &Exchange) -> Verdict {
    let r = &exchange.response;
    let documented = match documented_or_not_applicable(ctx.operation, r.status) {
        Ok(documented) => documented,
        Err(reason) => return Verdict::NotApplicable(reason),
    };
    let mut problems = Vec::new();
    for (name, header) in &documented.headers {
        if name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let Some(value) = r.header(name) else {
            if header.required {
                problems.push(format!("missing required header `{name}`"));
            }
            continue;
        };
        let Some(schema) = &header.schema else {
            continue;
        };
        let instance = coerce(value, schema);
        if let Ok(validator) = ctx
            .validators
            .get(schema, contractgate_spec::ir::Direction::Response)
            .as_ref()
        {
            for e in validator.iter_errors(&instance) {
                problems.push(format!("header `{name}: {value}` is invalid: {e}"));
            }
        }
    }
    if problems.is_empty() {
        return Verdict::Pass(Vec::new());
    }
    let names: Vec<String> = documented
        .headers
        .iter()
        .map(|(n, h)| {
            if h.required {
                format!("{n} (required)")
            } else {
                n.clone()
            }
        })
        .collect();
    let mut finding = Finding::new(if problems.len() == 1 {
        problems[0].clone()
    } else {
        format!("{} header problems", problems.len())
    })
    .documented(format!(
        "{} headers: {}",
        documented.status,
        names.join(", ")
    ));
    if problems.len() > 1 {
        finding.details = problems.iter().map(|p| format!("  - {p}")).collect();
    }
    Verdict::Fail(finding)
}

/// A header's text as the JSON value its schema expects (simple style).
fn coerce(value: &str, schema: &Value) -> Value {
    let ty = schema.get("type").and_then(|t| match t {
        Value::String(s) => Some(s.as_str()),
        Value::Array(xs) => xs.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    });
    let scalar = |v: &str, ty: Option<&str>| -> Value {
        let v = v.trim();
        match ty {
            Some("integer") => v
                .parse::<i64>()
                .map_or_else(|_| Value::String(v.into()), Value::from),
            Some("number") => v
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or_else(|| Value::String(v.into()), Value::Number),
            Some("boolean") => match v {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(v.into()),
            },
            _ => Value::String(v.into()),
        }
    };
    match ty {
        Some("array") => {
            let item_ty = schema
                .get("items")
                .and_then(|i| i.get("type"))
                .and_then(Value::as_str);
            Value::Array(value.split(',').map(|v| scalar(v, item_ty)).collect())
        }
        other => scalar(value, other),
    }
}

//! Warnings about a loaded spec that make contract tests weaker or impossible.
//!
//! The most important one is `indistinguishable-responses`: when the 2xx JSON schema of one
//! operation accepts the documents another operation returns, a request routed to the wrong handler
//! (the outage contractgate exists for) still passes the schema check. The comparison is structural
//! and conservative: it says "accepts" only when every document of the other schema would validate,
//! judged from `required`, `properties`, `additionalProperties: false`, `type`, `enum`/`const`,
//! `items`, `allOf`/`anyOf`/`oneOf` and `$ref`s into `$defs`.

use std::collections::HashSet;

use indexmap::IndexMap;
use serde_json::Value;

use crate::diag::Diagnostic;
use crate::ir::{Api, Operation, ParamLocation};
use crate::openapi::is_json;

/// Lints a loaded API. The loader's own warnings are not repeated here.
pub fn lint(api: &Api) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for op in &api.operations {
        if op.responses.is_empty() {
            out.push(Diagnostic::warning(
                "no-responses",
                op.location.clone(),
                format!(
                    "{} documents no response: contract checks have nothing to compare with",
                    op.label()
                ),
            ));
        }
        let template: Vec<&str> = template_params(&op.path);
        for name in &template {
            if !op
                .parameters
                .iter()
                .any(|p| p.location == ParamLocation::Path && p.name == *name)
            {
                out.push(Diagnostic::warning(
                    "path-parameter-undeclared",
                    op.location.clone(),
                    format!(
                        "{} uses {{{name}}} in its path but declares no path parameter '{name}'",
                        op.label()
                    ),
                ));
            }
        }
        for p in op
            .parameters
            .iter()
            .filter(|p| p.location == ParamLocation::Path)
        {
            if !template.contains(&p.name.as_str()) {
                out.push(Diagnostic::warning(
                    "path-parameter-not-in-path",
                    p.defined_at.clone(),
                    format!(
                        "{} declares path parameter '{}', but its path has no {{{}}}",
                        op.label(),
                        p.name,
                        p.name
                    ),
                ));
            }
        }
        for r in &op.responses {
            for (media, mt) in &r.content {
                if is_json(media) && mt.schema.is_none() {
                    out.push(Diagnostic::warning(
                        "response-without-schema",
                        r.location.clone(),
                        format!(
                            "{} response {} ({media}) has no schema: its body cannot be checked",
                            op.label(),
                            r.status
                        ),
                    ));
                }
            }
        }
    }
    out.extend(indistinguishable(api));
    out
}

/// `{id}` names in a path template, in order.
pub fn template_params(path: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// The 2xx JSON response schemas of an operation.
fn success_schemas(op: &Operation) -> Vec<&Value> {
    op.success_responses()
        .flat_map(|r| r.content.iter())
        .filter(|(media, _)| is_json(media))
        .filter_map(|(_, mt)| mt.schema.as_ref())
        .collect()
}

fn indistinguishable(api: &Api) -> Vec<Diagnostic> {
    let schemas: Vec<(&Operation, Vec<&Value>)> = api
        .operations
        .iter()
        .map(|op| (op, success_schemas(op)))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    let mut out = Vec::new();
    for (b, b_schemas) in &schemas {
        // Operations whose documents b's schema would accept.
        let mut accepted: IndexMap<&str, &Operation> = IndexMap::new();
        for (a, a_schemas) in &schemas {
            if a.path == b.path {
                continue; // GET and PUT of one resource share a schema by design
            }
            let hit = a_schemas.iter().any(|sa| {
                b_schemas
                    .iter()
                    .any(|sb| sa != sb && accepts(sb, sb, sa, sa, 0))
            });
            if hit {
                accepted.insert(a.id.as_str(), a);
            }
        }
        if accepted.is_empty() {
            continue;
        }
        let names: Vec<String> = accepted
            .values()
            .take(3)
            .map(|a| format!("{} ({})", a.label(), a.id))
            .collect();
        let more = accepted.len().saturating_sub(3);
        let list = if more > 0 {
            format!("{} and {more} more", names.join(", "))
        } else {
            names.join(", ")
        };
        out.push(
            Diagnostic::warning(
                "indistinguishable-responses",
                b.location.clone(),
                format!(
                    "the 2xx response schema of {} ({}) also accepts the responses of {list}: if this route were served by the wrong handler, its schema check would still pass",
                    b.label(),
                    b.id
                ),
            )
            .with_help("list the fields this response always has in `required`, or set `additionalProperties: false`"),
        );
    }
    out
}

/// Follows a `#/$defs/...` reference inside `root` (a bounded number of times).
fn deref<'a>(mut schema: &'a Value, root: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// The types a schema allows, when it says.
fn types(schema: &Value) -> Option<HashSet<&str>> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(HashSet::from([t.as_str()])),
        Some(Value::Array(ts)) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => {
            if schema.get("properties").is_some() {
                Some(HashSet::from(["object"]))
            } else if schema.get("items").is_some() {
                Some(HashSet::from(["array"]))
            } else {
                None
            }
        }
    }
}

struct ObjectView<'a> {
    properties: IndexMap<&'a str, &'a Value>,
    required: HashSet<&'a str>,
    closed: bool,
}

/// Properties and required names of an object schema, merged over `allOf`.
fn object_view<'a>(schema: &'a Value, root: &'a Value, depth: usize) -> ObjectView<'a> {
    let schema = deref(schema, root);
    let mut view = ObjectView {
        properties: IndexMap::new(),
        required: HashSet::new(),
        closed: false,
    };
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (k, v) in props {
            view.properties.insert(k.as_str(), v);
        }
    }
    if let Some(Value::Array(req)) = schema.get("required") {
        view.required.extend(req.iter().filter_map(Value::as_str));
    }
    if schema.get("additionalProperties") == Some(&Value::Bool(false))
        || schema.get("unevaluatedProperties") == Some(&Value::Bool(false))
    {
        view.closed = true;
    }
    if depth < 8
        && let Some(Value::Array(parts)) = schema.get("allOf")
    {
        for part in parts {
            let sub = object_view(part, root, depth + 1);
            for (k, v) in sub.properties {
                view.properties.entry(k).or_insert(v);
            }
            view.required.extend(sub.required);
            view.closed |= sub.closed;
        }
    }
    view
}

/// Whether every document valid under `a` is valid under `b` (conservative: `false` whenever a
/// difference is visible; `true` when nothing tells them apart).
fn accepts(b: &Value, b_root: &Value, a: &Value, a_root: &Value, depth: usize) -> bool {
    if depth > 6 {
        return true;
    }
    let b = deref(b, b_root);
    let a = deref(a, a_root);
    if b == &Value::Bool(true) {
        return true;
    }
    if let Some(Value::Array(branches)) = b.get("anyOf").or_else(|| b.get("oneOf"))
        && !branches
            .iter()
            .any(|br| accepts(br, b_root, a, a_root, depth + 1))
    {
        return false;
    }
    if let Some(Value::Array(branches)) = a.get("anyOf").or_else(|| a.get("oneOf")) {
        return branches
            .iter()
            .all(|br| accepts(b, b_root, br, a_root, depth + 1));
    }
    if let Some(Value::Array(parts)) = b.get("allOf")
        && !parts
            .iter()
            .all(|p| accepts(p, b_root, a, a_root, depth + 1))
    {
        return false;
    }
    // Values: enum / const.
    let b_values = allowed_values(b);
    if let Some(b_values) = &b_values {
        match allowed_values(a) {
            Some(a_values) => {
                if !a_values.iter().all(|v| b_values.contains(v)) {
                    return false;
                }
            }
            None => return false,
        }
    }
    let (Some(bt), at) = (types(b), types(a)) else {
        return true; // b says nothing about type
    };
    let Some(at) = at else {
        return false; // a allows any type, b does not
    };
    let covered = |t: &str| bt.contains(t) || (t == "integer" && bt.contains("number"));
    if !at.iter().all(|t| covered(t)) {
        return false;
    }
    if at.contains("object") {
        let av = object_view(a, a_root, 0);
        let bv = object_view(b, b_root, 0);
        if !bv.required.iter().all(|r| av.required.contains(r)) {
            return false;
        }
        if bv.closed && !av.properties.keys().all(|k| bv.properties.contains_key(k)) {
            return false;
        }
        for (name, a_prop) in &av.properties {
            if let Some(b_prop) = bv.properties.get(name)
                && !accepts(b_prop, b_root, a_prop, a_root, depth + 1)
            {
                return false;
            }
        }
    }
    if at.contains("array")
        && let (Some(bi), Some(ai)) = (b.get("items"), a.get("items"))
        && !accepts(bi, b_root, ai, a_root, depth + 1)
    {
        return false;
    }
    true
}

fn allowed_values(schema: &Value) -> Option<Vec<&Value>> {
    if let Some(c) = schema.get("const") {
        return Some(vec![c]);
    }
    schema
        .get("enum")
        .and_then(Value::as_array)
        .map(|e| e.iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acc(b: Value, a: Value) -> bool {
        accepts(&b, &b, &a, &a, 0)
    }

    #[test]
    fn finds_template_params() {
        assert_eq!(
            template_params("/users/{id}/posts/{post_id}"),
            vec!["id", "post_id"]
        );
        assert!(template_params("/health").is_empty());
        assert_eq!(template_params("/broken/{x"), Vec::<&str>::new());
    }

    #[test]
    fn required_fields_tell_objects_apart() {
        let profile = json!({"type": "object", "required": ["id", "display_name"],
            "properties": {"id": {"type": "string"}, "display_name": {"type": "string"}}});
        let settings = json!({"type": "object", "required": ["id", "theme"],
            "properties": {"id": {"type": "string"}, "theme": {"type": "string"}}});
        assert!(!acc(profile.clone(), settings.clone()));
        assert!(!acc(settings, profile));
    }

    #[test]
    fn a_permissive_schema_accepts_another_resource() {
        let permissive = json!({"type": "object",
            "properties": {"id": {"type": "string"}, "display_name": {"type": "string"}}});
        let settings = json!({"type": "object", "required": ["id", "theme"],
            "properties": {"id": {"type": "string"}, "theme": {"type": "string"}}});
        assert!(acc(permissive, settings));
    }

    #[test]
    fn closed_objects_reject_undeclared_properties() {
        let closed = json!({"type": "object", "additionalProperties": false,
            "properties": {"id": {"type": "string"}}});
        let other = json!({"type": "object", "required": ["id"],
            "properties": {"id": {"type": "string"}, "theme": {"type": "string"}}});
        assert!(!acc(closed, other));
    }

    #[test]
    fn property_types_and_enums_matter() {
        let b = json!({"type": "object", "properties": {"id": {"type": "integer"}}});
        let a = json!({"type": "object", "properties": {"id": {"type": "string"}}});
        assert!(!acc(b, a));
        let b = json!({"type": "object", "properties": {"kind": {"enum": ["a", "b"]}}});
        let a = json!({"type": "object", "properties": {"kind": {"const": "a"}}});
        assert!(acc(b.clone(), a));
        let a = json!({"type": "object", "properties": {"kind": {"const": "c"}}});
        assert!(!acc(b, a));
    }

    #[test]
    fn follows_defs_and_all_of() {
        let b = json!({"$ref": "#/$defs/P", "$defs": {"P": {"allOf": [
            {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
            {"type": "object", "required": ["email"], "properties": {"email": {"type": "string"}}}
        ]}}});
        let a =
            json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}});
        assert!(!acc(b, a));
    }

    #[test]
    fn arrays_compare_their_items() {
        let b = json!({"type": "array", "items": {"type": "object", "required": ["name"]}});
        let a = json!({"type": "array", "items": {"type": "object", "required": ["title"]}});
        assert!(!acc(b, a));
    }
}

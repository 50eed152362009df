//! Values the spec itself gives: parameter and media type `example`/`examples`, then the schema's
//! `example`, `examples`, `default`, `const` and first `enum` value.

use contractgate_spec::ir::{Example, MediaType, Parameter};
use indexmap::IndexMap;
use serde_json::Value;

fn named(examples: &IndexMap<String, Example>) -> impl Iterator<Item = Value> + '_ {
    examples.values().filter_map(|e| e.value.clone())
}

/// Candidate values from a schema, in order: `example`, `examples[*]`, `default`, `const`,
/// `enum[0]` (following a top-level `$ref` into the schema's own `$defs`).
pub fn schema_examples(schema: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut node = schema;
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r.strip_prefix('#').unwrap_or(r);
                let decoded = percent_encoding::percent_decode_str(pointer).decode_utf8_lossy();
                match schema.pointer(&decoded) {
                    Some(target) => node = target,
                    None => break,
                }
            }
            None => break,
        }
    }
    for n in [schema, node] {
        if let Some(e) = n.get("example") {
            out.push(e.clone());
        }
        if let Some(Value::Array(es)) = n.get("examples") {
            out.extend(es.iter().cloned());
        }
        if let Some(d) = n.get("default") {
            out.push(d.clone());
        }
        if let Some(c) = n.get("const") {
            out.push(c.clone());
        }
        if let Some(Value::Array(values)) = n.get("enum")
            && let Some(first) = values.first()
        {
            out.push(first.clone());
        }
        if std::ptr::eq(schema, node) {
            break;
        }
    }
    out
}

/// Candidate values for a parameter, best first.
pub fn parameter_examples(p: &Parameter) -> Vec<Value> {
    let mut out: Vec<Value> = p
        .example
        .iter()
        .cloned()
        .chain(named(&p.examples))
        .collect();
    if let Some((_, media)) = &p.content {
        out.extend(media_examples(media));
    }
    if let Some(schema) = &p.schema {
        out.extend(schema_examples(schema));
    }
    out
}

/// Candidate values for a media type (request body), best first.
pub fn media_examples(media: &MediaType) -> Vec<Value> {
    let mut out: Vec<Value> = media
        .example
        .iter()
        .cloned()
        .chain(named(&media.examples))
        .collect();
    if let Some(schema) = &media.schema {
        out.extend(schema_examples(schema));
    }
    out
}

//! Values the spec itself gives: parameter and media type `example`/`examples`, then the schema's
//! `example`, `examples`, `default`, `const` and first `enum` value.

use contractgate_spec::ir::{Direction, Example, MediaType, Parameter};
use indexmap::IndexMap;
use serde_json::Value;

use crate::schema::{Refs, ValidatorCache};

fn named(examples: &IndexMap<String, Example>) -> impl Iterator<Item = Value> + '_ {
    examples.values().filter_map(|e| e.value.clone())
}

/// Candidate values from a schema, in order: `example`, `examples[*]`, `default`, `const`,
/// `enum[0]` (following a top-level `$ref` into the schema's own `$defs`).
pub(crate) fn schema_examples(schema: Refs<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut node = schema.root;
    for _ in 0..8 {
        match schema.target(node) {
            Some(target) => node = target,
            None => break,
        }
    }
    for n in [schema.root, node] {
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
        if std::ptr::eq(schema.root, node) {
            break;
        }
    }
    out
}

/// Candidate values for a parameter, best first.
pub(crate) fn parameter_examples(p: &Parameter, schemas: &ValidatorCache) -> Vec<Value> {
    let mut out: Vec<Value> = p
        .example
        .iter()
        .cloned()
        .chain(named(&p.examples))
        .collect();
    if let Some((_, media)) = &p.content {
        out.extend(media_examples(media, schemas));
    }
    if let Some(schema) = &p.schema {
        out.extend(schema_examples(schemas.refs(schema, Direction::Request)));
    }
    out
}

/// Candidate values for a media type (request body), best first.
pub(crate) fn media_examples(media: &MediaType, schemas: &ValidatorCache) -> Vec<Value> {
    let mut out: Vec<Value> = media
        .example
        .iter()
        .cloned()
        .chain(named(&media.examples))
        .collect();
    if let Some(schema) = &media.schema {
        out.extend(schema_examples(schemas.refs(schema, Direction::Request)));
    }
    out
}

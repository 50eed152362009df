//! Mutants of the positive request for `negative_data_rejection`: each breaks the operation's
//! request schema in one known way, and is kept only when the schema indeed rejects it (validated
//! with formats on), so an accepted mutant is a real validation gap of the server.
//!
//! One value at a time is mutated: a property of a JSON body (top level and one level deep) or a
//! path, query or header parameter. The mutations: a value of the wrong type, a string breaking its
//! `format` (`uri` → `"not a uri"`, `email`, `uuid`, `date-time`, `date`, `time`, `ipv4`,
//! `ipv6`, `hostname`, `byte`) or its `pattern`, one character over `maxLength` or under
//! `minLength`, a number past `maximum` / `minimum` (or equal to an exclusive bound), a value
//! outside `enum` / `const`, and an undeclared property where `additionalProperties` is `false`.
//! They come after the structural mutant of [`negative`](super::negative) (a dropped required
//! property, a body of the wrong type, a dropped required query parameter), at most
//! [`MAX_MUTANTS`] in all, in an order fixed by the seed.

use contractgate_spec::ir::{Direction, Operation, ParamLocation, Parameter};
use serde_json::{Map, Value, json};

use super::Planned;
use super::serialize::{Body, Placed, essence, is_json, serialize_parameter};
use crate::schema::{Refs, ValidatorCache};

/// The most requests `negative_data_rejection` sends for one operation.
pub(crate) const MAX_MUTANTS: usize = 8;

/// The name of the property added where `additionalProperties` is `false`.
const EXTRA: &str = "x_contractgate_undeclared";

/// A longest string a length mutation builds (beyond it the mutation is left out).
const MAX_BUILT_LEN: u64 = 100_000;

/// A request that breaks the schema in one known way.
#[derive(Clone, Debug)]
pub(crate) struct Mutant {
    /// The mutated request data.
    pub planned: Planned,
    /// What was broken: "the body with `/avatar_url` set to \"not a uri\" (violates `format: uri`)".
    pub broken: String,
}

/// Every mutant of `planned` for `op`, structural first, at most [`MAX_MUTANTS`].
pub(crate) fn mutants(
    op: &Operation,
    planned: &Planned,
    validators: &ValidatorCache,
    seed: u64,
) -> Vec<Mutant> {
    let mut out: Vec<Mutant> = super::negative(op, planned, validators)
        .map(|(planned, broken)| Mutant { planned, broken })
        .into_iter()
        .collect();
    // One list of candidates per mutated location; taken round-robin so that every location gets
    // its first mutation before any gets a second.
    let mut lanes: Vec<Vec<Mutant>> = body_lanes(op, planned, validators);
    lanes.extend(param_lanes(op, planned, validators));
    lanes.retain(|l| !l.is_empty());
    if !lanes.is_empty() {
        let start = usize::try_from(seed % lanes.len() as u64).unwrap_or(0);
        lanes.rotate_left(start);
    }
    let mut lanes: Vec<std::vec::IntoIter<Mutant>> =
        lanes.into_iter().map(Vec::into_iter).collect();
    'fill: loop {
        let mut any = false;
        for lane in &mut lanes {
            if out.len() >= MAX_MUTANTS {
                break 'fill;
            }
            if let Some(m) = lane.next() {
                out.push(m);
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    out.truncate(MAX_MUTANTS);
    out
}

// ---------------------------------------------------------------------------------------------
// Schema reading: a schema node with its `$ref` targets and `allOf` members.

/// `schema` and what it pulls in through local `$ref`s (into `root`) and `allOf`, outermost first.
fn resolve<'a>(root: Refs<'a>, schema: &'a Value) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut stack = vec![schema];
    while let Some(node) = stack.pop() {
        if out.len() > 16 {
            break;
        }
        out.push(node);
        if let Some(Value::Array(all)) = node.get("allOf") {
            stack.extend(all.iter().rev());
        }
        if let Some(target) = root.target(node) {
            stack.push(target);
        }
    }
    out
}

/// The first value of `key` among resolved nodes.
fn keyword<'a>(nodes: &[&'a Value], key: &str) -> Option<&'a Value> {
    nodes.iter().find_map(|n| n.get(key))
}

/// The declared `type`s (empty when not constrained).
fn types(nodes: &[&Value]) -> Vec<String> {
    match keyword(nodes, "type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The property names an object schema declares at its top level (through `$ref` and `allOf`),
/// in document order.
pub(crate) fn top_level_properties(schema: Refs<'_>) -> Vec<String> {
    properties(&resolve(schema, schema.root))
        .into_iter()
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Declared properties of an object schema, in document order.
fn properties<'a>(nodes: &[&'a Value]) -> Vec<(&'a str, &'a Value)> {
    let mut out: Vec<(&str, &Value)> = Vec::new();
    for n in nodes {
        if let Some(Value::Object(props)) = n.get("properties") {
            for (name, sub) in props {
                if !out.iter().any(|(k, _)| *k == name.as_str()) {
                    out.push((name.as_str(), sub));
                }
            }
        }
    }
    out
}

fn closed(nodes: &[&Value]) -> bool {
    nodes
        .iter()
        .any(|n| n.get("additionalProperties") == Some(&Value::Bool(false)))
}

// ---------------------------------------------------------------------------------------------
// Replacement values for one location.

/// Invalid values for one location, each with the keyword it violates (`format: uri`).
fn replacements(nodes: &[&Value], current: Option<&Value>) -> Vec<(Value, String)> {
    let mut out: Vec<(Value, String)> = Vec::new();
    let ts = types(nodes);
    let allows = |t: &str| ts.is_empty() || ts.iter().any(|x| x == t);
    let current_str = current.and_then(Value::as_str);
    if let Some(Value::String(format)) = keyword(nodes, "format")
        && allows("string")
        && let Some(bad) = bad_format(format)
    {
        out.push((json!(bad), format!("format: {format}")));
    }
    if let Some(Value::String(pattern)) = keyword(nodes, "pattern")
        && allows("string")
        && let Some(bad) = bad_pattern(pattern, nodes)
    {
        out.push((json!(bad), format!("pattern: {pattern}")));
    }
    if let Some(Value::Array(allowed)) = keyword(nodes, "enum")
        && let Some(bad) = outside(allowed)
    {
        out.push((bad, "enum".to_owned()));
    }
    if let Some(c) = keyword(nodes, "const")
        && let Some(bad) = outside(std::slice::from_ref(c))
    {
        out.push((bad, format!("const: {c}")));
    }
    let integer = ts.iter().any(|t| t == "integer") && !ts.iter().any(|t| t == "number");
    for (key, step) in [
        ("maximum", 1.0),
        ("exclusiveMaximum", 0.0),
        ("minimum", -1.0),
        ("exclusiveMinimum", 0.0),
    ] {
        if let Some(bound) = keyword(nodes, key).filter(|b| b.is_number())
            && let Some(bad) = beyond(bound, step, integer)
        {
            out.push((bad, format!("{key}: {bound}")));
        }
    }
    if allows("string") {
        if let Some(max) = keyword(nodes, "maxLength").and_then(Value::as_u64)
            && max < MAX_BUILT_LEN
        {
            out.push((
                json!(lengthen(current_str, max + 1)),
                format!("maxLength: {max}"),
            ));
        }
        if let Some(min) = keyword(nodes, "minLength").and_then(Value::as_u64)
            && (1..=MAX_BUILT_LEN).contains(&min)
        {
            let short: String = match current_str {
                Some(s) if s.chars().count() as u64 >= min - 1 => s
                    .chars()
                    .take(usize::try_from(min - 1).unwrap_or(0))
                    .collect(),
                _ => "a".repeat(usize::try_from(min - 1).unwrap_or(0)),
            };
            out.push((json!(short), format!("minLength: {min}")));
        }
    }
    if !ts.is_empty()
        && let Some(bad) = [
            json!(12345),
            json!("abc"),
            json!(true),
            json!({}),
            json!([]),
        ]
        .into_iter()
        .find(|v| !ts.iter().any(|t| type_matches(t, v)))
    {
        out.push((bad, format!("type: {}", ts.join(" | "))));
    }
    out
}

fn type_matches(t: &str, v: &Value) -> bool {
    match (t, v) {
        ("string", Value::String(_))
        | ("boolean", Value::Bool(_))
        | ("object", Value::Object(_))
        | ("array", Value::Array(_))
        | ("null", Value::Null)
        | ("number", Value::Number(_)) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        _ => false,
    }
}

/// A string that is not of `format`, for the formats the validator checks.
fn bad_format(format: &str) -> Option<&'static str> {
    Some(match format {
        "uri" | "iri" | "url" => "not a uri",
        "uri-reference" | "iri-reference" => "\\\\not a uri reference",
        "email" | "idn-email" => "not-an-email",
        "uuid" => "not-a-uuid",
        "date-time" => "yesterday",
        "date" => "2024-13-45",
        "time" => "25:99",
        "ipv4" => "999.1.1.1",
        "ipv6" => "not:an:ipv6::address::",
        "hostname" | "idn-hostname" => "-not_a_hostname-",
        "byte" => "not base64!",
        "duration" => "a while",
        _ => return None,
    })
}

/// A string that does not match `pattern` and keeps the length bounds.
fn bad_pattern(pattern: &str, nodes: &[&Value]) -> Option<String> {
    let validator = crate::schema::compile(&json!({"type": "string", "pattern": pattern})).ok()?;
    let min = keyword(nodes, "minLength")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let max = keyword(nodes, "maxLength")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX);
    let len = usize::try_from(min.max(1).min(max).min(64)).unwrap_or(1);
    [" ", "!", "~", "0", "a", "-", "Z", "é"]
        .iter()
        .map(|c| c.repeat(len))
        .chain(std::iter::once(String::new()))
        .find(|s| !validator.is_valid(&json!(s)))
}

/// A value of the same kind as `allowed`'s first that is none of them.
fn outside(allowed: &[Value]) -> Option<Value> {
    match allowed.first()? {
        Value::String(_) => (0..8)
            .map(|i| json!(format!("not_allowed_{i}")))
            .find(|v| !allowed.contains(v)),
        Value::Number(_) => {
            let top = allowed.iter().filter_map(Value::as_i64).max().unwrap_or(0);
            Some(json!(top.saturating_add(1)))
        }
        Value::Bool(b) if allowed.len() == 1 => Some(json!(!b)),
        _ => None,
    }
}

/// `bound + step`, an integer when the schema wants integers and the bound is one.
fn beyond(bound: &Value, step: f64, integer: bool) -> Option<Value> {
    if let Some(i) = bound.as_i64() {
        // `step` is -1, 0 or 1.
        let delta = if step > 0.0 {
            1
        } else if step < 0.0 {
            -1
        } else {
            0
        };
        return i.checked_add(delta).map(Value::from);
    }
    let f = bound.as_f64()?;
    if integer {
        let v = if step > 0.0 {
            f.floor() + 1.0
        } else if step < 0.0 {
            f.ceil() - 1.0
        } else if f.fract() == 0.0 {
            f
        } else {
            return None;
        };
        return serde_json::Number::from_f64(v).map(Value::Number);
    }
    serde_json::Number::from_f64(f + step).map(Value::Number)
}

/// `current` extended (or `a`s) to `len` characters: keeps a prefix that matches the format.
fn lengthen(current: Option<&str>, len: u64) -> String {
    let mut s = current.unwrap_or("").to_owned();
    let have = s.chars().count() as u64;
    let fill = s
        .chars()
        .last()
        .filter(|c| c.is_ascii_alphanumeric())
        .unwrap_or('a');
    for _ in have..len {
        s.push(fill);
    }
    s
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(24).collect();
        format!(
            "{cut}… ({} characters)",
            v.as_str().map_or(s.len(), |x| x.chars().count())
        )
    } else {
        s
    }
}

/// Whether `value` breaks the keyword `kw` names (`format: uri` → `format`): the schema rejects
/// it, and for the reason the mutant says.
fn violates(validator: &jsonschema::Validator, value: &Value, kw: &str) -> bool {
    let name = kw.split(':').next().unwrap_or(kw);
    validator
        .iter_errors(value)
        .any(|e| e.kind().keyword() == name)
}

fn pointer_token(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

// ---------------------------------------------------------------------------------------------
// The JSON body.

fn body_lanes(op: &Operation, planned: &Planned, validators: &ValidatorCache) -> Vec<Vec<Mutant>> {
    let Some((body, root)) = op
        .request_body
        .as_ref()
        .zip(planned.body.as_ref())
        .and_then(|(rb, body)| {
            rb.content
                .iter()
                .find(|(mt, _)| essence(mt) == essence(&body.content_type))
                .and_then(|(_, m)| m.schema.as_ref())
                .filter(|_| is_json(&body.content_type))
                .map(|schema| (body, schema))
        })
    else {
        return Vec::new();
    };
    let Ok(value) = serde_json::from_slice::<Value>(&body.bytes) else {
        return Vec::new();
    };
    let compiled = validators.get(root, Direction::Request);
    let refs = validators.refs(root, Direction::Request);
    let Ok(validator) = compiled.as_ref() else {
        return Vec::new();
    };
    // A positive body the schema already rejects makes every mutant prove nothing.
    if !validator.is_valid(&value) {
        return Vec::new();
    }
    let Value::Object(top) = &value else {
        return Vec::new();
    };
    let emit = |candidates: Vec<(Value, String, String)>| -> Vec<Mutant> {
        candidates
            .into_iter()
            .filter(|(v, _, kw)| violates(validator, v, kw))
            .filter_map(|(v, broken, _)| {
                serde_json::to_vec(&v).ok().map(|bytes| {
                    let mut out = planned.clone();
                    out.body = Some(Body {
                        content_type: body.content_type.clone(),
                        bytes,
                    });
                    Mutant {
                        planned: out,
                        broken,
                    }
                })
            })
            .collect()
    };
    let nodes = resolve(refs, root);
    let mut lanes: Vec<Vec<Mutant>> = Vec::new();
    let mut nested: Vec<Vec<Mutant>> = Vec::new();
    for (name, sub) in properties(&nodes) {
        let sub_nodes = resolve(refs, sub);
        let current = top.get(name);
        let at = format!("/{}", pointer_token(name));
        let set = |v: Value| {
            let mut m = top.clone();
            m.insert(name.to_owned(), v);
            Value::Object(m)
        };
        let candidates: Vec<(Value, String, String)> = replacements(&sub_nodes, current)
            .into_iter()
            .map(|(v, kw)| {
                let text = format!("the body with `{at}` set to {} (violates `{kw}`)", show(&v));
                (set(v), text, kw)
            })
            .collect();
        lanes.push(emit(candidates));
        // One level deep: the properties of an object the positive body has.
        if let Some(Value::Object(inner)) = current {
            let mut candidates: Vec<(Value, String, String)> = Vec::new();
            for (inner_name, inner_sub) in properties(&sub_nodes) {
                let inner_at = format!("{at}/{}", pointer_token(inner_name));
                for (v, kw) in replacements(&resolve(refs, inner_sub), inner.get(inner_name)) {
                    let text = format!(
                        "the body with `{inner_at}` set to {} (violates `{kw}`)",
                        show(&v)
                    );
                    let mut m = inner.clone();
                    m.insert(inner_name.to_owned(), v);
                    candidates.push((set(Value::Object(m)), text, kw));
                }
            }
            if closed(&sub_nodes) && !inner.contains_key(EXTRA) {
                let mut m = inner.clone();
                m.insert(EXTRA.to_owned(), json!(true));
                candidates.push((
                    set(Value::Object(m)),
                    format!("the body with `{at}/{EXTRA}` added (violates `additionalProperties: false`)"),
                    "additionalProperties".to_owned(),
                ));
            }
            nested.push(emit(candidates));
        }
    }
    if closed(&nodes) && !top.contains_key(EXTRA) {
        let mut m: Map<String, Value> = top.clone();
        m.insert(EXTRA.to_owned(), json!(true));
        lanes.push(emit(vec![(
            Value::Object(m),
            format!("the body with `/{EXTRA}` added (violates `additionalProperties: false`)"),
            "additionalProperties".to_owned(),
        )]));
    }
    lanes.extend(nested);
    lanes
}

// ---------------------------------------------------------------------------------------------
// Parameters.

fn param_lanes(op: &Operation, planned: &Planned, validators: &ValidatorCache) -> Vec<Vec<Mutant>> {
    op.parameters
        .iter()
        .filter(|p| p.content.is_none())
        .filter_map(|p| p.schema.as_ref().map(|s| (p, s)))
        .map(|(p, schema)| {
            let compiled = validators.get(schema, Direction::Request);
            let Ok(validator) = compiled.as_ref() else {
                return Vec::new();
            };
            let nodes = resolve(validators.refs(schema, Direction::Request), schema);
            let ts = types(&nodes);
            if ts.iter().any(|t| t == "array" || t == "object") {
                return Vec::new();
            }
            replacements(&nodes, None)
                .into_iter()
                .filter_map(|(v, kw)| {
                    // The server reads text: judge the value as it arrives.
                    let text = match &v {
                        Value::String(s) => s.clone(),
                        Value::Number(_) | Value::Bool(_) => v.to_string(),
                        _ => return None,
                    };
                    if text.is_empty() && p.location == ParamLocation::Path {
                        return None;
                    }
                    let read = as_read(&text, &ts);
                    if !violates(validator, &read, &kw) {
                        return None;
                    }
                    let out = with_param(op, planned, p, &text)?;
                    Some(Mutant {
                        planned: out,
                        broken: format!(
                            "the {} parameter `{}` set to {} (violates `{kw}`)",
                            p.location,
                            p.name,
                            show(&read)
                        ),
                    })
                })
                .collect()
        })
        .collect()
}

/// `text` as a server typed by the schema would read it.
fn as_read(text: &str, types: &[String]) -> Value {
    let has = |t: &str| types.iter().any(|x| x == t);
    if has("integer")
        && let Ok(i) = text.parse::<i64>()
    {
        return json!(i);
    }
    if has("number")
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    if has("boolean") && (text == "true" || text == "false") {
        return json!(text == "true");
    }
    json!(text)
}

/// `planned` with parameter `p` set to `text` (added when the positive request leaves it out).
fn with_param(op: &Operation, planned: &Planned, p: &Parameter, text: &str) -> Option<Planned> {
    let placed = serialize_parameter(p, &json!(text)).ok()?;
    let mut out = planned.clone();
    match placed {
        Placed::Path(segment) => {
            // The positive path has the template's segments, filled in.
            let template = contractgate_spec::path::PathTemplate::parse(&op.path);
            let i = template.whole_segment(&p.name)?;
            let mut filled: Vec<String> = planned
                .path
                .trim_start_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect();
            *filled.get_mut(i)? = segment;
            out.path = format!("/{}", filled.join("/"));
        }
        Placed::Query(q) => match out.query_names.iter().position(|n| *n == p.name) {
            Some(i) => out.query[i] = q,
            None => {
                out.query.push(q);
                out.query_names.push(p.name.clone());
            }
        },
        Placed::Header(h) => {
            match out
                .headers
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(&p.name))
            {
                Some(slot) => slot.1 = h,
                None => out.headers.push((p.name.clone(), h)),
            }
        }
        Placed::Cookie(_) => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacements_break_each_keyword() {
        let s = json!({"type": ["string", "null"], "format": "uri", "maxLength": 5, "pattern": "^https?://"});
        let r = replacements(&[&s], Some(&json!("http:")));
        let kws: Vec<&str> = r.iter().map(|(_, k)| k.as_str()).collect();
        assert_eq!(
            kws,
            [
                "format: uri",
                "pattern: ^https?://",
                "maxLength: 5",
                "type: string | null"
            ]
        );
        assert_eq!(r[0].0, json!("not a uri"));
        assert_eq!(r[2].0, json!("http:a"));
        let n = json!({"type": "integer", "minimum": 1, "exclusiveMaximum": 10});
        let r = replacements(&[&n], None);
        assert_eq!(r[0], (json!(10), "exclusiveMaximum: 10".to_owned()));
        assert_eq!(r[1], (json!(0), "minimum: 1".to_owned()));
        assert_eq!(r[2], (json!("abc"), "type: integer".to_owned()));
        let e = json!({"enum": ["light", "dark"]});
        assert_eq!(replacements(&[&e], None)[0].0, json!("not_allowed_0"));
    }

    #[test]
    fn refs_and_all_of_are_followed() {
        let root = json!({"$ref": "#/$defs/A", "$defs": {"A": {"allOf": [{"properties": {"x": {"type": "string"}}}], "additionalProperties": false}}});
        let nodes = resolve(Refs::alone(&root), &root);
        assert_eq!(properties(&nodes).len(), 1);
        assert!(closed(&nodes));
    }

    /// The example service's operations: which mutants are sent (the avatar_url format among them).
    #[test]
    fn user_service_mutants() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/user-service/openapi.yaml");
        // As the harness reads it: schemas refer to the shared ones, resolved in place.
        let api = std::sync::Arc::new(contractgate_spec::load(&file).unwrap().api);
        let validators = ValidatorCache::for_api(std::sync::Arc::clone(&api));
        let mut all = Vec::new();
        for op in &api.operations {
            let planned =
                super::super::plan(op, None, &super::super::Linked::default(), 0, &validators)
                    .unwrap();
            for m in mutants(op, &planned, &validators, 0) {
                all.push(format!("{}: {}", op.id, m.broken));
            }
        }
        let text = all.join("\n");
        assert!(
            text.contains(
                "updateUserProfile: the body with `/avatar_url` set to \"not a uri\" (violates `format: uri`)"
            ),
            "{text}"
        );
        assert!(all.len() <= MAX_MUTANTS * api.operations.len(), "{text}");
        eprintln!("{text}");
    }
}

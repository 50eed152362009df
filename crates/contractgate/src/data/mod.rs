//! Request data for the positive case of an operation: fixtures from the environment, then values
//! from OpenAPI links (see `docs/links.md`; the runner evaluates them and passes them in as
//! `Linked`), then the spec's examples (only those that validate against their schema), then
//! values synthesized from the schema; and their serialization into a path, query, headers,
//! cookies and a body.

pub(crate) mod boundary;
pub mod examples;
pub(crate) mod mutate;
pub mod serialize;
pub mod synth;

use contractgate_spec::ir::{Direction, Operation, ParamLocation, Parameter};
use serde_json::Value;

use crate::config::OperationFixtures;
use crate::schema::{InApi, Refs, ValidatorCache};
use serialize::{Body, Placed, encodable_rank, encode_body, serialize_parameter};
use synth::{seed_for, synthesize_in};

/// The request data of one operation, serialized.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Planned {
    /// The path with parameters filled in and encoded (`/users/42`).
    pub path: String,
    /// Encoded query pieces, joined with `&`.
    pub query: Vec<String>,
    /// The parameter name of each query piece.
    pub query_names: Vec<String>,
    /// Header parameters.
    pub headers: Vec<(String, String)>,
    /// Cookie pairs (`name=value`).
    pub cookies: Vec<String>,
    /// The body.
    pub body: Option<Body>,
    /// The body's value before encoding.
    pub body_value: Option<Value>,
    /// How values were chosen, when it is worth saying (an example that did not validate, a
    /// value from a link).
    pub notes: Vec<String>,
    /// Every parameter value sent, before serialization, by location and name (what
    /// `$request.path.id` and `$request.query.q` of a link read).
    pub values: Vec<(ParamLocation, String, Value)>,
    /// Whether some value came from a link.
    pub linked: bool,
}

/// Values that links give one operation, each with the note that says where it came from.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Linked {
    /// Parameter values, by location and name.
    pub params: Vec<(ParamLocation, String, Value, String)>,
    /// The request body.
    pub body: Option<(Value, String)>,
}

impl Linked {
    /// Whether a link gives `p` a value.
    pub(crate) fn has_param(&self, p: &Parameter) -> bool {
        self.param(p).is_some()
    }

    fn param(&self, p: &Parameter) -> Option<(&Value, &str)> {
        self.params
            .iter()
            .find(|(l, n, _, _)| *l == p.location && *n == p.name)
            .map(|(_, _, v, note)| (v, note.as_str()))
    }
}

/// Why no request could be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DataError(pub String);

/// Header parameters the spec says to ignore (`Accept`, `Content-Type`, `Authorization`): the
/// harness sets them itself, so no value is chosen, linked or varied for them.
pub(crate) fn harness_sets(p: &Parameter) -> bool {
    p.location == ParamLocation::Header
        && ["accept", "content-type", "authorization"]
            .contains(&p.name.to_ascii_lowercase().as_str())
}

/// A parameter's schema: its `schema`, or the schema of its `content`.
pub(crate) fn param_schema(p: &Parameter) -> Option<&Value> {
    p.schema
        .as_ref()
        .or_else(|| p.content.as_ref().and_then(|(_, m)| m.schema.as_ref()))
}

/// The request body's schema, for the media type `planned` sends it as.
pub(crate) fn sent_body_schema<'a>(op: &'a Operation, planned: &Planned) -> Option<&'a Value> {
    let sent = planned.body.as_ref()?;
    op.request_body
        .as_ref()?
        .content
        .iter()
        .find(|(mt, _)| serialize::essence(mt) == serialize::essence(&sent.content_type))
        .and_then(|(_, m)| m.schema.as_ref())
}

/// Picks a value: fixture, then a linked value, then a valid example, then a synthesized one.
/// `None` for an optional value with neither fixture, link nor example.
#[allow(clippy::too_many_arguments)] // one call site per kind of value; a struct would only rename them
fn choose(
    what: &str,
    fixture: Option<&Value>,
    linked: Option<(&Value, &str)>,
    candidates: Vec<Value>,
    schema: Option<&Value>,
    required: bool,
    seed: u64,
    validators: &ValidatorCache,
    notes: &mut Vec<String>,
) -> Result<Option<Value>, DataError> {
    if let Some(v) = fixture {
        return Ok(Some(v.clone()));
    }
    let validator = schema.map(|s| validators.get(s, Direction::Request));
    if let Some((v, note)) = linked {
        // A value the server itself gave is used even when it breaks the schema (that is worth
        // knowing, and says so).
        match validator.as_deref() {
            Some(Ok(val)) if !val.is_valid(v) => notes.push(format!(
                "{note} (it does not match the schema of {what}; used anyway)"
            )),
            _ => notes.push(note.to_owned()),
        }
        return Ok(Some(v.clone()));
    }
    for candidate in candidates {
        match validator.as_deref() {
            Some(Ok(v)) if !v.is_valid(&candidate) => {
                notes.push(format!(
                    "the example {candidate} of {what} does not match its schema; not used"
                ));
            }
            _ => return Ok(Some(candidate)),
        }
    }
    if !required {
        return Ok(None);
    }
    match schema {
        Some(schema) => synthesize_in(schema, seed, Some(InApi::request(validators)))
            .map(Some)
            .map_err(|e| DataError(format!("{what}: {e}"))),
        None => Ok(Some(Value::String("value".into()))),
    }
}

/// Builds the positive request data for `op`.
pub(crate) fn plan(
    op: &Operation,
    fixtures: Option<&OperationFixtures>,
    linked: &Linked,
    seed: u64,
    validators: &ValidatorCache,
) -> Result<Planned, DataError> {
    plan_with(op, fixtures, linked, seed, validators, true)
}

/// [`plan`], with the spec's examples left out when `use_examples` is false (values are then
/// synthesized from the schemas with `seed`): another request to try when the first is refused.
pub(crate) fn plan_with(
    op: &Operation,
    fixtures: Option<&OperationFixtures>,
    linked: &Linked,
    seed: u64,
    validators: &ValidatorCache,
    use_examples: bool,
) -> Result<Planned, DataError> {
    let examples_or_none = |v: Vec<Value>| if use_examples { v } else { Vec::new() };
    let mut planned = Planned {
        path: op.path.clone(),
        ..Planned::default()
    };
    let mut notes = Vec::new();
    for p in &op.parameters {
        if harness_sets(p) {
            continue;
        }
        let what = format!("{} parameter `{}`", p.location, p.name);
        let schema = param_schema(p);
        let s = seed ^ seed_for(&[&op.id, p.location.as_str(), &p.name]);
        let fixture = fixtures.and_then(|f| f.params.get(&p.name));
        let required = p.required || p.location == ParamLocation::Path;
        let from_link = fixture.is_none() && linked.param(p).is_some();
        planned.linked |= from_link;
        let Some(mut value) = choose(
            &what,
            fixture,
            linked.param(p),
            examples_or_none(examples::parameter_examples(p, validators)),
            schema,
            required,
            s,
            validators,
            &mut notes,
        )?
        else {
            continue;
        };
        if p.location == ParamLocation::Path && value.as_str() == Some("") {
            // An empty path segment would address another route.
            value =
                non_empty(schema, s, validators).map_err(|e| DataError(format!("{what}: {e}")))?;
        }
        place(&mut planned, p, &value)?;
        planned.values.push((p.location, p.name.clone(), value));
    }
    if let Some(rb) = &op.request_body {
        let choice = rb
            .content
            .iter()
            .filter_map(|(mt, m)| encodable_rank(mt).map(|r| (r, mt, m)))
            .min_by_key(|(r, _, _)| *r);
        match choice {
            Some((_, media_type, media)) => {
                let s = seed ^ seed_for(&[&op.id, "body", media_type]);
                let fixture = fixtures.and_then(|f| f.body.as_ref());
                planned.linked |= fixture.is_none() && linked.body.is_some();
                let value = choose(
                    "the request body",
                    fixture,
                    linked.body.as_ref().map(|(v, n)| (v, n.as_str())),
                    examples_or_none(examples::media_examples(media, validators)),
                    media.schema.as_ref(),
                    true,
                    s,
                    validators,
                    &mut notes,
                )?
                .unwrap_or(Value::Null);
                let body = encode_body(media_type, &value, &media.encoding, media.schema.as_ref())
                    .map_err(|e| DataError(format!("the request body: {e}")))?;
                planned.body = Some(body);
                planned.body_value = Some(value);
            }
            None if rb.required => {
                let types: Vec<&str> = rb.content.keys().map(String::as_str).collect();
                return Err(DataError(format!(
                    "the request body's media types ({}) cannot be encoded yet",
                    types.join(", ")
                )));
            }
            None => {}
        }
    }
    planned.notes = notes;
    Ok(planned)
}

fn non_empty(
    schema: Option<&Value>,
    seed: u64,
    validators: &ValidatorCache,
) -> Result<Value, synth::Unsatisfiable> {
    let patched = match schema {
        Some(Value::Object(m)) => {
            let mut m = m.clone();
            let min = m
                .get("minLength")
                .and_then(Value::as_u64)
                .unwrap_or(0)
                .max(1);
            m.insert("minLength".into(), min.into());
            Value::Object(m)
        }
        _ => serde_json::json!({"type": "string", "minLength": 1}),
    };
    synthesize_in(&patched, seed, Some(InApi::request(validators)))
}

fn place(planned: &mut Planned, p: &Parameter, value: &Value) -> Result<(), DataError> {
    // A parameter with `content` is sent as its media type's text (JSON for JSON).
    let value = match &p.content {
        Some((mt, _)) if serialize::is_json(mt) => Value::String(value.to_string()),
        _ => value.clone(),
    };
    let placed = serialize_parameter(p, &value)
        .map_err(|e| DataError(format!("{} parameter `{}`: {e}", p.location, p.name)))?;
    match placed {
        Placed::Path(segment) => {
            planned.path = planned.path.replace(&format!("{{{}}}", p.name), &segment);
        }
        Placed::Query(q) => {
            planned.query.push(q);
            planned.query_names.push(p.name.clone());
        }
        Placed::Header(h) => planned.headers.push((p.name.clone(), h)),
        Placed::Cookie(c) => planned.cookies.extend(c),
    }
    Ok(())
}

/// A request that violates the operation's schemas, derived from the positive one: the JSON body
/// without a required property, or as a value of the wrong type; else without a required query
/// parameter. Returns the mutated data and what was broken; `None` when nothing can be broken.
pub(crate) fn negative(
    op: &Operation,
    planned: &Planned,
    validators: &ValidatorCache,
) -> Option<(Planned, String)> {
    if let Some(body) = &planned.body
        && serialize::is_json(&body.content_type)
        && let Some(schema) = sent_body_schema(op, planned)
        && let Ok(value) = serde_json::from_slice::<Value>(&body.bytes)
        && let Ok(validator) = validators.get(schema, Direction::Request).as_ref()
    {
        let mut mutants: Vec<(Value, String)> = Vec::new();
        if let Value::Object(map) = &value {
            for name in required_names(validators.refs(schema, Direction::Request)) {
                if map.contains_key(&name) {
                    let mut m = map.clone();
                    m.shift_remove(&name);
                    mutants.push((
                        Value::Object(m),
                        format!("the body without its required property `{name}`"),
                    ));
                }
            }
            mutants.push((
                Value::Array(Vec::new()),
                "an array as the body instead of an object".to_owned(),
            ));
        } else {
            mutants.push((
                serde_json::json!({}),
                "an object as the body instead of the documented type".to_owned(),
            ));
        }
        for (mutant, what) in mutants {
            if !validator.is_valid(&mutant)
                && let Ok(bytes) = serde_json::to_vec(&mutant)
            {
                let mut out = planned.clone();
                out.body = Some(Body {
                    content_type: body.content_type.clone(),
                    bytes,
                });
                return Some((out, what));
            }
        }
    }
    for p in op
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Query && p.required)
    {
        if let Some(i) = planned.query_names.iter().position(|n| *n == p.name) {
            let mut out = planned.clone();
            out.query.remove(i);
            out.query_names.remove(i);
            return Some((
                out,
                format!("no value for the required query parameter `{}`", p.name),
            ));
        }
    }
    None
}

/// `required` at the top of a schema (following a top-level `$ref` and `allOf`).
fn required_names(schema: Refs<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![schema.root];
    let mut seen = 0;
    while let Some(node) = stack.pop() {
        seen += 1;
        if seen > 16 {
            break;
        }
        if let Some(Value::Array(r)) = node.get("required") {
            out.extend(r.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        if let Some(target) = schema.target(node) {
            stack.push(target);
        }
        if let Some(Value::Array(all)) = node.get("allOf") {
            stack.extend(all.iter());
        }
    }
    out
}

//! JSON Schema validation: validators compiled once per schema and cached, per-keyword errors,
//! and the walk that finds properties a schema does not declare.

use contractgate_spec::ir::{Api, Direction, SchemaRegistry};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

/// Where the `$ref`s of a schema from the IR lead: inside the schema itself first (its own
/// `$defs`, any local pointer), then to the API's registry of shared schemas
/// ([`Api::schemas`]), in the form for `direction`. Schemas are not copied to be walked.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refs<'a> {
    /// The schema whose references these are (a request body's, a response's).
    pub root: &'a Value,
    registry: &'a SchemaRegistry,
    direction: Direction,
}

/// The registry of a schema that stands alone.
static NO_SCHEMAS: LazyLock<SchemaRegistry> = LazyLock::new(SchemaRegistry::default);

impl<'a> Refs<'a> {
    /// The references of `root`, a schema of `api` used in `direction`.
    pub(crate) fn new(root: &'a Value, api: &'a Api, direction: Direction) -> Refs<'a> {
        Refs {
            root,
            registry: &api.schemas,
            direction,
        }
    }

    /// The references of a self-contained schema (every target inside it).
    pub(crate) fn alone(root: &'a Value) -> Refs<'a> {
        Refs {
            root,
            registry: &NO_SCHEMAS,
            direction: Direction::Response,
        }
    }

    /// The target of `node`'s `$ref` (`#/$defs/Pet`, percent escapes decoded); `None` without
    /// a local `$ref` or when it names nothing.
    pub(crate) fn target(&self, node: &Value) -> Option<&'a Value> {
        self.follow(node.get("$ref")?.as_str()?)
    }

    /// The target of `reference` (`#/...`).
    pub(crate) fn follow(&self, reference: &str) -> Option<&'a Value> {
        let pointer = reference.strip_prefix('#')?;
        let decoded = percent_encoding::percent_decode_str(pointer).decode_utf8_lossy();
        self.root.pointer(&decoded).or_else(|| {
            if decoded.starts_with("/$defs/") {
                self.registry
                    .resolve(&format!("#{decoded}"), self.direction)
            } else {
                None
            }
        })
    }
}

/// Compiles a validator for a self-contained schema (JSON Schema 2020-12, formats checked,
/// OpenAPI's `byte` checked as base64).
pub(crate) fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    options().build(schema).map_err(|e| e.to_string())
}

fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .with_format("byte", is_base64)
}

/// The URI under which the registry's document for `direction` is known to validators.
fn registry_uri(direction: Direction) -> &'static str {
    match direction {
        Direction::Request => "urn:contractgate:schemas:request",
        Direction::Response => "urn:contractgate:schemas:response",
    }
}

fn is_base64(s: &str) -> bool {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return false;
    }
    let pad = bytes.iter().rev().take_while(|b| **b == b'=').count();
    pad <= 2
        && bytes[..bytes.len() - pad]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
}

/// One violated keyword.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SchemaError {
    /// The keyword, e.g. `required`, `type`.
    pub keyword: String,
    /// Where in the body, as a JSON pointer (`/items/0/id`; empty for the whole body).
    pub instance_path: String,
    /// Where in the schema, as a JSON pointer (`/properties/id/type`).
    pub schema_path: String,
    /// The validator's message.
    pub message: String,
    /// The offending part of the body, as compact JSON (cut to 120 characters).
    pub value: String,
}

/// The API's schemas seen from one direction: where references lead, and validators (for the
/// code that synthesizes and varies values).
#[derive(Clone, Copy)]
pub(crate) struct InApi<'a> {
    pub cache: &'a ValidatorCache,
    pub direction: Direction,
}

impl<'a> InApi<'a> {
    /// Request data.
    pub(crate) fn request(cache: &'a ValidatorCache) -> InApi<'a> {
        InApi {
            cache,
            direction: Direction::Request,
        }
    }
}

/// A compiled validator, or why the schema does not compile.
pub(crate) type Compiled = Arc<Result<jsonschema::Validator, String>>;

/// Validators compiled lazily, once per distinct schema: looked up by the address of a schema
/// inside an immutable, shared [`Api`], then by its text, so the many operations that answer
/// the same schema (an error object) share one validator.
///
/// A schema is compiled as it is in the IR, its references to shared schemas resolved in one
/// document per direction ([`SchemaRegistry::document`], prepared once): nothing it references is
/// copied into it. A validator still compiles what it reaches, so memory grows with the distinct
/// schemas checked, not with the operations.
#[derive(Default)]
pub(crate) struct ValidatorCache {
    api: Option<Arc<Api>>,
    by_address: Mutex<HashMap<(usize, Direction), Compiled>>,
    by_text: Mutex<HashMap<(Direction, String), Compiled>>,
    registries: [OnceLock<Result<jsonschema::Registry<'static>, String>>; 2],
}

impl std::fmt::Debug for ValidatorCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidatorCache").finish_non_exhaustive()
    }
}

impl ValidatorCache {
    /// A cache for the schemas of `api`, whose references resolve in its registry.
    pub(crate) fn for_api(api: Arc<Api>) -> ValidatorCache {
        ValidatorCache {
            api: Some(api),
            ..ValidatorCache::default()
        }
    }

    /// The validator for `schema`, used in `direction`; `schema` must live as long as the
    /// cache's owner (it is keyed by address, so it must not move: schemas inside an
    /// `Arc<Api>` qualify).
    pub(crate) fn get(&self, schema: &Value, direction: Direction) -> Compiled {
        let key = (std::ptr::from_ref(schema) as usize, direction);
        if let Ok(map) = self.by_address.lock()
            && let Some(v) = map.get(&key)
        {
            return Arc::clone(v);
        }
        let compiled = self.get_text(schema, direction);
        if let Ok(mut map) = self.by_address.lock() {
            map.entry(key).or_insert_with(|| Arc::clone(&compiled));
        }
        compiled
    }

    /// The validator for `schema` found by its text alone: for schemas built on the fly (a
    /// sub-schema with its root's `$defs` attached), whose address says nothing.
    pub(crate) fn get_text(&self, schema: &Value, direction: Direction) -> Compiled {
        let text = (direction, schema.to_string());
        if let Some(known) = self.by_text.lock().ok().and_then(|m| m.get(&text).cloned()) {
            return known;
        }
        // Compiled outside the lock: another thread may compile the same schema meanwhile, which
        // only costs time.
        let compiled = Arc::new(self.compile(schema, direction));
        match self.by_text.lock() {
            Ok(mut map) => Arc::clone(map.entry(text).or_insert(compiled)),
            Err(_) => compiled,
        }
    }

    /// Where the references of `root`, a schema of this cache's API used in `direction`, lead.
    pub(crate) fn refs<'a>(&'a self, root: &'a Value, direction: Direction) -> Refs<'a> {
        match &self.api {
            Some(api) => Refs::new(root, api, direction),
            None => Refs::alone(root),
        }
    }

    fn compile(
        &self,
        schema: &Value,
        direction: Direction,
    ) -> Result<jsonschema::Validator, String> {
        let Some(api) = self.api.as_ref().filter(|a| !a.schemas.is_empty()) else {
            return compile(schema);
        };
        let slot = &self.registries[direction as usize];
        let registry = slot
            .get_or_init(|| {
                jsonschema::Registry::new()
                    .draft(jsonschema::Draft::Draft202012)
                    .add(registry_uri(direction), api.schemas.document(direction))
                    .and_then(|b| b.prepare())
                    .map_err(|e| format!("the API's shared schemas do not load: {e}"))
            })
            .as_ref()?;
        let qualified = SchemaRegistry::qualify(schema, registry_uri(direction));
        options()
            .with_registry(registry)
            .with_base_uri("urn:contractgate:schema")
            .build(&qualified)
            .map_err(|e| e.to_string())
    }
}

/// Every violated keyword of `instance` against `validator`.
pub(crate) fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<SchemaError> {
    validator
        .iter_errors(instance)
        .map(|e| SchemaError {
            keyword: e.kind().keyword().to_owned(),
            instance_path: e.instance_path().to_string(),
            schema_path: e.schema_path().to_string(),
            message: e.to_string(),
            value: String::new(),
        })
        .collect()
}

/// Properties of `instance` that the schema does not declare, as JSON pointers (`/address/zip`).
///
/// A schema object declares the names in its `properties` (also through `$ref` and `allOf`); it is
/// open (nothing reported) when it has `additionalProperties`, `patternProperties`,
/// `unevaluatedProperties`, or no `properties` at all. For `oneOf`/`anyOf`, the names of every
/// branch count as declared.
pub(crate) fn undeclared_properties(schema: Refs<'_>, instance: &Value) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    walk(
        schema,
        schema.root,
        instance,
        &mut Vec::new(),
        0,
        &mut |at, name, seen| {
            if !seen.declared && seen.closed {
                let mut p = pointer(at);
                p.push('/');
                p.push_str(&name.replace('~', "~0").replace('/', "~1"));
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        },
    );
    out
}

/// The properties found at one place of a body, judged against the schema at that place: the
/// names the schema declares and the ones it does not. Array items share one place (`/data/*`), so
/// a list of a hundred items counts each name once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PropertyNode {
    /// Where, as a JSON pointer with `*` for array indices; empty for the whole body.
    pub at: String,
    /// Names present in the body that the schema declares.
    pub declared: Vec<String>,
    /// Names present in the body that the schema does not declare (only counted where the
    /// schema lists `properties` and is not open to others).
    pub undeclared: Vec<String>,
    /// Every name the schema declares here, present or not.
    pub expected: Vec<String>,
}

impl PropertyNode {
    /// How many distinct names were seen here.
    pub fn len(&self) -> usize {
        self.declared.len() + self.undeclared.len()
    }
}

/// The properties of `instance` per place, declared and undeclared by `schema` (the same walk
/// as [`undeclared_properties`], counted by name per place). Places where the schema declares
/// nothing (open maps, untyped values) are left out.
pub(crate) fn property_nodes(schema: Refs<'_>, instance: &Value) -> Vec<PropertyNode> {
    let mut out: Vec<PropertyNode> = Vec::new();
    // The properties of one object come one after the other: the place of the previous one
    // (names, `None` for an index) saves rendering and looking it up again.
    let mut last: Option<(Vec<Option<&str>>, usize)> = None;
    walk(
        schema,
        schema.root,
        instance,
        &mut Vec::new(),
        0,
        &mut |at, name, seen| {
            if !seen.declared && !seen.closed {
                return;
            }
            let key = segment_key;
            let i = match &last {
                Some((k, i))
                    if k.len() == at.len() && k.iter().zip(at).all(|(a, b)| *a == key(b)) =>
                {
                    *i
                }
                _ => {
                    let place = place(at);
                    let i = match out.iter().position(|n| n.at == place) {
                        Some(i) => i,
                        None => {
                            out.push(PropertyNode {
                                at: place,
                                expected: seen.expected(),
                                ..PropertyNode::default()
                            });
                            out.len() - 1
                        }
                    };
                    last = Some((at.iter().map(key).collect(), i));
                    i
                }
            };
            let node = &mut out[i];
            let list = if seen.declared {
                &mut node.declared
            } else {
                &mut node.undeclared
            };
            if !list.iter().any(|n| n == name) {
                list.push(name.to_owned());
            }
        },
    );
    out
}

/// A segment as a place sees it: a name, or `None` for any index.
fn segment_key<'a>(segment: &Segment<'a>) -> Option<&'a str> {
    match *segment {
        Segment::Name(n) => Some(n),
        Segment::Index(_) => None,
    }
}

/// A place as [`PropertyNode::at`] names it: a pointer with `*` for every array index.
fn place(at: &[Segment<'_>]) -> String {
    render_pointer(at, true)
}

/// What a schema node says about the properties of an object and the items of an array. Kept in
/// vectors, not maps: schemas list a handful of properties, and this runs on every response.
#[derive(Default)]
struct Shape<'a> {
    open: bool,
    declared: Vec<(&'a str, &'a Value)>,
    has_properties: bool,
    items: Vec<&'a Value>,
}

fn collect<'a>(refs: Refs<'a>, schema: &'a Value, shape: &mut Shape<'a>, depth: usize) {
    if depth > 16 {
        shape.open = true;
        return;
    }
    let Value::Object(map) = schema else {
        if schema == &Value::Bool(true) {
            shape.open = true;
        }
        return;
    };
    // One pass over the keywords (a lookup per keyword would hash each name: this runs for
    // every schema node of every walk of every response), then in a fixed order: the `$ref`,
    // `properties`, `items`, then `allOf`, `oneOf`, `anyOf`.
    let mut reference = false;
    let mut properties = None;
    let mut items = None;
    let mut combined: [Option<&'a Vec<Value>>; 3] = [None; 3];
    for (key, v) in map {
        match (key.as_str(), v) {
            ("$ref", _) => reference = true,
            ("additionalProperties" | "patternProperties" | "unevaluatedProperties", v)
                if v != &Value::Bool(false) =>
            {
                shape.open = true;
            }
            ("properties", Value::Object(props)) => properties = Some(props),
            ("items", v) => items = Some(v),
            ("allOf", Value::Array(subs)) => combined[0] = Some(subs),
            ("oneOf", Value::Array(subs)) => combined[1] = Some(subs),
            ("anyOf", Value::Array(subs)) => combined[2] = Some(subs),
            _ => {}
        }
    }
    if reference {
        match refs.target(schema) {
            Some(target) => collect(refs, target, shape, depth + 1),
            None => shape.open = true,
        }
    }
    if let Some(props) = properties {
        shape.has_properties = true;
        shape
            .declared
            .extend(props.iter().map(|(name, sub)| (name.as_str(), sub)));
    }
    if let Some(items) = items {
        shape.items.push(items);
    }
    for subs in combined.into_iter().flatten() {
        for sub in subs {
            collect(refs, sub, shape, depth + 1);
        }
    }
}

/// A JSON pointer from path segments (`~` and `/` escaped), built only when something is reported.
fn pointer(segments: &[Segment<'_>]) -> String {
    render_pointer(segments, false)
}

/// `/a/0/b` (`~` and `/` escaped), or `/a/*/b` with `any_index`.
fn render_pointer(segments: &[Segment<'_>], any_index: bool) -> String {
    let mut out = String::new();
    for segment in segments {
        out.push('/');
        match segment {
            Segment::Name(name) => out.push_str(&name.replace('~', "~0").replace('/', "~1")),
            Segment::Index(_) if any_index => out.push('*'),
            Segment::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

enum Segment<'a> {
    Name(&'a str),
    Index(usize),
}

/// What the walk says of one property of an object in the body.
struct Seen<'s> {
    /// The schema there declares the name.
    declared: bool,
    /// The schema there lists `properties` and admits no others (undeclared names count).
    closed: bool,
    /// Every name the schema declares there.
    shape: &'s Shape<'s>,
}

impl Seen<'_> {
    /// The names the schema declares at this place, each once.
    fn expected(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (n, _) in &self.shape.declared {
            if !names.iter().any(|e| e == n) {
                names.push((*n).to_owned());
            }
        }
        names
    }
}

/// Walks `instance` along `schema`, calling `visit` with the place of every object property
/// (`at`, the segments of the object holding it), its name, and what the schema says of it.
/// Declared properties are walked into; undeclared ones are not.
fn walk<'s, 'v>(
    refs: Refs<'s>,
    schema: &'s Value,
    instance: &'v Value,
    at: &mut Vec<Segment<'v>>,
    depth: usize,
    visit: &mut dyn FnMut(&[Segment<'v>], &'v str, &Seen<'_>),
) {
    if depth > 32 || !matches!(instance, Value::Object(_) | Value::Array(_)) {
        return;
    }
    let mut shape = Shape::default();
    collect(refs, schema, &mut shape, 0);
    match instance {
        Value::Object(obj) => {
            let closed = shape.has_properties && !shape.open;
            for (name, value) in obj {
                let declared = shape.declared.iter().any(|(n, _)| *n == name.as_str());
                visit(
                    at,
                    name,
                    &Seen {
                        declared,
                        closed,
                        shape: &shape,
                    },
                );
                at.push(Segment::Name(name));
                for (_, sub) in shape.declared.iter().filter(|(n, _)| *n == name.as_str()) {
                    walk(refs, sub, value, at, depth + 1, visit);
                }
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                at.push(Segment::Index(i));
                for sub in &shape.items {
                    walk(refs, sub, item, at, depth + 1, visit);
                }
                at.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_undeclared_properties_through_refs_and_arrays() {
        let schema = json!({
            "type": "object",
            "properties": {"id": {"type": "integer"}, "tags": {"type": "array", "items": {"$ref": "#/$defs/Tag"}}},
            "$defs": {"Tag": {"type": "object", "properties": {"name": {"type": "string"}}}}
        });
        let body = json!({"id": 1, "secret": true, "tags": [{"name": "a", "colour": "red"}]});
        assert_eq!(
            undeclared_properties(Refs::alone(&schema), &body),
            vec!["/secret".to_owned(), "/tags/0/colour".to_owned()]
        );
        let open =
            json!({"type": "object", "properties": {"id": {}}, "additionalProperties": true});
        assert!(undeclared_properties(Refs::alone(&open), &json!({"x": 1})).is_empty());
    }

    #[test]
    fn counts_declared_and_undeclared_names_per_place() {
        let schema = json!({
            "type": "object",
            "properties": {"data": {"type": "array", "items": {"$ref": "#/$defs/Trip"}}, "meta": {"type": "object", "additionalProperties": true}},
            "$defs": {"Trip": {"type": "object", "properties": {"id": {"type": "string"}, "origin": {"type": "string"}}}}
        });
        let body = json!({"data": [{"id": "a", "name": "x", "address": "y"}, {"id": "b", "name": "z", "timezone": "t"}], "meta": {"anything": 1}});
        let nodes = property_nodes(Refs::alone(&schema), &body);
        assert_eq!(
            nodes,
            vec![
                PropertyNode {
                    at: String::new(),
                    declared: vec!["data".into(), "meta".into()],
                    undeclared: vec![],
                    expected: vec!["data".into(), "meta".into()],
                },
                PropertyNode {
                    at: "/data/*".into(),
                    declared: vec!["id".into()],
                    undeclared: vec!["name".into(), "address".into(), "timezone".into()],
                    expected: vec!["id".into(), "origin".into()],
                },
            ]
        );
    }

    #[test]
    fn byte_format_is_checked() {
        let v = compile(&json!({"type": "string", "format": "byte"})).unwrap();
        assert!(v.is_valid(&json!("Zm9v")));
        assert!(!v.is_valid(&json!("not base64!")));
    }
}

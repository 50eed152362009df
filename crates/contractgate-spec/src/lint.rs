//! Warnings about a loaded spec that make contract tests weaker or impossible.
//!
//! The most important one is `indistinguishable-responses`: when the 2xx JSON schema of one
//! operation accepts the documents another operation returns, a request routed to the wrong handler
//! (the outage contractgate exists for) still passes the schema check. The comparison is structural
//! and conservative: it says "accepts" only when every document of the other schema would validate,
//! judged from `required`, `properties`, `additionalProperties: false`, `type`, `enum`/`const`,
//! `items`, `allOf`/`anyOf`/`oneOf` and `$ref`s into `$defs`.

use foldhash::{HashMap, HashMapExt};

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::ir::{Api, Direction, Operation, ParamLocation, SchemaRegistry};
use crate::media::is_json;

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
    crate::path::PathTemplate::parse(path).params()
}

/// The 2xx JSON response schemas of an operation.
fn success_schemas(op: &Operation) -> Vec<&Value> {
    op.success_responses()
        .flat_map(|r| r.content.iter())
        .filter(|(media, _)| is_json(media))
        .filter_map(|(_, mt)| mt.schema.as_ref())
        .collect()
}

/// `schema` as text, with every reference to a registered schema that only refers on (an alias
/// such as `Resource17: {$ref: Entity1}`) replaced by the schema it ends at: schemas that mean the
/// same compare once, however many aliases a spec gives them.
fn canonical(schema: &Value, registry: &SchemaRegistry) -> String {
    fn end_of(name: String, registry: &SchemaRegistry) -> String {
        let mut name = name;
        for _ in 0..16 {
            let next = registry
                .get(&name, Direction::Response)
                .and_then(Value::as_object)
                .filter(|o| o.len() == 1)
                .and_then(|o| o.get("$ref"))
                .and_then(Value::as_str)
                .and_then(crate::ir::def_name);
            match next {
                Some(n) if registry.get(&n, Direction::Response).is_some() => {
                    name = n.into_owned();
                }
                _ => break,
            }
        }
        name
    }
    fn rewrite(v: &mut Value, registry: &SchemaRegistry) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if k == "$ref" {
                        if let Value::String(r) = val
                            && let Some(name) = crate::ir::def_name(r)
                        {
                            let end = end_of(name.into_owned(), registry);
                            *r = format!("#/$defs/{}", crate::pointer::escape(&end));
                        }
                    } else if !crate::ir::holds_data(k) {
                        rewrite(val, registry);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| rewrite(i, registry)),
            _ => {}
        }
    }
    if registry.is_empty() {
        return schema.to_string();
    }
    let mut copy = schema.clone();
    rewrite(&mut copy, registry);
    copy.to_string()
}

/// The operations a set of success schemas accepts.
type Accepted<'a> = Vec<&'a Operation>;

fn indistinguishable(api: &Api) -> Vec<Diagnostic> {
    // Operations share schemas (a resource's GET, PUT and POST answer the same one): compare each
    // distinct schema with each other once, then look operations up in that table. Comparing
    // operation by operation was quadratic in operations with a costly step inside (12 s for 2,000
    // operations); this is quadratic in distinct schemas with a bit test inside.
    let mut distinct: Vec<&Value> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let schemas: Vec<(&Operation, Vec<usize>)> = api
        .operations
        .iter()
        .map(|op| {
            let ids = success_schemas(op)
                .into_iter()
                .map(|schema| {
                    let key = canonical(schema, &api.schemas);
                    *index.entry(key).or_insert_with(|| {
                        distinct.push(schema);
                        distinct.len() - 1
                    })
                })
                .collect();
            (op, ids)
        })
        .filter(|(_, ids): &(&Operation, Vec<usize>)| !ids.is_empty())
        .collect();
    let root = |schema| Root {
        schema,
        registry: &api.schemas,
    };
    let views = Views::default();
    // accepts[b][a]: every document valid under distinct schema a is valid under b.
    let accepts_table: Vec<Vec<bool>> = distinct
        .iter()
        .enumerate()
        .map(|(ib, sb)| {
            distinct
                .iter()
                .enumerate()
                .map(|(ia, sa)| {
                    ia != ib && sa != sb && accepts(&views, sb, root(sb), sa, root(sa), 0)
                })
                .collect()
        })
        .collect();
    // Operations with the same success schemas accept the same operations: work that out once
    // per set of schemas (a handful on a spec whose operations share big schemas, where comparing
    // operation by operation was quadratic: minutes for 20,000 operations).
    let mut accepted_by_set: HashMap<&[usize], Accepted<'_>> = HashMap::new();
    let mut out = Vec::new();
    for (b, b_schemas) in &schemas {
        let all = accepted_by_set
            .entry(b_schemas.as_slice())
            .or_insert_with(|| {
                schemas
                    .iter()
                    .filter(|(_, a_schemas)| {
                        a_schemas
                            .iter()
                            .any(|&sa| b_schemas.iter().any(|&sb| accepts_table[sb][sa]))
                    })
                    .map(|(a, _)| *a)
                    .collect()
            });
        // One resource's operations answer one representation by design: its GET and PUT (b's
        // own path), and the create and the read of a collection and its item (`/issues` and
        // `/issues/{issue_number}`). Those do not count.
        let others: Vec<&Operation> = all
            .iter()
            .filter(|a| !same_resource(&a.path, &b.path))
            .copied()
            .collect();
        let count = others.len();
        if count == 0 {
            continue;
        }
        let accepted: Vec<&Operation> = others.iter().take(3).copied().collect();
        let names: Vec<String> = accepted
            .iter()
            .take(3)
            .map(|a| format!("{} ({})", a.label(), a.id))
            .collect();
        let more = count.saturating_sub(3);
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

/// What a response schema's references resolve against: its own root (`$defs` it carries) and
/// the API's registry.
#[derive(Clone, Copy)]
struct Root<'a> {
    schema: &'a Value,
    registry: &'a SchemaRegistry,
}

impl Root<'_> {
    /// What tells roots apart for a reference: only a root with `$defs` of its own resolves
    /// differently from the registry alone.
    fn id(&self) -> usize {
        if self.schema.get("$defs").is_some() {
            std::ptr::from_ref(self.schema) as usize
        } else {
            0
        }
    }
}

/// Follows a `#/$defs/...` reference (a bounded number of times).
fn deref<'a>(mut schema: &'a Value, root: Root<'a>) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = schema.get("$ref").and_then(Value::as_str) else {
            return schema;
        };
        match root.registry.follow(root.schema, r, Direction::Response) {
            Some(target) => schema = target,
            None => return schema,
        }
    }
    schema
}

/// The types a schema allows, when it says, as a set of bits (one per JSON type; any other
/// name shares one bit). Bits, not a set of strings: this runs for every pair of schemas.
fn types(schema: &Value) -> Option<u8> {
    fn bit(t: &str) -> u8 {
        match t {
            "object" => OBJECT,
            "array" => ARRAY,
            "string" => 1 << 2,
            "number" => NUMBER,
            "integer" => INTEGER,
            "boolean" => 1 << 5,
            "null" => 1 << 6,
            _ => 1 << 7,
        }
    }
    match schema.get("type") {
        Some(Value::String(t)) => Some(bit(t)),
        Some(Value::Array(ts)) => Some(
            ts.iter()
                .filter_map(Value::as_str)
                .map(bit)
                .fold(0, |a, b| a | b),
        ),
        _ => {
            if schema.get("properties").is_some() {
                Some(OBJECT)
            } else if schema.get("items").is_some() {
                Some(ARRAY)
            } else {
                None
            }
        }
    }
}

const OBJECT: u8 = 1;
const ARRAY: u8 = 1 << 1;
const NUMBER: u8 = 1 << 3;
const INTEGER: u8 = 1 << 4;

/// An object schema's properties (first declaration wins) and required names. Vectors, not
/// maps: schemas list a handful of properties.
struct ObjectView<'a> {
    properties: Vec<(&'a str, &'a Value)>,
    required: Vec<&'a str>,
    closed: bool,
}

impl<'a> ObjectView<'a> {
    fn property(&self, name: &str) -> Option<&'a Value> {
        self.properties
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }

    fn add_property(&mut self, name: &'a str, schema: &'a Value) {
        if self.property(name).is_none() {
            self.properties.push((name, schema));
        }
    }
}

/// Object views already built, by (schema, root) address: comparing every pair of distinct
/// schemas would otherwise build each one's view once per pair.
#[derive(Default)]
struct Views<'a> {
    built: std::cell::RefCell<HashMap<(usize, usize), std::rc::Rc<ObjectView<'a>>>>,
    /// [`accepts`] answers by (b, b's root, a, a's root) address.
    answers: std::cell::RefCell<HashMap<(usize, usize, usize, usize), bool>>,
}

impl<'a> Views<'a> {
    fn get(&self, schema: &'a Value, root: Root<'a>) -> std::rc::Rc<ObjectView<'a>> {
        let key = (std::ptr::from_ref(schema) as usize, root.id());
        if let Some(v) = self.built.borrow().get(&key) {
            return std::rc::Rc::clone(v);
        }
        let view = std::rc::Rc::new(object_view(schema, root, 0));
        self.built
            .borrow_mut()
            .insert(key, std::rc::Rc::clone(&view));
        view
    }
}

/// Properties and required names of an object schema, merged over `allOf`.
fn object_view<'a>(schema: &'a Value, root: Root<'a>, depth: usize) -> ObjectView<'a> {
    let schema = deref(schema, root);
    let mut view = ObjectView {
        properties: Vec::new(),
        required: Vec::new(),
        closed: false,
    };
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (k, v) in props {
            view.add_property(k.as_str(), v);
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
                view.add_property(k, v);
            }
            view.required.extend(sub.required);
            view.closed |= sub.closed;
        }
    }
    view
}

/// Whether every document valid under `a` is valid under `b` (conservative: `false` whenever a
/// difference is visible; `true` when nothing tells them apart).
fn accepts<'a>(
    views: &Views<'a>,
    b: &'a Value,
    b_root: Root<'a>,
    a: &'a Value,
    a_root: Root<'a>,
    depth: usize,
) -> bool {
    // Shared schemas that reference each other are compared again and again through different
    // properties (and `anyOf` branches multiply the paths): remember each answer. A pair met
    // again while it is being compared (a cycle) is assumed to accept, as recursive types are
    // compared; whatever tells the two apart is found elsewhere in the walk.
    // Each top-level pair is compared once anyway: only nested ones are worth remembering.
    if depth == 0 {
        return compare(views, b, b_root, a, a_root, depth);
    }
    let addr = |v: &Value| std::ptr::from_ref(v) as usize;
    let key = (addr(b), b_root.id(), addr(a), a_root.id());
    if let Some(&known) = views.answers.borrow().get(&key) {
        return known;
    }
    views.answers.borrow_mut().insert(key, true);
    let answer = compare(views, b, b_root, a, a_root, depth);
    views.answers.borrow_mut().insert(key, answer);
    answer
}

/// [`accepts`], not remembered.
fn compare<'a>(
    views: &Views<'a>,
    b: &'a Value,
    b_root: Root<'a>,
    a: &'a Value,
    a_root: Root<'a>,
    depth: usize,
) -> bool {
    if depth > 6 {
        return true;
    }
    let b = deref(b, b_root);
    let a = deref(a, a_root);
    if b == &Value::Bool(true) {
        return true;
    }
    // A union on `a`'s side first: `b` accepts it when it accepts every branch. (Taken after
    // `b`'s own union, `anyOf: [X, Y]` would not accept the same `anyOf: [X, Y]`: no single
    // branch of `b` covers both of `a`'s.)
    if let Some(Value::Array(branches)) = a.get("anyOf").or_else(|| a.get("oneOf")) {
        return branches
            .iter()
            .all(|br| accepts(views, b, b_root, br, a_root, depth + 1));
    }
    if let Some(Value::Array(branches)) = b.get("anyOf").or_else(|| b.get("oneOf"))
        && !branches
            .iter()
            .any(|br| accepts(views, br, b_root, a, a_root, depth + 1))
    {
        return false;
    }
    if let Some(Value::Array(parts)) = b.get("allOf")
        && !parts
            .iter()
            .all(|p| accepts(views, p, b_root, a, a_root, depth + 1))
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
    // Every type a allows must be one b allows (an integer is a number).
    let covered = if bt & NUMBER != 0 { bt | INTEGER } else { bt };
    if at & !covered != 0 {
        return false;
    }
    if at & OBJECT != 0 {
        let av = views.get(a, a_root);
        let bv = views.get(b, b_root);
        if !bv.required.iter().all(|r| av.required.contains(r)) {
            return false;
        }
        if bv.closed && !av.properties.iter().all(|(k, _)| bv.property(k).is_some()) {
            return false;
        }
        for (name, a_prop) in &av.properties {
            if let Some(b_prop) = bv.property(name)
                && !accepts(views, b_prop, b_root, a_prop, a_root, depth + 1)
            {
                return false;
            }
        }
    }
    if at & ARRAY != 0
        && let (Some(bi), Some(ai)) = (b.get("items"), a.get("items"))
        && !accepts(views, bi, b_root, ai, a_root, depth + 1)
    {
        return false;
    }
    true
}

/// Whether two paths address one resource: the same path, or a collection and its item (the
/// item's path is the collection's plus one `{parameter}` segment).
fn same_resource(a: &str, b: &str) -> bool {
    let item_of = |item: &str, collection: &str| {
        item.strip_prefix(collection)
            .and_then(|rest| rest.strip_prefix("/{"))
            .is_some_and(|p| p.ends_with('}') && !p.contains('/'))
    };
    a == b || item_of(a, b) || item_of(b, a)
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
        let registry = SchemaRegistry::default();
        let root = |schema| Root {
            schema,
            registry: &registry,
        };
        accepts(&Views::default(), &b, root(&b), &a, root(&a), 0)
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
    fn a_union_accepts_the_same_union_and_its_branches() {
        let x =
            json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}});
        let y = json!({"type": "object", "required": ["code"], "properties": {"code": {"type": "integer"}}});
        let z = json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "integer"}}});
        let xy = json!({"anyOf": [x.clone(), y.clone()]});
        assert!(acc(xy.clone(), xy.clone()));
        assert!(acc(xy.clone(), json!({"oneOf": [y.clone(), x.clone()]})));
        assert!(acc(xy.clone(), x.clone()));
        assert!(!acc(x.clone(), xy.clone()));
        assert!(!acc(xy, json!({"anyOf": [x, z]})));
    }

    #[test]
    fn a_collection_and_its_item_are_one_resource() {
        assert!(same_resource("/issues", "/issues"));
        assert!(same_resource("/repos/{o}/issues", "/repos/{o}/issues/{n}"));
        assert!(same_resource("/repos/{o}/issues/{n}", "/repos/{o}/issues"));
        assert!(!same_resource("/user/profile", "/user/settings"));
        assert!(!same_resource("/issues", "/issues/{n}/events"));
        assert!(!same_resource("/issues", "/issues/open"));
        assert!(!same_resource("/issues", "/issuesx/{n}"));
    }

    #[test]
    fn arrays_compare_their_items() {
        let b = json!({"type": "array", "items": {"type": "object", "required": ["name"]}});
        let a = json!({"type": "array", "items": {"type": "object", "required": ["title"]}});
        assert!(!acc(b, a));
    }
}

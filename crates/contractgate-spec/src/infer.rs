//! Links the spec does not write, inferred from names, so that state checks and linked request
//! data work on specs without `links` (most real ones).
//!
//! A create operation (`POST /users`) whose 2xx JSON answer has an identifying property is paired
//! with each operation on the path one template segment below it (`GET`, `PUT`, `PATCH` or
//! `DELETE /users/{userId}`):
//!
//! - the segment's parameter is `{id}`, `{<resource>Id}` or `{<resource>_id}` (the resource is the
//!   create path's last segment in the singular: `users` → `user`), and the answer has a property
//!   of the same name, or `id`, `<resource>Id`, `<resource>_id`; or
//! - the parameter is the resource's own name (`{database}` below `/databases`), and the answer has
//!   a property of that name, or `name`, or `id`.
//!
//! Other path parameters of the target that the create path has too (`{tenant}` in
//! `/tenants/{tenant}/databases/{database}`) take the create request's own values
//! (`$request.path.tenant`). A pair the spec already links (any link from the create operation to
//! that target) is left to the spec. Inferred links are marked [`Link::inferred`]; `lint` lists
//! them, and `infer_links = false` in `contractgate.toml` makes the harness ignore them.

use indexmap::IndexMap;
use serde_json::{Value, json};

use crate::ir::{Api, Direction, Link, Method, Operation, ParamLocation, Response};

/// One inferred pair, as `lint` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InferredLink {
    /// The create operation's id.
    pub source: String,
    /// The target operation's id.
    pub target: String,
    /// `POST /users (createUser) → GET /users/{id} (getUser): {id} from the answer's `id``.
    pub description: String,
}

/// `users` → `user`, `addresses` → `address`, `policies` → `policy`, `data` → `data`.
fn singular(word: &str) -> String {
    if word.ends_with("us") || word.ends_with("ss") {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if let Some(stem) = word
        .strip_suffix("sses")
        .or_else(|| word.strip_suffix("shes"))
        .or_else(|| word.strip_suffix("ches"))
        .or_else(|| word.strip_suffix("xes"))
    {
        format!("{stem}{}", &word[stem.len()..word.len() - 2])
    } else if let Some(stem) = word.strip_suffix('s').filter(|s| !s.ends_with('s')) {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

/// Lower case without `_` and `-`: `user_id`, `userId` and `UserID` are one name.
fn norm(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The `format` of a schema (through `$ref`s).
fn format_of(api: &Api, root: &Value, schema: &Value) -> Option<String> {
    let mut node = schema;
    for _ in 0..8 {
        if let Some(f) = node.get("format").and_then(Value::as_str) {
            return Some(f.to_owned());
        }
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => node = api.schemas.follow(root, r, Direction::Response)?,
            None => return None,
        }
    }
    None
}

/// Property names with their `format`.
type Props = Vec<(String, Option<String>)>;

/// The top-level properties of a response's JSON schema (through `$ref` and `allOf`), each with
/// its `format`.
fn properties(api: &Api, response: &Response) -> Props {
    match json_schema(response) {
        Some(schema) => properties_of(api, schema, schema),
        None => Vec::new(),
    }
}

/// A response's JSON schema.
fn json_schema(response: &Response) -> Option<&Value> {
    response
        .content
        .iter()
        .find(|(mt, _)| crate::media::is_json(mt))
        .and_then(|(_, m)| m.schema.as_ref())
}

/// `schema` (in a schema whose root is `root`) through `$ref`s.
fn follow<'a>(api: &'a Api, root: &'a Value, schema: &'a Value) -> &'a Value {
    let mut node = schema;
    for _ in 0..8 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match api.schemas.follow(root, r, Direction::Response) {
                Some(next) => node = next,
                None => break,
            },
            None => break,
        }
    }
    node
}

/// Where the items of a list answer are (`/0` for an array, `/items/0` for an object with one
/// array-of-objects property), and the items' properties.
fn list_items(api: &Api, response: &Response) -> Option<(String, Props)> {
    let root = json_schema(response)?;
    let top = follow(api, root, root);
    if let Some(items) = top
        .get("items")
        .filter(|_| top.get("type") == Some(&json!("array")))
    {
        let props = properties_of(api, root, items);
        return (!props.is_empty()).then(|| ("/0".to_owned(), props));
    }
    let Some(Value::Object(fields)) = top.get("properties") else {
        return None;
    };
    let arrays: Vec<(&String, Props)> = fields
        .iter()
        .filter_map(|(name, sub)| {
            let sub = follow(api, root, sub);
            let items = sub
                .get("items")
                .filter(|_| sub.get("type") == Some(&json!("array")))?;
            let props = properties_of(api, root, items);
            (!props.is_empty()).then_some((name, props))
        })
        .collect();
    match arrays.as_slice() {
        [(name, props)] => Some((
            format!("/{}/0", crate::pointer::escape(name)),
            props.clone(),
        )),
        _ => None,
    }
}

/// The top-level properties of `schema` (part of `root`), through `$ref` and `allOf`, each with
/// its `format`.
fn properties_of(api: &Api, root: &Value, schema: &Value) -> Props {
    let mut out = Vec::new();
    let mut stack = vec![schema];
    let mut seen = 0;
    while let Some(node) = stack.pop() {
        seen += 1;
        if seen > 32 {
            break;
        }
        if let Some(Value::Object(props)) = node.get("properties") {
            out.extend(
                props
                    .iter()
                    .map(|(k, v)| (k.clone(), format_of(api, root, v))),
            );
        }
        if let Some(Value::String(r)) = node.get("$ref")
            && let Some(target) = api.schemas.follow(root, r, Direction::Response)
        {
            stack.push(target);
        }
        if let Some(Value::Array(all)) = node.get("allOf") {
            stack.extend(all.iter());
        }
    }
    out
}

/// The property of the create's answer that gives the target's `param`, if the names say so.
/// When the parameter has a `format` (`uuid`), only a property of the same format qualifies.
fn identifying(
    param: &str,
    format: Option<&str>,
    resource: &str,
    props: &[(String, Option<String>)],
) -> Option<String> {
    let p = norm(param);
    let r = norm(resource);
    let fits = |f: &Option<String>| format.is_none_or(|want| f.as_deref() == Some(want));
    let find = |names: &[String]| {
        names.iter().find_map(|n| {
            props
                .iter()
                .find(|(prop, f)| norm(prop) == *n && fits(f))
                .map(|(prop, _)| prop.clone())
        })
    };
    if p == "id" || p == format!("{r}id") {
        find(&[p.clone(), "id".into(), format!("{r}id")])
    } else if p == r {
        find(&[p.clone(), "name".into(), "id".into()])
    } else {
        None
    }
}

/// The literal last segment of a collection path in the singular (`/tenants/{t}/users` → `user`),
/// and the path without a trailing slash; `None` when the path ends in a parameter.
fn collection(path: &str) -> Option<(&str, String)> {
    let base = path.trim_end_matches('/');
    let last = base
        .rsplit('/')
        .next()
        .filter(|s| !s.is_empty() && !s.contains('{'))?;
    Some((base, singular(last)))
}

/// The inferred link from `source` (a collection: `base`, `resource`) to `target` on the path one
/// parameter segment below it, when the names pair the parameter with a property of `props`
/// (read at `prefix` in the answer: `""` for the object itself, `/0` for a list's first item).
fn link_to(
    api: &Api,
    source: &Operation,
    target: &Operation,
    (base, resource): (&str, &str),
    props: &Props,
    prefix: &str,
) -> Option<Link> {
    let param = target
        .path
        .strip_prefix(base)?
        .strip_prefix("/{")?
        .strip_suffix('}')
        .filter(|p| !p.contains(['/', '{', '}']))?;
    let target_ref = target
        .operation_id
        .clone()
        .unwrap_or_else(|| target.id.clone());
    let linked_already = source.responses.iter().any(|r| {
        r.links
            .values()
            .any(|l| l.operation_id.as_deref() == Some(target_ref.as_str()))
    });
    if linked_already {
        return None;
    }
    let format = target
        .parameters
        .iter()
        .find(|p| p.location == ParamLocation::Path && p.name == param)
        .and_then(|p| p.schema.as_ref())
        .and_then(|s| format_of(api, s, s));
    let prop = identifying(param, format.as_deref(), resource, props)?;
    let mut parameters = IndexMap::new();
    for p in target
        .parameters
        .iter()
        .filter(|p| p.location == ParamLocation::Path)
    {
        let value = if p.name == param {
            format!("$response.body#{prefix}/{}", crate::pointer::escape(&prop))
        } else if source
            .parameters
            .iter()
            .any(|q| q.location == ParamLocation::Path && q.name == p.name)
        {
            format!("$request.path.{}", p.name)
        } else {
            return None;
        };
        parameters.insert(format!("path.{}", p.name), json!(value));
    }
    let from = if prefix.is_empty() {
        "the answer's"
    } else {
        "the first item's"
    };
    Some(Link {
        operation_id: Some(target_ref),
        operation_ref: None,
        parameters,
        request_body: None,
        description: Some(format!(
            "{} {} ({}) → {} {} ({}): {{{param}}} from {from} `{prop}`",
            source.method, source.path, source.id, target.method, target.path, target.id
        )),
        inferred: true,
    })
}

/// Adds the inferred links to `api` (and the create operations to their targets' `created_by`).
pub fn infer_links(api: &mut Api) {
    // (source, response, link, whether the source creates the target's resource)
    let mut additions: Vec<(usize, usize, Link, bool)> = Vec::new();
    // The operations on each path that ends in one parameter segment, by the path above it
    // (`/users/{id}` under `/users`): a collection's targets are looked up, not searched for
    // among every operation (which made a 10,000-operation spec quadratic).
    let mut below: std::collections::HashMap<&str, Vec<&Operation>> =
        std::collections::HashMap::new();
    for op in &api.operations {
        if let Some((parent, last)) = op.path.rsplit_once('/')
            && last.starts_with('{')
            && last.ends_with('}')
        {
            below.entry(parent).or_default().push(op);
        }
    }
    let under = |base: &str| below.get(base).map_or(&[][..], Vec::as_slice);
    for (si, source) in api.operations.iter().enumerate() {
        let Some((base, resource)) = collection(&source.path) else {
            continue;
        };
        match source.method {
            // A create: its answer is the resource; it feeds reads, updates and deletes.
            Method::Post => {
                let Some((ri, props)) = source
                    .responses
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.status.is_success())
                    .map(|(i, r)| (i, properties(api, r)))
                    .find(|(_, p)| !p.is_empty())
                else {
                    continue;
                };
                for target in under(base).iter().filter(|t| {
                    matches!(
                        t.method,
                        Method::Get | Method::Put | Method::Patch | Method::Delete
                    )
                }) {
                    if let Some(link) = link_to(api, source, target, (base, &resource), &props, "")
                    {
                        additions.push((si, ri, link, true));
                    }
                }
            }
            // A list: its first item feeds reads only (never an update or a delete: that would
            // change data the run did not create). The harness tries such a link after every
            // other link of the read, so a create still gives the state checks their resource,
            // and in a read-only environment the list gives a read a real id.
            Method::Get => {
                let Some((ri, (prefix, props))) = source
                    .responses
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.status.is_success())
                    .find_map(|(i, r)| list_items(api, r).map(|l| (i, l)))
                else {
                    continue;
                };
                for target in under(base).iter().filter(|t| t.method == Method::Get) {
                    if let Some(link) =
                        link_to(api, source, target, (base, &resource), &props, &prefix)
                    {
                        additions.push((si, ri, link, false));
                    }
                }
            }
            _ => {}
        }
    }
    // A target by its operationId, else its id (the first operation that has it).
    let mut by_ref: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, o) in api.operations.iter().enumerate().rev() {
        by_ref.insert(o.id.clone(), i);
        if let Some(id) = &o.operation_id {
            by_ref.insert(id.clone(), i);
        }
    }
    for (si, ri, link, creates) in additions {
        let source_id = api.operations[si].id.clone();
        let target_ref = link.operation_id.clone().unwrap_or_default();
        let Some(&ti) = by_ref.get(&target_ref) else {
            continue;
        };
        let target_id = api.operations[ti].id.clone();
        api.operations[si].responses[ri]
            .links
            .insert(format!("inferred:{target_id}"), link);
        let target = &mut api.operations[ti];
        if creates && !target.created_by.contains(&source_id) {
            target.created_by.push(source_id);
        }
    }
}

/// For each update (PUT or PATCH with a JSON request body), the GET on the same path that reads
/// back what it wrote ([`crate::ir::Operation::read_back_by`]).
pub fn pair_reads(api: &mut Api) {
    // The first GET of each path.
    let mut reads: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for o in api.operations.iter().filter(|o| o.method == Method::Get) {
        reads.entry(o.path.clone()).or_insert_with(|| o.id.clone());
    }
    for op in &mut api.operations {
        let json_body = op
            .request_body
            .as_ref()
            .is_some_and(|b| b.content.keys().any(|mt| crate::media::is_json(mt)));
        if matches!(op.method, Method::Put | Method::Patch) && json_body {
            op.read_back_by = reads.get(&op.path).cloned();
        }
    }
}

/// The inferred links of `api`, in document order.
pub fn inferred(api: &Api) -> Vec<InferredLink> {
    let mut out = Vec::new();
    for op in &api.operations {
        for r in &op.responses {
            for link in r.links.values().filter(|l| l.inferred) {
                out.push(InferredLink {
                    source: op.id.clone(),
                    target: link.operation_id.clone().unwrap_or_default(),
                    description: link.description.clone().unwrap_or_default(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_forms() {
        for (plural, one) in [
            ("users", "user"),
            ("policies", "policy"),
            ("addresses", "address"),
            ("boxes", "box"),
            ("branches", "branch"),
            ("data", "data"),
            ("status", "status"),
            ("databases", "database"),
        ] {
            assert_eq!(singular(plural), one, "{plural}");
        }
    }

    #[test]
    fn identifying_properties() {
        let props = |names: &[&str]| {
            names
                .iter()
                .map(|s| ((*s).to_owned(), None))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            identifying("id", None, "user", &props(&["name", "id"])),
            Some("id".into())
        );
        assert_eq!(
            identifying("userId", None, "user", &props(&["user_id", "name"])),
            Some("user_id".into())
        );
        assert_eq!(
            identifying("user_id", None, "user", &props(&["id"])),
            Some("id".into())
        );
        assert_eq!(
            identifying("database", None, "database", &props(&["id", "name"])),
            Some("name".into())
        );
        assert_eq!(identifying("slug", None, "user", &props(&["id"])), None);
        assert_eq!(identifying("id", None, "user", &props(&["name"])), None);
        // jupyter_server: `{session}` is a uuid, and so is the session's `id` (not its `name`).
        let session = vec![
            ("id".to_owned(), Some("uuid".to_owned())),
            ("name".to_owned(), None),
        ];
        assert_eq!(
            identifying("session", Some("uuid"), "session", &session),
            Some("id".into())
        );
        assert_eq!(
            identifying("session", Some("uuid"), "session", &props(&["name"])),
            None
        );
    }
}

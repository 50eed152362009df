//! What changed between two versions of an API, for its clients: [`diff`] compares two loaded
//! [`Api`]s (so Swagger 2.0 against 3.1 of the same API compares by meaning) and lists every
//! change as **breaking** (a client written against the old version can fail), a **warning** (some
//! clients can fail: a new enum value in a response) or **non-breaking** (added operations,
//! optional parameters, new response properties, relaxed request constraints).
//!
//! Operations are matched by method and path template with parameter names ignored
//! (`/users/{id}` is `/users/{userId}`), then by `operationId` when the path changed: a **moved**
//! operation, the class of the route mix-up. Schemas are compared in the direction they travel: a
//! response must not lose what clients read, a request must not demand what clients do not send.
//! The comparison follows `$ref`, merges `allOf`, compares `oneOf`/`anyOf` branch by branch when
//! both sides have the same number, and otherwise says it could not decide (a warning, never
//! "compatible"). Recursive schemas terminate: a pair of nodes is compared once.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::diag::Location;
use crate::ir::{Api, Direction, Operation, ParamLocation, Parameter, SchemaRegistry, StatusSpec};

/// How a change affects clients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// A client written against the old version can fail.
    Breaking,
    /// Some clients can fail (a new enum value in a response, a new required response header), or
    /// contractgate could not decide.
    Warning,
    /// Nothing a client relies on changed.
    NonBreaking,
}

impl Level {
    /// `breaking`, `warning`, `non-breaking`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Breaking => "breaking",
            Level::Warning => "warning",
            Level::NonBreaking => "non-breaking",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// How it affects clients.
    pub level: Level,
    /// A stable name of the rule, e.g. `response-property-removed`.
    pub rule: &'static str,
    /// `GET /users/{id} (getUser)`, or empty for changes of the whole API.
    pub operation: String,
    /// One sentence.
    pub message: String,
    /// Where in the old spec (the operation, response or parameter; `at` says where inside).
    pub old: Option<Location>,
    /// Where in the new spec.
    pub new: Option<Location>,
    /// Where inside a schema, as a JSON pointer of the schema (`/properties/email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// Compares two versions of an API; changes in document order of the old one, then additions.
pub fn diff(old: &Api, new: &Api) -> Vec<Change> {
    let mut out = Vec::new();
    let mut matched_new: HashSet<usize> = HashSet::new();
    for o in &old.operations {
        let by_route = new
            .operations
            .iter()
            .position(|n| n.method == o.method && template_key(&n.path) == template_key(&o.path));
        let moved = by_route.is_none().then(|| {
            o.operation_id.as_ref().and_then(|id| {
                new.operations
                    .iter()
                    .position(|n| n.operation_id.as_deref() == Some(id.as_str()))
            })
        });
        match (by_route, moved.flatten()) {
            (Some(i), _) => {
                matched_new.insert(i);
                compare_operation(old, new, o, &new.operations[i], &mut out);
            }
            (None, Some(i)) => {
                matched_new.insert(i);
                let n = &new.operations[i];
                out.push(Change {
                    level: Level::Breaking,
                    rule: "operation-moved",
                    operation: label(o),
                    message: format!(
                        "{} moved from {} to {}: clients calling {} get another route's answer or none",
                        o.operation_id.as_deref().unwrap_or(&o.id),
                        o.label(),
                        n.label(),
                        o.label()
                    ),
                    old: Some(o.location.clone()),
                    new: Some(n.location.clone()),
                    at: None,
                });
                compare_operation(old, new, o, n, &mut out);
            }
            (None, None) => {
                let path_gone = !new
                    .operations
                    .iter()
                    .any(|n| template_key(&n.path) == template_key(&o.path));
                out.push(Change {
                    level: Level::Breaking,
                    rule: if path_gone {
                        "path-removed"
                    } else {
                        "operation-removed"
                    },
                    operation: label(o),
                    message: if path_gone {
                        format!("the path {} was removed, with {}", o.path, o.label())
                    } else {
                        format!("the method {} of {} was removed", o.method, o.path)
                    },
                    old: Some(o.location.clone()),
                    new: None,
                    at: None,
                });
            }
        }
    }
    for (i, n) in new.operations.iter().enumerate() {
        if !matched_new.contains(&i) {
            out.push(Change {
                level: Level::NonBreaking,
                rule: "operation-added",
                operation: label(n),
                message: format!("{} was added", n.label()),
                old: None,
                new: Some(n.location.clone()),
                at: None,
            });
        }
    }
    out
}

/// `GET /users/{id} (getUser)`.
fn label(op: &Operation) -> String {
    format!("{} {} ({})", op.method, op.path, op.id)
}

/// The path with every parameter name left out: `/users/{}`.
fn template_key(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// The names of the path parameters in template order.
fn template_names(path: &str) -> Vec<String> {
    crate::path::PathTemplate::parse(path)
        .params()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

struct OpCtx<'a> {
    old: &'a Operation,
    new: &'a Operation,
    /// What the old and new schemas' `#/$defs/<name>` references name.
    old_schemas: &'a SchemaRegistry,
    new_schemas: &'a SchemaRegistry,
    label: String,
}

impl OpCtx<'_> {
    fn change(
        &self,
        out: &mut Vec<Change>,
        level: Level,
        rule: &'static str,
        message: String,
        at: Option<String>,
    ) {
        out.push(Change {
            level,
            rule,
            operation: self.label.clone(),
            message,
            old: Some(self.old.location.clone()),
            new: Some(self.new.location.clone()),
            at,
        });
    }
}

fn compare_operation(
    old_api: &Api,
    new_api: &Api,
    o: &Operation,
    n: &Operation,
    out: &mut Vec<Change>,
) {
    let ctx = OpCtx {
        old: o,
        new: n,
        old_schemas: &old_api.schemas,
        new_schemas: &new_api.schemas,
        label: label(o),
    };
    compare_parameters(&ctx, out);
    compare_request_body(&ctx, out);
    compare_responses(&ctx, out);
    compare_security(old_api, new_api, &ctx, out);
}

/// A parameter's identity across versions: path parameters by position in the template (a
/// renamed `{id}` is the same parameter), the others by location and name.
fn param_key(op: &Operation, p: &Parameter) -> (ParamLocation, String) {
    if p.location == ParamLocation::Path
        && let Some(i) = template_names(&op.path).iter().position(|n| *n == p.name)
    {
        return (ParamLocation::Path, format!("#{i}"));
    }
    (p.location, p.name.to_ascii_lowercase())
}

fn compare_parameters(ctx: &OpCtx<'_>, out: &mut Vec<Change>) {
    let (o, n) = (ctx.old, ctx.new);
    for op in &o.parameters {
        let key = param_key(o, op);
        let found = n.parameters.iter().find(|np| param_key(n, np) == key);
        let Some(np) = found else {
            // Same name elsewhere: moved (query → header).
            if let Some(moved) = n
                .parameters
                .iter()
                .find(|np| np.name.eq_ignore_ascii_case(&op.name) && np.location != op.location)
            {
                ctx.change(
                    out,
                    Level::Breaking,
                    "parameter-moved",
                    format!(
                        "the parameter `{}` moved from {} to {}",
                        op.name,
                        op.location.as_str(),
                        moved.location.as_str()
                    ),
                    None,
                );
            } else {
                ctx.change(
                    out,
                    Level::Warning,
                    "parameter-removed",
                    format!(
                        "the {} parameter `{}` was removed: clients still send it, and a server that rejects unknown parameters refuses them",
                        op.location.as_str(),
                        op.name
                    ),
                    None,
                );
            }
            continue;
        };
        if !op.required && np.required {
            ctx.change(
                out,
                Level::Breaking,
                "parameter-became-required",
                format!(
                    "the {} parameter `{}` became required",
                    op.location.as_str(),
                    op.name
                ),
                None,
            );
        } else if op.required && !np.required {
            ctx.change(
                out,
                Level::NonBreaking,
                "parameter-became-optional",
                format!(
                    "the {} parameter `{}` became optional",
                    op.location.as_str(),
                    op.name
                ),
                None,
            );
        }
        if op.style != np.style || op.explode != np.explode {
            ctx.change(
                out,
                Level::Breaking,
                "parameter-style-changed",
                format!(
                    "the {} parameter `{}` is serialized another way (style {} explode {} → style {} explode {})",
                    op.location.as_str(),
                    op.name,
                    op.style.as_str(),
                    op.explode,
                    np.style.as_str(),
                    np.explode
                ),
                None,
            );
        }
        if let (Some(os), Some(ns)) = (&op.schema, &np.schema) {
            let what = format!("the {} parameter `{}`", op.location.as_str(), op.name);
            schema_changes(ctx, out, &what, os, ns, Direction::Request);
        }
    }
    for np in &n.parameters {
        let key = param_key(n, np);
        let existed = o.parameters.iter().any(|op| param_key(o, op) == key)
            || o.parameters
                .iter()
                .any(|op| op.name.eq_ignore_ascii_case(&np.name));
        if existed {
            continue;
        }
        if np.required {
            ctx.change(
                out,
                Level::Breaking,
                "required-parameter-added",
                format!(
                    "a required {} parameter `{}` was added: clients do not send it",
                    np.location.as_str(),
                    np.name
                ),
                None,
            );
        } else {
            ctx.change(
                out,
                Level::NonBreaking,
                "optional-parameter-added",
                format!(
                    "an optional {} parameter `{}` was added",
                    np.location.as_str(),
                    np.name
                ),
                None,
            );
        }
    }
}

fn compare_request_body(ctx: &OpCtx<'_>, out: &mut Vec<Change>) {
    match (&ctx.old.request_body, &ctx.new.request_body) {
        (None, Some(nb)) if nb.required => ctx.change(
            out,
            Level::Breaking,
            "request-body-added-required",
            "a required request body was added: clients send none".into(),
            None,
        ),
        (None, Some(_)) => ctx.change(
            out,
            Level::NonBreaking,
            "request-body-added",
            "an optional request body was added".into(),
            None,
        ),
        (Some(_), None) => ctx.change(
            out,
            Level::Warning,
            "request-body-removed",
            "the request body was removed: clients still send one".into(),
            None,
        ),
        (Some(ob), Some(nb)) => {
            if !ob.required && nb.required {
                ctx.change(
                    out,
                    Level::Breaking,
                    "request-body-became-required",
                    "the request body became required".into(),
                    None,
                );
            }
            for (media, omt) in &ob.content {
                let Some((_, nmt)) = nb
                    .content
                    .iter()
                    .find(|(m, _)| crate::media::essence(m) == crate::media::essence(media))
                else {
                    ctx.change(
                        out,
                        Level::Breaking,
                        "request-media-type-removed",
                        format!("the request body no longer accepts {media}"),
                        None,
                    );
                    continue;
                };
                if let (Some(os), Some(ns)) = (&omt.schema, &nmt.schema) {
                    let what = format!("the request body ({media})");
                    schema_changes(ctx, out, &what, os, ns, Direction::Request);
                }
            }
        }
        (None, None) => {}
    }
}

fn is_success(s: StatusSpec) -> bool {
    match s {
        StatusSpec::Exact(c) => (200..300).contains(&c),
        StatusSpec::Range(2) => true,
        _ => false,
    }
}

fn compare_responses(ctx: &OpCtx<'_>, out: &mut Vec<Change>) {
    let (o, n) = (ctx.old, ctx.new);
    for or in &o.responses {
        let Some(nr) = n.responses.iter().find(|r| r.status == or.status) else {
            let (level, rule, why) = if is_success(or.status) {
                (
                    Level::Breaking,
                    "success-status-removed",
                    ": clients expecting it get another status",
                )
            } else {
                (Level::NonBreaking, "response-removed", "")
            };
            out.push(Change {
                level,
                rule,
                operation: ctx.label.clone(),
                message: format!("the {} response was removed{why}", or.status),
                old: Some(or.location.clone()),
                new: Some(n.location.clone()),
                at: None,
            });
            continue;
        };
        let place = |out: &mut Vec<Change>, level, rule, message: String, at: Option<String>| {
            out.push(Change {
                level,
                rule,
                operation: ctx.label.clone(),
                message,
                old: Some(or.location.clone()),
                new: Some(nr.location.clone()),
                at,
            });
        };
        for (media, omt) in &or.content {
            let Some((_, nmt)) = nr
                .content
                .iter()
                .find(|(m, _)| crate::media::essence(m) == crate::media::essence(media))
            else {
                place(
                    out,
                    Level::Breaking,
                    "response-media-type-removed",
                    format!("the {} response no longer comes as {media}", or.status),
                    None,
                );
                continue;
            };
            if let (Some(os), Some(ns)) = (&omt.schema, &nmt.schema) {
                let what = format!("the {} response ({media})", or.status);
                let mut found = Vec::new();
                schema_changes(ctx, &mut found, &what, os, ns, Direction::Response);
                for mut c in found {
                    c.old = Some(or.location.clone());
                    c.new = Some(nr.location.clone());
                    out.push(c);
                }
            }
        }
        for (name, nh) in &nr.headers {
            let before = or
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, h)| h);
            if nh.required && before.is_none_or(|h| !h.required) {
                place(
                    out,
                    Level::Warning,
                    "response-header-required-added",
                    format!(
                        "the {} response now documents a required header `{name}`",
                        or.status
                    ),
                    None,
                );
            }
        }
        for (name, oh) in &or.headers {
            if oh.required
                && !nr
                    .headers
                    .iter()
                    .any(|(k, h)| k.eq_ignore_ascii_case(name) && h.required)
            {
                place(
                    out,
                    Level::Breaking,
                    "response-header-removed",
                    format!(
                        "the {} response no longer guarantees the header `{name}`",
                        or.status
                    ),
                    None,
                );
            }
        }
    }
    for nr in &n.responses {
        if !o.responses.iter().any(|r| r.status == nr.status) {
            out.push(Change {
                level: Level::NonBreaking,
                rule: "response-added",
                operation: ctx.label.clone(),
                message: format!("a {} response was documented", nr.status),
                old: Some(o.location.clone()),
                new: Some(nr.location.clone()),
                at: None,
            });
        }
    }
}

fn compare_security(old_api: &Api, new_api: &Api, ctx: &OpCtx<'_>, out: &mut Vec<Change>) {
    let (o, n) = (ctx.old, ctx.new);
    let open =
        |op: &Operation| op.security.is_empty() || op.security.iter().any(|r| r.is_anonymous());
    if open(o) && !open(n) {
        ctx.change(
            out,
            Level::Breaking,
            "security-added",
            "the operation now requires authentication".into(),
            None,
        );
        return;
    }
    if open(n) {
        return;
    }
    // Every way a client authenticated before must still work.
    for req in &o.security {
        let still = n.security.iter().any(|nr| {
            nr.schemes.keys().all(|s| req.schemes.contains_key(s))
                && nr.schemes.iter().all(|(s, scopes)| {
                    let before = &req.schemes[s];
                    scopes.iter().all(|x| before.contains(x))
                })
        });
        if !still {
            let names: Vec<&str> = req.schemes.keys().map(String::as_str).collect();
            ctx.change(
                out,
                Level::Breaking,
                "security-changed",
                format!(
                    "clients authenticating with {} are no longer accepted (new: {})",
                    names.join(" + "),
                    n.security
                        .iter()
                        .map(|r| r.schemes.keys().cloned().collect::<Vec<_>>().join(" + "))
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
                None,
            );
        }
        for s in req.schemes.keys() {
            if let (Some(a), Some(b)) = (
                old_api.security_schemes.get(s),
                new_api.security_schemes.get(s),
            ) && a != b
            {
                ctx.change(
                    out,
                    Level::Breaking,
                    "security-scheme-changed",
                    format!("the security scheme `{s}` changed how credentials are sent"),
                    None,
                );
            }
        }
    }
}

/// A schema node with the root it resolves `$ref`s against.
#[derive(Clone, Copy)]
struct Node<'a> {
    root: &'a Value,
    registry: &'a SchemaRegistry,
    direction: Direction,
    schema: &'a Value,
}

impl<'a> Node<'a> {
    /// Follows local `$ref`s (at most 32) and merges `allOf` members into one view.
    fn view(self) -> View<'a> {
        let mut v = View::default();
        let mut stack = vec![self.schema];
        let mut steps = 0;
        while let Some(s) = stack.pop() {
            steps += 1;
            if steps > 64 {
                break;
            }
            let Value::Object(map) = s else {
                if s == &Value::Bool(false) {
                    v.never = true;
                }
                continue;
            };
            v.nodes.push(map);
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(target) = self.registry.follow(self.root, r, self.direction)
            {
                stack.push(target);
            }
            if let Some(Value::Array(all)) = map.get("allOf") {
                stack.extend(all.iter().rev());
            }
        }
        v
    }
}

#[derive(Default)]
struct View<'a> {
    nodes: Vec<&'a Map<String, Value>>,
    never: bool,
}

impl<'a> View<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        self.nodes.iter().find_map(|m| m.get(key))
    }

    fn types(&self) -> Option<Vec<String>> {
        let mut found: Option<Vec<String>> = None;
        for m in &self.nodes {
            let t: Vec<String> = match m.get("type") {
                Some(Value::String(s)) => vec![s.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ => continue,
            };
            // allOf: the intersection.
            found = Some(match found {
                None => t,
                Some(f) => f
                    .into_iter()
                    .filter(|x| {
                        t.contains(x) || (x == "integer" && t.contains(&"number".to_owned()))
                    })
                    .collect(),
            });
        }
        found
    }

    fn properties(&self) -> Vec<(&'a str, &'a Value)> {
        let mut out: Vec<(&str, &Value)> = Vec::new();
        for m in &self.nodes {
            if let Some(Value::Object(props)) = m.get("properties") {
                for (k, v) in props {
                    if !out.iter().any(|(n, _)| *n == k.as_str()) {
                        out.push((k.as_str(), v));
                    }
                }
            }
        }
        out
    }

    fn required(&self) -> Vec<&'a str> {
        let mut out = Vec::new();
        for m in &self.nodes {
            if let Some(Value::Array(r)) = m.get("required") {
                for x in r.iter().filter_map(Value::as_str) {
                    if !out.contains(&x) {
                        out.push(x);
                    }
                }
            }
        }
        out
    }

    fn closed(&self) -> bool {
        self.nodes.iter().any(|m| {
            matches!(m.get("additionalProperties"), Some(Value::Bool(false)))
                || matches!(m.get("unevaluatedProperties"), Some(Value::Bool(false)))
        })
    }

    fn branches(&self) -> Option<(&'static str, &'a Vec<Value>)> {
        for m in &self.nodes {
            for k in ["oneOf", "anyOf"] {
                if let Some(Value::Array(b)) = m.get(k) {
                    return Some((if k == "oneOf" { "oneOf" } else { "anyOf" }, b));
                }
            }
        }
        None
    }

    fn number(&self, key: &str) -> Option<f64> {
        self.nodes.iter().find_map(|m| m.get(key)?.as_f64())
    }
}

struct SchemaWalk<'c, 'a> {
    ctx: &'c OpCtx<'a>,
    what: &'c str,
    direction: Direction,
    old_root: &'a Value,
    new_root: &'a Value,
    seen: HashSet<(usize, usize)>,
    out: Vec<Change>,
}

fn schema_changes(
    ctx: &OpCtx<'_>,
    out: &mut Vec<Change>,
    what: &str,
    old: &Value,
    new: &Value,
    direction: Direction,
) {
    let mut walk = SchemaWalk {
        ctx,
        what,
        direction,
        old_root: old,
        new_root: new,
        seen: HashSet::new(),
        out: Vec::new(),
    };
    walk.compare(old, new, String::new(), 0);
    out.append(&mut walk.out);
}

impl<'a> SchemaWalk<'_, 'a> {
    fn push(&mut self, level: Level, rule: &'static str, at: &str, message: String) {
        let place = if at.is_empty() {
            String::new()
        } else {
            format!(" at {at}")
        };
        self.out.push(Change {
            level,
            rule,
            operation: self.ctx.label.clone(),
            message: format!("{}{place}: {message}", self.what),
            old: Some(self.ctx.old.location.clone()),
            new: Some(self.ctx.new.location.clone()),
            at: Some(if at.is_empty() {
                "/".into()
            } else {
                at.to_owned()
            }),
        });
    }

    fn compare(&mut self, old: &'a Value, new: &'a Value, at: String, depth: usize) {
        if depth > 32
            || !self.seen.insert((
                std::ptr::from_ref(old) as usize,
                std::ptr::from_ref(new) as usize,
            ))
        {
            return;
        }
        let ov = Node {
            root: self.old_root,
            registry: self.ctx.old_schemas,
            direction: self.direction,
            schema: old,
        }
        .view();
        let nv = Node {
            root: self.new_root,
            registry: self.ctx.new_schemas,
            direction: self.direction,
            schema: new,
        }
        .view();
        let req = self.direction == Direction::Request;

        // Types.
        match (ov.types(), nv.types()) {
            (Some(ot), Some(nt)) => {
                let covers = |outer: &[String], t: &String| {
                    outer.contains(t) || (t == "integer" && outer.contains(&"number".to_owned()))
                };
                let lost: Vec<&String> = ot.iter().filter(|t| !covers(&nt, t)).collect();
                let gained: Vec<&String> = nt.iter().filter(|t| !covers(&ot, t)).collect();
                if req && !lost.is_empty() {
                    self.push(
                        Level::Breaking,
                        "request-type-narrowed",
                        &at,
                        format!("the type {} became {}", ot.join(" or "), nt.join(" or ")),
                    );
                    return;
                }
                if !req && !gained.is_empty() {
                    let rule = if gained.iter().all(|g| *g == "null") {
                        "response-became-nullable"
                    } else {
                        "response-type-changed"
                    };
                    self.push(
                        Level::Breaking,
                        rule,
                        &at,
                        format!("the type {} became {}", ot.join(" or "), nt.join(" or ")),
                    );
                    return;
                }
                if (req && !gained.is_empty()) || (!req && !lost.is_empty()) {
                    self.push(
                        Level::NonBreaking,
                        "type-relaxed",
                        &at,
                        format!("the type {} became {}", ot.join(" or "), nt.join(" or ")),
                    );
                }
            }
            (None, Some(nt)) if req => {
                self.push(
                    Level::Breaking,
                    "request-type-narrowed",
                    &at,
                    format!("any value was accepted; now only {}", nt.join(" or ")),
                );
                return;
            }
            _ => {}
        }

        // Enums.
        if let (Some(Value::Array(oe)), Some(Value::Array(ne))) = (ov.get("enum"), nv.get("enum")) {
            let removed: Vec<String> = oe
                .iter()
                .filter(|v| !ne.contains(v))
                .map(Value::to_string)
                .collect();
            let added: Vec<String> = ne
                .iter()
                .filter(|v| !oe.contains(v))
                .map(Value::to_string)
                .collect();
            if !removed.is_empty() {
                let level = if req {
                    Level::Breaking
                } else {
                    Level::NonBreaking
                };
                self.push(
                    level,
                    if req {
                        "request-enum-value-removed"
                    } else {
                        "response-enum-value-removed"
                    },
                    &at,
                    format!("enum value(s) {} removed", removed.join(", ")),
                );
            }
            if !added.is_empty() {
                let level = if req {
                    Level::NonBreaking
                } else {
                    Level::Warning
                };
                self.push(
                    level,
                    if req {
                        "request-enum-value-added"
                    } else {
                        "response-enum-value-added"
                    },
                    &at,
                    format!(
                        "enum value(s) {} added{}",
                        added.join(", "),
                        if req {
                            ""
                        } else {
                            ": clients that switch over the values may not handle them"
                        }
                    ),
                );
            }
        } else if req && ov.get("enum").is_none() && nv.get("enum").is_some() {
            self.push(
                Level::Breaking,
                "request-enum-added",
                &at,
                "the value is now limited to an enum".into(),
            );
        }

        // Constraints: narrowing a request breaks clients; widening a response may surprise them.
        for (key, larger_is_looser) in [
            ("maxLength", true),
            ("minLength", false),
            ("maximum", true),
            ("minimum", false),
            ("exclusiveMaximum", true),
            ("exclusiveMinimum", false),
            ("maxItems", true),
            ("minItems", false),
            ("maxProperties", true),
            ("minProperties", false),
        ] {
            let (a, b) = (ov.number(key), nv.number(key));
            let tighter = match (a, b) {
                (Some(a), Some(b)) if (a - b).abs() > f64::EPSILON => {
                    Some(if larger_is_looser { b < a } else { b > a })
                }
                (None, Some(_)) => Some(true),
                (Some(_), None) => Some(false),
                _ => None,
            };
            let Some(tighter) = tighter else { continue };
            let show = |v: Option<f64>| v.map_or_else(|| "none".to_owned(), |x| x.to_string());
            let message = format!("{key} {} → {}", show(a), show(b));
            match (req, tighter) {
                (true, true) => {
                    self.push(Level::Breaking, "request-constraint-narrowed", &at, message)
                }
                (true, false) => self.push(
                    Level::NonBreaking,
                    "request-constraint-relaxed",
                    &at,
                    message,
                ),
                (false, false) => self.push(
                    Level::Warning,
                    "response-constraint-relaxed",
                    &at,
                    format!("{message}: clients may not expect such values"),
                ),
                (false, true) => {}
            }
        }
        for key in ["format", "pattern"] {
            let (a, b) = (ov.get(key), nv.get(key));
            if a != b && b.is_some() && req {
                self.push(
                    Level::Breaking,
                    "request-constraint-narrowed",
                    &at,
                    format!(
                        "{key} {} → {}",
                        a.map_or("none".into(), Value::to_string),
                        b.map_or("none".into(), Value::to_string)
                    ),
                );
            }
        }

        // Objects.
        let (op, np) = (ov.properties(), nv.properties());
        let (oreq, nreq) = (ov.required(), nv.required());
        if req {
            for name in &nreq {
                if !oreq.contains(name) {
                    let existed = op.iter().any(|(n, _)| n == name);
                    self.push(
                        Level::Breaking,
                        if existed {
                            "request-property-became-required"
                        } else {
                            "request-property-added-required"
                        },
                        &format!("{at}/properties/{}", crate::pointer::escape(name)),
                        format!(
                            "the property `{name}` {}",
                            if existed {
                                "became required"
                            } else {
                                "was added as required"
                            }
                        ),
                    );
                }
            }
            if !ov.closed() && nv.closed() {
                self.push(Level::Breaking, "request-additional-properties-closed", &at, "additionalProperties turned false: clients sending other properties are refused".into());
            }
        } else {
            for (name, _) in &op {
                let p = format!("{at}/properties/{}", crate::pointer::escape(name));
                if !np.iter().any(|(n, _)| n == name) {
                    if ov.closed() || oreq.contains(name) || !nv.closed() {
                        self.push(
                            Level::Breaking,
                            "response-property-removed",
                            &p,
                            format!("the property `{name}` was removed"),
                        );
                    }
                } else if oreq.contains(name) && !nreq.contains(name) {
                    self.push(
                        Level::Breaking,
                        "response-property-became-optional",
                        &p,
                        format!(
                            "the property `{name}` is no longer required: clients may not find it"
                        ),
                    );
                }
            }
            for (name, _) in &np {
                if !op.iter().any(|(n, _)| n == name) {
                    self.push(
                        Level::NonBreaking,
                        "response-property-added",
                        &format!("{at}/properties/{}", crate::pointer::escape(name)),
                        format!("the property `{name}` was added"),
                    );
                }
            }
        }
        for (name, osub) in &op {
            if let Some((_, nsub)) = np.iter().find(|(n, _)| n == name) {
                self.compare(
                    osub,
                    nsub,
                    format!("{at}/properties/{}", crate::pointer::escape(name)),
                    depth + 1,
                );
            }
        }
        // Arrays.
        if let (Some(oi), Some(ni)) = (ov.get("items"), nv.get("items")) {
            self.compare(oi, ni, format!("{at}/items"), depth + 1);
        }
        // Maps.
        if let (Some(oa @ Value::Object(_)), Some(na @ Value::Object(_))) = (
            ov.get("additionalProperties"),
            nv.get("additionalProperties"),
        ) {
            self.compare(oa, na, format!("{at}/additionalProperties"), depth + 1);
        }
        // Alternatives: branch by branch when both sides have as many; else say so.
        match (ov.branches(), nv.branches()) {
            (Some((ok, ob)), Some((nk, nb))) if ok == nk && ob.len() == nb.len() => {
                for (i, (a, b)) in ob.iter().zip(nb).enumerate() {
                    self.compare(a, b, format!("{at}/{ok}/{i}"), depth + 1);
                }
            }
            (None, None) => {}
            (Some((ok, ob)), Some((nk, nb))) if ok == nk && serde_json::to_string(ob).ok() == serde_json::to_string(nb).ok() => {}
            _ => self.push(Level::Warning, "could-not-decide", &at, "the oneOf/anyOf alternatives changed; contractgate could not decide whether clients are affected".into()),
        }
    }
}

/// Counts by level.
pub fn counts(changes: &[Change]) -> (usize, usize, usize) {
    let n = |l| changes.iter().filter(|c| c.level == l).count();
    (n(Level::Breaking), n(Level::Warning), n(Level::NonBreaking))
}

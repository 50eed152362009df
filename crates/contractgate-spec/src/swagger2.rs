//! Swagger 2.0 → OpenAPI 3.0.3, at load time.
//!
//! A Swagger 2.0 document is converted into an OpenAPI 3.0 document when it is loaded, so the IR
//! builder, code generation and the harness only ever see OpenAPI 3. The mapping is the standard
//! one (as `swagger2openapi` does it); see `docs/spec-loading.md` for the table.
//!
//! # Where the conversion hooks in
//!
//! The loader's set of files (`resolve::Files`) converts each file right after reading it, and
//! keeps the original value next to the converted one:
//!
//! - The root document (and any referenced file that has its own `swagger` key) is converted as a
//!   whole document: `definitions` → `components/schemas`, operations get `requestBody` and
//!   `content`, and so on.
//! - Any other referenced file is a file of fragments (`Pet.yaml`, `parameters.yaml#/limit`): its
//!   nodes are converted one by one, each as what the reference that reaches it says it is (a
//!   `$ref` in a parameter list names a parameter, a `$ref` in a schema names a schema, ...). The
//!   converter asks for that through a small `Host` trait; `Files` runs those tasks from a queue,
//!   so conversions never nest and every node is converted once, before the IR is built.
//!
//! # `$ref` strings stay as written
//!
//! Inside the loader, `$ref` values are not rewritten: `#/definitions/Pet` stays in the converted
//! value, and [`PointerMap::to_converted`] translates the fragment when the reference is resolved
//! (`/definitions/Pet` → `/components/schemas/Pet`, `/parameters/Body` →
//! `/components/requestBodies/Body`). Error messages therefore quote the reference exactly as it
//! is in the user's file, and a reference into another file works without knowing that file's
//! contents when the referring file is converted. [`convert`], which returns a stand-alone OpenAPI
//! 3.0 document, does rewrite the local references.
//!
//! # Locations
//!
//! The position maps of a file are keyed by its original pointers. Each converted file has a
//! [`PointerMap`]: a list of (converted pointer prefix ↔ original pointer prefix) recorded by the
//! converter as it moves things. Looking a position up translates the pointer back first, and the
//! diagnostic shows the original pointer, the one the user can find in the file
//! (`/definitions/Pet/properties/id`, not `/components/schemas/Pet/properties/id`; for a body
//! parameter moved into `requestBody`, `/paths/~1pets/post/parameters/0/schema`).

use serde_json::{Map, Value, json};
use std::collections::HashMap;

use crate::pointer;
use crate::resolve::FileId;

/// The `openapi` version of a converted document.
pub const OPENAPI_VERSION: &str = "3.0.3";

/// [`crate::ir::Api::openapi_version`] of a converted Swagger 2.0 document. It starts with the
/// OpenAPI version the document was converted to (so anything that reads `3.0.` still reads a
/// 3.0 dialect), and says where it came from: `contractgate lint` prints
/// `Title 1.0 (OpenAPI 3.0.3, converted from Swagger 2.0 at load time)`.
pub const CONVERTED_VERSION: &str = "3.0.3, converted from Swagger 2.0 at load time";

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// The HTTP methods of a 2.0 path item.
const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch"];

/// The fields of a 2.0 parameter, header or items object that describe its value: they become
/// its `schema`.
const VALUE_FIELDS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// How deep a chain of `$ref`s to a parameter is followed while converting.
const MAX_REF_CHAIN: usize = 32;

// ---------------------------------------------------------------------------------------------
// Pointer translation
// ---------------------------------------------------------------------------------------------

/// The translation between the pointers of a converted file and its original pointers.
///
/// Two kinds of entries, both recorded by the converter:
///
/// - a **link** `converted ↔ original` maps a whole subtree, both ways:
///   `/components/schemas` ↔ `/definitions`, so `/components/schemas/Pet/properties/id` ↔
///   `/definitions/Pet/properties/id`;
/// - a **collapse** `converted → original` maps everything under `converted` to `original`
///   itself (a synthesized object that has no counterpart key by key): a body parameter's
///   `requestBody` → the parameter, `style`/`explode` → `collectionFormat`. The other way it
///   only maps `original` exactly.
///
/// A lookup uses the entry of the longest prefix (token by token); a pointer that no entry
/// covers is the same in both files. When two entries have the same key, the first one wins
/// (a body schema copied to several media types maps back to the one `schema`, and the
/// original `schema` maps forward to the first media type).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PointerMap {
    /// Converted prefix → (original prefix, whole subtree).
    back: HashMap<String, (String, bool)>,
    /// Original prefix → (converted prefix, whole subtree).
    forward: HashMap<String, (String, bool)>,
}

impl PointerMap {
    /// Records that the subtree at `converted` is the subtree at `original`.
    pub fn link(&mut self, converted: &str, original: &str) {
        self.back
            .entry(converted.to_owned())
            .or_insert_with(|| (original.to_owned(), true));
        self.forward
            .entry(original.to_owned())
            .or_insert_with(|| (converted.to_owned(), true));
    }

    /// Records that everything under `converted` comes from `original` (and `original` is
    /// `converted`).
    pub fn collapse(&mut self, converted: &str, original: &str) {
        self.back
            .entry(converted.to_owned())
            .or_insert_with(|| (original.to_owned(), false));
        self.forward
            .entry(original.to_owned())
            .or_insert_with(|| (converted.to_owned(), false));
    }

    /// Records that the subtree at `converted` is a copy of the subtree at `original`: positions
    /// map back to it, but references to `original` do not lead to the copy.
    pub fn copy(&mut self, converted: &str, original: &str) {
        self.back
            .entry(converted.to_owned())
            .or_insert_with(|| (original.to_owned(), true));
    }

    /// Adds the entries of `other` (those already present win).
    pub fn extend(&mut self, other: PointerMap) {
        for (k, v) in other.back {
            self.back.entry(k).or_insert(v);
        }
        for (k, v) in other.forward {
            self.forward.entry(k).or_insert(v);
        }
    }

    /// Whether no entry was recorded.
    pub fn is_empty(&self) -> bool {
        self.back.is_empty() && self.forward.is_empty()
    }

    /// The original pointer of a pointer into the converted file.
    pub fn to_original(&self, converted: &str) -> String {
        let mut prefix = converted;
        loop {
            if let Some((original, subtree)) = self.back.get(prefix) {
                return if *subtree {
                    format!("{original}{}", &converted[prefix.len()..])
                } else {
                    original.clone()
                };
            }
            match pointer::parent(prefix) {
                Some(parent) => prefix = parent,
                None => return converted.to_owned(),
            }
        }
    }

    /// The pointer into the converted file of an original pointer (a `$ref` fragment).
    pub fn to_converted(&self, original: &str) -> String {
        let mut prefix = original;
        loop {
            if let Some((converted, subtree)) = self.forward.get(prefix) {
                if prefix.len() == original.len() {
                    return converted.clone();
                }
                if *subtree {
                    return format!("{converted}{}", &original[prefix.len()..]);
                }
            }
            match pointer::parent(prefix) {
                Some(parent) => prefix = parent,
                None => return original.to_owned(),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the converter needs from the loader
// ---------------------------------------------------------------------------------------------

/// What a node is converted as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    /// A whole 2.0 document (`swagger: "2.0"` at its root).
    Document,
    /// A schema.
    Schema,
    /// A parameter named by a `$ref` in a parameter list (a body parameter becomes a request
    /// body object, with the document's `consumes`).
    Parameter,
    /// A response.
    Response,
    /// A path item.
    PathItem,
}

/// A node to convert: a place in a file, with its original pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Task {
    pub file: FileId,
    pub pointer: String,
    pub kind: Kind,
}

/// What the converter needs from whoever holds the files.
pub(crate) trait Host {
    /// The file and original pointer that `reference`, written in `file` at the original pointer
    /// `at`, names; loads the file when needed. `None` when it is remote, malformed or cannot be
    /// read (reported later, when the IR builder resolves it).
    fn target(&mut self, file: FileId, reference: &str, at: &str) -> Option<(FileId, String)>;
    /// The original (unconverted) value at a place.
    fn original(&self, file: FileId, pointer: &str) -> Option<Value>;
    /// Asks for a node to be converted (nothing happens when it already is).
    fn request(&mut self, task: Task);
}

/// The media types of the whole document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Globals {
    pub consumes: Vec<String>,
    pub produces: Vec<String>,
}

impl Globals {
    /// The root-level `consumes` and `produces` (each `application/json` when absent or empty).
    pub fn of(document: &Value) -> Globals {
        let get = |key: &str| {
            media_types(document.get(key))
                .filter(|list| !list.is_empty())
                .unwrap_or_else(|| vec![JSON.to_owned()])
        };
        Globals {
            consumes: get("consumes"),
            produces: get("produces"),
        }
    }
}

/// A list of media types; `None` when the value is not a list.
fn media_types(value: Option<&Value>) -> Option<Vec<String>> {
    let items = value?.as_array()?;
    let mut out: Vec<String> = Vec::new();
    for item in items.iter().filter_map(Value::as_str) {
        if !out.iter().any(|m| m == item) {
            out.push(item.to_owned());
        }
    }
    Some(out)
}

/// The media types an operation uses: its own list when it has one, else the document's.
fn effective(own: Option<&Value>, global: &[String]) -> Vec<String> {
    match media_types(own) {
        Some(list) if !list.is_empty() => list,
        Some(_) => vec![JSON.to_owned()],
        None => global.to_vec(),
    }
}

/// Something the conversion could not express.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversionNote {
    /// Original pointer of what the note is about (a parameter, a form field).
    pub pointer: String,
    /// Original pointer of what it affects: the parameter itself, or the operation whose
    /// request body holds the form field. An operation that uses it cannot be tested.
    pub scope: String,
    /// What cannot be expressed, in one sentence.
    pub message: String,
    /// `true`: the operation cannot be tested as written (e.g. `collectionFormat: tsv`).
    /// `false`: something was left out (a warning).
    pub unsupported: bool,
}

// ---------------------------------------------------------------------------------------------
// The converter
// ---------------------------------------------------------------------------------------------

/// A body or form parameter of an operation (or of its path item), waiting to become part of
/// the operation's request body.
#[derive(Clone, Debug)]
struct Payload {
    body: bool,
    name: String,
    /// Original pointer of the list entry (a parameter or a `$ref` to one).
    entry: String,
    /// The parameter (after following `$ref`s).
    value: Value,
    /// Where a `$ref`'d parameter is defined, and the reference as written.
    target: Option<(FileId, String, String)>,
}

/// Converts nodes of one file.
pub(crate) struct Converter<'h> {
    file: FileId,
    host: &'h mut dyn Host,
    globals: Globals,
    /// Entries recorded so far for this file.
    pub map: PointerMap,
    /// Notes, in the order found.
    pub notes: Vec<ConversionNote>,
    /// Original pointers that this conversion covered (later requests inside them are no-ops).
    pub done: Vec<String>,
}

fn push(base: &str, token: &str) -> String {
    pointer::push(base, token)
}

fn as_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

impl<'h> Converter<'h> {
    pub fn new(file: FileId, host: &'h mut dyn Host, globals: Globals) -> Self {
        Converter {
            file,
            host,
            globals,
            map: PointerMap::default(),
            notes: Vec::new(),
            done: Vec::new(),
        }
    }

    /// Converts `node` (at the original pointer `op`, to be placed at the converted pointer
    /// `np`) as `kind`.
    pub fn convert(&mut self, kind: Kind, node: &Value, op: &str, np: &str) -> Value {
        match kind {
            Kind::Document => {
                self.globals = Globals::of(node);
                self.document(node)
            }
            Kind::Schema => {
                self.map.link(np, op);
                self.done.push(op.to_owned());
                self.schema(node, op, np)
            }
            Kind::Parameter => {
                self.done.push(op.to_owned());
                match as_str(node.get("in")) {
                    Some("body") => {
                        let consumes = self.globals.consumes.clone();
                        self.map.collapse(np, op);
                        self.body_request(node, op, &consumes, np)
                    }
                    // A form field only means something inside an operation's request body,
                    // where it is copied.
                    Some("formData") => node.clone(),
                    _ => {
                        self.map.link(np, op);
                        self.parameter(node, op, np)
                    }
                }
            }
            Kind::Response => {
                self.map.link(np, op);
                self.done.push(op.to_owned());
                let produces = self.globals.produces.clone();
                self.response(node, &produces, op, np)
            }
            Kind::PathItem => {
                self.map.link(np, op);
                self.done.push(op.to_owned());
                self.path_item(node, op, np)
            }
        }
    }

    fn note(&mut self, pointer: &str, scope: &str, message: String, unsupported: bool) {
        self.notes.push(ConversionNote {
            pointer: pointer.to_owned(),
            scope: scope.to_owned(),
            message,
            unsupported,
        });
    }

    /// Asks for the target of `reference` (written at the original pointer `at`) to be converted
    /// as `kind`.
    fn request_ref(&mut self, reference: &str, at: &str, kind: Kind) {
        if let Some((file, pointer)) = self.host.target(self.file, reference, at) {
            self.host.request(Task {
                file,
                pointer,
                kind,
            });
        }
    }

    /// Follows `reference` (and the references it leads to) to a value that is not a `$ref`:
    /// (file, original pointer, value).
    fn deref(&mut self, reference: &str, at: &str) -> Option<(FileId, String, Value)> {
        let mut file = self.file;
        let mut reference = reference.to_owned();
        let mut at = at.to_owned();
        for _ in 0..MAX_REF_CHAIN {
            let (target_file, target) = self.host.target(file, &reference, &at)?;
            let value = self.host.original(target_file, &target)?;
            match value.get("$ref") {
                Some(Value::String(next)) => {
                    reference = next.clone();
                    at = push(&target, "$ref");
                    file = target_file;
                }
                _ => return Some((target_file, target, value)),
            }
        }
        None
    }

    // -- document ---------------------------------------------------------------------------

    fn document(&mut self, doc: &Value) -> Value {
        let Value::Object(src) = doc else {
            return doc.clone();
        };
        let mut out = Map::new();
        out.insert("openapi".into(), Value::String(OPENAPI_VERSION.into()));
        self.map.collapse("/openapi", "/swagger");
        if let Some(info) = src.get("info") {
            out.insert("info".into(), info.clone());
        }
        if let Some(servers) = self.servers(src) {
            out.insert("servers".into(), servers);
        }
        let mut schemas = Map::new();
        let mut responses = Map::new();
        let mut parameters = Map::new();
        let mut request_bodies = Map::new();
        let mut schemes = Map::new();
        for (key, value) in src {
            match key.as_str() {
                "swagger" | "info" | "host" | "basePath" | "schemes" | "consumes" | "produces" => {}
                "paths" if value.is_object() => {
                    self.done.push("/paths".into());
                    out.insert(key.clone(), self.paths(value));
                }
                "definitions" if value.is_object() => {
                    self.done.push("/definitions".into());
                    self.map.link("/components/schemas", "/definitions");
                    for (name, schema) in value.as_object().into_iter().flatten() {
                        let op = push("/definitions", name);
                        let np = push("/components/schemas", name);
                        schemas.insert(name.clone(), self.schema(schema, &op, &np));
                    }
                }
                "parameters" if value.is_object() => {
                    self.done.push("/parameters".into());
                    self.map.link("/components/parameters", "/parameters");
                    for (name, param) in value.as_object().into_iter().flatten() {
                        self.component_parameter(name, param, &mut parameters, &mut request_bodies);
                    }
                }
                "responses" if value.is_object() => {
                    self.done.push("/responses".into());
                    self.map.link("/components/responses", "/responses");
                    let produces = self.globals.produces.clone();
                    for (name, response) in value.as_object().into_iter().flatten() {
                        let op = push("/responses", name);
                        let np = push("/components/responses", name);
                        responses
                            .insert(name.clone(), self.response(response, &produces, &op, &np));
                    }
                }
                "securityDefinitions" if value.is_object() => {
                    self.done.push("/securityDefinitions".into());
                    self.map
                        .link("/components/securitySchemes", "/securityDefinitions");
                    for (name, scheme) in value.as_object().into_iter().flatten() {
                        let op = push("/securityDefinitions", name);
                        let np = push("/components/securitySchemes", name);
                        schemes.insert(name.clone(), self.security_scheme(scheme, &op, &np));
                    }
                }
                // `security`, `tags`, `externalDocs`, vendor extensions, and anything unknown
                // (the 2.0 meta-schema reports that) stay as they are.
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        let mut components = Map::new();
        for (key, section) in [
            ("schemas", schemas),
            ("responses", responses),
            ("parameters", parameters),
            ("requestBodies", request_bodies),
            ("securitySchemes", schemes),
        ] {
            if !section.is_empty() {
                components.insert(key.into(), Value::Object(section));
            }
        }
        if !components.is_empty() {
            out.insert("components".into(), Value::Object(components));
        }
        Value::Object(out)
    }

    /// `host` + `basePath` + `schemes` → `servers`: one server per scheme, `https` first; without
    /// `schemes`, `https` (the 2.0 default is "the scheme the document was fetched with", which
    /// is unknown here). Without `host`, a relative server `basePath`.
    fn servers(&mut self, src: &Map<String, Value>) -> Option<Value> {
        let base = as_str(src.get("basePath")).unwrap_or_default();
        if let Some(host) = as_str(src.get("host")) {
            let mut schemes: Vec<String> = Vec::new();
            for s in src
                .get("schemes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let s = s.to_ascii_lowercase();
                if !schemes.contains(&s) {
                    schemes.push(s);
                }
            }
            // https, then http, then the rest (ws, wss) in the order written.
            schemes.sort_by_key(|s| match s.as_str() {
                "https" => 0,
                "http" => 1,
                _ => 2,
            });
            if schemes.is_empty() {
                schemes.push("https".into());
            }
            let base = base.trim_end_matches('/');
            let servers = schemes
                .iter()
                .map(|s| json!({ "url": format!("{s}://{host}{base}") }))
                .collect();
            self.map.collapse("/servers", "/host");
            Some(Value::Array(servers))
        } else if !base.is_empty() {
            self.map.collapse("/servers", "/basePath");
            Some(json!([{ "url": base }]))
        } else {
            None
        }
    }

    /// One entry of the root `parameters`: a body parameter becomes a request body (with the
    /// document's `consumes`), a form field is left out (it is copied into each operation that
    /// uses it), anything else is a parameter.
    fn component_parameter(
        &mut self,
        name: &str,
        param: &Value,
        parameters: &mut Map<String, Value>,
        request_bodies: &mut Map<String, Value>,
    ) {
        let op = push("/parameters", name);
        let (location, target) = match param.get("$ref") {
            Some(Value::String(r)) => match self.deref(r, &push(&op, "$ref")) {
                Some((file, pointer, value)) => (
                    as_str(value.get("in")).map(str::to_owned),
                    Some((file, pointer)),
                ),
                None => (None, None),
            },
            _ => (as_str(param.get("in")).map(str::to_owned), None),
        };
        match (location.as_deref(), target) {
            (Some("body"), target) => {
                let np = push("/components/requestBodies", name);
                self.map.collapse(&np, &op);
                let value = match target {
                    Some((file, pointer)) => {
                        self.host.request(Task {
                            file,
                            pointer,
                            kind: Kind::Parameter,
                        });
                        param.clone()
                    }
                    None => {
                        let consumes = self.globals.consumes.clone();
                        self.body_request(param, &op, &consumes, &np)
                    }
                };
                request_bodies.insert(name.to_owned(), value);
            }
            (Some("formData"), _) => {}
            (_, target) => {
                let np = push("/components/parameters", name);
                let value = match target {
                    Some((file, pointer)) => {
                        self.host.request(Task {
                            file,
                            pointer,
                            kind: Kind::Parameter,
                        });
                        param.clone()
                    }
                    None => self.parameter(param, &op, &np),
                };
                parameters.insert(name.to_owned(), value);
            }
        }
    }

    fn paths(&mut self, paths: &Value) -> Value {
        let Value::Object(src) = paths else {
            return paths.clone();
        };
        let mut out = Map::new();
        for (path, item) in src {
            let value = if path.starts_with("x-") {
                item.clone()
            } else {
                let p = push("/paths", path);
                self.path_item(item, &p, &p)
            };
            out.insert(path.clone(), value);
        }
        Value::Object(out)
    }

    // -- path items and operations ----------------------------------------------------------

    fn path_item(&mut self, item: &Value, op: &str, np: &str) -> Value {
        let Value::Object(src) = item else {
            return item.clone();
        };
        if let Some(Value::String(r)) = src.get("$ref") {
            self.request_ref(r, &push(op, "$ref"), Kind::PathItem);
            return item.clone();
        }
        let (shared, shared_payload) = match src.get("parameters") {
            Some(Value::Array(list)) => {
                self.parameter_list(list, &push(op, "parameters"), &push(np, "parameters"))
            }
            _ => (Vec::new(), Vec::new()),
        };
        let mut out = Map::new();
        for (key, value) in src {
            if key == "parameters" && value.is_array() {
                if !shared.is_empty() {
                    out.insert(key.clone(), Value::Array(shared.clone()));
                }
            } else if METHODS.contains(&key.as_str()) {
                let converted =
                    self.operation(value, &push(op, key), &push(np, key), &shared_payload);
                out.insert(key.clone(), converted);
            } else {
                out.insert(key.clone(), value.clone());
            }
        }
        Value::Object(out)
    }

    /// Splits a parameter list into the parameters that stay parameters (converted) and the body
    /// and form parameters, which become the request body.
    fn parameter_list(&mut self, list: &[Value], op: &str, np: &str) -> (Vec<Value>, Vec<Payload>) {
        let mut params = Vec::new();
        let mut payload = Vec::new();
        for (j, entry) in list.iter().enumerate() {
            let ej = push(op, &j.to_string());
            let (value, target) = match entry.get("$ref") {
                Some(Value::String(r)) => match self.deref(r, &push(&ej, "$ref")) {
                    Some((file, pointer, value)) => (value, Some((file, pointer, r.clone()))),
                    None => (entry.clone(), None),
                },
                _ => (entry.clone(), None),
            };
            let location = as_str(value.get("in"));
            if matches!(location, Some("body" | "formData")) {
                payload.push(Payload {
                    body: location == Some("body"),
                    name: as_str(value.get("name")).unwrap_or_default().to_owned(),
                    entry: ej,
                    value,
                    target,
                });
                continue;
            }
            let ni = push(np, &params.len().to_string());
            self.map.link(&ni, &ej);
            match target {
                Some((file, pointer, _)) => {
                    self.host.request(Task {
                        file,
                        pointer,
                        kind: Kind::Parameter,
                    });
                    params.push(entry.clone());
                }
                // A `$ref` that leads nowhere stays: the IR builder reports it where it is.
                None if entry.get("$ref").is_some() => params.push(entry.clone()),
                None => params.push(self.parameter(entry, &ej, &ni)),
            }
        }
        (params, payload)
    }

    fn operation(&mut self, op_value: &Value, op: &str, np: &str, shared: &[Payload]) -> Value {
        let Value::Object(src) = op_value else {
            return op_value.clone();
        };
        let consumes = effective(src.get("consumes"), &self.globals.consumes);
        let produces = effective(src.get("produces"), &self.globals.produces);
        let (params, mut payload) = match src.get("parameters") {
            Some(Value::Array(list)) => {
                self.parameter_list(list, &push(op, "parameters"), &push(np, "parameters"))
            }
            _ => (Vec::new(), Vec::new()),
        };
        // Path-level body and form parameters apply unless the operation overrides them.
        let own_body = payload.iter().any(|p| p.body);
        for s in shared {
            let overridden = if s.body {
                own_body
            } else {
                payload.iter().any(|p| !p.body && p.name == s.name)
            };
            if !overridden {
                payload.push(s.clone());
            }
        }
        let mut request_body = self.request_body(&payload, &consumes, op, np);
        let mut out = Map::new();
        for (key, value) in src {
            match key.as_str() {
                "consumes" | "produces" | "schemes" => {}
                "parameters" if value.is_array() => {
                    if !params.is_empty() {
                        out.insert(key.clone(), Value::Array(params.clone()));
                    }
                    if let Some(body) = request_body.take() {
                        out.insert("requestBody".into(), body);
                    }
                }
                "responses" => {
                    let converted = self.responses(
                        value,
                        &produces,
                        &push(op, "responses"),
                        &push(np, "responses"),
                    );
                    out.insert(key.clone(), converted);
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        if let Some(body) = request_body {
            out.insert("requestBody".into(), body);
        }
        Value::Object(out)
    }

    fn request_body(
        &mut self,
        payload: &[Payload],
        consumes: &[String],
        op: &str,
        np: &str,
    ) -> Option<Value> {
        let rb = push(np, "requestBody");
        let bodies: Vec<&Payload> = payload.iter().filter(|p| p.body).collect();
        let forms: Vec<&Payload> = payload.iter().filter(|p| !p.body).collect();
        if let Some(body) = bodies.first() {
            for extra in &bodies[1..] {
                self.note(
                    &extra.entry,
                    op,
                    "more than one `in: body` parameter; only the first one is used".into(),
                    false,
                );
            }
            if let Some(form) = forms.first() {
                self.note(
                    &form.entry,
                    op,
                    "`in: formData` parameters next to an `in: body` parameter are left out (Swagger 2.0 allows one or the other)".into(),
                    false,
                );
            }
            return Some(self.body(body, consumes, &rb));
        }
        if forms.is_empty() {
            return None;
        }
        Some(self.form(&forms, consumes, op, &rb))
    }

    /// The request body of an operation's body parameter.
    fn body(&mut self, body: &Payload, consumes: &[String], rb: &str) -> Value {
        let Some((file, pointer, reference)) = &body.target else {
            self.map.collapse(rb, &body.entry);
            return self.body_request(&body.value, &body.entry, consumes, rb);
        };
        self.map.collapse(rb, &body.entry);
        if consumes == self.globals.consumes.as_slice() {
            // The shared request body (converted with the document's `consumes`) fits.
            self.host.request(Task {
                file: *file,
                pointer: pointer.clone(),
                kind: Kind::Parameter,
            });
            return json!({ "$ref": reference });
        }
        // The operation's own `consumes` wins: a request body of its own.
        if *file == self.file {
            // Same file: the schema is copied, and its positions are the definition's.
            let mut out = Map::new();
            self.body_fields(&body.value, pointer, rb, &mut out, true);
            let mut content = Map::new();
            for media in consumes {
                let mp = push(&push(rb, "content"), media);
                let mut mt = Map::new();
                if let Some(schema) = body.value.get("schema") {
                    let sp = push(&mp, "schema");
                    let op = push(pointer, "schema");
                    self.map.copy(&sp, &op);
                    mt.insert("schema".into(), self.schema(schema, &op, &sp));
                }
                content.insert(media.clone(), Value::Object(mt));
            }
            out.insert("content".into(), Value::Object(content));
            return Value::Object(out);
        }
        // Another file: refer to the parameter's schema there.
        let schema_ref = if reference.contains('#') {
            format!("{reference}/schema")
        } else {
            format!("{reference}#/schema")
        };
        self.host.request(Task {
            file: *file,
            pointer: push(pointer, "schema"),
            kind: Kind::Schema,
        });
        let mut out = Map::new();
        self.body_fields(&body.value, &body.entry, rb, &mut out, false);
        let content: Map<String, Value> = consumes
            .iter()
            .map(|m| (m.clone(), json!({ "schema": { "$ref": schema_ref } })))
            .collect();
        out.insert("content".into(), Value::Object(content));
        Value::Object(out)
    }

    /// `description`, `required` and vendor extensions of a body parameter, for its request body.
    fn body_fields(
        &mut self,
        param: &Value,
        op: &str,
        rb: &str,
        out: &mut Map<String, Value>,
        same_file: bool,
    ) {
        let Value::Object(src) = param else { return };
        for (key, value) in src {
            if key == "description" || key == "required" || key.starts_with("x-") {
                if same_file {
                    self.map.copy(&push(rb, key), &push(op, key));
                }
                out.insert(key.clone(), value.clone());
            }
        }
    }

    /// A body parameter (at the original pointer `op`) as a request body at `rb`: one media type
    /// per entry of `consumes`, each with the parameter's schema.
    fn body_request(&mut self, param: &Value, op: &str, consumes: &[String], rb: &str) -> Value {
        let mut out = Map::new();
        self.body_fields(param, op, rb, &mut out, true);
        let mut content = Map::new();
        for media in consumes {
            let mp = push(&push(rb, "content"), media);
            let mut mt = Map::new();
            if let Some(schema) = param.get("schema") {
                let sp = push(&mp, "schema");
                let os = push(op, "schema");
                self.map.link(&sp, &os);
                mt.insert("schema".into(), self.schema(schema, &os, &sp));
            }
            content.insert(media.clone(), Value::Object(mt));
        }
        out.insert("content".into(), Value::Object(content));
        Value::Object(out)
    }

    /// The form fields of an operation as one request body: `multipart/form-data` when
    /// `consumes` says so or a field is a file, else `application/x-www-form-urlencoded`.
    fn form(&mut self, forms: &[&Payload], consumes: &[String], op: &str, rb: &str) -> Value {
        let multipart = consumes.iter().any(|m| m == MULTIPART)
            || forms
                .iter()
                .any(|f| as_str(f.value.get("type")) == Some("file"));
        let media = if multipart { MULTIPART } else { FORM };
        let mp = push(&push(rb, "content"), media);
        let sp = push(&mp, "schema");
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        if let Some(first) = forms.first() {
            self.map.collapse(rb, &first.entry);
        }
        for field in forms {
            // Positions of a field: its definition when it is in this file, else the entry.
            let def = match &field.target {
                Some((file, pointer, _)) if *file == self.file => pointer.clone(),
                Some(_) => field.entry.clone(),
                None => field.entry.clone(),
            };
            let pp = push(&push(&sp, "properties"), &field.name);
            if field
                .target
                .as_ref()
                .is_some_and(|(f, _, _)| *f != self.file)
            {
                self.map.collapse(&pp, &def);
            } else {
                self.map.copy(&pp, &def);
            }
            properties.insert(field.name.clone(), self.form_field(&field.value));
            if field.value.get("required") == Some(&Value::Bool(true)) {
                required.push(Value::String(field.name.clone()));
            }
            if !multipart && as_str(field.value.get("type")) == Some("array") {
                let format = as_str(field.value.get("collectionFormat")).unwrap_or("csv");
                let style = match format {
                    "csv" => Some(json!({ "style": "form", "explode": false })),
                    "ssv" => Some(json!({ "style": "spaceDelimited", "explode": false })),
                    "pipes" => Some(json!({ "style": "pipeDelimited", "explode": false })),
                    "multi" => None,
                    other => {
                        // At the field's `collectionFormat` when it is written in this file.
                        let at = if def == field.entry && field.target.is_some() {
                            def.clone()
                        } else {
                            push(&def, "collectionFormat")
                        };
                        self.note(
                            &at,
                            op,
                            unsupported_format(&field.name, "formData", other),
                            true,
                        );
                        None
                    }
                };
                if let Some(style) = style {
                    self.map.collapse(
                        &push(&push(&mp, "encoding"), &field.name),
                        &push(&def, "collectionFormat"),
                    );
                    encoding.insert(field.name.clone(), style);
                }
            }
        }
        let mut schema = Map::new();
        schema.insert("type".into(), "object".into());
        schema.insert("properties".into(), Value::Object(properties));
        let any_required = !required.is_empty();
        if any_required {
            schema.insert("required".into(), Value::Array(required));
        }
        let mut mt = Map::new();
        mt.insert("schema".into(), Value::Object(schema));
        if !encoding.is_empty() {
            mt.insert("encoding".into(), Value::Object(encoding));
        }
        let mut out = Map::new();
        if any_required {
            out.insert("required".into(), Value::Bool(true));
        }
        let mut content = Map::new();
        content.insert(media.into(), Value::Object(mt));
        out.insert("content".into(), Value::Object(content));
        Value::Object(out)
    }

    /// A form field as the schema of its property.
    fn form_field(&mut self, param: &Value) -> Value {
        let Value::Object(src) = param else {
            return param.clone();
        };
        let mut out = Map::new();
        for (key, value) in src {
            if key == "items" {
                out.insert(key.clone(), items(value));
            } else if VALUE_FIELDS.contains(&key.as_str())
                || key == "description"
                || key.starts_with("x-")
            {
                out.insert(key.clone(), value.clone());
            }
        }
        file_to_binary(&mut out);
        Value::Object(out)
    }

    /// A query, path or header parameter: the value fields become `schema`, `collectionFormat`
    /// becomes `style`/`explode`.
    fn parameter(&mut self, param: &Value, op: &str, np: &str) -> Value {
        let Value::Object(src) = param else {
            return param.clone();
        };
        let mut out = Map::new();
        let mut schema = Map::new();
        for (key, value) in src {
            if key == "items" {
                schema.insert(key.clone(), items(value));
            } else if VALUE_FIELDS.contains(&key.as_str()) {
                schema.insert(key.clone(), value.clone());
            } else if key != "collectionFormat" {
                out.insert(key.clone(), value.clone());
            }
        }
        file_to_binary(&mut schema);
        let location = as_str(src.get("in")).unwrap_or_default();
        let name = as_str(src.get("name")).unwrap_or_default();
        if let Some(at) = src
            .get("items")
            .and_then(|i| nested_format(i, &push(op, "items")))
        {
            self.note(
                &at,
                op,
                format!("parameter '{name}' nests arrays with a `collectionFormat` of their own: OpenAPI 3 cannot say how the inner arrays are written"),
                true,
            );
        }
        if as_str(schema.get("type")) == Some("array") {
            let format = as_str(src.get("collectionFormat")).unwrap_or("csv");
            let from = if src.contains_key("collectionFormat") {
                push(op, "collectionFormat")
            } else {
                op.to_owned()
            };
            let style: Option<(&str, Option<bool>)> = match (format, location) {
                ("csv", "query") => Some(("form", Some(false))),
                ("csv", "path" | "header") => Some(("simple", None)),
                ("ssv", "query") => Some(("spaceDelimited", None)),
                ("pipes", "query") => Some(("pipeDelimited", None)),
                ("multi", "query") => Some(("form", Some(true))),
                (other, location) => {
                    self.note(&from, op, unsupported_format(name, location, other), true);
                    None
                }
            };
            if let Some((style, explode)) = style {
                out.insert("style".into(), style.into());
                self.map.collapse(&push(np, "style"), &from);
                if let Some(explode) = explode {
                    out.insert("explode".into(), explode.into());
                    self.map.collapse(&push(np, "explode"), &from);
                }
            }
        }
        if !schema.is_empty() {
            // The schema's keywords are the parameter's own fields (back only: a reference to
            // the parameter is to the parameter, not to its schema).
            self.map.copy(&push(np, "schema"), op);
            out.insert("schema".into(), Value::Object(schema));
        }
        Value::Object(out)
    }

    // -- responses --------------------------------------------------------------------------

    fn responses(&mut self, value: &Value, produces: &[String], op: &str, np: &str) -> Value {
        let Value::Object(src) = value else {
            return value.clone();
        };
        let mut out = Map::new();
        for (code, response) in src {
            let converted = if code.starts_with("x-") {
                response.clone()
            } else {
                self.response(response, produces, &push(op, code), &push(np, code))
            };
            out.insert(code.clone(), converted);
        }
        Value::Object(out)
    }

    /// A response: `schema` → `content` (one media type per `produces`), `examples` → each
    /// media type's `example`, headers get a `schema`.
    fn response(&mut self, response: &Value, produces: &[String], op: &str, np: &str) -> Value {
        let Value::Object(src) = response else {
            return response.clone();
        };
        if let Some(Value::String(r)) = src.get("$ref") {
            self.request_ref(r, &push(op, "$ref"), Kind::Response);
            return response.clone();
        }
        let examples = src.get("examples").and_then(Value::as_object);
        let mut out = Map::new();
        for (key, value) in src {
            match key.as_str() {
                "schema" => {
                    let os = push(op, "schema");
                    let cp = push(np, "content");
                    self.map.collapse(&cp, &os);
                    let mut content = Map::new();
                    for media in produces {
                        let mp = push(&cp, media);
                        let sp = push(&mp, "schema");
                        self.map.link(&sp, &os);
                        let mut mt = Map::new();
                        mt.insert("schema".into(), self.schema(value, &os, &sp));
                        if let Some(example) = examples.and_then(|e| e.get(media)) {
                            self.map
                                .link(&push(&mp, "example"), &push(&push(op, "examples"), media));
                            mt.insert("example".into(), example.clone());
                        }
                        content.insert(media.clone(), Value::Object(mt));
                    }
                    out.insert("content".into(), Value::Object(content));
                }
                // Used above; examples of a media type the operation does not produce, or of a
                // response without a schema, have nowhere to go in 3.0 and are left out.
                "examples" => {}
                "headers" => {
                    let headers = self.headers(value, &push(op, key), &push(np, key));
                    out.insert(key.clone(), headers);
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }

    fn headers(&mut self, value: &Value, op: &str, np: &str) -> Value {
        let Value::Object(src) = value else {
            return value.clone();
        };
        let mut out = Map::new();
        for (name, header) in src {
            let Value::Object(h) = header else {
                out.insert(name.clone(), header.clone());
                continue;
            };
            let hop = push(op, name);
            let hnp = push(np, name);
            self.map.link(&hnp, &hop);
            let mut converted = Map::new();
            let mut schema = Map::new();
            for (key, value) in h {
                if key == "items" {
                    schema.insert(key.clone(), items(value));
                } else if VALUE_FIELDS.contains(&key.as_str()) {
                    schema.insert(key.clone(), value.clone());
                } else if key != "collectionFormat" {
                    // `csv`, the default, is 3.0's `simple`; the others cannot be expressed.
                    converted.insert(key.clone(), value.clone());
                }
            }
            if !schema.is_empty() {
                self.map.copy(&push(&hnp, "schema"), &hop);
                converted.insert("schema".into(), Value::Object(schema));
            }
            out.insert(name.clone(), Value::Object(converted));
        }
        Value::Object(out)
    }

    // -- security ---------------------------------------------------------------------------

    fn security_scheme(&mut self, scheme: &Value, op: &str, np: &str) -> Value {
        let Value::Object(src) = scheme else {
            return scheme.clone();
        };
        let kind = as_str(src.get("type")).unwrap_or_default();
        let extras = |out: &mut Map<String, Value>| {
            for (key, value) in src {
                if key == "description" || key.starts_with("x-") {
                    out.insert(key.clone(), value.clone());
                }
            }
        };
        match kind {
            "basic" => {
                let mut out = Map::new();
                out.insert("type".into(), "http".into());
                out.insert("scheme".into(), "basic".into());
                extras(&mut out);
                self.map.collapse(&push(np, "scheme"), &push(op, "type"));
                Value::Object(out)
            }
            "oauth2" => {
                let flow = as_str(src.get("flow")).unwrap_or_default();
                let (name, urls): (&str, &[&str]) = match flow {
                    "implicit" => ("implicit", &["authorizationUrl"]),
                    "password" => ("password", &["tokenUrl"]),
                    "application" => ("clientCredentials", &["tokenUrl"]),
                    "accessCode" => ("authorizationCode", &["authorizationUrl", "tokenUrl"]),
                    _ => ("", &[]),
                };
                let mut out = Map::new();
                out.insert("type".into(), "oauth2".into());
                extras(&mut out);
                let fp = push(np, "flows");
                self.map.collapse(&fp, &push(op, "flow"));
                let mut flows = Map::new();
                if !name.is_empty() {
                    let fnp = push(&fp, name);
                    let mut f = Map::new();
                    for url in urls {
                        if let Some(v) = src.get(*url) {
                            self.map.link(&push(&fnp, url), &push(op, url));
                            f.insert((*url).into(), v.clone());
                        }
                    }
                    self.map.link(&push(&fnp, "scopes"), &push(op, "scopes"));
                    f.insert(
                        "scopes".into(),
                        src.get("scopes").cloned().unwrap_or_else(|| json!({})),
                    );
                    flows.insert(name.into(), Value::Object(f));
                }
                out.insert("flows".into(), Value::Object(flows));
                Value::Object(out)
            }
            // `apiKey` is the same in 3.0; an unknown type is reported by the IR builder.
            _ => scheme.clone(),
        }
    }

    // -- schemas ----------------------------------------------------------------------------

    /// A 2.0 schema is a 3.0 schema but for `type: file` (→ `type: string, format: binary`),
    /// `x-nullable` (→ `nullable`) and a string `discriminator` (→ `{propertyName}`). Every
    /// `$ref` inside asks for its target to be converted as a schema.
    fn schema(&mut self, schema: &Value, op: &str, np: &str) -> Value {
        self.schema_at(schema, op, np, 0)
    }

    /// [`Converter::schema`] at nesting `depth`: below [`crate::schema::MAX_DEPTH`] levels the
    /// rest is copied as it is (the schema converter stops there too, with a note).
    fn schema_at(&mut self, schema: &Value, op: &str, np: &str, depth: usize) -> Value {
        let Value::Object(src) = schema else {
            return schema.clone();
        };
        if depth >= crate::schema::MAX_DEPTH {
            return schema.clone();
        }
        let depth = depth + 1;
        let mut out = Map::new();
        for (key, value) in src {
            let kop = push(op, key);
            let knp = push(np, key);
            match key.as_str() {
                "$ref" => {
                    if let Value::String(r) = value {
                        self.request_ref(r, &kop, Kind::Schema);
                    }
                    out.insert(key.clone(), value.clone());
                }
                "type" if value == "file" => {
                    out.insert(key.clone(), "string".into());
                    if !src.contains_key("format") {
                        self.map.collapse(&push(np, "format"), &kop);
                        out.insert("format".into(), "binary".into());
                    }
                }
                "x-nullable" if value.is_boolean() && !src.contains_key("nullable") => {
                    self.map.collapse(&push(np, "nullable"), &kop);
                    out.insert("nullable".into(), value.clone());
                }
                "discriminator" if value.is_string() => {
                    self.map.collapse(&knp, &kop);
                    out.insert(key.clone(), json!({ "propertyName": value }));
                }
                "properties" | "patternProperties" => match value {
                    Value::Object(props) => {
                        let mut converted = Map::new();
                        for (name, sub) in props {
                            let s =
                                self.schema_at(sub, &push(&kop, name), &push(&knp, name), depth);
                            converted.insert(name.clone(), s);
                        }
                        out.insert(key.clone(), Value::Object(converted));
                    }
                    other => {
                        out.insert(key.clone(), other.clone());
                    }
                },
                "allOf" | "anyOf" | "oneOf" | "items" if value.is_array() => {
                    let list = value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, sub)| {
                            let i = i.to_string();
                            self.schema_at(sub, &push(&kop, &i), &push(&knp, &i), depth)
                        })
                        .collect();
                    out.insert(key.clone(), Value::Array(list));
                }
                "items" | "additionalProperties" | "not" => {
                    out.insert(key.clone(), self.schema_at(value, &kop, &knp, depth));
                }
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }
        Value::Object(out)
    }
}

/// A 2.0 items object (of a parameter or header) as a schema: `collectionFormat` of nested
/// arrays has no 3.0 equivalent and is dropped.
fn items(value: &Value) -> Value {
    let Value::Object(src) = value else {
        return value.clone();
    };
    let mut out = Map::new();
    for (key, v) in src {
        match key.as_str() {
            "collectionFormat" => {}
            "items" => {
                out.insert(key.clone(), items(v));
            }
            _ => {
                out.insert(key.clone(), v.clone());
            }
        }
    }
    file_to_binary(&mut out);
    Value::Object(out)
}

/// The pointer of the first `collectionFormat` inside a parameter's `items` (`at`), if any.
fn nested_format(items: &Value, at: &str) -> Option<String> {
    let mut current = items;
    let mut pointer = at.to_owned();
    for _ in 0..crate::schema::MAX_DEPTH {
        if current.get("collectionFormat").is_some() {
            return Some(push(&pointer, "collectionFormat"));
        }
        current = current.get("items")?;
        pointer = push(&pointer, "items");
    }
    None
}

/// `type: file` → `type: string, format: binary`.
fn file_to_binary(schema: &mut Map<String, Value>) {
    if schema.get("type").and_then(Value::as_str) == Some("file") {
        schema.insert("type".into(), "string".into());
        schema
            .entry("format")
            .or_insert_with(|| Value::String("binary".into()));
    }
}

fn unsupported_format(name: &str, location: &str, format: &str) -> String {
    let why = match format {
        "tsv" => "tab-separated values have no OpenAPI 3 equivalent".to_owned(),
        "ssv" | "pipes" | "multi" | "csv" => {
            format!("OpenAPI 3 has no equivalent for a {location} parameter")
        }
        _ => "it is not a Swagger 2.0 collection format".to_owned(),
    };
    format!("parameter '{name}' uses `collectionFormat: {format}`: {why}")
}

// ---------------------------------------------------------------------------------------------
// Stand-alone conversion
// ---------------------------------------------------------------------------------------------

/// A Swagger 2.0 document converted to OpenAPI 3.0.
#[derive(Clone, Debug)]
pub struct Conversion {
    /// The OpenAPI 3.0.3 document, with its local `$ref`s rewritten
    /// (`#/definitions/Pet` → `#/components/schemas/Pet`).
    pub document: Value,
    /// Converted pointer ↔ original pointer.
    pub map: PointerMap,
    /// What could not be expressed, in the order found.
    pub notes: Vec<ConversionNote>,
}

/// Converts one Swagger 2.0 document (a whole document, `swagger: "2.0"` at its root) to
/// OpenAPI 3.0.3, as the loader does.
///
/// References to other files are left as written: the loader converts those files when it reads
/// them; here they are not read, so a `$ref` to a body parameter in another file is taken for a
/// plain parameter.
pub fn convert(document: &Value) -> Conversion {
    struct Single<'a>(&'a Value);
    impl Host for Single<'_> {
        fn target(&mut self, _: FileId, reference: &str, _: &str) -> Option<(FileId, String)> {
            let fragment = reference.strip_prefix('#')?;
            let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
            Some((0, decoded.into_owned()))
        }
        fn original(&self, _: FileId, pointer: &str) -> Option<Value> {
            self.0.pointer(pointer).cloned()
        }
        fn request(&mut self, _: Task) {}
    }
    let mut host = Single(document);
    let mut converter = Converter::new(0, &mut host, Globals::of(document));
    let mut converted = converter.convert(Kind::Document, document, "", "");
    let map = std::mem::take(&mut converter.map);
    let notes = std::mem::take(&mut converter.notes);
    rewrite_local_refs(&mut converted, &map);
    Conversion {
        document: converted,
        map,
        notes,
    }
}

/// Characters percent-encoded in a rewritten `$ref` fragment.
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Rewrites every local `$ref` (`#/...`) through `map`; a reference whose target did not move is
/// left exactly as written.
fn rewrite_local_refs(value: &mut Value, map: &PointerMap) {
    match value {
        Value::Object(obj) => {
            if let Some(Value::String(reference)) = obj.get_mut("$ref")
                && let Some(fragment) = reference.strip_prefix('#')
            {
                let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
                let moved = map.to_converted(&decoded);
                if moved != decoded {
                    let encoded = percent_encoding::utf8_percent_encode(&moved, FRAGMENT);
                    *reference = format!("#{encoded}");
                }
            }
            for (key, child) in obj.iter_mut() {
                if key != "$ref" {
                    rewrite_local_refs(child, map);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_local_refs(v, map)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pointer_map_links_collapses_and_copies() {
        let mut m = PointerMap::default();
        m.link("/components/schemas", "/definitions");
        m.collapse(
            "/paths/~1pets/post/requestBody",
            "/paths/~1pets/post/parameters/0",
        );
        m.link(
            "/paths/~1pets/post/requestBody/content/application~1json/schema",
            "/paths/~1pets/post/parameters/0/schema",
        );
        m.link(
            "/paths/~1pets/post/requestBody/content/application~1xml/schema",
            "/paths/~1pets/post/parameters/0/schema",
        );
        m.link(
            "/paths/~1pets/post/parameters/0",
            "/paths/~1pets/post/parameters/1",
        );
        m.copy(
            "/paths/~1a/get/requestBody/content/text~1csv/schema",
            "/definitions/Pet",
        );

        // Back: longest prefix, subtree or collapse.
        assert_eq!(
            m.to_original("/components/schemas/Pet/properties/id"),
            "/definitions/Pet/properties/id"
        );
        assert_eq!(
            m.to_original("/paths/~1pets/post/requestBody/content/application~1xml/schema/items"),
            "/paths/~1pets/post/parameters/0/schema/items"
        );
        assert_eq!(
            m.to_original("/paths/~1pets/post/requestBody/content/application~1json"),
            "/paths/~1pets/post/parameters/0"
        );
        assert_eq!(
            m.to_original("/paths/~1pets/post/parameters/0/name"),
            "/paths/~1pets/post/parameters/1/name"
        );
        // Token boundaries: `/components/schemasX` is not under `/components/schemas`.
        assert_eq!(
            m.to_original("/components/schemasX"),
            "/components/schemasX"
        );
        assert_eq!(m.to_original("/info/title"), "/info/title");
        assert_eq!(
            m.to_original("/paths/~1a/get/requestBody/content/text~1csv/schema/type"),
            "/definitions/Pet/type"
        );

        // Forward: subtree links, exact collapses, the first of equal keys; copies do not count.
        assert_eq!(
            m.to_converted("/definitions/Pet"),
            "/components/schemas/Pet"
        );
        assert_eq!(
            m.to_converted("/paths/~1pets/post/parameters/0"),
            "/paths/~1pets/post/requestBody"
        );
        assert_eq!(
            m.to_converted("/paths/~1pets/post/parameters/0/schema/items"),
            "/paths/~1pets/post/requestBody/content/application~1json/schema/items"
        );
        assert_eq!(
            m.to_converted("/paths/~1pets/post/parameters/1"),
            "/paths/~1pets/post/parameters/0"
        );
        assert_eq!(m.to_converted("/x-other"), "/x-other");
        assert_eq!(m.to_converted(""), "");
    }

    #[test]
    fn deep_schemas_fit_in_a_small_stack() {
        // As deep as a YAML document may nest (source::MAX_DEPTH), on a 1 MiB stack.
        let handle = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                let mut schema = json!({ "type": "file", "x-nullable": true });
                for _ in 0..crate::source::MAX_DEPTH / 2 {
                    schema = json!({ "properties": { "p": schema } });
                }
                let doc = json!({
                    "swagger": "2.0",
                    "info": { "title": "t", "version": "1" },
                    "paths": {},
                    "definitions": { "Deep": schema }
                });
                let out = convert(&doc).document;
                let step = "/properties/p".repeat(crate::source::MAX_DEPTH / 2);
                let leaf = out
                    .pointer(&format!("/components/schemas/Deep{step}"))
                    .cloned();
                std::mem::forget(out);
                std::mem::forget(doc);
                leaf
            })
            .unwrap();
        // Deeper than schema::MAX_DEPTH: copied as it is.
        assert_eq!(
            handle.join().unwrap(),
            Some(json!({ "type": "file", "x-nullable": true }))
        );
    }

    #[test]
    fn local_refs_are_rewritten_with_percent_encoding_where_needed() {
        let doc = json!({
            "swagger": "2.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "definitions": {
                "A B": { "type": "object" },
                "C": { "$ref": "#/definitions/A%20B" },
                "D": { "$ref": "other.yaml#/definitions/X" },
                "E": { "$ref": "#/x-kept/Y" }
            }
        });
        let out = convert(&doc).document;
        let schemas = &out["components"]["schemas"];
        assert_eq!(schemas["C"]["$ref"], "#/components/schemas/A%20B");
        assert_eq!(schemas["D"]["$ref"], "other.yaml#/definitions/X");
        assert_eq!(schemas["E"]["$ref"], "#/x-kept/Y");
    }
}

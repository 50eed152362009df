//! The IR: a normalized, fully resolved view of an OpenAPI document.
//!
//! Loading does all the resolving and normalizing once; code generation and the harness only read
//! these types. Every `$ref` is resolved, OpenAPI 3.0 and 3.1 documents end up in the same shape,
//! and every schema is a JSON Schema 2020-12 value whose references all read `#/$defs/<name>`.
//! The schemas they name are kept once, in the API's [`SchemaRegistry`] ([`Api::schemas`]), not
//! copied into every schema that uses them: a spec whose components reference each other in
//! cycles (Stripe's, Microsoft Graph's) would otherwise repeat most of itself per operation.
//! [`SchemaRegistry::bundle`] (or [`Api::bundled`] for everything at once) makes a schema
//! self-contained again, with what it references under its own `$defs`, so that any validator can
//! compile it without the rest of the document; recursive schemas stay finite.
//!
//! The IR serializes to JSON and back without loss ([`Api::to_json`], [`Api::from_json`]): codegen
//! embeds that JSON in the generated tests, and the harness reads it at run time.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::str::FromStr;

use crate::diag::Location;

/// A whole API: the operations to test and what they share.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Api {
    /// The spec file as the user named it (used in messages and generated headers).
    pub source: String,
    /// The `openapi` field as written, e.g. `3.0.3` or `3.1.0`. For a Swagger 2.0 document,
    /// converted at load time, `3.0.3, converted from Swagger 2.0 at load time`
    /// (`swagger2::CONVERTED_VERSION`).
    pub openapi_version: String,
    /// `jsonSchemaDialect` of a 3.1 document, when it sets one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub json_schema_dialect: Option<String>,
    /// The `info` object.
    pub info: Info,
    /// Root-level `servers`, with their variables.
    #[serde(default)]
    pub servers: Vec<Server>,
    /// Every operation, in document order (paths in order, then methods in the order written).
    pub operations: Vec<Operation>,
    /// `components.securitySchemes`, in document order.
    #[serde(default)]
    pub security_schemes: IndexMap<String, SecurityScheme>,
    /// Webhooks of a 3.1 document: listed, not tested (the API calls them, not the other way round).
    #[serde(default)]
    pub webhooks: Vec<Webhook>,
    /// Every file read to build this IR (the spec and everything reached through `$ref`), for
    /// `cargo:rerun-if-changed`.
    #[serde(default)]
    pub files: Vec<String>,
    /// The schemas the operations' schemas reference (`#/$defs/<name>`), each kept once.
    #[serde(default, skip_serializing_if = "SchemaRegistry::is_empty")]
    pub schemas: SchemaRegistry,
}

/// Which message a schema describes. `readOnly` properties are not sent in requests and
/// `writeOnly` properties are not returned in responses, so each direction removes one kind when
/// the loader converts a schema, and a referenced schema may have two forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// A request body or parameter: `readOnly` properties are removed.
    Request,
    /// A response body or header: `writeOnly` properties are removed.
    Response,
}

/// The referenced schemas of an API, by `$defs` name, each converted once.
///
/// A schema in the IR refers to another as `#/$defs/<name>` (the name escaped as a JSON pointer
/// token). The name is looked up here: in [`SchemaRegistry::request`] first for a schema of a
/// request (when its request form differs), then in [`SchemaRegistry::shared`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SchemaRegistry {
    /// The response form of every referenced schema, which is also the request form unless
    /// [`SchemaRegistry::request`] has an entry of the same name.
    #[serde(default)]
    pub shared: IndexMap<String, Value>,
    /// Request forms that differ from the shared one (a `readOnly` property removed), and schemas
    /// only requests reference.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub request: IndexMap<String, Value>,
}

impl SchemaRegistry {
    /// No schema registered.
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty() && self.request.is_empty()
    }

    /// The schema registered as `name` for `direction`.
    pub fn get(&self, name: &str, direction: Direction) -> Option<&Value> {
        match direction {
            Direction::Request => self.request.get(name).or_else(|| self.shared.get(name)),
            Direction::Response => self.shared.get(name),
        }
    }

    /// The target of a `#/$defs/<name>` reference, when it names a registered schema; also a
    /// pointer into one (`#/$defs/<name>/properties/id`).
    pub fn resolve(&self, reference: &str, direction: Direction) -> Option<&Value> {
        if let Some(name) = def_name(reference) {
            return self.get(&name, direction);
        }
        let rest = reference.strip_prefix("#/$defs/")?;
        let (token, pointer) = rest.split_once('/')?;
        self.get(&crate::pointer::unescape(token), direction)?
            .pointer(&format!("/{pointer}"))
    }

    /// Every registered schema in its `direction` form, under `$defs`: the one document that
    /// `#/$defs/<name>` references resolve in when a validator is given it as a resource
    /// (see [`SchemaRegistry::qualify`]).
    pub fn document(&self, direction: Direction) -> Value {
        let mut defs: serde_json::Map<String, Value> = self
            .shared
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if direction == Direction::Request {
            for (k, v) in &self.request {
                defs.insert(k.clone(), v.clone());
            }
        }
        let mut doc = serde_json::Map::new();
        doc.insert("$defs".to_owned(), Value::Object(defs));
        Value::Object(doc)
    }

    /// `schema` with each `#/$defs/...` reference that does not resolve inside `schema` itself
    /// made absolute against `base`, the URI under which [`SchemaRegistry::document`] is known
    /// (`urn:x#/$defs/Pet`). Only the schema is copied, not what it references: a validator
    /// resolves the rest in the shared document.
    pub fn qualify(schema: &Value, base: &str) -> Value {
        // `names`: the keys of this object are property (or definition) names, not keywords.
        fn go(root: &Value, node: &Value, base: &str, names: bool) -> Value {
            match node {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(k, v)| {
                            let v = match (k.as_str(), v) {
                                (_, v) if names => go(root, v, base, false),
                                ("$ref", Value::String(r))
                                    if r.starts_with("#/$defs/")
                                        && root.pointer(&r[1..]).is_none() =>
                                {
                                    Value::String(format!("{base}{r}"))
                                }
                                (key, _) if holds_data(key) => v.clone(),
                                (key, _) => go(root, v, base, holds_names(key)),
                            };
                            (k.clone(), v)
                        })
                        .collect(),
                ),
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| go(root, v, base, false)).collect())
                }
                other => other.clone(),
            }
        }
        go(schema, schema, base, false)
    }

    /// The target of `reference`, written in a schema whose root is `root`: inside `root` first
    /// (its own `$defs`, or any local pointer), then in the registry.
    pub fn follow<'a>(
        &'a self,
        root: &'a Value,
        reference: &str,
        direction: Direction,
    ) -> Option<&'a Value> {
        reference
            .strip_prefix('#')
            .and_then(|p| root.pointer(p))
            .or_else(|| self.resolve(reference, direction))
    }

    /// The names `schema` references, directly or through other registered schemas, in the order
    /// first met (each once; cycles end).
    pub fn closure(&self, schema: &Value, direction: Direction) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        let mut todo: Vec<&Value> = vec![schema];
        let mut refs: Vec<String> = Vec::new();
        while let Some(node) = todo.pop() {
            refs.clear();
            collect_def_refs(node, &mut refs);
            for name in refs.drain(..) {
                if let Some(target) = self.get(&name, direction)
                    && seen.insert(name.clone())
                {
                    names.push(name);
                    todo.push(target);
                }
            }
        }
        names
    }

    /// `schema` made self-contained: every registered schema it reaches goes under its own
    /// `$defs` (next to any `$defs` it has; those win on a name clash), so a validator can compile
    /// it alone. A schema that references nothing is returned as it is.
    pub fn bundle(&self, schema: &Value, direction: Direction) -> Value {
        let names = self.closure(schema, direction);
        if names.is_empty() {
            return schema.clone();
        }
        let mut defs = serde_json::Map::new();
        for name in names {
            if let Some(def) = self.get(&name, direction) {
                defs.insert(name, def.clone());
            }
        }
        attach_defs(schema.clone(), defs)
    }
}

/// The name in a `#/$defs/<name>` reference (unescaped), or `None` for another reference.
pub fn def_name(reference: &str) -> Option<std::borrow::Cow<'_, str>> {
    let token = reference.strip_prefix("#/$defs/")?;
    if token.contains('/') {
        return None;
    }
    Some(crate::pointer::unescape(token))
}

/// Keywords whose values are data (instances), not schemas: a `$ref` inside them is not a
/// reference.
pub(crate) fn holds_data(keyword: &str) -> bool {
    matches!(
        keyword,
        "const" | "enum" | "default" | "examples" | "example"
    )
}

/// Keywords whose value maps names (of properties, definitions) to schemas: a name such as
/// `example` there is not the keyword.
pub(crate) fn holds_names(keyword: &str) -> bool {
    matches!(
        keyword,
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas"
    )
}

/// Every `#/$defs/<name>` reference under `node`, as names (repeats included); a pointer into a
/// definition (`#/$defs/<name>/properties/id`) names the definition.
fn collect_def_refs(node: &Value, out: &mut Vec<String>) {
    fn go(node: &Value, out: &mut Vec<String>, names: bool) {
        match node {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        (_, v) if names => go(v, out, false),
                        ("$ref", Value::String(r)) => {
                            if let Some(rest) = r.strip_prefix("#/$defs/") {
                                let token = rest.split('/').next().unwrap_or(rest);
                                out.push(crate::pointer::unescape(token).into_owned());
                            }
                        }
                        (key, _) if holds_data(key) => {}
                        (key, v) => go(v, out, holds_names(key)),
                    }
                }
            }
            Value::Array(items) => {
                for v in items {
                    go(v, out, false);
                }
            }
            _ => {}
        }
    }
    go(node, out, false)
}

/// Puts `defs` under the schema's `$defs` (wrapping a boolean schema in `allOf`); a name the
/// schema already defines keeps its own definition.
pub(crate) fn attach_defs(schema: Value, defs: serde_json::Map<String, Value>) -> Value {
    match schema {
        Value::Object(mut map) => {
            match map.get_mut("$defs") {
                Some(Value::Object(existing)) => {
                    for (k, v) in defs {
                        existing.entry(k).or_insert(v);
                    }
                }
                _ => {
                    map.insert("$defs".to_owned(), Value::Object(defs));
                }
            }
            Value::Object(map)
        }
        other => {
            let mut map = serde_json::Map::new();
            map.insert("allOf".to_owned(), Value::Array(vec![other]));
            map.insert("$defs".to_owned(), Value::Object(defs));
            Value::Object(map)
        }
    }
}

/// The `info` object.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// `info.summary` (3.1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `info.description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A `server` entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Server {
    /// The URL template, e.g. `https://{region}.example.com/v1`.
    pub url: String,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Template variables with their defaults.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub variables: IndexMap<String, ServerVariable>,
}

/// A server URL template variable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServerVariable {
    /// The value used when the user gives none.
    pub default: String,
    /// The allowed values, when restricted.
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub enumeration: Vec<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Server {
    /// The URL with every variable replaced by its default.
    pub fn default_url(&self) -> String {
        let mut url = self.url.clone();
        for (name, var) in &self.variables {
            url = url.replace(&format!("{{{name}}}"), &var.default);
        }
        url
    }
}

/// One operation: a method on a path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// Stable, unique id: the `operationId`, or one derived from method and path
    /// (`GET /user/profile` → `get_user_profile`). Duplicates get a numeric suffix, in document order.
    pub id: String,
    /// The `operationId` exactly as written, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// The HTTP method.
    pub method: Method,
    /// The path template, e.g. `/users/{id}`.
    pub path: String,
    /// `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `tags`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The ancestors of its tags through the root `tags`' `parent` (OpenAPI 3.2), nearest
    /// first: `tag:events` selects an operation tagged `search` whose parent is `events`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_ancestors: Vec<String>,
    /// `deprecated`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// The servers that apply: the operation's, else the path's, else the root's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<Server>,
    /// Parameters: path-level merged with operation-level (the operation wins on the same name and
    /// location), path-level ones first, each in document order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// The request body, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    /// Responses in document order.
    pub responses: Vec<Response>,
    /// The security that applies: the operation's `security`, else the root's. Alternatives: any one
    /// requirement satisfies it. Empty means no authentication (including an explicit `[]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security: Vec<SecurityRequirement>,
    /// Where the operation is defined.
    pub location: Location,
    /// Features used by this operation that contractgate cannot test yet. Codegen turns each into an
    /// `#[ignore = "..."]` reason, so the operation stays visible.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<Unsupported>,
    /// Defects of the spec that leave no valid request to build (the path uses `{id}` but
    /// declares no path parameter `id`). Unlike an unsupported feature, a defect is the spec's:
    /// the operation's checks error with it, named, with its location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spec_defects: Vec<Unsupported>,
    /// The create operations (POST) whose 2xx responses link to this one (by `operationId`): where
    /// its resource comes from, for the state checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_by: Vec<String>,
    /// For an update (PUT or PATCH with a JSON body): the GET on the same path, which reads back
    /// what it wrote (`read_after_write`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_back_by: Option<String>,
    /// Where the operation breaks the OpenAPI meta-schema (`type: int`): warnings, which a failure
    /// to build the operation's request names as its likely cause.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spec_violations: Vec<Unsupported>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Operation {
    /// `GET /user/profile`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The responses whose status is 2xx (exact `2..` codes and the `2XX` range).
    pub fn success_responses(&self) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(|r| r.status.is_success())
    }
}

/// A feature the operation uses that contractgate cannot test yet, with where it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unsupported {
    /// What is not supported, e.g. "a parameter described with `content` instead of `schema`".
    pub feature: String,
    /// Where it is used.
    pub location: Location,
}

/// HTTP methods OpenAPI can document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
    /// `QUERY` (OpenAPI 3.2): a safe, idempotent request with a body.
    Query,
    /// Another method, by name as sent (`PURGE`): OpenAPI 3.2's `additionalOperations`. Never
    /// safe (nothing says it is).
    Other(&'static str),
}

impl Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Ok(name.parse().unwrap_or_else(|_| Method::other(&name)))
    }
}

impl Method {
    /// Every method, in the order OpenAPI's Path Item Object lists them (`query` is 3.2's).
    pub const ALL: [Method; 9] = [
        Method::Get,
        Method::Put,
        Method::Post,
        Method::Delete,
        Method::Options,
        Method::Head,
        Method::Patch,
        Method::Trace,
        Method::Query,
    ];

    /// A method that is not one of OpenAPI's fixed fields (`PURGE`), by its name as sent. The
    /// name is kept for the life of the process (there are a few per spec).
    pub fn other(name: &str) -> Method {
        let upper = name.to_ascii_uppercase();
        match Method::ALL.into_iter().find(|m| m.as_str() == upper) {
            Some(known) => known,
            None => Method::Other(Box::leak(upper.into_boxed_str())),
        }
    }

    /// Upper-case name as sent on the wire: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Other(name) => name,
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
            Method::Query => "QUERY",
        }
    }

    /// Lower-case name as used for Path Item keys: `get` (another method: its name as sent).
    pub fn key(self) -> &'static str {
        match self {
            Method::Other(name) => name,
            Method::Get => "get",
            Method::Put => "put",
            Method::Post => "post",
            Method::Delete => "delete",
            Method::Options => "options",
            Method::Head => "head",
            Method::Patch => "patch",
            Method::Trace => "trace",
            Method::Query => "query",
        }
    }

    /// GET, HEAD, OPTIONS and QUERY: the methods a read-only environment may send.
    pub fn is_safe(self) -> bool {
        matches!(
            self,
            Method::Get | Method::Head | Method::Options | Method::Query
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown HTTP method `{s}`"))
    }
}

/// Where a parameter goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
    /// `querystring` (OpenAPI 3.2): the whole query string as one value, described by `content`.
    #[serde(rename = "querystring")]
    QueryString,
}

impl ParamLocation {
    /// The `in` value: `path`, `query`, `header`, `cookie`, `querystring`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "query",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
            ParamLocation::QueryString => "querystring",
        }
    }
}

impl fmt::Display for ParamLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parameter serialization styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub enum ParamStyle {
    Matrix,
    Label,
    Form,
    Simple,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
    /// OpenAPI 3.2's `cookie` style: `form`'s pairs joined as RFC 6265 writes them (`n1=v1;
    /// n2=v2`), values not percent-encoded.
    Cookie,
}

impl ParamStyle {
    /// The default style for a location (`simple` for path and header, `form` for query and cookie).
    pub fn default_for(location: ParamLocation) -> Self {
        match location {
            ParamLocation::Path | ParamLocation::Header => ParamStyle::Simple,
            ParamLocation::Query | ParamLocation::Cookie | ParamLocation::QueryString => {
                ParamStyle::Form
            }
        }
    }

    /// The name as written in the spec: `deepObject`.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamStyle::Matrix => "matrix",
            ParamStyle::Label => "label",
            ParamStyle::Form => "form",
            ParamStyle::Simple => "simple",
            ParamStyle::SpaceDelimited => "spaceDelimited",
            ParamStyle::PipeDelimited => "pipeDelimited",
            ParamStyle::DeepObject => "deepObject",
            ParamStyle::Cookie => "cookie",
        }
    }
}

/// A parameter of an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// `name`.
    pub name: String,
    /// `in`.
    #[serde(rename = "in")]
    pub location: ParamLocation,
    /// `required` (always true for path parameters).
    #[serde(default)]
    pub required: bool,
    /// `deprecated`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// `style`, defaulted by location.
    pub style: ParamStyle,
    /// `explode`, defaulted by style (true for `form` and `cookie`).
    pub explode: bool,
    /// `allowReserved`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_reserved: bool,
    /// The schema (request direction: `readOnly` properties removed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// When the parameter uses `content` instead of `schema`: its single media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<(String, MediaType)>,
    /// `example`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// `examples`, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub examples: IndexMap<String, Example>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the parameter is defined (after following `$ref`).
    pub defined_at: Location,
}

/// A request body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestBody {
    /// `required`.
    #[serde(default)]
    pub required: bool,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Media types in document order (request direction schemas).
    pub content: IndexMap<String, MediaType>,
}

/// A media type entry of a request body, response or parameter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaType {
    /// The schema, when documented.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// `itemSchema` (OpenAPI 3.2): the schema of each item of a sequential media type
    /// (`application/jsonl`, `application/json-seq`, `text/event-stream`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_schema: Option<Value>,
    /// `example`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<Value>,
    /// `examples`, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub examples: IndexMap<String, Example>,
    /// `encoding` (for form and multipart bodies), by property name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub encoding: IndexMap<String, Encoding>,
}

/// An `encoding` entry of a form or multipart body property.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Encoding {
    /// `contentType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `style`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ParamStyle>,
    /// `explode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explode: Option<bool>,
}

/// An Example Object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Example {
    /// `summary`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// `externalValue` (not fetched).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_value: Option<String>,
}

/// Which statuses a response entry covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusSpec {
    /// One code, e.g. `200`.
    Exact(u16),
    /// A range, e.g. `2XX` is `Range(2)`.
    Range(u8),
    /// `default`: any status not otherwise documented.
    Default,
}

impl StatusSpec {
    /// Parses a response key: `200`, `2XX` (any case), `default`.
    pub fn parse(key: &str) -> Option<StatusSpec> {
        if key == "default" {
            return Some(StatusSpec::Default);
        }
        let b = key.as_bytes();
        if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) {
            if b[1].eq_ignore_ascii_case(&b'x') && b[2].eq_ignore_ascii_case(&b'x') {
                return Some(StatusSpec::Range(b[0] - b'0'));
            }
            if b[1].is_ascii_digit() && b[2].is_ascii_digit() {
                return key.parse().ok().map(StatusSpec::Exact);
            }
        }
        None
    }

    /// Whether this entry covers `status` (for `Default`: always true; callers decide precedence).
    pub fn matches(self, status: u16) -> bool {
        match self {
            StatusSpec::Exact(code) => code == status,
            StatusSpec::Range(class) => status / 100 == u16::from(class),
            StatusSpec::Default => true,
        }
    }

    /// Exact 2xx codes and the `2XX` range.
    pub fn is_success(self) -> bool {
        match self {
            StatusSpec::Exact(code) => (200..300).contains(&code),
            StatusSpec::Range(class) => class == 2,
            StatusSpec::Default => false,
        }
    }
}

impl fmt::Display for StatusSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusSpec::Exact(code) => write!(f, "{code}"),
            StatusSpec::Range(class) => write!(f, "{class}XX"),
            StatusSpec::Default => f.write_str("default"),
        }
    }
}

/// A documented response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Which statuses it covers.
    pub status: StatusSpec,
    /// `description`.
    #[serde(default)]
    pub description: String,
    /// Documented headers (response direction), by name as written.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub headers: IndexMap<String, Header>,
    /// Media types in document order (response direction schemas: `writeOnly` removed).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub content: IndexMap<String, MediaType>,
    /// `links`, by name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub links: IndexMap<String, Link>,
    /// Where the response is defined (after following `$ref`).
    pub location: Location,
}

/// A response header.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// `required`.
    #[serde(default)]
    pub required: bool,
    /// `deprecated`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deprecated: bool,
    /// `schema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Value>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A Link Object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// `operationId` of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// `operationRef` of the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_ref: Option<String>,
    /// `parameters`: runtime expressions or constants, by parameter name.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, Value>,
    /// `requestBody`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<Value>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Not written in the spec: inferred by contractgate from names (a create operation's `id`
    /// feeding `{id}` of the path below it; see [`crate::infer`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inferred: bool,
}

/// One security requirement: every scheme named must be satisfied (with the listed scopes).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SecurityRequirement {
    /// Scheme name → required scopes.
    pub schemes: IndexMap<String, Vec<String>>,
}

impl SecurityRequirement {
    /// An empty requirement (`{}`) means "anonymous access allowed".
    pub fn is_anonymous(&self) -> bool {
        self.schemes.is_empty()
    }
}

/// A security scheme from `components.securitySchemes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SecurityScheme {
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// The header, query or cookie name.
        name: String,
        /// Where the key goes.
        #[serde(rename = "in")]
        location: ApiKeyLocation,
    },
    /// HTTP authentication (`bearer`, `basic`, ...).
    Http {
        /// The scheme, lower-cased: `bearer`, `basic`.
        scheme: String,
        /// `bearerFormat`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bearer_format: Option<String>,
    },
    /// OAuth 2 (tokens are sent as bearer tokens).
    #[serde(rename = "oauth2")]
    OAuth2 {
        /// The flows as written.
        flows: Value,
    },
    /// OpenID Connect (tokens are sent as bearer tokens).
    OpenIdConnect {
        /// `openIdConnectUrl`.
        url: String,
    },
    /// Mutual TLS (3.1).
    MutualTls,
}

/// Where an API key goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(missing_docs)]
pub enum ApiKeyLocation {
    Header,
    Query,
    Cookie,
}

/// A webhook of a 3.1 document (listed, never sent).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    /// The webhook's key under `webhooks`.
    pub name: String,
    /// The method of the operation.
    pub method: Method,
    /// `operationId`, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_id: Option<String>,
    /// Where it is defined.
    pub location: Location,
}

impl Api {
    /// The IR as JSON (what codegen embeds).
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string and no custom
        // serializer returns an error.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads the IR back from [`Api::to_json`] output.
    pub fn from_json(json: &str) -> Result<Api, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// `op` with every schema self-contained ([`SchemaRegistry::bundle`]): parameters and the
    /// request body in their request form, responses and their headers in their response form.
    pub fn bundle_operation(&self, op: &Operation) -> Operation {
        let mut op = op.clone();
        if self.schemas.is_empty() {
            return op;
        }
        let reg = &self.schemas;
        let media = |m: &mut MediaType, d: Direction| {
            for s in [&mut m.schema, &mut m.item_schema].into_iter().flatten() {
                *s = reg.bundle(s, d);
            }
        };
        for p in &mut op.parameters {
            if let Some(s) = &mut p.schema {
                *s = reg.bundle(s, Direction::Request);
            }
            if let Some((_, m)) = &mut p.content {
                media(m, Direction::Request);
            }
        }
        if let Some(body) = &mut op.request_body {
            for m in body.content.values_mut() {
                media(m, Direction::Request);
            }
        }
        for r in &mut op.responses {
            for h in r.headers.values_mut() {
                if let Some(s) = &mut h.schema {
                    *s = reg.bundle(s, Direction::Response);
                }
            }
            for m in r.content.values_mut() {
                media(m, Direction::Response);
            }
        }
        op
    }

    /// The API with every schema self-contained, as older IR had it: what a consumer that walks
    /// schemas alone needs. On a spec whose components reference each other in cycles this is
    /// many times larger than `self`; prefer [`Api::bundle_operation`] one operation at a time.
    pub fn bundled(&self) -> Api {
        Api {
            source: self.source.clone(),
            openapi_version: self.openapi_version.clone(),
            json_schema_dialect: self.json_schema_dialect.clone(),
            info: self.info.clone(),
            servers: self.servers.clone(),
            operations: self
                .operations
                .iter()
                .map(|o| self.bundle_operation(o))
                .collect(),
            security_schemes: self.security_schemes.clone(),
            webhooks: self.webhooks.clone(),
            files: self.files.clone(),
            schemas: self.schemas.clone(),
        }
    }

    /// Looks an operation up by its [`Operation::id`].
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }

    /// Path templates in document order, each with the operations documented on it.
    pub fn paths(&self) -> IndexMap<&str, Vec<&Operation>> {
        let mut paths: IndexMap<&str, Vec<&Operation>> = IndexMap::new();
        for op in &self.operations {
            paths.entry(op.path.as_str()).or_default().push(op);
        }
        paths
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_spec_parses_exact_ranges_and_default() {
        assert_eq!(StatusSpec::parse("200"), Some(StatusSpec::Exact(200)));
        assert_eq!(StatusSpec::parse("2XX"), Some(StatusSpec::Range(2)));
        assert_eq!(StatusSpec::parse("5xx"), Some(StatusSpec::Range(5)));
        assert_eq!(StatusSpec::parse("default"), Some(StatusSpec::Default));
        assert_eq!(StatusSpec::parse("600"), None);
        assert_eq!(StatusSpec::parse("20"), None);
        assert_eq!(StatusSpec::parse("2X0"), None);
        assert!(StatusSpec::Range(2).matches(204));
        assert!(!StatusSpec::Range(2).matches(301));
        assert!(StatusSpec::Exact(201).is_success());
        assert!(!StatusSpec::Default.is_success());
        assert_eq!(StatusSpec::Range(4).to_string(), "4XX");
    }

    #[test]
    fn method_round_trips_through_its_name() {
        for m in Method::ALL {
            assert_eq!(m.as_str().parse::<Method>(), Ok(m));
            assert_eq!(m.key().parse::<Method>(), Ok(m));
        }
        assert!("FETCH".parse::<Method>().is_err());
    }
}

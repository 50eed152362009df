//! Walks a raw OpenAPI 3.0 or 3.1 document and builds the IR.
//!
//! The raw `serde_json::Value` is the source of truth: every object is read from it (after
//! following `$ref`), so no keyword is lost on the way. OpenAPI 3.0 documents are also deserialized
//! into `openapiv3::OpenAPI` as a structural check (see [`crate::load`]); 3.1 documents are read
//! directly, since `openapiv3` cannot model them.

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;

use crate::diag::Location;
use crate::ir::*;
use crate::media::is_json;
use crate::resolve::{Files, Place};
use crate::schema::Direction;

/// Builds the IR from the root document (file 0).
pub(crate) struct Builder<'f, 's> {
    pub files: &'f mut Files<'s>,
    pub root: Place,
    /// Unsupported-feature notes gathered while converting the current operation's schemas.
    notes: Vec<(Place, String)>,
    /// The document is OpenAPI 3.2 (`query` operations, `additionalOperations`, ...).
    v32: bool,
}

fn as_str(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

fn as_bool(v: Option<&Value>) -> Option<bool> {
    v.and_then(Value::as_bool)
}

/// `openapi: 3.0` and `version: 1.0` written unquoted in YAML arrive as numbers.
pub(crate) fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<'f, 's> Builder<'f, 's> {
    pub fn new(files: &'f mut Files<'s>, root: Place) -> Self {
        Builder {
            files,
            root,
            notes: Vec::new(),
            v32: false,
        }
    }

    /// The mapping at `place`; `None` when absent, and an error when present but not a mapping
    /// (the part is then left out of the IR, and the spec does not load).
    fn obj(&mut self, place: &Place) -> Option<Map<String, Value>> {
        match self.files.get(place) {
            Some(Value::Object(map)) => Some(map.clone()),
            None => None,
            Some(other) => {
                let found = kind(other);
                self.files.error(
                    "wrong-type",
                    place,
                    format!("expected a mapping here, found {found}"),
                );
                None
            }
        }
    }

    /// The keys of the mapping at `place`, without copying its values (an error when present but
    /// not a mapping, as [`Self::obj`]).
    fn keys(&mut self, place: &Place) -> Option<Vec<String>> {
        if let Some(Value::Object(map)) = self.files.get(place) {
            return Some(map.keys().cloned().collect());
        }
        self.obj(place).map(|m| m.keys().cloned().collect())
    }

    /// The entries of the mapping at `place`, each followed through `$ref` to the mapping it
    /// names: (key, where that mapping is, the mapping). Entries whose reference fails or that
    /// are not mappings are reported and left out.
    fn entries(&mut self, place: &Place) -> Vec<(String, Place, Map<String, Value>)> {
        let Some(names) = self.keys(place) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for name in &names {
            let Some(target) = self.files.follow(&place.child(name)) else {
                continue;
            };
            let Some(obj) = self.obj(&target) else {
                continue;
            };
            out.push((name.clone(), target, obj));
        }
        out
    }

    /// The list at `place`; `None` when absent, and an error when present but not a list.
    fn arr(&mut self, place: &Place) -> Option<Vec<Value>> {
        match self.files.get(place) {
            Some(Value::Array(items)) => Some(items.clone()),
            None => None,
            Some(other) => {
                let found = kind(other);
                self.files.error(
                    "wrong-type",
                    place,
                    format!("expected a list here, found {found}"),
                );
                None
            }
        }
    }

    fn loc(&self, place: &Place) -> Location {
        self.files.locate(place)
    }

    pub fn build(&mut self, source: &str, openapi_version: String) -> Api {
        self.v32 = openapi_version == "3.2" || openapi_version.starts_with("3.2.");
        let root = self.root.clone();
        // The root's fields are read where needed: the document is not copied.
        let info_place = root.child("info");
        let info = self.obj(&info_place).unwrap_or_default();
        let info = Info {
            title: as_str(info.get("title")).unwrap_or_default(),
            version: info
                .get("version")
                .and_then(scalar_to_string)
                .unwrap_or_default(),
            summary: as_str(info.get("summary")),
            description: as_str(info.get("description")),
        };
        let servers = self.servers(&root.child("servers"));
        let security_schemes = self.security_schemes();
        let global_security = if self.files.get(&root.child("security")).is_some() {
            Some(self.security(&root.child("security"), &security_schemes))
        } else {
            None
        };

        let mut operations = Vec::new();
        let paths_place = root.child("paths");
        if let Some(paths) = self.keys(&paths_place) {
            for path in &paths {
                if path.starts_with("x-") {
                    continue;
                }
                let item_place = paths_place.child(path);
                let ops = self.path_item(
                    path,
                    &item_place,
                    &servers,
                    global_security.as_deref(),
                    &security_schemes,
                );
                operations.extend(ops);
            }
        }
        assign_ids(self.files, &mut operations);
        // Which create operations (POST) link to which operations from a 2xx response.
        let mut created: Vec<(String, String)> = Vec::new();
        for source in operations.iter().filter(|o| o.method == Method::Post) {
            for r in source.responses.iter().filter(|r| r.status.is_success()) {
                for link in r.links.values() {
                    if let Some(target) = &link.operation_id {
                        created.push((target.clone(), source.id.clone()));
                    }
                }
            }
        }
        for (target, source) in created {
            if let Some(op) = operations
                .iter_mut()
                .find(|o| o.operation_id.as_deref() == Some(target.as_str()))
                && !op.created_by.contains(&source)
            {
                op.created_by.push(source);
            }
        }
        // 3.2: tags nest through `parent`; an operation belongs to its tags' ancestors too.
        let parents: Vec<(String, String)> = self
            .files
            .get(&root.child("tags"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| Some((as_str(t.get("name"))?, as_str(t.get("parent"))?)))
            .collect();
        if !parents.is_empty() {
            for op in &mut operations {
                let mut ancestors: Vec<String> = Vec::new();
                let mut frontier = op.tags.clone();
                // Bounded: a cycle of parents ends when no new name is found.
                while let Some(tag) = frontier.pop() {
                    for (_, parent) in parents.iter().filter(|(n, _)| *n == tag) {
                        if !op.tags.contains(parent) && !ancestors.contains(parent) {
                            ancestors.push(parent.clone());
                            frontier.push(parent.clone());
                        }
                    }
                }
                op.tag_ancestors = ancestors;
            }
        }

        let mut webhooks = Vec::new();
        let hooks_place = root.child("webhooks");
        if let Some(hooks) = self.keys(&hooks_place) {
            for name in &hooks {
                let Some(item) = self.files.follow(&hooks_place.child(name)) else {
                    continue;
                };
                let Some(map) = self.obj(&item) else { continue };
                for (key, op) in map.iter() {
                    if let Ok(method) = key.parse::<Method>() {
                        if method.key() != key {
                            continue;
                        }
                        webhooks.push(Webhook {
                            name: name.clone(),
                            method,
                            operation_id: as_str(op.get("operationId")),
                            location: self.loc(&item.child(key)),
                        });
                    }
                }
            }
        }

        let mut api = Api {
            source: source.to_owned(),
            openapi_version,
            json_schema_dialect: as_str(self.files.get(&root.child("jsonSchemaDialect"))),
            info,
            servers,
            operations,
            security_schemes,
            webhooks,
            files: self.files.file_names(),
            schemas: self.files.registry(),
        };
        crate::infer::infer_links(&mut api);
        crate::infer::pair_reads(&mut api);
        api
    }

    fn servers(&mut self, place: &Place) -> Vec<Server> {
        let Some(items) = self.arr(place) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let Some(url) = as_str(item.get("url")) else {
                self.files.error(
                    "invalid-server",
                    &place.child(&i.to_string()),
                    "server has no `url`",
                );
                continue;
            };
            let mut variables = IndexMap::new();
            if let Some(Value::Object(vars)) = item.get("variables") {
                for (name, var) in vars {
                    variables.insert(
                        name.clone(),
                        ServerVariable {
                            default: var
                                .get("default")
                                .and_then(scalar_to_string)
                                .unwrap_or_default(),
                            enumeration: var
                                .get("enum")
                                .and_then(Value::as_array)
                                .map(|a| a.iter().filter_map(scalar_to_string).collect())
                                .unwrap_or_default(),
                            description: as_str(var.get("description")),
                        },
                    );
                }
            }
            out.push(Server {
                url,
                description: as_str(item.get("description")),
                variables,
            });
        }
        out
    }

    fn security_schemes(&mut self) -> IndexMap<String, SecurityScheme> {
        let place = self.root.child("components").child("securitySchemes");
        let mut out = IndexMap::new();
        for (name, target, s) in self.entries(&place) {
            let kind = as_str(s.get("type")).unwrap_or_default();
            let scheme = match kind.as_str() {
                "apiKey" => {
                    let location = match s.get("in").and_then(Value::as_str) {
                        Some("header") => ApiKeyLocation::Header,
                        Some("query") => ApiKeyLocation::Query,
                        Some("cookie") => ApiKeyLocation::Cookie,
                        other => {
                            self.files.error(
                                "invalid-security-scheme",
                                &target.child("in"),
                                format!(
                                    "apiKey scheme '{name}' has `in: {}`; expected header, query or cookie",
                                    other.unwrap_or("(missing)")
                                ),
                            );
                            continue;
                        }
                    };
                    SecurityScheme::ApiKey {
                        name: as_str(s.get("name")).unwrap_or_default(),
                        location,
                    }
                }
                "http" => SecurityScheme::Http {
                    scheme: as_str(s.get("scheme"))
                        .unwrap_or_default()
                        .to_ascii_lowercase(),
                    bearer_format: as_str(s.get("bearerFormat")),
                },
                "oauth2" => SecurityScheme::OAuth2 {
                    flows: s.get("flows").cloned().unwrap_or(Value::Null),
                },
                "openIdConnect" => SecurityScheme::OpenIdConnect {
                    url: as_str(s.get("openIdConnectUrl")).unwrap_or_default(),
                },
                "mutualTLS" => SecurityScheme::MutualTls,
                other => {
                    self.files.error(
                        "invalid-security-scheme",
                        &target.child("type"),
                        format!("security scheme '{name}' has unknown type '{other}'"),
                    );
                    continue;
                }
            };
            out.insert(name.clone(), scheme);
        }
        out
    }

    fn security(
        &mut self,
        place: &Place,
        schemes: &IndexMap<String, SecurityScheme>,
    ) -> Vec<SecurityRequirement> {
        let Some(reqs) = self.arr(place) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, req) in reqs.iter().enumerate() {
            let Value::Object(map) = req else { continue };
            let mut requirement = SecurityRequirement::default();
            for (name, scopes) in map {
                if !schemes.contains_key(name) {
                    let at = place.child(&i.to_string()).child(name);
                    let loc = self.loc(&at);
                    let mut d = crate::diag::Diagnostic::error(
                        "unknown-security-scheme",
                        loc,
                        format!(
                            "security requirement names '{name}', which is not in components.securitySchemes"
                        ),
                    );
                    if let Some(best) = schemes
                        .keys()
                        .map(|k| (strsim::jaro_winkler(k, name), k))
                        .filter(|(s, _)| *s > 0.8)
                        .max_by(|a, b| a.0.total_cmp(&b.0))
                    {
                        d = d.with_help(format!("did you mean '{}'?", best.1));
                    }
                    self.files.diags.push(d);
                }
                let scopes = scopes
                    .as_array()
                    .map(|a| a.iter().filter_map(scalar_to_string).collect())
                    .unwrap_or_default();
                requirement.schemes.insert(name.clone(), scopes);
            }
            out.push(requirement);
        }
        out
    }

    fn path_item(
        &mut self,
        path: &str,
        place: &Place,
        root_servers: &[Server],
        global_security: Option<&[SecurityRequirement]>,
        schemes: &IndexMap<String, SecurityScheme>,
    ) -> Vec<Operation> {
        let Some(item_place) = self.files.follow(place) else {
            return Vec::new();
        };
        let Some(item) = self.obj(&item_place) else {
            return Vec::new();
        };
        let path_servers = self.servers(&item_place.child("servers"));
        let path_params = self.parameters(&item_place.child("parameters"));
        let mut ops = Vec::new();
        let mut entries: Vec<(Method, Place)> = Vec::new();
        for (key, _) in item.iter() {
            let Ok(method) = key.parse::<Method>() else {
                continue;
            };
            if method.key() != key {
                continue; // `GET:` is not a method key; the meta-schema reports it
            }
            // `query:` is an operation in 3.2 only; before, the meta-schema reports the key.
            if method == Method::Query && !self.v32 {
                continue;
            }
            entries.push((method, item_place.child(key)));
        }
        // 3.2: operations with other methods, by name (`PURGE`), tested like the others. A fixed
        // method written here belongs in its own field: said, and not tested twice.
        if self.v32 {
            let extra_place = item_place.child("additionalOperations");
            for name in self.keys(&extra_place).unwrap_or_default() {
                let method = Method::other(&name);
                if !matches!(method, Method::Other(_)) {
                    self.files.warning(
                        "spec-violation",
                        &extra_place.child(&name),
                        format!(
                            "{path}: additionalOperations.{name}: {method} has its own field (`{}:`) in a Path Item; not tested from here",
                            method.key()
                        ),
                    );
                    continue;
                }
                entries.push((method, extra_place.child(&name)));
            }
        }
        for (method, op_place) in entries {
            let Some(op) = self.obj(&op_place) else {
                continue;
            };
            self.notes.clear();
            let mut parameters = path_params.clone();
            for p in self.parameters(&op_place.child("parameters")) {
                match parameters
                    .iter_mut()
                    .find(|q| q.name == p.name && q.location == p.location)
                {
                    Some(existing) => *existing = p,
                    None => parameters.push(p),
                }
            }
            let request_body = if op.contains_key("requestBody") {
                self.request_body(&op_place.child("requestBody"))
            } else {
                None
            };
            let responses = self.responses(&op_place.child("responses"));
            let security = if op.contains_key("security") {
                self.security(&op_place.child("security"), schemes)
            } else {
                global_security.map(<[_]>::to_vec).unwrap_or_default()
            };
            let mut servers = self.servers(&op_place.child("servers"));
            if servers.is_empty() {
                servers = if path_servers.is_empty() {
                    root_servers.to_vec()
                } else {
                    path_servers.clone()
                };
            }
            if servers.as_slice() == root_servers {
                servers = Vec::new(); // the root's servers are in `Api::servers`
            }
            let mut unsupported = Vec::new();
            let mut spec_defects = Vec::new();
            for name in crate::path::PathTemplate::parse(path).params() {
                if !parameters
                    .iter()
                    .any(|p| p.location == ParamLocation::Path && p.name == name)
                {
                    spec_defects.push(Unsupported {
                        feature: format!(
                            "the path uses {{{name}}} but declares no path parameter '{name}', so there is no value to send"
                        ),
                        location: self.loc(&op_place),
                    });
                }
            }
            for p in &parameters {
                // A whole query string (3.2) in form content is written as its pairs.
                let form_query = p.location == ParamLocation::QueryString
                    && crate::media::essence(media_of(p)) == "application/x-www-form-urlencoded";
                if let Some((media, _)) = &p.content
                    && !is_json(media)
                    && !form_query
                {
                    unsupported.push(Unsupported {
                            feature: format!(
                                "parameter '{}' is described with `content: {media}` (only JSON content parameters can be serialized)",
                                p.name
                            ),
                            location: p.defined_at.clone(),
                        });
                }
            }
            // What a Swagger 2.0 document says that OpenAPI 3 cannot (`collectionFormat: tsv`),
            // on a parameter or on the operation's request body.
            let op_location = self.loc(&op_place);
            for at in parameters
                .iter()
                .map(|p| &p.defined_at)
                .chain(std::iter::once(&op_location))
            {
                for (feature, location) in self.files.conversion_unsupported(at) {
                    unsupported.push(Unsupported { feature, location });
                }
            }
            for (place, message) in std::mem::take(&mut self.notes) {
                let location = self.loc(&place);
                unsupported.push(Unsupported {
                    feature: message,
                    location,
                });
            }
            ops.push(Operation {
                id: String::new(),
                operation_id: as_str(op.get("operationId")),
                method,
                path: path.to_owned(),
                summary: as_str(op.get("summary")).or_else(|| as_str(item.get("summary"))),
                description: as_str(op.get("description")),
                tags: op
                    .get("tags")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(scalar_to_string).collect())
                    .unwrap_or_default(),
                tag_ancestors: Vec::new(),
                deprecated: as_bool(op.get("deprecated")).unwrap_or(false),
                servers,
                parameters,
                request_body,
                responses,
                security,
                location: self.loc(&op_place),
                unsupported,
                spec_defects,
                created_by: Vec::new(),
                read_back_by: None,
                spec_violations: Vec::new(),
            });
        }
        ops
    }

    /// The bundled schema at `place`. Unsupported keywords make the current operation untestable
    /// (they are listed on it); other converter notes become warnings.
    fn schema(&mut self, place: &Place, direction: Direction) -> Value {
        let (schema, notes) = self.files.schema(place, direction);
        for note in notes {
            if note.code == crate::schema::NOTE_UNSUPPORTED {
                self.notes.push((note.place, note.message));
            } else {
                self.files.warning(note.code, &note.place, note.message);
            }
        }
        schema
    }

    fn parameters(&mut self, place: &Place) -> Vec<Parameter> {
        let Some(items) = self.arr(place) else {
            return Vec::new();
        };
        let mut out: Vec<Parameter> = Vec::new();
        for i in 0..items.len() {
            let Some(target) = self.files.follow(&place.child(&i.to_string())) else {
                continue;
            };
            let Some(p) = self.obj(&target) else { continue };
            let name = as_str(p.get("name")).unwrap_or_default();
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("cookie") => ParamLocation::Cookie,
                // 3.2: the whole query string as one value (its `content` says how it is written).
                Some("querystring") if self.v32 => ParamLocation::QueryString,
                other => {
                    self.files.error(
                        "invalid-parameter",
                        &target.child("in"),
                        format!(
                            "parameter '{name}' has `in: {}`; expected path, query, header or cookie",
                            other.unwrap_or("(missing)")
                        ),
                    );
                    continue;
                }
            };
            let style = match p.get("style").and_then(Value::as_str) {
                None => ParamStyle::default_for(location),
                Some(s) => match parse_style(s, self.v32) {
                    Some(style) => style,
                    None => {
                        self.files.error(
                            "invalid-parameter",
                            &target.child("style"),
                            format!("parameter '{name}' has unknown style '{s}'"),
                        );
                        continue;
                    }
                },
            };
            let explode = as_bool(p.get("explode"))
                .unwrap_or(matches!(style, ParamStyle::Form | ParamStyle::Cookie));
            let mut required = as_bool(p.get("required")).unwrap_or(false);
            if location == ParamLocation::Path && !required {
                self.files.warning(
                    "path-parameter-not-required",
                    &target,
                    format!(
                        "path parameter '{name}' must be `required: true`; treated as required"
                    ),
                );
                required = true;
            }
            let schema = p
                .contains_key("schema")
                .then(|| self.schema(&target.child("schema"), Direction::Request));
            let content = self.content(&target.child("content"), Direction::Request);
            let content = content.into_iter().next();
            let examples = self.examples(&target.child("examples"));
            let param = Parameter {
                name,
                location,
                required,
                deprecated: as_bool(p.get("deprecated")).unwrap_or(false),
                style,
                explode,
                allow_reserved: as_bool(p.get("allowReserved")).unwrap_or(false),
                schema,
                content,
                example: p.get("example").cloned(),
                examples,
                description: as_str(p.get("description")),
                defined_at: self.loc(&target),
            };
            if let Some(dup) = out
                .iter()
                .find(|q| q.name == param.name && q.location == param.location)
            {
                let first = dup.defined_at.clone();
                let loc = param.defined_at.clone();
                self.files.diags.push(
                    crate::diag::Diagnostic::error(
                        "duplicate-parameter",
                        loc,
                        format!(
                            "parameter '{}' in {} is listed twice",
                            param.name, param.location
                        ),
                    )
                    .with_related("first listed here", first),
                );
                continue;
            }
            out.push(param);
        }
        out
    }

    fn examples(&mut self, place: &Place) -> IndexMap<String, Example> {
        let mut out = IndexMap::new();
        for (name, _, e) in self.entries(place) {
            out.insert(
                name,
                Example {
                    summary: as_str(e.get("summary")),
                    // 3.2: `dataValue` is the value as data (what `value` is before 3.2);
                    // `serializedValue` is its wire form, which the data is serialized to anyway.
                    // An example with only the wire form gives its data: JSON text parsed, any
                    // other text as a string (a candidate that breaks its schema is not used).
                    value: e
                        .get("value")
                        .or_else(|| e.get("dataValue").filter(|_| self.v32))
                        .cloned()
                        .or_else(|| {
                            e.get("serializedValue")
                                .filter(|_| self.v32)
                                .and_then(Value::as_str)
                                .map(data_of_serialized)
                        }),
                    external_value: as_str(e.get("externalValue")),
                },
            );
        }
        out
    }

    fn content(&mut self, place: &Place, direction: Direction) -> IndexMap<String, MediaType> {
        let mut out = IndexMap::new();
        let Some(media_types) = self.keys(place) else {
            return out;
        };
        for media in &media_types {
            let mt_place = place.child(media);
            let Some(target) = self.files.follow(&mt_place) else {
                continue;
            };
            let Some(mt) = self.obj(&target) else {
                continue;
            };
            let schema = mt
                .contains_key("schema")
                .then(|| self.schema(&target.child("schema"), direction));
            // 3.2: each item of a sequential media type (JSON Lines, json-seq, SSE, ...).
            let item_schema = (self.v32 && mt.contains_key("itemSchema"))
                .then(|| self.schema(&target.child("itemSchema"), direction));
            let examples = self.examples(&target.child("examples"));
            let mut encoding = IndexMap::new();
            if let Some(Value::Object(enc)) = mt.get("encoding") {
                for (prop, e) in enc {
                    encoding.insert(
                        prop.clone(),
                        Encoding {
                            content_type: as_str(e.get("contentType")),
                            style: e
                                .get("style")
                                .and_then(Value::as_str)
                                .and_then(|s| parse_style(s, false)),
                            explode: as_bool(e.get("explode")),
                        },
                    );
                }
            }
            out.insert(
                media.clone(),
                MediaType {
                    schema,
                    item_schema,
                    example: mt.get("example").cloned(),
                    examples,
                    encoding,
                },
            );
        }
        out
    }

    fn request_body(&mut self, place: &Place) -> Option<RequestBody> {
        let target = self.files.follow(place)?;
        let body = self.obj(&target)?;
        Some(RequestBody {
            required: as_bool(body.get("required")).unwrap_or(false),
            description: as_str(body.get("description")),
            content: self.content(&target.child("content"), Direction::Request),
        })
    }

    fn responses(&mut self, place: &Place) -> Vec<Response> {
        let mut out = Vec::new();
        let Some(keys) = self.keys(place) else {
            return out;
        };
        for key in &keys {
            if key.starts_with("x-") {
                continue;
            }
            let Some(status) = StatusSpec::parse(key) else {
                self.files.error(
                    "invalid-status",
                    &place.child(key),
                    format!("response key '{key}' is not a status code (100-599), a range like 2XX, or `default`"),
                );
                continue;
            };
            let Some(target) = self.files.follow(&place.child(key)) else {
                continue;
            };
            let Some(r) = self.obj(&target) else { continue };
            let mut headers = IndexMap::new();
            for (name, h_place, h) in self.entries(&target.child("headers")) {
                let schema = if h.contains_key("schema") {
                    Some(self.schema(&h_place.child("schema"), Direction::Response))
                } else {
                    // A header described with `content` carries its schema there.
                    self.content(&h_place.child("content"), Direction::Response)
                        .into_iter()
                        .next()
                        .and_then(|(_, mt)| mt.schema)
                };
                headers.insert(
                    name,
                    Header {
                        required: as_bool(h.get("required")).unwrap_or(false),
                        deprecated: as_bool(h.get("deprecated")).unwrap_or(false),
                        schema,
                        description: as_str(h.get("description")),
                    },
                );
            }
            let mut links = IndexMap::new();
            for (name, _, l) in self.entries(&target.child("links")) {
                links.insert(
                    name,
                    Link {
                        operation_id: as_str(l.get("operationId")),
                        operation_ref: as_str(l.get("operationRef")),
                        parameters: l
                            .get("parameters")
                            .and_then(Value::as_object)
                            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                            .unwrap_or_default(),
                        request_body: l.get("requestBody").cloned(),
                        description: as_str(l.get("description")),
                        inferred: false,
                    },
                );
            }
            out.push(Response {
                status,
                description: as_str(r.get("description")).unwrap_or_default(),
                headers,
                content: self.content(&target.child("content"), Direction::Response),
                links,
                location: self.loc(&target),
            });
        }
        out
    }
}

/// "a number", "a string", ... for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// A style by name; `cookie` from OpenAPI 3.2 on (`v32`).
fn parse_style(s: &str, v32: bool) -> Option<ParamStyle> {
    Some(match s {
        "cookie" if v32 => ParamStyle::Cookie,
        "matrix" => ParamStyle::Matrix,
        "label" => ParamStyle::Label,
        "form" => ParamStyle::Form,
        "simple" => ParamStyle::Simple,
        "spaceDelimited" => ParamStyle::SpaceDelimited,
        "pipeDelimited" => ParamStyle::PipeDelimited,
        "deepObject" => ParamStyle::DeepObject,
        _ => return None,
    })
}

/// The id derived from method and path: `GET /user/profile` → `get_user_profile`,
/// `GET /users/{id}` → `get_users_id`, `GET /` → `get_root`.
pub fn derive_id(method: Method, path: &str) -> String {
    let mut out = String::from(method.key());
    let mut pending_sep = true;
    let mut any = false;
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_sep {
                out.push('_');
                pending_sep = false;
            }
            out.push(c.to_ascii_lowercase());
            any = true;
        } else {
            pending_sep = true;
        }
    }
    if !any {
        out.push_str("_root");
    }
    out
}

/// Gives every operation its unique id: the operationId, or one derived from method and path.
/// Duplicates keep the first spelling; later ones get `_2`, `_3`, ... and a warning.
fn assign_ids(files: &mut Files<'_>, ops: &mut [Operation]) {
    let mut used: HashMap<String, Location> = HashMap::new();
    // Explicit operationIds claim their names first, so a derived id never steals one.
    let explicit: Vec<Option<String>> = ops.iter().map(|op| op.operation_id.clone()).collect();
    for (op, explicit) in ops.iter_mut().zip(&explicit) {
        let Some(id) = explicit else { continue };
        if let Some(first) = used.get(id) {
            let mut n = 2;
            while used.contains_key(&format!("{id}_{n}")) {
                n += 1;
            }
            let new_id = format!("{id}_{n}");
            files.diags.push(
                crate::diag::Diagnostic::warning(
                    "duplicate-operation-id",
                    op.location.clone(),
                    format!(
                        "operationId '{id}' is used by more than one operation; {} {} is called '{new_id}' here",
                        op.method, op.path
                    ),
                )
                .with_related("first used here", first.clone()),
            );
            op.id = new_id;
        } else {
            op.id = id.clone();
        }
        used.insert(op.id.clone(), op.location.clone());
    }
    for op in ops.iter_mut().filter(|op| op.id.is_empty()) {
        let base = derive_id(op.method, &op.path);
        let mut id = base.clone();
        let mut n = 2;
        while used.contains_key(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        used.insert(id.clone(), op.location.clone());
        op.id = id;
    }
}

/// The data of an example given only as `serializedValue` (3.2): a JSON object or array written
/// as text is parsed; anything else is the string itself.
fn data_of_serialized(text: &str) -> Value {
    let trimmed = text.trim_start();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(v) = serde_json::from_str(text)
    {
        return v;
    }
    Value::String(text.to_owned())
}

/// The media type of a parameter's `content` (empty without one).
fn media_of(p: &Parameter) -> &str {
    p.content.as_ref().map_or("", |(m, _)| m.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_ids_from_method_and_path() {
        assert_eq!(derive_id(Method::Get, "/user/profile"), "get_user_profile");
        assert_eq!(derive_id(Method::Delete, "/users/{id}"), "delete_users_id");
        assert_eq!(derive_id(Method::Get, "/"), "get_root");
        assert_eq!(
            derive_id(Method::Post, "/v1/Items.json"),
            "post_v1_items_json"
        );
    }
}

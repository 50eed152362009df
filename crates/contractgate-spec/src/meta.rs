//! Meta-schema check of a raw OpenAPI document.
//!
//! The document (as a `serde_json::Value`, before any typing) is validated against the official
//! OpenAPI meta-schema of its version, vendored in `meta-schemas/` (see the README there):
//!
//! - OAS 3.0: `https://spec.openapis.org/oas/3.0/schema/2021-09-28` (JSON Schema draft-04);
//! - OAS 3.1: `https://spec.openapis.org/oas/3.1/schema/2022-10-07` (JSON Schema 2020-12).
//!   This is the variant "without schema validation": Schema Objects are only checked to be an
//!   object or a boolean.
//! - Swagger 2.0: the official "JSON Schema for Swagger 2.0 API" (JSON Schema draft-04). A 2.0
//!   document is validated as written, before it is converted to OpenAPI 3.0, so the pointers
//!   are the user's (`/definitions/Pet`).
//!
//! Unlike serde errors (which, through openapiv3, only name the enclosing path item), every
//! [`MetaIssue`] carries a precise JSON pointer into the document, e.g.
//! `/paths/~1pets/get/parameters: 5 is not of type "array"`.
//!
//! The raw `jsonschema` errors are post-processed to be readable:
//! - for a failed `oneOf`/`anyOf` (e.g. "Response or Reference"), the errors of the alternative
//!   that fits best are reported instead of the generic "is not valid under any of the schemas"
//!   (see [`validate`] for the rule);
//! - "additional/unevaluated properties are not allowed" is reported once per unknown key, at
//!   the key's own pointer (`/paths2`, `/paths/pets`);
//! - values quoted in messages are cut to about 80 characters;
//! - issues are deduplicated and sorted in document order.
//!
//! Both meta-schemas are compiled once per process, offline: they only reference themselves and
//! the JSON Schema draft-04 / 2020-12 meta-schemas built into `jsonschema`.

use std::cmp::Reverse;
use std::collections::HashSet;
use std::fmt;
use std::io;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Draft, ValidationError, Validator};
use serde_json::Value;

use crate::pointer;

/// The OAS 3.0 meta-schema, version 2021-09-28 (JSON Schema draft-04).
const OAS_30_SCHEMA: &str = include_str!("../meta-schemas/oas-3.0-schema-2021-09-28.json");
/// The OAS 3.1 meta-schema, version 2022-10-07 (JSON Schema 2020-12).
const OAS_31_SCHEMA: &str = include_str!("../meta-schemas/oas-3.1-schema-2022-10-07.json");
/// The OAS 3.2 meta-schema, version 2025-11-23 (JSON Schema 2020-12).
const OAS_32_SCHEMA: &str = include_str!("../meta-schemas/oas-3.2-schema-2025-11-23.json");
/// The Swagger 2.0 schema (JSON Schema draft-04).
const SWAGGER_20_SCHEMA: &str = include_str!("../meta-schemas/swagger-2.0-schema.json");

/// Values quoted in messages are cut after this many bytes (at a character boundary).
const EXCERPT_LIMIT: usize = 80;
/// A merged `enum` message lists at most this many allowed values.
const MAX_LISTED_VALUES: usize = 8;

/// The OpenAPI minor version whose meta-schema to validate against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OasVersion {
    /// OpenAPI 3.0.x.
    V30,
    /// OpenAPI 3.1.x.
    V31,
    /// OpenAPI 3.2.x (a superset of 3.1: same IR, the differences named where they are read).
    V32,
    /// Swagger 2.0 (validated as written, before the conversion to OpenAPI 3.0).
    V20,
}

impl OasVersion {
    /// The version named by an `openapi` field value: `3.0.*` → [`OasVersion::V30`],
    /// `3.1.*` → [`OasVersion::V31`], `3.2.*` → [`OasVersion::V32`], anything else → `None`.
    pub fn from_openapi_field(openapi: &str) -> Option<Self> {
        let openapi = openapi.trim();
        if openapi == "3.0" || openapi.starts_with("3.0.") {
            Some(Self::V30)
        } else if openapi == "3.1" || openapi.starts_with("3.1.") {
            Some(Self::V31)
        } else if openapi == "3.2" || openapi.starts_with("3.2.") {
            Some(Self::V32)
        } else {
            None
        }
    }
}

impl fmt::Display for OasVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V30 => "3.0",
            Self::V31 => "3.1",
            Self::V32 => "3.2",
            Self::V20 => "2.0",
        })
    }
}

/// One violation of the OpenAPI meta-schema.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MetaIssue {
    /// JSON pointer (RFC 6901) into the validated document, e.g. `/paths/~1pets/get/parameters`.
    /// `""` is the document itself. For an unknown key, the pointer of that key
    /// (`/paths2`), which may not exist in a schema-less sense but does in the document.
    pub pointer: String,
    /// What is wrong, in jsonschema's wording with quoted values shortened, e.g.
    /// `5 is not of type "array"` or `"description" is a required property`.
    pub message: String,
}

impl fmt::Display for MetaIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "(document root): {}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

/// Validates a raw OpenAPI document against the official meta-schema of `version`.
///
/// Returns the issues sorted in document order (then by message), without duplicates; an
/// empty vector means the document is valid. Never panics. If the vendored meta-schema cannot be
/// compiled (a bug in this crate), a single issue at the root pointer says so.
///
/// **Normalize first.** The caller is expected to have turned `openapi` and `info.version` into
/// strings: an unquoted YAML `openapi: 3.0` or `version: 1.10` is a number in a `Value`
/// (CRATES.md pitfall 6). Nothing breaks if it was not done, but the document is then reported
/// as invalid (`/openapi: 3.0 is not of type "string"`).
///
/// How `oneOf`/`anyOf` failures are reported: the errors of each alternative are collected
/// (recursively reduced the same way) and the alternatives are ranked by, in order:
/// 1. not asking for a missing `$ref` (when the value has no `$ref`, "Reference" is the wrong
///    alternative);
/// 2. not rejecting the value's JSON type outright;
/// 3. not rejecting a direct property through `enum`/`const` (a discriminating field such as
///    `in` or `type` that does not match);
/// 4. the deepest error (the alternative that got furthest into the value);
/// 5. the fewest errors.
///
/// The errors of the best alternative are reported. When several alternatives tie and each has
/// a single error of the same kind at the same place, they are merged into one message
/// (`"body" is not one of "path", "query", "header" or "cookie"`,
/// `"yes" is not of type "object" or "boolean"`).
pub fn validate(version: OasVersion, document: &Value) -> Vec<MetaIssue> {
    let validator = match compiled(version) {
        Ok(validator) => validator,
        Err(message) => {
            return vec![MetaIssue {
                pointer: String::new(),
                message: message.clone(),
            }];
        }
    };
    let mut leaves = Vec::new();
    for error in validator.iter_errors(document) {
        collect(&error, &mut leaves);
    }
    let mut issues = finish(document, leaves);
    if version == OasVersion::V32 {
        issues.extend(xml_node_type_issues(document));
    }
    issues
}

/// The compiled meta-schema of `version`, built on first use.
fn compiled(version: OasVersion) -> &'static Result<Validator, String> {
    static OAS_30: OnceLock<Result<Validator, String>> = OnceLock::new();
    static OAS_31: OnceLock<Result<Validator, String>> = OnceLock::new();
    static OAS_32: OnceLock<Result<Validator, String>> = OnceLock::new();
    static SWAGGER_20: OnceLock<Result<Validator, String>> = OnceLock::new();
    match version {
        OasVersion::V30 => {
            OAS_30.get_or_init(|| compile(version, OAS_30_SCHEMA, Draft::Draft4, |_| {}))
        }
        OasVersion::V31 => OAS_31
            .get_or_init(|| compile(version, OAS_31_SCHEMA, Draft::Draft202012, fix_31_schema)),
        OasVersion::V32 => OAS_32
            .get_or_init(|| compile(version, OAS_32_SCHEMA, Draft::Draft202012, fix_32_schema)),
        OasVersion::V20 => {
            SWAGGER_20.get_or_init(|| compile(version, SWAGGER_20_SCHEMA, Draft::Draft4, |_| {}))
        }
    }
}

/// Three errors of the 3.1 meta-schema (2022-10-07) that the OpenAPI Initiative's own test suite
/// exposes, fixed as its 3.2 meta-schema fixes them (the vendored file stays byte for byte):
/// - a Link Object's `server` field (the 3.1 specification defines it) was written `body`;
/// - a Server Object's `url` had `format: uri-reference`, which a templated URL
///   (`https://{username}.example.com:{port}/{basePath}`) is not;
/// - `example` and `examples` together were not refused (the specification says they are
///   mutually exclusive).
fn fix_31_schema(schema: &mut Value) {
    if let Some(props) = schema.pointer_mut("/$defs/link/properties")
        && let Some(obj) = props.as_object_mut()
        && obj.remove("body").is_some()
    {
        obj.insert(
            "server".into(),
            serde_json::json!({"$ref": "#/$defs/server"}),
        );
    }
    if let Some(Value::Object(url)) = schema.pointer_mut("/$defs/server/properties/url") {
        url.remove("format");
    }
    if let Some(Value::Object(examples)) = schema.pointer_mut("/$defs/examples") {
        examples.insert(
            "not".into(),
            serde_json::json!({"required": ["example", "examples"]}),
        );
    }
}

/// Rules the OpenAPI Initiative added to its 3.2 meta-schema after the vendored 2025-11-23
/// release (its `v3.2-dev` branch, and the test documents there that expect them): a header's
/// name, as a header parameter's `name` or a key of a Response's or Encoding's `headers`, is an
/// RFC 9110 token.
fn fix_32_schema(schema: &mut Value) {
    if let Some(Value::Object(defs)) = schema.get_mut("$defs") {
        defs.insert(
            "token".into(),
            serde_json::json!({
                "$comment": "RFC 9110 §5.6.2",
                "type": "string",
                "pattern": "^[0-9A-Za-z!#$%&'*+.^_`|~-]+$"
            }),
        );
    }
    if let Some(Value::Array(all)) = schema.pointer_mut("/$defs/parameter/allOf") {
        all.push(serde_json::json!({
            "if": {"properties": {"in": {"const": "header"}}, "required": ["in"]},
            "then": {"properties": {"name": {"$ref": "#/$defs/token"}}}
        }));
    }
    for at in [
        "/$defs/response/properties/headers",
        "/$defs/encoding/properties/headers",
    ] {
        if let Some(Value::Object(headers)) = schema.pointer_mut(at) {
            headers.insert(
                "propertyNames".into(),
                serde_json::json!({"$ref": "#/$defs/token"}),
            );
        }
    }
}

/// What the 3.2 Schema Object vocabulary (the `schema-base` meta-schema, not vendored) says of
/// an XML Object that the Schema Object check here cannot see: `nodeType` replaces `attribute`
/// and `wrapped`, so an `xml` with both is invalid. Found anywhere in the document (component
/// schemas that no operation uses included).
fn xml_node_type_issues(document: &Value) -> Vec<MetaIssue> {
    fn walk(node: &Value, at: &mut String, out: &mut Vec<MetaIssue>) {
        match node {
            Value::Object(map) => {
                if let Some(Value::Object(xml)) = map.get("xml")
                    && xml.contains_key("nodeType")
                {
                    for old in ["attribute", "wrapped"] {
                        if xml.contains_key(old) {
                            out.push(MetaIssue {
                                pointer: format!("{at}/xml/{old}"),
                                message: format!(
                                    "`{old}` is not allowed next to `nodeType` (OpenAPI 3.2: `nodeType` replaces it)"
                                ),
                            });
                        }
                    }
                }
                for (k, v) in map {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(v, at, out);
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&i.to_string());
                    walk(v, at, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(document, &mut String::new(), &mut out);
    out
}

fn compile(
    version: OasVersion,
    text: &str,
    draft: Draft,
    fix: fn(&mut Value),
) -> Result<Validator, String> {
    let mut schema: Value = serde_json::from_str(text).map_err(|e| {
        format!("internal error: the vendored OpenAPI {version} meta-schema is not valid JSON: {e}")
    })?;
    fix(&mut schema);
    jsonschema::options()
        .with_draft(draft)
        // Formats (`uri-reference`, `email`, `regex`, ...) are assertions in both versions, so
        // 3.0 (draft-04: assertions by default) and 3.1 (2020-12: annotations by default) agree.
        .should_validate_formats(true)
        // e.g. `media-range` in the 3.1 schema.
        .should_ignore_unknown_formats(true)
        .build(&schema)
        .map_err(|e| {
            format!(
                "internal error: the vendored OpenAPI {version} meta-schema does not compile: {e}"
            )
        })
}

/// One reduced error.
#[derive(Clone, Debug)]
struct Leaf {
    /// Escaped JSON pointer into the document.
    pointer: String,
    message: String,
    /// Shortened JSON of the offending value, for re-rendering merged messages.
    excerpt: String,
    class: Class,
}

/// What a leaf says, when it can be merged with the same kind of leaf from another alternative
/// or is special in ranking/filtering.
#[derive(Clone, Debug)]
enum Class {
    /// Wrong JSON type: the expected types.
    Type(Vec<String>),
    /// Not one of the allowed values (`enum` or `const`).
    Enum(Vec<Value>),
    /// A missing property.
    Required(String),
    /// A key not allowed in its object (`additionalProperties`/`unevaluatedProperties`).
    Unknown,
    /// Valid under more than one `oneOf` alternative.
    Ambiguous,
    Other,
}

impl Leaf {
    fn depth(&self) -> usize {
        self.pointer.matches('/').count()
    }
}

/// Reduces one jsonschema error into leaves.
fn collect(error: &ValidationError<'_>, out: &mut Vec<Leaf>) {
    let at = error.instance_path().as_str();
    let instance: &Value = error.instance();
    let excerpt = excerpt(instance);
    let leaf = |message: String, class: Class| Leaf {
        pointer: at.to_owned(),
        message,
        excerpt: excerpt.clone(),
        class,
    };
    match error.kind() {
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            choose_alternative(error, context, out);
        }
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for name in unexpected {
                out.push(unknown_key(at, name));
            }
        }
        ValidationErrorKind::PropertyNames { error: inner } => {
            let inner_instance: &Value = inner.instance();
            let message = inner.masked_with(excerpt_of(inner_instance)).to_string();
            match inner_instance.as_str() {
                Some(name) => out.push(Leaf {
                    pointer: pointer::push(at, name),
                    message: format!("invalid key: {message}"),
                    excerpt: excerpt_of(inner_instance),
                    class: Class::Other,
                }),
                None => out.push(leaf(format!("invalid key: {message}"), Class::Other)),
            }
        }
        ValidationErrorKind::Type { kind } => {
            let types = match kind {
                TypeKind::Single(t) => vec![t.to_string()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
            };
            out.push(leaf(type_message(&excerpt, &types), Class::Type(types)));
        }
        ValidationErrorKind::Enum { options } => {
            let values = options.as_array().cloned().unwrap_or_default();
            out.push(leaf(enum_message(&excerpt, &values), Class::Enum(values)));
        }
        ValidationErrorKind::Constant { expected_value } => {
            let values = vec![Value::clone(expected_value)];
            out.push(leaf(enum_message(&excerpt, &values), Class::Enum(values)));
        }
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            let message = format!("{property} is a required property");
            out.push(leaf(message, Class::Required(name)));
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => {
            let message = error.masked_with(excerpt.as_str()).to_string();
            out.push(leaf(message, Class::Ambiguous));
        }
        ValidationErrorKind::Not { schema } => {
            out.push(leaf(not_message(schema, &excerpt), Class::Other));
        }
        _ => {
            let message = error.masked_with(excerpt.as_str()).to_string();
            out.push(leaf(message, Class::Other));
        }
    }
}

fn unknown_key(parent: &str, name: &str) -> Leaf {
    let message = if parent == "/paths" && !name.starts_with('/') && !name.starts_with("x-") {
        format!("path {} must start with \"/\"", quote(name))
    } else {
        format!(
            "property {} is not allowed here (not a field of this object; extensions must start with \"x-\")",
            quote(name)
        )
    };
    Leaf {
        pointer: pointer::push(parent, name),
        message,
        excerpt: quote(name),
        class: Class::Unknown,
    }
}

/// Ranking of one alternative of a `oneOf`/`anyOf` (greater is better; see [`validate`]).
type Rank = (bool, bool, bool, usize, Reverse<usize>);

fn rank(leaves: &[Leaf], at: &str, has_ref: bool) -> Rank {
    let at_depth = at.matches('/').count();
    let asks_for_ref = !has_ref
        && leaves
            .iter()
            .any(|l| l.pointer == at && matches!(&l.class, Class::Required(p) if p == "$ref"));
    let wrong_type = leaves
        .iter()
        .any(|l| l.pointer == at && matches!(l.class, Class::Type(_)));
    let wrong_discriminator = leaves.iter().any(|l| {
        matches!(l.class, Class::Enum(_)) && l.depth() == at_depth + 1 && l.pointer.starts_with(at)
    });
    let depth = leaves.iter().map(Leaf::depth).max().unwrap_or(0);
    (
        !asks_for_ref,
        !wrong_type,
        !wrong_discriminator,
        depth,
        Reverse(leaves.len()),
    )
}

fn choose_alternative(
    error: &ValidationError<'_>,
    context: &[Vec<ValidationError<'static>>],
    out: &mut Vec<Leaf>,
) {
    let at = error.instance_path().as_str();
    let instance: &Value = error.instance();
    let has_ref = instance.as_object().is_some_and(|o| o.contains_key("$ref"));
    let alternatives: Vec<Vec<Leaf>> = context
        .iter()
        .map(|errors| {
            let mut leaves = Vec::new();
            for e in errors {
                collect(e, &mut leaves);
            }
            leaves
        })
        .collect();
    let ranks: Vec<Rank> = alternatives
        .iter()
        .map(|leaves| rank(leaves, at, has_ref))
        .collect();
    let best = ranks.iter().max();
    let tied: Vec<&Vec<Leaf>> = match best {
        Some(best) => alternatives
            .iter()
            .zip(&ranks)
            .filter(|(leaves, r)| *r == best && !leaves.is_empty())
            .map(|(leaves, _)| leaves)
            .collect(),
        None => Vec::new(),
    };
    if tied.is_empty() {
        // No detail from the alternatives: keep jsonschema's own message.
        let excerpt = excerpt(instance);
        out.push(Leaf {
            pointer: at.to_owned(),
            message: error.masked_with(excerpt.as_str()).to_string(),
            excerpt,
            class: Class::Other,
        });
        return;
    }
    if let Some(merged) = merge(&tied, &alternatives) {
        out.push(merged);
        return;
    }
    for leaves in tied {
        out.extend(leaves.iter().cloned());
    }
}

/// Merges tied alternatives that each failed with one error of the same kind at the same place.
fn merge(tied: &[&Vec<Leaf>], all: &[Vec<Leaf>]) -> Option<Leaf> {
    if tied.len() < 2 {
        return None;
    }
    let mut singles = Vec::with_capacity(tied.len());
    for leaves in tied {
        match leaves.as_slice() {
            [single] => singles.push(single),
            _ => return None,
        }
    }
    let first = singles.first()?;
    if singles.iter().any(|l| l.pointer != first.pointer) {
        return None;
    }
    let mut merged = Leaf::clone(first);
    match &first.class {
        Class::Type(_) => {
            let mut types: Vec<String> = Vec::new();
            for leaf in &singles {
                let Class::Type(ts) = &leaf.class else {
                    return None;
                };
                for t in ts {
                    if !types.contains(t) {
                        types.push(t.clone());
                    }
                }
            }
            merged.message = type_message(&first.excerpt, &types);
            merged.class = Class::Type(types);
        }
        Class::Enum(_) => {
            if singles.iter().any(|l| !matches!(l.class, Class::Enum(_))) {
                return None;
            }
            // The values accepted by every alternative at this place, not only the tied ones.
            let mut values: Vec<Value> = Vec::new();
            for leaf in all.iter().flatten() {
                if let (true, Class::Enum(vs)) = (leaf.pointer == first.pointer, &leaf.class) {
                    for v in vs {
                        if !values.contains(v) {
                            values.push(v.clone());
                        }
                    }
                }
            }
            merged.message = enum_message(&first.excerpt, &values);
            merged.class = Class::Enum(values);
        }
        Class::Required(_) => {
            let mut names: Vec<String> = Vec::new();
            for leaf in &singles {
                let Class::Required(name) = &leaf.class else {
                    return None;
                };
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
            let quoted: Vec<String> = names.iter().map(|n| quote(n)).collect();
            merged.message = if quoted.len() == 1 {
                format!("{} is a required property", join_or(&quoted))
            } else {
                format!("one of the properties {} is required", join_or(&quoted))
            };
            merged.class = Class::Other;
        }
        Class::Unknown | Class::Ambiguous | Class::Other => {
            if singles.iter().all(|l| l.message == first.message) {
                return Some(merged);
            }
            return None;
        }
    }
    Some(merged)
}

/// Drops follow-up noise, deduplicates, and sorts in document order.
fn finish(document: &Value, leaves: Vec<Leaf>) -> Vec<MetaIssue> {
    // An "unknown key" whose value has its own errors is a consequence of those errors
    // (`unevaluatedProperties` only counts properties whose subschema passed). A "valid under
    // more than one oneOf alternative" next to a more specific error at the same place (e.g.
    // "schema and content are mutually exclusive") adds nothing.
    let explained: Vec<&str> = leaves
        .iter()
        .filter(|l| !matches!(l.class, Class::Unknown | Class::Ambiguous))
        .map(|l| l.pointer.as_str())
        .collect();
    let mut keyed: Vec<(Vec<usize>, MetaIssue)> = Vec::with_capacity(leaves.len());
    let mut seen: HashSet<(&str, &str)> = HashSet::with_capacity(leaves.len());
    for leaf in &leaves {
        let redundant = match leaf.class {
            Class::Unknown => explained.iter().any(|p| is_within(p, &leaf.pointer)),
            Class::Ambiguous => explained.contains(&leaf.pointer.as_str()),
            _ => false,
        };
        if redundant {
            continue;
        }
        let issue = MetaIssue {
            pointer: leaf.pointer.clone(),
            message: leaf.message.clone(),
        };
        if !seen.insert((leaf.pointer.as_str(), leaf.message.as_str())) {
            continue;
        }
        keyed.push((document_order(document, &leaf.pointer), issue));
    }
    keyed.sort_by(|(ka, a), (kb, b)| {
        ka.cmp(kb)
            .then_with(|| a.pointer.cmp(&b.pointer))
            .then_with(|| a.message.cmp(&b.message))
    });
    keyed.into_iter().map(|(_, issue)| issue).collect()
}

/// Whether `pointer` is `ancestor` or below it.
fn is_within(pointer: &str, ancestor: &str) -> bool {
    pointer
        .strip_prefix(ancestor)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The position of `pointer` in the document: the index of each token among its siblings
/// (keys keep their source order with `preserve_order`). A missing token sorts last.
fn document_order(document: &Value, at: &str) -> Vec<usize> {
    let mut key = Vec::new();
    let mut current = Some(document);
    for token in pointer::tokens(at).unwrap_or_default() {
        let step = match current {
            Some(Value::Object(map)) => map
                .iter()
                .position(|(k, _)| *k == token)
                .map(|i| (i, map.get(&token))),
            Some(Value::Array(items)) => token
                .parse::<usize>()
                .ok()
                .filter(|i| *i < items.len())
                .map(|i| (i, items.get(i))),
            _ => None,
        };
        match step {
            Some((index, next)) => {
                key.push(index);
                current = next;
            }
            None => {
                key.push(usize::MAX);
                break;
            }
        }
    }
    key
}

fn type_message(excerpt: &str, types: &[String]) -> String {
    let quoted: Vec<String> = types.iter().map(|t| format!("\"{t}\"")).collect();
    format!("{excerpt} is not of type {}", join_or(&quoted))
}

fn enum_message(excerpt: &str, values: &[Value]) -> String {
    if let [only] = values {
        return format!("{excerpt} is not {}", excerpt_of(only));
    }
    let mut shown: Vec<String> = values
        .iter()
        .take(MAX_LISTED_VALUES)
        .map(excerpt_of)
        .collect();
    if values.len() > MAX_LISTED_VALUES {
        shown.push(format!("{} other values", values.len() - MAX_LISTED_VALUES));
    }
    format!("{excerpt} is not one of {}", join_or(&shown))
}

fn not_message(schema: &Value, excerpt: &str) -> String {
    let required = schema
        .as_object()
        .filter(|o| o.keys().all(|k| k == "required" || k == "description"))
        .and_then(|o| o.get("required"))
        .and_then(Value::as_array);
    match required.map(Vec::as_slice) {
        Some([one]) => format!("property {} is not allowed here", excerpt_of(one)),
        Some(names @ [_, _, ..]) => {
            let quoted: Vec<String> = names.iter().map(excerpt_of).collect();
            format!("properties {} are mutually exclusive", quoted.join(" and "))
        }
        _ => format!("{excerpt} must not match {}", excerpt_of(schema)),
    }
}

/// `a`, `a or b`, `a, b or c`.
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn quote(s: &str) -> String {
    excerpt_of(&Value::String(s.to_owned()))
}

fn excerpt(value: &Value) -> String {
    excerpt_of(value)
}

/// Compact JSON of `value`, cut to about [`EXCERPT_LIMIT`] bytes without serializing the rest.
fn excerpt_of(value: &Value) -> String {
    let mut writer = Bounded {
        buf: Vec::with_capacity(EXCERPT_LIMIT + 4),
        truncated: false,
    };
    // An error only means the limit was hit.
    let _ = serde_json::to_writer(&mut writer, value);
    let text = match std::str::from_utf8(&writer.buf) {
        Ok(text) => text.to_owned(),
        Err(e) => String::from_utf8_lossy(writer.buf.get(..e.valid_up_to()).unwrap_or_default())
            .into_owned(),
    };
    if writer.truncated {
        format!("{text}…")
    } else {
        text
    }
}

/// An `io::Write` that keeps the first [`EXCERPT_LIMIT`] bytes and then fails.
struct Bounded {
    buf: Vec<u8>,
    truncated: bool,
}

impl io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = EXCERPT_LIMIT.saturating_sub(self.buf.len());
        if data.len() > room {
            self.buf
                .extend_from_slice(data.get(..room).unwrap_or_default());
            self.truncated = true;
            return Err(io::Error::other("excerpt limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;

    fn doc(version: OasVersion, paths: Value) -> Value {
        let openapi = match version {
            OasVersion::V30 => "3.0.3",
            OasVersion::V31 => "3.1.0",
            OasVersion::V32 => "3.2.0",
            OasVersion::V20 => unreachable!("2.0 documents are built by `swagger`"),
        };
        json!({
            "openapi": openapi,
            "info": { "title": "Pets", "version": "1.0.0" },
            "paths": paths,
        })
    }

    fn pets(operation: Value) -> Value {
        json!({ "/pets": { "get": operation } })
    }

    fn issue(pointer: &str, message: &str) -> MetaIssue {
        MetaIssue {
            pointer: pointer.to_owned(),
            message: message.to_owned(),
        }
    }

    const BOTH: [OasVersion; 2] = [OasVersion::V30, OasVersion::V31];

    #[test]
    fn both_meta_schemas_compile() {
        for version in [OasVersion::V30, OasVersion::V31, OasVersion::V20] {
            if let Err(e) = compiled(version) {
                panic!("{e}");
            }
        }
    }

    #[test]
    fn swagger_2_documents_are_checked_against_the_swagger_2_schema() {
        let valid = json!({
            "swagger": "2.0",
            "info": { "title": "Pets", "version": "1.0.0" },
            "host": "example.com",
            "paths": { "/pets": { "post": {
                "parameters": [
                    { "name": "pet", "in": "body", "schema": { "$ref": "#/definitions/Pet" } },
                    { "name": "tags", "in": "query", "type": "array", "items": { "type": "string" },
                      "collectionFormat": "multi", "maxItems": 3 }
                ],
                "responses": { "200": { "description": "ok", "schema": { "type": "file" } } }
            } } },
            "definitions": { "Pet": { "type": "object", "x-nullable": true } }
        });
        assert_eq!(validate(OasVersion::V20, &valid), vec![]);
        let mut invalid = valid.clone();
        invalid["host"] = json!("https://example.com/");
        invalid["paths"]["/pets"]["post"]["parameters"][1]["collectionFormat"] = json!("commas");
        invalid["paths"]["/pets"]["post"]["parameters"][1]["maxItems"] = json!(-1);
        let issues = validate(OasVersion::V20, &invalid);
        let pointers: Vec<&str> = issues.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/host",
                "/paths/~1pets/post/parameters/1/collectionFormat",
                // Through `http://json-schema.org/draft-04/schema#/...`, resolved offline.
                "/paths/~1pets/post/parameters/1/maxItems",
            ],
            "{issues:?}"
        );
    }

    #[test]
    fn valid_documents_have_no_issues() {
        let v30 = json!({
            "openapi": "3.0.3",
            "info": { "title": "Pets", "version": "1.0.0", "x-logo": {} },
            "servers": [{ "url": "https://{host}/v1", "variables": { "host": { "default": "api.example.com" } } }],
            "paths": {
                "/pets/{id}": {
                    "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "integer", "format": "int64" } }],
                    "get": {
                        "operationId": "getPet",
                        "parameters": [
                            { "$ref": "#/components/parameters/Limit" },
                            { "name": "X-Trace", "in": "header", "schema": { "type": "string" } }
                        ],
                        "responses": {
                            "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Pet" } } } },
                            "4XX": { "$ref": "#/components/responses/Error" },
                            "default": { "description": "error" }
                        }
                    },
                    "post": {
                        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Pet" } } } },
                        "responses": { "201": { "description": "created" } },
                        "security": [{ "key": [] }]
                    }
                },
                "x-internal": true
            },
            "components": {
                "schemas": {
                    "Pet": {
                        "type": "object",
                        "required": ["id"],
                        "properties": {
                            "id": { "type": "integer", "minimum": 0, "exclusiveMinimum": true },
                            "tag": { "type": "string", "nullable": true, "pattern": "^[a-z]+$" },
                            "kind": { "oneOf": [{ "$ref": "#/components/schemas/Cat" }, { "type": "string", "enum": ["dog"] }] }
                        },
                        "additionalProperties": false
                    },
                    "Cat": { "type": "object", "additionalProperties": { "type": "string" } }
                },
                "parameters": { "Limit": { "name": "limit", "in": "query", "schema": { "type": "integer" } } },
                "responses": { "Error": { "description": "error" } },
                "securitySchemes": { "key": { "type": "apiKey", "name": "X-Key", "in": "header" } }
            }
        });
        assert_eq!(validate(OasVersion::V30, &v30), vec![]);

        let v31 = json!({
            "openapi": "3.1.0",
            "info": { "title": "Pets", "version": "1.0.0", "summary": "s", "license": { "name": "MIT", "identifier": "MIT" } },
            "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
            "paths": {
                "/pets/{id}": {
                    "get": {
                        "parameters": [
                            { "name": "id", "in": "path", "required": true, "schema": { "type": ["integer", "null"], "exclusiveMinimum": 0 } },
                            { "$ref": "#/components/parameters/Limit", "description": "overridden" }
                        ],
                        "responses": {
                            "200": { "description": "ok", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Pet", "description": "sibling" } } } }
                        }
                    }
                }
            },
            "webhooks": { "newPet": { "post": { "responses": { "200": { "description": "ok" } } } } },
            "components": {
                "schemas": {
                    "Pet": { "type": "object", "properties": { "id": { "const": 1 }, "any": true }, "examples": [{ "id": 1 }] }
                },
                "parameters": { "Limit": { "name": "limit", "in": "query", "schema": { "type": "integer" } } },
                "pathItems": { "P": { "get": { "responses": { "default": { "description": "x" } } } } }
            }
        });
        assert_eq!(validate(OasVersion::V31, &v31), vec![]);

        // 3.1: no `paths` at all is fine when there are webhooks.
        let webhooks_only = json!({
            "openapi": "3.1.0",
            "info": { "title": "t", "version": "1" },
            "webhooks": {}
        });
        assert_eq!(validate(OasVersion::V31, &webhooks_only), vec![]);
    }

    #[test]
    fn parameters_not_an_array() {
        for version in BOTH {
            let d = doc(
                version,
                pets(json!({ "parameters": 5, "responses": { "200": { "description": "ok" } } })),
            );
            assert_eq!(
                validate(version, &d),
                vec![issue(
                    "/paths/~1pets/get/parameters",
                    "5 is not of type \"array\""
                )],
                "{version}"
            );
        }
    }

    #[test]
    fn response_without_description() {
        for version in BOTH {
            let d = doc(version, pets(json!({ "responses": { "200": {} } })));
            assert_eq!(
                validate(version, &d),
                vec![issue(
                    "/paths/~1pets/get/responses/200",
                    "\"description\" is a required property"
                )],
                "{version}"
            );
        }
    }

    #[test]
    fn parameter_in_body() {
        let operation = json!({
            "parameters": [{ "name": "pet", "in": "body", "schema": { "type": "object" } }],
            "responses": { "200": { "description": "ok" } }
        });
        let expected = "\"body\" is not one of \"path\", \"query\", \"header\" or \"cookie\"";
        let d = doc(OasVersion::V30, pets(operation.clone()));
        assert_eq!(
            validate(OasVersion::V30, &d),
            vec![issue("/paths/~1pets/get/parameters/0/in", expected)]
        );
        let d = doc(OasVersion::V31, pets(operation));
        assert_eq!(
            validate(OasVersion::V31, &d),
            vec![issue(
                "/paths/~1pets/get/parameters/0/in",
                "\"body\" is not one of \"query\", \"header\", \"path\" or \"cookie\""
            )]
        );
    }

    #[test]
    fn path_parameter_must_be_required_in_3_0() {
        let d = doc(
            OasVersion::V30,
            pets(json!({
                "parameters": [{ "name": "id", "in": "path", "schema": { "type": "string" } }],
                "responses": { "200": { "description": "ok" } }
            })),
        );
        assert_eq!(
            validate(OasVersion::V30, &d),
            vec![issue(
                "/paths/~1pets/get/parameters/0",
                "\"required\" is a required property"
            )]
        );
    }

    #[test]
    fn schema_and_content_together() {
        let operation = json!({
            "parameters": [{ "name": "a", "in": "query", "schema": {}, "content": { "text/plain": {} } }],
            "responses": { "200": { "description": "ok" } }
        });
        let d = doc(OasVersion::V30, pets(operation.clone()));
        assert_eq!(
            validate(OasVersion::V30, &d),
            vec![issue(
                "/paths/~1pets/get/parameters/0",
                "properties \"schema\" and \"content\" are mutually exclusive"
            )]
        );
        let d = doc(OasVersion::V31, pets(operation));
        let issues = validate(OasVersion::V31, &d);
        assert_eq!(issues.len(), 1, "{issues:?}");
        assert_eq!(issues[0].pointer, "/paths/~1pets/get/parameters/0");
        assert!(issues[0].message.contains("more than one"), "{issues:?}");
    }

    #[test]
    fn neither_schema_nor_content() {
        for version in BOTH {
            let d = doc(
                version,
                pets(json!({
                    "parameters": [{ "name": "a", "in": "query" }],
                    "responses": { "200": { "description": "ok" } }
                })),
            );
            assert_eq!(
                validate(version, &d),
                vec![issue(
                    "/paths/~1pets/get/parameters/0",
                    "one of the properties \"schema\" or \"content\" is required"
                )],
                "{version}"
            );
        }
    }

    #[test]
    fn oneof_picks_the_schema_alternative_not_the_reference() {
        let d = doc(
            OasVersion::V30,
            pets(json!({ "responses": { "200": {
                "description": "ok",
                "content": { "application/json": { "schema": {
                    "type": "object",
                    "properties": { "n": { "type": "strin" } },
                    "additionalProperties": "yes"
                } } }
            } } })),
        );
        let at = "/paths/~1pets/get/responses/200/content/application~1json/schema";
        assert_eq!(
            validate(OasVersion::V30, &d),
            vec![
                issue(
                    &format!("{at}/properties/n/type"),
                    "\"strin\" is not one of \"array\", \"boolean\", \"integer\", \"number\", \"object\" or \"string\""
                ),
                issue(
                    &format!("{at}/additionalProperties"),
                    "\"yes\" is not of type \"object\" or \"boolean\""
                ),
            ]
        );
        // `$ref` present: the Reference alternative is the one reported.
        let d = doc(
            OasVersion::V30,
            pets(json!({ "responses": { "200": { "$ref": 5 } } })),
        );
        assert_eq!(
            validate(OasVersion::V30, &d),
            vec![issue(
                "/paths/~1pets/get/responses/200/$ref",
                "5 is not of type \"string\""
            )]
        );
    }

    #[test]
    fn unknown_top_level_field() {
        for version in BOTH {
            let mut d = doc(
                version,
                pets(json!({ "responses": { "200": { "description": "ok" } } })),
            );
            d["paths2"] = json!({});
            d["x-fine"] = json!(1);
            let issues = validate(version, &d);
            assert_eq!(issues.len(), 1, "{version}: {issues:?}");
            assert_eq!(issues[0].pointer, "/paths2", "{version}");
            assert!(
                issues[0].message.contains("\"paths2\" is not allowed"),
                "{issues:?}"
            );
        }
    }

    #[test]
    fn path_key_without_slash() {
        for version in BOTH {
            let d = doc(
                version,
                json!({ "pets": { "get": { "responses": { "200": { "description": "ok" } } } } }),
            );
            assert_eq!(
                validate(version, &d),
                vec![issue("/paths/pets", "path \"pets\" must start with \"/\"")],
                "{version}"
            );
        }
    }

    #[test]
    fn empty_responses() {
        for version in BOTH {
            let d = doc(version, pets(json!({ "responses": {} })));
            let issues = validate(version, &d);
            assert!(!issues.is_empty(), "{version}");
            assert!(
                issues
                    .iter()
                    .all(|i| i.pointer == "/paths/~1pets/get/responses"),
                "{version}: {issues:?}"
            );
            assert!(
                issues.contains(&issue(
                    "/paths/~1pets/get/responses",
                    "{} has less than 1 property"
                )),
                "{version}: {issues:?}"
            );
        }
    }

    #[test]
    fn numeric_openapi_version_does_not_crash() {
        let mut d = doc(OasVersion::V30, json!({}));
        d["openapi"] = json!(3.0);
        let issues = validate(OasVersion::V30, &d);
        assert_eq!(
            issues,
            vec![issue("/openapi", "3.0 is not of type \"string\"")]
        );
    }

    #[test]
    fn big_values_are_cut_in_messages() {
        for version in BOTH {
            let big: Vec<String> = (0..1000).map(|i| format!("tag-{i}")).collect();
            let d = doc(
                version,
                pets(
                    json!({ "parameters": { "many": big }, "responses": { "200": { "description": "ok" } } }),
                ),
            );
            let issues = validate(version, &d);
            assert_eq!(issues.len(), 1, "{issues:?}");
            assert!(issues[0].message.len() < 140, "{}", issues[0].message);
            assert!(issues[0].message.contains('…'), "{}", issues[0].message);
            assert!(
                issues[0].message.ends_with("is not of type \"array\""),
                "{}",
                issues[0].message
            );
        }
    }

    #[test]
    fn issues_come_in_document_order_without_duplicates() {
        for version in BOTH {
            let d = json!({
                "openapi": version.to_string() + ".0",
                "info": { "title": 1, "version": "1" },
                "paths": {
                    "/b": { "get": { "responses": { "200": {} } } },
                    "/a": { "get": { "parameters": 5, "responses": { "200": { "description": "ok" } } } }
                },
                "zzz": 1
            });
            let issues = validate(version, &d);
            let pointers: Vec<&str> = issues.iter().map(|i| i.pointer.as_str()).collect();
            assert_eq!(
                pointers,
                vec![
                    "/info/title",
                    "/paths/~1b/get/responses/200",
                    "/paths/~1a/get/parameters",
                    "/zzz"
                ],
                "{version}: {issues:?}"
            );
            assert_eq!(validate(version, &d), issues);
        }
    }

    #[test]
    fn version_from_openapi_field() {
        assert_eq!(
            OasVersion::from_openapi_field("3.0.3"),
            Some(OasVersion::V30)
        );
        assert_eq!(
            OasVersion::from_openapi_field("3.1.1"),
            Some(OasVersion::V31)
        );
        assert_eq!(OasVersion::from_openapi_field("2.0"), None);
        assert_eq!(OasVersion::from_openapi_field("3.10.0"), None);
    }

    #[test]
    fn excerpts_are_bounded_and_utf8() {
        let s = excerpt_of(&json!("é".repeat(100)));
        assert!(s.len() <= EXCERPT_LIMIT + "…".len());
        assert!(s.ends_with('…'));
        assert_eq!(excerpt_of(&json!({ "a": 1 })), "{\"a\":1}");
    }

    /// Specs whose meta-schema issues are known (real-world documents, not fixed here).
    /// `(file name, pointer, message)`.
    const KNOWN_ISSUES: &[(&str, &str, &str)] = &[
        // A Responses Object must hold at least one response (dropshot emits `{}` for an
        // endpoint with a free-form body).
        (
            "buildomat.json",
            "/paths/~1v1~1tasks~1{task}~1outputs~1{output}/get/responses",
            "{} has less than 1 property",
        ),
        // `type` is not a field of a Response Object (these two test specs put it next to
        // `description`).
        (
            "param-collision.json",
            "/paths/~1key~1{query}/get/responses/200/type",
            UNKNOWN_TYPE,
        ),
        (
            "param-overrides.json",
            "/paths/~1key/get/responses/200/type",
            UNKNOWN_TYPE,
        ),
    ];
    const UNKNOWN_TYPE: &str = "property \"type\" is not allowed here (not a field of this object; extensions must start with \"x-\")";

    fn specs_dir() -> Option<PathBuf> {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        [
            manifest.join("../../specs"),
            manifest.join("../../../shared/specs"),
        ]
        .into_iter()
        .find(|p| p.is_dir())
    }

    #[test]
    fn shared_specs_validate() {
        let Some(dir) = specs_dir() else {
            eprintln!("no specs folder found; skipping");
            return;
        };
        let mut files = Vec::new();
        for sub in ["oai", "oxide"] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten() {
                files.push(entry.path());
            }
        }
        files.sort();
        let mut checked = 0;
        let mut unexpected = Vec::new();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).unwrap();
            let value: Value = match ext {
                "json" => serde_json::from_str(&text).unwrap(),
                "yaml" | "yml" => match crate::source::parse(&name, &text) {
                    Ok(document) => document.value,
                    Err(_) => {
                        eprintln!("{name}: YAML loader not available yet; skipping");
                        continue;
                    }
                },
                _ => continue,
            };
            let Some(openapi) = value.get("openapi").and_then(Value::as_str) else {
                eprintln!("{name}: no string `openapi` field; skipping");
                continue;
            };
            let Some(version) = OasVersion::from_openapi_field(openapi) else {
                eprintln!("{name}: openapi {openapi} not 3.0/3.1; skipping");
                continue;
            };
            checked += 1;
            let issues = validate(version, &value);
            eprintln!("{name}: OAS {version}, {} issue(s)", issues.len());
            for found in issues {
                eprintln!("{name}: {found}");
                let known = KNOWN_ISSUES.iter().any(|(file, pointer, message)| {
                    *file == name && *pointer == found.pointer && *message == found.message
                });
                if !known {
                    unexpected.push(format!("{name}: {found}"));
                }
            }
        }
        eprintln!("checked {checked} specs");
        assert!(checked > 0, "no spec was checked");
        assert!(
            unexpected.is_empty(),
            "unexpected issues:\n{}",
            unexpected.join("\n")
        );
    }
}

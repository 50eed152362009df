//! Converting OpenAPI schema objects to plain JSON Schema 2020-12.
//!
//! The IR stores every schema as a JSON Schema 2020-12 value, so that the harness (and anyone
//! else) can hand it to an off-the-shelf validator such as `jsonschema` without knowing that it
//! came from an OpenAPI document. OpenAPI's schema objects are *almost* JSON Schema, and the
//! differences matter for validation results: taken verbatim, a 3.0 `nullable: true` field rejects
//! `null`, `exclusiveMaximum: true` does not even compile under 2020-12, and a `writeOnly`
//! password listed in `required` makes every correct response fail. This module removes those
//! differences once, at load time, with [`convert`].
//!
//! # What the converter does
//!
//! [`convert`] takes one schema, i.e. the tree at one place of the document, and returns its
//! 2020-12 equivalent. It is a pure function: it reads no files and resolves no `$ref`. Every
//! `$ref` it meets is handed to the caller's `rewrite_ref` callback, which answers with the
//! replacement reference (typically `#/$defs/<name>` once the loader has bundled the target under
//! the IR schema's `$defs`), or `None` to keep the reference as written.
//!
//! The walk visits every position where JSON Schema expects a schema: `properties`,
//! `patternProperties`, `additionalProperties`, `items`, `prefixItems`, `contains`, `allOf`,
//! `anyOf`, `oneOf`, `not`, `if`/`then`/`else`, `dependentSchemas`, `propertyNames`,
//! `unevaluatedProperties`, `unevaluatedItems`, `$defs`, `definitions`, `contentSchema` (and the
//! legacy `additionalItems` and schema-valued `dependencies`). It never looks inside data: `enum`,
//! `const`, `default`, `example`, `examples`, `discriminator` and `x-*` extensions are copied as
//! they are, even when they happen to contain something that looks like a schema or a `$ref`.
//!
//! Rules, in the order a reader of a converted schema is likely to wonder about them:
//!
//! | input | output | dialect |
//! | --- | --- | --- |
//! | `nullable: true` with `type: T` and/or `enum` | `type: [T, "null"]` (a `type` array gets `"null"` appended), and `null` appended to `enum`, unless already there | 3.0 |
//! | `nullable: true` next to a keyword that may reject `null` whatever `type` says (`$ref`, `allOf`, `anyOf`, `oneOf`, `not`, `if`, a non-null `const`), with or without `type` | `anyOf: [<schema>, {type: "null"}]`; annotations (`title`, `description`, `readOnly`, `default`, …) and `$defs` stay on the outer object, and `anyOf` takes the place of the first keyword it absorbed | 3.0 |
//! | `nullable: true` with none of the above | the keyword is dropped (`null` already validates) | 3.0 |
//! | `nullable: false` | dropped | 3.0 |
//! | `$ref` with siblings | only `$ref` and annotation siblings (`title`, `description`, `default`, `example(s)`, `readOnly`, `writeOnly`, `deprecated`, `externalDocs`, `xml`, `$comment`, `x-*`) are kept, plus the `nullable` rule above; other siblings are dropped with a note, since 3.0 says they are ignored | 3.0 |
//! | `$ref` with siblings | kept and converted (2020-12 evaluates them) | 3.1 |
//! | `exclusiveMinimum: true, minimum: m` | `exclusiveMinimum: m` (at the position of `exclusiveMinimum`), `minimum` removed; the same for the maximum | both (a note in 3.1) |
//! | `exclusiveMinimum: false`, or `true` without a numeric `minimum` | dropped (a note for the latter) | both |
//! | property schema with `readOnly: true` | removed from `properties` and `required`, in the [`Direction::Request`] direction | both |
//! | property schema with `writeOnly: true` | removed from `properties` and `required`, in the [`Direction::Response`] direction | both |
//! | `$schema` naming an OpenAPI dialect (`https://spec.openapis.org/oas/…`) | removed (validators do not know the URI); any other `$schema` is kept | both |
//! | `$id` | removed with a note: references are rewritten relative to the IR schema's root, and a nested `$id` would change the base they resolve against | both |
//! | legacy array-form `items: [..]` | `prefixItems: [..]`, and `additionalItems` becomes `items` | both (a note) |
//!
//! Everything else is kept as written, in the input's key order: `format` (including
//! `int32`/`int64`, which the harness checks; no bounds are added here), `example`, `examples`,
//! `discriminator` (the harness dispatches on it; its `mapping` values are not rewritten),
//! `xml`, `externalDocs`, `deprecated`, `readOnly`/`writeOnly` in the positions not removed,
//! and unknown keywords, which 2020-12 treats as annotations.
//!
//! What `readOnly`/`writeOnly` removal looks at: only the property's own schema object, after
//! conversion, carrying `readOnly: true` (or `writeOnly: true`) at its top level. That covers an
//! inline schema, a `$ref` with an annotation sibling, and the `anyOf` form produced for a
//! nullable property (the annotation stays on the outer object). In 3.0 a `readOnly` next to a
//! `$ref` counts too: the specification says the sibling is ignored, but it is kept as an
//! annotation and honoured here, because that is what everyone who writes it means. A property
//! whose `$ref` *target* is read-only is not seen here, since this module never follows
//! references; nor is a `readOnly` buried inside an `allOf`.
//!
//! # Leniency and notes
//!
//! Real documents mix dialects: a 3.0 document using `const` or `type: [string, "null"]`, a 3.1
//! document still written with `nullable`. The converter keeps going and reports what it noticed
//! as [`Note`]s (use [`convert_with_notes`]); the loader turns them into warnings at the schema's
//! location. 3.1 keywords in a 3.0 document keep their 2020-12 meaning; `nullable` in a 3.1
//! document is left alone (3.1 has no such keyword, so it changes nothing), with a note.
//!
//! # Hostile input
//!
//! Conversion never panics. Schemas nested deeper than [`MAX_DEPTH`] levels are copied
//! unconverted below that level (with a note), and that copy, like every copy of data, is made
//! without recursion, so a crafted document cannot overflow the stack through this module (the
//! walk itself needs well under 1 MiB of stack at the full depth, in a debug build). Values that are not schemas where a schema is expected (say
//! `properties: [1, 2]`) are copied as they are with a note; the validator then reports them when
//! it compiles the schema.
//!
//! # Example
//!
//! ```
//! use contractgate_spec::schema::{Dialect, Direction, convert};
//! use serde_json::json;
//!
//! let oas30 = json!({
//!     "type": "object",
//!     "required": ["id", "owner"],
//!     "properties": {
//!         "id": { "type": "integer", "format": "int64", "readOnly": true },
//!         "owner": { "$ref": "#/components/schemas/User", "nullable": true }
//!     }
//! });
//! let mut to_defs = |r: &str, _at: &str| {
//!     r.strip_prefix("#/components/schemas/").map(|name| format!("#/$defs/{name}"))
//! };
//! let request = convert(&oas30, Dialect::OpenApi30, Direction::Request, &mut to_defs);
//! assert_eq!(
//!     request,
//!     json!({
//!         "type": "object",
//!         "required": ["owner"],
//!         "properties": {
//!             "owner": { "anyOf": [{ "$ref": "#/$defs/User" }, { "type": "null" }] }
//!         }
//!     })
//! );
//! ```

use serde_json::{Map, Value};
use std::fmt;

use crate::pointer;

/// How deep [`convert`] walks. A schema object nested deeper than this (counting one level per
/// subschema, e.g. `properties/a` or `items`) is copied as it is, with a
/// [`NOTE_TOO_DEEP`] note.
pub const MAX_DEPTH: usize = 256;

/// The schema dialect of the document a schema comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// OpenAPI 3.0.x: an extended subset of JSON Schema draft 4 (`nullable`, boolean
    /// `exclusiveMinimum`/`exclusiveMaximum`, `$ref` siblings ignored, `example`, …).
    OpenApi30,
    /// OpenAPI 3.1.x: JSON Schema 2020-12 plus the OpenAPI vocabulary (`discriminator`, `xml`,
    /// `externalDocs`, `example`).
    OpenApi31,
}

pub use crate::ir::Direction;

/// [`Note::code`]: a 3.0 `$ref` had sibling keywords that 3.0 ignores; they were dropped.
pub const NOTE_REF_SIBLINGS_IGNORED: &str = "schema-ref-siblings-ignored";
/// [`Note::code`]: a keyword or form of the other OpenAPI version (`const`, a `type` array or
/// numeric `exclusiveMinimum` in 3.0; `nullable` or boolean `exclusiveMinimum` in 3.1). It was
/// accepted as described in the module documentation.
pub const NOTE_DIALECT_MISMATCH: &str = "schema-dialect-mismatch";
/// [`Note::code`]: a keyword from an older JSON Schema draft (`items` as an array,
/// `additionalItems`, `dependencies`).
pub const NOTE_LEGACY_KEYWORD: &str = "schema-legacy-keyword";
/// [`Note::code`]: a keyword contractgate does not support (`$dynamicRef`, `$recursiveRef`): kept
/// as written, but the reference is not resolved, so the schema may not compile or may mean
/// something else once bundled.
pub const NOTE_UNSUPPORTED: &str = "schema-unsupported-keyword";
/// [`Note::code`]: `$id` was removed. References are rewritten by the loader relative to the IR
/// schema's root, and a nested `$id` would change the base they resolve against. Harmless unless
/// the document relied on `$id`-relative references (those then show up as unresolved `$ref`s).
pub const NOTE_ID_REMOVED: &str = "schema-id-removed";
/// [`Note::code`]: a keyword no JSON Schema draft or OpenAPI version defines (often a typo, e.g.
/// `requried`); kept as an annotation, so it validates nothing.
pub const NOTE_UNKNOWN_KEYWORD: &str = "schema-unknown-keyword";
/// [`Note::code`]: a malformed value (a number where a schema is expected, a non-string `$ref`,
/// a non-boolean `nullable`, `exclusiveMinimum: true` without `minimum`, …), copied as it is or
/// dropped as the message says.
pub const NOTE_INVALID: &str = "schema-invalid";
/// [`Note::code`]: the schema is nested deeper than [`MAX_DEPTH`]; the subtree was not converted.
pub const NOTE_TOO_DEEP: &str = "schema-too-deep";

/// Something the converter noticed: not an error (the output is always produced), but worth a
/// warning at the schema's location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// JSON pointer of the schema object concerned, relative to the converted schema's root
    /// (`""` for the root, `/properties/id` for a property). It points into the *input*.
    pub pointer: String,
    /// A short stable code, one of the `NOTE_*` constants of this module.
    pub code: &'static str,
    /// What was noticed and what was done about it, in one sentence.
    pub message: String,
}

/// The result of [`convert_with_notes`].
#[derive(Clone, Debug, PartialEq)]
pub struct Converted {
    /// The JSON Schema 2020-12 schema.
    pub schema: Value,
    /// What the converter noticed, in the order found.
    pub notes: Vec<Note>,
}

/// Converts one schema (the tree at one place of the document, NOT following `$ref`) to JSON
/// Schema 2020-12.
///
/// Every `$ref` found (at any depth inside the schema) is passed to
/// `rewrite_ref(ref_value, pointer_of_the_ref_object_relative_to_the_schema_root)`, which returns
/// the replacement reference string (e.g. `#/$defs/Pet`), or `None` when it could not be resolved
/// (the original is kept then). See the [module documentation](self) for the rules. Use
/// [`convert_with_notes`] to also get the warnings.
pub fn convert(
    schema: &Value,
    dialect: Dialect,
    direction: Direction,
    rewrite_ref: &mut dyn FnMut(&str, &str) -> Option<String>,
) -> Value {
    convert_with_notes(schema, dialect, direction, rewrite_ref).schema
}

/// [`convert`], also returning what the converter noticed (see [`Note`]).
pub fn convert_with_notes(
    schema: &Value,
    dialect: Dialect,
    direction: Direction,
    rewrite_ref: &mut dyn FnMut(&str, &str) -> Option<String>,
) -> Converted {
    let mut walker = Walker {
        dialect,
        direction,
        rewrite_ref,
        notes: Vec::new(),
    };
    let schema = walker.schema(schema, "", 0);
    Converted {
        schema,
        notes: walker.notes,
    }
}

/// Keywords of the OpenAPI 3.0 schema object.
const OAS30_KEYWORDS: &[&str] = &[
    "title",
    "multipleOf",
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
    "maxProperties",
    "minProperties",
    "required",
    "enum",
    "type",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "items",
    "properties",
    "additionalProperties",
    "description",
    "format",
    "default",
    "nullable",
    "discriminator",
    "readOnly",
    "writeOnly",
    "xml",
    "externalDocs",
    "example",
    "deprecated",
    "$ref",
];

/// Keywords of JSON Schema 2020-12, the OpenAPI 3.1 vocabulary, and older drafts' keywords that
/// still show up (`definitions`, `dependencies`, `additionalItems`, 2019-09's recursive refs).
const JSON_SCHEMA_KEYWORDS: &[&str] = &[
    // core
    "$id",
    "$schema",
    "$ref",
    "$anchor",
    "$dynamicRef",
    "$dynamicAnchor",
    "$vocabulary",
    "$comment",
    "$defs",
    // applicator
    "prefixItems",
    "items",
    "contains",
    "additionalProperties",
    "properties",
    "patternProperties",
    "dependentSchemas",
    "propertyNames",
    "if",
    "then",
    "else",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    // unevaluated
    "unevaluatedItems",
    "unevaluatedProperties",
    // validation
    "type",
    "const",
    "enum",
    "multipleOf",
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
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    // meta-data, format, content
    "title",
    "description",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "examples",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
    // OpenAPI 3.1 vocabulary
    "discriminator",
    "xml",
    "externalDocs",
    "example",
    // older drafts
    "definitions",
    "dependencies",
    "additionalItems",
    "$recursiveRef",
    "$recursiveAnchor",
];

/// Keywords that only annotate: kept next to a 3.0 `$ref`, and left on the outer object when a
/// nullable schema is wrapped in `anyOf`.
fn is_annotation(key: &str) -> bool {
    matches!(
        key,
        "title"
            | "description"
            | "default"
            | "example"
            | "examples"
            | "readOnly"
            | "writeOnly"
            | "deprecated"
            | "externalDocs"
            | "xml"
            | "$comment"
    ) || key.starts_with("x-")
}

/// Keywords that stay on the outer object when a nullable schema is wrapped: annotations, and
/// keywords that belong to the schema resource rather than to its assertions.
fn stays_outside_wrap(key: &str) -> bool {
    is_annotation(key)
        || matches!(
            key,
            "$schema" | "$defs" | "definitions" | "$anchor" | "$dynamicAnchor"
        )
}

/// Keywords that can reject `null` whatever the `type` says.
fn rejects_null_by_itself(key: &str, value: &Value) -> bool {
    match key {
        "$ref" | "$dynamicRef" | "$recursiveRef" | "allOf" | "anyOf" | "oneOf" | "not" | "if" => {
            true
        }
        "const" => !value.is_null(),
        _ => false,
    }
}

/// How a keyword's value is walked.
enum Position {
    /// One schema.
    Schema,
    /// An object whose values are schemas.
    SchemaMap,
    /// An array of schemas.
    SchemaArray,
    /// Data, or a keyword with no subschema: copied.
    Data,
}

fn position(key: &str) -> Position {
    match key {
        "additionalProperties"
        | "items"
        | "contains"
        | "not"
        | "if"
        | "then"
        | "else"
        | "propertyNames"
        | "unevaluatedProperties"
        | "unevaluatedItems"
        | "contentSchema"
        | "additionalItems" => Position::Schema,
        "properties" | "patternProperties" | "dependentSchemas" | "$defs" | "definitions" => {
            Position::SchemaMap
        }
        "allOf" | "anyOf" | "oneOf" | "prefixItems" => Position::SchemaArray,
        _ => Position::Data,
    }
}

/// What to do with a boolean-capable `exclusiveMinimum`/`exclusiveMaximum`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BoundPlan {
    /// Copy it (absent, numeric, or malformed).
    Keep,
    /// Remove it (`false`, or `true` without a bound).
    Drop,
    /// `true` with a numeric bound: the keyword takes the bound's value, the bound is removed.
    Replace,
}

/// What [`Walker::object`] decided about one schema object before walking its keywords.
#[derive(Clone, Copy)]
struct Plan {
    /// 3.0 `$ref` object: siblings other than annotations and `nullable` are skipped.
    ref30: bool,
    /// `exclusiveMinimum`.
    min: BoundPlan,
    /// `exclusiveMaximum`.
    max: BoundPlan,
    /// `items` is an array (pre-2020-12 tuple form).
    legacy_items: bool,
}

struct Walker<'a> {
    dialect: Dialect,
    direction: Direction,
    rewrite_ref: &'a mut dyn FnMut(&str, &str) -> Option<String>,
    notes: Vec<Note>,
}

// The walk recurses through `schema` → `object` → `keyword` (→ `schema_map`/`schema_array`) →
// `schema`. Those functions keep their frames small (messages are formatted in the cold `note`,
// never inline) so that MAX_DEPTH levels fit comfortably in a 2 MiB thread stack, even in debug
// builds.
impl Walker<'_> {
    #[cold]
    #[inline(never)]
    fn note(&mut self, pointer: &str, code: &'static str, message: fmt::Arguments<'_>) {
        self.notes.push(Note {
            pointer: pointer.to_owned(),
            code,
            message: message.to_string(),
        });
    }

    fn is30(&self) -> bool {
        self.dialect == Dialect::OpenApi30
    }

    /// Converts the value at a schema position.
    fn schema(&mut self, value: &Value, ptr: &str, depth: usize) -> Value {
        match value {
            Value::Object(map) if depth < MAX_DEPTH => self.object(map, ptr, depth),
            Value::Bool(_) => value.clone(),
            _ => self.not_walked(value, ptr),
        }
    }

    /// A value at a schema position that is not converted: too deep, or not a schema.
    #[cold]
    #[inline(never)]
    fn not_walked(&mut self, value: &Value, ptr: &str) -> Value {
        if value.is_object() {
            self.note(
                ptr,
                NOTE_TOO_DEEP,
                format_args!("schema nested deeper than {MAX_DEPTH} levels: kept unconverted"),
            );
        } else {
            self.note(
                ptr,
                NOTE_INVALID,
                format_args!(
                    "expected a schema (an object or a boolean), found {}",
                    kind(value)
                ),
            );
        }
        copy_deep(value)
    }

    /// Converts an object whose values are schemas (`properties`, `$defs`, …).
    fn schema_map(&mut self, key: &str, value: &Value, ptr: &str, depth: usize) -> Value {
        let here = pointer::push(ptr, key);
        let Value::Object(map) = value else {
            self.note(
                &here,
                NOTE_INVALID,
                format_args!(
                    "`{key}` must be an object of schemas, found {}",
                    kind(value)
                ),
            );
            return copy_deep(value);
        };
        let mut out = Map::with_capacity(map.len());
        for (name, sub) in map {
            let sub = self.schema(sub, &pointer::push(&here, name), depth);
            out.insert(name.clone(), sub);
        }
        Value::Object(out)
    }

    /// Converts an array of schemas (`allOf`, `prefixItems`, …).
    fn schema_array(&mut self, key: &str, value: &Value, ptr: &str, depth: usize) -> Value {
        let here = pointer::push(ptr, key);
        let Value::Array(items) = value else {
            self.note(
                &here,
                NOTE_INVALID,
                format_args!("`{key}` must be an array of schemas, found {}", kind(value)),
            );
            return copy_deep(value);
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, sub) in items.iter().enumerate() {
            out.push(self.schema(sub, &pointer::push(&here, &i.to_string()), depth));
        }
        Value::Array(out)
    }

    /// Converts a `$ref` value through the caller's callback.
    fn reference(&mut self, value: &Value, ptr: &str) -> Value {
        match value {
            Value::String(r) => match (self.rewrite_ref)(r, ptr) {
                Some(new) => Value::String(new),
                None => value.clone(),
            },
            other => {
                self.note(
                    ptr,
                    NOTE_INVALID,
                    format_args!("`$ref` must be a string, found {}", kind(other)),
                );
                copy_deep(other)
            }
        }
    }

    /// Looks at a schema object as a whole before its keywords are walked.
    fn plan(&mut self, map: &Map<String, Value>, ptr: &str) -> Plan {
        let legacy_items = matches!(map.get("items"), Some(Value::Array(_)));
        if self.is30() && map.contains_key("$ref") {
            let ignored: Vec<String> = map
                .keys()
                .filter(|k| !kept_next_to_ref30(k))
                .map(|k| format!("`{k}`"))
                .collect();
            if !ignored.is_empty() {
                self.note(
                    ptr,
                    NOTE_REF_SIBLINGS_IGNORED,
                    format_args!(
                        "OpenAPI 3.0 ignores keywords next to `$ref`; dropped {}",
                        ignored.join(", ")
                    ),
                );
            }
            let keep = BoundPlan::Keep;
            return Plan {
                ref30: true,
                min: keep,
                max: keep,
                legacy_items,
            };
        }
        Plan {
            ref30: false,
            min: self.bound_plan(map, "exclusiveMinimum", "minimum", ptr),
            max: self.bound_plan(map, "exclusiveMaximum", "maximum", ptr),
            legacy_items,
        }
    }

    /// Decides what happens to `exclusive` (`exclusiveMinimum`/`exclusiveMaximum`) and notes it.
    fn bound_plan(
        &mut self,
        map: &Map<String, Value>,
        exclusive: &str,
        bound: &str,
        ptr: &str,
    ) -> BoundPlan {
        match map.get(exclusive) {
            Some(Value::Bool(true)) if map.get(bound).is_some_and(Value::is_number) => {
                if !self.is30() {
                    self.note(
                        ptr,
                        NOTE_DIALECT_MISMATCH,
                        format_args!(
                            "boolean `{exclusive}` is OpenAPI 3.0; converted to `{exclusive}: <{bound}>`"
                        ),
                    );
                }
                BoundPlan::Replace
            }
            Some(Value::Bool(true)) => {
                self.note(
                    ptr,
                    NOTE_INVALID,
                    format_args!(
                        "`{exclusive}: true` without a numeric `{bound}` has no effect; dropped"
                    ),
                );
                BoundPlan::Drop
            }
            Some(Value::Bool(false)) => {
                if !self.is30() {
                    self.note(
                        ptr,
                        NOTE_DIALECT_MISMATCH,
                        format_args!("boolean `{exclusive}` is OpenAPI 3.0; `false` dropped"),
                    );
                }
                BoundPlan::Drop
            }
            Some(Value::Number(_)) => {
                if self.is30() {
                    self.note(
                        ptr,
                        NOTE_DIALECT_MISMATCH,
                        format_args!(
                            "numeric `{exclusive}` is OpenAPI 3.1 (3.0 uses a boolean next to `{bound}`); kept"
                        ),
                    );
                }
                BoundPlan::Keep
            }
            Some(other) => {
                self.note(
                    ptr,
                    NOTE_INVALID,
                    format_args!(
                        "`{exclusive}` must be a number or a boolean, found {}",
                        kind(other)
                    ),
                );
                BoundPlan::Keep
            }
            None => BoundPlan::Keep,
        }
    }

    /// Notes keywords that do not belong to the document's dialect (or to any).
    fn check_keyword(&mut self, key: &str, value: &Value, ptr: &str) {
        if key.starts_with("x-") {
            return;
        }
        let is30 = self.is30();
        let known_2020 = JSON_SCHEMA_KEYWORDS.contains(&key);
        if is30 && OAS30_KEYWORDS.contains(&key) {
            if key == "type" && (value.is_array() || value.as_str() == Some("null")) {
                self.note(
                    ptr,
                    NOTE_DIALECT_MISMATCH,
                    format_args!(
                        "`type` arrays and `type: \"null\"` are OpenAPI 3.1 (3.0 uses `nullable`); kept"
                    ),
                );
            }
        } else if is30 && known_2020 {
            self.note(
                ptr,
                NOTE_DIALECT_MISMATCH,
                format_args!(
                    "`{key}` is not an OpenAPI 3.0 keyword; kept with its JSON Schema 2020-12 meaning"
                ),
            );
        } else if key == "nullable" && !is30 {
            self.note(
                ptr,
                NOTE_DIALECT_MISMATCH,
                format_args!(
                    "`nullable` is OpenAPI 3.0 and has no effect in 3.1; use `type: [T, \"null\"]`"
                ),
            );
        } else if !known_2020 {
            self.note(
                ptr,
                NOTE_UNKNOWN_KEYWORD,
                format_args!("unknown keyword `{key}` ignored by validators"),
            );
        }
    }

    /// Converts one schema object.
    fn object(&mut self, map: &Map<String, Value>, ptr: &str, depth: usize) -> Value {
        let plan = self.plan(map, ptr);
        let mut out = Map::with_capacity(map.len());
        let mut nullable = false;
        for (key, value) in map {
            if plan.ref30 && !kept_next_to_ref30(key) {
                continue;
            }
            self.check_keyword(key, value, ptr);
            self.keyword(
                map,
                plan,
                key,
                value,
                ptr,
                depth + 1,
                &mut out,
                &mut nullable,
            );
        }
        self.remove_one_way_properties(&mut out);
        if nullable {
            make_nullable(out)
        } else {
            Value::Object(out)
        }
    }

    /// Converts one keyword of a schema object into `out`.
    #[allow(clippy::too_many_arguments)]
    fn keyword(
        &mut self,
        map: &Map<String, Value>,
        plan: Plan,
        key: &str,
        value: &Value,
        ptr: &str,
        next: usize,
        out: &mut Map<String, Value>,
        nullable: &mut bool,
    ) {
        let converted = match key {
            "$ref" => self.reference(value, ptr),
            "nullable" if self.is30() => {
                if let Value::Bool(b) = value {
                    *nullable = *b;
                    return;
                }
                self.note(
                    ptr,
                    NOTE_INVALID,
                    format_args!("`nullable` must be a boolean, found {}; kept", kind(value)),
                );
                copy_deep(value)
            }
            "exclusiveMinimum" | "exclusiveMaximum" => {
                let (plan, bound) = if key == "exclusiveMinimum" {
                    (plan.min, "minimum")
                } else {
                    (plan.max, "maximum")
                };
                match plan {
                    BoundPlan::Keep => copy_deep(value),
                    BoundPlan::Drop => return,
                    BoundPlan::Replace => map.get(bound).cloned().unwrap_or(Value::Null),
                }
            }
            "minimum" if plan.min == BoundPlan::Replace => return,
            "maximum" if plan.max == BoundPlan::Replace => return,
            "$schema" if value.as_str().is_some_and(is_oas_dialect) => return,
            "$id" => {
                self.note(
                    ptr,
                    NOTE_ID_REMOVED,
                    format_args!(
                        "`$id` removed: references are resolved by the loader and rewritten relative to the schema root"
                    ),
                );
                return;
            }
            "$dynamicRef" | "$recursiveRef" => {
                self.note(
                    ptr,
                    NOTE_UNSUPPORTED,
                    format_args!("`{key}` is not supported; kept as written and not resolved"),
                );
                copy_deep(value)
            }
            "items" if plan.legacy_items => {
                self.note(
                    ptr,
                    NOTE_LEGACY_KEYWORD,
                    format_args!("array-form `items` is pre-2020-12; converted to `prefixItems`"),
                );
                let v = self.schema_array(key, value, ptr, next);
                out.insert("prefixItems".to_owned(), v);
                return;
            }
            "additionalItems" => {
                let v = self.schema(value, &pointer::push(ptr, key), next);
                if plan.legacy_items {
                    out.insert("items".to_owned(), v);
                    return;
                }
                self.note(
                    ptr,
                    NOTE_LEGACY_KEYWORD,
                    format_args!(
                        "`additionalItems` without array-form `items` has no effect in 2020-12"
                    ),
                );
                v
            }
            "dependencies" => {
                self.note(
                    ptr,
                    NOTE_LEGACY_KEYWORD,
                    format_args!(
                        "`dependencies` is pre-2020-12 and has no effect; use `dependentRequired`/`dependentSchemas`"
                    ),
                );
                self.dependencies(value, ptr, next)
            }
            _ => match position(key) {
                Position::Schema => self.schema(value, &pointer::push(ptr, key), next),
                Position::SchemaMap => self.schema_map(key, value, ptr, next),
                Position::SchemaArray => self.schema_array(key, value, ptr, next),
                Position::Data => copy_deep(value),
            },
        };
        out.insert(key.to_owned(), converted);
    }

    /// Walks a legacy `dependencies` object: schema values are converted, arrays copied.
    fn dependencies(&mut self, value: &Value, ptr: &str, depth: usize) -> Value {
        let Value::Object(map) = value else {
            return copy_deep(value);
        };
        let here = pointer::push(ptr, "dependencies");
        let mut out = Map::with_capacity(map.len());
        for (name, sub) in map {
            let v = match sub {
                Value::Object(_) | Value::Bool(_) => {
                    self.schema(sub, &pointer::push(&here, name), depth)
                }
                other => copy_deep(other),
            };
            out.insert(name.clone(), v);
        }
        Value::Object(out)
    }

    /// Removes `readOnly` properties (requests) or `writeOnly` properties (responses) from
    /// `properties` and `required`.
    fn remove_one_way_properties(&self, out: &mut Map<String, Value>) {
        let flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let Some(Value::Object(props)) = out.get_mut("properties") else {
            return;
        };
        let removed: Vec<String> = props
            .iter()
            .filter(|(_, s)| s.get(flag) == Some(&Value::Bool(true)))
            .map(|(name, _)| name.clone())
            .collect();
        if removed.is_empty() {
            return;
        }
        props.retain(|name, _| !removed.contains(name));
        if let Some(Value::Array(required)) = out.get_mut("required") {
            required.retain(|r| r.as_str().is_none_or(|r| !removed.iter().any(|n| n == r)));
        }
    }
}

/// Siblings of a 3.0 `$ref` that are kept: annotations, and `nullable` (see the module docs).
fn kept_next_to_ref30(key: &str) -> bool {
    key == "$ref" || key == "nullable" || is_annotation(key)
}

/// Clones a value without recursion, so that copying a subtree that is not walked (deeper than
/// [`MAX_DEPTH`], or data) cannot overflow the stack however deep it is.
fn copy_deep(value: &Value) -> Value {
    /// A container being copied: the rest of its children, what is copied so far, and (for an
    /// object) the key of the child being copied.
    enum Frame<'a> {
        Array(std::slice::Iter<'a, Value>, Vec<Value>),
        Object(serde_json::map::Iter<'a>, Map<String, Value>, String),
    }
    fn open(value: &Value) -> Result<Frame<'_>, Value> {
        match value {
            Value::Array(items) => Ok(Frame::Array(items.iter(), Vec::with_capacity(items.len()))),
            Value::Object(map) => Ok(Frame::Object(
                map.iter(),
                Map::with_capacity(map.len()),
                String::new(),
            )),
            scalar => Err(scalar.clone()),
        }
    }
    let mut stack = match open(value) {
        Ok(frame) => vec![frame],
        Err(scalar) => return scalar,
    };
    loop {
        let next = match stack.last_mut() {
            Some(Frame::Array(iter, _)) => iter.next(),
            Some(Frame::Object(iter, _, pending)) => iter.next().map(|(k, v)| {
                pending.clone_from(k);
                v
            }),
            None => return Value::Null, // not reached: the root is returned below
        };
        let finished = match next {
            Some(child) => match open(child) {
                Ok(frame) => {
                    stack.push(frame);
                    continue;
                }
                Err(scalar) => scalar,
            },
            None => match stack.pop() {
                Some(Frame::Array(_, out)) => Value::Array(out),
                Some(Frame::Object(_, out, _)) => Value::Object(out),
                None => return Value::Null, // not reached: checked above
            },
        };
        match stack.last_mut() {
            None => return finished,
            Some(Frame::Array(_, out)) => out.push(finished),
            Some(Frame::Object(_, out, pending)) => {
                out.insert(std::mem::take(pending), finished);
            }
        }
    }
}

/// Applies a 3.0 `nullable: true` to a converted schema object (without the keyword).
fn make_nullable(mut out: Map<String, Value>) -> Value {
    if out.iter().any(|(k, v)| rejects_null_by_itself(k, v)) {
        return wrap_nullable(out);
    }
    if let Some(t) = out.get_mut("type") {
        match t {
            Value::String(s) if s != "null" => {
                let s = std::mem::take(s);
                *t = Value::Array(vec![Value::String(s), Value::String("null".to_owned())]);
            }
            Value::Array(types) if !types.iter().any(|x| x.as_str() == Some("null")) => {
                types.push(Value::String("null".to_owned()));
            }
            _ => {}
        }
    }
    if let Some(Value::Array(values)) = out.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    Value::Object(out)
}

/// `anyOf: [<schema>, {type: null}]`, annotations left on the outer object, `anyOf` at the
/// position of the first keyword it absorbs.
fn wrap_nullable(out: Map<String, Value>) -> Value {
    let mut outer = Map::new();
    let mut inner = Map::new();
    for (key, value) in out {
        if stays_outside_wrap(&key) {
            outer.insert(key, value);
        } else {
            if inner.is_empty() {
                // Placeholder that fixes the position; filled below.
                outer.insert("anyOf".to_owned(), Value::Null);
            }
            inner.insert(key, value);
        }
    }
    let mut null = Map::new();
    null.insert("type".to_owned(), Value::String("null".to_owned()));
    outer.insert(
        "anyOf".to_owned(),
        Value::Array(vec![Value::Object(inner), Value::Object(null)]),
    );
    Value::Object(outer)
}

/// True for the OpenAPI dialect URIs (`https://spec.openapis.org/oas/3.1/dialect/base`, …),
/// which validators do not know.
fn is_oas_dialect(uri: &str) -> bool {
    uri.starts_with("https://spec.openapis.org/oas/")
        || uri.starts_with("http://spec.openapis.org/oas/")
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The loader's usual rewrite: components become `$defs` of the IR schema; anything else is
    /// left unresolved.
    fn to_defs(r: &str, _at: &str) -> Option<String> {
        r.strip_prefix("#/components/schemas/")
            .map(|name| format!("#/$defs/{name}"))
    }

    fn run(input: &Value, dialect: Dialect, direction: Direction) -> Converted {
        convert_with_notes(input, dialect, direction, &mut to_defs)
    }

    /// Converts, compares with `expected` *including key order*, checks that `jsonschema`
    /// compiles the output, and returns the notes.
    #[track_caller]
    fn check(input: Value, dialect: Dialect, direction: Direction, expected: Value) -> Vec<Note> {
        let converted = run(&input, dialect, direction);
        assert_eq!(
            serde_json::to_string_pretty(&converted.schema).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap(),
        );
        assert_compiles(&converted.schema);
        converted.notes
    }

    fn collect_def_refs(value: &Value, names: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if let (true, Some(name)) = (
                        k == "$ref",
                        v.as_str().and_then(|r| r.strip_prefix("#/$defs/")),
                    ) {
                        names.push(name.to_owned());
                    }
                    collect_def_refs(v, names);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_def_refs(v, names)),
            _ => {}
        }
    }

    /// Builds a 2020-12 validator from `schema`, with a stub `$defs` entry for every
    /// `#/$defs/<name>` reference the converter produced.
    #[track_caller]
    fn assert_compiles(schema: &Value) {
        let mut schema = schema.clone();
        let mut names = Vec::new();
        collect_def_refs(&schema, &mut names);
        if let (Value::Object(map), false) = (&mut schema, names.is_empty()) {
            let defs = map.entry("$defs").or_insert_with(|| json!({}));
            for name in names {
                defs.as_object_mut()
                    .unwrap()
                    .entry(name)
                    .or_insert_with(|| json!({ "type": "object" }));
            }
        }
        if let Err(e) = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
        {
            panic!("does not compile: {e}\n{schema:#}");
        }
    }

    fn codes(notes: &[Note]) -> Vec<&'static str> {
        notes.iter().map(|n| n.code).collect()
    }

    use Dialect::{OpenApi30 as V30, OpenApi31 as V31};
    use Direction::{Request, Response};

    #[test]
    fn nullable_with_type_becomes_a_type_array() {
        let notes = check(
            json!({ "type": "string", "nullable": true, "maxLength": 5 }),
            V30,
            Response,
            json!({ "type": ["string", "null"], "maxLength": 5 }),
        );
        assert_eq!(notes, vec![]);
        check(
            json!({ "type": ["string", "integer"], "nullable": true }),
            V30,
            Response,
            json!({ "type": ["string", "integer", "null"] }),
        );
    }

    #[test]
    fn nullable_enum_gets_null_once() {
        check(
            json!({ "type": "string", "enum": ["a", "b"], "nullable": true }),
            V30,
            Response,
            json!({ "type": ["string", "null"], "enum": ["a", "b", null] }),
        );
        check(
            json!({ "type": "string", "nullable": true, "enum": ["a", null] }),
            V30,
            Response,
            json!({ "type": ["string", "null"], "enum": ["a", null] }),
        );
        // No `type`, nothing else rejecting null: the enum alone is extended.
        check(
            json!({ "enum": [1, 2], "nullable": true }),
            V30,
            Response,
            json!({ "enum": [1, 2, null] }),
        );
    }

    #[test]
    fn nullable_without_type_wraps_in_any_of_with_annotations_outside() {
        check(
            json!({
                "description": "the owner",
                "nullable": true,
                "allOf": [{ "$ref": "#/components/schemas/User" }],
                "readOnly": true
            }),
            V30,
            Response,
            json!({
                "description": "the owner",
                "anyOf": [{ "allOf": [{ "$ref": "#/$defs/User" }] }, { "type": "null" }],
                "readOnly": true
            }),
        );
        check(
            json!({
                "oneOf": [
                    { "$ref": "#/components/schemas/Cat" },
                    { "$ref": "#/components/schemas/Dog" }
                ],
                "discriminator": { "propertyName": "kind" },
                "nullable": true,
                "title": "Pet"
            }),
            V30,
            Response,
            json!({
                "anyOf": [
                    {
                        "oneOf": [{ "$ref": "#/$defs/Cat" }, { "$ref": "#/$defs/Dog" }],
                        "discriminator": { "propertyName": "kind" }
                    },
                    { "type": "null" }
                ],
                "title": "Pet"
            }),
        );
    }

    #[test]
    fn nullable_with_type_and_all_of_wraps_because_all_of_rejects_null() {
        check(
            json!({
                "type": "object",
                "nullable": true,
                "allOf": [{ "$ref": "#/components/schemas/Base" }],
                "properties": { "x": { "type": "string" } }
            }),
            V30,
            Response,
            json!({
                "anyOf": [
                    {
                        "type": "object",
                        "allOf": [{ "$ref": "#/$defs/Base" }],
                        "properties": { "x": { "type": "string" } }
                    },
                    { "type": "null" }
                ]
            }),
        );
    }

    #[test]
    fn nullable_ref_in_30_wraps_and_keeps_annotations() {
        let notes = check(
            json!({
                "$ref": "#/components/schemas/User",
                "nullable": true,
                "description": "may be absent",
                "maxLength": 3
            }),
            V30,
            Response,
            json!({
                "anyOf": [{ "$ref": "#/$defs/User" }, { "type": "null" }],
                "description": "may be absent"
            }),
        );
        assert_eq!(codes(&notes), vec![NOTE_REF_SIBLINGS_IGNORED]);
    }

    #[test]
    fn nullable_false_and_pointless_nullable_are_dropped() {
        check(
            json!({ "type": "integer", "nullable": false }),
            V30,
            Request,
            json!({ "type": "integer" }),
        );
        check(
            json!({ "nullable": true, "minLength": 1 }),
            V30,
            Request,
            json!({ "minLength": 1 }),
        );
    }

    #[test]
    fn nullable_in_31_is_left_alone_with_a_note() {
        let notes = check(
            json!({ "type": "string", "nullable": true }),
            V31,
            Response,
            json!({ "type": "string", "nullable": true }),
        );
        assert_eq!(codes(&notes), vec![NOTE_DIALECT_MISMATCH]);
    }

    #[test]
    fn ref_siblings_in_30_are_dropped_except_annotations() {
        let notes = check(
            json!({
                "$ref": "#/components/schemas/Name",
                "maxLength": 3,
                "description": "n",
                "type": "string",
                "x-internal": true
            }),
            V30,
            Response,
            json!({ "$ref": "#/$defs/Name", "description": "n", "x-internal": true }),
        );
        assert_eq!(notes.len(), 1);
        assert_eq!(notes[0].code, NOTE_REF_SIBLINGS_IGNORED);
        assert_eq!(notes[0].pointer, "");
        assert!(
            notes[0].message.contains("`maxLength`, `type`"),
            "{}",
            notes[0].message
        );
    }

    #[test]
    fn ref_siblings_in_31_are_kept_and_converted() {
        let notes = check(
            json!({
                "$ref": "#/components/schemas/Name",
                "maxLength": 3,
                "description": "n",
                "properties": { "a": { "$ref": "#/components/schemas/A" } }
            }),
            V31,
            Response,
            json!({
                "$ref": "#/$defs/Name",
                "maxLength": 3,
                "description": "n",
                "properties": { "a": { "$ref": "#/$defs/A" } }
            }),
        );
        assert_eq!(notes, vec![]);
    }

    #[test]
    fn boolean_exclusive_bounds_become_numeric() {
        let notes = check(
            json!({
                "type": "number",
                "minimum": 0,
                "exclusiveMinimum": true,
                "maximum": 10,
                "exclusiveMaximum": false
            }),
            V30,
            Response,
            json!({ "type": "number", "exclusiveMinimum": 0, "maximum": 10 }),
        );
        assert_eq!(notes, vec![]);
        check(
            json!({ "exclusiveMaximum": true, "maximum": 10.5, "type": "number" }),
            V30,
            Response,
            json!({ "exclusiveMaximum": 10.5, "type": "number" }),
        );
    }

    #[test]
    fn boolean_exclusive_bound_without_its_bound_is_dropped_with_a_note() {
        let notes = check(
            json!({ "type": "number", "exclusiveMaximum": true, "exclusiveMinimum": false }),
            V30,
            Response,
            json!({ "type": "number" }),
        );
        assert_eq!(codes(&notes), vec![NOTE_INVALID]);
    }

    #[test]
    fn exclusive_bounds_across_dialects() {
        // 3.1 numeric form: untouched.
        let notes = check(
            json!({ "type": "number", "exclusiveMinimum": 0 }),
            V31,
            Response,
            json!({ "type": "number", "exclusiveMinimum": 0 }),
        );
        assert_eq!(notes, vec![]);
        // 3.0 form in a 3.1 document: converted anyway (it would not compile), with a note.
        let notes = check(
            json!({ "type": "number", "maximum": 5, "exclusiveMaximum": true }),
            V31,
            Response,
            json!({ "type": "number", "exclusiveMaximum": 5 }),
        );
        assert_eq!(codes(&notes), vec![NOTE_DIALECT_MISMATCH]);
        // 3.1 form in a 3.0 document: kept, with a note.
        let notes = check(
            json!({ "type": "number", "exclusiveMinimum": 1 }),
            V30,
            Response,
            json!({ "type": "number", "exclusiveMinimum": 1 }),
        );
        assert_eq!(codes(&notes), vec![NOTE_DIALECT_MISMATCH]);
    }

    fn account() -> Value {
        json!({
            "type": "object",
            "required": ["id", "name", "password"],
            "properties": {
                "id": { "type": "integer", "readOnly": true },
                "name": { "type": "string" },
                "password": { "type": "string", "writeOnly": true }
            }
        })
    }

    #[test]
    fn read_only_properties_are_removed_from_requests() {
        for dialect in [V30, V31] {
            check(
                account(),
                dialect,
                Request,
                json!({
                    "type": "object",
                    "required": ["name", "password"],
                    "properties": {
                        "name": { "type": "string" },
                        "password": { "type": "string", "writeOnly": true }
                    }
                }),
            );
        }
    }

    #[test]
    fn write_only_properties_are_removed_from_responses() {
        for dialect in [V30, V31] {
            check(
                account(),
                dialect,
                Response,
                json!({
                    "type": "object",
                    "required": ["id", "name"],
                    "properties": {
                        "id": { "type": "integer", "readOnly": true },
                        "name": { "type": "string" }
                    }
                }),
            );
        }
    }

    #[test]
    fn read_only_ref_sibling_and_nullable_wrapped_forms_count() {
        // 3.1: `$ref` with a `readOnly` sibling.
        check(
            json!({
                "type": "object",
                "required": ["owner", "id"],
                "properties": {
                    "owner": { "$ref": "#/components/schemas/User", "readOnly": true },
                    "id": { "type": "string" }
                }
            }),
            V31,
            Request,
            json!({
                "type": "object",
                "required": ["id"],
                "properties": { "id": { "type": "string" } }
            }),
        );
        // 3.0: nullable `$ref` with `readOnly`: removed from requests, wrapped in responses.
        let schema = json!({
            "type": "object",
            "required": ["owner"],
            "properties": {
                "owner": { "$ref": "#/components/schemas/User", "nullable": true, "readOnly": true }
            }
        });
        check(
            schema.clone(),
            V30,
            Request,
            json!({ "type": "object", "required": [], "properties": {} }),
        );
        check(
            schema,
            V30,
            Response,
            json!({
                "type": "object",
                "required": ["owner"],
                "properties": {
                    "owner": {
                        "anyOf": [{ "$ref": "#/$defs/User" }, { "type": "null" }],
                        "readOnly": true
                    }
                }
            }),
        );
    }

    #[test]
    fn read_only_deeper_than_the_property_schema_does_not_count() {
        let schema = json!({
            "type": "object",
            "required": ["x", "y"],
            "properties": {
                "x": { "allOf": [{ "readOnly": true }] },
                "y": { "type": "string", "readOnly": false }
            }
        });
        check(schema.clone(), V31, Request, schema);
    }

    #[test]
    fn one_way_properties_are_removed_at_every_level() {
        check(
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["secret"],
                    "properties": { "secret": { "type": "string", "writeOnly": true } }
                }
            }),
            V31,
            Response,
            json!({
                "type": "array",
                "items": { "type": "object", "required": [], "properties": {} }
            }),
        );
    }

    #[test]
    fn annotations_are_kept() {
        let schema = json!({
            "type": "object",
            "description": "A pet",
            "example": { "name": "Rex", "nullable": true },
            "xml": { "name": "pet" },
            "externalDocs": { "url": "https://example.com/pets" },
            "deprecated": true,
            "discriminator": {
                "propertyName": "kind",
                "mapping": { "dog": "#/components/schemas/Dog" }
            },
            "properties": { "kind": { "type": "string", "format": "int32" } }
        });
        for dialect in [V30, V31] {
            let notes = check(schema.clone(), dialect, Response, schema.clone());
            assert_eq!(notes, vec![]);
        }
        let notes = check(
            json!({ "type": "string", "examples": ["a", "b"], "example": "a" }),
            V31,
            Response,
            json!({ "type": "string", "examples": ["a", "b"], "example": "a" }),
        );
        assert_eq!(notes, vec![]);
    }

    #[test]
    fn oas_dialect_schema_uri_is_stripped_and_2020_12_kept() {
        check(
            json!({ "$schema": "https://spec.openapis.org/oas/3.1/dialect/base", "type": "string" }),
            V31,
            Response,
            json!({ "type": "string" }),
        );
        check(
            json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string" }),
            V31,
            Response,
            json!({ "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string" }),
        );
    }

    #[test]
    fn integer_formats_get_no_bounds() {
        let schema = json!({
            "type": "object",
            "properties": {
                "a": { "type": "integer", "format": "int32" },
                "b": { "type": "integer", "format": "int64" }
            }
        });
        check(schema.clone(), V30, Response, schema);
    }

    #[test]
    fn keywords_of_31_in_a_30_document_pass_with_notes() {
        let notes = check(
            json!({ "type": ["string", "null"], "const": "x" }),
            V30,
            Response,
            json!({ "type": ["string", "null"], "const": "x" }),
        );
        assert_eq!(
            codes(&notes),
            vec![NOTE_DIALECT_MISMATCH, NOTE_DIALECT_MISMATCH]
        );
        // And 3.1 applicators in a 3.0 document are still walked with 3.0 rules.
        let notes = check(
            json!({
                "type": "object",
                "patternProperties": { "^x-": { "type": "string", "nullable": true } }
            }),
            V30,
            Response,
            json!({
                "type": "object",
                "patternProperties": { "^x-": { "type": ["string", "null"] } }
            }),
        );
        assert_eq!(codes(&notes), vec![NOTE_DIALECT_MISMATCH]);
    }

    #[test]
    fn nullable_with_const_wraps() {
        check(
            json!({ "type": "string", "const": "on", "nullable": true }),
            V30,
            Response,
            json!({ "anyOf": [{ "type": "string", "const": "on" }, { "type": "null" }] }),
        );
    }

    #[test]
    fn every_subschema_position_is_walked() {
        let n = json!({ "type": "string", "nullable": true });
        let c = json!({ "type": ["string", "null"] });
        let input = json!({
            "properties": { "a": n, "b": { "$ref": "#/components/schemas/B" } },
            "patternProperties": { "^p": n },
            "additionalProperties": n,
            "items": n,
            "prefixItems": [n, n],
            "contains": n,
            "allOf": [n],
            "anyOf": [n, n],
            "oneOf": [n],
            "not": n,
            "if": n,
            "then": n,
            "else": n,
            "dependentSchemas": { "a": n },
            "propertyNames": n,
            "unevaluatedProperties": n,
            "unevaluatedItems": n,
            "$defs": { "D": n },
            "definitions": { "D": n },
            "contentSchema": n
        });
        let expected = json!({
            "properties": { "a": c, "b": { "$ref": "#/$defs/B" } },
            "patternProperties": { "^p": c },
            "additionalProperties": c,
            "items": c,
            "prefixItems": [c, c],
            "contains": c,
            "allOf": [c],
            "anyOf": [c, c],
            "oneOf": [c],
            "not": c,
            "if": c,
            "then": c,
            "else": c,
            "dependentSchemas": { "a": c },
            "propertyNames": c,
            "unevaluatedProperties": c,
            "unevaluatedItems": c,
            "$defs": { "D": c },
            "definitions": { "D": c },
            "contentSchema": c
        });
        check(input, V30, Response, expected);
    }

    #[test]
    fn data_positions_are_never_walked() {
        let schema = json!({
            "type": "object",
            "enum": [{ "$ref": "#/components/schemas/A", "nullable": true }],
            "default": { "$ref": "#/components/schemas/A" },
            "example": { "exclusiveMinimum": true, "minimum": 1 },
            "x-schema": { "$ref": "#/components/schemas/A", "nullable": true },
            "discriminator": {
                "propertyName": "k",
                "mapping": { "a": "#/components/schemas/A" }
            },
            "const": { "$ref": "#/components/schemas/A" },
            "examples": [{ "properties": { "id": { "readOnly": true } } }]
        });
        let mut calls = 0;
        let mut count = |_: &str, _: &str| {
            calls += 1;
            None
        };
        let out = convert(&schema, V31, Request, &mut count);
        assert_eq!(calls, 0);
        assert_eq!(out.to_string(), schema.to_string());
        assert_compiles(&out);
    }

    #[test]
    fn boolean_schemas_pass_through() {
        let schema = json!({
            "type": "object",
            "properties": { "a": true, "b": false },
            "items": false,
            "additionalProperties": false
        });
        check(schema.clone(), V31, Response, schema);
        check(json!(true), V31, Response, json!(true));
        check(json!(false), V31, Request, json!(false));
    }

    #[test]
    fn rewrite_ref_gets_the_pointer_of_each_ref_object_and_none_keeps_the_ref() {
        let schema = json!({
            "$ref": "#/components/schemas/Root",
            "properties": {
                "a/b": { "$ref": "#/components/schemas/A" },
                "list": { "items": { "$ref": "https://example.com/unknown.json" } }
            },
            "allOf": [{ "$ref": "#/components/schemas/B" }]
        });
        let mut calls = Vec::new();
        let mut record = |r: &str, at: &str| {
            calls.push((r.to_owned(), at.to_owned()));
            to_defs(r, at)
        };
        let out = convert(&schema, V31, Response, &mut record);
        assert_eq!(
            calls,
            vec![
                ("#/components/schemas/Root".to_owned(), String::new()),
                (
                    "#/components/schemas/A".to_owned(),
                    "/properties/a~1b".to_owned()
                ),
                (
                    "https://example.com/unknown.json".to_owned(),
                    "/properties/list/items".to_owned()
                ),
                ("#/components/schemas/B".to_owned(), "/allOf/0".to_owned()),
            ]
        );
        assert_eq!(
            out.to_string(),
            json!({
                "$ref": "#/$defs/Root",
                "properties": {
                    "a/b": { "$ref": "#/$defs/A" },
                    "list": { "items": { "$ref": "https://example.com/unknown.json" } }
                },
                "allOf": [{ "$ref": "#/$defs/B" }]
            })
            .to_string()
        );
    }

    #[test]
    fn notes_point_at_the_schema_concerned() {
        let notes = run(
            &json!({
                "properties": {
                    "a": { "type": "number", "exclusiveMinimum": true },
                    "b": { "items": { "requried": ["x"] } }
                }
            }),
            V30,
            Response,
        )
        .notes;
        let got: Vec<(&str, &str)> = notes.iter().map(|n| (n.pointer.as_str(), n.code)).collect();
        assert_eq!(
            got,
            vec![
                ("/properties/a", NOTE_INVALID),
                ("/properties/b/items", NOTE_UNKNOWN_KEYWORD),
            ]
        );
    }

    /// `{"not": inner}`, `{"properties": {"p": inner}}` or `{"allOf": [inner]}`, built by hand:
    /// `json!` would serialize (and so copy, recursively) `inner` each time.
    fn wrap(key: &str, inner: Value) -> Value {
        let one = |k: &str, v: Value| Value::Object(Map::from_iter([(k.to_owned(), v)]));
        match key {
            "properties" => one("properties", one("p", inner)),
            "allOf" => one("allOf", Value::Array(vec![inner])),
            _ => one(key, inner),
        }
    }

    /// `depth` schemas nested with `key`, innermost `leaf`.
    fn chain(key: &str, depth: usize, leaf: Value) -> Value {
        let mut v = leaf;
        for _ in 0..depth {
            v = wrap(key, v);
        }
        v
    }

    #[test]
    fn deep_nesting_is_cut_off_without_overflowing_the_stack() {
        let leaf = json!({ "type": "string", "nullable": true });
        for (key, step) in [
            ("not", "/not"),
            ("properties", "/properties/p"),
            ("allOf", "/allOf/0"),
        ] {
            let leaf = leaf.clone();
            // A small stack, to show that the walk's stack use is bounded by MAX_DEPTH and that
            // the part below the cut is copied without recursion. (Comparing or dropping values
            // this deep recurses, so the test checks by pointer and forgets them.)
            let handle = std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || {
                    let input = chain(key, 5000, leaf.clone());
                    let out = run(&input, V30, Response);
                    assert_eq!(codes(&out.notes), vec![NOTE_TOO_DEEP]);
                    assert_eq!(out.notes[0].pointer, step.repeat(MAX_DEPTH));
                    // Nothing was converted: the only `nullable` is below the cut.
                    assert_eq!(out.schema.pointer(&step.repeat(5000)), Some(&leaf));
                    std::mem::forget(input);
                    std::mem::forget(out);
                })
                .unwrap();
            handle.join().unwrap();
        }
        // Just above the cut: converted.
        let out = run(&chain("not", MAX_DEPTH - 1, leaf.clone()), V30, Response);
        assert_eq!(out.notes, vec![]);
        let expected = chain("not", MAX_DEPTH - 1, json!({ "type": ["string", "null"] }));
        assert_eq!(out.schema, expected);
        let out = run(&chain("not", MAX_DEPTH, leaf), V30, Response);
        assert_eq!(codes(&out.notes), vec![NOTE_TOO_DEEP]);
    }

    #[test]
    fn copy_deep_is_a_faithful_clone() {
        let v = json!({
            "a": [1, { "b": null, "c": [true, "x", 1.5, []] }, {}],
            "d": { "e": { "f": "g" } },
            "h": -3
        });
        assert_eq!(copy_deep(&v).to_string(), v.to_string());
        assert_eq!(copy_deep(&json!(7)), json!(7));
        assert_eq!(copy_deep(&json!([])), json!([]));
    }

    #[test]
    fn malformed_values_are_copied_with_notes() {
        let input = json!({
            "properties": [1],
            "allOf": { "a": 1 },
            "items": 5,
            "not": "x",
            "$ref": 7,
            "exclusiveMinimum": "1"
        });
        let out = run(&input, V31, Response);
        assert_eq!(out.schema.to_string(), input.to_string());
        assert_eq!(
            codes(&out.notes),
            vec![
                NOTE_INVALID,
                NOTE_INVALID,
                NOTE_INVALID,
                NOTE_INVALID,
                NOTE_INVALID,
                NOTE_INVALID
            ]
        );
        let out = run(
            &json!({ "type": "string", "nullable": "yes" }),
            V30,
            Response,
        );
        assert_eq!(out.schema, json!({ "type": "string", "nullable": "yes" }));
        assert_eq!(codes(&out.notes), vec![NOTE_INVALID]);
        // A non-schema root.
        let out = run(&json!(42), V31, Response);
        assert_eq!(out.schema, json!(42));
        assert_eq!(codes(&out.notes), vec![NOTE_INVALID]);
    }

    #[test]
    fn id_is_removed_and_dynamic_ref_is_reported() {
        let out = run(
            &json!({
                "$id": "https://example.com/pet",
                "$anchor": "pet",
                "type": "object",
                "properties": { "self": { "$dynamicRef": "#meta" } }
            }),
            V31,
            Response,
        );
        assert_eq!(
            out.schema.to_string(),
            json!({
                "$anchor": "pet",
                "type": "object",
                "properties": { "self": { "$dynamicRef": "#meta" } }
            })
            .to_string()
        );
        assert_eq!(codes(&out.notes), vec![NOTE_ID_REMOVED, NOTE_UNSUPPORTED]);
        assert_eq!(out.notes[1].pointer, "/properties/self");
    }

    #[test]
    fn legacy_array_items_become_prefix_items() {
        let notes = check(
            json!({
                "type": "array",
                "items": [{ "type": "string" }, { "type": "integer" }],
                "additionalItems": false
            }),
            V31,
            Response,
            json!({
                "type": "array",
                "prefixItems": [{ "type": "string" }, { "type": "integer" }],
                "items": false
            }),
        );
        assert_eq!(codes(&notes), vec![NOTE_LEGACY_KEYWORD]);
    }

    #[test]
    fn legacy_dependencies_schemas_are_walked() {
        let notes = check(
            json!({
                "dependencies": {
                    "a": ["b"],
                    "c": { "properties": { "d": { "$ref": "#/components/schemas/D" } } }
                }
            }),
            V31,
            Response,
            json!({
                "dependencies": {
                    "a": ["b"],
                    "c": { "properties": { "d": { "$ref": "#/$defs/D" } } }
                }
            }),
        );
        assert_eq!(codes(&notes), vec![NOTE_LEGACY_KEYWORD]);
    }

    #[test]
    fn unknown_keywords_are_kept_with_a_note() {
        for dialect in [V30, V31] {
            let notes = check(
                json!({ "type": "object", "requried": ["a"], "x-ok": 1 }),
                dialect,
                Response,
                json!({ "type": "object", "requried": ["a"], "x-ok": 1 }),
            );
            assert_eq!(codes(&notes), vec![NOTE_UNKNOWN_KEYWORD]);
        }
    }

    #[test]
    fn key_order_is_the_input_order() {
        check(
            json!({
                "properties": { "z": { "type": "string" }, "a": { "type": "string" } },
                "required": ["z"],
                "type": "object",
                "title": "T",
                "nullable": true,
                "additionalProperties": false
            }),
            V30,
            Response,
            json!({
                "properties": { "z": { "type": "string" }, "a": { "type": "string" } },
                "required": ["z"],
                "type": ["object", "null"],
                "title": "T",
                "additionalProperties": false
            }),
        );
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// Arbitrary JSON built mostly from schema keywords, so the walk goes deep into odd shapes.
        fn arb_value() -> impl Strategy<Value = Value> {
            let key = prop_oneof![
                Just("type"),
                Just("nullable"),
                Just("$ref"),
                Just("properties"),
                Just("required"),
                Just("items"),
                Just("allOf"),
                Just("anyOf"),
                Just("not"),
                Just("enum"),
                Just("minimum"),
                Just("exclusiveMinimum"),
                Just("readOnly"),
                Just("writeOnly"),
                Just("additionalItems"),
                Just("dependencies"),
                Just("$schema"),
                Just("$id"),
                Just("p"),
            ]
            .prop_map(str::to_owned);
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i32>().prop_map(Value::from),
                prop_oneof![
                    Just("string"),
                    Just("null"),
                    Just("#/components/schemas/A"),
                    Just("https://spec.openapis.org/oas/3.1/dialect/base"),
                    Just("p"),
                ]
                .prop_map(Value::from),
            ];
            leaf.prop_recursive(6, 64, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    prop::collection::vec((key.clone(), inner), 0..6)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #[test]
            fn never_panics_and_is_deterministic(v in arb_value()) {
                for dialect in [V30, V31] {
                    for direction in [Request, Response] {
                        let a = run(&v, dialect, direction);
                        let b = run(&v, dialect, direction);
                        prop_assert_eq!(a, b);
                    }
                }
            }
        }
    }
}

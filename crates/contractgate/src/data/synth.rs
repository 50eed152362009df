//! Values synthesized from a JSON Schema 2020-12 value: deterministic for a seed, and checked
//! against the schema before they are used.
//!
//! The generator honours `type` (including type arrays with `"null"`), `const`, `enum`, `format`
//! (date, date-time, time, uuid, email, uri, hostname, ipv4/ipv6, byte, binary, ...), numeric bounds
//! and `multipleOf`, lengths, `pattern` (through [`rand_regex`]), required and optional properties,
//! `additionalProperties`, `minProperties`, `allOf` (merged), `oneOf`/`anyOf` (a branch whose value
//! validates), `not`, `prefixItems`/`items`/`contains`/`uniqueItems`, and `$ref` into the schema's
//! own `$defs` with a bounded depth. Every candidate is validated; after a few seeds the error says
//! why the schema could not be satisfied.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde_json::{Map, Number, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

use crate::schema::{InApi, Refs, compile};

/// Nesting depth past which only required properties and minimum item counts are generated.
const SHALLOW_DEPTH: usize = 3;
/// Nesting depth past which generation gives up (a required property that recurses forever).
const MAX_DEPTH: usize = 24;
/// Whole-value attempts with successive seeds before giving up.
const ATTEMPTS: u64 = 12;

/// Why no value could be synthesized for a schema.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot synthesize a value for the schema: {reason}")]
pub struct Unsatisfiable {
    /// Why, in a sentence (with the validator's complaints when a candidate was rejected).
    pub reason: String,
}

/// Synthesizes a value for `schema` that validates against it (formats checked), trying a few
/// seeds derived from `seed`. Same schema and seed, same value.
pub fn synthesize(schema: &Value, seed: u64) -> Result<Value, Unsatisfiable> {
    synthesize_in(schema, seed, None)
}

/// [`synthesize`] for a schema of the API (`in_api`): its references to shared schemas resolve
/// in the API's registry.
pub(crate) fn synthesize_in(
    schema: &Value,
    seed: u64,
    in_api: Option<InApi<'_>>,
) -> Result<Value, Unsatisfiable> {
    let compiled = match in_api {
        Some(a) => a.cache.get_text(schema, a.direction),
        None => Arc::new(compile(schema)),
    };
    let validator = compiled.as_ref().as_ref().map_err(|e| Unsatisfiable {
        reason: format!("the schema does not compile: {e}"),
    })?;
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        let mut g = Generator::within(
            schema,
            seed.wrapping_add(attempt.wrapping_mul(0x9E37_79B9)),
            in_api,
        );
        match g.gen_value(schema, 0) {
            Ok(value) => {
                let errors: Vec<String> = validator
                    .iter_errors(&value)
                    .take(3)
                    .map(|e| format!("{} at `{}`", e, e.instance_path()))
                    .collect();
                if errors.is_empty() {
                    return Ok(value);
                }
                last = format!(
                    "every candidate failed validation, e.g. {}: {}",
                    value,
                    errors.join("; ")
                );
            }
            Err(reason) => last = reason,
        }
    }
    Err(Unsatisfiable { reason: last })
}

/// A small stable hash (FNV-1a) for deriving seeds from names.
pub fn seed_for(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

pub(crate) struct Generator<'a> {
    refs: Refs<'a>,
    in_api: Option<InApi<'a>>,
    rng: Xoshiro256PlusPlus,
    node_validators: HashMap<String, Option<jsonschema::Validator>>,
}

type GenResult = Result<Value, String>;

impl<'a> Generator<'a> {
    /// A generator for `root`, a schema of the API (`in_api`) or one that stands alone.
    pub(crate) fn within(root: &'a Value, seed: u64, in_api: Option<InApi<'a>>) -> Self {
        Generator {
            refs: match in_api {
                Some(a) => a.cache.refs(root, a.direction),
                None => Refs::alone(root),
            },
            in_api,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            node_validators: HashMap::new(),
        }
    }

    /// Whether `value` validates against `node` (a sub-schema of the root, with the root's `$defs`).
    fn node_accepts(&mut self, node: &Value, value: &Value) -> bool {
        let mut schema = node.clone();
        if let (Value::Object(map), Some(defs)) = (&mut schema, self.refs.root.get("$defs")) {
            map.entry("$defs").or_insert_with(|| defs.clone());
        }
        if let Some(a) = self.in_api {
            return match a.cache.get_text(&schema, a.direction).as_ref() {
                Ok(v) => v.is_valid(value),
                Err(_) => true,
            };
        }
        let key = schema.to_string();
        let validator = self
            .node_validators
            .entry(key)
            .or_insert_with(|| compile(&schema).ok());
        match validator {
            Some(v) => v.is_valid(value),
            None => true,
        }
    }

    fn resolve(&self, reference: &str) -> Result<&'a Value, String> {
        if !reference.starts_with('#') {
            return Err(format!("`$ref: {reference}` is not local to the schema"));
        }
        self.refs
            .follow(reference)
            .ok_or_else(|| format!("`$ref: {reference}` does not resolve"))
    }

    /// [`Generator::flatten`] from the top.
    pub(crate) fn flatten_schema(&self, schema: &Value) -> Result<Value, String> {
        self.flatten(schema, 0)
    }

    /// Resolves `$ref` and merges `allOf`, giving one schema object without either at its top.
    fn flatten(&self, schema: &Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the schema nests deeper than {MAX_DEPTH} levels (a required property that refers to itself?)"
            ));
        }
        let Value::Object(map) = schema else {
            return Ok(schema.clone());
        };
        let mut base = map.clone();
        let mut parts = Vec::new();
        if let Some(Value::String(r)) = base.remove("$ref") {
            parts.push(self.flatten(self.resolve(&r)?, depth + 1)?);
        }
        if let Some(Value::Array(all)) = base.remove("allOf") {
            for sub in &all {
                parts.push(self.flatten(sub, depth + 1)?);
            }
        }
        let mut merged = Value::Object(base);
        for part in parts {
            merged = merge(merged, part);
        }
        Ok(merged)
    }

    fn gen_value(&mut self, schema: &Value, depth: usize) -> GenResult {
        if depth > MAX_DEPTH {
            return Err(format!(
                "the schema nests deeper than {MAX_DEPTH} levels (a required property that refers to itself?)"
            ));
        }
        let flat = match schema {
            Value::Bool(true) => return Ok(json!("value")),
            Value::Bool(false) => return Err("the schema `false` accepts no value".into()),
            Value::Object(_) => self.flatten(schema, depth)?,
            other => return Err(format!("`{other}` is not a schema")),
        };
        let Value::Object(map) = &flat else {
            return Err(format!("`{flat}` is not a schema"));
        };
        if map.get("const").is_some() || map.get("enum").is_some() {
            // Fall through to the same choice with not/oneOf checks below.
        }
        for _ in 0..6 {
            let value = self.gen_flat(&flat, map, depth)?;
            if let Some(not) = map.get("not") {
                let not = not.clone();
                if self.node_accepts(&not, &value) {
                    continue;
                }
            }
            return Ok(value);
        }
        Err("every candidate matched the schema's `not`".into())
    }

    fn gen_flat(&mut self, flat: &Value, map: &Map<String, Value>, depth: usize) -> GenResult {
        if let Some(c) = map.get("const") {
            return Ok(c.clone());
        }
        if let Some(Value::Array(values)) = map.get("enum") {
            let typed: Vec<&Value> = values.iter().filter(|v| has_type(map, v)).collect();
            if typed.is_empty() {
                return Err(format!(
                    "no `enum` value ({}) has the schema's `type` ({})",
                    Value::Array(values.clone()),
                    map.get("type").map_or_else(String::new, Value::to_string)
                ));
            }
            let non_null: Vec<&Value> = typed.iter().copied().filter(|v| !v.is_null()).collect();
            let pool = if non_null.is_empty() { typed } else { non_null };
            let i = self.rng.random_range(0..pool.len());
            return Ok(pool[i].clone());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = map.get(key) {
                return self.gen_branches(flat, map, key, branches, depth);
            }
        }
        let ty = self.pick_type(map)?;
        match ty.as_str() {
            "null" => Ok(Value::Null),
            "boolean" => Ok(Value::Bool(self.rng.random_bool(0.5))),
            "integer" => self.gen_integer(map),
            "number" => self.gen_number(map),
            "string" => self.gen_string(map).map(Value::String),
            "array" => self.gen_array(map, depth),
            "object" => self.gen_object(map, depth),
            other => Err(format!("unknown type `{other}`")),
        }
    }

    fn gen_branches(
        &mut self,
        flat: &Value,
        map: &Map<String, Value>,
        key: &str,
        branches: &[Value],
        depth: usize,
    ) -> GenResult {
        if branches.is_empty() {
            return Err(format!("`{key}` has no branches"));
        }
        let mut rest = map.clone();
        rest.remove(key);
        let start = self.rng.random_range(0..branches.len());
        let mut reasons = Vec::new();
        // Past the shallow depth, try branches in order: the first is usually the simplest.
        for i in 0..branches.len() {
            let index = if depth >= SHALLOW_DEPTH {
                i
            } else {
                (start + i) % branches.len()
            };
            let branch = match self.flatten(&branches[index], depth + 1) {
                Ok(b) => b,
                Err(e) => {
                    reasons.push(e);
                    continue;
                }
            };
            let candidate = merge(Value::Object(rest.clone()), branch);
            match self.gen_value(&candidate, depth + 1) {
                Ok(value) if self.node_accepts(flat, &value) => return Ok(value),
                Ok(_) => reasons.push(format!(
                    "a value of {key} branch {index} matched the wrong branches"
                )),
                Err(e) => reasons.push(format!("{key} branch {index}: {e}")),
            }
        }
        Err(format!(
            "no `{key}` branch gave a valid value ({})",
            reasons.join("; ")
        ))
    }

    fn pick_type(&mut self, map: &Map<String, Value>) -> Result<String, String> {
        match map.get("type") {
            Some(Value::String(t)) => Ok(t.clone()),
            Some(Value::Array(types)) => {
                let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
                let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
                match (non_null.first(), names.first()) {
                    (Some(first), _) => Ok((*first).to_owned()),
                    (None, Some(only)) => Ok((*only).to_owned()),
                    (None, None) => Err("`type` is an empty list".into()),
                }
            }
            Some(other) => Err(format!("`type: {other}` is not a type name")),
            None => Ok(infer_type(map).to_owned()),
        }
    }

    fn gen_integer(&mut self, map: &Map<String, Value>) -> GenResult {
        let (lo, hi) = bounds(map);
        let mut lo_i = lo.map_or(i128::MIN, |(v, excl)| {
            let c = v.ceil() as i128;
            if excl && (c as f64) <= v { c + 1 } else { c }
        });
        let mut hi_i = hi.map_or(i128::MAX, |(v, excl)| {
            let f = v.floor() as i128;
            if excl && (f as f64) >= v { f - 1 } else { f }
        });
        lo_i = lo_i.max(i128::from(i64::MIN));
        hi_i = hi_i.min(i128::from(i64::MAX));
        if lo_i > hi_i {
            return Err(format!("no integer lies between {lo_i} and {hi_i}"));
        }
        let step = map.get("multipleOf").and_then(Value::as_f64);
        let (lo_k, hi_k, scale) = match step {
            Some(m) if m > 0.0 && m.fract() == 0.0 => {
                let m = m as i128;
                (div_ceil(lo_i, m), div_floor(hi_i, m), m)
            }
            Some(m) if m > 0.0 => {
                return self.gen_number(map).and_then(|v| {
                    let f = v.as_f64().unwrap_or(0.0);
                    if f.fract() == 0.0 {
                        Ok(json!(f as i64))
                    } else {
                        Err(format!("cannot find an integer that is a multiple of {m}"))
                    }
                });
            }
            _ => (lo_i, hi_i, 1),
        };
        if lo_k > hi_k {
            return Err(format!(
                "no multiple of {scale} lies between {lo_i} and {hi_i}"
            ));
        }
        // Prefer small, readable values near zero inside the bounds.
        let (a, b) = prefer_small(lo_k, hi_k, 100 / scale.max(1) + 1);
        let k = self.rng.random_range(a..=b);
        let v = k * scale;
        let v = i64::try_from(v).map_err(|_| format!("{v} does not fit in 64 bits"))?;
        Ok(Value::Number(v.into()))
    }

    fn gen_number(&mut self, map: &Map<String, Value>) -> GenResult {
        let (lo, hi) = bounds(map);
        let lo_v = lo.map_or(f64::MIN, |(v, _)| v);
        let hi_v = hi.map_or(f64::MAX, |(v, _)| v);
        if lo_v > hi_v {
            return Err(format!("no number lies between {lo_v} and {hi_v}"));
        }
        if let Some(m) = map
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0)
        {
            let lo_k = (lo_v / m).ceil().max(-1e12) as i64;
            let hi_k = (hi_v / m).floor().min(1e12) as i64;
            let (a, b) = prefer_small(i128::from(lo_k), i128::from(hi_k), 100);
            if a > b {
                return Err(format!("no multiple of {m} lies between {lo_v} and {hi_v}"));
            }
            for _ in 0..8 {
                let k = self.rng.random_range(a..=b) as f64;
                let v = k * m;
                if within(v, lo, hi) {
                    return number(v);
                }
            }
            return Err(format!("no multiple of {m} found within the bounds"));
        }
        for _ in 0..16 {
            let candidate = if lo.is_none() && hi.is_none() {
                f64::from(self.rng.random_range(0..1000u32)) / 4.0
            } else {
                let a = if lo_v == f64::MIN {
                    hi_v.min(0.0) - 100.0
                } else {
                    lo_v
                };
                let b = if hi_v == f64::MAX {
                    a.max(0.0) + 100.0
                } else {
                    hi_v
                };
                let t: f64 = self.rng.random_range(0.0..1.0);
                let v = a + (b - a) * t;
                // Round to quarters when that stays within the bounds.
                let r = (v * 4.0).round() / 4.0;
                if within(r, lo, hi) { r } else { v }
            };
            if within(candidate, lo, hi) {
                return number(candidate);
            }
        }
        Err(format!("no number found between {lo_v} and {hi_v}"))
    }

    fn gen_string(&mut self, map: &Map<String, Value>) -> Result<String, String> {
        let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if let Some(max) = max
            && min > max
        {
            return Err(format!("minLength {min} is greater than maxLength {max}"));
        }
        let fits = |s: &str| {
            let n = s.chars().count();
            n >= min && max.is_none_or(|m| n <= m)
        };
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            let translated = translate_pattern(pattern);
            let repeat = max.unwrap_or(min.max(8)).clamp(1, 64) as u32;
            let regex = rand_regex::Regex::compile(&translated, repeat)
                .map_err(|e| format!("cannot generate strings for pattern `{pattern}`: {e}"))?;
            let check = json!({"type": "string", "pattern": pattern});
            for _ in 0..32 {
                let s: String = self.rng.sample(&regex);
                if fits(&s) && self.node_accepts(&check, &Value::String(s.clone())) {
                    return Ok(s);
                }
            }
            return Err(format!(
                "no string matching `{pattern}` had a length between {min} and {}",
                max.map_or("unbounded".to_owned(), |m| m.to_string())
            ));
        }
        if let Some(format) = map.get("format").and_then(Value::as_str)
            && let Some(s) = self.gen_format(format, min, max)
        {
            if fits(&s) {
                return Ok(s);
            }
            if is_checked_format(format) {
                return Err(format!(
                    "no `{format}` string has a length between {min} and {}",
                    max.map_or("unbounded".to_owned(), |m| m.to_string())
                ));
            }
        }
        let upper = max.unwrap_or(usize::MAX).min(min.max(1) + 8);
        let lower = min.max(usize::from(max != Some(0))).min(upper);
        let len = self.rng.random_range(lower..=upper);
        Ok(self.alnum(len))
    }

    fn alnum(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        (0..len)
            .map(|_| CHARS[self.rng.random_range(0..CHARS.len())] as char)
            .collect()
    }

    fn gen_format(&mut self, format: &str, min: usize, max: Option<usize>) -> Option<String> {
        let n: u32 = self.rng.random_range(1..100);
        let s = match format {
            "date" => format!("2024-{:02}-{:02}", n % 12 + 1, n % 28 + 1),
            "date-time" => format!(
                "2024-{:02}-{:02}T{:02}:30:00Z",
                n % 12 + 1,
                n % 28 + 1,
                n % 24
            ),
            "time" => format!("{:02}:30:00Z", n % 24),
            "duration" => format!("PT{n}M"),
            "uuid" => {
                let a: u64 = self.rng.random();
                let b: u64 = self.rng.random();
                let h = format!("{a:016x}{b:016x}");
                format!(
                    "{}-{}-4{}-a{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[13..16],
                    &h[17..20],
                    &h[20..32]
                )
            }
            "email" | "idn-email" => format!("user{n}@example.com"),
            "uri" | "iri" | "url" => format!("https://example.com/items/{n}"),
            "uri-reference" | "iri-reference" => format!("/items/{n}"),
            "uri-template" => "/items/{id}".to_owned(),
            "hostname" | "idn-hostname" => format!("host{n}.example.com"),
            "ipv4" => format!("192.0.2.{n}"),
            "ipv6" => format!("2001:db8::{n:x}"),
            "json-pointer" => format!("/items/{n}"),
            "relative-json-pointer" => "0/items".to_owned(),
            "regex" => "^[a-z]+$".to_owned(),
            "byte" => {
                // Base64 of as many bytes as the length bounds allow (4 characters per 3 bytes).
                let target = max.map_or(min.max(12), |m| min.max(12).min(m));
                let bytes = (target / 4) * 3;
                let raw: Vec<u8> = (0..bytes).map(|_| self.rng.random()).collect();
                super::serialize::base64(&raw)
            }
            "binary" | "password" => {
                let len = max.map_or(min.max(12), |m| min.max(12).min(m));
                self.alnum(len)
            }
            _ => return None,
        };
        Some(s)
    }

    fn gen_array(&mut self, map: &Map<String, Value>, depth: usize) -> GenResult {
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map
            .get("maxItems")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if let Some(max) = max
            && min > max
        {
            return Err(format!("minItems {min} is greater than maxItems {max}"));
        }
        let prefix: Vec<Value> = match map.get("prefixItems") {
            Some(Value::Array(p)) => p.clone(),
            _ => Vec::new(),
        };
        let items = map.get("items").cloned();
        let extra_allowed = !matches!(items, Some(Value::Bool(false)));
        let mut target = if depth >= SHALLOW_DEPTH {
            min
        } else {
            min.max(self.rng.random_range(1..=2usize))
        };
        if let Some(max) = max {
            target = target.min(max);
        }
        if !extra_allowed {
            target = target.min(prefix.len());
        }
        let unique = map.get("uniqueItems") == Some(&Value::Bool(true));
        let mut out: Vec<Value> = Vec::with_capacity(target);
        if let Some(contains) = map.get("contains") {
            let times = map.get("minContains").and_then(Value::as_u64).unwrap_or(1) as usize;
            let schema = match &items {
                Some(items) if out.len() >= prefix.len() => merge(items.clone(), contains.clone()),
                _ => contains.clone(),
            };
            for _ in 0..times {
                out.push(self.gen_value(&schema, depth + 1)?);
            }
            target = target.max(out.len());
        }
        let mut tries = 0;
        while out.len() < target {
            let i = out.len();
            let schema = prefix
                .get(i)
                .cloned()
                .or_else(|| items.clone())
                .unwrap_or(Value::Bool(true));
            let v = self.gen_value(&schema, depth + 1)?;
            if unique && out.contains(&v) {
                tries += 1;
                if tries > 32 {
                    return Err(format!(
                        "could not find {target} distinct items (uniqueItems)"
                    ));
                }
                continue;
            }
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn gen_object(&mut self, map: &Map<String, Value>, depth: usize) -> GenResult {
        let empty = Map::new();
        let properties = match map.get("properties") {
            Some(Value::Object(p)) => p,
            _ => &empty,
        };
        let required: Vec<&str> = match map.get("required") {
            Some(Value::Array(r)) => r.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let additional = map.get("additionalProperties");
        let min_props = map
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let max_props = map
            .get("maxProperties")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let mut out = Map::new();
        for name in &required {
            let schema = properties
                .get(*name)
                .cloned()
                .or_else(|| pattern_property(map, name))
                .or_else(|| additional.filter(|a| a.is_object()).cloned())
                .unwrap_or(Value::Bool(true));
            let v = self.gen_value(&schema, depth + 1)?;
            out.insert((*name).to_owned(), v);
        }
        let shallow = depth < SHALLOW_DEPTH;
        for (name, schema) in properties {
            if out.contains_key(name) || out.len() >= max_props {
                continue;
            }
            let wanted = out.len() < min_props || (shallow && self.rng.random_bool(0.5));
            if !wanted {
                continue;
            }
            // An optional property that cannot be generated is left out.
            if let Ok(v) = self.gen_value(schema, depth + 1) {
                out.insert(name.clone(), v);
            }
        }
        if let Some(Value::Object(deps)) = map.get("dependentRequired") {
            for (name, needed) in deps {
                if out.contains_key(name)
                    && let Value::Array(needed) = needed
                {
                    for n in needed.iter().filter_map(Value::as_str) {
                        if !out.contains_key(n) {
                            let schema = properties.get(n).cloned().unwrap_or(Value::Bool(true));
                            let v = self.gen_value(&schema, depth + 1)?;
                            out.insert(n.to_owned(), v);
                        }
                    }
                }
            }
        }
        let mut extra = 0;
        while out.len() < min_props {
            if matches!(additional, Some(Value::Bool(false))) {
                return Err(format!(
                    "minProperties {min_props} needs more properties than the schema allows"
                ));
            }
            extra += 1;
            let schema = additional.cloned().unwrap_or(json!({"type": "string"}));
            let v = self.gen_value(&schema, depth + 1)?;
            out.insert(format!("extra{extra}"), v);
        }
        Ok(Value::Object(out))
    }
}

/// Whether `v` has one of the schema's `type`s (true without `type`).
fn has_type(map: &Map<String, Value>, v: &Value) -> bool {
    let matches = |t: &str| match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => true,
    };
    match map.get("type") {
        Some(Value::String(t)) => matches(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).any(matches),
        _ => true,
    }
}

fn pattern_property(map: &Map<String, Value>, name: &str) -> Option<Value> {
    let Some(Value::Object(patterns)) = map.get("patternProperties") else {
        return None;
    };
    patterns.iter().find_map(|(pattern, schema)| {
        let re = jsonschema::options()
            .build(&json!({"type": "string", "pattern": pattern}))
            .ok()?;
        re.is_valid(&json!(name)).then(|| schema.clone())
    })
}

/// The type a schema without `type` most likely means, from its keywords.
fn infer_type(map: &Map<String, Value>) -> &'static str {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
    ]) {
        "object"
    } else if has(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
    ]) {
        "array"
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        "number"
    } else {
        "string"
    }
}

/// Formats the validator checks, so a generated value must honour both format and length.
fn is_checked_format(format: &str) -> bool {
    matches!(
        format,
        "date"
            | "date-time"
            | "time"
            | "duration"
            | "uuid"
            | "email"
            | "idn-email"
            | "uri"
            | "iri"
            | "uri-reference"
            | "iri-reference"
            | "uri-template"
            | "hostname"
            | "idn-hostname"
            | "ipv4"
            | "ipv6"
            | "json-pointer"
            | "relative-json-pointer"
            | "regex"
            | "byte"
    )
}

type Bound = Option<(f64, bool)>;

/// Lower and upper bounds, each with whether it is exclusive.
fn bounds(map: &Map<String, Value>) -> (Bound, Bound) {
    let get = |k: &str| map.get(k).and_then(Value::as_f64);
    let lo = match (get("minimum"), get("exclusiveMinimum")) {
        (Some(a), Some(b)) if b >= a => Some((b, true)),
        (Some(a), _) => Some((a, false)),
        (None, Some(b)) => Some((b, true)),
        (None, None) => None,
    };
    let hi = match (get("maximum"), get("exclusiveMaximum")) {
        (Some(a), Some(b)) if b <= a => Some((b, true)),
        (Some(a), _) => Some((a, false)),
        (None, Some(b)) => Some((b, true)),
        (None, None) => None,
    };
    (lo, hi)
}

fn within(v: f64, lo: Bound, hi: Bound) -> bool {
    let above = lo.is_none_or(|(l, excl)| if excl { v > l } else { v >= l });
    let below = hi.is_none_or(|(h, excl)| if excl { v < h } else { v <= h });
    above && below && v.is_finite()
}

fn number(v: f64) -> GenResult {
    Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| format!("{v} is not a JSON number"))
}

fn div_ceil(a: i128, b: i128) -> i128 {
    let d = a.div_euclid(b);
    if a.rem_euclid(b) == 0 { d } else { d + 1 }
}

fn div_floor(a: i128, b: i128) -> i128 {
    a.div_euclid(b)
}

/// A sub-range of `[lo, hi]` of at most `width` values, as close to zero as possible.
fn prefer_small(lo: i128, hi: i128, width: i128) -> (i128, i128) {
    if lo >= 0 {
        (lo, hi.min(lo.saturating_add(width)))
    } else if hi <= 0 {
        (lo.max(hi.saturating_sub(width)), hi)
    } else {
        (0, hi.min(width))
    }
}

/// Merges two flattened schemas as `allOf` would constrain them (used for generation only: the
/// result is always validated against the original schema).
pub(crate) fn merge(a: Value, b: Value) -> Value {
    let (Value::Object(mut a), Value::Object(b)) = (a, b) else {
        return Value::Bool(true);
    };
    for (key, bv) in b {
        let Some(av) = a.remove(&key) else {
            a.insert(key, bv);
            continue;
        };
        let merged = match key.as_str() {
            "type" => merge_types(&av, &bv),
            "properties" | "patternProperties" => match (av, bv) {
                (Value::Object(mut ap), Value::Object(bp)) => {
                    for (name, schema) in bp {
                        let m = match ap.remove(&name) {
                            Some(existing) => json!({"allOf": [existing, schema]}),
                            None => schema,
                        };
                        ap.insert(name, m);
                    }
                    Value::Object(ap)
                }
                (av, _) => av,
            },
            "required" => {
                let mut names: Vec<Value> = av.as_array().cloned().unwrap_or_default();
                for n in bv.as_array().cloned().unwrap_or_default() {
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                Value::Array(names)
            }
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties" => {
                if bv.as_f64() > av.as_f64() { bv } else { av }
            }
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties" => {
                match (av.as_f64(), bv.as_f64()) {
                    (Some(x), Some(y)) if y < x => bv,
                    _ => av,
                }
            }
            "enum" => {
                let bs = bv.as_array().cloned().unwrap_or_default();
                Value::Array(
                    av.as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|v| bs.contains(v))
                        .collect(),
                )
            }
            "items" | "additionalProperties" | "contains" => match (&av, &bv) {
                (Value::Bool(false), _) | (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Object(_), Value::Object(_)) => json!({"allOf": [av, bv]}),
                (Value::Object(_), _) => av,
                _ => bv,
            },
            "oneOf" | "anyOf" => {
                // Keep the first list; the value is validated against both anyway.
                av
            }
            _ => av,
        };
        a.insert(key, merged);
    }
    Value::Object(a)
}

fn merge_types(a: &Value, b: &Value) -> Value {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(xs) => xs
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        }
    };
    let (la, lb) = (list(a), list(b));
    let mut out = Vec::new();
    for t in &la {
        if lb.contains(t) {
            out.push(t.clone());
        } else if (t == "number" && lb.iter().any(|x| x == "integer"))
            || (t == "integer" && lb.iter().any(|x| x == "number"))
        {
            out.push("integer".to_owned());
        }
    }
    match out.len() {
        1 => Value::String(out.remove(0)),
        _ => Value::Array(out.into_iter().map(Value::String).collect()),
    }
}

/// Rewrites an ECMA-262 pattern into what `rand_regex` generates well: no anchors (`^`, `$`) and
/// no look-around groups (the result is checked against the original pattern afterwards), ASCII
/// classes for `\d`, `\w`, `\s` and printable ASCII for `.`.
fn translate_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&next) = chars.get(i + 1) else {
                    out.push('\\');
                    break;
                };
                i += 1;
                let class = match next {
                    'd' => Some("0-9"),
                    'w' => Some("A-Za-z0-9_"),
                    's' => Some(" \\t\\n\\r"),
                    _ => None,
                };
                match (class, in_class) {
                    (Some(cls), true) => out.push_str(cls),
                    (Some(cls), false) => {
                        out.push('[');
                        out.push_str(cls);
                        out.push(']');
                    }
                    (None, _) => {
                        out.push('\\');
                        out.push(next);
                    }
                }
            }
            '(' if !in_class && is_lookaround(&chars[i..]) => {
                i = skip_group(&chars, i);
                continue;
            }
            '^' | '$' if !in_class => {}
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                // A leading `]` or `^]` is literal inside a class.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '.' if !in_class => out.push_str("[ -~]"),
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn is_lookaround(rest: &[char]) -> bool {
    matches!(
        rest,
        ['(', '?', '=' | '!', ..] | ['(', '?', '<', '=' | '!', ..]
    )
}

/// The index just past the group that opens at `start` (escapes and classes respected).
fn skip_group(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut in_class = false;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(schema: &Value) -> Value {
        let v = synthesize(schema, 7).unwrap();
        assert!(compile(schema).unwrap().is_valid(&v), "{v} for {schema}");
        v
    }

    #[test]
    fn same_seed_same_value() {
        let s = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
        assert_eq!(synthesize(&s, 1).unwrap(), synthesize(&s, 1).unwrap());
    }

    #[test]
    fn honours_formats_and_bounds() {
        for format in [
            "date",
            "date-time",
            "uuid",
            "email",
            "uri",
            "ipv4",
            "ipv6",
            "hostname",
            "byte",
            "time",
        ] {
            let v = valid(&json!({"type": "string", "format": format}));
            assert!(v.as_str().is_some_and(|s| !s.is_empty()), "{format}: {v}");
        }
        let v = valid(&json!({"type": "integer", "minimum": 10, "exclusiveMaximum": 12}));
        assert!(v == json!(10) || v == json!(11), "{v}");
        valid(&json!({"type": "number", "exclusiveMinimum": 0.5, "maximum": 0.75}));
        valid(&json!({"type": "integer", "multipleOf": 7, "minimum": 100}));
        valid(&json!({"type": "number", "multipleOf": 0.25, "minimum": -3, "maximum": -2}));
        valid(&json!({"type": "string", "minLength": 40, "maxLength": 41}));
        valid(&json!({"type": "string", "format": "byte", "minLength": 8, "maxLength": 8}));
    }

    #[test]
    fn honours_patterns() {
        valid(
            &json!({"type": "string", "pattern": "^(?![0-9a-f]{8}-[0-9a-f]{4}$)^[a-z][a-z0-9-]*[a-z0-9]$", "maxLength": 63}),
        );
        valid(&json!({"type": "string", "pattern": "^(?=.*[A-Z])(?=.*[0-9])[A-Za-z0-9]{8,}$"}));
        let v = valid(&json!({"type": "string", "pattern": "^[A-Z]{3}-\\d{4}$"}));
        assert_eq!(v.as_str().unwrap().len(), 8);
        valid(&json!({"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 63}));
        valid(&json!({"type": "string", "pattern": "\\w+@\\w+\\.com"}));
    }

    #[test]
    fn combinators_nullable_and_refs() {
        valid(&json!({"allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
            {"properties": {"b": {"type": "integer", "minimum": 3}}, "required": ["b"]}
        ]}));
        valid(&json!({"oneOf": [
            {"type": "object", "properties": {"kind": {"const": "cat"}}, "required": ["kind"]},
            {"type": "object", "properties": {"kind": {"const": "dog"}, "bark": {"type": "boolean"}}, "required": ["kind", "bark"]}
        ]}));
        valid(&json!({"anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]}));
        let v = valid(&json!({"type": ["string", "null"], "minLength": 2}));
        assert!(v.is_string());
        valid(
            &json!({"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 2}),
        );
        valid(
            &json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false, "required": ["a"]}),
        );
        let tree = json!({
            "$ref": "#/$defs/Node",
            "$defs": {"Node": {"type": "object", "required": ["name", "children"], "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}
            }}}
        });
        valid(&tree);
        valid(
            &json!({"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 3}, "uniqueItems": true, "minItems": 4}),
        );
        valid(&json!({"type": "string", "not": {"const": "a"}, "enum": ["a", "b"]}));
    }

    #[test]
    fn unsatisfiable_schemas_say_why() {
        let e = synthesize(&json!({"type": "integer", "minimum": 5, "maximum": 4}), 1).unwrap_err();
        assert_eq!(e.reason, "no integer lies between 5 and 4");
        let e = synthesize(
            &json!({"type": "string", "minLength": 5, "maxLength": 2}),
            1,
        )
        .unwrap_err();
        assert_eq!(e.reason, "minLength 5 is greater than maxLength 2");
        let e = synthesize(
            &json!({"allOf": [{"type": "string"}, {"type": "integer"}]}),
            1,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot synthesize a value for the schema:"),
            "{e}"
        );
        let e = synthesize(
            &json!({"$ref": "#/$defs/A", "$defs": {"A": {"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#/$defs/A"}}}}}),
            1,
        )
        .unwrap_err();
        assert!(e.reason.contains("nests deeper than"), "{e}");
    }
}

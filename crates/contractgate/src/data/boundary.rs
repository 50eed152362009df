//! Values at the edges of a schema, and simpler values, for generated cases.
//!
//! [`variants`] gives, for one value the request already sends (a parameter, the body), the
//! values a boundary pass tries instead: each `enum` value, each `oneOf`/`anyOf` branch, `null`
//! where allowed, numbers at their bounds (and `0`, `-1`, `2^31` where no bound forbids them),
//! strings at their length bounds (and empty, and non-ASCII, where nothing forbids them), empty,
//! one-element and longest arrays, objects with every optional property absent or every one
//! present, and the same for each property of an object, two levels deep. [`simpler`] gives the
//! values shrinking tries: an optional property left out, a shorter string or array, a number
//! nearer zero.
//!
//! Nothing here checks a value against its schema: the caller validates each candidate with the
//! operation's validators and drops those that do not match (a `pattern`, a `format`, a `not`).

use serde_json::{Map, Value, json};

use super::synth::{Generator, synthesize_in};
use crate::schema::InApi;

/// How deep into nested objects and arrays variants and simpler values are looked for.
const MAX_DEPTH: usize = 2;
/// The longest string or array a boundary value has (a `maxLength: 100000` is tried at this).
const LONGEST: usize = 4096;
/// Text with characters outside ASCII: accents, a symbol, CJK, an emoji (4 bytes in UTF-8).
const NON_ASCII: &str = "ünïcødé ✓ 日本語 🦀";

/// The schema a value varies in: its root (which may hold `$defs`), and the API whose shared
/// schemas its references reach.
#[derive(Clone, Copy)]
pub(crate) struct Root<'a> {
    pub value: &'a Value,
    pub in_api: Option<InApi<'a>>,
}

/// The schema with the root's `$defs` attached, so that it stands alone but for references to
/// the API's shared schemas.
fn standalone(schema: &Value, root: Root<'_>) -> Value {
    let mut schema = schema.clone();
    if let (Value::Object(map), Some(defs)) = (&mut schema, root.value.get("$defs")) {
        map.entry("$defs").or_insert_with(|| defs.clone());
    }
    schema
}

/// A value for `schema`, part of `root`.
fn synthesize(root: Root<'_>, schema: &Value, seed: u64) -> Option<Value> {
    synthesize_in(&standalone(schema, root), seed, root.in_api).ok()
}

/// `` `bio` `` at the top of a body, `` `address.city` `` below it, `the value` for the whole.
fn name(at: &str) -> String {
    if at.is_empty() {
        "the value".to_owned()
    } else {
        format!("`{at}`")
    }
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_owned()
    } else {
        format!("{at}.{key}")
    }
}

fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 {
        format!("{}…", text.chars().take(37).collect::<String>())
    } else {
        text
    }
}

/// The boundary values of `schema` (part of `root`, which holds the `$defs`) in place of `base`,
/// each with what it is (`` `bio` at its maxLength (280 characters) ``). `at` names where the value
/// is (`""` for the whole value).
pub(crate) fn variants(
    root: Root<'_>,
    schema: &Value,
    base: Option<&Value>,
    at: &str,
    seed: u64,
) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    collect_variants(root, schema, base, at, seed, 0, &mut out);
    out.retain(|(v, _)| Some(v) != base);
    out
}

fn flat(root: Root<'_>, schema: &Value) -> Option<Map<String, Value>> {
    match Generator::within(root.value, 0, root.in_api).flatten_schema(schema) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

fn types(map: &Map<String, Value>) -> Vec<&str> {
    match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn bound(map: &Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key).and_then(Value::as_f64)
}

fn count(map: &Map<String, Value>, key: &str) -> Option<usize> {
    map.get(key).and_then(Value::as_u64).map(|n| n as usize)
}

#[allow(clippy::too_many_lines)] // one arm per kind of value, in the order the docs list them
fn collect_variants(
    root: Root<'_>,
    schema: &Value,
    base: Option<&Value>,
    at: &str,
    seed: u64,
    depth: usize,
    out: &mut Vec<(Value, String)>,
) {
    let Some(map) = flat(root, schema) else {
        return;
    };
    let what = name(at);
    if map.contains_key("const") {
        return;
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        for v in values {
            out.push((v.clone(), format!("{what} = {}", short(v))));
        }
        return;
    }
    let ts = types(&map);
    if ts.contains(&"null") || map.get("nullable") == Some(&Value::Bool(true)) {
        out.push((Value::Null, format!("{what} null")));
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = map.get(key) {
            let mut rest = map.clone();
            rest.remove(key);
            for (i, branch) in branches.iter().enumerate() {
                let merged = super::synth::merge(Value::Object(rest.clone()), branch.clone());
                if let Some(v) = synthesize(root, &merged, seed ^ i as u64) {
                    out.push((v, format!("{what} from {key} branch {i}")));
                }
            }
            return;
        }
    }
    // The type of the value sent, else the schema's first non-null type.
    let ty = match base {
        Some(Value::Bool(_)) => "boolean",
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => {
            if ts.contains(&"number") && !ts.contains(&"integer") {
                "number"
            } else {
                "integer"
            }
        }
        Some(Value::Number(_)) => "number",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "array",
        Some(Value::Object(_)) => "object",
        _ => ts.iter().copied().find(|t| *t != "null").unwrap_or(""),
    };
    match ty {
        "boolean" => {
            for b in [true, false] {
                out.push((Value::Bool(b), format!("{what} = {b}")));
            }
        }
        "integer" | "number" => {
            let integer = ty == "integer";
            let num = |v: f64| {
                if integer { json!(v as i64) } else { json!(v) }
            };
            if let Some(min) = bound(&map, "minimum") {
                out.push((num(min), format!("{what} at its minimum ({min})")));
            }
            if let Some(max) = bound(&map, "maximum") {
                out.push((num(max), format!("{what} at its maximum ({max})")));
            }
            if let Some(min) = bound(&map, "exclusiveMinimum") {
                let v = if integer {
                    min.floor() + 1.0
                } else {
                    min + 0.5
                };
                out.push((
                    num(v),
                    format!("{what} just above its exclusiveMinimum ({min})"),
                ));
            }
            if let Some(max) = bound(&map, "exclusiveMaximum") {
                let v = if integer { max.ceil() - 1.0 } else { max - 0.5 };
                out.push((
                    num(v),
                    format!("{what} just below its exclusiveMaximum ({max})"),
                ));
            }
            out.push((num(0.0), format!("{what} = 0")));
            out.push((num(-1.0), format!("{what} = -1 (negative)")));
            if bound(&map, "maximum").is_none() && bound(&map, "exclusiveMaximum").is_none() {
                out.push((
                    json!(2_147_483_648_i64),
                    format!("{what} = 2147483648 (past a 32-bit integer)"),
                ));
            }
        }
        "string" => {
            let min = count(&map, "minLength").unwrap_or(0);
            let max = count(&map, "maxLength");
            let base_text = base.and_then(Value::as_str).unwrap_or("");
            if min == 0 {
                out.push((json!(""), format!("{what} empty")));
            } else {
                out.push((
                    json!(sized(base_text, min)),
                    format!("{what} at its minLength ({min} characters)"),
                ));
            }
            if let Some(max) = max {
                let n = max.min(LONGEST);
                out.push((
                    json!(sized(base_text, n)),
                    format!("{what} at its maxLength ({n} characters)"),
                ));
            }
            let text: String = NON_ASCII
                .chars()
                .take(max.unwrap_or(usize::MAX).min(NON_ASCII.chars().count()))
                .collect();
            out.push((json!(text), format!("{what} with non-ASCII characters")));
        }
        "array" => {
            let items = map.get("items").cloned().unwrap_or(Value::Bool(true));
            let min = count(&map, "minItems").unwrap_or(0);
            let max = count(&map, "maxItems");
            let base_items: Vec<Value> =
                base.and_then(Value::as_array).cloned().unwrap_or_default();
            let item = base_items
                .first()
                .cloned()
                .or_else(|| synthesize(root, &items, seed));
            if min == 0 {
                out.push((json!([]), format!("{what} an empty array")));
            }
            if let Some(item) = &item {
                if min <= 1 {
                    out.push((json!([item]), format!("{what} with one item")));
                }
                if let Some(max) = max.filter(|m| *m > 1) {
                    let n = max.min(64);
                    let many: Vec<Value> = (0..n)
                        .map(|i| {
                            base_items.get(i).cloned().unwrap_or_else(|| {
                                synthesize(root, &items, seed ^ (i as u64 + 1))
                                    .unwrap_or_else(|| item.clone())
                            })
                        })
                        .collect();
                    out.push((
                        Value::Array(many),
                        format!("{what} at its maxItems ({n} items)"),
                    ));
                }
            }
            if depth < MAX_DEPTH
                && let Some(first) = base_items.first()
            {
                let mut inner = Vec::new();
                collect_variants(
                    root,
                    &items,
                    Some(first),
                    &format!("{at}[0]"),
                    seed,
                    depth + 1,
                    &mut inner,
                );
                for (v, d) in inner {
                    let mut arr = base_items.clone();
                    arr[0] = v;
                    out.push((Value::Array(arr), d));
                }
            }
        }
        "object" => {
            let Some(Value::Object(obj)) = base else {
                return;
            };
            let empty = Map::new();
            let properties = match map.get("properties") {
                Some(Value::Object(p)) => p,
                _ => &empty,
            };
            let required: Vec<&str> = match map.get("required") {
                Some(Value::Array(r)) => r.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            let minimal: Map<String, Value> = obj
                .iter()
                .filter(|(k, _)| required.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if minimal.len() < obj.len() {
                out.push((
                    Value::Object(minimal),
                    format!("{what} with every optional property absent"),
                ));
            }
            let mut full = obj.clone();
            for (i, (key, sub)) in properties.iter().enumerate() {
                if !full.contains_key(key)
                    && let Some(v) = synthesize(root, sub, seed ^ (i as u64 + 7))
                {
                    full.insert(key.clone(), v);
                }
            }
            if full.len() > obj.len() {
                out.push((
                    Value::Object(full),
                    format!("{what} with every optional property present"),
                ));
            }
            if depth <= MAX_DEPTH {
                for (key, value) in obj {
                    let Some(sub) = properties.get(key) else {
                        continue;
                    };
                    let mut inner = Vec::new();
                    collect_variants(
                        root,
                        sub,
                        Some(value),
                        &join(at, key),
                        seed,
                        depth + 1,
                        &mut inner,
                    );
                    for (v, d) in inner {
                        if &v == value {
                            continue;
                        }
                        let mut o = obj.clone();
                        o.insert(key.clone(), v);
                        out.push((Value::Object(o), d));
                    }
                }
            }
        }
        _ => {}
    }
}

/// `n` characters: `base` cut or repeated to that length (`a`s when `base` is empty).
fn sized(base: &str, n: usize) -> String {
    let unit: Vec<char> = if base.is_empty() {
        vec!['a']
    } else {
        base.chars().collect()
    };
    unit.iter().copied().cycle().take(n).collect()
}

/// Simpler values than `value` for `schema`, simplest first: optional properties left out,
/// strings and arrays shortened, numbers moved toward zero (and the same inside, two levels deep).
pub(crate) fn simpler(
    root: Root<'_>,
    schema: &Value,
    value: &Value,
    at: &str,
) -> Vec<(Value, String)> {
    let mut out = Vec::new();
    collect_simpler(root, schema, value, at, 0, &mut out);
    out.retain(|(v, _)| v != value);
    out
}

fn collect_simpler(
    root: Root<'_>,
    schema: &Value,
    value: &Value,
    at: &str,
    depth: usize,
    out: &mut Vec<(Value, String)>,
) {
    let Some(map) = flat(root, schema) else {
        return;
    };
    let what = name(at);
    match value {
        Value::Object(obj) => {
            let required: Vec<&str> = match map.get("required") {
                Some(Value::Array(r)) => r.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for key in obj.keys() {
                if !required.contains(&key.as_str()) {
                    let mut o = obj.clone();
                    o.shift_remove(key);
                    out.push((Value::Object(o), format!("without `{}`", join(at, key))));
                }
            }
            if depth < MAX_DEPTH
                && let Some(Value::Object(properties)) = map.get("properties")
            {
                for (key, v) in obj {
                    let Some(sub) = properties.get(key) else {
                        continue;
                    };
                    let mut inner = Vec::new();
                    collect_simpler(root, sub, v, &join(at, key), depth + 1, &mut inner);
                    for (s, d) in inner {
                        let mut o = obj.clone();
                        o.insert(key.clone(), s);
                        out.push((Value::Object(o), d));
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let min = count(&map, "minItems").unwrap_or(0);
            if items.len() > min {
                let half = (items.len() / 2).max(min);
                out.push((
                    Value::Array(items[..half].to_vec()),
                    format!("{what} with {half} item(s)"),
                ));
                out.push((
                    Value::Array(items[..items.len() - 1].to_vec()),
                    format!("{what} with {} item(s)", items.len() - 1),
                ));
            }
            if depth < MAX_DEPTH {
                let item_schema = map.get("items").cloned().unwrap_or(Value::Bool(true));
                let mut inner = Vec::new();
                collect_simpler(
                    root,
                    &item_schema,
                    &items[0],
                    &format!("{at}[0]"),
                    depth + 1,
                    &mut inner,
                );
                for (s, d) in inner {
                    let mut arr = items.clone();
                    arr[0] = s;
                    out.push((Value::Array(arr), d));
                }
            }
        }
        Value::String(s) => {
            let n = s.chars().count();
            let min = count(&map, "minLength").unwrap_or(0);
            if n > min {
                out.push((
                    json!(s.chars().take(min).collect::<String>()),
                    format!("{what} with {min} character(s)"),
                ));
                let half = (n / 2).max(min);
                out.push((
                    json!(s.chars().take(half).collect::<String>()),
                    format!("{what} with {half} character(s)"),
                ));
                out.push((
                    json!(s.chars().take(n - 1).collect::<String>()),
                    format!("{what} with {} character(s)", n - 1),
                ));
            }
        }
        Value::Number(num) => {
            if let Some(i) = num.as_i64() {
                if i != 0 {
                    out.push((json!(0), format!("{what} = 0")));
                    out.push((json!(i / 2), format!("{what} = {}", i / 2)));
                    out.push((
                        json!(i - i.signum()),
                        format!("{what} = {}", i - i.signum()),
                    ));
                }
            } else if let Some(f) = num.as_f64()
                && f != 0.0
            {
                out.push((json!(0), format!("{what} = 0")));
                out.push((json!(f.trunc()), format!("{what} = {}", f.trunc())));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(schema: &Value, v: &Value) -> bool {
        crate::schema::compile(schema).unwrap().is_valid(v)
    }

    #[test]
    fn variants_reach_every_edge_the_schema_names() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 8},
                "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                "theme": {"enum": ["light", "dark"]},
                "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                "bio": {"type": ["string", "null"]}
            }
        });
        let base = json!({"name": "ada", "limit": 10, "tags": ["x"]});
        let found = variants(
            Root {
                value: &schema,
                in_api: None,
            },
            &schema,
            Some(&base),
            "",
            1,
        );
        let said: Vec<&str> = found.iter().map(|(_, d)| d.as_str()).collect();
        for expected in [
            "the value with every optional property absent",
            "the value with every optional property present",
            "`name` at its minLength (1 characters)",
            "`name` at its maxLength (8 characters)",
            "`limit` at its minimum (1)",
            "`limit` at its maximum (100)",
            "`tags` an empty array",
            "`tags` at its maxItems (3 items)",
        ] {
            assert!(
                said.contains(&expected),
                "{expected} missing from {said:#?}"
            );
        }
        let at_max = &found
            .iter()
            .find(|(_, d)| d == "`limit` at its maximum (100)")
            .unwrap()
            .0;
        assert_eq!(at_max["limit"], json!(100));
        assert!(valid(&schema, at_max));
        // The base itself is never a variant.
        assert!(found.iter().all(|(v, _)| v != &base));
    }

    #[test]
    fn simpler_values_leave_out_optional_properties_and_shorten() {
        let schema = json!({
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "minLength": 1},
                "bio": {"type": "string"},
                "n": {"type": "integer"}
            }
        });
        let value = json!({"name": "abcdef", "bio": "hello", "n": 40});
        let found = simpler(
            Root {
                value: &schema,
                in_api: None,
            },
            &schema,
            &value,
            "",
        );
        assert_eq!(found[0].0, json!({"name": "abcdef", "n": 40}));
        assert_eq!(found[0].1, "without `bio`");
        assert!(
            found
                .iter()
                .any(|(v, d)| v["name"] == json!("a") && d == "`name` with 1 character(s)")
        );
        assert!(found.iter().any(|(v, _)| v["n"] == json!(0)));
        assert!(found.iter().all(|(v, _)| valid(&schema, v)));
    }
}

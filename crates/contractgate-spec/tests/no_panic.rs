//! Nothing panics on any input: arbitrary bytes, and real specs mutated as text and as structure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;

/// Relative to this crate. The Swagger 2.0 ones go through the conversion to OpenAPI 3.0.
const SPECS: [&str; 9] = [
    "../../specs/oai/petstore-expanded.yaml",
    "../../specs/oai/link-example.yaml",
    "../../specs/oai/webhook-example.yaml",
    "../../specs/oai/uspto.yaml",
    "../../specs/oxide/keeper.json",
    "tests/fixtures/swagger2/oai/petstore-expanded.yaml",
    "tests/fixtures/swagger2/realistic.yaml",
    "tests/fixtures/swagger2/rules/components.yaml",
    "tests/fixtures/swagger2/rules/form.yaml",
];

fn spec_text(i: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(SPECS[i % SPECS.len()]);
    std::fs::read_to_string(path).unwrap()
}

/// Loads from memory under a name inside a folder with no other files, so `$ref`s to other files
/// fail cleanly instead of reading something real.
fn load(text: &str) {
    let _ = contractgate_spec::load_str("tests/fixtures/no-such-dir/spec.yaml", text);
}

/// Replaces the node at a pseudo-random position with a value of a pseudo-random other shape.
fn mutate(v: &mut Value, mut choice: u64, replacement: &Value) -> bool {
    fn count(v: &Value) -> u64 {
        1 + match v {
            Value::Object(m) => m.values().map(count).sum(),
            Value::Array(a) => a.iter().map(count).sum(),
            _ => 0,
        }
    }
    choice %= count(v);
    fn walk(v: &mut Value, choice: &mut u64, replacement: &Value) -> bool {
        if *choice == 0 {
            *v = replacement.clone();
            return true;
        }
        *choice -= 1;
        match v {
            Value::Object(m) => m.values_mut().any(|c| walk(c, choice, replacement)),
            Value::Array(a) => a.iter_mut().any(|c| walk(c, choice, replacement)),
            _ => false,
        }
    }
    walk(v, &mut choice, replacement)
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z#/~{}$.]{0,12}".prop_map(Value::String),
        Just(serde_json::json!({"$ref": "#/components/schemas/Nope"})),
        Just(serde_json::json!({"$ref": "#"})),
        Just(serde_json::json!({"$ref": "#/paths"})),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(
            serde_json::json!({"type": ["string", 5], "nullable": "yes", "exclusiveMinimum": true})
        ),
        // Swagger 2.0 shapes.
        Just(serde_json::json!({"$ref": "#/definitions/Nope"})),
        Just(serde_json::json!({"$ref": "#/parameters/Nope/schema"})),
        Just(serde_json::json!({"$ref": "#/definitions"})),
        Just(serde_json::json!({"$ref": "other.yaml#/Nope"})),
        Just(serde_json::json!({"name": "b", "in": "body", "schema": {"$ref": "#"}})),
        Just(serde_json::json!({"name": "f", "in": "formData", "type": "file"})),
        Just(
            serde_json::json!({"name": "q", "in": "query", "type": "array", "collectionFormat": "tsv", "items": 5})
        ),
        Just(serde_json::json!({"type": "file", "x-nullable": "no", "discriminator": 3})),
        Just(serde_json::json!({"type": "oauth2", "flow": ["x"], "scopes": 1})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        load(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_yamlish_text_never_panics(text in "[ a-z:{}\\[\\]\"'#&*!|>\n-]{0,300}") {
        load(&format!("openapi: 3.1.0\n{text}"));
        load(&format!("swagger: '2.0'\n{text}"));
    }

    #[test]
    fn real_specs_with_text_mutations_never_panic(
        spec in 0usize..SPECS.len(),
        start in any::<prop::sample::Index>(),
        len in 0usize..40,
        insert in "[ :\n\t{}\\[\\]#$-]{0,6}",
    ) {
        let text = spec_text(spec);
        let start = start.index(text.len());
        let mut end = (start + len).min(text.len());
        while !text.is_char_boundary(end) { end += 1; }
        let mut start = start;
        while !text.is_char_boundary(start) { start -= 1; }
        let mutated = format!("{}{}{}", &text[..start], insert, &text[end..]);
        load(&mutated);
    }

    #[test]
    fn real_specs_with_structural_mutations_never_panic(
        spec in 0usize..SPECS.len(),
        choices in proptest::collection::vec((any::<u64>(), replacement()), 1..4),
    ) {
        let text = spec_text(spec);
        let mut doc: Value = if text.trim_start().starts_with('{') {
            serde_json::from_str(&text).unwrap()
        } else {
            serde_saphyr::from_str(&text).unwrap()
        };
        for (choice, value) in &choices {
            mutate(&mut doc, *choice, value);
        }
        load(&serde_json::to_string(&doc).unwrap());
    }
}

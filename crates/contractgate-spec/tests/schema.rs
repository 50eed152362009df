//! Behaviour of converted schemas under a real validator (`jsonschema`, draft 2020-12, formats
//! on): the OpenAPI meaning of `nullable`, boolean exclusive bounds and `readOnly`/`writeOnly`
//! survives the conversion.
#![cfg(feature = "load")]
// Helpers outside `#[test]` functions may unwrap too: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_spec::schema::{Dialect, Direction, convert, convert_with_notes};
use serde_json::{Value, json};

fn to_defs(r: &str, _at: &str) -> Option<String> {
    r.strip_prefix("#/components/schemas/")
        .map(|name| format!("#/$defs/{name}"))
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("does not compile: {e}\n{schema:#}"))
}

fn converted(schema: Value, dialect: Dialect, direction: Direction) -> jsonschema::Validator {
    validator(&convert(&schema, dialect, direction, &mut to_defs))
}

#[test]
fn nullable_accepts_null() {
    for schema in [
        json!({ "type": "string", "nullable": true }),
        json!({ "type": "string", "enum": ["a"], "nullable": true }),
        json!({ "allOf": [{ "type": "string" }], "nullable": true }),
    ] {
        let v = converted(schema.clone(), Dialect::OpenApi30, Direction::Response);
        assert!(v.is_valid(&json!(null)), "{schema}");
        assert!(!v.is_valid(&json!(3)), "{schema}");
    }
    let not_nullable = converted(
        json!({ "type": "string" }),
        Dialect::OpenApi30,
        Direction::Response,
    );
    assert!(!not_nullable.is_valid(&json!(null)));
}

#[test]
fn boolean_exclusive_maximum_excludes_the_maximum() {
    let v = converted(
        json!({ "type": "number", "maximum": 10, "exclusiveMaximum": true }),
        Dialect::OpenApi30,
        Direction::Response,
    );
    assert!(!v.is_valid(&json!(10)));
    assert!(v.is_valid(&json!(9.5)));
    let inclusive = converted(
        json!({ "type": "number", "maximum": 10, "exclusiveMaximum": false }),
        Dialect::OpenApi30,
        Direction::Response,
    );
    assert!(inclusive.is_valid(&json!(10)));
}

fn account() -> Value {
    json!({
        "type": "object",
        "required": ["id", "password"],
        "properties": {
            "id": { "type": "integer", "readOnly": true },
            "password": { "type": "string", "writeOnly": true }
        }
    })
}

#[test]
fn required_write_only_password_is_not_required_in_responses() {
    for dialect in [Dialect::OpenApi30, Dialect::OpenApi31] {
        let response = converted(account(), dialect, Direction::Response);
        assert!(response.is_valid(&json!({ "id": 1 })));
        assert!(
            !response.is_valid(&json!({ "password": "x" })),
            "id is still required"
        );
        let request = converted(account(), dialect, Direction::Request);
        assert!(
            !request.is_valid(&json!({ "id": 1 })),
            "a request must send the password"
        );
    }
}

#[test]
fn required_read_only_id_is_not_required_in_requests() {
    for dialect in [Dialect::OpenApi30, Dialect::OpenApi31] {
        let request = converted(account(), dialect, Direction::Request);
        assert!(request.is_valid(&json!({ "password": "secret" })));
        let response = converted(account(), dialect, Direction::Response);
        assert!(
            !response.is_valid(&json!({ "password": "secret" })),
            "a response must have the id"
        );
    }
}

/// Converts every component schema of a fixture and bundles them under `$defs`, the way the
/// loader builds a self-contained IR schema, with `$ref` pointing at `name`.
fn bundle(
    fixture: &str,
    dialect: Dialect,
    direction: Direction,
    name: &str,
) -> jsonschema::Validator {
    let path = format!(
        "{}/tests/fixtures/schema/{fixture}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut defs = serde_json::Map::new();
    for (key, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let out = convert_with_notes(schema, dialect, direction, &mut to_defs);
        assert_eq!(out.notes, vec![], "{fixture} {key}");
        defs.insert(key.clone(), out.schema);
    }
    validator(&json!({ "$defs": defs, "$ref": format!("#/$defs/{name}") }))
}

const FIXTURES: [(&str, Dialect); 2] = [
    ("petstore-3.0.json", Dialect::OpenApi30),
    ("petstore-3.1.json", Dialect::OpenApi31),
];

#[test]
fn petstore_responses_behave_the_same_in_both_dialects() {
    for (fixture, dialect) in FIXTURES {
        let pet = bundle(fixture, dialect, Direction::Response, "Pet");
        let ok = |v: Value| assert!(pet.is_valid(&v), "{fixture}: expected valid: {v}");
        let bad = |v: Value| assert!(!pet.is_valid(&v), "{fixture}: expected invalid: {v}");
        ok(
            json!({ "id": 1, "name": "Rex", "status": null, "price": 5, "tag": null, "owner": null }),
        );
        // The owner's writeOnly password is required, but not in responses.
        ok(
            json!({ "id": 1, "name": "Rex", "status": "sold", "price": 5,
                   "owner": { "id": 2, "username": "ann" } }),
        );
        ok(json!({ "id": 1, "name": "Rex", "status": "sold", "price": 10000 }));
        bad(json!({ "name": "Rex", "status": "sold", "price": 5 }));
        bad(json!({ "id": 1, "name": "Rex", "status": "sold", "price": 0 }));
        bad(json!({ "id": 1, "name": "Rex", "status": "lost", "price": 5 }));
        bad(json!({ "id": 1, "name": "Rex", "status": "sold", "price": 5, "tag": 7 }));
        bad(
            json!({ "id": 1, "name": "Rex", "status": "sold", "price": 5, "photoUrls": ["not a uri"] }),
        );

        let new_pet = bundle(fixture, dialect, Direction::Response, "NewPet");
        assert!(new_pet.is_valid(&json!(null)), "{fixture}");
        assert!(new_pet.is_valid(
            &json!({ "id": 1, "name": "Rex", "status": null, "price": 1, "notes": "x" })
        ));
        assert!(
            !new_pet.is_valid(&json!({ "name": "Rex", "status": null, "price": 1 })),
            "{fixture}"
        );
    }
}

#[test]
fn petstore_requests_behave_the_same_in_both_dialects() {
    for (fixture, dialect) in FIXTURES {
        let pet = bundle(fixture, dialect, Direction::Request, "Pet");
        let ok = |v: Value| assert!(pet.is_valid(&v), "{fixture}: expected valid: {v}");
        let bad = |v: Value| assert!(!pet.is_valid(&v), "{fixture}: expected invalid: {v}");
        ok(json!({ "name": "Rex", "status": "available", "price": 1 }));
        ok(json!({ "name": "Rex", "status": "available", "price": 1,
                   "owner": { "username": "ann", "password": "x" } }));
        bad(
            json!({ "name": "Rex", "status": "available", "price": 1, "owner": { "username": "ann" } }),
        );
        bad(json!({ "name": "", "status": "available", "price": 1 }));
    }
}

/// Every component schema of the real-world specs vendored in `specs/` (OpenAPI's examples, 3.0
/// and 3.1, and Oxide's generated 3.0 specs: nexus alone has 194 schemas and 161 `nullable`s)
/// converts, in both directions and without notes, to schemas that compile together.
#[test]
fn vendored_specs_convert_to_compilable_schemas() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut files = Vec::new();
    for sub in ["oai", "oxide"] {
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json" || e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "specs missing under {}", root.display());
    let mut converted = 0;
    for file in files {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        let doc = contractgate_spec::source::parse(&name, &text)
            .unwrap()
            .value;
        let dialect = match doc["openapi"].as_str().unwrap_or_default() {
            v if v.starts_with("3.0") => Dialect::OpenApi30,
            _ => Dialect::OpenApi31,
        };
        let Some(components) = doc["components"]["schemas"].as_object() else {
            continue;
        };
        for direction in [Direction::Request, Direction::Response] {
            let mut defs = serde_json::Map::new();
            let mut all = Vec::new();
            for (key, schema) in components {
                let out = convert_with_notes(schema, dialect, direction, &mut to_defs);
                assert_eq!(out.notes, vec![], "{name} {key}");
                defs.insert(key.clone(), out.schema);
                all.push(json!({ "$ref": format!("#/$defs/{key}") }));
                converted += 1;
            }
            validator(&json!({ "$defs": defs, "anyOf": all }));
        }
    }
    assert!(converted > 400, "{converted}");
}

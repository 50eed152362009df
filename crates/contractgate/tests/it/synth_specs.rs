//! Property: every synthesized value validates against its own schema (formats checked), over
//! hand-written schemas that stress the keywords.

use contractgate::data::synth::synthesize;
use serde_json::{Value, json};

fn validates(schema: &Value, value: &Value) -> bool {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .unwrap()
        .is_valid(value)
}

#[test]
fn synthesized_values_validate_for_many_seeds() {
    let schemas = [
        json!({"type": "object", "required": ["id", "created", "tags"], "properties": {
            "id": {"type": "string", "format": "uuid"},
            "created": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]{2,5}$"}, "uniqueItems": true, "maxItems": 3},
            "score": {"type": ["number", "null"], "minimum": 0, "exclusiveMaximum": 1},
            "owner": {"$ref": "#/$defs/User"}
        }, "$defs": {"User": {"type": "object", "required": ["email"], "properties": {
            "email": {"type": "string", "format": "email"},
            "manager": {"$ref": "#/$defs/User"},
            "site": {"type": "string", "format": "uri"}
        }}}}),
        json!({"oneOf": [
            {"type": "object", "required": ["kind", "radius"], "properties": {"kind": {"const": "circle"}, "radius": {"type": "number", "exclusiveMinimum": 0}}, "additionalProperties": false},
            {"type": "object", "required": ["kind", "side"], "properties": {"kind": {"const": "square"}, "side": {"type": "integer", "minimum": 1}}, "additionalProperties": false}
        ]}),
        json!({"allOf": [{"$ref": "#/$defs/Base"}, {"type": "object", "required": ["extra"], "properties": {"extra": {"type": "integer", "multipleOf": 5}}}],
               "$defs": {"Base": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 3, "maxLength": 3}}}}}),
        json!({"type": "object", "additionalProperties": {"type": "string", "format": "ipv4"}, "minProperties": 1, "maxProperties": 3}),
        json!({"type": "array", "prefixItems": [{"type": "boolean"}, {"type": "string", "format": "date"}], "items": false, "minItems": 2}),
        json!({"anyOf": [{"type": "string", "format": "ipv6"}, {"type": "null"}]}),
        json!({"type": "string", "format": "byte", "maxLength": 16}),
        json!({"type": "integer", "format": "int64", "minimum": -9223372036854775808_i64, "maximum": 9223372036854775807_i64}),
    ];
    for schema in &schemas {
        for seed in 0..40 {
            let v = synthesize(schema, seed).unwrap_or_else(|e| panic!("{schema}: {e}"));
            assert!(
                validates(schema, &v),
                "seed {seed}: {v} does not validate against {schema}"
            );
        }
    }
}

/// Every schema of every operation (parameters, request bodies, responses) of every spec in the
/// repository's `specs/` folder.
/// The spec files of the repository's `specs/` folder, sorted.
fn spec_files() -> Vec<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut files = Vec::new();
    for dir in ["oai", "oxide"] {
        let mut in_dir: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
            .collect();
        in_dir.sort();
        files.extend(in_dir);
    }
    files
}

fn spec_schemas() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut load_errors = Vec::new();
    for file in spec_files() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let api = match contractgate_spec::load(&file) {
            Ok(loaded) => loaded.api.bundled(),
            Err(diags) => {
                load_errors.push(format!("{name}: {diags}"));
                continue;
            }
        };
        for op in &api.operations {
            let at = |what: &str| format!("{name} {} {}: {what}", op.method, op.path);
            for p in &op.parameters {
                if let Some(s) = &p.schema {
                    out.push((at(&format!("parameter {}", p.name)), s.clone()));
                }
            }
            if let Some(rb) = &op.request_body {
                for (mt, m) in &rb.content {
                    if let Some(s) = &m.schema {
                        out.push((at(&format!("request body {mt}")), s.clone()));
                    }
                }
            }
            for r in &op.responses {
                for (mt, m) in &r.content {
                    if let Some(s) = &m.schema {
                        out.push((at(&format!("response {} {mt}", r.status)), s.clone()));
                    }
                }
            }
        }
    }
    assert!(
        load_errors.is_empty(),
        "specs that do not load:\n{}",
        load_errors.join("\n")
    );
    out
}

#[test]
fn synthesized_values_validate_for_every_schema_of_every_spec() {
    let schemas = spec_schemas();
    assert!(schemas.len() > 100, "only {} schemas found", schemas.len());
    // Schemas no value satisfies: synthesis must say why, in these words.
    let unsatisfiable = [(
        "propolis-server.json POST /instance/disk/{id}/snapshot/{snapshot_id}: response 200 application/json",
        "cannot synthesize a value for the schema: no `enum` value ([null]) has the schema's `type` (\"string\")",
    )];
    let mut problems = Vec::new();
    for (where_, schema) in &schemas {
        if let Some((_, why)) = unsatisfiable.iter().find(|(w, _)| w == where_) {
            assert_eq!(synthesize(schema, 1).unwrap_err().to_string(), *why);
            continue;
        }
        match synthesize(schema, contractgate::data::synth::seed_for(&[where_])) {
            Ok(v) if validates(schema, &v) => {}
            Ok(v) => problems.push(format!("{where_}: {v} does not validate")),
            Err(e) => problems.push(format!("{where_}: {e}")),
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} schemas:\n{}",
        problems.len(),
        schemas.len(),
        problems.join("\n")
    );
}

/// Property: every value of every generated case (boundary pass and random cases) of every
/// operation of every spec in `specs/` validates against its schema, formats included.
#[test]
fn generated_cases_validate_for_every_operation_of_every_spec() {
    let mut checked = 0usize;
    let mut problems = Vec::new();
    for file in spec_files() {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let api = std::sync::Arc::new(contractgate_spec::load(&file).unwrap().api);
        let mut target = contractgate::Target::new("http://127.0.0.1:9").unwrap();
        target.settings.links = false;
        let harness = contractgate::Harness::new(std::sync::Arc::clone(&api), target);
        let bundled = api.bundled();
        for op in &bundled.operations {
            let cases = contractgate::client::block_on(harness.generated_case_values(&op.id, 12));
            for (case, origin) in cases {
                for (pname, value) in &case.params {
                    let Some(schema) = op
                        .parameters
                        .iter()
                        .find(|p| &p.name == pname)
                        .and_then(|p| p.schema.as_ref())
                    else {
                        continue;
                    };
                    checked += 1;
                    if !validates(schema, value) {
                        problems.push(format!("{name} {}: {origin}: {pname} = {value}", op.id));
                    }
                }
                if let (Some(body), Some(rb)) = (&case.body, &op.request_body) {
                    checked += 1;
                    let any = rb
                        .content
                        .values()
                        .filter_map(|m| m.schema.as_ref())
                        .any(|s| validates(s, body));
                    if !any {
                        problems.push(format!("{name} {}: {origin}: body {body}", op.id));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} values checked");
    assert!(
        problems.is_empty(),
        "{} of {checked} generated values do not validate:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

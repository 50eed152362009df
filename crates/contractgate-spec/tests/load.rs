//! The loader end to end: real specs, multi-file refs, recursion, 3.0 vs 3.1, and every error class
//! with its rendered diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::comparable;
use std::path::{Path, PathBuf};

use contractgate_spec::ir::{Api, Method, ParamLocation, StatusSpec};
use contractgate_spec::{is_json, load, load_str};
use serde_json::{Value, json};

/// The specs bundled in the repository (copies of ../shared/specs).
fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs")
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/load/{name}")
}

fn raw(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    }
}

/// Follows a local `#/...` reference in the raw document.
fn local<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => v,
    }
}

/// (operations, JSON response media types with a schema), counted from the raw document.
fn count_raw(doc: &Value) -> (usize, usize) {
    let mut ops = 0;
    let mut json_schemas = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if path.starts_with("x-") {
            continue;
        }
        let item = local(doc, item);
        for method in [
            "get", "put", "post", "delete", "options", "head", "patch", "trace",
        ] {
            let Some(op) = item.get(method) else { continue };
            ops += 1;
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (_, r) in responses {
                let r = local(doc, r);
                if let Some(content) = r.get("content").and_then(Value::as_object) {
                    json_schemas += content
                        .iter()
                        .filter(|(m, mt)| is_json(m) && mt.get("schema").is_some())
                        .count();
                }
            }
        }
    }
    (ops, json_schemas)
}

fn count_ir(api: &Api) -> (usize, usize) {
    let json_schemas = api
        .operations
        .iter()
        .flat_map(|op| &op.responses)
        .flat_map(|r| &r.content)
        .filter(|(m, mt)| is_json(m) && mt.schema.is_some())
        .count();
    (api.operations.len(), json_schemas)
}

#[test]
fn every_bundled_spec_loads_with_the_counts_of_its_raw_document() {
    let mut seen = 0;
    for dir in ["oai", "oxide"] {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(specs_dir().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
            .collect();
        paths.sort();
        for path in paths {
            let loaded = load(&path).unwrap_or_else(|d| panic!("{} failed:\n{d}", path.display()));
            let expected = count_raw(&raw(&path));
            assert_eq!(count_ir(&loaded.api), expected, "{}", path.display());
            // The IR survives a JSON round trip unchanged.
            let back = Api::from_json(&loaded.api.to_json()).unwrap();
            assert_eq!(back, loaded.api, "{}", path.display());
            seen += 1;
        }
    }
    assert_eq!(seen, 13, "all bundled specs were loaded");
}

#[test]
fn every_schema_in_the_bundled_specs_compiles_as_json_schema_2020_12() {
    for spec in [
        "oai/petstore-expanded.yaml",
        "oai/uspto.yaml",
        "oxide/nexus.json",
        "oai/webhook-example.yaml",
    ] {
        let api = load(specs_dir().join(spec)).unwrap().api.bundled();
        let mut schemas: Vec<&Value> = Vec::new();
        for op in &api.operations {
            schemas.extend(op.parameters.iter().filter_map(|p| p.schema.as_ref()));
            if let Some(body) = &op.request_body {
                schemas.extend(body.content.values().filter_map(|m| m.schema.as_ref()));
            }
            for r in &op.responses {
                schemas.extend(r.content.values().filter_map(|m| m.schema.as_ref()));
                schemas.extend(r.headers.values().filter_map(|h| h.schema.as_ref()));
            }
        }
        assert!(!schemas.is_empty());
        for schema in schemas {
            jsonschema::draft202012::options()
                .should_validate_formats(true)
                .build(schema)
                .unwrap_or_else(|e| panic!("{spec}: {e}\n{schema:#}"));
        }
    }
}

#[test]
fn multi_file_refs_resolve_relative_to_the_file_that_holds_them() {
    let loaded = load(fixture("multi/openapi.yaml")).unwrap();
    let api = &loaded.api.bundled();
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.diagnostics);
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["listUsers", "createUser", "getUser"]);
    assert_eq!(
        api.files,
        [
            "tests/fixtures/load/multi/openapi.yaml",
            "tests/fixtures/load/multi/paths/users.yaml",
            "tests/fixtures/load/multi/components/parameters.yaml",
            "tests/fixtures/load/multi/components/schemas/user.yaml",
            "tests/fixtures/load/multi/common/types.json",
            "tests/fixtures/load/multi/components/responses.json",
        ]
    );

    // A path item from another file, its parameter from a third, its schema's refs from a fourth.
    let list = &api.operations[0];
    assert_eq!(list.path, "/users");
    assert_eq!(list.parameters[0].name, "limit");
    assert_eq!(list.parameters[0].location, ParamLocation::Query);
    assert_eq!(
        list.parameters[0].defined_at.file,
        "tests/fixtures/load/multi/components/parameters.yaml"
    );
    assert_eq!(list.parameters[0].defined_at.line, 7);
    let schema = list.responses[0].content["application/json"]
        .schema
        .as_ref()
        .unwrap();
    assert_eq!(schema["items"], json!({"$ref": "#/$defs/User"}));
    let user = &schema["$defs"]["User"];
    assert_eq!(user["properties"]["id"], json!({"$ref": "#/$defs/Id"}));
    assert_eq!(schema["$defs"]["Id"]["format"], "uuid");
    // 3.0 `nullable` without `type` siblings is converted.
    assert_eq!(
        schema["$defs"]["Address"]["type"],
        json!(["object", "null"])
    );
    // Response direction: the writeOnly password is gone.
    assert!(user["properties"].get("password").is_none());

    // Request direction: writeOnly stays, and a required readOnly property reached through $ref is
    // still listed (only inline readOnly properties are removed).
    let create = &api.operations[1];
    let body = create.request_body.as_ref().unwrap();
    assert!(body.required);
    let req_schema = body.content["application/json"].schema.as_ref().unwrap();
    assert!(
        req_schema["$defs"]["User"]["properties"]
            .get("password")
            .is_some()
    );

    // A response from a JSON file, with a header and a problem+json body from yet another file.
    let get = &api.operations[2];
    let not_found = get
        .responses
        .iter()
        .find(|r| r.status == StatusSpec::Exact(404))
        .unwrap();
    assert_eq!(not_found.description, "no such user");
    assert!(not_found.headers["X-Request-Id"].required);
    let problem = not_found.content["application/problem+json"]
        .schema
        .as_ref()
        .unwrap();
    assert_eq!(problem["$defs"]["Problem"]["required"], json!(["title"]));
    assert_eq!(get.parameters[0].location, ParamLocation::Path);
    assert!(get.parameters[0].required);
}

#[test]
fn recursive_schemas_stay_finite() {
    let unbundled = load(fixture("recursive.yaml")).unwrap().api;
    // Each referenced schema is kept once, in the registry, and refers to itself by name.
    let names: Vec<&String> = unbundled.schemas.shared.keys().collect();
    assert_eq!(names, ["Node", "Team", "Person"]);
    assert!(unbundled.schemas.request.is_empty());
    assert_eq!(
        unbundled.operations[0].responses[0].content["application/json"].schema,
        Some(json!({"$ref": "#/$defs/Node"}))
    );
    let api = unbundled.bundled();
    let tree = api.operations[0].responses[0].content["application/json"]
        .schema
        .clone()
        .unwrap();
    assert_eq!(tree["$ref"], "#/$defs/Node");
    assert_eq!(
        tree["$defs"]["Node"]["properties"]["children"]["items"],
        json!({"$ref": "#/$defs/Node"})
    );
    let org = api.operations[1].responses[0].content["application/json"]
        .schema
        .clone()
        .unwrap();
    let defs: Vec<&String> = org["$defs"].as_object().unwrap().keys().collect();
    assert_eq!(defs, ["Team", "Person"]);
    // And a validator can use them.
    let v = jsonschema::draft202012::new(&tree).unwrap();
    assert!(v.is_valid(&json!({"name": "root", "children": [{"name": "leaf", "children": []}]})));
    assert!(!v.is_valid(&json!({"name": "root", "children": [{"children": []}]})));
}

#[test]
fn a_shared_schema_is_kept_once_with_a_request_form_only_where_it_differs() {
    let spec = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users:
    post:
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/User'}}
      responses:
        '201':
          description: created
          content:
            application/json: {schema: {$ref: '#/components/schemas/User'}}
  /users/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {$ref: '#/components/schemas/User'}}
components:
  schemas:
    User:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        team: {$ref: '#/components/schemas/Team'}
    Team:
      type: object
      properties:
        name: {type: string}
        members: {type: array, items: {$ref: '#/components/schemas/User'}}
"##;
    let api = load_str("users.yaml", spec).unwrap().api;
    let shared: Vec<&String> = api.schemas.shared.keys().collect();
    assert_eq!(shared, ["User", "Team"]);
    // Requests never send `id` (readOnly): User has a request form of its own, and so does Team,
    // whose members are request-form Users (the same name resolves per direction).
    assert!(api.schemas.request.contains_key("User"));
    assert_eq!(api.schemas.request["User"]["required"], json!(["name"]));
    assert_eq!(
        api.schemas.shared["User"]["required"],
        json!(["id", "name"])
    );
    // Three schemas use User, and the IR holds it once per form.
    assert_eq!(api.to_json().matches("\"readOnly\":true").count(), 1);

    let bundled = api.bundled();
    let request = bundled.operations[0].request_body.as_ref().unwrap().content["application/json"]
        .schema
        .clone()
        .unwrap();
    let response = bundled.operations[1].responses[0].content["application/json"]
        .schema
        .clone()
        .unwrap();
    let defs = |s: &Value| {
        s["$defs"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(defs(&request), ["User", "Team"]);
    assert_eq!(defs(&response), ["User", "Team"]);
    let req = jsonschema::draft202012::new(&request).unwrap();
    let resp = jsonschema::draft202012::new(&response).unwrap();
    let without_id = json!({"name": "a", "team": {"members": [{"name": "b"}]}});
    assert!(req.is_valid(&without_id));
    assert!(
        !resp.is_valid(&without_id),
        "a response must carry id, nested ones too"
    );
    assert!(
        resp.is_valid(
            &json!({"id": 1, "name": "a", "team": {"members": [{"id": 2, "name": "b"}]}})
        )
    );
}

#[test]
fn openapi_30_and_31_documents_of_the_same_api_give_the_same_ir() {
    let v30 = load(fixture("same-api/v30.yaml")).unwrap();
    let v31 = load(fixture("same-api/v31.yaml")).unwrap();
    assert_eq!(v30.api.openapi_version, "3.0.3");
    assert_eq!(v31.api.openapi_version, "3.1.0");
    assert_eq!(comparable(v30.api.clone()), comparable(v31.api));
    let bundled = v30.api.bundled();
    let op = &bundled.operations[0];
    assert_eq!(op.method, Method::Get);
    assert_eq!(op.security.len(), 1);
    let schema = op.responses[0].content["application/json"]
        .schema
        .as_ref()
        .unwrap();
    assert_eq!(
        schema["$defs"]["Profile"]["properties"]["id"],
        json!({"type": "integer", "format": "int64", "exclusiveMinimum": 0})
    );
}

fn errors_of(name: &str) -> String {
    match load(fixture(name)) {
        Ok(loaded) => panic!("{name} loaded, with warnings:\n{}", loaded.diagnostics),
        Err(diags) => diags.to_string(),
    }
}

#[test]
fn bad_yaml_names_its_line() {
    insta::assert_snapshot!(errors_of("errors/bad-yaml.yaml"));
}

#[test]
fn a_missing_ref_suggests_the_closest_name() {
    insta::assert_snapshot!(errors_of("errors/missing-ref.yaml"));
}

#[test]
fn a_ref_cycle_through_parameters_is_an_error_not_a_hang() {
    insta::assert_snapshot!(errors_of("errors/ref-cycle.yaml"));
}

#[test]
fn unknown_versions_are_refused_by_name() {
    // Swagger 2.0 loads (converted to OpenAPI 3.0, see tests/swagger2.rs); older ones do not.
    insta::assert_snapshot!("swagger12", errors_of("errors/swagger12.yaml"));
    insta::assert_snapshot!("openapi4", errors_of("errors/openapi4.yaml"));
}

#[test]
fn remote_refs_are_refused_without_a_request() {
    insta::assert_snapshot!(errors_of("errors/remote-ref.yaml"));
}

#[test]
fn a_duplicated_path_is_an_error_with_both_locations() {
    insta::assert_snapshot!(errors_of("errors/duplicate-path.yaml"));
}

#[test]
fn a_ref_to_a_missing_file_names_the_file() {
    insta::assert_snapshot!(errors_of("errors/missing-file.yaml"));
}

#[test]
fn several_errors_are_reported_together() {
    let text = errors_of("errors/several.yaml");
    insta::assert_snapshot!(text);
    assert!(text.contains("body"), "{text}");
    assert!(text.contains("2OO"), "{text}");
    assert!(
        text.contains("'Pets' not found") || text.contains("Pets' not found"),
        "{text}"
    );
    assert!(text.contains("apiKey"), "{text}");
}

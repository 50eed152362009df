//! OpenAPI 3.2: every construct of the fixture is read into the IR or named as untestable, and
//! the three errors of the 3.1 meta-schema that the OpenAPI Initiative's test documents expose
//! are fixed (two valid documents no longer warned about, two invalid ones flagged).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_spec::ir::Method;

const EVERY: &str = include_str!("fixtures/oas32/every-construct.yaml");

#[test]
fn a_32_document_loads_with_every_construct_read_or_named() {
    let loaded = contractgate_spec::load_str("every-construct.yaml", EVERY).unwrap();
    let warnings: Vec<String> = loaded
        .diagnostics
        .warnings()
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    // Every construct is read: no warning.
    assert!(warnings.is_empty(), "{warnings:#?}");
    let api = loaded.api;
    // `additionalOperations`: an operation like the others, with its own method.
    let purge = api.operation("purgeEvents").unwrap();
    assert_eq!(purge.method.as_str(), "PURGE");
    assert!(!purge.method.is_safe(), "an unknown method is never safe");
    assert_eq!(purge.path, "/events/raw");
    // The IR round-trips it (generated tests read it back from JSON).
    let again = contractgate_spec::ir::Api::from_json(&api.to_json()).unwrap();
    assert_eq!(again.operation("purgeEvents").unwrap().method, purge.method);
    assert_eq!(api.openapi_version, "3.2.0");
    let search = api.operation("searchEvents").unwrap();
    assert_eq!(search.method, Method::Query);
    assert!(
        search.method.is_safe(),
        "QUERY is safe: read-only environments send it"
    );
    let body = search.request_body.as_ref().unwrap();
    // `dataValue` is the example's value.
    assert_eq!(
        body.content["application/json"].examples["recent"].value,
        Some(serde_json::json!({"text": "deploy", "limit": 10}))
    );
    // Only the wire form: its data is the JSON it writes.
    assert_eq!(
        body.content["application/json"].examples["wire"].value,
        Some(serde_json::json!({"text": "build", "limit": 5}))
    );
    let stream = api.operation("streamEvents").unwrap();
    let media = &stream.responses[0].content["application/jsonl"];
    assert!(media.schema.is_none());
    assert!(media.item_schema.is_some(), "itemSchema is kept");
    let raw = api.operation("rawQuery").unwrap();
    assert!(raw.unsupported.is_empty(), "{:?}", raw.unsupported);
    assert_eq!(
        raw.parameters[0].location,
        contractgate_spec::ir::ParamLocation::QueryString
    );
    assert!(raw.parameters[0].content.is_some());
}

#[test]
fn query_is_an_operation_only_in_32() {
    let v31 = EVERY.replace("openapi: 3.2.0", "openapi: 3.1.0");
    let loaded = contractgate_spec::load_str("v31.yaml", &v31);
    // 3.1 has no `query`, `itemSchema`, `in: querystring` or `additionalOperations`.
    match loaded {
        Ok(l) => {
            assert!(l.api.operation("searchEvents").is_none());
            assert!(
                l.diagnostics.warnings().any(|d| d.code == "spec-violation"),
                "the meta-schema flags the 3.2 keys"
            );
        }
        Err(d) => assert!(d.render().contains("querystring"), "{}", d.render()),
    }
}

fn warnings_31(doc: &str) -> Vec<String> {
    let loaded =
        contractgate_spec::load_str("t.yaml", doc).unwrap_or_else(|d| panic!("{}", d.render()));
    loaded
        .diagnostics
        .warnings()
        .filter(|d| d.code == "spec-violation")
        .map(|d| format!("{} {}", d.location.pointer, d.message))
        .collect()
}

const LINKED: &str = r#"openapi: 3.1.0
info: {title: t, version: "1"}
servers:
  - url: "https://{username}.example.com:{port}/{basePath}"
    variables:
      username: {default: demo}
      port: {default: "443"}
      basePath: {default: v2}
paths:
  /users:
    post:
      operationId: createUser
      parameters:
        - {name: q, in: query, schema: {type: string}, example: a}
      responses:
        "201":
          description: created
          links:
            self:
              operationId: getUser
              LINKFIELD
  /users/{id}:
    get:
      operationId: getUser
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok}
"#;

#[test]
fn the_31_meta_schema_errors_are_fixed() {
    // Valid: a templated server URL, and a Link Object's `server`.
    let valid = LINKED.replace("LINKFIELD", "server: {url: \"https://other.example.com\"}");
    assert_eq!(warnings_31(&valid), Vec::<String>::new());
    // Invalid: a Link Object with `body`, and a parameter with both `example` and `examples`.
    let body = LINKED.replace("LINKFIELD", "body: {}");
    assert!(
        warnings_31(&body).iter().any(|w| w.contains("/links/self")),
        "{:?}",
        warnings_31(&body)
    );
    let both = LINKED
        .replace("LINKFIELD", "description: self")
        .replace("example: a}", "example: a, examples: {one: {value: b}}}");
    assert!(
        warnings_31(&both)
            .iter()
            .any(|w| w.contains("/parameters/0")),
        "{:?}",
        warnings_31(&both)
    );
}

#[test]
fn a_31_document_upgraded_to_32_gives_the_same_ir_but_the_version() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/oai");
    let mut compared = 0;
    for entry in std::fs::read_dir(&specs).unwrap().flatten() {
        let path = entry.path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if !text.contains("openapi: 3.1") && !text.contains("openapi: \"3.1") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let v31 = contractgate_spec::load_str(&name, &text).unwrap().api;
        let upgraded = text
            .replace("openapi: 3.1.0", "openapi: 3.2.0")
            .replace("openapi: \"3.1.0\"", "openapi: \"3.2.0\"");
        let mut v32 = contractgate_spec::load_str(&name, &upgraded).unwrap().api;
        v32.openapi_version.clone_from(&v31.openapi_version);
        assert_eq!(
            serde_json::to_value(&v31).unwrap(),
            serde_json::to_value(&v32).unwrap(),
            "{name}"
        );
        compared += 1;
    }
    assert!(compared > 0, "no 3.1 spec in specs/oai");
}

#[test]
fn a_tag_selects_the_operations_of_its_child_tags() {
    let api = contractgate_spec::load_str("every-construct.yaml", EVERY)
        .unwrap()
        .api;
    let search = api.operation("searchEvents").unwrap();
    assert_eq!(search.tags, ["search"]);
    assert_eq!(search.tag_ancestors, ["events"]);
    let by_parent: contractgate_spec::select::Selector = "tag:events".parse().unwrap();
    assert!(by_parent.matches(search));
    let by_child: contractgate_spec::select::Selector = "tag:search".parse().unwrap();
    assert!(by_child.matches(search));
    assert!(!by_child.matches(api.operation("streamEvents").unwrap()));
}

#[test]
fn self_names_where_the_document_lives_so_absolute_refs_under_it_are_read_from_disk() {
    let dir = std::env::temp_dir().join(format!("cg-self-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(
        dir.join("schemas/pet.yaml"),
        "type: object\nrequired: [id]\nproperties:\n  id: {type: integer}\n  owner: {$ref: 'https://api.example.com/v1/local-name.yaml#/components/schemas/Owner'}\n",
    )
    .unwrap();
    // `$self` calls the root `openapi.yaml`; on disk it is `local-name.yaml`, which is how
    // `schemas/pet.yaml` refers back to it.
    let root = r#"
openapi: 3.2.0
$self: https://api.example.com/v1/openapi.yaml
info: {title: t, version: "1"}
paths:
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'https://api.example.com/v1/schemas/pet.yaml'}
  /owners/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'https://api.example.com/v1/openapi.yaml#/components/schemas/Owner'}
  /remote:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: 'https://elsewhere.example.org/v1/thing.yaml'}
components:
  schemas:
    Owner: {type: object, properties: {name: {type: string}}}
"#;
    let path = dir.join("local-name.yaml");
    std::fs::write(&path, root).unwrap();
    // A URL that is not under `$self` stays a remote reference: refused, never fetched.
    let errors = contractgate_spec::load(&path).unwrap_err().to_string();
    assert!(errors.contains("remote-ref"), "{errors}");
    assert!(errors.contains("elsewhere.example.org"), "{errors}");
    assert_eq!(errors.matches("error[").count(), 1, "{errors}");

    // Without it, the document loads: the file beside the root, and the root itself by its
    // `$self` URL (whatever it is called on disk), and a file's own absolute refs likewise.
    let fixed = root.replace(
        "https://elsewhere.example.org/v1/thing.yaml",
        "https://API.example.com/v1/schemas/pet.yaml",
    );
    std::fs::write(&path, fixed).unwrap();
    let loaded = contractgate_spec::load(&path).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.diagnostics);
    let api = loaded.api.bundled();
    let pet = api.operations[0].responses[0].content["application/json"]
        .schema
        .clone()
        .unwrap();
    assert_eq!(pet["$defs"]["pet"]["required"], serde_json::json!(["id"]));
    assert!(pet["$defs"]["Owner"].is_object(), "{pet:#}");
    assert!(
        loaded
            .api
            .files
            .iter()
            .any(|f| f.ends_with("schemas/pet.yaml")),
        "{:?}",
        loaded.api.files
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The OpenAPI Initiative's own schema test documents for 3.1 and 3.2 (vendored in
/// `fixtures/oai-schema-tests`, see its README): every document its authors call valid loads
/// without an error or a `spec-violation` warning, but for the features contractgate refuses by
/// design (named here, with why); every document they call invalid is flagged.
#[test]
fn the_openapi_initiatives_schema_test_documents_are_judged_as_their_authors_judge_them() {
    // (version, file) → the error contractgate gives by design.
    let refused: [(&str, &str, &str); 4] = [
        // A security requirement naming no declared scheme: the specification says each name
        // MUST be declared (the meta-schema cannot see it), and no credentials could be sent.
        (
            "3.1",
            "operation-object-example.yaml",
            "unknown-security-scheme",
        ),
        (
            "3.2",
            "operation-object-example.yaml",
            "unknown-security-scheme",
        ),
        // A `$ref` to a URL: contractgate never fetches.
        ("3.1", "security-scheme-object-examples.yaml", "remote-ref"),
        ("3.2", "security-scheme-object-examples.yaml", "remote-ref"),
    ];
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oai-schema-tests");
    let mut wrong: Vec<String> = Vec::new();
    let mut counted = 0;
    for version in ["3.1", "3.2"] {
        for kind in ["pass", "fail"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(version).join(kind))
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            files.sort();
            for path in files {
                counted += 1;
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let loaded = contractgate_spec::load(&path);
                let codes: Vec<String> = match &loaded {
                    Ok(l) => l
                        .diagnostics
                        .warnings()
                        .filter(|d| d.code == "spec-violation")
                        .map(|d| format!("spec-violation {} {}", d.location.pointer, d.message))
                        .collect(),
                    Err(d) => d
                        .errors()
                        .map(|e| format!("{} {} {}", e.code, e.location.pointer, e.message))
                        .collect(),
                };
                let by_design = refused
                    .iter()
                    .find(|(v, f, _)| *v == version && *f == name)
                    .map(|(_, _, code)| *code);
                match (kind, by_design) {
                    ("pass", None) if !codes.is_empty() => {
                        wrong.push(format!("{version} pass {name}: flagged {codes:?}"));
                    }
                    ("pass", Some(code)) if !(codes.len() == 1 && codes[0].starts_with(code)) => {
                        wrong.push(format!(
                            "{version} pass {name}: expected only {code}, got {codes:?}"
                        ));
                    }
                    ("fail", _) if codes.is_empty() => {
                        wrong.push(format!("{version} fail {name}: not flagged"));
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(
        counted >= 100,
        "only {counted} documents found under {}",
        root.display()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

//! Swagger 2.0 documents, converted to OpenAPI 3.0 at load time: each conversion rule, the
//! OpenAPI Initiative's own 2.0 examples against their 3.0 versions, multi-file documents, and
//! diagnostics that still name the file, line, column and pointer as written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::comparable;
use std::path::{Path, PathBuf};

use contractgate_spec::ir::{Api, Method, ParamLocation, ParamStyle, StatusSpec};
use contractgate_spec::meta::{self, OasVersion};
use contractgate_spec::swagger2::{self, CONVERTED_VERSION};
use contractgate_spec::{load, load_str};
use serde_json::{Value, json};

fn fixture(name: &str) -> String {
    format!("tests/fixtures/swagger2/{name}")
}

fn raw(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    if text.trim_start().starts_with('{') {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    }
}

/// Every `rules/<rule>.yaml` with its `rules/<rule>.expected.yaml`.
fn rules() -> Vec<(PathBuf, PathBuf)> {
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(fixture("rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".yaml") && !name.ends_with(".expected.yaml")
        })
        .map(|p| {
            let expected = p.with_extension("expected.yaml");
            (p, expected)
        })
        .collect();
    out.sort();
    assert_eq!(out.len(), 12, "all rule fixtures were found");
    out
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

// ---------------------------------------------------------------------------------------------
// (2) Each rule: input → expected converted document, and the same IR either way
// ---------------------------------------------------------------------------------------------

#[test]
fn each_rule_converts_to_its_expected_openapi_3_document() {
    for (input, expected) in rules() {
        let conversion = swagger2::convert(&raw(&input));
        let want = raw(&expected);
        assert_eq!(
            conversion.document,
            want,
            "{}: converted\n{}\nexpected\n{}",
            input.display(),
            pretty(&conversion.document),
            pretty(&want)
        );
    }
}

#[test]
fn each_converted_rule_document_is_valid_openapi_3_0() {
    let mut docs: Vec<(String, Value)> = rules()
        .into_iter()
        .map(|(input, _)| (input.display().to_string(), raw(&input)))
        .collect();
    for name in ["oai/petstore-expanded.yaml", "realistic.yaml"] {
        docs.push((name.into(), raw(Path::new(&fixture(name)))));
    }
    for (name, doc) in docs {
        let converted = swagger2::convert(&doc).document;
        assert_eq!(
            meta::validate(OasVersion::V30, &converted),
            vec![],
            "{name}:\n{}",
            pretty(&converted)
        );
    }
}

#[test]
fn each_rule_loads_to_the_same_ir_as_its_expected_openapi_3_document() {
    for (input, expected) in rules() {
        let from_2 = load(&input).unwrap_or_else(|d| panic!("{}:\n{d}", input.display()));
        let from_3 = load(&expected).unwrap_or_else(|d| panic!("{}:\n{d}", expected.display()));
        assert!(
            from_2.diagnostics.is_empty(),
            "{}:\n{}",
            input.display(),
            from_2.diagnostics
        );
        assert!(
            from_3.diagnostics.is_empty(),
            "{}:\n{}",
            expected.display(),
            from_3.diagnostics
        );
        assert_eq!(from_2.api.openapi_version, CONVERTED_VERSION);
        let mut a = comparable(from_2.api);
        let b = comparable(from_3.api);
        // What OpenAPI 3 cannot say (`collectionFormat: tsv`) is not in the expected document;
        // it is checked in `tsv_and_other_lost_collection_formats_make_the_operation_untestable`.
        if input.ends_with("tsv.yaml") {
            for op in a["operations"].as_array_mut().unwrap() {
                op.as_object_mut().unwrap().remove("unsupported");
            }
        }
        assert_eq!(
            a,
            b,
            "{}: IR from 2.0\n{}\nIR from the expected 3.0 document\n{}",
            input.display(),
            pretty(&a),
            pretty(&b)
        );
    }
}

#[test]
fn tsv_and_other_lost_collection_formats_make_the_operation_untestable() {
    let api = load(fixture("rules/tsv.yaml")).unwrap().api;
    let unsupported: Vec<(String, Vec<String>)> = api
        .operations
        .iter()
        .map(|op| {
            (
                op.id.clone(),
                op.unsupported
                    .iter()
                    .map(|u| format!("{}: {}", u.location, u.feature))
                    .collect(),
            )
        })
        .collect();
    assert_eq!(
        unsupported,
        [
            (
                "get_search".to_owned(),
                vec![
                    "tests/fixtures/swagger2/rules/tsv.yaml:11:76 #/paths/~1search/get/parameters/1/collectionFormat: \
                     parameter 'fields' uses `collectionFormat: tsv`: tab-separated values have no OpenAPI 3 equivalent"
                        .to_owned()
                ]
            ),
            (
                "get_items_ids".to_owned(),
                vec![
                    "tests/fixtures/swagger2/rules/tsv.yaml:17:88 #/paths/~1items~1{ids}/get/parameters/0/collectionFormat: \
                     parameter 'ids' uses `collectionFormat: pipes`: OpenAPI 3 has no equivalent for a path parameter"
                        .to_owned()
                ]
            ),
            (
                "post_items_ids".to_owned(),
                vec![
                    "tests/fixtures/swagger2/rules/tsv.yaml:23:78 #/paths/~1items~1{ids}/post/parameters/1/collectionFormat: \
                     parameter 'cells' uses `collectionFormat: tsv`: tab-separated values have no OpenAPI 3 equivalent"
                        .to_owned()
                ]
            ),
            ("get_plain".to_owned(), vec![]),
            (
                "get_matrix".to_owned(),
                vec![
                    "tests/fixtures/swagger2/rules/tsv.yaml:35:94 #/paths/~1matrix/get/parameters/0/items/collectionFormat: \
                     parameter 'm' nests arrays with a `collectionFormat` of their own: OpenAPI 3 cannot say how the inner arrays are written"
                        .to_owned()
                ]
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// (1) The OpenAPI Initiative's petstore-expanded, 2.0 and 3.0
// ---------------------------------------------------------------------------------------------

/// Inlines every `#/$defs/...` reference of a bundled IR schema (they are not recursive in the
/// petstore), drops `$defs`, and `type: object` next to `properties`/`required` (the 3.0 example
/// adds it, the 2.0 one leaves it implied).
fn normalize_schema(schema: &Value, root: &Value) -> Value {
    match schema {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref")
                && let Some(name) = r.strip_prefix("#/$defs/")
            {
                return normalize_schema(&root["$defs"][name], root);
            }
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                if k == "$defs"
                    || (k == "type"
                        && v == "object"
                        && (map.contains_key("properties") || map.contains_key("required")))
                {
                    continue;
                }
                out.insert(k.clone(), normalize_schema(v, root));
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| normalize_schema(v, root)).collect())
        }
        other => other.clone(),
    }
}

/// The comparable IR with schemas normalized and descriptions' whitespace collapsed
/// ("store.  Duplicates" in one file, "store. Duplicates" in the other).
fn normalized(api: Api) -> Value {
    let mut api = api.bundled();
    api.schemas = Default::default();
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if k == "schema" && val.is_object() {
                        *val = normalize_schema(val, &val.clone());
                    } else if k == "description"
                        && let Value::String(s) = val
                    {
                        *s = s.split_whitespace().collect::<Vec<_>>().join(" ");
                    } else {
                        walk(val);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v = comparable(api);
    // `info` and `servers` differ between the two example files (a different host and contact).
    v["info"] = Value::Null;
    v["servers"] = Value::Null;
    walk(&mut v);
    v
}

#[test]
fn the_oai_petstore_expanded_in_2_0_loads_like_its_3_0_version() {
    let v2 = load(fixture("oai/petstore-expanded.yaml")).unwrap();
    let v3_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs/oai/petstore-expanded.yaml");
    let v3 = load(&v3_path).unwrap();
    assert!(v2.diagnostics.is_empty(), "{}", v2.diagnostics);
    assert_eq!(v2.api.openapi_version, CONVERTED_VERSION);
    assert_eq!(v2.api.servers[0].url, "http://petstore.swagger.io/api");

    // The operations, one by one, before the whole-IR comparison below.
    let summary = |api: &Api| -> Vec<String> {
        api.operations
            .iter()
            .map(|op| {
                let params: Vec<String> = op
                    .parameters
                    .iter()
                    .map(|p| format!("{}:{}:{:?}:{}", p.name, p.location, p.style, p.explode))
                    .collect();
                let body: Vec<String> = op
                    .request_body
                    .iter()
                    .flat_map(|b| b.content.keys().map(move |m| format!("{m}:{}", b.required)))
                    .collect();
                let responses: Vec<String> = op
                    .responses
                    .iter()
                    .map(|r| format!("{}{:?}", r.status, r.content.keys().collect::<Vec<_>>()))
                    .collect();
                format!(
                    "{} {} {} params={params:?} body={body:?} responses={responses:?}",
                    op.id, op.method, op.path
                )
            })
            .collect()
    };
    assert_eq!(
        summary(&v2.api),
        [
            r#"findPets GET /pets params=["tags:query:Form:false", "limit:query:Form:true"] body=[] responses=["200[\"application/json\"]", "default[\"application/json\"]"]"#,
            r#"addPet POST /pets params=[] body=["application/json:true"] responses=["200[\"application/json\"]", "default[\"application/json\"]"]"#,
            r#"find pet by id GET /pets/{id} params=["id:path:Simple:false"] body=[] responses=["200[\"application/json\"]", "default[\"application/json\"]"]"#,
            r#"deletePet DELETE /pets/{id} params=["id:path:Simple:false"] body=[] responses=["204[]", "default[\"application/json\"]"]"#,
        ]
    );

    // Everything else, IR against IR. The one real difference: the 2.0 `tags` parameter says
    // `collectionFormat: csv` (`tags=a,b`), and the 3.0 example translates it as `style: form`
    // without `explode: false`, which means `tags=a&tags=b`. The conversion keeps the 2.0
    // meaning; the 3.0 example is patched here after checking it says what is described above.
    let a = normalized(v2.api);
    let mut b = normalized(v3.api);
    let tags = &mut b["operations"][0]["parameters"][0];
    assert_eq!(tags["name"], "tags");
    assert_eq!(
        (&tags["style"], &tags["explode"]),
        (&json!("form"), &json!(true))
    );
    tags["explode"] = json!(false);
    assert_eq!(a, b, "from 2.0:\n{}\nfrom 3.0:\n{}", pretty(&a), pretty(&b));
}

#[test]
fn a_realistic_generated_document_loads_cleanly() {
    let loaded = load(fixture("realistic.yaml")).unwrap();
    assert!(loaded.diagnostics.is_empty(), "{}", loaded.diagnostics);
    let api = loaded.api.bundled();
    let urls: Vec<&str> = api.servers.iter().map(|s| s.url.as_str()).collect();
    assert_eq!(
        urls,
        [
            "https://localhost:8080/api/v1",
            "http://localhost:8080/api/v1"
        ]
    );
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "listAccounts",
            "addAccount",
            "getAccount",
            "deleteAccount",
            "uploadAccountImage",
            "adminAuth"
        ]
    );
    let list = &api.operations[0];
    let status = &list.parameters[1];
    assert_eq!((status.style, status.explode), (ParamStyle::Form, true));
    let ok = &list.responses[0];
    assert_eq!(
        ok.headers["X-Total-Count"].schema,
        Some(json!({"type": "integer"}))
    );
    let page = ok.content["application/json"].schema.as_ref().unwrap();
    assert_eq!(
        page["$defs"]["model.Page"]["properties"]["next"],
        json!({"type": ["string", "null"]})
    );
    assert_eq!(
        page["$defs"]["model.Account"]["properties"]["nickname"],
        json!({"type": ["string", "null"]})
    );
    let upload = &api.operations[4];
    let form = upload.request_body.as_ref().unwrap();
    assert!(form.required);
    assert_eq!(
        form.content["multipart/form-data"].schema,
        Some(json!({
            "type": "object",
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "account image"},
                "title": {"type": "string"}
            },
            "required": ["file"]
        }))
    );
    let auth = &api.operations[5];
    assert!(
        auth.request_body
            .as_ref()
            .unwrap()
            .content
            .contains_key("application/x-www-form-urlencoded")
    );
    assert_eq!(
        auth.security[0].schemes.keys().collect::<Vec<_>>(),
        ["BasicAuth"]
    );
    assert!(matches!(
        api.security_schemes["BasicAuth"],
        contractgate_spec::ir::SecurityScheme::Http { ref scheme, .. } if scheme == "basic"
    ));
}

// ---------------------------------------------------------------------------------------------
// (4) Several files
// ---------------------------------------------------------------------------------------------

#[test]
fn a_multi_file_2_0_document_converts_every_file_it_references() {
    let loaded = load(fixture("multi/swagger.yaml")).unwrap();
    let api = loaded.api.bundled();
    assert_eq!(
        loaded.diagnostics.to_string(),
        "0 error(s), 0 warning(s)",
        "{}",
        loaded.diagnostics
    );
    let ids: Vec<&str> = api.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["listPets", "addPet", "getPet", "replacePet"]);

    // A path item from its own file; its parameters from a file of fragments, where they are
    // located; `collectionFormat: tsv` there makes the operation untestable.
    let list = &api.operations[0];
    let limit = &list.parameters[0];
    assert_eq!(
        (limit.name.as_str(), limit.location),
        ("limit", ParamLocation::Query)
    );
    assert_eq!(limit.schema, Some(json!({"type": "integer"})));
    assert_eq!(
        limit.defined_at.to_string(),
        "tests/fixtures/swagger2/multi/fragments.yaml:2:1 #/Limit"
    );
    assert_eq!(list.unsupported.len(), 1);
    assert_eq!(
        list.unsupported[0].location.to_string(),
        "tests/fixtures/swagger2/multi/fragments.yaml:11:3 #/Kinds/collectionFormat"
    );
    // A schema under another file's `definitions`, which refers to a whole-file schema.
    let pets = list.responses[0].content["application/json"]
        .schema
        .as_ref()
        .unwrap();
    assert_eq!(pets["items"], json!({"$ref": "#/$defs/Pet"}));
    assert_eq!(
        pets["$defs"]["Pet"]["properties"]["picture"],
        json!({"type": "string", "format": "binary"})
    );
    assert_eq!(
        pets["$defs"]["kind"],
        json!({"type": ["string", "null"], "enum": ["cat", "dog", null]})
    );

    // A body parameter from a file of fragments: a request body with the root's consumes.
    let add = api.operations[1].request_body.as_ref().unwrap();
    assert!(add.required);
    assert_eq!(add.content.keys().collect::<Vec<_>>(), ["application/json"]);
    assert_eq!(
        add.content["application/json"].schema.as_ref().unwrap()["$ref"],
        "#/$defs/Pet"
    );

    // A whole 2.0 document's parameters and responses (`common.yaml#/parameters/Id`).
    let get = &api.operations[2];
    assert_eq!(get.parameters[0].location, ParamLocation::Path);
    assert_eq!(
        get.parameters[0].schema,
        Some(json!({"type": "integer", "format": "int64"}))
    );
    assert_eq!(
        get.parameters[0].defined_at.to_string(),
        "tests/fixtures/swagger2/multi/common.yaml:6:3 #/parameters/Id"
    );
    let not_found = get
        .responses
        .iter()
        .find(|r| r.status == StatusSpec::Exact(404))
        .unwrap();
    assert_eq!(not_found.description, "no such pet");
    assert_eq!(
        not_found.location.to_string(),
        "tests/fixtures/swagger2/multi/common.yaml:12:3 #/responses/NotFound"
    );
    let problem = not_found.content["application/json"]
        .schema
        .as_ref()
        .unwrap();
    assert_eq!(
        problem["$defs"]["Problem"]["properties"]["detail"],
        json!({"type": ["string", "null"]})
    );
    // `common.yaml#/parameters/PetBody`, a body parameter of another document.
    let replace = &api.operations[3];
    assert_eq!(replace.method, Method::Put);
    let body = replace.request_body.as_ref().unwrap();
    assert!(!body.required);
    let schema = body.content["application/json"].schema.as_ref().unwrap();
    // common.yaml's `Pet` is a `$ref` to definitions.yaml's `Pet`, named first (by listPets).
    assert_eq!(schema["$ref"], "#/$defs/Pet_2");
    assert_eq!(schema["$defs"]["Pet_2"], json!({"$ref": "#/$defs/Pet"}));
    assert_eq!(schema["$defs"]["Pet"]["required"], json!(["id", "name"]));

    assert_eq!(
        api.files,
        [
            "tests/fixtures/swagger2/multi/swagger.yaml",
            "tests/fixtures/swagger2/multi/paths/pets.yaml",
            "tests/fixtures/swagger2/multi/common.yaml",
            "tests/fixtures/swagger2/multi/definitions.yaml",
            "tests/fixtures/swagger2/multi/fragments.yaml",
            "tests/fixtures/swagger2/multi/kind.yaml",
        ]
    );
}

#[test]
fn the_oai_petstore_separate_example_loads_like_the_single_file_one() {
    let separate = load(fixture("oai/petstore-separate/spec/swagger.json")).unwrap();
    assert!(separate.diagnostics.is_empty(), "{}", separate.diagnostics);
    assert_eq!(separate.api.files.len(), 5);
    let ops: Vec<String> = separate
        .api
        .operations
        .iter()
        .map(|op| format!("{} {} {}", op.id, op.method, op.path))
        .collect();
    assert_eq!(
        ops,
        [
            "findPets GET /pets",
            "addPet POST /pets",
            "find pet by id GET /pets/{id}",
            "deletePet DELETE /pets/{id}"
        ]
    );
    let find = &separate.api.operations[0];
    assert_eq!(
        (find.parameters[0].style, find.parameters[0].explode),
        (ParamStyle::Form, false)
    );
    let bundled = separate.api.bundled();
    let body = bundled.operations[1].request_body.as_ref().unwrap();
    let schema = body.content["application/json"].schema.as_ref().unwrap();
    assert_eq!(schema["$ref"], "#/$defs/NewPet");
    assert_eq!(
        schema["$defs"]["NewPet"]["allOf"][0],
        json!({"$ref": "#/$defs/Pet"})
    );
}

// ---------------------------------------------------------------------------------------------
// (3) Diagnostics name the file as written
// ---------------------------------------------------------------------------------------------

fn diagnostics_of(name: &str) -> String {
    match load(fixture(name)) {
        Ok(loaded) => loaded.diagnostics.to_string(),
        Err(diags) => diags.to_string(),
    }
}

#[test]
fn a_missing_definition_is_reported_where_it_is_written() {
    insta::assert_snapshot!(diagnostics_of("errors/missing-definition.yaml"));
}

#[test]
fn warnings_in_moved_parts_name_the_original_pointer() {
    insta::assert_snapshot!(diagnostics_of("errors/located.yaml"));
}

#[test]
fn ir_locations_name_the_original_pointer() {
    let api = load(fixture("rules/components.yaml")).unwrap().api;
    let get = &api.operations[0];
    assert_eq!(
        get.parameters[0].defined_at.to_string(),
        "tests/fixtures/swagger2/rules/components.yaml:34:3 #/parameters/Limit"
    );
    assert_eq!(
        get.responses[0].location.to_string(),
        "tests/fixtures/swagger2/rules/components.yaml:42:3 #/responses/Pets"
    );
    let api = load(fixture("rules/body.yaml")).unwrap().api;
    assert_eq!(
        api.operations[0].location.to_string(),
        "tests/fixtures/swagger2/rules/body.yaml:8:5 #/paths/~1pets/post"
    );
}

#[test]
fn the_2_0_document_is_checked_against_the_swagger_2_0_schema_as_written() {
    let text = "swagger: '2.0'\n\
                info: { title: t, version: 1.0 }\n\
                paths:\n  /a:\n    get:\n      parameters:\n        - { name: q, in: cookie, type: string }\n      responses:\n        '200': {}\n";
    let diags = match load_str("bad.yaml", text) {
        Ok(l) => l.diagnostics,
        Err(d) => d,
    };
    insta::assert_snapshot!(diags.to_string());
}

#[test]
fn other_swagger_versions_are_refused_by_name() {
    let err = load_str(
        "old.yaml",
        "swagger: '1.2'\ninfo: { title: t, version: '1' }\npaths: {}\n",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "error[unsupported-version]: old.yaml:1:1 #/swagger: Swagger version '1.2' is not supported; contractgate reads Swagger 2.0, OpenAPI 3.0.x and 3.1.x\n\
         1 error(s), 0 warning(s)"
    );
}

#[test]
fn conversion_warnings_name_what_was_left_out() {
    let text = "swagger: '2.0'\n\
                info: { title: t, version: '1' }\n\
                paths:\n  /a:\n    post:\n      parameters:\n        - { name: b, in: body, schema: { type: object } }\n        - { name: f, in: formData, type: string }\n      responses:\n        '204': { description: ok }\n";
    let loaded = load_str("mixed.yaml", text).unwrap();
    assert_eq!(
        loaded.diagnostics.to_string(),
        "warning[swagger2-conversion]: mixed.yaml:8:11 #/paths/~1a/post/parameters/1: `in: formData` parameters next to an `in: body` parameter are left out (Swagger 2.0 allows one or the other)\n\
         0 error(s), 1 warning(s)"
    );
}

#[test]
fn a_reference_to_a_missing_file_is_reported_where_it_is_written() {
    let text = "swagger: '2.0'\n\
                info: { title: t, version: '1' }\n\
                paths:\n  /a:\n    get:\n      parameters:\n        - $ref: 'params.yaml#/Limit'\n      responses:\n        '200': { description: ok }\n";
    let err = load_str("tests/fixtures/swagger2/no-such-dir/spec.yaml", text).unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "error[file-not-readable]: tests/fixtures/swagger2/no-such-dir/spec.yaml:7:11 #/paths/~1a/get/parameters/0/$ref: \
             cannot read referenced file 'tests/fixtures/swagger2/no-such-dir/params.yaml'"
        ),
        "{text}"
    );
    assert!(text.ends_with("1 error(s), 0 warning(s)"), "{text}");
}

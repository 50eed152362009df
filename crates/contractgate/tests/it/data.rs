//! Request data end to end: fixtures win over examples, examples that do not validate are not
//! used (and say so), multipart parts carry their own Content-Type.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::post;
use contractgate::config::OperationFixtures;
use contractgate::{Check, Harness, Outcome, Settings, Target};
use serde_json::json;

use crate::support::serve;

fn upload_api() -> contractgate::Api {
    let loc = json!({"file": "u.yaml", "line": 1, "column": 1, "pointer": ""});
    serde_json::from_value(json!({
        "source": "u.yaml", "openapi_version": "3.1.0", "info": {"title": "u", "version": "1"},
        "operations": [{
            "id": "upload", "method": "post", "path": "/files/{folder}",
            "parameters": [
                {"name": "folder", "in": "path", "required": true, "style": "simple", "explode": false,
                 "schema": {"type": "integer"}, "example": "not-a-number", "defined_at": loc},
                {"name": "tag", "in": "query", "required": true, "style": "form", "explode": true,
                 "schema": {"type": "string", "enum": ["x", "y"]}, "defined_at": loc}
            ],
            "request_body": {"required": true, "content": {"multipart/form-data": {
                "schema": {"type": "object", "required": ["meta", "file"], "properties": {
                    "meta": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string", "const": "report"}}},
                    "file": {"type": "string", "format": "binary"}
                }},
                "encoding": {"meta": {"content_type": "application/json"}}
            }}},
            "responses": [{"status": {"exact": 204}, "description": "ok", "location": loc}],
            "location": loc
        }]
    }))
    .unwrap()
}

fn capture() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = Arc::clone(&seen);
    let app = Router::new().route(
        "/files/{folder}",
        post(
            move |uri: axum::http::Uri, h: axum::http::HeaderMap, body: String| async move {
                let ct = h
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned();
                s.lock().unwrap().extend([uri.to_string(), ct, body]);
                axum::http::StatusCode::NO_CONTENT
            },
        ),
    );
    (serve(app), seen)
}

#[test]
fn multipart_parts_carry_their_content_type_and_bad_examples_are_not_used() {
    let (url, seen) = capture();
    let h = Harness::new(Arc::new(upload_api()), Target::new(url).unwrap());
    let r = contractgate::block_on(h.check("upload", Check::StatusCodeConformance));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    let seen = seen.lock().unwrap();
    let (uri, content_type, body) = (&seen[0], &seen[1], &seen[2]);
    assert!(uri.starts_with("/files/"), "{uri}");
    let folder = uri.trim_start_matches("/files/").split('?').next().unwrap();
    assert!(
        folder.parse::<i64>().is_ok(),
        "the invalid example was used: {uri}"
    );
    assert!(uri.ends_with("?tag=x"), "{uri}");
    assert_eq!(
        content_type,
        "multipart/form-data; boundary=contractgate-7f3a9c1e"
    );
    assert!(body.contains("Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"title\":\"report\"}"), "{body}");
    assert!(
        body.contains(
            "name=\"file\"; filename=\"file.bin\"\r\nContent-Type: application/octet-stream"
        ),
        "{body}"
    );
}

#[test]
fn fixtures_win_over_examples_and_synthesis() {
    let (url, seen) = capture();
    let mut settings = Settings::default();
    settings.fixtures.insert(
        "upload".into(),
        OperationFixtures {
            params: [
                ("folder".to_owned(), json!(42)),
                ("tag".to_owned(), json!("y")),
            ]
            .into_iter()
            .collect(),
            body: Some(json!({"meta": {"title": "report"}, "file": "FIXTURE"})),
        },
    );
    let h = Harness::new(
        Arc::new(upload_api()),
        Target::new(url).unwrap().with_settings(settings),
    );
    let r = contractgate::block_on(h.check("upload", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0], "/files/42?tag=y");
    assert!(seen[2].contains("\r\n\r\nFIXTURE\r\n"), "{}", seen[2]);
}

#[test]
fn an_unsatisfiable_schema_reports_why() {
    let mut api = upload_api();
    api.operations[0].parameters[1].schema =
        Some(json!({"type": "string", "minLength": 3, "maxLength": 1}));
    let h = Harness::new(Arc::new(api), Target::new("http://127.0.0.1:9").unwrap());
    let r = contractgate::block_on(h.check("upload", Check::StatusCodeConformance));
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    crate::support::snapshot("unsatisfiable", &r.to_string());
}

#[test]
fn environment_params_fill_every_operation_that_has_the_parameter() {
    use axum::extract::Query;
    use axum::response::IntoResponse;
    use std::collections::HashMap;
    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: tenants, version: "1"}
paths:
  /collections:
    get:
      operationId: listCollections
      parameters:
        - {name: tenant, in: query, required: true, schema: {type: string}}
        - {name: X-Org, in: header, required: true, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array}}}}
        "404": {description: no such tenant}
  /databases:
    get:
      operationId: listDatabases
      parameters:
        - {name: tenant, in: query, required: true, schema: {type: string}}
        - {name: X-Org, in: header, required: true, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array}}}}
        "404": {description: no such tenant}
"#;
    let handler = |q: Query<HashMap<String, String>>, h: axum::http::HeaderMap| async move {
        let org = h.get("x-org").and_then(|v| v.to_str().ok());
        match (q.get("tenant").map(String::as_str), org) {
            (Some("acme"), Some("acme-org")) => axum::Json(serde_json::json!([])).into_response(),
            (Some("other"), Some("acme-org")) => axum::Json(serde_json::json!([1])).into_response(),
            _ => axum::http::StatusCode::NOT_FOUND.into_response(),
        }
    };
    let app = axum::Router::new()
        .route("/collections", axum::routing::get(handler))
        .route("/databases", axum::routing::get(handler));
    let url = crate::support::serve(app);
    let api = std::sync::Arc::new(contractgate_spec::load_str("t.yaml", SPEC).unwrap().api);
    let mut settings = Settings::default();
    settings
        .params
        .insert("tenant".into(), serde_json::json!("acme"));
    settings
        .params
        .insert("header:X-Org".into(), serde_json::json!("acme-org"));
    // A per-operation fixture wins over the environment's value.
    settings.fixtures.insert(
        "listDatabases".into(),
        contractgate::config::OperationFixtures {
            params: [("tenant".to_owned(), serde_json::json!("other"))]
                .into_iter()
                .collect(),
            body: None,
        },
    );
    let h = contractgate::Harness::new(
        api,
        contractgate::Target::new(url)
            .unwrap()
            .with_settings(settings),
    );
    for op in ["listCollections", "listDatabases"] {
        let r = contractgate::block_on(h.check(op, Check::StatusCodeConformance));
        assert!(
            matches!(r.outcome, contractgate::Outcome::Passed { .. }),
            "{r}"
        );
    }
    // Without them, the tenant is unknown: nothing is exercised.
    let api = std::sync::Arc::new(contractgate_spec::load_str("t.yaml", SPEC).unwrap().api);
    let h = contractgate::Harness::new(
        api,
        contractgate::Target::new(crate::support::serve(
            axum::Router::new().route("/collections", axum::routing::get(handler)),
        ))
        .unwrap(),
    );
    let r = contractgate::block_on(h.check("listCollections", Check::StatusCodeConformance));
    assert!(
        matches!(r.outcome, contractgate::Outcome::NotExercised(_)),
        "{r}"
    );
}

#[test]
fn a_refused_request_is_followed_by_other_requests_until_one_gets_through() {
    use axum::response::IntoResponse;
    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: names, version: "1"}
paths:
  /names:
    post:
      operationId: claimName
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, minLength: 3, maxLength: 20}
            example: {name: taken}
      responses:
        "201":
          description: claimed
          content:
            application/json:
              schema: {type: object, required: [name], properties: {name: {type: string}}}
        "409": {description: the name is taken}
        "422": {description: invalid}
"#;
    // `taken` is taken (the spec's own example); every other valid name is free, or nothing is.
    let app = |free: bool| {
        axum::Router::new().route(
            "/names",
            axum::routing::post(
                move |axum::Json(v): axum::Json<serde_json::Value>| async move {
                    let name = v["name"].as_str().unwrap_or_default().to_owned();
                    if name == "taken" || !free {
                        return axum::http::StatusCode::CONFLICT.into_response();
                    }
                    (
                        axum::http::StatusCode::CREATED,
                        axum::Json(json!({"name": name})),
                    )
                        .into_response()
                },
            ),
        )
    };
    let harness = |free: bool| {
        let api = Arc::new(contractgate_spec::load_str("n.yaml", SPEC).unwrap().api);
        Harness::new(api, Target::new(serve(app(free))).unwrap())
    };
    let h = harness(true);
    for check in [Check::NotServerError, Check::ResponseSchemaConformance] {
        let r = contractgate::block_on(h.check("claimName", check));
        assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    }
    // Nothing gets through: not exercised, and it says what was tried.
    let h = harness(false);
    let r = contractgate::block_on(h.check("claimName", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.contains("also tried 3 other request(s) with values synthesized from the schemas: answered 409 (seed 1), 409 (seed 2), 409 (seed 3)"),
        "{text}"
    );
    // Turned off: one request.
    let api = Arc::new(contractgate_spec::load_str("n.yaml", SPEC).unwrap().api);
    let settings = Settings {
        alternatives: 0,
        ..Settings::default()
    };
    let h = Harness::new(
        api,
        Target::new(serve(app(true)))
            .unwrap()
            .with_settings(settings),
    );
    let r = contractgate::block_on(h.check("claimName", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
}

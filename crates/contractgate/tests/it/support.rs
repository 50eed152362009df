//! Shared pieces: the incident API as IR, axum servers that keep or break its contract, and
//! snapshot filters.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use contractgate::{Api, Check, CheckResult, Credentials, Harness, Secret, Settings, Target};
use serde_json::{Value, json};

pub const TOKEN: &str = "s3cret-token-123";

fn loc(pointer: &str) -> Value {
    json!({"file": "incident.yaml", "line": 1, "column": 1, "pointer": pointer})
}

/// The incident example's API: profile and settings of the current user (secured), items.
pub fn api() -> Api {
    let profile = json!({
        "type": "object",
        "required": ["id", "name", "email"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"}
        }
    });
    // Shaped as the loader shapes named schemas: a `$ref` into the schema's own `$defs`.
    let settings = json!({
        "$ref": "#/$defs/Settings",
        "$defs": {"Settings": {
            "type": "object",
            "required": ["theme", "notifications"],
            "properties": {
                "theme": {"type": "string", "enum": ["light", "dark"]},
                "notifications": {"type": "boolean"}
            },
            "additionalProperties": false
        }}
    });
    let item = json!({
        "type": "object",
        "required": ["id", "name", "qty"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string", "minLength": 1},
            "qty": {"type": "integer", "minimum": 1, "maximum": 100}
        }
    });
    let new_item = json!({
        "type": "object",
        "required": ["name", "qty"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "example": "widget"},
            "qty": {"type": "integer", "minimum": 1, "maximum": 100}
        },
        "additionalProperties": false
    });
    let error = json!({"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}});
    let bearer = json!([{"schemes": {"bearerAuth": []}}]);
    let api = json!({
        "source": "incident.yaml",
        "openapi_version": "3.1.0",
        "info": {"title": "incident", "version": "1"},
        "security_schemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        "operations": [
            {
                "id": "getUserProfile", "operation_id": "getUserProfile", "method": "get", "path": "/user/profile",
                "summary": "The current user's profile",
                "security": bearer,
                "responses": [
                    {"status": {"exact": 200}, "description": "ok",
                     "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string", "format": "uuid"}}},
                     "content": {"application/json": {"schema": profile}}, "location": loc("/r200")},
                    {"status": {"exact": 401}, "description": "no", "content": {"application/json": {"schema": error}}, "location": loc("/r401")}
                ],
                "location": loc("/paths/~1user~1profile/get")
            },
            {
                "id": "getUserSettings", "operation_id": "getUserSettings", "method": "get", "path": "/user/settings",
                "security": bearer,
                "responses": [
                    {"status": {"exact": 200}, "description": "ok", "content": {"application/json": {"schema": settings}}, "location": loc("/s200")},
                    {"status": {"exact": 401}, "description": "no", "location": loc("/s401")}
                ],
                "location": loc("/paths/~1user~1settings/get")
            },
            {
                "id": "createItem", "operation_id": "createItem", "method": "post", "path": "/items",
                "request_body": {"required": true, "content": {"application/json": {"schema": new_item}}},
                "responses": [
                    {"status": {"exact": 201}, "description": "created", "content": {"application/json": {"schema": item}}, "location": loc("/i201")},
                    {"status": {"range": 4}, "description": "bad", "content": {"application/problem+json": {"schema": error}}, "location": loc("/i4xx")}
                ],
                "location": loc("/paths/~1items/post")
            },
            {
                "id": "getItem", "operation_id": "getItem", "method": "get", "path": "/items/{id}",
                "parameters": [{"name": "id", "in": "path", "required": true, "style": "simple", "explode": false,
                                "schema": {"type": "integer", "minimum": 1}, "example": 7, "defined_at": loc("/p")}],
                "responses": [
                    {"status": {"exact": 200}, "description": "ok", "content": {"application/json": {"schema": item}}, "location": loc("/g200")},
                    {"status": "default", "description": "error", "content": {"application/json": {"schema": error}}, "location": loc("/gdef")}
                ],
                "location": loc("/paths/~1items~1{id}/get")
            }
        ]
    });
    serde_json::from_value(api).unwrap()
}

/// How a test server behaves on `GET /user/profile` (everything else keeps the contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Good,
    ServerError,
    UndocumentedStatus,
    WrongContentType,
    MissingField,
    WrongType,
    ExtraProperty,
    SettingsBody,
    NotJson,
    Huge,
    MissingHeader,
    Slow,
    NoAuth,
    EchoSecret,
}

/// A server that keeps the incident contract except for `profile`; `DELETE /user/profile`
/// answers 200 when `sloppy_methods`, and `POST /items` rejects every body when `reject_items`.
#[derive(Clone, Copy, Debug)]
pub struct Behaviour {
    pub profile: Profile,
    pub sloppy_methods: bool,
    pub reject_items: bool,
    pub accept_invalid_items: bool,
}

impl Behaviour {
    pub fn good() -> Self {
        Behaviour {
            profile: Profile::Good,
            sloppy_methods: false,
            reject_items: false,
            accept_invalid_items: false,
        }
    }

    pub fn profile(profile: Profile) -> Self {
        Behaviour {
            profile,
            ..Behaviour::good()
        }
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [("x-request-id", "0b9c6a8e-4f1d-4c1a-9d4e-2f4e5b6c7d8e")],
        axum::Json(body),
    )
        .into_response()
}

fn unauthorized() -> Response {
    json_response(StatusCode::UNAUTHORIZED, json!({"message": "log in"}))
}

async fn profile(b: Behaviour, headers: HeaderMap) -> Response {
    if b.profile != Profile::NoAuth && !authorized(&headers) {
        return unauthorized();
    }
    let good = json!({"id": 1, "name": "Ada", "email": "ada@example.com"});
    match b.profile {
        Profile::Good | Profile::NoAuth => json_response(StatusCode::OK, good),
        Profile::ServerError => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<h1>oops</h1>",
        )
            .into_response(),
        Profile::UndocumentedStatus => json_response(StatusCode::ACCEPTED, good),
        Profile::WrongContentType => (
            StatusCode::OK,
            [
                ("content-type", "text/html; charset=utf-8"),
                ("x-request-id", "0b9c6a8e-4f1d-4c1a-9d4e-2f4e5b6c7d8e"),
            ],
            "<p>Ada</p>",
        )
            .into_response(),
        Profile::MissingField => json_response(StatusCode::OK, json!({"id": 1, "name": "Ada"})),
        Profile::WrongType => json_response(
            StatusCode::OK,
            json!({"id": "1", "name": "Ada", "email": "not an email"}),
        ),
        Profile::ExtraProperty => json_response(
            StatusCode::OK,
            json!({"id": 1, "name": "Ada", "email": "ada@example.com", "password_hash": "x"}),
        ),
        Profile::SettingsBody => json_response(
            StatusCode::OK,
            json!({"theme": "dark", "notifications": true}),
        ),
        Profile::NotJson => (
            StatusCode::OK,
            [
                ("content-type", "application/json"),
                ("x-request-id", "0b9c6a8e-4f1d-4c1a-9d4e-2f4e5b6c7d8e"),
            ],
            "{\"id\": 1, \"name\": ",
        )
            .into_response(),
        Profile::Huge => {
            let big = "x".repeat(64 * 1024);
            json_response(
                StatusCode::OK,
                json!({"id": 1, "name": big, "email": "ada@example.com"}),
            )
        }
        Profile::MissingHeader => (StatusCode::OK, axum::Json(good)).into_response(),
        Profile::Slow => {
            tokio::time::sleep(Duration::from_millis(300)).await;
            json_response(StatusCode::OK, good)
        }
        Profile::EchoSecret => {
            let auth = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            Response::builder()
                .status(500)
                .header("content-type", "text/plain")
                .header("x-echo", auth.clone())
                .header("set-cookie", format!("session={TOKEN}"))
                .body(Body::from(format!("debug: you sent {auth}")))
                .unwrap()
        }
    }
}

pub fn router(b: Behaviour) -> Router {
    let profile_route = get(move |h: HeaderMap| profile(b, h));
    let profile_route = if b.sloppy_methods {
        profile_route.delete(|| async { (StatusCode::OK, "deleted") })
    } else {
        profile_route
    };
    Router::new()
        .route("/user/profile", profile_route)
        .route(
            "/user/settings",
            get(|h: HeaderMap| async move {
                if !authorized(&h) {
                    return unauthorized();
                }
                json_response(
                    StatusCode::OK,
                    json!({"theme": "light", "notifications": false}),
                )
            }),
        )
        .route(
            "/items",
            post(move |body: axum::Json<Value>| async move {
                let valid = body
                    .0
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty())
                    && body
                        .0
                        .get("qty")
                        .and_then(Value::as_i64)
                        .is_some_and(|q| (1..=100).contains(&q))
                    && body
                        .0
                        .as_object()
                        .is_some_and(|m| m.keys().all(|k| k == "name" || k == "qty"));
                if b.reject_items || (!valid && !b.accept_invalid_items) {
                    return (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        [(header::CONTENT_TYPE, "application/problem+json")],
                        r#"{"message":"no"}"#,
                    )
                        .into_response();
                }
                let mut item = body.0;
                item["id"] = json!(1);
                json_response(StatusCode::CREATED, item)
            }),
        )
        .route(
            "/items/{id}",
            get(|Path(id): Path<i64>| async move {
                json_response(
                    StatusCode::OK,
                    json!({"id": id, "name": "widget", "qty": 3}),
                )
            }),
        )
        .route("/echo", any(|| async { "echo" }))
}

/// Starts `router` on 127.0.0.1:0 on the harness runtime; returns the base URL.
pub fn serve(router: Router) -> String {
    let listener = contractgate::block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _guard = contractgate::runtime().enter();
    contractgate::runtime().spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    url
}

pub fn target(url: &str, settings: Settings) -> Target {
    Target::new(url)
        .unwrap()
        .with_settings(settings)
        .with_credentials(
            "bearerAuth",
            Credentials::Bearer(Secret {
                env_var: "API_TOKEN".into(),
                value: Some(TOKEN.into()),
            }),
        )
}

pub fn harness(b: Behaviour, settings: Settings) -> Harness {
    Harness::new(Arc::new(api()), target(&serve(router(b)), settings))
}

pub fn run(h: &Harness, op: &str, check: Check) -> CheckResult {
    contractgate::block_on(h.check(op, check))
}

/// The rendered result with ports, durations and dates filtered.
pub fn snapshot(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
            (r"in \d+ ms", "in [ms] ms"),
            (r"Received: \d+ ms", "Received: [ms] ms"),
            (r"date: .*", "date: [date]"),
        ],
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The warnings of a pass; panics with the result otherwise.
pub fn passes(r: &CheckResult) -> Vec<String> {
    match &r.outcome {
        contractgate::Outcome::Passed { warnings } => warnings.clone(),
        _ => panic!("expected a pass, got:\n{r}"),
    }
}

/// The rendered failure; panics unless the check failed.
pub fn fails(r: &CheckResult) -> String {
    assert!(
        matches!(r.outcome, contractgate::Outcome::Failed(_)),
        "expected a failure, got:\n{r}"
    );
    r.to_string()
}

/// The rendered result of a check that proved nothing; panics otherwise.
pub fn not_exercised(r: &CheckResult) -> String {
    assert!(
        matches!(r.outcome, contractgate::Outcome::NotExercised(_)),
        "expected `not exercised`, got:\n{r}"
    );
    let text = r.to_string();
    assert!(text.starts_with("not exercised: "), "{text}");
    text
}

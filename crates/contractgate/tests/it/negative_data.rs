//! `negative_data_rejection` with mutated values: a server that validates every keyword keeps the
//! contract; one that lets a `format`, an `enum` or a numeric bound through breaks it, and the
//! failure names the property (or parameter) and the keyword.

use std::sync::Arc;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use contractgate::{Api, Check, Harness, Outcome, Settings};
use serde_json::{Value, json};

use crate::support::{fails, passes, run, serve, snapshot, target};

fn loc(pointer: &str) -> Value {
    json!({"file": "negative.yaml", "line": 1, "column": 1, "pointer": pointer})
}

/// `PUT /profile` (a closed object with a URI, a bounded integer and an enum) and `GET /items`
/// (a required, bounded integer query parameter).
fn api() -> Api {
    let profile = json!({
        "$ref": "#/$defs/ProfileUpdate",
        "$defs": {
            "ProfileUpdate": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "avatar_url": {"type": ["string", "null"], "format": "uri"},
                    "theme": {"$ref": "#/$defs/Theme"}
                },
                "additionalProperties": false
            },
            "Theme": {"type": "string", "enum": ["light", "dark"]}
        }
    });
    let api = json!({
        "source": "negative.yaml",
        "openapi_version": "3.1.0",
        "info": {"title": "negative", "version": "1"},
        "operations": [
            {
                "id": "updateProfile", "operation_id": "updateProfile", "method": "put", "path": "/profile",
                "request_body": {"required": true, "content": {"application/json": {
                    "schema": profile,
                    "example": {"name": "Ada", "avatar_url": "https://cdn.example.com/ada.png", "theme": "dark"}
                }}},
                "responses": [
                    {"status": {"exact": 200}, "description": "ok", "location": loc("/p200")},
                    {"status": {"exact": 422}, "description": "invalid", "location": loc("/p422")}
                ],
                "location": loc("/paths/~1profile/put")
            },
            {
                "id": "listItems", "operation_id": "listItems", "method": "get", "path": "/items",
                "parameters": [{"name": "limit", "in": "query", "required": true, "style": "form", "explode": true,
                                "schema": {"type": "integer", "minimum": 1, "maximum": 100}, "example": 10, "defined_at": loc("/q")}],
                "responses": [
                    {"status": {"exact": 200}, "description": "ok", "location": loc("/i200")},
                    {"status": {"exact": 400}, "description": "invalid", "location": loc("/i400")}
                ],
                "location": loc("/paths/~1items/get")
            }
        ]
    });
    serde_json::from_value(api).unwrap()
}

/// Which check the server leaves out (everything else is validated as documented).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lax {
    /// Validates everything: keeps the contract.
    Nothing,
    /// Accepts any string as `avatar_url`.
    Uri,
    /// Accepts any string as `theme`.
    Enum,
    /// Parses `limit` as an integer and ignores its bounds.
    Bounds,
    /// Crashes (500) on an `avatar_url` that is not a URL instead of rejecting it.
    Crash,
}

fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

fn profile(lax: Lax, body: &Value) -> Response {
    let invalid = (StatusCode::UNPROCESSABLE_ENTITY, "invalid").into_response();
    let Some(obj) = body.as_object() else {
        return invalid;
    };
    let known = obj
        .keys()
        .all(|k| ["name", "avatar_url", "theme"].contains(&k.as_str()));
    let named = obj
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|n| !n.is_empty());
    if !known || !named {
        return invalid;
    }
    match obj.get("avatar_url") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if is_url(s) || lax == Lax::Uri => {}
        Some(Value::String(_)) if lax == Lax::Crash => {
            return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
        }
        Some(_) => return invalid,
    }
    match obj.get("theme") {
        None => {}
        Some(Value::String(t)) if t == "light" || t == "dark" || lax == Lax::Enum => {}
        Some(_) => return invalid,
    }
    (StatusCode::OK, axum::Json(body.clone())).into_response()
}

fn items(lax: Lax, query: &std::collections::HashMap<String, String>) -> Response {
    match query.get("limit").map(|l| l.parse::<i64>()) {
        Some(Ok(l)) if (1..=100).contains(&l) || lax == Lax::Bounds => {
            (StatusCode::OK, axum::Json(json!([]))).into_response()
        }
        _ => (StatusCode::BAD_REQUEST, "invalid").into_response(),
    }
}

fn harness(lax: Lax, settings: Settings) -> Harness {
    let router = Router::new()
        .route(
            "/profile",
            put(move |body: axum::Json<Value>| async move { profile(lax, &body.0) }),
        )
        .route(
            "/items",
            get(
                move |Query(q): Query<std::collections::HashMap<String, String>>| async move {
                    items(lax, &q)
                },
            ),
        );
    Harness::new(Arc::new(api()), target(&serve(router), settings))
}

#[test]
fn a_server_that_validates_every_keyword_keeps_the_contract() {
    let good = harness(Lax::Nothing, Settings::default());
    for op in ["updateProfile", "listItems"] {
        let warnings = passes(&run(&good, op, Check::NegativeDataRejection));
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}

#[test]
fn negative_data_rejection_finds_an_unchecked_format() {
    let lax = harness(Lax::Uri, Settings::default());
    let text = fails(&run(&lax, "updateProfile", Check::NegativeDataRejection));
    assert!(
        text.contains(
            "Received: 200 to a request with the body with `/avatar_url` set to \"not a uri\" (violates `format: uri`)"
        ),
        "{text}"
    );
    // The curl line reproduces the mutated request.
    assert!(
        text.contains(r#"--data-binary '{"name":"Ada","avatar_url":"not a uri","theme":"dark"}'"#),
        "{text}"
    );
    snapshot("negative_data_rejection_format", &text);
}

#[test]
fn negative_data_rejection_finds_an_unchecked_enum() {
    let lax = harness(Lax::Enum, Settings::default());
    let text = fails(&run(&lax, "updateProfile", Check::NegativeDataRejection));
    assert!(
        text.contains("the body with `/theme` set to \"not_allowed_0\" (violates `enum`)"),
        "{text}"
    );
    snapshot("negative_data_rejection_enum", &text);
}

#[test]
fn negative_data_rejection_finds_an_unchecked_parameter_bound() {
    let lax = harness(Lax::Bounds, Settings::default());
    let text = fails(&run(&lax, "listItems", Check::NegativeDataRejection));
    assert!(
        text.contains("the query parameter `limit` set to 101 (violates `maximum: 100`)"),
        "{text}"
    );
    assert!(text.contains("/items?limit=101'"), "{text}");
    snapshot("negative_data_rejection_parameter_bound", &text);
}

#[test]
fn a_server_error_on_a_mutant_is_a_warning_not_this_checks_failure() {
    let crashing = harness(Lax::Crash, Settings::default());
    let warnings = passes(&run(
        &crashing,
        "updateProfile",
        Check::NegativeDataRejection,
    ));
    assert_eq!(
        warnings,
        [
            "500 to a request with the body with `/avatar_url` set to \"not a uri\" (violates `format: uri`): a server error, not a rejection with 4xx"
        ]
    );
}

#[test]
fn negative_data_rejection_respects_read_only_and_the_budget() {
    let ro = harness(
        Lax::Bounds,
        Settings {
            read_only: true,
            ..Settings::default()
        },
    );
    assert_eq!(
        run(&ro, "updateProfile", Check::NegativeDataRejection).outcome,
        Outcome::Skipped {
            reason: "read-only environment".into()
        }
    );
    // A safe method still gets its mutants in a read-only environment.
    fails(&run(&ro, "listItems", Check::NegativeDataRejection));
    // The budget runs out after the first mutant (the missing parameter, rejected).
    let budget = harness(
        Lax::Bounds,
        Settings {
            request_budget: Some(1),
            ..Settings::default()
        },
    );
    assert_eq!(
        run(&budget, "listItems", Check::NegativeDataRejection).outcome,
        Outcome::Skipped {
            reason: "the request budget of 1 requests is spent".into()
        }
    );
}

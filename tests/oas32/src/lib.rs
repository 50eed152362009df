//! A service that implements the OpenAPI 3.2 fixture
//! `crates/contractgate-spec/tests/fixtures/oas32/every-construct.yaml`: a `QUERY` route with a
//! JSON body, a JSON Lines stream, a route whose whole query string is one form-encoded value, and
//! a `PURGE` method declared under `additionalOperations`. Each [`Fault`] breaks one of them.

use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use serde_json::json;

/// A broken variant of the service.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Keeps the contract.
    None,
    /// `QUERY /events/search` is not routed: 405 with `Allow: GET`.
    Query405,
    /// The second line of `GET /events/stream` has a string `id`.
    BadItem,
    /// `PURGE /events/raw` is not routed: 405.
    Purge405,
}

impl Fault {
    /// The variant named by `OAS32_FAULT` (`none` when unset).
    pub fn from_env() -> Result<Fault, String> {
        match std::env::var("OAS32_FAULT").as_deref() {
            Err(_) | Ok("none" | "") => Ok(Fault::None),
            Ok("query-405") => Ok(Fault::Query405),
            Ok("bad-item") => Ok(Fault::BadItem),
            Ok("purge-405") => Ok(Fault::Purge405),
            Ok(other) => Err(format!(
                "OAS32_FAULT={other} is not a fault (none, query-405, bad-item, purge-405)"
            )),
        }
    }
}

/// The service, broken by `fault`.
pub fn app(fault: Fault) -> Router {
    Router::new()
        .route(
            "/events/search",
            any(move |method: Method, body: Bytes| async move {
                if method.as_str() != "QUERY" || fault == Fault::Query405 {
                    let allow = if fault == Fault::Query405 { "GET" } else { "QUERY" };
                    return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, allow)])
                        .into_response();
                }
                let search: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let limit_ok = search.get("limit").is_none_or(|l| {
                    l.as_i64().is_some_and(|l| (1..=100).contains(&l))
                });
                if search["text"].as_str().is_none_or(str::is_empty) || !limit_ok {
                    return StatusCode::UNPROCESSABLE_ENTITY.into_response();
                }
                axum::Json(json!([{"id": 1, "kind": "deploy"}])).into_response()
            }),
        )
        .route(
            "/events/raw",
            // The whole query string is one form-encoded value: `text=...`. Without it, a 500 (so
            // a request without it fails not_server_error).
            any(move |method: Method, uri: axum::http::Uri| async move {
                let allow = if fault == Fault::Purge405 { "GET" } else { "GET, PURGE" };
                match (method.as_str(), uri.query()) {
                    ("PURGE", _) if fault != Fault::Purge405 => {
                        StatusCode::NO_CONTENT.into_response()
                    }
                    ("GET", Some(q)) if q.starts_with("text=") => StatusCode::OK.into_response(),
                    ("GET", _) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
                    _ => (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, allow)]).into_response(),
                }
            }),
        )
        .route(
            "/events/stream",
            get(move || async move {
                let middle = if fault == Fault::BadItem {
                    r#"{"id":"two","kind":"deploy"}"#
                } else {
                    r#"{"id":2,"kind":"deploy"}"#
                };
                (
                    [(header::CONTENT_TYPE, "application/jsonl")],
                    format!(
                        "{{\"id\":1,\"kind\":\"build\"}}\n{middle}\n{{\"id\":3,\"kind\":\"test\"}}\n"
                    ),
                )
            }),
        )
}

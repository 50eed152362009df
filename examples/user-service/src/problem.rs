//! RFC 9457 problem documents (`application/problem+json`), the body of every error response.

use axum::extract::rejection::JsonRejection;
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid value in a request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// A JSON Pointer (RFC 6901) into the request body; empty for the whole body.
    pub pointer: String,
    /// What is wrong with it.
    pub detail: String,
}

impl FieldError {
    pub(crate) fn new(pointer: impl Into<String>, detail: impl Into<String>) -> FieldError {
        FieldError {
            pointer: pointer.into(),
            detail: detail.into(),
        }
    }
}

/// An error response: status, RFC 9457 body and, for 401, a `WWW-Authenticate` challenge.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    #[serde(skip)]
    challenge: Option<&'static str>,
}

impl Problem {
    /// A problem with the given status and detail (`type` is `about:blank`, `title` the status
    /// phrase).
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title: title(status),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            challenge: None,
        }
    }

    /// 401 with a `WWW-Authenticate: Bearer` challenge.
    pub(crate) fn unauthorized(detail: impl Into<String>, invalid_token: bool) -> Problem {
        Problem {
            challenge: Some(if invalid_token {
                r#"Bearer realm="user-service", error="invalid_token""#
            } else {
                r#"Bearer realm="user-service""#
            }),
            ..Problem::new(StatusCode::UNAUTHORIZED, detail)
        }
    }

    /// 404 for an id that names no user.
    pub(crate) fn no_such_user(id: &str) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, format!("no user with id {id}"))
    }

    /// 422 listing every invalid value.
    pub(crate) fn invalid_body(errors: Vec<FieldError>) -> Problem {
        let n = errors.len();
        Problem {
            errors,
            ..Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!(
                    "the request body is invalid ({n} error{})",
                    if n == 1 { "" } else { "s" }
                ),
            )
        }
    }

    /// Maps axum's JSON extractor rejection: no JSON content type → 415, malformed JSON → 400,
    /// anything else keeps the rejection's own status.
    pub(crate) fn from_json_rejection(rejection: &JsonRejection) -> Problem {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "send the body with `Content-Type: application/json`",
            ),
            JsonRejection::JsonSyntaxError(e) => Problem::new(
                StatusCode::BAD_REQUEST,
                format!("the body is not valid JSON: {}", e.body_text()),
            ),
            other => Problem::new(other.status(), other.body_text()),
        }
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

fn title(status: StatusCode) -> &'static str {
    match status {
        // RFC 9110's names, where they differ from the older ones.
        StatusCode::UNPROCESSABLE_ENTITY => "Unprocessable Content",
        StatusCode::PAYLOAD_TOO_LARGE => "Content Too Large",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = match serde_json::to_vec(&self) {
            Ok(body) => body,
            Err(_) => {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(challenge) = self.challenge {
            headers.insert(WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        response
    }
}

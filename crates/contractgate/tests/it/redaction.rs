//! Secrets never appear in any output: known values are set, every check runs against a server
//! that echoes them back, and every rendering is searched.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use contractgate::{Check, Harness, Outcome, Resolve};
use serde_json::json;

use crate::support::{Behaviour, Profile, harness, run, serve, snapshot};

const SECRETS: [(&str, &str); 5] = [
    ("API_TOKEN", "tok-9f8e7d6c5b4a"),
    ("BASIC_USER", "alice-admin"),
    ("BASIC_PASSWORD", "pa55w0rd!xyz"),
    ("QUERY_KEY", "qk-1a2b3c4d"),
    ("COOKIE_KEY", "ck-5e6f7a8b"),
];

fn secure_api() -> contractgate::Api {
    let loc = json!({"file": "secure.yaml", "line": 1, "column": 1, "pointer": ""});
    serde_json::from_value(json!({
        "source": "secure.yaml", "openapi_version": "3.1.0", "info": {"title": "s", "version": "1"},
        "security_schemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer"},
            "basicAuth": {"type": "http", "scheme": "basic"},
            "queryKey": {"type": "apiKey", "name": "api_key", "in": "query"},
            "cookieKey": {"type": "apiKey", "name": "sid", "in": "cookie"}
        },
        "operations": [
            {"id": "bearer", "method": "get", "path": "/bearer", "security": [{"schemes": {"bearerAuth": []}}],
             "responses": [{"status": {"exact": 200}, "description": "ok", "content": {"application/json": {"schema": {"type": "object", "required": ["ok"]}}}, "location": loc}],
             "location": loc},
            {"id": "keys", "method": "get", "path": "/keys", "security": [{"schemes": {"basicAuth": [], "queryKey": [], "cookieKey": []}}],
             "responses": [{"status": {"exact": 200}, "description": "ok", "content": {"application/json": {"schema": {"type": "object", "required": ["ok"]}}}, "location": loc}],
             "location": loc}
        ]
    }))
    .unwrap()
}

/// Echoes the URL and every request header, in the body and in response headers, with a 500.
async fn echo(uri: Uri, headers: HeaderMap) -> Response {
    let mut lines = vec![format!("uri: {uri}")];
    for (n, v) in &headers {
        lines.push(format!("{n}: {}", v.to_str().unwrap_or("")));
    }
    let mut response = (
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        lines.join("\n"),
    )
        .into_response();
    for (i, (_, v)) in headers.iter().enumerate() {
        response.headers_mut().insert(
            axum::http::HeaderName::from_bytes(format!("x-echo-{i}").as_bytes()).unwrap(),
            v.clone(),
        );
    }
    if let Some(q) = uri.query() {
        response
            .headers_mut()
            .insert("x-echo-query", q.parse().unwrap());
    }
    response
}

fn config() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("contractgate-redaction-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("contractgate.toml");
    std::fs::write(
        &path,
        r#"
[environments.test.credentials]
bearerAuth = { token_env = "API_TOKEN" }
basicAuth = { username_env = "BASIC_USER", password_env = "BASIC_PASSWORD" }
queryKey = { key_env = "QUERY_KEY" }
cookieKey = { key_env = "COOKIE_KEY" }
"#,
    )
    .unwrap();
    path
}

fn assert_clean(text: &str) {
    for (var, value) in SECRETS {
        assert!(!text.contains(value), "the value of {var} leaked:\n{text}");
    }
}

#[test]
fn no_secret_appears_in_any_rendering() {
    let api = secure_api();
    let url = serve(Router::new().fallback(any(echo)));
    let lookup = |name: &str| {
        SECRETS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    };
    let target = Resolve::new()
        .with_base_url(url)
        .with_config(config())
        .with_environment("test")
        .target_with_env(Some(&api), &lookup)
        .unwrap();
    let h = Harness::new(Arc::new(api), target);
    let mut rendered = Vec::new();
    for op in ["bearer", "keys"] {
        for result in contractgate::block_on(h.check_operation(op, &Check::ALL)) {
            let text = result.to_string();
            assert_clean(&text);
            assert_clean(&serde_json::to_string(&result).unwrap());
            if let Some(f) = result.failure() {
                assert_clean(&format!("{f:?}"));
            }
            rendered.push(text);
        }
    }
    let path = contractgate::block_on(h.check_path("/bearer"));
    assert_clean(&path.to_string());
    // The failures reproduce with the secrets as environment variables.
    let bearer = &rendered[0];
    assert!(
        bearer.contains(r#"-H "Authorization: Bearer ${API_TOKEN}""#),
        "{bearer}"
    );
    let keys = &rendered[Check::ALL.len()];
    assert!(
        keys.contains(r#"-u "${BASIC_USER}:${BASIC_PASSWORD}""#),
        "{keys}"
    );
    assert!(keys.contains("api_key=${QUERY_KEY}"), "{keys}");
    assert!(keys.contains("sid=${COOKIE_KEY}"), "{keys}");
    snapshot("redacted_keys", keys);
}

#[test]
fn secrets_echoed_by_the_incident_server_are_redacted() {
    let h = harness(
        Behaviour::profile(Profile::EchoSecret),
        contractgate::Settings::default(),
    );
    let r = run(&h, "getUserProfile", Check::NotServerError);
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    let text = r.to_string();
    assert!(!text.contains(crate::support::TOKEN), "{text}");
    assert!(text.contains("set-cookie: [redacted]"), "{text}");
    snapshot("redacted_echo", &text);
}

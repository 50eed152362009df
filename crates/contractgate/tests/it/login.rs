//! A token from a login operation of the spec: sent once before the first request with the
//! configured values (`${VAR}`s from the environment), the token read with a runtime expression
//! and used for the named scheme (bearer, or an API key); obtained again once when a request that
//! carried it is answered 401; a refused login errors every check with the login's answer, and
//! neither the password nor the token is printed.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use contractgate::config::{Credential, Login};
use contractgate::{Check, Harness, Outcome, Settings, Target};
use indexmap::IndexMap;
use serde_json::json;

use crate::support::serve;

const PASSWORD: &str = "pa55word-of-the-demo-user";

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: login, version: "1"}
paths:
  /login:
    post:
      operationId: loginUser
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string}
      responses:
        "200":
          description: a token
          headers:
            X-Token: {schema: {type: string}}
          content:
            application/json:
              schema:
                type: object
                required: [access_token]
                properties:
                  access_token: {type: string}
        "401": {description: wrong user or password}
  /user/profile:
    get:
      operationId: getUserProfile
      responses:
        "200":
          description: the profile
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: integer}
                  name: {type: string}
        "401": {description: no or bad token}
security:
  - bearerAuth: []
  - apiKey: []
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKey: {type: apiKey, in: header, name: X-API-Key}
"#;

/// The server's state: tokens it issued (only the latest is valid), logins seen.
#[derive(Default)]
struct Issued {
    logins: AtomicUsize,
    valid: Mutex<Option<String>>,
    /// Every token issued so far stops being valid (as after a server restart), until the next
    /// login.
    revoke: AtomicBool,
    /// The profile's `id` becomes a string (breaks the documented schema).
    bad_body: AtomicBool,
}

fn app(state: Arc<Issued>) -> Router {
    Router::new()
        .route(
            "/login",
            post(
                |State(s): State<Arc<Issued>>, axum::Json(body): axum::Json<serde_json::Value>| async move {
                    if body["username"] != "ada" || body["password"] != PASSWORD {
                        return (
                            StatusCode::UNAUTHORIZED,
                            axum::Json(json!({"error": "wrong user or password"})),
                        )
                            .into_response();
                    }
                    let n = s.logins.fetch_add(1, Ordering::SeqCst) + 1;
                    let token = format!("issued-token-number-{n}");
                    *s.valid.lock().unwrap() = Some(token.clone());
                    s.revoke.store(false, Ordering::SeqCst);
                    ([("x-token", token.clone())], axum::Json(json!({"access_token": token})))
                        .into_response()
                },
            ),
        )
        .route(
            "/user/profile",
            get(|State(s): State<Arc<Issued>>, h: HeaderMap| async move {
                if s.revoke.load(Ordering::SeqCst) {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                let valid = s.valid.lock().unwrap().clone();
                let bearer = h
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "));
                let key = h.get("x-api-key").and_then(|v| v.to_str().ok());
                if valid.is_none() || (bearer != valid.as_deref() && key != valid.as_deref()) {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                if s.bad_body.load(Ordering::SeqCst) {
                    return axum::Json(json!({"id": "one", "name": "Ada"})).into_response();
                }
                axum::Json(json!({"id": 1, "name": "Ada"})).into_response()
            }),
        )
        .with_state(state)
}

fn harness(url: &str, scheme: &str, token: Option<&str>, password: &str) -> Harness {
    let loaded = contractgate_spec::load_str("login.yaml", SPEC).expect("the spec loads");
    let mut api = loaded.api;
    // One scheme at a time: the operation's security names only the one under test.
    for op in &mut api.operations {
        op.security
            .retain(|r| r.is_anonymous() || r.schemes.contains_key(scheme));
    }
    let mut settings = Settings::default();
    settings.credentials.insert(
        scheme.into(),
        Credential {
            login: Some(Login {
                operation: "loginUser".into(),
                token: token.map(str::to_owned),
                params: IndexMap::new(),
                body: Some(json!({"username": "ada", "password": "${CG_PASSWORD}"})),
            }),
            ..Credential::default()
        },
    );
    let mut target = Target::new(url).unwrap().with_settings(settings);
    let password = password.to_owned();
    target.read_secrets(Some(&api), &move |name| {
        (name == "CG_PASSWORD").then(|| password.clone())
    });
    Harness::new(Arc::new(api), target)
}

#[test]
fn the_login_gives_the_token_once_and_it_is_never_printed() {
    let state = Arc::new(Issued::default());
    let url = serve(app(Arc::clone(&state)));
    let h = harness(&url, "bearerAuth", None, PASSWORD);
    contractgate::block_on(h.obtain_credentials()).expect("the login succeeds");
    for check in [Check::NotServerError, Check::ResponseSchemaConformance] {
        let r = contractgate::block_on(h.check("getUserProfile", check));
        assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    }
    // A wrong token is refused, no token is refused: auth is enforced.
    let r = contractgate::block_on(h.check("getUserProfile", Check::AuthEnforced));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    assert_eq!(
        state.logins.load(Ordering::SeqCst),
        1,
        "one login per harness"
    );
    // The login operation's own checks send the login's values, and print neither secret.
    let r = contractgate::block_on(h.check("loginUser", Check::StatusCodeConformance));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    // A failing check's text shows the token by name, never its value.
    let failing = harness(&url, "bearerAuth", None, PASSWORD);
    contractgate::block_on(failing.obtain_credentials()).unwrap();
    let r = contractgate::block_on(failing.check("loginUser", Check::NegativeDataRejection));
    let text = format!("{r}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!text.contains("issued-token-number"), "{text}");
}

#[test]
fn a_token_in_a_header_goes_where_the_api_key_goes() {
    let state = Arc::new(Issued::default());
    let url = serve(app(Arc::clone(&state)));
    let h = harness(&url, "apiKey", Some("$response.header.X-Token"), PASSWORD);
    let r = contractgate::block_on(h.check("getUserProfile", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    // Revoked: the next request is answered 401; the harness logs in again and sends it again,
    // and the answer is judged (here a body that breaks the schema).
    state.revoke.store(true, Ordering::SeqCst);
    state.bad_body.store(true, Ordering::SeqCst);
    let r = contractgate::block_on(h.check("getUserProfile", Check::ResponseSchemaConformance));
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    assert_eq!(
        state.logins.load(Ordering::SeqCst),
        2,
        "logged in again once"
    );
    let text = r.to_string();
    assert!(
        text.contains(
            "the request was answered 401 Unauthorized with the token for `apiKey`; the token was obtained again and the request sent again"
        ),
        "{text}"
    );
    assert!(
        text.contains("-H \"X-API-Key: ${LOGIN_TOKEN_APIKEY}\""),
        "{text}"
    );
    assert!(!text.contains("issued-token-number"), "{text}");
}

#[test]
fn a_token_refused_after_a_new_login_stays_refused() {
    let state = Arc::new(Issued::default());
    let url = serve(app(Arc::clone(&state)));
    let h = harness(&url, "bearerAuth", None, PASSWORD);
    contractgate::block_on(h.obtain_credentials()).unwrap();
    state.revoke.store(true, Ordering::SeqCst);
    let r = contractgate::block_on(h.check("getUserProfile", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    // Refused again: a token obtained after a 401 is not obtained again for a 401, and the 401
    // stands (the route is not exercised).
    state.revoke.store(true, Ordering::SeqCst);
    let r = contractgate::block_on(h.check("getUserProfile", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
    assert_eq!(state.logins.load(Ordering::SeqCst), 2, "no third login");
}

#[test]
fn a_refused_login_errors_every_check_with_its_answer() {
    let state = Arc::new(Issued::default());
    let url = serve(app(Arc::clone(&state)));
    let h = harness(&url, "bearerAuth", None, "not-the-password");
    let why = contractgate::block_on(h.obtain_credentials()).unwrap_err();
    assert!(
        why.contains("no token for `bearerAuth` from the login operation `loginUser`: POST /login (loginUser) answered 401 Unauthorized: {\"error\":\"wrong user or password\"}"),
        "{why}"
    );
    let r = contractgate::block_on(h.check("getUserProfile", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.contains("the credentials could not be obtained"),
        "{text}"
    );
    assert!(!text.contains("not-the-password"), "{text}");
    // A token expression that finds nothing says what it read.
    let h = harness(&url, "bearerAuth", Some("$response.body#/token"), PASSWORD);
    let why = contractgate::block_on(h.obtain_credentials()).unwrap_err();
    assert!(
        why.contains("answered 200, but $response.body#/token: no value at /token in the response body (its top-level properties: access_token)"),
        "{why}"
    );
    assert!(!why.contains("issued-token-number"), "{why}");
}

//! OAuth 2 client credentials: the harness obtains a token from the token endpoint once, sends it
//! as a bearer token, names it `${OAUTH_TOKEN_<SCHEME>}` in curl lines and never prints it; a
//! token endpoint that refuses the client fails every check with that reason, and the client
//! secret is not printed either.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use contractgate::config::Credential;
use contractgate::{Check, Harness, Outcome, Settings, Target};
use serde_json::json;

use crate::support::{api, serve};

const CLIENT_ID: &str = "contract-gate-client";
const CLIENT_SECRET: &str = "client-s3cret-value-42";
const TOKEN: &str = "tok-obtained-0123456789";

/// A token endpoint (basic client authentication) and a profile route that wants its token and
/// echoes it back in a header (a careless server), with a body that misses `email`.
fn app() -> Router {
    Router::new()
        .route(
            "/oauth/token",
            post(|h: HeaderMap, body: String| async move {
                let expected = format!(
                    "Basic {}",
                    base64_of(&format!("{CLIENT_ID}:{CLIENT_SECRET}"))
                );
                let client_ok = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
                    == Some(expected.as_str());
                if client_ok && body.contains("grant_type=client_credentials") {
                    axum::Json(json!({"access_token": TOKEN, "token_type": "bearer"}))
                        .into_response()
                } else {
                    (
                        StatusCode::UNAUTHORIZED,
                        axum::Json(json!({"error": "invalid_client"})),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            "/user/profile",
            get(|h: HeaderMap| async move {
                if h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
                    != Some(&format!("Bearer {TOKEN}"))
                {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                (
                    [("x-echo", TOKEN)],
                    axum::Json(json!({"id": 1, "name": "Ada"})),
                )
                    .into_response()
            }),
        )
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn harness(url: &str, secret: &str) -> Harness {
    let mut settings = Settings::default();
    settings.credentials.insert(
        "bearerAuth".into(),
        Credential {
            client_id_env: Some("CG_CLIENT_ID".into()),
            client_secret_env: Some("CG_CLIENT_SECRET".into()),
            token_url: Some(format!("{url}/oauth/token")),
            ..Credential::default()
        },
    );
    let api = api();
    let mut target = Target::new(url).unwrap().with_settings(settings);
    let secret = secret.to_owned();
    target.read_secrets(Some(&api), &move |name| match name {
        "CG_CLIENT_ID" => Some(CLIENT_ID.to_owned()),
        "CG_CLIENT_SECRET" => Some(secret.clone()),
        _ => None,
    });
    Harness::new(Arc::new(api), target)
}

#[test]
fn a_token_is_obtained_once_sent_and_never_printed() {
    let url = serve(app());
    let h = harness(&url, CLIENT_SECRET);
    // The token got the request through: the body itself is what fails.
    let r = contractgate::block_on(h.check("getUserProfile", Check::ResponseSchemaConformance));
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    let text = r.to_string();
    assert!(text.contains("\"email\" is a required property"), "{text}");
    assert!(
        text.contains("-H \"Authorization: Bearer ${OAUTH_TOKEN_BEARERAUTH}\""),
        "{text}"
    );
    assert!(text.contains("x-echo: $OAUTH_TOKEN_BEARERAUTH"), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    // Without the token, the operation refuses: auth is enforced, and a wrong token is refused.
    let r = contractgate::block_on(h.check("getUserProfile", Check::AuthEnforced));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
}

#[test]
fn a_refused_client_fails_every_check_with_the_reason() {
    let url = serve(app());
    let h = harness(&url, "not-the-secret-1234");
    let r = contractgate::block_on(h.check("getUserProfile", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.contains("the credentials could not be obtained"),
        "{text}"
    );
    assert!(
        text.contains("no token for `bearerAuth` from http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains(
            "the token endpoint answered 401 Unauthorized: {\"error\":\"invalid_client\"}"
        ),
        "{text}"
    );
    assert!(!text.contains("not-the-secret-1234"), "{text}");
}

#[test]
fn an_expired_token_is_obtained_again_before_the_next_request() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static ISSUED: AtomicUsize = AtomicUsize::new(0);
    // Tokens that expire at once (`expires_in: 1`, less the margin): each check obtains one.
    let app = Router::new()
        .route(
            "/oauth/token",
            post(|| async {
                let n = ISSUED.fetch_add(1, Ordering::SeqCst) + 1;
                axum::Json(json!({"access_token": format!("short-lived-{n}"), "expires_in": 1}))
            }),
        )
        .route(
            "/user/profile",
            get(|h: HeaderMap| async move {
                let n = ISSUED.load(Ordering::SeqCst);
                let expected = format!("Bearer short-lived-{n}");
                if h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(&expected) {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                axum::Json(json!({"id": 1, "name": "Ada", "email": "ada@example.com"}))
                    .into_response()
            }),
        );
    let url = serve(app);
    let h = harness(&url, CLIENT_SECRET);
    for _ in 0..2 {
        let r = contractgate::block_on(h.check("getUserProfile", Check::ResponseSchemaConformance));
        assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    }
    assert_eq!(ISSUED.load(Ordering::SeqCst), 2, "one token per check");
}

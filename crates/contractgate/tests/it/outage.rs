//! The outage on any spec: a route answering 500 where the spec documents 500, another route's
//! body under a permissive schema, a missing documented body, a success only `default` covers,
//! checks that proved nothing, and `method_not_allowed` on overlapping paths. For each, a server
//! that breaks the contract fails and one that keeps it passes.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use contractgate::{Api, Check, Harness, Settings, Target};
use serde_json::json;

use crate::support::{
    Behaviour, Profile, TOKEN, api, fails, harness, not_exercised, passes, router, run, serve,
    target,
};

fn harness_for(api: Api, app: Router, settings: Settings) -> Harness {
    Harness::new(Arc::new(api), target(&serve(app), settings))
}

/// The incident API with `500` documented on `GET /user/profile`, as many real specs do.
fn api_documenting_500() -> Api {
    let mut api = api();
    let mut documented = api.operations[0].responses[1].clone();
    documented.status = contractgate_spec::ir::StatusSpec::Exact(500);
    api.operations[0].responses.push(documented);
    api
}

#[test]
fn a_documented_500_still_fails_not_server_error() {
    let good = harness_for(
        api_documenting_500(),
        router(Behaviour::good()),
        Settings::default(),
    );
    passes(&run(&good, "getUserProfile", Check::NotServerError));
    let broken = harness_for(
        api_documenting_500(),
        router(Behaviour::profile(Profile::ServerError)),
        Settings::default(),
    );
    let text = fails(&run(&broken, "getUserProfile", Check::NotServerError));
    assert!(
        text.starts_with("not_server_error failed: server error"),
        "{text}"
    );
    assert!(text.contains("Received: 500 text/html"), "{text}");
    assert!(
        text.contains("The spec documents 500 for this operation, but a request built from the spec must not get one"),
        "{text}"
    );
    assert!(
        text.contains("[environments.<name>.allowed_server_errors] getUserProfile = [500]"),
        "{text}"
    );
    // An API that answers 500 by design says so, and the check names the setting.
    let mut settings = Settings::default();
    settings
        .allowed_server_errors
        .insert("getUserProfile".into(), vec![500]);
    let allowed = harness_for(
        api_documenting_500(),
        router(Behaviour::profile(Profile::ServerError)),
        settings,
    );
    let warnings = passes(&run(&allowed, "getUserProfile", Check::NotServerError));
    assert_eq!(
        warnings,
        ["500 allowed by `allowed_server_errors` in the configuration"]
    );
    // Allowing another status, or another operation, changes nothing.
    let mut settings = Settings::default();
    settings.allowed_server_errors.insert("*".into(), vec![503]);
    settings
        .allowed_server_errors
        .insert("getItem".into(), vec![500]);
    let other = harness_for(
        api_documenting_500(),
        router(Behaviour::profile(Profile::ServerError)),
        settings,
    );
    fails(&run(&other, "getUserProfile", Check::NotServerError));
}

#[test]
fn an_empty_documented_500_fails_content_type_too() {
    let app = Router::new().route(
        "/user/profile",
        get(|| async { StatusCode::INTERNAL_SERVER_ERROR }),
    );
    let h = harness_for(api_documenting_500(), app, Settings::default());
    fails(&run(&h, "getUserProfile", Check::NotServerError));
    let text = fails(&run(&h, "getUserProfile", Check::ContentTypeConformance));
    assert!(
        text.starts_with("content_type_conformance failed: a documented body is missing"),
        "{text}"
    );
    assert!(
        text.contains("Received: 500 with an empty body and no Content-Type"),
        "{text}"
    );
    assert!(text.contains("Documented: 500 application/json"), "{text}");
}

/// The incident API with a permissive profile schema: no `required`, extra properties allowed.
fn permissive_api() -> Api {
    let mut api = api();
    api.operations[0].responses[0].content["application/json"].schema = Some(json!({
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}
    }));
    api
}

#[test]
fn another_routes_body_fails_route_identity_without_strict_properties() {
    let mixed_up = harness_for(
        permissive_api(),
        router(Behaviour::profile(Profile::SettingsBody)),
        Settings::default(),
    );
    // The schema accepts it: a schema-only check passes.
    passes(&run(
        &mixed_up,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    ));
    let text = fails(&run(&mixed_up, "getUserProfile", Check::RouteIdentity));
    assert!(
        text.starts_with("route_identity failed: the body is not this route's answer"),
        "{text}"
    );
    assert!(
        text.contains("Likely cause: this looks like the response of GET /user/settings (operationId getUserSettings): a route mix-up?"),
        "{text}"
    );
    assert!(
        text.contains("at (root), 2 of 2 properties are not in the schema: theme, notifications"),
        "{text}"
    );
    // The right body, and one with a single undocumented extra, pass.
    for profile in [Profile::Good, Profile::ExtraProperty] {
        let h = harness_for(
            permissive_api(),
            router(Behaviour::profile(profile)),
            Settings::default(),
        );
        passes(&run(&h, "getUserProfile", Check::RouteIdentity));
    }
}

#[test]
fn route_identity_judges_the_body_on_its_own_evidence() {
    // No other operation answers a settings document, so no route can be named: the body's own
    // properties still say it is not a profile.
    let mut api = permissive_api();
    api.operations.retain(|o| o.id != "getUserSettings");
    let app = Router::new().route(
        "/user/profile",
        get(|| async {
            axum::Json(json!({
                "id": 1, "theme": "dark", "locale": "en-GB", "timezone": "Europe/London", "email_notifications": true
            }))
        }),
    );
    let h = harness_for(api.clone(), app, Settings::default());
    let text = fails(&run(&h, "getUserProfile", Check::RouteIdentity));
    assert!(
        text.contains(
            "at (root), 4 of 5 properties are not in the schema: theme, locale, timezone, email_notifications"
        ),
        "{text}"
    );
    assert!(
        text.contains("which has id, name, email at (root)"),
        "{text}"
    );
    assert!(!text.contains("Likely cause"), "{text}");
    // One undocumented extra beside the declared ones is an API that returns more than it
    // documents, not another route's body.
    let app = Router::new().route(
        "/user/profile",
        get(|| async { axum::Json(json!({"id": 1, "name": "Ada", "email": "a@b.c", "x": 1})) }),
    );
    passes(&run(
        &harness_for(api, app, Settings::default()),
        "getUserProfile",
        Check::RouteIdentity,
    ));
}

#[test]
fn a_success_only_default_covers_fails_when_success_codes_are_listed() {
    let accepted = || {
        Router::new().route(
            "/items/{id}",
            get(|| async {
                (
                    StatusCode::ACCEPTED,
                    axum::Json(json!({"id": 7, "name": "widget", "qty": 3})),
                )
            }),
        )
    };
    let h = harness_for(api(), accepted(), Settings::default());
    let text = fails(&run(&h, "getItem", Check::StatusCodeConformance));
    assert!(
        text.starts_with(
            "status_code_conformance failed: a success status the operation does not list"
        ),
        "{text}"
    );
    assert!(
        text.contains("Only `default` covers 202, but the operation lists its success codes (200)"),
        "{text}"
    );
    // The right status passes; with no success code listed, `default` covers every status.
    passes(&run(
        &harness(Behaviour::good(), Settings::default()),
        "getItem",
        Check::StatusCodeConformance,
    ));
    let mut only_default = api();
    only_default.operations[3].responses.remove(0);
    passes(&run(
        &harness_for(only_default, accepted(), Settings::default()),
        "getItem",
        Check::StatusCodeConformance,
    ));
}

#[test]
fn a_missing_documented_body_fails_content_type() {
    let app = Router::new().route("/items/{id}", get(|| async { StatusCode::OK }));
    let h = harness_for(api(), app, Settings::default());
    let text = fails(&run(&h, "getItem", Check::ContentTypeConformance));
    assert!(
        text.contains("Received: 200 with an empty body and no Content-Type"),
        "{text}"
    );
    passes(&run(
        &harness(Behaviour::good(), Settings::default()),
        "getItem",
        Check::ContentTypeConformance,
    ));
}

/// `/user/profile` answers 404 to every request, with or without credentials, unless `open`
/// (then 200 to anybody) or `guarded` (401 without the token).
fn profile_app(answer: &'static str) -> Router {
    Router::new().route(
        "/user/profile",
        get(move |h: HeaderMap| async move {
            let authorized = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
                == Some(&format!("Bearer {TOKEN}"));
            let any_token = h.contains_key(header::AUTHORIZATION);
            match answer {
                "any-token" if !any_token => StatusCode::UNAUTHORIZED.into_response(),
                "guarded" if !authorized => StatusCode::UNAUTHORIZED.into_response(),
                "missing-without-token" if !authorized => StatusCode::NOT_FOUND.into_response(),
                "guarded" | "missing-without-token" | "open" | "any-token" => {
                    axum::Json(json!({"id": 1, "name": "Ada", "email": "ada@example.com"}))
                        .into_response()
                }
                _ => StatusCode::NOT_FOUND.into_response(),
            }
        }),
    )
}

#[test]
fn auth_enforced_proves_nothing_when_the_request_with_credentials_is_refused_too() {
    let h = harness_for(api(), profile_app("missing"), Settings::default());
    let text = not_exercised(&run(&h, "getUserProfile", Check::AuthEnforced));
    assert!(
        text.contains("the request with credentials was refused too (404 with them, 404 without)"),
        "{text}"
    );
    // 401 without credentials proves it; a 404 to strangers only while members get through too.
    for answer in ["guarded", "missing-without-token"] {
        let h = harness_for(api(), profile_app(answer), Settings::default());
        passes(&run(&h, "getUserProfile", Check::AuthEnforced));
    }
    let h = harness_for(api(), profile_app("open"), Settings::default());
    fails(&run(&h, "getUserProfile", Check::AuthEnforced));
}

#[test]
fn negative_data_rejection_proves_nothing_when_the_valid_request_is_refused_too() {
    let rejecting = harness(
        Behaviour {
            reject_items: true,
            ..Behaviour::good()
        },
        Settings::default(),
    );
    let text = not_exercised(&run(&rejecting, "createItem", Check::NegativeDataRejection));
    assert!(
        text.contains("the valid request was refused too (422)"),
        "{text}"
    );
    passes(&run(
        &harness(Behaviour::good(), Settings::default()),
        "createItem",
        Check::NegativeDataRejection,
    ));
}

#[test]
fn a_refused_positive_request_reads_not_exercised_not_a_check_failure() {
    let h = harness_for(api(), profile_app("missing"), Settings::default());
    {
        // 404 is not documented: status_code_conformance fails, not_server_error proved nothing
        // (and the checks of the body do not apply).
        let r = run(&h, "getUserProfile", Check::NotServerError);
        let text = not_exercised(&r);
        assert!(
            text.starts_with("not exercised: the server answered 404 Not Found to the request built from the spec, so the route was not exercised"),
            "{text}"
        );
        assert!(!text.contains("not_server_error failed"), "{text}");
    }
    fails(&run(&h, "getUserProfile", Check::StatusCodeConformance));
}

const OVERLAP: &str = r#"
openapi: 3.0.3
info: {title: users, version: "1"}
paths:
  /user/{username}:
    get:
      operationId: getUser
      parameters:
        - {name: username, in: path, required: true, schema: {type: string}, example: ada}
      responses:
        "200": {description: ok}
  /user/login:
    post:
      operationId: login
      responses:
        "200": {description: ok}
"#;

fn overlap_api() -> Api {
    contractgate_spec::load_str("overlap.yaml", OVERLAP)
        .unwrap()
        .api
}

fn user_app(allow_header: bool) -> Router {
    let refuse = move || async move {
        if allow_header {
            (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET")]).into_response()
        } else {
            StatusCode::METHOD_NOT_ALLOWED.into_response()
        }
    };
    Router::new()
        // As a framework routes it: the literal path only knows POST; every other method
        // falls to the template, which only knows GET.
        .route(
            "/user/login",
            post(|| async { "welcome" })
                .get(|| async { "the user called login" })
                .put(refuse)
                .delete(refuse)
                .patch(refuse),
        )
        .route(
            "/user/{username}",
            get(|| async { "a user" })
                .post(refuse)
                .put(refuse)
                .delete(refuse)
                .patch(refuse),
        )
}

#[test]
fn method_not_allowed_leaves_methods_an_overlapping_template_documents() {
    let h = harness_for(overlap_api(), user_app(true), Settings::default());
    // GET /user/login is GET /user/{username}: documented, so not tried.
    let r = contractgate::block_on(h.check_path("/user/login"));
    passes(&r);
    let r = contractgate::block_on(h.check_path("/user/{username}"));
    passes(&r);
}

#[test]
fn a_405_without_allow_fails_method_not_allowed() {
    let h = harness_for(overlap_api(), user_app(false), Settings::default());
    let r = contractgate::block_on(h.check_path("/user/{username}"));
    let text = fails(&r);
    assert!(
        text.starts_with(
            "method_not_allowed failed: 405 Method Not Allowed without an Allow header"
        ),
        "{text}"
    );
    assert!(text.contains("RFC 9110"), "{text}");
}

#[test]
fn auth_enforced_fails_a_server_that_accepts_any_token() {
    let h = harness_for(api(), profile_app("any-token"), Settings::default());
    let text = fails(&run(&h, "getUserProfile", Check::AuthEnforced));
    assert!(
        text.starts_with("auth_enforced failed: a secured operation accepted a wrong bearer token (bearerAuth: the configured one with a suffix)"),
        "{text}"
    );
    // The curl line reproduces the wrong request without printing the token.
    assert!(
        text.contains("-H \"Authorization: Bearer ${API_TOKEN}-wrong-by-contractgate\""),
        "{text}"
    );
    assert!(!text.contains(TOKEN), "{text}");
    // A server that checks the token refuses the wrong one.
    let h = harness_for(api(), profile_app("guarded"), Settings::default());
    passes(&run(&h, "getUserProfile", Check::AuthEnforced));
}

#[test]
fn auth_enforced_fails_a_server_that_accepts_a_wrong_password() {
    use contractgate::target::{Credentials, Secret};
    const PASSWORD: &str = "basic-pa55word-of-ada";
    let mut api = api();
    api.security_schemes.insert(
        "bearerAuth".into(),
        contractgate_spec::ir::SecurityScheme::Http {
            scheme: "basic".into(),
            bearer_format: None,
        },
    );
    // Checks the user name only (`ada:` and anything), or the whole pair.
    let app = |whole_pair: bool| {
        Router::new().route(
            "/user/profile",
            get(move |h: HeaderMap| async move {
                use base64::Engine as _;
                let sent = h
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Basic "))
                    .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                let ok = if whole_pair {
                    sent == format!("ada:{PASSWORD}")
                } else {
                    sent.starts_with("ada:")
                };
                if !ok {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                axum::Json(json!({"id": 1, "name": "Ada", "email": "ada@example.com"}))
                    .into_response()
            }),
        )
    };
    let harness = |whole_pair: bool| {
        let target = Target::new(serve(app(whole_pair)))
            .unwrap()
            .with_credentials(
                "bearerAuth",
                Credentials::Basic {
                    username: Secret {
                        env_var: "CG_USER".into(),
                        value: Some("ada".into()),
                    },
                    password: Secret {
                        env_var: "CG_PASSWORD".into(),
                        value: Some(PASSWORD.into()),
                    },
                },
            );
        Harness::new(Arc::new(api.clone()), target)
    };
    let text = fails(&run(&harness(false), "getUserProfile", Check::AuthEnforced));
    assert!(
        text.starts_with("auth_enforced failed: a secured operation accepted a wrong password (bearerAuth: the configured one with a suffix)"),
        "{text}"
    );
    assert!(!text.contains(PASSWORD), "{text}");
    passes(&run(&harness(true), "getUserProfile", Check::AuthEnforced));
}

#[test]
fn a_failure_that_passes_when_sent_again_is_flaky_and_still_fails() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A race: the first request while something starts answers 500, the next ones 200.
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    let app = Router::new().route(
        "/user/profile",
        get(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
                axum::Json(json!({"id": 1, "name": "Ada", "email": "ada@example.com"}))
                    .into_response()
            }
        }),
    );
    let h = harness_for(api(), app, Settings::default());
    let text = fails(&run(&h, "getUserProfile", Check::NotServerError));
    assert!(
        text.contains("Flaky: the same request, sent again, passed (200 OK in "),
        "{text}"
    );
    assert_eq!(seen.load(Ordering::SeqCst), 2, "sent once more, not more");
    // Always 500: not flaky.
    let h = harness_for(
        api(),
        router(Behaviour::profile(Profile::ServerError)),
        Settings::default(),
    );
    let text = fails(&run(&h, "getUserProfile", Check::NotServerError));
    assert!(!text.contains("Flaky"), "{text}");
}

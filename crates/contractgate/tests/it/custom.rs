//! Checks users add (`contractgate::custom`) and the request hook, against real servers: a
//! custom check fails on a server that breaks the team's invariant and passes on one that keeps
//! it, with the usual failure text; a hook's header reaches the server and the `curl` line.

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use contractgate::custom::Observed;
use contractgate::{CustomCheck, Finding, Outcome, Settings};

use crate::support::{Behaviour, Profile, TOKEN, api, harness, serve, target};

fn x_request_id(seen: &Observed<'_>) -> Option<Finding> {
    seen.response.header("x-request-id").is_none().then(|| {
        Finding::new("the response has no x-request-id header")
            .received(format!("{} without x-request-id", seen.response.status))
            .documented("every response carries x-request-id")
    })
}

/// A careless check that puts the request's credentials in its finding.
fn leaks_the_token(seen: &Observed<'_>) -> Option<Finding> {
    let auth = seen
        .request
        .headers
        .iter()
        .find(|(n, _)| n == "Authorization")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Some(Finding::new(format!("saw {auth}")))
}

const X_REQUEST_ID: CustomCheck = CustomCheck {
    name: "x_request_id",
    check: x_request_id,
    scope: &[],
};

#[test]
fn a_custom_check_fails_where_the_invariant_breaks_with_the_usual_text() {
    let good = harness(Behaviour::good(), Settings::default());
    let r = contractgate::block_on(good.check_custom("getUserProfile", &X_REQUEST_ID));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");

    let broken = harness(
        Behaviour::profile(Profile::MissingHeader),
        Settings::default(),
    );
    let r = contractgate::block_on(broken.check_custom("getUserProfile", &X_REQUEST_ID));
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.starts_with("x_request_id failed: the response has no x-request-id header\nOperation: GET /user/profile (operationId getUserProfile)"),
        "{text}"
    );
    assert!(
        text.contains("Received: 200 without x-request-id"),
        "{text}"
    );
    assert!(
        text.contains("-H \"Authorization: Bearer ${API_TOKEN}\""),
        "{text}"
    );
    assert!(text.contains("Response: 200 OK"), "{text}");
    assert_eq!(r.failure().map(|f| f.check_name()), Some("x_request_id"));
}

#[test]
fn a_custom_finding_is_redacted_and_a_refused_request_proves_nothing() {
    let h = harness(Behaviour::good(), Settings::default());
    let leaky = CustomCheck {
        name: "leaky",
        check: leaks_the_token,
        scope: &[],
    };
    let text = contractgate::block_on(h.check_custom("getUserProfile", &leaky)).to_string();
    assert!(!text.contains(TOKEN), "{text}");
    assert!(text.contains("saw Bearer $API_TOKEN"), "{text}");

    // The request is refused (no credentials): the check's pass proves nothing.
    let anonymous = contractgate::Harness::new(
        std::sync::Arc::new(api()),
        contractgate::Target::new(serve(crate::support::router(Behaviour::good()))).unwrap(),
    );
    let r = contractgate::block_on(anonymous.check_custom("getUserProfile", &X_REQUEST_ID));
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
}

#[test]
fn the_request_hook_signs_every_request_and_the_curl_line_shows_it() {
    // The server only answers requests that carry the signature the hook computes.
    let app = Router::new().route(
        "/user/profile",
        get(|h: HeaderMap| async move {
            match h.get("x-signature").and_then(|v| v.to_str().ok()) {
                Some("sig:GET:/user/profile") => StatusCode::IM_A_TEAPOT.into_response(),
                _ => StatusCode::FORBIDDEN.into_response(),
            }
        }),
    );
    let url = serve(app);
    let signed = target(&url, Settings::default()).with_request_hook(|request| {
        let path = request
            .url
            .split("//")
            .nth(1)
            .and_then(|r| r.find('/').map(|i| r[i..].to_owned()));
        let signature = format!("sig:{}:{}", request.method, path.unwrap_or_default());
        request.headers.push(("x-signature".into(), signature));
    });
    let h = contractgate::Harness::new(std::sync::Arc::new(api()), signed);
    let r = contractgate::block_on(
        h.check("getUserProfile", contractgate::Check::StatusCodeConformance),
    );
    // 418 is undocumented: the failure shows the server saw the signature, and so does the curl.
    let text = r.to_string();
    assert!(text.contains("Received: 418"), "{text}");
    assert!(
        text.contains("-H 'x-signature: sig:GET:/user/profile'"),
        "{text}"
    );
}

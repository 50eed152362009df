//! HTTP behaviour: Accept header, redirects, unreachable targets, timeouts, and the synchronous
//! entry points generated tests call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::routing::get;
use contractgate::{Check, Harness, Outcome, Settings, Target};
use serde_json::json;

use crate::support::{Behaviour, api, router, serve, snapshot};

fn echo_api() -> contractgate::Api {
    let loc = json!({"file": "echo.yaml", "line": 1, "column": 1, "pointer": ""});
    serde_json::from_value(json!({
        "source": "echo.yaml", "openapi_version": "3.0.3", "info": {"title": "e", "version": "1"},
        "operations": [{
            "id": "search", "method": "get", "path": "/search",
            "parameters": [
                {"name": "tags", "in": "query", "required": true, "style": "form", "explode": true,
                 "schema": {"type": "array", "items": {"type": "string"}}, "example": ["a b", "c&d"], "defined_at": loc},
                {"name": "filter", "in": "query", "required": true, "style": "deepObject", "explode": true,
                 "schema": {"type": "object"}, "example": {"size": 3}, "defined_at": loc},
                {"name": "X-Trace", "in": "header", "required": true, "style": "simple", "explode": false,
                 "schema": {"type": "string"}, "example": "t-1", "defined_at": loc},
                {"name": "session", "in": "cookie", "required": true, "style": "form", "explode": true,
                 "schema": {"type": "string"}, "example": "abc", "defined_at": loc}
            ],
            "responses": [{"status": {"exact": 200}, "description": "ok",
                           "content": {"application/xml": {}, "application/vnd.api+json": {}, "application/json": {"schema": {"type": "object"}}},
                           "location": loc}],
            "location": loc
        }]
    }))
    .unwrap()
}

#[test]
fn sends_accept_json_first_and_serialized_parameters() {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let s = Arc::clone(&seen);
    let app = Router::new().route(
        "/search",
        get(move |uri: axum::http::Uri, h: HeaderMap| async move {
            let get = |n: &str| {
                h.get(n)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            s.lock().unwrap().extend([
                uri.query().unwrap_or("").to_owned(),
                get("accept"),
                get("x-trace"),
                get("cookie"),
            ]);
            axum::Json(json!({}))
        }),
    );
    let h = Harness::new(Arc::new(echo_api()), Target::new(serve(app)).unwrap());
    let r = contractgate::block_on(h.check("search", Check::ResponseSchemaConformance));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "tags=a%20b&tags=c%26d&filter[size]=3",
            "application/json, application/vnd.api+json, application/xml, */*;q=0.1",
            "t-1",
            "session=abc",
        ]
    );
}

#[test]
fn redirects_are_responses_to_check() {
    let app = Router::new().route(
        "/user/profile",
        get(|| async {
            (
                axum::http::StatusCode::FOUND,
                [("location", "http://127.0.0.1:9/elsewhere")],
            )
                .into_response()
        }),
    );
    let h = Harness::new(
        Arc::new(api()),
        crate::support::target(&serve(app), Settings::default()),
    );
    let r = contractgate::block_on(h.check("getUserProfile", Check::StatusCodeConformance));
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    let text = r.to_string();
    assert!(text.contains("Received: 302 (no content type)"), "{text}");
    assert!(
        text.contains("location: http://127.0.0.1:9/elsewhere"),
        "{text}"
    );
}

#[test]
fn an_unreachable_target_is_an_error_not_a_panic() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut settings = Settings::default();
    settings.http.retries = 1;
    let h = Harness::new(
        Arc::new(api()),
        Target::new(url).unwrap().with_settings(settings),
    );
    let r = contractgate::block_on(h.check("getItem", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    let text = r.to_string();
    assert!(text.contains("the target could not be reached"), "{text}");
    assert!(text.contains("(after 2 attempts)"), "{text}");
    snapshot("connection_refused", &text);
}

#[test]
fn a_timeout_is_reported() {
    let app = Router::new().route(
        "/items/{id}",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "late"
        }),
    );
    let mut settings = Settings::default();
    settings.http.timeout = Duration::from_millis(200);
    let h = Harness::new(
        Arc::new(api()),
        Target::new(serve(app)).unwrap().with_settings(settings),
    );
    let r = contractgate::block_on(h.check("getItem", Check::NotServerError));
    assert!(
        r.to_string().contains("the target did not answer in time"),
        "{r}"
    );
}

#[test]
fn the_request_budget_is_honoured() {
    let settings = Settings {
        request_budget: Some(1),
        ..Settings::default()
    };
    let h = Harness::new(
        Arc::new(api()),
        Target::new(serve(router(Behaviour::good())))
            .unwrap()
            .with_settings(settings),
    );
    assert!(matches!(
        contractgate::block_on(h.check("getItem", Check::NotServerError)).outcome,
        Outcome::Passed { .. }
    ));
    let r = contractgate::block_on(h.check("getItem", Check::NotServerError));
    assert_eq!(
        r.outcome,
        Outcome::Skipped {
            reason: "the request budget of 1 requests is spent".into()
        }
    );
}

#[test]
fn run_check_panics_with_the_rendered_failure() {
    let json: &'static str = Box::leak(api().to_json().into_boxed_str());
    let url = serve(router(Behaviour::profile(
        crate::support::Profile::ServerError,
    )));
    let target = move |_: &contractgate::Api| Ok(crate::support::target(&url, Settings::default()));
    let panic = std::panic::catch_unwind(|| {
        contractgate::run_check_with(json, target, "getUserProfile", Check::NotServerError)
    })
    .unwrap_err();
    let message = panic.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("not_server_error failed: server error"),
        "{message}"
    );
    // Later calls reuse the harness (and its target) of the first.
    let again = std::panic::catch_unwind(|| {
        contractgate::run_check_with(
            json,
            |_| unreachable!("the target is resolved once"),
            "getUserProfile",
            Check::StatusCodeConformance,
        )
    });
    assert!(again.is_err(), "500 is not documented either");
    // A check that does not apply (500 is not documented, so no content type is) returns normally.
    contractgate::run_check_with(
        json,
        |_| unreachable!(),
        "getUserProfile",
        Check::ContentTypeConformance,
    );
}

#[test]
fn in_process_servers_start_once() {
    static APP: contractgate::InProcess = contractgate::InProcess::new();
    let start = |listener| async move {
        axum::serve(listener, router(Behaviour::good())).await.ok();
    };
    let first = APP.url(start).unwrap();
    let second = APP.url(|_| async { unreachable!("started once") }).unwrap();
    assert_eq!(first, second);
    assert!(first.starts_with("http://127.0.0.1:"), "{first}");
    let h = Harness::new(Arc::new(api()), Target::new(first).unwrap());
    let r = contractgate::block_on(h.check("getItem", Check::ResponseSchemaConformance));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
}

#[test]
fn rate_limited_requests_all_go_through() {
    let settings = Settings {
        rate_limit: Some(200.0),
        ..Settings::default()
    };
    let h = Harness::new(
        Arc::new(api()),
        Target::new(serve(router(Behaviour::good())))
            .unwrap()
            .with_settings(settings),
    );
    let results = contractgate::block_on(async {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(h.check("getItem", Check::ResponseSchemaConformance).await);
        }
        out
    });
    for r in results {
        assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    }
}

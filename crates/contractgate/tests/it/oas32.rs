//! OpenAPI 3.2 against a real service: a QUERY operation (sent with its body, judged like any
//! other) and a JSON Lines stream whose items are validated against `itemSchema`; the broken
//! variants (QUERY answered 405, a bad item in the middle of the stream) fail the right checks.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::routing::get;
use contractgate::{Check, Harness, Outcome, Settings, Target};
use serde_json::json;

use crate::support::{fails, passes, serve};

const SPEC: &str =
    include_str!("../../../contractgate-spec/tests/fixtures/oas32/every-construct.yaml");

/// The service of `tests/oas32` (QUERY route, JSON Lines stream, querystring route, PURGE).
fn app(query_works: bool, bad_item: bool) -> Router {
    oas32_e2e::app(match (query_works, bad_item) {
        (false, _) => oas32_e2e::Fault::Query405,
        (true, true) => oas32_e2e::Fault::BadItem,
        (true, false) => oas32_e2e::Fault::None,
    })
}

fn harness(query_works: bool, bad_item: bool) -> Harness {
    let api = contractgate_spec::load_str("every-construct.yaml", SPEC)
        .unwrap()
        .api;
    let target = Target::new(serve(app(query_works, bad_item)))
        .unwrap()
        .with_settings(Settings::default());
    Harness::new(Arc::new(api), target)
}

fn run(h: &Harness, op: &str, check: Check) -> contractgate::CheckResult {
    contractgate::block_on(h.check(op, check))
}

#[test]
fn a_query_operation_is_sent_with_its_body_and_judged() {
    let good = harness(true, false);
    for check in [
        Check::NotServerError,
        Check::StatusCodeConformance,
        Check::ResponseSchemaConformance,
        Check::NegativeDataRejection,
    ] {
        passes(&run(&good, "searchEvents", check));
    }
    // The path answers other methods with 405 and an Allow header.
    passes(&contractgate::block_on(good.check_path("/events/search")));
    // QUERY answered 405: an undocumented status, and nothing else proven.
    let broken = harness(false, false);
    let text = fails(&run(&broken, "searchEvents", Check::StatusCodeConformance));
    assert!(text.contains("Received: 405"), "{text}");
    assert!(
        text.contains("-X QUERY"),
        "the curl line sends QUERY: {text}"
    );
    let r = run(&broken, "searchEvents", Check::NotServerError);
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
}

#[test]
fn each_item_of_a_json_lines_stream_is_validated() {
    passes(&run(
        &harness(true, false),
        "streamEvents",
        Check::ResponseSchemaConformance,
    ));
    passes(&run(
        &harness(true, false),
        "streamEvents",
        Check::ContentTypeConformance,
    ));
    let text = fails(&run(
        &harness(true, true),
        "streamEvents",
        Check::ResponseSchemaConformance,
    ));
    assert!(
        text.contains("item 1 of the stream does not match the itemSchema"),
        "{text}"
    );
    assert!(text.contains("`type` at /id"), "{text}");
}

#[test]
fn a_querystring_parameter_is_sent_as_the_whole_query_string() {
    let h = harness(true, false);
    let r = run(&h, "rawQuery", Check::NotServerError);
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    // The value is an object of form content: `text=<value>` is the query string.
    let planned = contractgate_spec::load_str("every-construct.yaml", SPEC)
        .unwrap()
        .api;
    let op = planned.operation("rawQuery").unwrap();
    let q = &op.parameters[0];
    assert_eq!(
        q.location,
        contractgate_spec::ir::ParamLocation::QueryString
    );
    assert_eq!(
        contractgate::data::serialize::serialize_parameter(q, &json!({"text": "a b&c"})),
        Ok(contractgate::data::serialize::Placed::Query(
            "text=a%20b%26c".to_owned()
        ))
    );
}

const SSE: &str = r#"
openapi: 3.2.0
info: {title: ticks, version: "1"}
paths:
  /ticks:
    get:
      operationId: ticks
      responses:
        "200":
          description: server-sent events
          content:
            text/event-stream:
              itemSchema:
                type: object
                required: [event, data]
                properties:
                  event: {type: string, enum: [tick, done]}
                  data: {type: string}
                  id: {type: string}
"#;

#[test]
fn each_event_of_a_server_sent_event_stream_is_validated() {
    let run_with = |body: &'static str| {
        let app = Router::new().route(
            "/ticks",
            get(move || async move { ([(header::CONTENT_TYPE, "text/event-stream")], body) }),
        );
        let api = contractgate_spec::load_str("sse.yaml", SSE).unwrap().api;
        let h = Harness::new(Arc::new(api), Target::new(serve(app)).unwrap());
        run(&h, "ticks", Check::ResponseSchemaConformance)
    };
    passes(&run_with(
        ": keep-alive\n\nevent: tick\nid: 1\ndata: {\"n\":1}\n\nevent: done\ndata: bye\ndata: now\n\n",
    ));
    let text = fails(&run_with(
        "event: tick\ndata: 1\n\nevent: tock\ndata: 2\n\nevent: done\ndata: 3\n\n",
    ));
    assert!(
        text.contains("event 1 of the stream does not match the itemSchema"),
        "{text}"
    );
    assert!(text.contains("`enum` at /event"), "{text}");
}

#[test]
fn an_additional_operation_is_sent_with_its_own_method() {
    let h = harness(true, false);
    for check in [Check::NotServerError, Check::StatusCodeConformance] {
        passes(&run(&h, "purgeEvents", check));
    }
    // A server that does not route PURGE: an undocumented 405, and the curl line sends PURGE.
    let api = contractgate_spec::load_str("every-construct.yaml", SPEC)
        .unwrap()
        .api;
    let unrouted = Router::new().route("/events/raw", get(|| async { StatusCode::OK }));
    let target = Target::new(serve(unrouted)).unwrap();
    let broken = Harness::new(Arc::new(api), target);
    let text = fails(&run(&broken, "purgeEvents", Check::StatusCodeConformance));
    assert!(text.contains("Received: 405"), "{text}");
    assert!(text.contains("-X PURGE"), "{text}");
}

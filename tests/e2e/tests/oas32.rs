//! Generated contract tests for the OpenAPI 3.2 fixture (built by `tests/oas32`'s build.rs), run
//! against its real axum service: all pass when it keeps the contract, and each broken variant
//! fails exactly the tests of the operation it breaks, with a message that says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_e2e::{TestRun, cargo_test};

fn run(fault: &str) -> TestRun {
    cargo_test("oas32-e2e", "oas32_contract", &[("OAS32_FAULT", fault)])
}

const ALL_TESTS: [&str; 16] = [
    "contract::paths::events_raw::method_not_allowed",
    "contract::paths::events_search::method_not_allowed",
    "contract::paths::events_stream::method_not_allowed",
    "contract::purge_events::not_server_error",
    "contract::purge_events::status_code_conformance",
    "contract::raw_query::not_server_error",
    "contract::raw_query::status_code_conformance",
    "contract::search_events::content_type_conformance",
    "contract::search_events::not_server_error",
    "contract::search_events::response_schema_conformance",
    "contract::search_events::route_identity",
    "contract::search_events::status_code_conformance",
    "contract::stream_events::content_type_conformance",
    "contract::stream_events::not_server_error",
    "contract::stream_events::response_schema_conformance",
    "contract::stream_events::status_code_conformance",
];

#[test]
fn every_generated_test_passes_against_the_real_32_service() {
    let run = run("none");
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!(run.passed, ALL_TESTS, "{}", run.output);
}

#[test]
fn a_bad_line_in_the_middle_of_the_stream_fails_its_schema_test_only() {
    let run = run("bad-item");
    assert_eq!(
        run.failed_names(),
        ["contract::stream_events::response_schema_conformance"],
        "{}",
        run.output
    );
    let text = run.failure("contract::stream_events::response_schema_conformance");
    assert!(
        text.contains("item 1 of the stream does not match the itemSchema"),
        "{text}"
    );
    assert!(
        text.contains("\"two\" is not of type \"integer\""),
        "{text}"
    );
}

#[test]
fn query_answered_405_fails_that_operation_only_and_the_curl_line_sends_query() {
    let run = run("query-405");
    assert_eq!(
        run.failed_names(),
        [
            "contract::search_events::not_server_error",
            "contract::search_events::status_code_conformance",
        ],
        "{}",
        run.output
    );
    let text = run.failure("contract::search_events::status_code_conformance");
    assert!(text.contains("Received: 405"), "{text}");
    assert!(text.contains("-X QUERY"), "{text}");
    let text = run.failure("contract::search_events::not_server_error");
    assert!(text.contains("not exercised"), "{text}");
}

#[test]
fn an_unrouted_additional_method_fails_its_operation_only() {
    let run = run("purge-405");
    assert_eq!(
        run.failed_names(),
        [
            "contract::purge_events::not_server_error",
            "contract::purge_events::status_code_conformance",
        ],
        "{}",
        run.output
    );
    let text = run.failure("contract::purge_events::status_code_conformance");
    assert!(text.contains("-X PURGE"), "{text}");
}

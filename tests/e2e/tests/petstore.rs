//! Generated contract tests for `specs/oai/petstore-expanded.yaml` (built by `tests/petstore`'s
//! build.rs), run against a real axum petstore: all pass when it keeps the contract, and each
//! broken variant fails exactly the tests of the route it breaks, with a message that says why.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_e2e::{TestRun, cargo_test};

fn run(fault: &str) -> TestRun {
    cargo_test(
        "petstore-e2e",
        "petstore_contract",
        &[("PETSTORE_FAULT", fault)],
    )
}

// The spec has no links: the state checks come from the link contractgate infers from names
// (POST /pets answers `id`, GET and DELETE /pets/{id} take it).
const ALL_TESTS: [&str; 24] = [
    "contract::add_pet::content_type_conformance",
    "contract::add_pet::not_server_error",
    "contract::add_pet::response_schema_conformance",
    "contract::add_pet::route_identity",
    "contract::add_pet::status_code_conformance",
    "contract::delete_pet::content_type_conformance",
    "contract::delete_pet::not_server_error",
    "contract::delete_pet::response_schema_conformance",
    "contract::delete_pet::status_code_conformance",
    "contract::delete_pet::use_after_free",
    "contract::find_pet_by_id::content_type_conformance",
    "contract::find_pet_by_id::not_server_error",
    "contract::find_pet_by_id::read_after_write",
    "contract::find_pet_by_id::resource_availability",
    "contract::find_pet_by_id::response_schema_conformance",
    "contract::find_pet_by_id::route_identity",
    "contract::find_pet_by_id::status_code_conformance",
    "contract::find_pets::content_type_conformance",
    "contract::find_pets::not_server_error",
    "contract::find_pets::response_schema_conformance",
    "contract::find_pets::route_identity",
    "contract::find_pets::status_code_conformance",
    "contract::paths::pets::method_not_allowed",
    "contract::paths::pets_id::method_not_allowed",
];

#[test]
fn every_generated_test_passes_against_the_real_petstore() {
    let run = run("none");
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert_eq!(run.passed, ALL_TESTS, "{}", run.output);
}

#[test]
fn a_500_fails_not_server_error_and_content_type_of_that_route_only() {
    let run = run("list-500");
    assert_eq!(
        run.failed_names(),
        [
            "contract::find_pets::content_type_conformance",
            "contract::find_pets::not_server_error"
        ],
        "{}",
        run.output
    );
    let text = run.failure("contract::find_pets::not_server_error");
    assert!(
        text.contains("Operation: GET /pets (operationId findPets)"),
        "{text}"
    );
    assert!(text.contains("Received: 500 text/html"), "{text}");
    assert!(text.contains("Documented: 200, default"), "{text}");
    assert!(
        text.contains("curl -sS -i -X GET 'http://127.0.0.1:"),
        "{text}"
    );
    assert!(
        text.contains("<h1>500 Internal Server Error</h1>"),
        "{text}"
    );
}

#[test]
fn a_missing_required_field_fails_the_schema_check() {
    let run = run("pet-without-id");
    assert_eq!(
        run.failed_names(),
        ["contract::find_pet_by_id::response_schema_conformance"],
        "{}",
        run.output
    );
    let text = run.failure("contract::find_pet_by_id::response_schema_conformance");
    assert!(text.contains("GET /pets/{id}"), "{text}");
    assert!(text.contains("\"id\" is a required property"), "{text}");
}

#[test]
fn a_wrong_content_type_fails_content_type_conformance() {
    let run = run("add-plain-text");
    assert_eq!(
        run.failed_names(),
        ["contract::add_pet::content_type_conformance"],
        "{}",
        run.output
    );
    let text = run.failure("contract::add_pet::content_type_conformance");
    assert!(text.contains("POST /pets"), "{text}");
    assert!(text.contains("text/plain"), "{text}");
}

#[test]
fn a_body_of_the_wrong_shape_fails_the_schema_check() {
    let run = run("delete-wrong-body");
    // 201 with a body where 204 is listed: `default` does not cover an unlisted success. The
    // fault deletes nothing either: the pet that POST /pets created (the link is inferred from
    // names) can still be read.
    assert_eq!(
        run.failed_names(),
        [
            "contract::delete_pet::response_schema_conformance",
            "contract::delete_pet::status_code_conformance",
            "contract::delete_pet::use_after_free"
        ],
        "{}",
        run.output
    );
    let text = run.failure("contract::delete_pet::response_schema_conformance");
    assert!(text.contains("DELETE /pets/{id}"), "{text}");
}

#[test]
fn an_undocumented_method_that_answers_fails_method_not_allowed() {
    let run = run("patch-allowed");
    assert_eq!(
        run.failed_names(),
        ["contract::paths::pets_id::method_not_allowed"],
        "{}",
        run.output
    );
    let text = run.failure("contract::paths::pets_id::method_not_allowed");
    assert!(text.contains("PATCH"), "{text}");
}

/// The same API generated from its Swagger 2.0 original (converted at load time) fails and passes
/// exactly the same tests as the OpenAPI 3.0 version, for every broken variant of the server.
#[test]
fn the_swagger_2_0_version_of_the_spec_catches_the_same_faults() {
    for fault in [
        "none",
        "list-500",
        "pet-without-id",
        "add-plain-text",
        "delete-wrong-body",
        "patch-allowed",
    ] {
        let v3 = run(fault);
        let v2 = cargo_test(
            "petstore-e2e",
            "petstore_swagger2_contract",
            &[("PETSTORE_FAULT", fault)],
        );
        assert_eq!(v2.passed, v3.passed, "{fault}: {}", v2.output);
        assert_eq!(
            v2.failed_names(),
            v3.failed_names(),
            "{fault}: {}",
            v2.output
        );
        assert_eq!(v2.ignored, v3.ignored, "{fault}: {}", v2.output);
        if fault != "none" {
            assert!(
                !v2.failed.is_empty(),
                "{fault}: nothing failed:\n{}",
                v2.output
            );
        }
    }
}

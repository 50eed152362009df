//! The incident example end to end: `examples/user-service`'s generated contract tests, run as a
//! subprocess with each fault of `USER_SERVICE_FAULT`, fail exactly the affected route's tests, by
//! name, with messages that say what broke. The permissive variant shows the route mix-up caught
//! even when the profile schema accepts a settings document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_e2e::{TestRun, cargo_test};

fn run(fault: &str) -> TestRun {
    cargo_test("user-service", "contract", &[("USER_SERVICE_FAULT", fault)])
}

fn assert_failed(run: &TestRun, expected: &[&str]) {
    assert_eq!(run.failed_names(), expected, "{}", run.output);
    assert_eq!(run.code, Some(101), "{}", run.output);
    assert!(
        run.passed.len() > 40,
        "the other routes still pass:\n{}",
        run.output
    );
}

#[test]
fn without_a_fault_every_route_passes() {
    let run = run("");
    assert_eq!(run.code, Some(0), "{}", run.output);
    assert!(run.failed.is_empty(), "{}", run.output);
    assert_eq!(run.passed.len(), 65, "{}", run.output);
}

#[test]
fn route_mixup_fails_get_user_profile_and_names_the_settings_route() {
    let run = run("route-mixup");
    assert_failed(
        &run,
        &[
            // The team's own check (examples/user-service/tests/contract.rs) sees it too.
            "contract::custom::profile_is_callers",
            "contract::get_user_profile::response_schema_conformance",
            "contract::get_user_profile::route_identity",
        ],
    );
    let identity = run.failure("contract::get_user_profile::route_identity");
    assert!(
        identity.contains("route_identity failed: the body is not this route's answer"),
        "{identity}"
    );
    assert!(
        identity.contains("Likely cause: this looks like the response of GET /user/settings (operationId getUserSettings): a route mix-up?"),
        "{identity}"
    );
    let text = run.failure("contract::get_user_profile::response_schema_conformance");
    assert!(
        text.contains("Operation: GET /user/profile (operationId getUserProfile)"),
        "{text}"
    );
    assert!(
        text.contains("\"display_name\" is a required property"),
        "{text}"
    );
    assert!(
        text.contains(
            "this looks like the response of GET /user/settings (operationId getUserSettings)"
        ),
        "{text}"
    );
    assert!(
        text.contains("curl -sS -i -X GET 'http://127.0.0.1:"),
        "{text}"
    );
    // The token is a $VAR reference, never its value.
    assert!(text.contains("Bearer ${USER_SERVICE_TOKEN}"), "{text}");
    assert!(
        !run.output.contains(user_service::DEMO_TOKEN),
        "{}",
        run.output
    );
}

#[test]
fn profile_500_fails_the_profile_route_only() {
    let run = run("profile-500");
    assert_failed(
        &run,
        &[
            "contract::get_user_profile::not_server_error",
            "contract::get_user_profile::status_code_conformance",
        ],
    );
    let text = run.failure("contract::get_user_profile::not_server_error");
    assert!(text.contains("Received: 500"), "{text}");
}

#[test]
fn a_removed_route_fails_as_not_exercised() {
    let run = run("profile-missing");
    assert_failed(
        &run,
        &[
            // Not exercised: the custom checks' request never reached a handler either.
            "contract::custom::profile_is_callers",
            "contract::custom::x_request_id",
            "contract::get_user_profile::auth_enforced",
            "contract::get_user_profile::not_server_error",
            "contract::get_user_profile::status_code_conformance",
        ],
    );
    // A 404 with and without credentials says nothing about authentication.
    let auth = run.failure("contract::get_user_profile::auth_enforced");
    assert!(
        auth.contains("not exercised: the request with credentials was refused too (404 with them, 404 without)"),
        "{auth}"
    );
    let unproven = run.failure("contract::get_user_profile::not_server_error");
    assert!(
        unproven.contains(
            "not exercised: the server answered 404 Not Found to the request built from the spec"
        ),
        "{unproven}"
    );
    let text = run.failure("contract::get_user_profile::status_code_conformance");
    assert!(
        text.contains("Received: 404 application/problem+json"),
        "{text}"
    );
}

#[test]
fn a_method_moved_from_put_to_post_fails_the_put_route() {
    let run = run("method-changed");
    assert_failed(
        &run,
        &[
            "contract::custom::x_request_id",
            "contract::update_user_profile::auth_enforced",
            "contract::update_user_profile::not_server_error",
            // The update was refused (405), so its read back proved nothing: not exercised.
            "contract::update_user_profile::read_after_write",
            "contract::update_user_profile::status_code_conformance",
        ],
    );
    let text = run.failure("contract::update_user_profile::status_code_conformance");
    assert!(text.contains("PUT /user/profile"), "{text}");
    assert!(text.contains("Received: 405"), "{text}");
}

#[test]
fn a_dropped_required_field_fails_the_schema_check() {
    let run = run("field-dropped");
    assert_failed(
        &run,
        &[
            "contract::custom::profile_is_callers",
            "contract::get_user_profile::response_schema_conformance",
        ],
    );
    let text = run.failure("contract::get_user_profile::response_schema_conformance");
    assert!(text.contains("is a required property"), "{text}");
    // The custom check fails its own test with the usual text, named after it.
    let custom = run.failure("contract::custom::profile_is_callers");
    assert!(
        custom.contains("profile_is_callers failed: the profile is not the caller's\nOperation: GET /user/profile (operationId getUserProfile)"),
        "{custom}"
    );
    assert!(custom.contains("Received: email missing"), "{custom}");
    assert!(custom.contains("Bearer ${USER_SERVICE_TOKEN}"), "{custom}");
}

#[test]
fn dropped_authentication_fails_auth_enforced() {
    let run = run("auth-dropped");
    assert_failed(&run, &["contract::get_user_profile::auth_enforced"]);
    let text = run.failure("contract::get_user_profile::auth_enforced");
    assert!(text.contains("GET /user/profile"), "{text}");
}

#[test]
fn a_delete_that_keeps_the_user_fails_use_after_free() {
    let run = run("delete-keeps");
    assert_failed(&run, &["contract::delete_user::use_after_free"]);
    let text = run.failure("contract::delete_user::use_after_free");
    assert!(
        text.contains("use_after_free failed: a deleted resource can still be read"),
        "{text}"
    );
    assert!(text.contains("answered 204, then GET"), "{text}");
}

#[test]
fn route_mixup_is_caught_even_with_a_permissive_profile_schema() {
    let clean = cargo_test("contractgate-e2e", "permissive_contract", &[]);
    assert_eq!(clean.code, Some(0), "{}", clean.output);
    let run = cargo_test(
        "contractgate-e2e",
        "permissive_contract",
        &[("USER_SERVICE_FAULT", "route-mixup")],
    );
    // The schema accepts a settings document and strict_properties is off: route_identity
    // still fails, by default, on the right route.
    assert_eq!(
        run.failed_names(),
        ["contract::get_user_profile::route_identity"],
        "{}",
        run.output
    );
    let text = run.failure("contract::get_user_profile::route_identity");
    assert!(
        text.contains("are not in the schema: theme, locale, timezone, email_notifications"),
        "{text}"
    );
    assert!(
        text.contains("this looks like the response of GET /user/settings"),
        "{text}"
    );
}

#[test]
fn a_documented_500_still_fails_with_the_permissive_spec() {
    let run = cargo_test(
        "contractgate-e2e",
        "permissive_contract",
        &[("USER_SERVICE_FAULT", "profile-500")],
    );
    assert_eq!(
        run.failed_names(),
        [
            "contract::get_user_profile::content_type_conformance",
            "contract::get_user_profile::not_server_error",
        ],
        "{}",
        run.output
    );
    let text = run.failure("contract::get_user_profile::not_server_error");
    assert!(
        text.contains("The spec documents 500 for this operation, but a request built from the spec must not get one"),
        "{text}"
    );
}

#[test]
fn a_500_at_a_boundary_value_is_found_by_generated_cases_and_remembered() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("incident-cases");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("openapi.regressions.json");
    let _ = std::fs::remove_file(&path);
    let file = path.to_str().unwrap();
    let fault = ("USER_SERVICE_FAULT", "bio-limit-500");
    let remember = ("CONTRACTGATE_REGRESSIONS", file);

    // One case per operation (the default of generated tests): the spec's example misses it.
    let one = cargo_test("user-service", "contract", &[fault, remember]);
    assert_eq!(one.code, Some(0), "{}", one.output);

    let found = cargo_test(
        "user-service",
        "contract",
        &[fault, remember, ("CONTRACTGATE_CASES", "20")],
    );
    let expected = [
        "contract::update_user_profile::not_server_error",
        "contract::update_user_profile::status_code_conformance",
    ];
    assert_failed(&found, &expected);
    let text = found.failure("contract::update_user_profile::not_server_error");
    assert!(
        text.contains("boundary: `bio` at its maxLength (280 characters)"),
        "{text}"
    );
    assert!(text.contains("Shrunk in "), "{text}");
    assert!(path.exists(), "no regressions file was written");

    // Later runs send the remembered case first, with the default of one case.
    let again = cargo_test("user-service", "contract", &[fault, remember]);
    assert_failed(&again, &expected);
    let text = again.failure("contract::update_user_profile::not_server_error");
    assert!(text.contains("Found by case 2 of 2: from "), "{text}");

    // The clean service passes the same cases and the remembered one.
    let clean = cargo_test(
        "user-service",
        "contract",
        &[remember, ("CONTRACTGATE_CASES", "20")],
    );
    assert_eq!(clean.code, Some(0), "{}", clean.output);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_update_the_store_does_not_keep_fails_read_after_write() {
    let run = run("settings-stale");
    assert_failed(&run, &["contract::update_user_settings::read_after_write"]);
    let text = run.failure("contract::update_user_settings::read_after_write");
    assert!(
        text.contains("read_after_write failed: a resource just updated reads back other values"),
        "{text}"
    );
    assert!(
        text.contains("`theme`: sent \"dark\", read \"system\""),
        "{text}"
    );
    assert!(text.contains("GET /user/settings"), "{text}");
}

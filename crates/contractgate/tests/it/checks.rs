//! Every check: one server that keeps the contract (the check passes) and one that breaks it (the
//! check fails, and the failure text is snapshotted).

use std::time::Duration;

use contractgate::{Check, Outcome, Settings};

use crate::support::{Behaviour, Profile, fails, harness, passes, run, snapshot};

fn check_pair(check: Check, broken: Profile, name: &str) {
    let good = harness(Behaviour::good(), Settings::default());
    passes(&run(&good, "getUserProfile", check));
    let bad = harness(Behaviour::profile(broken), Settings::default());
    let text = fails(&run(&bad, "getUserProfile", check));
    assert!(text.starts_with(&format!("{check} failed: ")), "{text}");
    snapshot(name, &text);
}

#[test]
fn not_server_error() {
    check_pair(
        Check::NotServerError,
        Profile::ServerError,
        "not_server_error",
    );
}

#[test]
fn route_identity() {
    check_pair(
        Check::RouteIdentity,
        Profile::SettingsBody,
        "route_identity",
    );
}

#[test]
fn status_code_conformance() {
    check_pair(
        Check::StatusCodeConformance,
        Profile::UndocumentedStatus,
        "status_code_conformance",
    );
}

#[test]
fn content_type_conformance() {
    check_pair(
        Check::ContentTypeConformance,
        Profile::WrongContentType,
        "content_type_conformance",
    );
}

#[test]
fn response_schema_conformance_missing_field() {
    check_pair(
        Check::ResponseSchemaConformance,
        Profile::MissingField,
        "response_schema_missing_field",
    );
}

#[test]
fn response_schema_conformance_wrong_types() {
    let bad = harness(Behaviour::profile(Profile::WrongType), Settings::default());
    let text = fails(&run(
        &bad,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    ));
    assert!(
        text.contains("`type` at /id (schema /properties/id/type)"),
        "{text}"
    );
    assert!(text.contains("`format` at /email"), "{text}");
    snapshot("response_schema_wrong_types", &text);
}

#[test]
fn response_schema_conformance_names_a_route_mix_up() {
    let bad = harness(
        Behaviour::profile(Profile::SettingsBody),
        Settings::default(),
    );
    let text = fails(&run(
        &bad,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    ));
    assert!(
        text.contains(
            "Likely cause: this looks like the response of GET /user/settings (operationId getUserSettings): a route mix-up?"
        ),
        "{text}"
    );
    snapshot("response_schema_route_mix_up", &text);
}

#[test]
fn response_schema_conformance_non_json_body() {
    let bad = harness(Behaviour::profile(Profile::NotJson), Settings::default());
    let text = fails(&run(
        &bad,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    ));
    snapshot("response_schema_not_json", &text);
}

#[test]
fn response_schema_conformance_body_over_the_cap() {
    let mut settings = Settings::default();
    settings.http.max_body_bytes = 1024;
    let bad = harness(Behaviour::profile(Profile::Huge), settings);
    let r = run(&bad, "getUserProfile", Check::ResponseSchemaConformance);
    let failure = r.failure().unwrap();
    assert!(failure.response.as_ref().unwrap().truncated);
    assert_eq!(failure.response.as_ref().unwrap().body_len, 1024);
    snapshot("response_schema_over_cap", &fails(&r));
    // The other checks still judge the cut response.
    passes(&run(&bad, "getUserProfile", Check::StatusCodeConformance));
}

#[test]
fn undeclared_properties_warn_or_fail_when_strict() {
    let lenient = harness(
        Behaviour::profile(Profile::ExtraProperty),
        Settings::default(),
    );
    let r = run(&lenient, "getUserProfile", Check::ResponseSchemaConformance);
    match &r.outcome {
        Outcome::Passed { warnings } => assert_eq!(
            warnings,
            &[
                "undeclared property /password_hash: the documented schema does not list it"
                    .to_owned()
            ]
        ),
        other => panic!("expected a pass with a warning, got {other:?}"),
    }
    let strict = harness(
        Behaviour::profile(Profile::ExtraProperty),
        Settings {
            strict_properties: true,
            ..Settings::default()
        },
    );
    let text = fails(&run(
        &strict,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    ));
    snapshot("response_schema_strict_properties", &text);
}

#[test]
fn response_headers_conformance() {
    check_pair(
        Check::ResponseHeadersConformance,
        Profile::MissingHeader,
        "response_headers_conformance",
    );
}

#[test]
fn auth_enforced() {
    check_pair(Check::AuthEnforced, Profile::NoAuth, "auth_enforced");
}

#[test]
fn latency_budget() {
    let budget = |ms| Settings {
        latency_budget: Some(Duration::from_millis(ms)),
        ..Settings::default()
    };
    let good = harness(Behaviour::good(), budget(30_000));
    passes(&run(&good, "getUserProfile", Check::LatencyBudget));
    let slow = harness(Behaviour::profile(Profile::Slow), budget(50));
    let text = fails(&run(&slow, "getUserProfile", Check::LatencyBudget));
    snapshot("latency_budget", &text);
}

#[test]
fn method_not_allowed() {
    let good = harness(Behaviour::good(), Settings::default());
    let r = contractgate::block_on(good.check_path("/user/profile"));
    passes(&r);
    let sloppy = harness(
        Behaviour {
            sloppy_methods: true,
            ..Behaviour::good()
        },
        Settings::default(),
    );
    let r = contractgate::block_on(sloppy.check_path("/user/profile"));
    let text = fails(&r);
    snapshot("method_not_allowed", &text);
}

#[test]
fn negative_data_rejection() {
    let good = harness(Behaviour::good(), Settings::default());
    passes(&run(&good, "createItem", Check::NegativeDataRejection));
    let sloppy = harness(
        Behaviour {
            accept_invalid_items: true,
            ..Behaviour::good()
        },
        Settings::default(),
    );
    let text = fails(&run(&sloppy, "createItem", Check::NegativeDataRejection));
    assert!(
        text.contains(
            "Received: 201 to a request with the body without its required property `name`"
        ),
        "{text}"
    );
    snapshot("negative_data_rejection", &text);
    let r = run(&good, "getUserProfile", Check::NegativeDataRejection);
    assert_eq!(
        r.outcome,
        Outcome::NotApplicable {
            reason: "no JSON request body or required query parameter to break".into()
        }
    );
}

#[test]
fn request_bodies_and_path_parameters_reach_the_handler() {
    let good = harness(Behaviour::good(), Settings::default());
    for check in [
        Check::StatusCodeConformance,
        Check::ResponseSchemaConformance,
        Check::ContentTypeConformance,
    ] {
        passes(&run(&good, "createItem", check));
        passes(&run(&good, "getItem", check));
    }
}

#[test]
fn a_rejected_positive_request_is_not_a_pass() {
    let rejecting = harness(
        Behaviour {
            reject_items: true,
            ..Behaviour::good()
        },
        Settings::default(),
    );
    let r = run(&rejecting, "createItem", Check::StatusCodeConformance);
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.starts_with("not exercised: the server answered the documented 422 Unprocessable Content to the request built from the spec, so the route was not exercised"),
        "{text}"
    );
    snapshot("request_rejected", &text);
}

#[test]
fn missing_credentials_are_named_when_the_request_is_rejected() {
    let h = std::sync::Arc::new(crate::support::api());
    let url = crate::support::serve(crate::support::router(Behaviour::good()));
    let no_creds = contractgate::Harness::new(h, contractgate::Target::new(url).unwrap());
    let r = run(
        &no_creds,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    );
    assert!(matches!(r.outcome, Outcome::NotExercised(_)), "{r}");
    assert!(
        r.to_string()
            .contains("No credentials are configured for the operation's security (bearerAuth)"),
        "{r}"
    );
}

#[test]
fn checks_that_cannot_apply_say_why() {
    let good = harness(Behaviour::good(), Settings::default());
    let r = run(&good, "createItem", Check::AuthEnforced);
    assert_eq!(
        r.outcome,
        Outcome::NotApplicable {
            reason: "the operation is not secured".into()
        }
    );
    let r = run(&good, "getUserProfile", Check::LatencyBudget);
    assert_eq!(
        r.to_string(),
        "latency_budget does not apply: no latency budget is configured (set `latency_budget_ms` in the environment) (GET /user/profile (operationId getUserProfile): The current user's profile)"
    );
    let r = run(&good, "getUserSettings", Check::ResponseHeadersConformance);
    assert!(matches!(r.outcome, Outcome::NotApplicable { .. }), "{r}");
}

#[test]
fn read_only_environments_skip_unsafe_methods_by_name() {
    let ro = harness(
        Behaviour::good(),
        Settings {
            read_only: true,
            ..Settings::default()
        },
    );
    let r = run(&ro, "createItem", Check::NotServerError);
    assert_eq!(
        r.to_string(),
        "not_server_error skipped: read-only environment (POST /items (operationId createItem))"
    );
    passes(&run(&ro, "getUserProfile", Check::NotServerError));
}

#[test]
fn configuration_turns_checks_off_and_skips_operations() {
    let mut settings = Settings {
        disabled: vec![Check::StatusCodeConformance],
        ..Settings::default()
    };
    settings
        .skip
        .insert("getItem".into(), "needs a seeded database".into());
    let h = harness(Behaviour::profile(Profile::UndocumentedStatus), settings);
    let r = run(&h, "getUserProfile", Check::StatusCodeConformance);
    assert_eq!(
        r.outcome,
        Outcome::Skipped {
            reason: "turned off in the configuration".into()
        }
    );
    let r = run(&h, "getItem", Check::NotServerError);
    assert_eq!(
        r.outcome,
        Outcome::Skipped {
            reason: "operation skipped by the configuration: needs a seeded database".into()
        }
    );
}

#[test]
fn one_exchange_serves_every_response_check() {
    let h = harness(
        Behaviour::profile(Profile::MissingHeader),
        Settings::default(),
    );
    let results = contractgate::block_on(h.check_operation("getUserProfile", &Check::ALL));
    let summary: Vec<String> = results
        .iter()
        .map(|r| {
            let o = match &r.outcome {
                Outcome::Passed { .. } => "passed",
                Outcome::Failed(_) => "failed",
                Outcome::NotExercised(_) => "not exercised",
                Outcome::Errored(_) => "errored",
                Outcome::Known { .. } => "known",
                Outcome::Skipped { .. } => "skipped",
                Outcome::NotApplicable { .. } => "not applicable",
            };
            format!("{}: {o}", r.check)
        })
        .collect();
    assert_eq!(
        summary,
        [
            "not_server_error: passed",
            "status_code_conformance: passed",
            "content_type_conformance: passed",
            "response_schema_conformance: passed",
            "route_identity: passed",
            "response_headers_conformance: failed",
            "method_not_allowed: not applicable",
            "auth_enforced: passed",
            "negative_data_rejection: not applicable",
            "latency_budget: not applicable",
            "resource_availability: not applicable",
            "use_after_free: not applicable",
            "read_after_write: not applicable",
        ]
    );
}

#[test]
fn a_permissive_schema_still_names_the_route_mix_up() {
    let mut api = crate::support::api();
    api.operations[0].responses[0].content["application/json"].schema = Some(serde_json::json!({
        "type": "object",
        "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "email": {"type": "string"}}
    }));
    let url = crate::support::serve(crate::support::router(Behaviour::profile(
        Profile::SettingsBody,
    )));
    let hint = "this looks like the response of GET /user/settings (operationId getUserSettings): a route mix-up?";
    let lenient = contractgate::Harness::new(
        std::sync::Arc::new(api.clone()),
        crate::support::target(&url, Settings::default()),
    );
    // The schema check only warns; route_identity fails, with the route named.
    match run(&lenient, "getUserProfile", Check::ResponseSchemaConformance).outcome {
        Outcome::Passed { warnings } => assert_eq!(
            warnings,
            [
                "undeclared property /theme: the documented schema does not list it",
                "undeclared property /notifications: the documented schema does not list it"
            ]
        ),
        other => panic!("expected a pass with warnings, got {other:?}"),
    }
    let text = fails(&run(&lenient, "getUserProfile", Check::RouteIdentity));
    assert!(text.contains(&format!("Likely cause: {hint}")), "{text}");
    let strict = contractgate::Harness::new(
        std::sync::Arc::new(api),
        crate::support::target(
            &url,
            Settings {
                strict_properties: true,
                ..Settings::default()
            },
        ),
    );
    let text = fails(&run(
        &strict,
        "getUserProfile",
        Check::ResponseSchemaConformance,
    ));
    assert!(text.contains(&format!("Likely cause: {hint}")), "{text}");
    assert!(text.contains("undeclared property /theme"), "{text}");
}

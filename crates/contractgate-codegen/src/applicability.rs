//! Which checks get a test for which operation. Only checks that can fail are generated: a test
//! that can only pass would be noise in `cargo test` output (STYLE.md §9.4 rule 5).
//!
//! The harness decides again at run time from the actual response (a check that turns out not to
//! apply says so and passes); these rules only use what the spec says.

use contractgate_spec::ir::{Operation, StatusSpec};
use contractgate_spec::is_json;

/// The checks codegen knows, by their names in DESIGN.md, with the `contractgate::Check` variant
/// each one calls. `method_not_allowed` is per path and handled separately.
pub const OPERATION_CHECKS: [(&str, &str); 9] = [
    ("not_server_error", "NotServerError"),
    ("status_code_conformance", "StatusCodeConformance"),
    ("content_type_conformance", "ContentTypeConformance"),
    ("response_schema_conformance", "ResponseSchemaConformance"),
    ("route_identity", "RouteIdentity"),
    ("response_headers_conformance", "ResponseHeadersConformance"),
    ("auth_enforced", "AuthEnforced"),
    ("negative_data_rejection", "NegativeDataRejection"),
    ("latency_budget", "LatencyBudget"),
];

/// The per-path check.
pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";

/// Every check name codegen accepts in [`crate::Settings::with_checks`].
pub fn known_checks() -> Vec<&'static str> {
    let mut names: Vec<&str> = OPERATION_CHECKS.iter().map(|(n, _)| *n).collect();
    names.push(METHOD_NOT_ALLOWED);
    names
}

/// The checks generated when the user does not choose: all but `latency_budget`, which needs a
/// budget from the environment's configuration to mean anything, and `negative_data_rejection`,
/// which sends requests that break the schema (to a shared environment, a choice to make
/// explicitly).
pub fn default_checks() -> Vec<&'static str> {
    known_checks()
        .into_iter()
        .filter(|c| !matches!(*c, "latency_budget" | "negative_data_rejection"))
        .collect()
}

/// Whether `check` can fail for `op`, judged from the spec alone.
pub fn applies(check: &str, op: &Operation) -> bool {
    match check {
        // Any 5xx fails, documented or not.
        "not_server_error" => true,
        // With `default` documented, every status conforms, unless success codes are listed
        // (then a 2xx only `default` covers fails).
        "status_code_conformance" => {
            !op.responses.iter().any(|r| r.status == StatusSpec::Default)
                || op.success_responses().next().is_some()
        }
        "content_type_conformance" => op.responses.iter().any(|r| !r.content.is_empty()),
        "response_schema_conformance" => op.responses.iter().any(|r| {
            r.content
                .iter()
                .any(|(media, mt)| is_json(media) && mt.schema.is_some())
        }),
        // Needs a 2xx JSON schema that declares properties somewhere.
        "route_identity" => op.success_responses().any(|r| {
            r.content.iter().any(|(media, mt)| {
                is_json(media)
                    && mt
                        .schema
                        .as_ref()
                        .is_some_and(|s| s.to_string().contains("\"properties\""))
            })
        }),
        "response_headers_conformance" => op
            .responses
            .iter()
            .any(|r| r.headers.values().any(|h| h.required || h.schema.is_some())),
        "auth_enforced" => !op.security.is_empty() && !op.security.iter().any(|r| r.is_anonymous()),
        // Something to break: a request body or a parameter with a schema.
        "negative_data_rejection" => {
            op.request_body
                .as_ref()
                .is_some_and(|b| b.content.values().any(|mt| mt.schema.is_some()))
                || op.parameters.iter().any(|p| p.schema.is_some())
        }
        "latency_budget" => true,
        _ => false,
    }
}

/// One line saying what the check verifies, for the test's doc comment.
pub fn describe(check: &str) -> &'static str {
    match check {
        "not_server_error" => "Fails on a 5xx response, documented or not.",
        "status_code_conformance" => {
            "Fails when the status is not one of the documented responses."
        }
        "content_type_conformance" => {
            "Fails when the Content-Type is not documented for that status, or a documented body is missing."
        }
        "response_schema_conformance" => {
            "Fails when the body does not match the documented schema."
        }
        "route_identity" => "Fails when the body is another route's answer (a route mix-up).",
        "response_headers_conformance" => {
            "Fails when a required documented header is missing or invalid."
        }
        "auth_enforced" => "Fails when the operation answers 2xx without credentials.",
        "negative_data_rejection" => {
            "Fails when a request that violates the schema is accepted with 2xx."
        }
        "latency_budget" => "Fails when the response takes longer than the configured budget.",
        "method_not_allowed" => {
            "Fails when an undocumented method on this path answers 2xx or 5xx instead of 404/405, or 405 without Allow."
        }
        _ => "",
    }
}

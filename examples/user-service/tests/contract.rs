//! The contract tests generated from `openapi.yaml` by build.rs, run against this service started
//! in-process (once per test binary, on 127.0.0.1 with a free port).
//!
//! `USER_SERVICE_FAULT=route-mixup cargo test -p user-service --test contract` reproduces the
//! incident: GET /user/profile served by the settings handler.

use contractgate::custom::Observed;
use contractgate::{Credentials, Finding, InProcess, Secret, Target, TargetError};

static SERVICE: InProcess = InProcess::new();

fn service(_: &contractgate::Api) -> Result<Target, TargetError> {
    let state =
        user_service::AppState::from_env().map_err(|e| TargetError::InProcess(e.to_string()))?;
    let target = SERVICE.target(|listener| async move {
        let _ = user_service::serve(listener, state).await;
    })?;
    // The demo token, shown as $USER_SERVICE_TOKEN in every curl line and report.
    Ok(target.with_credentials(
        "bearerAuth",
        Credentials::Bearer(Secret {
            env_var: "USER_SERVICE_TOKEN".into(),
            value: Some(user_service::DEMO_TOKEN.into()),
        }),
    ))
}

/// The team's logging contract, which the spec does not state: every response carries an
/// `x-request-id` (support looks requests up by it).
fn x_request_id(seen: &Observed<'_>) -> Option<Finding> {
    let id = seen.response.header("x-request-id").unwrap_or_default();
    id.is_empty().then(|| {
        Finding::new("the response has no x-request-id header")
            .received(format!("{} without x-request-id", seen.response.status))
            .documented("every response carries x-request-id (the team's logging contract)")
    })
}

/// `GET /user/profile` answers with the caller's own profile: the demo token's user, with the
/// email a profile has. (Not a particular email: the update tests, and their generated cases,
/// change it while this test runs.)
fn profile_is_callers(seen: &Observed<'_>) -> Option<Finding> {
    if !(200..300).contains(&seen.response.status) {
        // Not this check's business: the built-in checks judge other statuses.
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(&seen.response.body).unwrap_or_default();
    let id = body.get("id").and_then(|e| e.as_str());
    let email = body.get("email").and_then(|e| e.as_str());
    let received = match (id, email) {
        (Some(user_service::DEMO_USER_ID), Some(_)) => return None,
        (Some(user_service::DEMO_USER_ID), None) => "email missing".to_owned(),
        (other, _) => format!(
            "id {}",
            other.map_or("missing".into(), |i| format!("`{i}`"))
        ),
    };
    Some(
        Finding::new("the profile is not the caller's")
            .received(received)
            .documented(format!(
                "the profile of the token's user (id {}), with its email",
                user_service::DEMO_USER_ID
            )),
    )
}

contractgate::include_tests!(
    "openapi",
    target = service,
    checks = [x_request_id, profile_is_callers("getUserProfile"),]
);

//! Generated tests for `permissive/openapi.yaml`, against the incident example's service
//! in-process, with `strict_properties` on: properties the documented schema does not declare
//! fail `response_schema_conformance`. Run by `tests/incident.rs` with each fault.

use contractgate::{Credentials, InProcess, Secret, Target, TargetError};

static SERVICE: InProcess = InProcess::new();

fn service(_: &contractgate::Api) -> Result<Target, TargetError> {
    let state =
        user_service::AppState::from_env().map_err(|e| TargetError::InProcess(e.to_string()))?;
    let mut target = SERVICE.target(|listener| async move {
        let _ = user_service::serve(listener, state).await;
    })?;
    target.settings.strict_properties = true;
    Ok(target.with_credentials(
        "bearerAuth",
        Credentials::Bearer(Secret {
            env_var: "USER_SERVICE_TOKEN".into(),
            value: Some(user_service::DEMO_TOKEN.into()),
        }),
    ))
}

contractgate::include_tests!("permissive", target = service);

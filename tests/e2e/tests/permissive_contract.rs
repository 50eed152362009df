//! Generated tests for `permissive/openapi.yaml`, against the incident example's service
//! in-process, with the default settings (`strict_properties` off): a settings document passes
//! the permissive profile schema, and `route_identity` still fails it. Run by
//! `tests/incident.rs` with each fault.

use contractgate::{Credentials, InProcess, Secret, Target, TargetError};

static SERVICE: InProcess = InProcess::new();

fn service(_: &contractgate::Api) -> Result<Target, TargetError> {
    let state =
        user_service::AppState::from_env().map_err(|e| TargetError::InProcess(e.to_string()))?;
    let target = SERVICE.target(|listener| async move {
        let _ = user_service::serve(listener, state).await;
    })?;
    Ok(target.with_credentials(
        "bearerAuth",
        Credentials::Bearer(Secret {
            env_var: "USER_SERVICE_TOKEN".into(),
            value: Some(user_service::DEMO_TOKEN.into()),
        }),
    ))
}

contractgate::include_tests!("permissive", target = service);

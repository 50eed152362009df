//! The contract tests generated from `openapi.yaml` by build.rs, run against this service started
//! in-process (once per test binary, on 127.0.0.1 with a free port).
//!
//! `USER_SERVICE_FAULT=route-mixup cargo test -p user-service --test contract` reproduces the
//! incident: GET /user/profile served by the settings handler.

use contractgate::{Credentials, InProcess, Secret, Target, TargetError};

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

contractgate::include_tests!("openapi", target = service);

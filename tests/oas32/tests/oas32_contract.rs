//! The generated contract tests of the OpenAPI 3.2 fixture, against the service started
//! in-process. `OAS32_FAULT` chooses a broken variant (see `oas32_e2e::Fault`); the end-to-end
//! test in `tests/e2e` runs this binary once per fault and checks which tests fail and why.

static APP: contractgate::InProcess = contractgate::InProcess::new();

fn events(_: &contractgate::Api) -> Result<contractgate::Target, contractgate::TargetError> {
    let fault = oas32_e2e::Fault::from_env().map_err(contractgate::TargetError::InProcess)?;
    APP.target(move |listener| async move {
        let _ = axum::serve(listener, oas32_e2e::app(fault)).await;
    })
}

contractgate::include_tests!("oas32", target = events);

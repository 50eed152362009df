//! The generated contract tests, against the petstore started in-process. `PETSTORE_FAULT`
//! chooses a broken variant (see `petstore_e2e::Fault`); the end-to-end test in `tests/e2e` runs
//! this binary once per fault and checks which tests fail and why.

static APP: contractgate::InProcess = contractgate::InProcess::new();

fn petstore(_: &contractgate::Api) -> Result<contractgate::Target, contractgate::TargetError> {
    let fault = petstore_e2e::Fault::from_env().map_err(contractgate::TargetError::InProcess)?;
    APP.target(move |listener| async move {
        let _ = axum::serve(listener, petstore_e2e::app(fault)).await;
    })
}

contractgate::include_tests!("petstore", target = petstore);

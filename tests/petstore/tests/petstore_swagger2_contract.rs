//! The tests generated from the Swagger 2.0 version of the petstore (converted to OpenAPI 3.0 at
//! load time), against the same in-process server as `petstore_contract.rs`: a 2.0 spec goes
//! through the whole pipeline, not only the loader.

static APP: contractgate::InProcess = contractgate::InProcess::new();

fn petstore(_: &contractgate::Api) -> Result<contractgate::Target, contractgate::TargetError> {
    let fault = petstore_e2e::Fault::from_env().map_err(contractgate::TargetError::InProcess)?;
    APP.target(move |listener| async move {
        let _ = axum::serve(listener, petstore_e2e::app(fault)).await;
    })
}

contractgate::include_tests!("petstore_swagger2", target = petstore);

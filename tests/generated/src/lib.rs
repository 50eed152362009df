//! Every codegen snapshot (`crates/contractgate-codegen/tests/output/*.rs`), compiled and linted as
//! a user's crate would compile it. A snapshot that does not compile, or that trips a lint under
//! `cargo clippy --all-targets -- -D warnings`, fails CI.
//!
//! Each one is included the way `contractgate::include_tests!` includes generated tests: inside a
//! module that defines `TARGET`.

/// The target of every snapshot: the environment (`CONTRACTGATE_BASE_URL`, ...). The tests are
/// never run here; they only have to compile.
pub fn target(api: &contractgate::Api) -> Result<contractgate::Target, contractgate::TargetError> {
    contractgate::Resolve::new().target(Some(api))
}

macro_rules! snapshots {
    ($($name:ident)*) => {
        $(
            #[doc = concat!("`crates/contractgate-codegen/tests/output/", stringify!($name), ".rs`")]
            // Outside `cfg(test)` the tests vanish and `run`/`TARGET` are unused.
            #[allow(dead_code)]
            pub mod $name {
                const TARGET: fn(
                    &::contractgate::Api,
                ) -> Result<::contractgate::Target, ::contractgate::TargetError> = super::target;

                include!(concat!(
                    "../../../crates/contractgate-codegen/tests/output/",
                    stringify!($name),
                    ".rs"
                ));
            }
        )*
    };
}

snapshots! {
    collisions
    reserved
    no_operation_id
    ranges
    default
    multi_file
    recursive
    unsupported
    secured
    undeclared_path_param
    api_with_examples
    callback_example
    link_example
    petstore_expanded
    petstore_expanded_all_checks
    petstore
    uspto
    webhook_example
    buildomat
    keeper
    nexus
    param_collision
    param_overrides
    propolis_server
}

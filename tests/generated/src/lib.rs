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
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../crates/contractgate-codegen/tests/output/",
                    stringify!($name),
                    ".rs"
                ));
            }
        )*
    };
}

// One module per file of `crates/contractgate-codegen/tests/output/` (listed by `build.rs`).
include!(concat!(env!("OUT_DIR"), "/snapshot_list.rs"));

//! Every codegen snapshot (`crates/contractgate-codegen/tests/output/*.rs`), compiled and linted as
//! a user's crate would compile it. A snapshot that does not compile, or that trips a lint under
//! `cargo clippy --all-targets -- -D warnings`, fails CI.
//!
//! Each one is included by `contractgate::include_tests!` itself (its `@module` arm), exactly as a
//! user's generated tests are.

/// The target of every snapshot: the environment (`CONTRACTGATE_BASE_URL`, ...). The tests are
/// never run here; they only have to compile.
pub fn target(api: &contractgate::Api) -> Result<contractgate::Target, contractgate::TargetError> {
    contractgate::Resolve::new().target(Some(api))
}

macro_rules! snapshots {
    ($($name:ident)*) => {
        $(
            contractgate::include_tests!(
                @module $name,
                concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../../crates/contractgate-codegen/tests/output/",
                    stringify!($name),
                    ".rs"
                ),
                target = target
            );
        )*
    };
}

// One module per file of `crates/contractgate-codegen/tests/output/` (listed by `build.rs`).
include!(concat!(env!("OUT_DIR"), "/snapshot_list.rs"));

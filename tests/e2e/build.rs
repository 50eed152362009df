//! Generates the contract tests of the permissive variant of the incident example's spec (see
//! `permissive/openapi.yaml` and `tests/permissive_contract.rs`).
fn main() {
    contractgate_codegen::Build::new("permissive/openapi.yaml")
        .name("permissive")
        .emit();
}

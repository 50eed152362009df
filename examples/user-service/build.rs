//! Generates one contract test per route and check from `openapi.yaml` (see tests/contract.rs).
fn main() {
    contractgate_codegen::Build::new("openapi.yaml").emit();
}

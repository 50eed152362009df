//! The whole build.rs integration a user writes: one call.
fn main() {
    contractgate_codegen::Build::new("../../specs/oai/petstore-expanded.yaml")
        .name("petstore")
        .emit();
}

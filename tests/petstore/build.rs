//! The whole build.rs integration a user writes: one call per spec. The same API is generated
//! twice: from the OpenAPI 3.0 document, and from its Swagger 2.0 original (converted at load
//! time), and both sets of tests run against the same server.
fn main() {
    contractgate_codegen::Build::new("../../specs/oai/petstore-expanded.yaml")
        .name("petstore")
        .emit();
    contractgate_codegen::Build::new(
        "../../crates/contractgate-spec/tests/fixtures/swagger2/oai/petstore-expanded.yaml",
    )
    .name("petstore_swagger2")
    .emit();
}

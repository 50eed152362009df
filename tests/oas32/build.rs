//! One call: the OpenAPI 3.2 fixture that has every construct contractgate reads.
fn main() {
    contractgate_codegen::Build::new(
        "../../crates/contractgate-spec/tests/fixtures/oas32/every-construct.yaml",
    )
    .name("oas32")
    .emit();
}

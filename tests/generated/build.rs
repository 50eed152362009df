//! Writes the IR JSON each snapshot embeds into `$OUT_DIR/contractgate/<stem>.json`, from the same
//! fixture specs the snapshots were generated from. The snapshots themselves are not regenerated
//! here: `src/lib.rs` includes the committed files, so what is compiled is what is reviewed.

use std::path::Path;

fn main() {
    let codegen = Path::new("../../crates/contractgate-codegen");
    let list = std::fs::read_to_string(codegen.join("tests/output.rs"))
        .unwrap_or_else(|e| fail(&format!("cannot read the snapshot list: {e}")));
    println!("cargo:rerun-if-changed=../../crates/contractgate-codegen/tests/output.rs");
    // Lines such as `    petstore: "../../specs/oai/petstore.yaml";` inside `snapshots! { ... }`.
    for line in list.lines() {
        let line = line.trim();
        let Some((stem, rest)) = line.split_once(": \"") else {
            continue;
        };
        let Some(spec) = rest.strip_suffix("\";") else {
            continue;
        };
        let spec = codegen.join(spec);
        let generated = contractgate_codegen::Build::new(&spec)
            .name(stem)
            .try_emit()
            .unwrap_or_else(|e| fail(&format!("{}: {e}", spec.display())));
        // Only the JSON is used; the freshly generated .rs is compared by the codegen tests.
        let _ = generated;
    }
    // The all-checks variant of petstore-expanded (see `petstore_expanded_all_checks` there).
    contractgate_codegen::Build::new(codegen.join("../../specs/oai/petstore-expanded.yaml"))
        .name("petstore_expanded_all_checks")
        .checks(contractgate_codegen::Check::ALL)
        .try_emit()
        .unwrap_or_else(|e| fail(&format!("petstore_expanded_all_checks: {e}")));
}

fn fail(msg: &str) -> ! {
    eprintln!("contractgate-generated: {msg}");
    std::process::exit(1)
}

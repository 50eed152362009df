//! Snapshots of the generated source, one test per fixture so every mismatch is reported. Bless
//! with `EXPECTORATE=overwrite cargo test -p contractgate-codegen`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_codegen::{Check, Generator, Settings};

fn snapshot(spec: &str, stem: &str) {
    let loaded = contractgate_spec::load(spec).unwrap_or_else(|d| panic!("{spec}:\n{d}"));
    let mut settings = Settings::default();
    settings.with_ir_file_name(format!("{stem}.json"));
    let (source, _) = Generator::new(&settings)
        .generate_source(&loaded.api)
        .unwrap();
    // Same spec in, same bytes out.
    let (again, _) = Generator::new(&settings)
        .generate_source(&loaded.api)
        .unwrap();
    assert_eq!(source, again);
    expectorate::assert_contents(format!("tests/output/{stem}.rs"), &source);
}

macro_rules! snapshots {
    ($($name:ident: $spec:expr;)*) => {
        $(
            #[test]
            fn $name() {
                snapshot($spec, stringify!($name));
            }
        )*
    };
}

snapshots! {
    collisions: "tests/fixtures/collisions.yaml";
    reserved: "tests/fixtures/reserved.yaml";
    no_operation_id: "tests/fixtures/no-operation-id.yaml";
    ranges: "tests/fixtures/ranges.yaml";
    default: "tests/fixtures/default.yaml";
    multi_file: "tests/fixtures/multi-file/openapi.yaml";
    recursive: "tests/fixtures/recursive.yaml";
    unsupported: "tests/fixtures/unsupported.yaml";
    secured: "tests/fixtures/secured.yaml";
    undeclared_path_param: "tests/fixtures/undeclared-path-param.yaml";
    oas32: "tests/fixtures/oas32.yaml";
    api_with_examples: "../../specs/oai/api-with-examples.yaml";
    callback_example: "../../specs/oai/callback-example.yaml";
    link_example: "../../specs/oai/link-example.yaml";
    petstore_expanded: "../../specs/oai/petstore-expanded.yaml";
    petstore: "../../specs/oai/petstore.yaml";
    uspto: "../../specs/oai/uspto.yaml";
    webhook_example: "../../specs/oai/webhook-example.yaml";
    buildomat: "../../specs/oxide/buildomat.json";
    keeper: "../../specs/oxide/keeper.json";
    nexus: "../../specs/oxide/nexus.json";
    param_collision: "../../specs/oxide/param-collision.json";
    param_overrides: "../../specs/oxide/param-overrides.json";
    propolis_server: "../../specs/oxide/propolis-server.json";
}

/// Opting in to every check (a settings variant: its own snapshot file).
#[test]
fn petstore_expanded_all_checks() {
    let loaded = contractgate_spec::load("../../specs/oai/petstore-expanded.yaml").unwrap();
    let mut settings = Settings::default();
    settings
        .with_checks(Check::ALL)
        .with_ir_file_name("petstore_expanded_all_checks.json");
    let (source, stats) = Generator::new(&settings)
        .generate_source(&loaded.api)
        .unwrap();
    assert_eq!(stats.operations, 4);
    assert!(source.contains("fn negative_data_rejection()"));
    assert!(source.contains("fn latency_budget()"));
    expectorate::assert_contents("tests/output/petstore_expanded_all_checks.rs", &source);
}

#[test]
fn unknown_check_names_are_refused_with_the_valid_names() {
    // Settings are typed; a name from text is parsed against the catalogue, in its order.
    let err = "not_a_check".parse::<Check>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown check `not_a_check`; valid checks: not_server_error, status_code_conformance, content_type_conformance, response_schema_conformance, route_identity, response_headers_conformance, method_not_allowed, auth_enforced, negative_data_rejection, latency_budget, resource_availability, use_after_free, read_after_write"
    );
}

#[test]
fn every_bad_selector_of_a_build_is_reported() {
    let out = std::env::temp_dir().join(format!("cg-selectors-{}", std::process::id()));
    let err = contractgate_codegen::Build::new("../../specs/oai/petstore.yaml")
        .include("")
        .exclude("path:pets")
        .include("listPets")
        .out_dir(&out)
        .try_emit()
        .unwrap_err()
        .to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("include(\"\"): "), "{err}");
    assert!(lines[1].starts_with("exclude(\"path:pets\"): "), "{err}");
}

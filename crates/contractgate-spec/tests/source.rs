//! Tests of `contractgate_spec::source`: reading YAML/JSON into a value plus positions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_spec::diag::Diagnostic;
use contractgate_spec::source::{Document, Format, parse};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/source")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn ok(file: &str, text: &str) -> Document {
    match parse(file, text) {
        Ok(doc) => doc,
        Err(errors) => panic!("{file} did not parse:\n{}", render(&errors)),
    }
}

fn errs(file: &str, text: &str) -> Vec<Diagnostic> {
    match parse(file, text) {
        Ok(doc) => panic!("{file} parsed, expected an error: {}", doc.value),
        Err(errors) => {
            assert!(!errors.is_empty(), "{file}: Err with no diagnostics");
            errors
        }
    }
}

fn render(errors: &[Diagnostic]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// (line, column) of a pointer, asserting it is known exactly.
fn at(doc: &Document, pointer: &str) -> (u32, u32) {
    doc.position(pointer)
        .unwrap_or_else(|| panic!("{}: no position for {pointer:?}", doc.file))
}

#[test]
fn yaml_and_json_of_the_same_document_are_equal_with_correct_positions() {
    let yaml = ok("mini.yaml", &fixture("mini.yaml"));
    let json = ok("mini.json", &fixture("mini.json"));
    assert_eq!(yaml.format, Format::Yaml);
    assert_eq!(json.format, Format::Json);
    assert_eq!(yaml.value, json.value);
    // Key order is kept.
    let keys: Vec<&String> = yaml.value["paths"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["/user/profile", "/a~b/{id}"]);
    let top: Vec<&String> = json.value.as_object().unwrap().keys().collect();
    assert_eq!(top, ["openapi", "info", "servers", "paths", "components"]);

    let profile = "/paths/~1user~1profile";
    let tilde = "/paths/~1a~0b~1{id}";
    let cases_yaml = [
        ("", (1, 1)),
        ("/openapi", (1, 1)),
        ("/servers/1", (7, 5)),
        ("/servers/1/description", (8, 5)),
        (profile, (10, 3)),
        ("/paths/~1user~1profile/get/parameters/0", (14, 11)),
        (
            "/paths/~1user~1profile/get/parameters/0/schema/minimum",
            (18, 13),
        ),
        ("/paths/~1user~1profile/get/responses/200", (20, 9)),
        (tilde, (24, 3)),
        ("/paths/~1a~0b~1{id}/delete/responses/204", (27, 9)),
        ("/components/schemas/Profile/required/1", (33, 22)),
        (
            "/components/schemas/Profile/properties/tags/items/enum/2",
            (39, 49),
        ),
    ];
    for (pointer, expected) in cases_yaml {
        assert_eq!(at(&yaml, pointer), expected, "yaml {pointer}");
    }
    let cases_json = [
        ("", (1, 1)),
        ("/openapi", (2, 3)),
        ("/servers/1", (9, 5)),
        ("/servers/1/description", (9, 35)),
        (profile, (12, 5)),
        ("/paths/~1user~1profile/get/parameters/0", (16, 11)),
        (
            "/paths/~1user~1profile/get/parameters/0/schema/minimum",
            (19, 44),
        ),
        ("/paths/~1user~1profile/get/responses/200", (23, 11)),
        (tilde, (28, 5)),
        ("/paths/~1a~0b~1{id}/delete/responses/204", (31, 11)),
        ("/components/schemas/Profile/required/1", (40, 28)),
        (
            "/components/schemas/Profile/properties/tags/items/enum/2",
            (46, 64),
        ),
    ];
    for (pointer, expected) in cases_json {
        assert_eq!(at(&json, pointer), expected, "json {pointer}");
    }

    // locate: exact, nearest ancestor, unknown root.
    let loc = yaml.locate(profile);
    assert_eq!(
        (
            loc.file.as_str(),
            loc.line,
            loc.column,
            loc.pointer.as_str()
        ),
        ("mini.yaml", 10, 3, profile)
    );
    assert_eq!(loc.to_string(), "mini.yaml:10:3 #/paths/~1user~1profile");
    let missing = "/paths/~1user~1profile/get/nothing/here";
    let loc = json.locate(missing);
    assert_eq!(
        (loc.line, loc.column, loc.pointer.as_str()),
        (13, 7, missing)
    );

    // Every node of both documents has a position, and every position names a node.
    assert_every_node_located(&yaml);
    assert_every_node_located(&json);
}

fn all_pointers(value: &Value, pointer: &mut String, out: &mut Vec<String>) {
    out.push(pointer.clone());
    let len = pointer.len();
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                pointer.push('/');
                pointer.push_str(&contractgate_spec::pointer::escape(k));
                all_pointers(v, pointer, out);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                pointer.push_str(&format!("/{i}"));
                all_pointers(v, pointer, out);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn assert_every_node_located(doc: &Document) {
    let mut pointers = Vec::new();
    all_pointers(&doc.value, &mut String::new(), &mut pointers);
    for p in &pointers {
        let (line, column) = at(doc, p);
        assert!(
            line > 0 && column > 0,
            "{}: {p:?} at {line}:{column}",
            doc.file
        );
    }
    assert_eq!(
        doc.position_count(),
        pointers.len(),
        "{}: extra positions",
        doc.file
    );
}

#[test]
fn yaml_1_1_traps_stay_strings() {
    let doc = ok(
        "traps.yaml",
        "a: yes\nb: on\nc: NO\nd: 014\ne: 1_000\nf: off\ng: y\nh: .inf\ni: -.inf\nj: .nan\nk: 0o14\nl: 0x1F\nm: true\nn: False\n",
    );
    assert_eq!(
        doc.value,
        json!({
            "a": "yes", "b": "on", "c": "NO", "d": "014", "e": "1_000", "f": "off", "g": "y",
            "h": ".inf", "i": "-.inf", "j": ".nan", "k": 12, "l": 31, "m": true, "n": false
        })
    );
}

#[test]
fn numbers_keep_their_kind_and_keys_become_strings() {
    let doc = ok(
        "nums.yaml",
        "openapi: 3.0\nversion: 1.10\nint: 42\nneg: -7\nbig: 18446744073709551615\nfloat: 0.5\n\
         responses:\n  200: {description: ok}\n  4XX: {description: client}\n  default: {}\n\
         flags:\n  true: yes\n  ~: null\n  1.50: x\n",
    );
    let v = &doc.value;
    assert!(v["openapi"].is_f64());
    assert_eq!(v["openapi"], json!(3.0));
    assert_eq!(v["version"], json!(1.1));
    assert!(v["int"].is_i64() && v["int"] == json!(42));
    assert_eq!(v["neg"], json!(-7));
    assert!(v["big"].is_u64() && v["big"] == json!(u64::MAX));
    assert!(v["float"].is_f64());
    let responses: Vec<&String> = v["responses"].as_object().unwrap().keys().collect();
    assert_eq!(responses, ["200", "4XX", "default"]);
    assert_eq!(v["flags"], json!({"true": "yes", "~": null, "1.50": "x"}));
    assert_eq!(at(&doc, "/responses/200"), (8, 3));
}

#[test]
fn merge_keys_are_applied_and_explicit_keys_win() {
    let doc = ok(
        "merge.yaml",
        "base: &base\n  type: object\n  description: base\nchild:\n  <<: *base\n  description: child\n",
    );
    assert_eq!(
        doc.value["child"],
        json!({"type": "object", "description": "child"})
    );
}

#[test]
fn duplicate_path_key_in_yaml_is_one_error_with_both_lines() {
    let errors = errs("dup-paths.yaml", &fixture("dup-paths.yaml"));
    assert_eq!(errors.len(), 1, "{}", render(&errors));
    let e = &errors[0];
    assert_eq!(e.code, "duplicate-key");
    assert_eq!((e.location.line, e.location.column), (16, 3));
    assert_eq!(e.location.pointer, "/paths/~1user~1profile");
    assert_eq!(e.related.len(), 1);
    assert_eq!(e.related[0].0, "first defined here");
    assert_eq!((e.related[0].1.line, e.related[0].1.column), (6, 3));
    let text = e.to_string();
    assert!(
        text.starts_with(
            "error[duplicate-key]: dup-paths.yaml:16:3 #/paths/~1user~1profile: duplicate key '/user/profile'\n  \
             first defined here: dup-paths.yaml:6:3 #/paths/~1user~1profile"
        ),
        "{text}"
    );
}

#[test]
fn duplicate_path_key_in_json_is_one_error_with_both_lines() {
    let errors = errs("dup-paths.json", &fixture("dup-paths.json"));
    assert_eq!(errors.len(), 1, "{}", render(&errors));
    let e = &errors[0];
    assert_eq!(e.code, "duplicate-key");
    assert_eq!(e.message, "duplicate key '/user/profile'");
    assert_eq!((e.location.line, e.location.column), (11, 5));
    assert_eq!(e.location.pointer, "/paths/~1user~1profile");
    assert_eq!((e.related[0].1.line, e.related[0].1.column), (5, 5));
    assert_eq!(e.related[0].1.pointer, "/paths/~1user~1profile");
}

#[test]
fn every_duplicate_is_reported() {
    let yaml = errs("two.yaml", "a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\na: 2\n");
    let got: Vec<_> = yaml
        .iter()
        .map(|e| {
            (
                e.location.pointer.as_str(),
                e.location.line,
                e.location.column,
                e.related[0].1.line,
            )
        })
        .collect();
    assert_eq!(
        got,
        [("/b/x", 5, 3, 3), ("/a", 6, 1, 1)],
        "{}",
        render(&yaml)
    );

    let json = errs(
        "two.json",
        "{\"a\": 1,\n \"b\": {\"x\": 1, \"y\": 2, \"x\": 3},\n \"a\": 2}",
    );
    let got: Vec<_> = json
        .iter()
        .map(|e| {
            let first = &e.related[0].1;
            (
                e.location.pointer.as_str(),
                e.location.line,
                e.location.column,
                first.line,
                first.column,
            )
        })
        .collect();
    assert_eq!(
        got,
        [("/b/x", 2, 24, 2, 8), ("/a", 3, 2, 1, 2)],
        "{}",
        render(&json)
    );

    // A duplicate inside the repeated value is found too, and a key repeated three times gives
    // two errors, each pointing back at the first.
    let nested = errs("nested.yaml", "a: {x: 1}\na:\n  y: 1\n  y: 2\na: 3\n");
    let got: Vec<_> = nested
        .iter()
        .map(|e| (e.location.pointer.as_str(), e.location.line))
        .collect();
    assert_eq!(
        got,
        [("/a", 2), ("/a/y", 4), ("/a", 5)],
        "{}",
        render(&nested)
    );
}

#[test]
fn json_escapes_in_keys_are_decoded_for_pointers_and_duplicates() {
    let doc = ok(
        "esc.json",
        "{\"a\\u002Fb\": 1, \"\\ud83d\\ude00\": 2, \"x\\\"y\\\\\": 3, \"é\": 4, \"z\": 5}",
    );
    assert_eq!(
        doc.value,
        json!({"a/b": 1, "😀": 2, "x\"y\\": 3, "é": 4, "z": 5})
    );
    assert_eq!(at(&doc, "/a~1b"), (1, 2));
    assert_eq!(at(&doc, "/😀"), (1, 17));
    assert_eq!(at(&doc, "/x\"y\\"), (1, 36));
    // Columns count characters, not bytes.
    assert_eq!(at(&doc, "/é"), (1, 49));
    assert_eq!(at(&doc, "/z"), (1, 57));

    let errors = errs("esc-dup.json", "{\"a\": 1, \"\\u0061\": 2}");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        (
            errors[0].location.pointer.as_str(),
            errors[0].location.column
        ),
        ("/a", 10)
    );
}

#[test]
fn yaml_syntax_errors_have_the_right_line() {
    let e = &errs(
        "bad.yaml",
        "openapi: 3.0.0\ninfo:\n  title: x\npaths:\n\t/a: {}\n",
    )[0];
    assert_eq!(e.code, "yaml-syntax");
    assert_eq!(e.location.line, 5, "{e}");
    assert_eq!(e.location.pointer, "");
    assert!(
        !e.message.contains("line"),
        "location repeated in message: {e}"
    );

    let e = &errs(
        "quote.yaml",
        "openapi: 3.0.0\ninfo:\n  title: x\n  version: \"1\npaths: {}\n",
    )[0];
    assert_eq!(e.code, "yaml-syntax");
    assert_eq!(e.location.line, 4, "{e}");

    let e = &errs("flow.yaml", "a: 1\nb: [1, 2\nc: 3\n")[0];
    assert_eq!(e.code, "yaml-syntax");
    assert_eq!(e.location.line, 3, "{e}");
}

#[test]
fn json_syntax_errors_have_the_right_line_and_column() {
    let e = &errs("bad.json", "{\n  \"a\": 1,\n  \"b\": [1, 2,],\n}\n")[0];
    assert_eq!(e.code, "json-syntax");
    assert_eq!((e.location.line, e.location.column), (3, 14), "{e}");
    assert!(
        !e.message.contains("line"),
        "location repeated in message: {e}"
    );

    // Columns are characters, also for serde_json's (byte-based) errors.
    let e = &errs("bad2.json", "{\"é\": x}")[0];
    assert_eq!((e.location.line, e.location.column), (1, 7), "{e}");

    // No silent fallback to YAML for text that starts like JSON.
    let e = &errs("flow.yaml", "{a: 1}")[0];
    assert_eq!(e.code, "json-syntax");
}

#[test]
fn format_is_decided_by_content_not_extension() {
    let doc = ok("openapi.yaml", "\u{feff}  \n{\"openapi\": \"3.1.0\"}");
    assert_eq!(doc.format, Format::Json);
    assert_eq!(at(&doc, "/openapi"), (2, 2));
    let doc = ok("openapi.json", "openapi: 3.1.0\n");
    assert_eq!(doc.format, Format::Yaml);
    assert_eq!(doc.value, json!({"openapi": "3.1.0"}));
    let doc = ok("list.yml", "[1, 2]");
    assert_eq!(doc.format, Format::Json);

    // A byte-order mark and CRLF line ends do not shift positions.
    let doc = ok(
        "bom.yaml",
        "\u{feff}openapi: 3.1.0\r\ninfo:\r\n  title: t\r\n",
    );
    assert_eq!(at(&doc, "/info/title"), (3, 3));
    let doc = ok("crlf.json", "{\r\n  \"info\": {\r\n    \"title\": \"t\"}}");
    assert_eq!(at(&doc, "/info/title"), (3, 5));
}

#[test]
fn multi_document_yaml_is_an_error() {
    let e = &errs("multi.yaml", "openapi: 3.0.0\n---\nopenapi: 3.1.0\n")[0];
    assert_eq!(e.code, "multiple-documents");
    // The reader points at the second document's first node.
    assert_eq!(e.location.line, 3, "{e}");
}

#[test]
fn empty_documents_are_an_error() {
    for text in [
        "",
        "   \n\t\n",
        "\u{feff}",
        "# only a comment\n",
        "---\n",
        "--- # c\n...\n",
        "~\n",
        "null",
    ] {
        let errors = errs("empty.yaml", text);
        assert_eq!(
            errors[0].code,
            "empty-document",
            "{text:?}: {}",
            render(&errors)
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    for (name, text) in [
        ("deep.json", deep(100_000)),
        ("open.json", "[".repeat(100_000)),
        ("objects.json", "{\"a\":".repeat(50_000)),
        ("deep.yaml", format!("a: {}", deep(100_000))),
        ("open.yaml", format!("a: {}", "[".repeat(100_000))),
        ("mixed.yaml", format!("a: {}", "{b: [".repeat(20_000))),
    ] {
        let errors = errs(name, &text);
        assert_eq!(
            errors[0].code,
            "nesting-too-deep",
            "{name}: {}",
            render(&errors)
        );
    }
    let mut block = String::new();
    for i in 0..2_000 {
        block.push_str(&format!("{}k:\n", " ".repeat(i)));
    }
    assert_eq!(errs("block.yaml", &block)[0].code, "nesting-too-deep");

    // Just under the limit is fine, even on a test thread's small stack.
    let doc = ok("ok.yaml", &format!("a: {}", deep(500)));
    let mut v = &doc.value["a"];
    let mut depth = 0;
    while let Some(first) = v.get(0) {
        v = first;
        depth += 1;
    }
    assert_eq!(depth, 499);
    ok("ok.json", &deep(120));
}

#[test]
fn other_yaml_problems_are_diagnostics() {
    let e = &errs("key.yaml", "? [a, b]\n: c\n")[0];
    assert_eq!(e.code, "yaml-syntax");
    let e = &errs("alias.yaml", "a: *nope\n")[0];
    assert_eq!(e.location.line, 1, "{e}");
    // An alias bomb hits the reader's budget instead of eating memory.
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        bomb.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let errors = errs("bomb.yaml", &bomb);
    assert!(!errors.is_empty());
}

/// The vendored real-world specs: `specs/` in the repository, else `../shared/specs` next to it.
fn specs_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../../specs"),
        manifest.join("../../../shared/specs"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
}

#[test]
fn real_specs_parse_and_json_matches_serde_json() {
    let Some(dir) = specs_dir() else {
        eprintln!("skipping: no specs/ directory in the repository nor ../shared/specs");
        return;
    };
    let mut count = 0;
    for (sub, ext) in [("oai", "yaml"), ("oxide", "json")] {
        let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
            eprintln!("skipping {sub}: not in {}", dir.display());
            continue;
        };
        let mut paths: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == ext))
            .collect();
        paths.sort();
        for path in paths {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let doc = ok(&name, &text);
            assert!(
                doc.value.get("openapi").is_some(),
                "{name}: no openapi field"
            );
            assert_every_node_located(&doc);
            if ext == "json" {
                assert_eq!(doc.format, Format::Json);
                let plain: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(doc.value, plain, "{name}");
            } else {
                assert_eq!(doc.format, Format::Yaml);
            }
            count += 1;
        }
    }
    assert!(count > 0, "no spec files found in {}", dir.display());
}

proptest! {
    #[test]
    fn parse_never_panics_on_strings(text in any::<String>()) {
        let _ = parse("fuzz", &text);
    }

    #[test]
    fn parse_never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse("fuzz", &String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn parse_never_panics_on_json_and_yaml_like_text(
        text in "[{\\[][\\[\\]{}:,\"\\\\u0-9a-fA-F &*!|>#?~\n\t\r-]{0,200}",
    ) {
        let _ = parse("fuzz", &text);
    }

    /// Whatever parses yields positions for exactly its nodes (no stale or missing pointers).
    #[test]
    fn parsed_documents_locate_every_node(text in "[{\\[][\\[\\]{}:, \"a-c0-9\n-]{0,80}") {
        if let Ok(doc) = parse("fuzz", &text) {
            assert_every_node_located(&doc);
        }
    }
}

/// Timing of the biggest vendored specs; run with
/// `cargo test --release -p contractgate-spec --test source -- --ignored --nocapture`.
#[test]
#[ignore = "timing only; meaningful in release builds"]
fn timing_of_real_specs() {
    let Some(dir) = specs_dir() else { return };
    for rel in [
        "oxide/nexus.json",
        "oai/uspto.yaml",
        "oai/petstore-expanded.yaml",
    ] {
        let Ok(text) = std::fs::read_to_string(dir.join(rel)) else {
            continue;
        };
        let mut best = std::time::Duration::MAX;
        for _ in 0..20 {
            let start = std::time::Instant::now();
            let doc = parse(rel, &text).unwrap();
            best = best.min(start.elapsed());
            std::hint::black_box(doc);
        }
        let plain = std::time::Instant::now();
        if rel.ends_with(".json") {
            std::hint::black_box(serde_json::from_str::<Value>(&text).unwrap());
        }
        eprintln!(
            "{rel}: {} bytes, parse best {best:?} (serde_json alone {:?})",
            text.len(),
            plain.elapsed()
        );
    }
}

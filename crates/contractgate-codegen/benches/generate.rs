//! Generation benchmark: `cargo bench -p contractgate-codegen --bench generate`.
//!
//! For the bundled nexus.json and for synthetic specs of 1,000 and 5,000 operations: the time to
//! load the spec and generate the tests (median of several runs) and the process's peak resident
//! memory. `-- --write-spec N FILE [--shared]` writes the synthetic spec of N operations, for the
//! compile-time and scale measurements in docs/BENCHMARKS.md (`--shared`: the operations answer a
//! handful of big schemas that reference each other, like Microsoft Graph's).
//!
//! The synthetic spec has realistic shapes: resources with list/create/get/update/delete, path and
//! query parameters, request bodies and `$ref`ed schemas with nested objects and enums, problem+json
//! errors, bearer auth.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use contractgate_codegen::{Generator, Settings};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A JSON spec with `ops` operations (5 per resource). With `shared`, every resource's schema is
/// an alias of one of four big entity schemas that reference each other in a cycle (the shape of
/// Microsoft Graph's spec: thousands of operations answering a handful of large shared schemas).
fn synthetic_spec(ops: usize, shared: bool) -> String {
    let resources = ops.div_ceil(5);
    let mut paths = String::new();
    let mut schemas = String::new();
    for r in 0..resources {
        let name = format!("Resource{r}");
        let base = format!("/v1/resources{r}");
        let _ = write!(
            paths,
            r##""{base}": {{
  "get": {{"operationId": "list{name}", "summary": "List {name}", "tags": ["r{r}"],
    "parameters": [{{"name": "limit", "in": "query", "schema": {{"type": "integer", "minimum": 1, "maximum": 100}}}},
                   {{"name": "page_token", "in": "query", "schema": {{"type": "string"}}}}],
    "responses": {{"200": {{"description": "a page", "content": {{"application/json": {{"schema": {{
        "type": "object", "required": ["items"], "properties": {{"items": {{"type": "array", "items": {{"$ref": "#/components/schemas/{name}"}}}}, "next_page": {{"type": ["string", "null"]}}}}}}}}}}}},
      "401": {{"$ref": "#/components/responses/Problem"}}}}}},
  "post": {{"operationId": "create{name}", "summary": "Create a {name}", "tags": ["r{r}"],
    "requestBody": {{"required": true, "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/{name}Create"}}}}}}}},
    "responses": {{"201": {{"description": "created", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/{name}"}}}}}}}},
      "422": {{"$ref": "#/components/responses/Problem"}}}}}}
}},
"{base}/{{id}}": {{
  "parameters": [{{"name": "id", "in": "path", "required": true, "schema": {{"type": "string", "format": "uuid"}}}}],
  "get": {{"operationId": "get{name}", "summary": "Get a {name}", "tags": ["r{r}"],
    "responses": {{"200": {{"description": "it", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/{name}"}}}}}}}},
      "404": {{"$ref": "#/components/responses/Problem"}}}}}},
  "put": {{"operationId": "update{name}", "summary": "Update a {name}", "tags": ["r{r}"],
    "requestBody": {{"required": true, "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/{name}Create"}}}}}}}},
    "responses": {{"200": {{"description": "updated", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/{name}"}}}}}}}},
      "404": {{"$ref": "#/components/responses/Problem"}}}}}},
  "delete": {{"operationId": "delete{name}", "summary": "Delete a {name}", "tags": ["r{r}"],
    "responses": {{"204": {{"description": "gone"}}, "404": {{"$ref": "#/components/responses/Problem"}}}}}}
}},
"##
        );
        if shared {
            let _ = write!(
                schemas,
                r##""{name}": {{"$ref": "#/components/schemas/Entity{}"}},
"{name}Create": {{"type": "object", "required": ["name"], "properties": {{"name": {{"type": "string"}}}}}},
"##,
                r % ENTITIES
            );
            continue;
        }
        let _ = write!(
            schemas,
            r##""{name}": {{"type": "object", "additionalProperties": false,
  "required": ["id", "name", "state", "created_at"],
  "properties": {{"id": {{"type": "string", "format": "uuid"}}, "name": {{"type": "string", "maxLength": 63}},
    "description": {{"type": ["string", "null"]}}, "state": {{"enum": ["creating", "ready", "failed"]}},
    "labels": {{"type": "object", "additionalProperties": {{"type": "string"}}}},
    "limits": {{"type": "object", "properties": {{"cpu": {{"type": "integer", "minimum": 1}}, "memory": {{"type": "integer", "format": "int64"}}}}}},
    "created_at": {{"type": "string", "format": "date-time"}}}}}},
"{name}Create": {{"type": "object", "required": ["name"],
  "properties": {{"name": {{"type": "string", "maxLength": 63}}, "description": {{"type": "string"}},
    "labels": {{"type": "object", "additionalProperties": {{"type": "string"}}}}}}}},
"##
        );
    }
    if shared {
        for e in 0..ENTITIES {
            let mut props = String::new();
            for p in 0..40 {
                let _ = write!(
                    props,
                    r#""field{p}": {{"type": ["string", "null"], "maxLength": 200}}, "#
                );
            }
            let next = (e + 1) % ENTITIES;
            let _ = write!(
                schemas,
                r##""Entity{e}": {{"type": "object", "required": ["id"],
  "properties": {{{props}"id": {{"type": "string"}},
    "related": {{"type": "array", "items": {{"$ref": "#/components/schemas/Entity{next}"}}}},
    "parent": {{"anyOf": [{{"$ref": "#/components/schemas/Entity{e}"}}, {{"type": "null"}}]}}}}}},
"##
            );
        }
    }
    let paths = paths.trim_end().trim_end_matches(',');
    format!(
        r##"{{"openapi": "3.1.0", "info": {{"title": "Synthetic {ops}", "version": "1"}},
"security": [{{"bearer": []}}],
"paths": {{{paths}}},
"components": {{
  "securitySchemes": {{"bearer": {{"type": "http", "scheme": "bearer"}}}},
  "responses": {{"Problem": {{"description": "a problem", "content": {{"application/problem+json": {{"schema": {{"$ref": "#/components/schemas/Problem"}}}}}}}}}},
  "schemas": {{{schemas}
"Problem": {{"type": "object", "required": ["title", "status"], "properties": {{"type": {{"type": "string"}}, "title": {{"type": "string"}}, "status": {{"type": "integer"}}, "detail": {{"type": "string"}}}}}}
  }}
}}}}"##
    )
}

/// How many big shared schemas a `shared` synthetic spec has.
const ENTITIES: usize = 4;

fn measure(label: &str, spec: &Path, runs: usize) {
    let mut times: Vec<Duration> = Vec::new();
    let mut stats = None;
    let mut bytes = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let loaded = match contractgate_spec::load(spec) {
            Ok(l) => l,
            Err(d) => {
                eprintln!("{label}: {d}");
                std::process::exit(1);
            }
        };
        let (source, s) = match Generator::new(&Settings::default()).generate_source(&loaded.api) {
            Ok(x) => x,
            Err(e) => {
                eprintln!("{label}: {e}");
                std::process::exit(1);
            }
        };
        let ir = loaded.api.to_json();
        times.push(start.elapsed());
        bytes = source.len() + ir.len();
        stats = Some(s);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let stats = stats.unwrap_or_default();
    println!(
        "{label}: {} operations, {} tests; load+generate median {:.0} ms (min {:.0}, max {:.0}, {runs} runs); output {:.1} MB; peak RSS so far {} KiB",
        stats.operations,
        stats.tests,
        ms(times[runs / 2]),
        ms(times[0]),
        ms(times[runs - 1]),
        bytes as f64 / 1e6,
        peak_rss_kib().map_or("?".into(), |k| k.to_string()),
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--write-spec") {
        let n: usize = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(1000);
        let path = args
            .get(i + 2)
            .cloned()
            .unwrap_or_else(|| "synthetic.json".into());
        let shared = args.iter().any(|a| a == "--shared");
        if let Err(e) = std::fs::write(&path, synthetic_spec(n, shared)) {
            eprintln!("{path}: {e}");
            std::process::exit(1);
        }
        println!("wrote {path} ({n} operations)");
        return;
    }
    let nexus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../specs/oxide/nexus.json");
    measure("nexus.json", &nexus, 11);
    let dir = std::env::temp_dir().join(format!("contractgate-bench-{}", std::process::id()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(1);
    }
    for n in [1000, 5000] {
        let path = dir.join(format!("synthetic-{n}.json"));
        if let Err(e) = std::fs::write(&path, synthetic_spec(n, false)) {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1);
        }
        measure(&format!("synthetic {n}"), &path, 5);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

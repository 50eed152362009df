//! `contractgate-spec` reads OpenAPI documents into contractgate's IR.
//!
//! ```no_run
//! let loaded = contractgate_spec::load("openapi.yaml").map_err(|diags| {
//!     eprintln!("{diags}"); // every error, each with file:line:column and JSON pointer
//! })?;
//! for op in &loaded.api.operations {
//!     println!("{} {} ({})", op.method, op.path, op.id);
//! }
//! # Ok::<(), ()>(())
//! ```
//!
//! What it owns (see DESIGN.md): reading YAML and JSON ([`source`]), OpenAPI 3.0 and 3.1 (and
//! Swagger 2.0, converted to OpenAPI 3.0 at load time: [`swagger2`]), `$ref`
//! resolution across files with recursive schemas, the IR ([`ir`]), the conversion of schemas to
//! JSON Schema 2020-12 ([`schema`]), validation against the official OpenAPI meta-schemas
//! ([`meta`]), spec diagnostics with file, line, column and JSON pointer ([`diag`]) and the spec
//! lints ([`lint`]). It does no HTTP and knows nothing of Rust code generation.
//!
//! # Features
//!
//! - `load` (default): everything that reads documents. Without it only the IR types
//!   ([`ir`], [`diag`], [`pointer`](mod@pointer)) remain; the harness uses them that way, so a user's
//!   `cargo test` never compiles a YAML parser.
//!
//! # Pipeline
//!
//! 1. [`source::parse`]: text → `serde_json::Value` (key order kept) + pointer → line/column map.
//!    Duplicate mapping keys are errors with both locations. YAML goes through `serde-saphyr`
//!    (behind this one function, so it can be swapped): unlike the `serde_yaml` family, which is
//!    deprecated upstream and silently keeps the last of two `/user/profile:` keys, it refuses
//!    duplicate keys, is written in safe Rust and fuzzed, and gives spans; it parses about half
//!    as fast as libyaml ports, which a JSON spec avoids (JSON goes through `serde_json`).
//! 2. Version: `openapi: 3.0.x` or `3.1.x`, or `swagger: "2.0"`; anything else is refused by
//!    name. A Swagger 2.0 document, and every file it references as it is read, is converted to
//!    OpenAPI 3.0 in place ([`swagger2`]); positions are still looked up in the file as written,
//!    through a per-file pointer translation, so diagnostics name the user's lines and pointers.
//! 3. Structure: [`meta::validate`] against the official meta-schema (a Swagger 2.0 document as
//!    written, against the Swagger 2.0 schema); 3.0 documents also go through `openapiv3`'s typed
//!    model.
//! 4. The IR is built from the raw value (the source of truth: `openapiv3`'s typed schema loses
//!    keywords), following `$ref`s, merging path- and operation-level parameters, resolving
//!    security, and converting every schema to 2020-12; the schemas they reference are kept once,
//!    in the IR's [`ir::SchemaRegistry`].
#![deny(missing_docs)]

pub mod check;
pub mod diag;
pub mod diff;
pub mod infer;
pub mod ir;
pub mod media;
pub mod path;
pub mod pointer;
mod render;
pub mod select;

#[cfg(feature = "load")]
pub mod lint;
#[cfg(feature = "load")]
mod load;
#[cfg(feature = "load")]
pub mod meta;
#[cfg(feature = "load")]
mod openapi;
#[cfg(feature = "load")]
mod resolve;
#[cfg(feature = "load")]
pub mod schema;
#[cfg(feature = "load")]
pub mod source;
#[cfg(feature = "load")]
pub mod swagger2;

#[cfg(feature = "load")]
pub use load::{Loaded, load, load_str};
pub use media::is_json;
#[cfg(feature = "load")]
pub use openapi::derive_id;

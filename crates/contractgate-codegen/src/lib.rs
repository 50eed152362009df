//! `contractgate-codegen`: turns the IR of an OpenAPI document into Rust source, one `#[test]` per
//! route and check, for a user's `build.rs`.
//!
//! **Status: not written yet.** This crate will own IR → tokens (`quote`, `proc-macro2`) → source
//! (`prettyplease`), the one-call `build.rs` API and writing the IR next to the generated file. It
//! contains no check logic: generated tests call the `contractgate` harness. Until it lands it
//! exports nothing, so nobody can mistake it for a working generator.
#![deny(missing_docs)]

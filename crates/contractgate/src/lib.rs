//! `contractgate`: the harness that generated tests and the `contractgate` CLI both call.
//!
//! **Status: not written yet.** This crate will own the target and environment configuration, the
//! request data (examples, fixtures, values synthesized from schemas), the HTTP client (`reqwest` with
//! rustls), the checks, the failure reports and the redaction of secrets. It reads the IR produced by
//! [`contractgate_spec`] as JSON and never parses YAML at test time. Until it lands it exports nothing.
#![deny(missing_docs)]

//! Integration tests of the harness against real axum servers on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod baseline;
mod ca_file;
mod checks;
mod custom;
mod data;
mod http;
mod links;
mod login;
mod negative_data;
mod oas32;
mod oauth;
mod outage;
mod param_encoding;
mod redaction;
mod support;
mod synth_specs;
mod target;
mod tls;

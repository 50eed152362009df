//! placeholder
pub mod diag;
pub mod ir;
pub mod pointer;
#[cfg(feature = "load")]
pub mod source;

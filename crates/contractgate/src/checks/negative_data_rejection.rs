//! `negative_data_rejection`: a request that violates the schema must not be accepted with 2xx.
//!
//! Not implemented yet: the runner reports it as not applicable, by name.

use super::{Context, Verdict};
use crate::client::Exchange;

pub(crate) fn check(_ctx: &Context<'_>, _exchange: &Exchange) -> Verdict {
    Verdict::NotApplicable("negative_data_rejection is not implemented yet".into())
}

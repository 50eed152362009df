//! State across requests, where a link from a create operation (POST) gives an operation the id
//! of the resource it just created:
//!
//! - `resource_availability`: the GET of that resource answers 404 or 410 (the create said it
//!   made something that is not there);
//! - `use_after_free`: after the DELETE of that resource answered 2xx, a GET of the same path still
//!   answers 2xx (the DELETE did not delete).
//!
//! Both judge the operation's positive exchange (sent with the linked id); `use_after_free` sends
//! one more request, the GET. Neither applies when the id did not come from the create's answer
//! (links off, the source not sent in a read-only environment, or refused).

use std::sync::Arc;

use contractgate_spec::ir::{Method, Operation};

use super::{Check, Verdict};
use crate::client::Exchange;
use crate::data::Planned;
use crate::failure::Finding;
use crate::runner::{Harness, Outcome};

impl Harness {
    /// The create operation whose answer gave `op` its values, when one did.
    fn created_from(&self, op: &Operation) -> Option<&Operation> {
        if !self.plan_was_linked(op) {
            return None;
        }
        self.graph()
            .get(&op.id)?
            .chosen
            .iter()
            .filter_map(|c| self.api.operations.get(c.link.source))
            .find(|s| s.method == Method::Post && op.created_by.contains(&s.id))
    }

    pub(crate) fn resource_availability(&self, op: &Operation, exchange: &Exchange) -> Outcome {
        let Some(source) = self.created_from(op) else {
            return Outcome::NotApplicable {
                reason: "the request did not use an id a create operation answered (see the notes of links)".into(),
            };
        };
        let status = exchange.response.status;
        let verdict = if matches!(status, 404 | 410) {
            Verdict::Fail(
                Finding::new("a resource just created cannot be read")
                    .received(format!(
                        "{status} to {} {} with the id {} {} ({}) answered",
                        op.method, exchange.wire.url, source.method, source.path, source.id
                    ))
                    .documented(format!(
                        "{} ({}) links to {} ({}): what it creates can be read",
                        source.label(),
                        source.id,
                        op.label(),
                        op.id
                    )),
            )
        } else {
            Verdict::Pass(Vec::new())
        };
        self.outcome(op, Check::ResourceAvailability, verdict, exchange)
    }

    pub(crate) async fn use_after_free(&self, op: &Operation, exchange: &Exchange) -> Outcome {
        let check = Check::UseAfterFree;
        let Some(source) = self.created_from(op) else {
            return Outcome::NotApplicable {
                reason: "the DELETE did not use an id a create operation answered (see the notes of links)".into(),
            };
        };
        let status = exchange.response.status;
        if !(200..300).contains(&status) {
            // Refused (not exercised) or failed: the other checks say so.
            return self.outcome(op, check, Verdict::Pass(Vec::new()), exchange);
        }
        let Some(read) = self
            .api
            .operations
            .iter()
            .find(|o| o.method == Method::Get && o.path == op.path)
        else {
            return Outcome::NotApplicable {
                reason: format!("no GET on {} to read the deleted resource with", op.path),
            };
        };
        // The same resource: the DELETE's own path, as sent.
        let path = self
            .plans
            .lock()
            .ok()
            .and_then(|p| p.get(&op.id).map(|p| p.path.clone()))
            .unwrap_or_default();
        let planned = Planned {
            path,
            notes: vec![format!(
                "sent after {} answered {status}, to read what it deleted",
                op.label()
            )],
            ..Planned::default()
        };
        let (wire, curl) = self.build(read, Method::Get, &planned, true);
        let after = match self
            .send(read, Arc::new(wire), Arc::new(curl), planned.notes.clone())
            .await
        {
            Ok(e) => e,
            Err(unsent) => return unsent.outcome(check),
        };
        let read_status = after.response.status;
        if (200..300).contains(&read_status) {
            let finding = Finding::new("a deleted resource can still be read")
                .received(format!(
                    "{} answered {status}, then {} {} answered {read_status}",
                    op.label(),
                    read.method,
                    after.wire.url
                ))
                .documented(format!(
                    "after a 2xx to {} ({}), the resource {} ({}) created is gone: 404 or 410",
                    op.label(),
                    op.id,
                    source.label(),
                    source.id
                ));
            // The failure shows the GET that found it.
            return Outcome::Failed(Box::new(self.failure(op, check, finding, Some(&after))));
        }
        Outcome::Passed {
            warnings: if matches!(read_status, 404 | 410) {
                Vec::new()
            } else {
                vec![format!(
                    "after the DELETE, GET {} answered {read_status} (not 404 or 410)",
                    read.path
                )]
            },
        }
    }
}

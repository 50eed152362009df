//! Deleting what a run created: every 2xx answer of a create operation (POST) that a link (written
//! or inferred) connects to a DELETE operation is remembered, and [`Harness::clean_up`] sends that
//! DELETE for each, with the values the link takes from the create's answer. `contractgate run`
//! calls it at the end (so that shared staging data does not pile up) and reports the counts;
//! generated tests have no end of run to do it at.

use std::collections::HashMap;
use std::sync::Arc;

use contractgate_spec::ir::{Method, Operation, ParamLocation};

use crate::client::Exchange;
use crate::data::{self, Linked};
use crate::links::expr::{Exchanged, Payload};
use crate::links::{self, Slot};
use crate::runner::Harness;

/// What [`Harness::clean_up`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cleanup {
    /// Resources created whose DELETE answered 2xx.
    pub deleted: usize,
    /// Resources already gone (404 or 410: the run's own DELETE checks removed them).
    pub gone: usize,
    /// The others, one line each: `DELETE /users/42 answered 500`, or why no DELETE was sent.
    pub failed: Vec<String>,
    /// The DELETE operations used, `DELETE /users/{id} (deleteUser)`.
    pub operations: Vec<String>,
}

impl Cleanup {
    /// Whether there was anything to delete.
    pub fn is_empty(&self) -> bool {
        self.deleted == 0 && self.gone == 0 && self.failed.is_empty()
    }
}

/// A created resource: the index of its create operation, and its exchange as links read it.
pub(crate) type Created = (usize, Exchanged);

/// Values of the path parameters that are whole segments of `template`, read from `url` (after
/// `base`): what `$request.path.NAME` reads.
fn path_values(
    template: &str,
    base: &str,
    url: &str,
) -> indexmap::IndexMap<String, serde_json::Value> {
    let path = url
        .strip_prefix(base.trim_end_matches('/'))
        .unwrap_or(url)
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let concrete: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let parsed = contractgate_spec::path::PathTemplate::parse(template);
    parsed
        .params()
        .into_iter()
        .filter_map(|name| {
            let i = parsed.whole_segment(name)?;
            let raw = concrete.get(i)?;
            let value = percent_encoding::percent_decode_str(raw)
                .decode_utf8_lossy()
                .into_owned();
            Some((name.to_owned(), serde_json::Value::String(value)))
        })
        .collect()
}

impl Harness {
    /// For each create operation (by index): the DELETE operation a link of its connects to.
    fn deleters(&self) -> &HashMap<usize, usize> {
        self.deleters.get_or_init(|| {
            let mut out = HashMap::new();
            for (ti, target) in self.api.operations.iter().enumerate() {
                if target.method != Method::Delete {
                    continue;
                }
                let Some(entry) = self.graph().get(&target.id) else {
                    continue;
                };
                for chosen in &entry.chosen {
                    let source = chosen.link.source;
                    if self.api.operations[source].method == Method::Post {
                        out.entry(source).or_insert(ti);
                    }
                }
            }
            out
        })
    }

    /// Remembers `exchange` of `op` when it created something a DELETE can remove.
    pub(crate) fn remember_created(&self, op: &Operation, exchange: &Exchange) {
        if op.method != Method::Post || !(200..300).contains(&exchange.response.status) {
            return;
        }
        let Some(&index) = self.index.get(&op.id) else {
            return;
        };
        if !self.deleters().contains_key(&index) {
            return;
        }
        let exchanged = Exchanged {
            url: exchange.wire.url.clone(),
            method: exchange.wire.method.clone(),
            path: path_values(&op.path, &self.target.base_url, &exchange.wire.url),
            query: indexmap::IndexMap::new(),
            request_headers: exchange.wire.headers.clone(),
            request_body: exchange.wire.body.as_deref().and_then(Payload::of),
            status: exchange.response.status,
            response_headers: exchange.response.headers.clone(),
            response_body: Payload::of(&exchange.response.body),
        };
        if let Ok(mut created) = self.created.lock() {
            created.push((index, exchanged));
        }
    }

    /// Sends, for every resource the harness created, the DELETE a link connects its create
    /// operation to (once; later calls find nothing new). Not in read-only environments (nothing
    /// was created there).
    pub async fn clean_up(&self) -> Cleanup {
        let created: Vec<Created> = match self.created.lock() {
            Ok(mut c) => std::mem::take(&mut *c),
            Err(_) => Vec::new(),
        };
        let mut out = Cleanup::default();
        for (source, exchanged) in created {
            let Some(&target_index) = self.deleters().get(&source) else {
                continue;
            };
            let Some(target) = self.operation_at(target_index) else {
                continue;
            };
            let label = format!("{} ({})", target.label(), target.id);
            if !out.operations.contains(&label) {
                out.operations.push(label);
            }
            let Some(chosen) = self
                .graph()
                .get(&target.id)
                .and_then(|e| e.chosen.iter().find(|c| c.link.source == source))
            else {
                continue;
            };
            let mut linked = Linked::default();
            for supply in &chosen.supplies {
                if let (Slot::Param(location, name), Ok(value)) = (
                    &supply.slot,
                    links::expr::eval(&supply.template, &exchanged),
                ) {
                    linked
                        .params
                        .push((*location, name.clone(), value, String::new()));
                }
            }
            let missing = target
                .parameters
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .any(|p| !linked.has_param(p));
            if missing {
                out.failed.push(format!(
                    "{}: the answer of {} does not give every path parameter",
                    target.label(),
                    exchanged.url
                ));
                continue;
            }
            let planned = match data::plan(
                target,
                None,
                &linked,
                self.target.settings.seed,
                &self.validators,
            ) {
                Ok(p) => p,
                Err(e) => {
                    out.failed.push(format!("{}: {e}", target.label()));
                    continue;
                }
            };
            let (wire, curl) = self.build(target, Method::Delete, &planned, true);
            let note = vec!["clean-up of a resource the run created".to_owned()];
            match self
                .send(target, Arc::new(wire), Arc::new(curl), note)
                .await
            {
                Ok(e) if (200..300).contains(&e.response.status) => out.deleted += 1,
                Ok(e) if matches!(e.response.status, 404 | 410) => out.gone += 1,
                Ok(e) => out.failed.push(format!(
                    "DELETE {} answered {}",
                    e.wire.url, e.response.status
                )),
                Err(unsent) => {
                    out.failed
                        .push(format!("{}: {}", target.label(), unsent.describe()))
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_values_come_from_whole_segments() {
        assert_eq!(
            path_values(
                "/tenants/{tenant}/databases",
                "http://127.0.0.1:9/api/",
                "http://127.0.0.1:9/api/tenants/t%201/databases?x=1"
            )
            .into_iter()
            .collect::<Vec<_>>(),
            [("tenant".to_owned(), serde_json::json!("t 1"))]
        );
        assert!(path_values("/users", "http://h", "http://h/users").is_empty());
    }
}

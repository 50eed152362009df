//! State across requests, where a link from a create operation (POST) gives an operation the id
//! of the resource it just created:
//!
//! - `resource_availability`: the GET of that resource answers 404 or 410 (the create said it
//!   made something that is not there);
//! - `use_after_free`: after the DELETE of that resource answered 2xx, a GET of the same path still
//!   answers 2xx (the DELETE did not delete);
//! - `read_after_write`: the GET of that resource reads back other values than the create sent,
//!   for the top-level properties both the request body and the response schema declare (a
//!   server-set or write-only property is in only one of them). Equal means equal JSON, or the same
//!   number (`1` and `1.0`), or for a `format: email` value the same address in any case, or for a
//!   `format: date-time` the same instant written with `Z` or `+00:00` and any trailing zeros.
//!
//! Both judge the operation's positive exchange (sent with the linked id); `use_after_free` sends
//! one more request, the GET. Neither applies when the id did not come from the create's answer
//! (links off, the source not sent in a read-only environment, or refused).

use std::sync::Arc;

use crate::schema::Refs;
use contractgate_spec::ir::{Direction, Method, Operation};

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
            .filter_map(|c| self.operation_at(c.link.source))
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
        let after = match self.read_same_path(op, read, status, "deleted").await {
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

impl Harness {
    pub(crate) async fn read_after_write(&self, op: &Operation, exchange: &Exchange) -> Outcome {
        let check = Check::ReadAfterWrite;
        if op.method != Method::Get {
            return self.read_after_update(op, exchange).await;
        }
        let Some(source) = self.created_from(op) else {
            return Outcome::NotApplicable {
                reason: "the request did not use an id a create operation answered (see the notes of links)".into(),
            };
        };
        let status = exchange.response.status;
        if !(200..300).contains(&status) {
            return self.outcome(op, check, Verdict::Pass(Vec::new()), exchange);
        }
        let run = self.source_run(source, false).await;
        let sent = match run.as_ref() {
            Ok(s) => match &s.exchanged.request_body {
                Some(crate::links::expr::Payload::Json(serde_json::Value::Object(m))) => m.clone(),
                _ => {
                    return Outcome::NotApplicable {
                        reason: format!("{} sent no JSON object to compare", source.label()),
                    };
                }
            },
            Err(why) => {
                return Outcome::NotApplicable {
                    reason: why.clone(),
                };
            }
        };
        let Ok(read) = exchange.json() else {
            return self.outcome(op, check, Verdict::Pass(Vec::new()), exchange);
        };
        let Some(read) = read.as_object() else {
            return self.outcome(op, check, Verdict::Pass(Vec::new()), exchange);
        };
        let mismatches = differences(self.api(), op, status, &sent, read);
        let verdict = if mismatches.is_empty() {
            Verdict::Pass(Vec::new())
        } else {
            Verdict::Fail(read_back_finding(
                "a resource just created reads back other values",
                source,
                op,
                &exchange.wire.url,
                &mismatches,
            ))
        };
        self.outcome(op, check, verdict, exchange)
    }
}

impl Harness {
    /// `read_after_write` of an update: the same request again, then the GET on its path, with
    /// no other request of this harness to the operation in between (the operation's lock: its
    /// generated cases, sent by other checks, wait); the GET must answer the values sent.
    async fn read_after_update(&self, op: &Operation, exchange: &Exchange) -> Outcome {
        let check = Check::ReadAfterWrite;
        let Some(read) = op.read_back_by.as_deref().and_then(|id| self.operation(id)) else {
            return Outcome::NotApplicable {
                reason: format!("no GET on {} to read the update back with", op.path),
            };
        };
        if !(200..300).contains(&exchange.response.status) {
            return self.outcome(op, check, Verdict::Pass(Vec::new()), exchange);
        }
        let lock = self.op_lock(&op.id);
        let _guard = lock.lock().await;
        let write = match self.positive_exchange(op).await {
            crate::runner::Positive::Sent(e) => e,
            crate::runner::Positive::Failed(unsent) => return unsent.outcome(check),
        };
        let status = write.response.status;
        if !(200..300).contains(&status) {
            return self.outcome(op, check, Verdict::Pass(Vec::new()), &write);
        }
        let sent = match write
            .wire
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
        {
            Some(serde_json::Value::Object(m)) => m,
            _ => {
                return Outcome::NotApplicable {
                    reason: format!("{} sent no JSON object to compare", op.label()),
                };
            }
        };
        let after = match self.read_same_path(op, read, status, "wrote").await {
            Ok(e) => e,
            Err(unsent) => return unsent.outcome(check),
        };
        let read_status = after.response.status;
        if !(200..300).contains(&read_status) {
            return Outcome::Passed {
                warnings: vec![format!(
                    "after the update, {} {} answered {read_status}: nothing to compare",
                    read.method, after.wire.url
                )],
            };
        }
        let Ok(serde_json::Value::Object(got)) = after.json() else {
            return Outcome::Passed {
                warnings: Vec::new(),
            };
        };
        let mismatches = differences(self.api(), read, read_status, &sent, got);
        if mismatches.is_empty() {
            return Outcome::Passed {
                warnings: Vec::new(),
            };
        }
        let finding = read_back_finding(
            "a resource just updated reads back other values",
            op,
            read,
            &after.wire.url,
            &mismatches,
        )
        .detail(format!(
            "The update: {} {} answered {status}, then this GET.",
            op.method, write.wire.url
        ));
        // The failure shows the GET that read the stale values.
        Outcome::Failed(Box::new(self.failure(op, check, finding, Some(&after))))
    }
}

impl Harness {
    /// A GET of `read` on the path `op` was just sent to (as planned), after it answered
    /// `status`: to read what it `did` ("deleted", "wrote").
    async fn read_same_path(
        &self,
        op: &Operation,
        read: &Operation,
        status: u16,
        did: &str,
    ) -> Result<Exchange, crate::runner::Unsent> {
        let path = self
            .plans
            .lock()
            .ok()
            .and_then(|p| p.get(&op.id).map(|p| p.path.clone()))
            .unwrap_or_default();
        let planned = Planned {
            path,
            notes: vec![format!(
                "sent after {} answered {status}, to read what it {did}",
                op.label()
            )],
            ..Planned::default()
        };
        let (wire, curl) = self.build(read, Method::Get, &planned, true);
        self.send(read, Arc::new(wire), Arc::new(curl), planned.notes.clone())
            .await
    }
}

/// The failure of `read_after_write`: `writer` stored values that `reader`, at `url`, answers
/// otherwise (one detail line per value).
fn read_back_finding(
    title: &str,
    writer: &Operation,
    reader: &Operation,
    url: &str,
    mismatches: &[String],
) -> Finding {
    let mut finding = Finding::new(title)
        .received(format!(
            "{} of the values sent differ in what {} {url} answered",
            mismatches.len(),
            reader.method
        ))
        .documented(format!(
            "{} ({}) stores what it is sent; {} ({}) reads it back",
            writer.label(),
            writer.id,
            reader.label(),
            reader.id
        ));
    for m in mismatches {
        finding = finding.detail(format!("  - {m}"));
    }
    finding
}

/// The values of `sent` that `got` (the answer of `read` with `status`) reads back otherwise, for
/// the top-level properties its schema declares and it carries: `` `name`: sent "a", read "b" ``.
fn differences(
    api: &contractgate_spec::ir::Api,
    read: &Operation,
    status: u16,
    sent: &serde_json::Map<String, serde_json::Value>,
    got: &serde_json::Map<String, serde_json::Value>,
) -> Vec<String> {
    let schema = crate::checks::documented_response(read, status)
        .and_then(|r| r.content.values().find_map(|m| m.schema.as_ref()));
    let schema = schema.map(|s| Refs::new(s, api, Direction::Response));
    let declared = schema
        .map(crate::data::mutate::top_level_properties)
        .unwrap_or_default();
    let mut out = Vec::new();
    for (name, value) in sent {
        if !declared.contains(name) {
            continue;
        }
        let Some(value_read) = got.get(name) else {
            continue;
        };
        let format = schema.and_then(|s| property_format(s, name));
        if !same(value, value_read, format.as_deref()) {
            out.push(format!("`{name}`: sent {value}, read {value_read}"));
        }
    }
    out
}

/// The `format` of a top-level property of `schema` (through `$ref` and `allOf`).
fn property_format(schema: Refs<'_>, name: &str) -> Option<String> {
    let mut stack = vec![schema.root];
    let mut steps = 0;
    while let Some(node) = stack.pop() {
        steps += 1;
        if steps > 32 {
            break;
        }
        if let Some(p) = node.get("properties").and_then(|p| p.get(name)) {
            let mut q = p;
            for _ in 0..8 {
                match schema.target(q) {
                    Some(target) => q = target,
                    None => break,
                }
            }
            return q
                .get("format")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
        }
        if let Some(target) = schema.target(node) {
            stack.push(target);
        }
        if let Some(serde_json::Value::Array(all)) = node.get("allOf") {
            stack.extend(all.iter());
        }
    }
    None
}

/// Whether a value read back is the one sent (see the module docs for the tolerances).
fn same(sent: &serde_json::Value, read: &serde_json::Value, format: Option<&str>) -> bool {
    use serde_json::Value;
    if sent == read {
        return true;
    }
    match (sent, read) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::String(b)) => match format {
            Some("email") => a.eq_ignore_ascii_case(b),
            Some("date-time") => instant(a) == instant(b),
            _ => false,
        },
        _ => false,
    }
}

/// A date-time with `Z` for `+00:00` and no trailing zeros in the fraction.
fn instant(s: &str) -> String {
    let s = s.trim().replace("+00:00", "Z").replace('z', "Z");
    match s.split_once('.') {
        Some((head, rest)) => {
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let tail = &rest[digits.len()..];
            let digits = digits.trim_end_matches('0');
            if digits.is_empty() {
                format!("{head}{tail}")
            } else {
                format!("{head}.{digits}{tail}")
            }
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tolerated_differences() {
        assert!(same(&json!(1), &json!(1.0), None));
        assert!(same(
            &json!("Ada@Example.com"),
            &json!("ada@example.com"),
            Some("email")
        ));
        assert!(!same(
            &json!("Ada@Example.com"),
            &json!("ada@example.com"),
            None
        ));
        assert!(same(
            &json!("2024-03-18T09:24:11.000+00:00"),
            &json!("2024-03-18T09:24:11Z"),
            Some("date-time")
        ));
        assert!(!same(
            &json!("2024-03-18T09:24:11Z"),
            &json!("2024-03-18T09:24:12Z"),
            Some("date-time")
        ));
        assert!(!same(&json!("Ada"), &json!("Bob"), None));
    }
}

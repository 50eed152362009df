//! What a harness actually tested of each operation: the statuses it saw, the parameters and
//! top-level body properties its requests carried, and whether the operation was **exercised** (its
//! request reached the handler: a 2xx, or, for an operation that documents no 2xx, a documented
//! status). A run that passed without exercising an operation proved nothing about it.

use std::collections::{BTreeSet, HashMap};

use contractgate_spec::ir::{Api, Direction, Operation, StatusSpec};
use serde::Serialize;

use crate::client::WireRequest;
use crate::data::Planned;
use crate::runner::Harness;

/// What the harness sent to and saw from one operation so far.
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen {
    /// Statuses answered to requests with the operation's method (positive, negative, without
    /// credentials).
    statuses: BTreeSet<u16>,
    /// Statuses answered to its positive requests.
    positive: BTreeSet<u16>,
    /// `query limit`: parameters a positive request carried.
    params: BTreeSet<String>,
    /// Top-level body properties a positive request carried.
    body: BTreeSet<String>,
}

/// The coverage of one operation.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OperationCoverage {
    /// Its request reached the handler: a 2xx to the request built from the spec, or a
    /// documented status other than a 4xx when the operation documents no 2xx.
    pub exercised: bool,
    /// Statuses the operation documents (`200`, `4XX`; `default` is not counted).
    pub statuses_documented: Vec<String>,
    /// Of those, the ones some answer matched.
    pub statuses_seen: Vec<String>,
    /// Every status answered to a request with the operation's method.
    pub statuses_received: Vec<u16>,
    /// Declared parameters, as `query limit`.
    pub parameters_declared: Vec<String>,
    /// Of those, the ones a request carried.
    pub parameters_sent: Vec<String>,
    /// Top-level properties of the JSON (or form) request body schemas.
    pub body_properties_declared: Vec<String>,
    /// Of those, the ones a request carried.
    pub body_properties_sent: Vec<String>,
}

impl Harness {
    /// Records the answer to a request sent for `op`.
    pub(crate) fn saw(&self, op: &Operation, wire: &WireRequest, status: u16) {
        if !wire.method.eq_ignore_ascii_case(op.method.as_str()) {
            return;
        }
        if let Ok(mut seen) = self.seen.lock() {
            seen.entry(op.id.clone())
                .or_default()
                .statuses
                .insert(status);
        }
    }

    /// Records a positive request of `op` and its answer.
    pub(crate) fn saw_positive(&self, op: &Operation, planned: &Planned, status: u16) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let s = match seen.get_mut(&op.id) {
            Some(s) => s,
            None => seen.entry(op.id.clone()).or_default(),
        };
        s.positive.insert(status);
        for (location, name, _) in &planned.values {
            let key = format!("{} {name}", location.as_str());
            if !s.params.contains(&key) {
                s.params.insert(key);
            }
        }
        match (&planned.body_value, &planned.body) {
            // The value before it was encoded: its keys are the body's (JSON, form, multipart).
            (Some(serde_json::Value::Object(map)), _) => {
                for k in map.keys() {
                    if !s.body.contains(k) {
                        s.body.insert(k.clone());
                    }
                }
            }
            (_, Some(body)) => s.body.extend(body_keys(&body.content_type, &body.bytes)),
            _ => {}
        }
    }

    /// The coverage of `op` so far.
    pub fn coverage(&self, op: &Operation) -> OperationCoverage {
        // This harness's copy of the operation: its schemas refer to this harness's registry.
        let op = self.operation(&op.id).unwrap_or(op);
        let seen = self
            .seen
            .lock()
            .ok()
            .and_then(|s| s.get(&op.id).cloned())
            .unwrap_or_default();
        coverage_of(self.api(), op, &seen)
    }
}

/// The harness's record of every operation, by id.
pub(crate) type SeenMap = std::sync::Mutex<HashMap<String, Seen>>;

fn coverage_of(api: &Api, op: &Operation, seen: &Seen) -> OperationCoverage {
    let documented: Vec<StatusSpec> = op
        .responses
        .iter()
        .map(|r| r.status)
        .filter(|s| *s != StatusSpec::Default)
        .collect();
    let documents_success = op.responses.iter().any(|r| match r.status {
        StatusSpec::Exact(c) => (200..300).contains(&c),
        StatusSpec::Range(2) => true,
        _ => false,
    });
    // A 4xx is a refusal even when documented: the checks call it not exercised, and so does
    // coverage. An operation that documents only, say, a 302 is exercised by its 302.
    let exercised = seen.positive.iter().any(|&status| {
        (200..300).contains(&status)
            || (!documents_success
                && !(400..500).contains(&status)
                && documented.iter().any(|d| d.matches(status)))
    });
    let parameters_declared: Vec<String> = op
        .parameters
        .iter()
        .map(|p| format!("{} {}", p.location.as_str(), p.name))
        .collect();
    let mut body_properties_declared: Vec<String> = Vec::new();
    if let Some(body) = &op.request_body {
        for (media, mt) in &body.content {
            let Some(schema) = &mt.schema else { continue };
            if crate::data::serialize::is_json(media)
                || media.starts_with("application/x-www-form-urlencoded")
                || media.starts_with("multipart/form-data")
            {
                for name in crate::data::mutate::top_level_properties(crate::schema::Refs::new(
                    schema,
                    api,
                    Direction::Request,
                )) {
                    if !body_properties_declared.contains(&name) {
                        body_properties_declared.push(name);
                    }
                }
            }
        }
    }
    OperationCoverage {
        exercised,
        statuses_seen: documented
            .iter()
            .filter(|d| seen.statuses.iter().any(|&s| d.matches(s)))
            .map(ToString::to_string)
            .collect(),
        statuses_documented: documented.iter().map(ToString::to_string).collect(),
        statuses_received: seen.statuses.iter().copied().collect(),
        parameters_sent: parameters_declared
            .iter()
            .filter(|p| seen.params.contains(*p))
            .cloned()
            .collect(),
        parameters_declared,
        body_properties_sent: body_properties_declared
            .iter()
            .filter(|p| seen.body.contains(*p))
            .cloned()
            .collect(),
        body_properties_declared,
    }
}

/// The top-level property names of a JSON object or form body.
fn body_keys(content_type: &str, bytes: &[u8]) -> Vec<String> {
    if crate::data::serialize::is_json(content_type) {
        return match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        };
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return String::from_utf8_lossy(bytes)
            .split('&')
            .filter_map(|pair| pair.split('=').next())
            .filter(|k| !k.is_empty())
            .map(|k| {
                percent_encoding::percent_decode_str(&k.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
    }
    if content_type.starts_with("multipart/form-data") {
        let text = String::from_utf8_lossy(bytes);
        return text
            .match_indices("name=\"")
            // `name="`, not the end of `filename="`.
            .filter(|(i, _)| text[..*i].ends_with(' ') || text[..*i].ends_with(';'))
            .filter_map(|(i, m)| {
                let rest = &text[i + m.len()..];
                rest.find('"').map(|end| rest[..end].to_owned())
            })
            .collect();
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_keys_of_each_kind() {
        assert_eq!(
            body_keys("application/json", br#"{"a":1,"b":{"c":2}}"#),
            ["a", "b"]
        );
        assert_eq!(
            body_keys("application/x-www-form-urlencoded", b"user+name=x&pw=y"),
            ["user name", "pw"]
        );
        assert_eq!(
            body_keys(
                "multipart/form-data; boundary=x",
                b"--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n..."
            ),
            ["file"]
        );
        assert!(body_keys("application/json", b"[1]").is_empty());
    }
}

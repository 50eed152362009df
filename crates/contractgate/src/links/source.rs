//! Link sources at run time: which link gives a target its values ([`Graph`], decided once per
//! harness), the source operation's request, sent at most once per harness and instance, and the
//! values its answer gives through runtime expressions.

use std::sync::Arc;

use contractgate_spec::ir::{Operation, ParamLocation};

use crate::data::Linked;
use crate::links::expr::{Exchanged, Payload};
use crate::links::{self, Graph, Slot};
use crate::runner::{Harness, Unsent};

/// A link source that was sent and answered 2xx, or why its values cannot be used.
pub(crate) type SourceRun = Result<SourceExchange, String>;

/// Where the exchange of one link source is kept once sent (concurrent callers wait for it).
pub(crate) type SourceCell = Arc<tokio::sync::OnceCell<Arc<SourceRun>>>;

/// What a link's runtime expressions read: the source's request and response.
#[derive(Debug)]
pub(crate) struct SourceExchange {
    /// `POST /users (createUser)`.
    label: String,
    /// What the expressions read.
    pub(crate) exchanged: Exchanged,
}

impl Harness {
    /// The link graph of this harness.
    pub(crate) fn graph(&self) -> &Graph {
        self.links.get_or_init(|| {
            if self.target.settings.links {
                Graph::build(&self.api, &self.target.settings)
            } else {
                Graph::empty()
            }
        })
    }

    /// The values links give `op` (their sources are sent first, once), and notes on where each
    /// came from or why a link was not used.
    pub(crate) async fn linked(&self, op: &Operation) -> (Linked, Vec<String>) {
        let mut linked = Linked::default();
        let Some(entry) = self.graph().get(&op.id) else {
            return (linked, Vec::new());
        };
        let mut notes = entry.notes.clone();
        for chosen in &entry.chosen {
            let label = links::link_label(&chosen.link, &self.api, op);
            let Some(source) = self.operation_at(chosen.link.source) else {
                continue;
            };
            let run = self.source_run(source, links::own_instance(op)).await;
            let exchange = match run.as_ref() {
                Ok(exchange) => exchange,
                Err(why) => {
                    notes.push(format!(
                        "{label} not used: {why}; {}",
                        links::instead(&links::slots_text(&chosen.supplies))
                    ));
                    continue;
                }
            };
            for supply in &chosen.supplies {
                let what = supply.slot.describe();
                let value = match links::expr::eval(&supply.template, &exchange.exchanged) {
                    Ok(v) => v,
                    Err(why) => {
                        notes.push(format!(
                            "{label} not used for {what}: {why}; {}",
                            links::instead(&what)
                        ));
                        continue;
                    }
                };
                let text = value.to_string();
                if self.redactor().redact(&text) != text {
                    notes.push(format!(
                        "{label} not used for {what}: {} would carry a credential of the source request; {}",
                        supply.written,
                        links::instead(&what)
                    ));
                    continue;
                }
                let from = format!(
                    "{what} from link {} of {} {}",
                    chosen.link.name, exchange.label, exchange.exchanged.status
                );
                let note = if supply.template.is_const() {
                    format!("{from}: the constant {}", shorten(&text))
                } else {
                    format!("{from}: {} = {}", supply.written, shorten(&text))
                };
                match &supply.slot {
                    Slot::Param(location, name) => {
                        linked.params.push((*location, name.clone(), value, note));
                    }
                    Slot::Body => linked.body = Some((value, note)),
                }
            }
        }
        (linked, notes)
    }

    /// The exchange of a link source, sent at most once per harness and instance (concurrent
    /// callers wait for the first).
    pub(crate) async fn source_run(
        &self,
        source: &Operation,
        own_instance: bool,
    ) -> Arc<SourceRun> {
        let cell = match self.sources.lock() {
            Ok(mut map) => Arc::clone(map.entry((source.id.clone(), own_instance)).or_default()),
            Err(_) => Arc::new(tokio::sync::OnceCell::new()),
        };
        Arc::clone(
            cell.get_or_init(|| async { Arc::new(self.send_source(source).await) })
                .await,
        )
    }

    /// Sends a link source's positive request, as the source's own checks would.
    pub(crate) async fn send_source(&self, source: &Operation) -> SourceRun {
        let label = format!("{} {} ({})", source.method, source.path, source.id);
        if self.target.settings.read_only && !source.method.is_safe() {
            return Err(format!("{label} is not sent in a read-only environment"));
        }
        let planned = self
            .plan(source)
            .await
            .map_err(|unsent| match unsent.unbuildable() {
                Some(detail) => format!(
                    "no request could be built for {}{}",
                    source.id,
                    detail.map_or_else(String::new, |d| format!(": {d}"))
                ),
                None => format!("{} was not sent: {}", source.id, unsent.describe()),
            })?;
        let (wire, curl) = self.build(source, source.method, &planned, true);
        let exchange = self
            .send(
                source,
                Arc::new(wire),
                Arc::new(curl),
                planned.notes.clone(),
            )
            .await
            .map_err(|unsent| match unsent {
                Unsent::Skipped(reason) => format!("{} was not sent: {reason}", source.id),
                Unsent::Error(_) => format!("{} got no answer: {}", source.id, unsent.describe()),
            })?;
        let status = exchange.response.status;
        if !(200..300).contains(&status) {
            let reason = crate::failure::reason_phrase(status);
            return Err(format!(
                "{} answered {status}{}{}",
                source.id,
                if reason.is_empty() { "" } else { " " },
                reason
            ));
        }
        let value_of = |location: ParamLocation| {
            planned
                .values
                .iter()
                .filter(|(l, _, _)| *l == location)
                .map(|(_, n, v)| (n.clone(), v.clone()))
                .collect()
        };
        Ok(SourceExchange {
            label,
            exchanged: Exchanged {
                url: exchange.wire.url.clone(),
                method: exchange.wire.method.clone(),
                path: value_of(ParamLocation::Path),
                query: value_of(ParamLocation::Query),
                request_headers: exchange.wire.headers.clone(),
                request_body: exchange.wire.body.as_deref().and_then(Payload::of),
                status,
                response_headers: exchange.response.headers.clone(),
                response_body: Payload::of(&exchange.response.body),
            },
        })
    }
}

/// A value for a note: cut after 120 characters.
fn shorten(text: &str) -> String {
    const MAX: usize = 120;
    if text.chars().count() > MAX {
        let cut: String = text.chars().take(MAX).collect();
        format!("{cut}...")
    } else {
        text.to_owned()
    }
}

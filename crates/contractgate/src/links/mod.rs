//! Request data from OpenAPI links: when a 2xx response of operation A documents a link to
//! operation B (`links: {GetUser: {operationId: getUser, parameters: {id: $response.body#/id}}}`),
//! the harness sends A first and gives B the value A answered with, instead of an example id that
//! may not exist in this environment.
//!
//! Which value wins, per parameter (and for the request body): a fixture of the environment, then
//! a link, then the spec's examples, then synthesized data.
//!
//! This module decides, once per harness and before anything is sent, which link supplies which
//! value ([`Graph::build`]): the links whose target is the operation, for values no fixture gives,
//! best first:
//! - for a safe target (GET, HEAD, OPTIONS), safe sources first (a read needs no side effect, and
//!   works in read-only environments); for any other target, unsafe sources first (a `POST` that
//!   creates: an update or a delete then acts on what the run created, never on data that was
//!   already there);
//! - then document order (paths, methods, responses, links, as written).
//!
//! A link is not used, with a note, when its source is skipped by the configuration, has an
//! unsupported feature, is unsafe in a read-only environment, or when it would close a cycle
//! (A needs B needs A) or make a chain of sources longer than [`MAX_DEPTH`]; the next link for
//! the value is tried, and after the last one the examples. A link from an operation to itself
//! is never a source (and says nothing).
//!
//! The runner ([`crate::Harness`]) sends each source once per harness (one exchange for every
//! operation that reads from it, and one more for the DELETE operations it feeds, so that a
//! delete never removes what another operation reads), and evaluates the runtime expressions
//! ([`expr`]) against that exchange.

pub(crate) mod expr;
pub(crate) mod source;

use std::collections::HashMap;
use std::sync::Arc;

use contractgate_spec::ir::{Api, Method, Operation, ParamLocation};
use serde_json::Value;

use crate::config::Settings;
use expr::Template;

/// The longest chain of sources: a target, its source, the source's source, ... three sources
/// deep at most.
pub(crate) const MAX_DEPTH: usize = 3;

/// One link of the spec.
#[derive(Debug)]
pub(crate) struct LinkInfo {
    /// Its name under `links`.
    pub name: String,
    /// The index of the source operation in [`Api::operations`].
    pub source: usize,
    /// Where it is written: `openapi.yaml #/paths/~1users/post/responses/201/links/GetUser`.
    pub location: String,
    /// Inferred from a list (`GET /users` → `GET /users/{id}`): tried after every other link.
    pub fallback: bool,
}

/// What a linked value fills.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// A parameter of the target.
    Param(ParamLocation, String),
    /// The target's request body.
    Body,
}

impl Slot {
    /// `id`, `the request body`.
    pub(crate) fn describe(&self) -> String {
        match self {
            Slot::Param(_, name) => name.clone(),
            Slot::Body => "the request body".to_owned(),
        }
    }
}

/// One value a link gives its target.
#[derive(Clone, Debug)]
pub(crate) struct Supply {
    /// What it fills.
    pub slot: Slot,
    /// The value as written, parsed.
    pub template: Template,
    /// The value as written, for notes (`$response.body#/id`).
    pub written: String,
}

/// A link chosen for an operation, with the values it gives it.
#[derive(Clone, Debug)]
pub(crate) struct Chosen {
    /// The link.
    pub link: Arc<LinkInfo>,
    /// The values taken from it.
    pub supplies: Vec<Supply>,
}

/// The links of one target operation.
#[derive(Clone, Debug, Default)]
pub(crate) struct OpLinks {
    /// The links to use, each with the values it gives.
    pub chosen: Vec<Chosen>,
    /// Why links that could have given values are not used (unsupported expressions, cycles,
    /// read-only, ...).
    pub notes: Vec<String>,
}

/// The links to use for every operation, decided once per harness.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    by_op: HashMap<String, OpLinks>,
}

/// A link that can give a target values, before the choice.
#[derive(Debug)]
struct Candidate {
    link: Arc<LinkInfo>,
    supplies: Vec<Supply>,
    rejected: bool,
}

/// `link GetUser (createUser -> getUser)`.
pub(crate) fn link_label(link: &LinkInfo, api: &Api, target: &Operation) -> String {
    let source = api
        .operations
        .get(link.source)
        .map_or("?", |s| s.id.as_str());
    format!("link {} ({source} -> {})", link.name, target.id)
}

/// `id`, `id and the request body`.
pub(crate) fn slots_text(supplies: &[Supply]) -> String {
    let names: Vec<String> = supplies.iter().map(|s| s.slot.describe()).collect();
    match names.len() {
        0 => String::new(),
        1 => names[0].clone(),
        n => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
    }
}

/// The tail of a note about a value that does not come from a link after all.
pub(crate) fn instead(what: &str) -> String {
    format!("{what} from the spec's examples or synthesized data instead")
}

/// The operation a link points at: `operationId` (as written, or contractgate's id), or a local
/// `operationRef` (`#/paths/~1users~1{id}/get`). `None` for anything else (another document).
fn target_of(api: &Api, link: &contractgate_spec::ir::Link) -> Option<usize> {
    if let Some(id) = &link.operation_id {
        return api
            .operations
            .iter()
            .position(|o| o.operation_id.as_deref() == Some(id.as_str()))
            .or_else(|| api.operations.iter().position(|o| &o.id == id));
    }
    let reference = link.operation_ref.as_deref()?;
    let fragment = reference.strip_prefix('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
    let tokens = contractgate_spec::pointer::tokens(&decoded)?;
    match tokens.as_slice() {
        [paths, path, method] if paths == "paths" => api
            .operations
            .iter()
            .position(|o| &o.path == path && o.method.key() == method.to_ascii_lowercase()),
        _ => None,
    }
}

/// The target parameter a link's key names: `id`, or `path.id` for one location.
fn param_of<'a>(target: &'a Operation, key: &str) -> Option<&'a contractgate_spec::ir::Parameter> {
    if let Some((location, name)) = key.split_once('.') {
        let location = match location {
            "path" => Some(ParamLocation::Path),
            "query" => Some(ParamLocation::Query),
            "header" => Some(ParamLocation::Header),
            "cookie" => Some(ParamLocation::Cookie),
            "querystring" => Some(ParamLocation::QueryString),
            _ => None,
        };
        if let Some(location) = location
            && let Some(p) = target
                .parameters
                .iter()
                .find(|p| p.location == location && p.name == name)
        {
            return Some(p);
        }
    }
    target.parameters.iter().find(|p| p.name == key)
}

impl Graph {
    /// No links (the `links = false` setting).
    pub(crate) fn empty() -> Graph {
        Graph::default()
    }

    /// Which link gives which value, for every operation of `api`.
    pub(crate) fn build(api: &Api, settings: &Settings) -> Graph {
        let n = api.operations.len();
        let mut candidates: Vec<Vec<Candidate>> = (0..n).map(|_| Vec::new()).collect();
        let mut notes: Vec<Vec<String>> = vec![Vec::new(); n];
        for (si, source) in api.operations.iter().enumerate() {
            for response in source.success_responses() {
                for (name, link) in &response.links {
                    if link.inferred && !settings.infer_links {
                        continue;
                    }
                    let Some(ti) = target_of(api, link) else {
                        // No target in this API (a remote operationRef, an unknown
                        // operationId): nothing to give values to.
                        continue;
                    };
                    if ti == si {
                        // A link from an operation to itself (a "self" link) cannot give the
                        // operation its own input: not a source, and not worth a note.
                        continue;
                    }
                    let target = &api.operations[ti];
                    let mut pointer =
                        contractgate_spec::pointer::push(&response.location.pointer, "links");
                    pointer = contractgate_spec::pointer::push(&pointer, name);
                    let location = if link.inferred {
                        // Not in the file: say where the answer it reads is documented.
                        format!(
                            "{} #{} (inferred from names: the spec has no link here; `infer_links = false` turns inference off)",
                            response.location.file, response.location.pointer
                        )
                    } else {
                        format!("{} #{pointer}", response.location.file)
                    };
                    let info = Arc::new(LinkInfo {
                        name: name.clone(),
                        source: si,
                        location,
                        fallback: link.inferred && source.method == Method::Get,
                    });
                    let fixtures = settings.fixtures.get(&target.id);
                    let at = format!("link {name} at {}", info.location);
                    let mut supplies = Vec::new();
                    for (key, value) in &link.parameters {
                        let Some(p) = param_of(target, key) else {
                            notes[ti].push(format!(
                                "{at}: {} has no parameter `{key}`; ignored",
                                target.id
                            ));
                            continue;
                        };
                        if crate::data::harness_sets(p)
                            || fixtures.is_some_and(|f| f.params.contains_key(&p.name))
                        {
                            continue;
                        }
                        match expr::parse(value) {
                            Ok(template) => supplies.push(Supply {
                                slot: Slot::Param(p.location, p.name.clone()),
                                template,
                                written: written(value),
                            }),
                            Err(why) => notes[ti].push(format!(
                                "{at}: the value for {} is not supported: {why}; {}",
                                p.name,
                                instead(&p.name)
                            )),
                        }
                    }
                    if let Some(value) = &link.request_body {
                        if target.request_body.is_none() {
                            notes[ti].push(format!(
                                "{at}: {} has no request body; its requestBody is ignored",
                                target.id
                            ));
                        } else if fixtures.is_none_or(|f| f.body.is_none()) {
                            match expr::parse(value) {
                                Ok(template) => supplies.push(Supply {
                                    slot: Slot::Body,
                                    template,
                                    written: written(value),
                                }),
                                Err(why) => notes[ti].push(format!(
                                    "{at}: its requestBody is not supported: {why}; {}",
                                    instead("the request body")
                                )),
                            }
                        }
                    }
                    if supplies.is_empty() {
                        continue;
                    }
                    // Static reasons not to send the source.
                    let label = link_label(&info, api, target);
                    let slots = slots_text(&supplies);
                    let refused = if let Some(reason) = settings.skip.get(&source.id) {
                        Some(format!(
                            "{} is skipped by the configuration ({reason})",
                            source.id
                        ))
                    } else if let Some(u) = source.unsupported.first() {
                        Some(format!(
                            "{} uses {}, which is not supported (at {})",
                            source.id, u.feature, u.location
                        ))
                    } else if settings.read_only && !source.method.is_safe() {
                        Some(format!(
                            "{} {} ({}) is not sent in a read-only environment",
                            source.method, source.path, source.id
                        ))
                    } else {
                        None
                    };
                    if let Some(why) = refused {
                        notes[ti].push(format!("{label} not used: {why}; {}", instead(&slots)));
                        continue;
                    }
                    candidates[ti].push(Candidate {
                        link: info,
                        supplies,
                        rejected: false,
                    });
                }
            }
        }
        // Best first: a link that is not a list's fallback, a source as safe as the target, then
        // document order (the sort is stable).
        for (ti, list) in candidates.iter_mut().enumerate() {
            let safe = api.operations[ti].method.is_safe();
            list.sort_by_key(|c| {
                (
                    c.link.fallback,
                    api.operations[c.link.source].method.is_safe() != safe,
                )
            });
        }
        // Reject links that close a cycle or make a chain too long, one at a time, until none
        // does (each round rejects one candidate, so this ends).
        let total: usize = candidates.iter().map(Vec::len).sum();
        for _ in 0..=total {
            let chosen = choose_all(api, &candidates);
            let edges: Vec<Vec<(usize, usize)>> = chosen
                .iter()
                .map(|per_op| {
                    per_op
                        .iter()
                        .map(|(ci, _)| (ci.0, ci.1))
                        .collect::<Vec<_>>()
                })
                .collect();
            if let Some((ti, ci, why)) = back_edge(api, &edges).or_else(|| too_deep(api, &edges)) {
                let c = &mut candidates[ti][ci];
                c.rejected = true;
                let label = link_label(&c.link, api, &api.operations[ti]);
                notes[ti].push(format!(
                    "{label} not used: {why}; {}",
                    instead(&slots_text(&c.supplies))
                ));
                continue;
            }
            let mut by_op = HashMap::new();
            for (ti, per_op) in chosen.into_iter().enumerate() {
                let op_notes = std::mem::take(&mut notes[ti]);
                if per_op.is_empty() && op_notes.is_empty() {
                    continue;
                }
                let chosen = per_op
                    .into_iter()
                    .map(|((_, ci), slots)| {
                        let c = &candidates[ti][ci];
                        Chosen {
                            link: Arc::clone(&c.link),
                            supplies: c
                                .supplies
                                .iter()
                                .filter(|s| slots.contains(&s.slot))
                                .cloned()
                                .collect(),
                        }
                    })
                    .collect();
                by_op.insert(
                    api.operations[ti].id.clone(),
                    OpLinks {
                        chosen,
                        notes: op_notes,
                    },
                );
            }
            return Graph { by_op };
        }
        Graph::default()
    }

    /// The links of one operation.
    pub(crate) fn get(&self, op_id: &str) -> Option<&OpLinks> {
        self.by_op.get(op_id)
    }
}

/// A link value as written, for notes.
fn written(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// For each operation: the candidates it uses, as ((source index, candidate index), slots), in
/// the order of the slots they fill first.
type Choice = Vec<((usize, usize), Vec<Slot>)>;

fn choose_all(api: &Api, candidates: &[Vec<Candidate>]) -> Vec<Choice> {
    api.operations
        .iter()
        .zip(candidates)
        .map(|(op, list)| {
            let mut slots: Vec<Slot> = op
                .parameters
                .iter()
                .map(|p| Slot::Param(p.location, p.name.clone()))
                .collect();
            slots.push(Slot::Body);
            let mut chosen: Choice = Vec::new();
            for slot in slots {
                let best = list
                    .iter()
                    .enumerate()
                    .find(|(_, c)| !c.rejected && c.supplies.iter().any(|s| s.slot == slot));
                if let Some((ci, c)) = best {
                    match chosen.iter_mut().find(|((_, i), _)| *i == ci) {
                        Some((_, s)) => s.push(slot),
                        None => chosen.push(((c.link.source, ci), vec![slot])),
                    }
                }
            }
            chosen
        })
        .collect()
}

/// The first edge (target, candidate) that closes a cycle, in a depth-first walk in document
/// order, with the cycle: "it would close a cycle: getUser needs listPosts needs getUser".
fn back_edge(api: &Api, edges: &[Vec<(usize, usize)>]) -> Option<(usize, usize, String)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Color {
        White,
        Grey,
        Black,
    }
    let mut color = vec![Color::White; edges.len()];
    for root in 0..edges.len() {
        if color[root] != Color::White {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        color[root] = Color::Grey;
        while let Some(top) = stack.last_mut() {
            let node = top.0;
            if let Some(&(source, ci)) = edges[node].get(top.1) {
                top.1 += 1;
                match color[source] {
                    Color::Grey => {
                        let start = stack.iter().position(|(n, _)| *n == source).unwrap_or(0);
                        let mut names: Vec<&str> = stack[start..]
                            .iter()
                            .map(|(n, _)| api.operations[*n].id.as_str())
                            .collect();
                        names.push(api.operations[source].id.as_str());
                        return Some((
                            node,
                            ci,
                            format!("it would close a cycle: {}", names.join(" needs ")),
                        ));
                    }
                    Color::White => {
                        color[source] = Color::Grey;
                        stack.push((source, 0));
                    }
                    Color::Black => {}
                }
            } else {
                color[node] = Color::Black;
                stack.pop();
            }
        }
    }
    None
}

/// The first edge (target, candidate), in document order, that makes a chain of sources longer
/// than [`MAX_DEPTH`]. The graph has no cycle.
fn too_deep(api: &Api, edges: &[Vec<(usize, usize)>]) -> Option<(usize, usize, String)> {
    // depth[v]: the longest chain of sources below v, capped at MAX_DEPTH + 1 (after k rounds of
    // relaxation it is min(longest, k)).
    let cap = MAX_DEPTH + 1;
    let mut depth = vec![0usize; edges.len()];
    for _ in 0..cap {
        let next: Vec<usize> = edges
            .iter()
            .map(|e| {
                e.iter()
                    .map(|(s, _)| depth[*s] + 1)
                    .max()
                    .unwrap_or(0)
                    .min(cap)
            })
            .collect();
        depth = next;
    }
    let ti = (0..edges.len()).find(|&t| depth[t] > MAX_DEPTH)?;
    let &(_, ci) = edges[ti].iter().find(|(s, _)| depth[*s] >= MAX_DEPTH)?;
    // The chain, following the deepest source each time.
    let mut chain = vec![api.operations[ti].id.as_str()];
    let mut at = ti;
    while let Some(&(s, _)) = edges[at].iter().max_by_key(|(s, _)| depth[*s]) {
        chain.push(api.operations[s].id.as_str());
        at = s;
        if chain.len() > cap + 1 {
            break;
        }
    }
    Some((
        ti,
        ci,
        format!(
            "the chain of links would be longer than {MAX_DEPTH} ({})",
            chain.join(" needs ")
        ),
    ))
}

/// Whether `op` gets a source exchange of its own (a DELETE: it must not remove what other
/// operations read).
pub(crate) fn own_instance(op: &Operation) -> bool {
    op.method == Method::Delete
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn api(spec: &str) -> Api {
        contractgate_spec::load_str("t.yaml", spec)
            .unwrap_or_else(|d| panic!("{d:?}"))
            .api
    }

    /// `/<name>/{id}` GET operations; `links` lists (source, target, link name, extra yaml).
    fn spec(ops: &[(&str, &str)], links: &[(&str, &str, &str)]) -> String {
        let mut out = String::from("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n");
        for (name, method) in ops {
            out.push_str(&format!(
                "  /{name}/{{id}}:\n    {method}:\n      operationId: {name}\n      parameters:\n        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n      responses:\n        '200':\n          description: ok\n"
            ));
            let mine: Vec<_> = links.iter().filter(|(s, _, _)| s == name).collect();
            if !mine.is_empty() {
                out.push_str("          links:\n");
                for (_, target, link) in mine {
                    out.push_str(&format!(
                        "            {link}:\n              operationId: {target}\n              parameters: {{id: $response.body#/id}}\n"
                    ));
                }
            }
        }
        out
    }

    fn sources(g: &Graph, api: &Api, op: &str) -> Vec<String> {
        g.get(op)
            .map(|l| {
                l.chosen
                    .iter()
                    .map(|c| api.operations[c.link.source].id.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn notes(g: &Graph, op: &str) -> Vec<String> {
        g.get(op).map(|l| l.notes.clone()).unwrap_or_default()
    }

    #[test]
    fn safe_targets_prefer_safe_sources_and_others_prefer_unsafe_ones() {
        let a = api(&spec(
            &[
                ("list", "get"),
                ("make", "post"),
                ("read", "get"),
                ("drop", "delete"),
            ],
            &[
                ("list", "read", "ListToRead"),
                ("make", "read", "MakeToRead"),
                ("list", "drop", "ListToDrop"),
                ("make", "drop", "MakeToDrop"),
            ],
        ));
        let g = Graph::build(&a, &Settings::default());
        assert_eq!(sources(&g, &a, "read"), ["list"]);
        assert_eq!(sources(&g, &a, "drop"), ["make"]);
        // Read-only: the POST is never a source.
        let ro = Settings {
            read_only: true,
            ..Settings::default()
        };
        let g = Graph::build(&a, &ro);
        assert_eq!(sources(&g, &a, "read"), ["list"]);
        assert_eq!(sources(&g, &a, "drop"), ["list"]);
        assert_eq!(
            notes(&g, "drop"),
            [
                "link MakeToDrop (make -> drop) not used: POST /make/{id} (make) is not sent in a read-only environment; id from the spec's examples or synthesized data instead"
            ]
        );
    }

    #[test]
    fn cycles_are_cut_and_say_so() {
        let a = api(&spec(
            &[("a", "get"), ("b", "get"), ("c", "get")],
            &[
                ("a", "a", "Self"),
                ("a", "b", "AToB"),
                ("b", "a", "BToA"),
                ("c", "b", "CToB"),
            ],
        ));
        let g = Graph::build(&a, &Settings::default());
        assert_eq!(sources(&g, &a, "a"), ["b"]);
        assert_eq!(sources(&g, &a, "b"), ["c"]);
        // A self link is no source, and says nothing.
        assert!(notes(&g, "a").is_empty(), "{:?}", notes(&g, "a"));
        assert_eq!(
            notes(&g, "b"),
            [
                "link AToB (a -> b) not used: it would close a cycle: a needs b needs a; id from the spec's examples or synthesized data instead"
            ]
        );
        // Two operations that only link to each other: one of them uses its examples.
        let a = api(&spec(
            &[("x", "get"), ("y", "get")],
            &[("x", "y", "XToY"), ("y", "x", "YToX")],
        ));
        let g = Graph::build(&a, &Settings::default());
        assert_eq!(sources(&g, &a, "x"), ["y"]);
        assert!(sources(&g, &a, "y").is_empty());
    }

    #[test]
    fn chains_longer_than_the_limit_are_cut() {
        // o1 needs o2 needs o3 needs o4 needs o5: four sources deep.
        let a = api(&spec(
            &[
                ("o1", "get"),
                ("o2", "get"),
                ("o3", "get"),
                ("o4", "get"),
                ("o5", "get"),
            ],
            &[
                ("o2", "o1", "L1"),
                ("o3", "o2", "L2"),
                ("o4", "o3", "L3"),
                ("o5", "o4", "L4"),
            ],
        ));
        let g = Graph::build(&a, &Settings::default());
        assert!(sources(&g, &a, "o1").is_empty());
        assert_eq!(sources(&g, &a, "o2"), ["o3"]);
        assert_eq!(
            notes(&g, "o1"),
            [
                "link L1 (o2 -> o1) not used: the chain of links would be longer than 3 (o1 needs o2 needs o3 needs o4 needs o5); id from the spec's examples or synthesized data instead"
            ]
        );
    }

    #[test]
    fn fixtures_skips_and_links_off() {
        let a = api(&spec(
            &[("make", "post"), ("read", "get")],
            &[("make", "read", "L")],
        ));
        let mut s = Settings::default();
        s.fixtures.insert(
            "read".into(),
            crate::config::OperationFixtures {
                params: [("id".to_owned(), Value::from(1))].into_iter().collect(),
                body: None,
            },
        );
        assert!(Graph::build(&a, &s).get("read").is_none());
        let mut s = Settings::default();
        s.skip.insert("make".into(), "slow".into());
        let g = Graph::build(&a, &s);
        assert!(sources(&g, &a, "read").is_empty());
        assert_eq!(
            notes(&g, "read"),
            [
                "link L (make -> read) not used: make is skipped by the configuration (slow); id from the spec's examples or synthesized data instead"
            ]
        );
    }

    #[test]
    fn operation_refs_and_qualified_names() {
        let text = spec(&[("make", "post"), ("read", "get")], &[]).replace(
            "        '200':\n          description: ok\n  /read",
            "        '200':\n          description: ok\n          links:\n            ByRef:\n              operationRef: '#/paths/~1read~1{id}/get'\n              parameters: {path.id: $response.body#/id}\n            Remote:\n              operationRef: 'https://example.com/api.yaml#/paths/~1read~1{id}/get'\n              parameters: {id: $response.body#/id}\n  /read",
        );
        let a = api(&text);
        let g = Graph::build(&a, &Settings::default());
        let links = g.get("read").unwrap();
        assert_eq!(links.chosen.len(), 1);
        assert_eq!(links.chosen[0].link.name, "ByRef");
        assert_eq!(
            links.chosen[0].supplies[0].slot,
            Slot::Param(ParamLocation::Path, "id".into())
        );
        assert_eq!(
            links.chosen[0].link.location,
            "t.yaml #/paths/~1make~1{id}/post/responses/200/links/ByRef"
        );
    }
}

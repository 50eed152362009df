//! Reading one file: YAML or JSON (decided by content), into a `serde_json::Value` with key order
//! preserved, plus a map from JSON pointer to line and column.
//!
//! Everything that touches a YAML or JSON parser goes through [`parse`]; the rest of the crate
//! only sees a [`Document`] (a `serde_json::Value` and a position map) or a list of
//! [`Diagnostic`]s. Swapping the YAML crate later means rewriting this file and nothing else.
//!
//! # Format detection
//!
//! The format is decided by the content, never by the file extension: when the first character
//! that is not whitespace or a byte-order mark is `{` or `[`, the text is JSON, otherwise YAML.
//! JSON that fails to parse is reported as a JSON error (there is no silent retry as YAML).
//!
//! # Why serde-saphyr for YAML
//!
//! The YAML reader is `serde-saphyr` (pinned, see `../shared/CRATES.md` §2), not one of the
//! libyaml-based `serde_yaml` descendants, for three reasons:
//!
//! * **Duplicate keys are visible.** The `serde_yaml` family keeps the last of two equal mapping
//!   keys without a word, so a copy-pasted `/user/profile:` path item silently replaces the first
//!   one and a route disappears from the contract. That is exactly the kind of routing mistake
//!   contractgate exists to catch. serde-saphyr can either reject duplicates or, as used here
//!   (`DuplicateKeyPolicy::PassThrough`), hand both entries to our visitor, which then reports
//!   every duplicate with both of its locations.
//! * **It is designed not to panic.** It is written in safe Rust, is fuzzed, and enforces budgets
//!   (nodes, events, nesting depth, aliases) against hostile input such as alias bombs. The loader
//!   promises "a clear error, never a panic" for any input.
//! * **It knows where things are.** Errors carry line and column, and `Spanned<T>` gives the
//!   location of every node while deserializing, so the value and the pointer → position map are
//!   built in one pass over the text instead of re-parsing with a second, span-aware parser.
//!
//! The price is speed: it is roughly half as fast as the libyaml ports (about 20 MB/s, a 2 MB
//! spec takes ~0.1 s). That is acceptable for specs read once per build; a service that also
//! publishes its spec as JSON gets the ~10× faster serde_json path automatically.
//!
//! Its defaults lean towards YAML 1.1 for untyped values (`yes` → `true`, `014` → `14`), which
//! would corrupt enum values and version strings in a spec, so a strict preset is used:
//! YAML 1.2 booleans only, leading-zero and underscored numbers stay strings, `.inf`/`.nan` stay
//! strings, and the node/event budget is raised so that multi-megabyte specs are accepted.
//!
//! Deserialization recurses once per nesting level and serde-saphyr's stack frames are large in
//! unoptimized builds (build scripts and tests run those), so YAML is read on a short-lived thread
//! with a 64 MB stack (reserved, not committed), and nesting is capped at [`MAX_DEPTH`] levels
//! with a `nesting-too-deep` error instead of a stack overflow.
//!
//! # JSON
//!
//! serde_json (with `preserve_order`) is the parser of record for the value; its recursion limit
//! (128 levels) is reported as `nesting-too-deep`. Because it keeps the last of two duplicate
//! keys silently, a small iterative scanner walks the same text once more to record positions
//! and to find duplicate keys (decoding escapes, so `"a"` and `"\u0061"` are the same key); it
//! accepts any text without panicking.

use foldhash::{HashMap, HashMapExt};
use indexmap::IndexMap;
use indexmap::map::Entry as IndexEntry;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::fmt;

use crate::diag::{Diagnostic, Location};
use crate::pointer;

/// The deepest nesting of mappings/sequences (objects/arrays) accepted in a document. JSON is
/// further limited by serde_json's own recursion limit (128).
pub const MAX_DEPTH: usize = 512;

/// A line and column, both 1-based (column in characters).
type Pos = (u32, u32);

/// The syntax a document was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// YAML 1.2.
    Yaml,
}

/// One parsed file.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file name used in diagnostics.
    pub file: String,
    /// JSON or YAML.
    pub format: Format,
    /// The content, key order preserved.
    pub value: Value,
    /// JSON pointer → (line, column), 1-based. For a mapping entry, the position of its key.
    positions: HashMap<String, (u32, u32)>,
}

impl Document {
    /// The location of `pointer` in this file: exact when known, else the nearest ancestor's.
    pub fn locate(&self, pointer: &str) -> Location {
        let mut p = pointer;
        loop {
            if let Some(&(line, column)) = self.positions.get(p) {
                return Location {
                    file: self.file.clone(),
                    line,
                    column,
                    pointer: pointer.to_owned(),
                };
            }
            match crate::pointer::parent(p) {
                Some(parent) => p = parent,
                None => {
                    return Location {
                        file: self.file.clone(),
                        line: 0,
                        column: 0,
                        pointer: pointer.to_owned(),
                    };
                }
            }
        }
    }

    /// The exact (line, column) recorded for `pointer`, if any (no ancestor fallback).
    pub fn position(&self, pointer: &str) -> Option<(u32, u32)> {
        self.positions.get(pointer).copied()
    }

    /// How many pointers have a recorded position.
    pub fn position_count(&self) -> usize {
        self.positions.len()
    }
}

/// Parses `text` (the content of `file`) as JSON or YAML.
///
/// JSON when the first character that is not whitespace or a byte-order mark is `{` or `[`,
/// YAML otherwise. All duplicate keys of the document are reported (code `duplicate-key`, with
/// the first definition as a related location); other failures give one diagnostic:
/// `json-syntax`, `yaml-syntax`, `empty-document`, `nesting-too-deep`, `multiple-documents`,
/// `yaml-budget-exceeded`, `internal-error` (the YAML reader panicked; it is caught).
///
/// Positions are 1-based lines and character columns: for a mapping entry the position of its
/// key, for a sequence item the item's, for `""` the root value's.
pub fn parse(file: &str, text: &str) -> Result<Document, Vec<Diagnostic>> {
    let first = text
        .chars()
        .find(|c| !c.is_whitespace() && *c != '\u{feff}');
    match first {
        None => Err(vec![Diagnostic::error(
            "empty-document",
            location(file, 0, 0, ""),
            "the document is empty",
        )]),
        Some('{' | '[') => parse_json(file, text),
        Some(_) => parse_yaml(file, text),
    }
}

fn location(file: &str, line: u32, column: u32, pointer: &str) -> Location {
    Location {
        file: file.to_owned(),
        line,
        column,
        pointer: pointer.to_owned(),
    }
}

/// A duplicate mapping key found by either format's reader.
#[derive(Debug)]
struct Duplicate {
    /// Pointer of the entry (both occurrences share it).
    pointer: String,
    /// The key, unescaped.
    key: String,
    first: Pos,
    second: Pos,
}

fn duplicate_diagnostics(file: &str, mut dups: Vec<Duplicate>) -> Vec<Diagnostic> {
    dups.sort_by_key(|d| d.second);
    dups.into_iter()
        .map(|d| {
            Diagnostic::error(
                "duplicate-key",
                location(file, d.second.0, d.second.1, &d.pointer),
                format!("duplicate key '{}'", d.key),
            )
            .with_related("first defined here", location(file, d.first.0, d.first.1, &d.pointer))
            .with_help(
                "remove or rename one of the two entries; many tools silently keep only the last one",
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

fn parse_json(file: &str, text: &str) -> Result<Document, Vec<Diagnostic>> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(e) => return Err(vec![json_error(file, body, &e)]),
    };
    let scan = scan_json(body);
    if let Some((line, column)) = scan.too_deep {
        return Err(vec![too_deep(file, line, column, MAX_DEPTH)]);
    }
    if !scan.duplicates.is_empty() {
        return Err(duplicate_diagnostics(file, scan.duplicates));
    }
    Ok(Document {
        file: file.to_owned(),
        format: Format::Json,
        value,
        positions: scan.positions,
    })
}

fn too_deep(file: &str, line: u32, column: u32, max_depth: usize) -> Diagnostic {
    Diagnostic::error(
        "nesting-too-deep",
        location(file, line, column, ""),
        format!("mappings/sequences (objects/arrays) are nested more than {max_depth} levels deep"),
    )
}

fn json_error(file: &str, body: &str, e: &serde_json::Error) -> Diagnostic {
    let line = u32::try_from(e.line()).unwrap_or(u32::MAX);
    let column = char_column(body, e.line(), e.column());
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    if message.starts_with("recursion limit exceeded") {
        return Diagnostic::error(
            "nesting-too-deep",
            location(file, line, column, ""),
            "objects/arrays are nested more than 128 levels deep (the JSON parser's limit)",
        );
    }
    Diagnostic::error("json-syntax", location(file, line, column, ""), message)
        .with_help("the file starts with '{' or '[', so it is read as JSON (not YAML)")
}

/// serde_json reports columns in bytes; diagnostics use characters (like the YAML reader).
fn char_column(body: &str, line: usize, byte_column: usize) -> u32 {
    let Some(text) = line.checked_sub(1).and_then(|n| body.split('\n').nth(n)) else {
        return u32::try_from(byte_column).unwrap_or(u32::MAX);
    };
    let before = byte_column.saturating_sub(1).min(text.len());
    let mut end = before;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    let chars = text.get(..end).map_or(before, |s| s.chars().count());
    let extra = usize::from(byte_column > 0);
    u32::try_from(chars + extra).unwrap_or(u32::MAX)
}

/// What [`scan_json`] found.
#[derive(Debug, Default)]
struct JsonScan {
    positions: HashMap<String, Pos>,
    duplicates: Vec<Duplicate>,
    /// Set when nesting exceeds [`MAX_DEPTH`]; scanning stops there.
    too_deep: Option<Pos>,
}

#[derive(Debug)]
enum Frame {
    Object {
        /// Length of the object's own pointer in the shared pointer buffer.
        base: usize,
        expect_key: bool,
        keys: HashMap<String, Pos>,
    },
    Array {
        base: usize,
        index: usize,
    },
}

/// A tolerant JSON tokenizer that tracks the current pointer, line and column. It records the
/// position of every object key (under the entry's pointer), every array item and the root, and
/// every duplicate key with both positions. It accepts any text without panicking: on malformed
/// input it returns whatever it managed to record.
fn scan_json(text: &str) -> JsonScan {
    let mut s = Scanner {
        text,
        bytes: text.as_bytes(),
        i: 0,
        line: 1,
        col: 1,
    };
    let mut out = JsonScan::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut ptr = String::new();

    loop {
        s.skip_whitespace();
        let Some(&b) = s.bytes.get(s.i) else { break };
        let pos = (s.line, s.col);
        match b {
            b'{' | b'[' => {
                begin_value(&stack, &mut ptr, &mut out.positions, pos);
                if stack.len() >= MAX_DEPTH {
                    out.too_deep = Some(pos);
                    break;
                }
                s.bump();
                let base = ptr.len();
                stack.push(if b == b'{' {
                    Frame::Object {
                        base,
                        expect_key: true,
                        keys: HashMap::new(),
                    }
                } else {
                    Frame::Array { base, index: 0 }
                });
            }
            b'}' | b']' => {
                s.bump();
                stack.pop();
            }
            b',' => {
                s.bump();
                match stack.last_mut() {
                    Some(Frame::Object {
                        base, expect_key, ..
                    }) => {
                        *expect_key = true;
                        ptr.truncate(*base);
                    }
                    Some(Frame::Array { base, index }) => {
                        *index = index.saturating_add(1);
                        ptr.truncate(*base);
                    }
                    None => {}
                }
            }
            b':' => {
                s.bump();
                if let Some(Frame::Object { expect_key, .. }) = stack.last_mut() {
                    *expect_key = false;
                }
            }
            b'"' => {
                let string = s.string();
                match stack.last_mut() {
                    Some(Frame::Object {
                        base,
                        expect_key: expect_key @ true,
                        keys,
                    }) => {
                        *expect_key = false;
                        ptr.truncate(*base);
                        ptr.push('/');
                        ptr.push_str(&pointer::escape(&string));
                        match keys.entry(string) {
                            Entry::Occupied(o) => out.duplicates.push(Duplicate {
                                pointer: ptr.clone(),
                                key: o.key().clone(),
                                first: *o.get(),
                                second: pos,
                            }),
                            Entry::Vacant(v) => {
                                v.insert(pos);
                            }
                        }
                        out.positions.entry(ptr.clone()).or_insert(pos);
                    }
                    _ => begin_value(&stack, &mut ptr, &mut out.positions, pos),
                }
            }
            _ => {
                begin_value(&stack, &mut ptr, &mut out.positions, pos);
                s.scalar();
            }
        }
    }
    out
}

/// Records the position of a value that starts at `pos`: the root, or an array item (object
/// members are recorded at their key).
fn begin_value(stack: &[Frame], ptr: &mut String, positions: &mut HashMap<String, Pos>, pos: Pos) {
    match stack.last() {
        None => {
            positions.entry(String::new()).or_insert(pos);
        }
        Some(Frame::Array { base, index }) => {
            ptr.truncate(*base);
            ptr.push('/');
            ptr.push_str(&index.to_string());
            positions.entry(ptr.clone()).or_insert(pos);
        }
        Some(Frame::Object { .. }) => {}
    }
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    i: usize,
    line: u32,
    col: u32,
}

impl Scanner<'_> {
    /// Moves past one byte, keeping line and (character) column.
    fn bump(&mut self) {
        if let Some(&b) = self.bytes.get(self.i) {
            if b == b'\n' {
                self.line = self.line.saturating_add(1);
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                self.col = self.col.saturating_add(1);
            }
            self.i += 1;
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.i) {
            self.bump();
        }
    }

    /// A number, a literal or anything unexpected: up to the next delimiter (at least one byte).
    fn scalar(&mut self) {
        let start = self.i;
        while let Some(&b) = self.bytes.get(self.i) {
            let delimiter = matches!(
                b,
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b':' | b'[' | b']' | b'{' | b'}' | b'"'
            );
            if delimiter && self.i > start {
                break;
            }
            self.bump();
        }
    }

    /// A string starting at the current `"`, decoded (escapes, surrogate pairs). An unterminated
    /// string ends at the end of the text; invalid escapes are kept as text or become U+FFFD.
    fn string(&mut self) -> String {
        self.bump(); // the opening quote
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.bytes.get(self.i) {
                if b == b'"' || b == b'\\' {
                    break;
                }
                self.bump();
            }
            out.push_str(self.text.get(start..self.i).unwrap_or(""));
            match self.bytes.get(self.i) {
                None => return out,
                Some(b'"') => {
                    self.bump();
                    return out;
                }
                Some(_) => {
                    self.bump(); // the backslash
                    self.escape(&mut out);
                }
            }
        }
    }

    /// The part of an escape after the backslash. Consumes only ASCII so `i` stays on a character
    /// boundary.
    fn escape(&mut self, out: &mut String) {
        let Some(&e) = self.bytes.get(self.i) else {
            return;
        };
        let simple = match e {
            b'"' => Some('"'),
            b'\\' => Some('\\'),
            b'/' => Some('/'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            _ => None,
        };
        if let Some(c) = simple {
            self.bump();
            out.push(c);
            return;
        }
        if e != b'u' {
            // Not a JSON escape: keep the following text as it is.
            return;
        }
        self.bump();
        let Some(high) = self.hex4() else {
            out.push('\u{fffd}');
            return;
        };
        if (0xD800..0xDC00).contains(&high) {
            // A high surrogate: combine with a following `\uDC00`..`\uDFFF`.
            let low = (self.bytes.get(self.i) == Some(&b'\\')
                && self.bytes.get(self.i + 1) == Some(&b'u'))
            .then(|| self.peek_hex4(self.i + 2))
            .flatten()
            .filter(|low| (0xDC00..0xE000).contains(low));
            match low {
                Some(low) => {
                    for _ in 0..6 {
                        self.bump();
                    }
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                }
                None => out.push('\u{fffd}'),
            }
        } else {
            out.push(char::from_u32(high).unwrap_or('\u{fffd}'));
        }
    }

    /// Four hex digits at the current position, consumed when valid.
    fn hex4(&mut self) -> Option<u32> {
        let v = self.peek_hex4(self.i)?;
        for _ in 0..4 {
            self.bump();
        }
        Some(v)
    }

    fn peek_hex4(&self, at: usize) -> Option<u32> {
        let digits = self.bytes.get(at..at.checked_add(4)?)?;
        digits
            .iter()
            .try_fold(0u32, |acc, &d| Some(acc * 16 + char::from(d).to_digit(16)?))
    }
}

// ---------------------------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------------------------

fn yaml_options(max_depth: usize) -> serde_saphyr::Options {
    serde_saphyr::options! {
        // YAML 1.2 semantics for untyped values: `yes`/`on`/`NO` stay strings, `014` and `1_000`
        // stay strings, `.inf`/`.nan` stay strings.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
        underscored_numbers_as_strings: true,
        non_finite_float_policy: serde_saphyr::NonFiniteFloatPolicy::AsString,
        // Our visitor sees both entries of a duplicate key and reports all of them.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
        // Keys are read as strings with their original spelling; `~:` / `null:` become "~"/"null".
        null_as_string: true,
        with_snippet: false,
        budget: serde_saphyr::budget! {
            max_nodes: 50_000_000,
            max_events: 100_000_000,
            max_depth: max_depth,
            flow_nesting_limit: max_depth,
        },
    }
}

/// Stack for the YAML reader's thread. serde deserialization recurses once per nesting level and
/// serde-saphyr's frames are large in unoptimized builds (about 40 KB per level with `Spanned`,
/// measured), so [`MAX_DEPTH`] levels need about 20 MB in a debug build: more than the 2 MB of a
/// test or worker thread. The memory is reserved, not committed, until used.
const YAML_STACK_BYTES: usize = 64 << 20;

/// The depth cap used if the reader thread cannot be started and the caller's (possibly small)
/// stack has to do.
const FALLBACK_DEPTH: usize = 24;

fn parse_yaml(file: &str, text: &str) -> Result<Document, Vec<Diagnostic>> {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("contractgate-yaml".to_owned())
            .stack_size(YAML_STACK_BYTES)
            .spawn_scoped(scope, || parse_yaml_here(file, text, MAX_DEPTH));
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(vec![Diagnostic::error(
                    "internal-error",
                    location(file, 0, 0, ""),
                    "the YAML reader crashed on this file (a bug in contractgate or serde-saphyr; please report it)",
                )])
            }),
            Err(_) => parse_yaml_here(file, text, FALLBACK_DEPTH),
        }
    })
}

fn parse_yaml_here(file: &str, text: &str, max_depth: usize) -> Result<Document, Vec<Diagnostic>> {
    let root: serde_saphyr::Spanned<Node> =
        match serde_saphyr::from_str_with_options(text, yaml_options(max_depth)) {
            Ok(root) => root,
            Err(e) => return Err(vec![yaml_error(file, &e, max_depth)]),
        };
    if root.value.value.is_null() {
        let message = if has_yaml_content(text) {
            "the document is empty (its YAML content is null)"
        } else {
            "the document is empty (only comments or document markers)"
        };
        return Err(vec![Diagnostic::error(
            "empty-document",
            location(file, 0, 0, ""),
            message,
        )]);
    }
    let mut positions = HashMap::new();
    let mut duplicates = Vec::new();
    positions.insert(String::new(), pos_of(&root.referenced));
    let mut ptr = String::new();
    walk_spans(
        &root.value.spans,
        &mut ptr,
        &mut positions,
        &mut duplicates,
        true,
    );
    if !duplicates.is_empty() {
        return Err(duplicate_diagnostics(file, duplicates));
    }
    Ok(Document {
        file: file.to_owned(),
        format: Format::Yaml,
        value: root.value.value,
        positions,
    })
}

/// Whether a YAML text has anything besides blank lines, comments, directives and document
/// markers (only used to word the empty-document message).
fn has_yaml_content(text: &str) -> bool {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}'))
        .any(|l| {
            !(l.is_empty() || l.starts_with('#') || l.starts_with('%') || l == "---" || l == "...")
        })
}

fn pos_of(loc: &serde_saphyr::Location) -> Pos {
    (
        u32::try_from(loc.line()).unwrap_or(u32::MAX),
        u32::try_from(loc.column()).unwrap_or(u32::MAX),
    )
}

/// Turns the span tree into pointer → position entries and duplicate reports. Recursion depth is
/// bounded by the YAML reader's depth budget ([`MAX_DEPTH`]).
fn walk_spans(
    spans: &Spans,
    ptr: &mut String,
    positions: &mut HashMap<String, Pos>,
    duplicates: &mut Vec<Duplicate>,
    record: bool,
) {
    let base = ptr.len();
    match spans {
        Spans::Leaf => {}
        Spans::Seq(items) => {
            for (index, (pos, child)) in items.iter().enumerate() {
                ptr.truncate(base);
                ptr.push('/');
                ptr.push_str(&index.to_string());
                if record {
                    positions.insert(ptr.clone(), *pos);
                }
                walk_spans(child, ptr, positions, duplicates, record);
            }
        }
        Spans::Map {
            entries,
            duplicates: dups,
        } => {
            for (key, (pos, child)) in entries {
                ptr.truncate(base);
                ptr.push('/');
                ptr.push_str(&pointer::escape(key));
                if record {
                    positions.insert(ptr.clone(), *pos);
                }
                walk_spans(child, ptr, positions, duplicates, record);
            }
            for dup in dups {
                ptr.truncate(base);
                ptr.push('/');
                ptr.push_str(&pointer::escape(&dup.key));
                duplicates.push(Duplicate {
                    pointer: ptr.clone(),
                    key: dup.key.clone(),
                    first: dup.first,
                    second: dup.second,
                });
                // Duplicates nested inside the dropped value are reported too; its positions are
                // not recorded (the first definition is the one in the value).
                walk_spans(&dup.spans, ptr, positions, duplicates, false);
            }
        }
    }
    ptr.truncate(base);
}

/// A YAML error as a diagnostic: budget, depth and multi-document problems get their own codes.
fn yaml_error(file: &str, err: &serde_saphyr::Error, max_depth: usize) -> Diagnostic {
    use serde_saphyr::Error as E;
    let (line, column) = err.location().map_or((0, 0), |l| pos_of(&l));
    let loc = location(file, line, column, "");
    match innermost(err) {
        E::Budget {
            breach: serde_saphyr::budget::BudgetBreach::Depth { .. },
            ..
        } => too_deep(file, line, column, max_depth),
        E::ExternalMessage { source, .. }
            if matches!(
                &**source,
                serde_saphyr::ExternalMessageSource::Parser(scan)
                    if matches!(scan.kind(), serde_saphyr::granit_parser::ErrorKind::RecursionLimitExceeded)
            ) =>
        {
            too_deep(file, line, column, max_depth)
        }
        E::Budget { breach, .. } => Diagnostic::error(
            "yaml-budget-exceeded",
            loc,
            format!(
                "the YAML document is too large or too complex for the reader's limits ({breach:?})"
            ),
        ),
        E::MultipleDocuments { .. } => Diagnostic::error(
            "multiple-documents",
            loc,
            "the YAML stream contains more than one document ('---'); an OpenAPI file must hold exactly one",
        ),
        _ => {
            let message = err.render_with_options(serde_saphyr::render_options! {
                formatter: &PlainFormatter,
                snippets: serde_saphyr::SnippetMode::Off,
            });
            let message = if message.is_empty() {
                "invalid YAML".to_owned()
            } else {
                message
            };
            Diagnostic::error("yaml-syntax", loc, message)
        }
    }
}

fn innermost(err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    let mut err = err.without_snippet();
    while let serde_saphyr::Error::AliasError { error, .. } = err {
        err = error.without_snippet();
    }
    err
}

/// serde-saphyr's default wording, without the " at line X, column Y" suffix (our diagnostics
/// carry the location separately).
struct PlainFormatter;

struct NoLocationSuffix;

impl serde_saphyr::Localizer for NoLocationSuffix {
    fn attach_location<'a>(
        &self,
        base: Cow<'a, str>,
        _loc: serde_saphyr::Location,
    ) -> Cow<'a, str> {
        base
    }
}

impl serde_saphyr::MessageFormatter for PlainFormatter {
    fn localizer(&self) -> &dyn serde_saphyr::Localizer {
        &NoLocationSuffix
    }

    fn format_message<'a>(&self, err: &'a serde_saphyr::Error) -> Cow<'a, str> {
        serde_saphyr::DefaultMessageFormatter.format_message(err)
    }
}

/// Positions of one YAML node's children, parallel to its value.
#[derive(Debug)]
enum Spans {
    Leaf,
    /// Each item's position and children.
    Seq(Vec<(Pos, Spans)>),
    /// Each entry's key position and children, in value order, plus the repeated keys.
    Map {
        entries: IndexMap<String, (Pos, Spans)>,
        duplicates: Vec<YamlDuplicate>,
    },
}

#[derive(Debug)]
struct YamlDuplicate {
    key: String,
    first: Pos,
    second: Pos,
    /// Spans of the repeated (dropped) value, searched for further duplicates.
    spans: Spans,
}

/// A YAML node deserialized into a JSON value plus the positions below it.
#[derive(Debug)]
struct Node {
    value: Value,
    spans: Spans,
}

impl Node {
    fn leaf(value: Value) -> Self {
        Node {
            value,
            spans: Spans::Leaf,
        }
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

fn float<E: de::Error>(v: f64) -> Result<Node, E> {
    match Number::from_f64(v) {
        Some(n) => Ok(Node::leaf(Value::Number(n))),
        // Non-finite floats arrive as strings (NonFiniteFloatPolicy::AsString); keep a string
        // should one get here anyway.
        None => Ok(Node::leaf(Value::String(v.to_string()))),
    }
}

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::leaf(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::leaf(Value::Number(v.into())))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::leaf(Value::Number(v.into())))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
        if let Ok(v) = i64::try_from(v) {
            return self.visit_i64(v);
        }
        if let Ok(v) = u64::try_from(v) {
            return self.visit_u64(v);
        }
        #[allow(clippy::cast_precision_loss)]
        float(v as f64)
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
        if let Ok(v) = u64::try_from(v) {
            return self.visit_u64(v);
        }
        #[allow(clippy::cast_precision_loss)]
        float(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        float(v)
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<Node, E> {
        Ok(Node::leaf(Value::String(v.to_string())))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::leaf(Value::String(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::leaf(Value::String(v)))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Node, E> {
        Ok(Node::leaf(Value::String(
            String::from_utf8_lossy(v).into_owned(),
        )))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::leaf(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::leaf(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        Node::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        let mut spans = Vec::with_capacity(values.capacity());
        while let Some(item) = seq.next_element::<serde_saphyr::Spanned<Node>>()? {
            spans.push((pos_of(&item.referenced), item.value.spans));
            values.push(item.value.value);
        }
        Ok(Node {
            value: Value::Array(values),
            spans: Spans::Seq(spans),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut object = Map::new();
        let mut entries: IndexMap<String, (Pos, Spans)> = IndexMap::new();
        let mut duplicates = Vec::new();
        while let Some(key) = map.next_key::<serde_saphyr::Spanned<String>>()? {
            let pos = pos_of(&key.referenced);
            let node: Node = map.next_value()?;
            match entries.entry(key.value) {
                IndexEntry::Occupied(o) => duplicates.push(YamlDuplicate {
                    key: o.key().clone(),
                    first: o.get().0,
                    second: pos,
                    spans: node.spans,
                }),
                IndexEntry::Vacant(v) => {
                    object.insert(v.key().clone(), node.value);
                    v.insert((pos, node.spans));
                }
            }
        }
        Ok(Node {
            value: Value::Object(object),
            spans: Spans::Map {
                entries,
                duplicates,
            },
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Node, A::Error> {
        Err(de::Error::custom("unsupported tagged YAML value"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use proptest::prelude::*;

    fn pos(scan: &JsonScan, pointer: &str) -> Option<Pos> {
        scan.positions.get(pointer).copied()
    }

    #[test]
    fn scanner_records_keys_items_and_root() {
        let scan = scan_json("  {\"a\": [1, {\"b\": null}, \"s\"],\n \"c\": {}}");
        assert_eq!(pos(&scan, ""), Some((1, 3)));
        assert_eq!(pos(&scan, "/a"), Some((1, 4)));
        assert_eq!(pos(&scan, "/a/0"), Some((1, 10)));
        assert_eq!(pos(&scan, "/a/1"), Some((1, 13)));
        assert_eq!(pos(&scan, "/a/1/b"), Some((1, 14)));
        assert_eq!(pos(&scan, "/a/2"), Some((1, 26)));
        assert_eq!(pos(&scan, "/c"), Some((2, 2)));
        assert_eq!(scan.positions.len(), 7);
        assert!(scan.duplicates.is_empty() && scan.too_deep.is_none());
    }

    #[test]
    fn scanner_decodes_escapes_and_surrogates() {
        let scan = scan_json(
            r#"{"\ud83d\ude00": 1, "\ud83d": 2, "\ude00x": 3, "\u00e9\n\t\/": 4, "\q": 5, "\u12": 6}"#,
        );
        for key in [
            "/😀",
            "/\u{fffd}",
            "/\u{fffd}x",
            "/é\n\t~1",
            "/q",
            "/\u{fffd}12",
        ] {
            assert!(
                pos(&scan, key).is_some(),
                "{key:?} missing: {:?}",
                scan.positions.keys()
            );
        }
    }

    #[test]
    fn scanner_survives_malformed_input() {
        for text in [
            "",
            "{",
            "\"",
            "{\"a",
            "{\"a\\",
            "{\"a\\u",
            "{\"a\\ud83d\\u",
            "}}]]",
            "[1,,,:::]",
            "{\"é\\é\": 1}",
            "{\"a\": tru",
            "\u{0}\u{feff}{",
        ] {
            let _ = scan_json(text);
        }
        let deep = scan_json(&"[".repeat(100_000));
        assert_eq!(deep.too_deep, Some((1, MAX_DEPTH as u32 + 1)));
        let deep = scan_json(&"{\"a\":".repeat(100_000));
        assert!(deep.too_deep.is_some());
    }

    #[test]
    fn scanner_finds_duplicates_at_every_level() {
        let scan =
            scan_json("{\"a\": {\"x\": 1, \"x\": 2}, \"b\": [{\"y\": 1, \"y\": 1}], \"a\": 3}");
        let got: Vec<_> = scan
            .duplicates
            .iter()
            .map(|d| (d.pointer.as_str(), d.first, d.second))
            .collect();
        assert_eq!(
            got,
            [
                ("/a/x", (1, 8), (1, 16)),
                ("/b/0/y", (1, 32), (1, 40)),
                ("/a", (1, 2), (1, 50))
            ]
        );
    }

    #[test]
    fn char_columns_from_byte_columns() {
        assert_eq!(char_column("ab", 1, 2), 2);
        assert_eq!(char_column("éé x", 1, 6), 4);
        assert_eq!(char_column("a\néé x", 2, 6), 4);
        // Out of range or mid-character inputs do not panic.
        assert_eq!(char_column("é", 1, 2), 1);
        let _ = char_column("é", 3, 9);
        let _ = char_column("", 0, 0);
    }

    #[test]
    fn no_location_text_in_yaml_messages() {
        let errors = parse("x.yaml", "a: [1, 2\n").unwrap_err();
        assert_eq!(errors[0].code, "yaml-syntax");
        assert!(!errors[0].message.contains("line"), "{}", errors[0]);
    }

    /// JSON is YAML (flow style), so reading a JSON spec through the YAML path must give the same
    /// value and the very same positions as the JSON path: a cross-check of the scanner and of
    /// the span-collecting visitor on real documents.
    #[test]
    fn json_specs_read_as_yaml_give_identical_values_and_positions() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let Some(dir) = [
            manifest.join("../../specs/oxide"),
            manifest.join("../../../shared/specs/oxide"),
        ]
        .into_iter()
        .find(|p| p.is_dir()) else {
            eprintln!("skipping: no specs/oxide in the repository nor ../shared/specs/oxide");
            return;
        };
        let mut count = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let json = parse("spec.json", &text).unwrap();
            let yaml = parse_yaml("spec.json", &text).unwrap();
            assert_eq!(json.value, yaml.value, "{}", path.display());
            assert_eq!(json.positions, yaml.positions, "{}", path.display());
            count += 1;
        }
        assert!(count > 0);
    }

    proptest! {
        #[test]
        fn scanner_never_panics(text in any::<String>()) {
            let _ = scan_json(&text);
        }

        #[test]
        fn scanner_never_panics_on_json_like_text(text in "[\\[\\]{}:,\"\\\\u0-9a-fA-F dD \n]{0,300}") {
            let _ = scan_json(&text);
        }

        /// On valid JSON the scanner's view matches serde_json's: one position per node and the
        /// same duplicate-free key sets.
        #[test]
        fn scanner_agrees_with_serde_json(value in arb_json()) {
            let text = serde_json::to_string_pretty(&value).unwrap();
            let doc = parse("p.json", &text).unwrap();
            prop_assert_eq!(&doc.value, &value);
            let mut count = 0;
            count_nodes(&value, &mut count);
            prop_assert_eq!(doc.positions.len(), count);
        }
    }

    fn count_nodes(v: &Value, n: &mut usize) {
        *n += 1;
        match v {
            Value::Array(a) => a.iter().for_each(|v| count_nodes(v, n)),
            Value::Object(o) => o.values().for_each(|v| count_nodes(v, n)),
            _ => {}
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Number(n.into())),
            ".*".prop_map(Value::String),
        ];
        let inner = leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((".{0,6}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        });
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((".{0,6}", inner), 0..6)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    }
}

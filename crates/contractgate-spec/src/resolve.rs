//! `$ref` resolution across files, and bundling of schemas into self-contained values.
//!
//! A reference is resolved relative to the file that contains it: `#/components/schemas/Pet` in the
//! same file, `common/pet.yaml#/Pet` next to it (nested folders, YAML or JSON, refs inside those files
//! resolved relative to them in turn). Remote references (`http://`, `https://`) are refused with a
//! clear error and never fetched.
//!
//! Schemas are bundled: every schema the IR holds is self-contained, with each schema it references
//! (directly or not) converted once and placed under its own `$defs`, and each `$ref` rewritten to
//! `#/$defs/<name>`. A recursive schema therefore stays a finite value that refers to itself.

use indexmap::IndexMap;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::ir::SchemaRegistry;
use crate::pointer;
use crate::schema::{self, Dialect, Direction};
use crate::source::{self, Document};
use crate::swagger2::{self, ConversionNote, Converter, Globals, Kind, PointerMap, Task};

/// Index of a loaded file in [`Files`].
pub(crate) type FileId = usize;

/// A place in a loaded file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Place {
    pub file: FileId,
    pub pointer: String,
}

impl Place {
    pub fn child(&self, token: &str) -> Place {
        Place {
            file: self.file,
            pointer: pointer::push(&self.pointer, token),
        }
    }
}

/// Something the schema converter noticed, at its place in the spec.
pub(crate) struct SchemaNote {
    pub place: Place,
    pub code: &'static str,
    pub message: String,
}

/// Where file contents come from. Tests and fuzzing can serve files from memory.
pub(crate) trait FileSource {
    fn read(&self, path: &Path) -> std::io::Result<String>;
}

/// The real file system.
pub(crate) struct Disk;

impl FileSource for Disk {
    fn read(&self, path: &Path) -> std::io::Result<String> {
        std::fs::read_to_string(path)
    }
}

/// One referenced schema definition: converted once per direction, on first use.
struct Def {
    name: String,
    schema: Value,
}

type DefKey = (Place, Direction);

/// Every file loaded so far, every diagnostic so far, and the schema bundler.
pub(crate) struct Files<'s> {
    source: &'s dyn FileSource,
    /// Path on disk (normalized) → id.
    by_path: HashMap<PathBuf, FileId>,
    /// Loaded documents; `None` when the file could not be read or parsed (already reported).
    docs: Vec<Option<Document>>,
    paths: Vec<PathBuf>,
    pub diags: Diagnostics,
    pub dialect: Dialect,
    defs: IndexMap<DefKey, Def>,
    /// Definition names by place: the same schema has the same name in either direction.
    names_by_place: HashMap<Place, String>,
    def_names: HashSet<String>,
    /// Set when the root is a Swagger 2.0 document: every file is converted as it is read.
    swagger2: Option<Box<Swagger2>>,
    /// OpenAPI 3.2's `$self` of the root document, when it is an absolute `http(s)` URI: the
    /// part up to its last `/`. A `$ref` to a URL under it names a file beside the root (the
    /// document says that is where it lives), so it is read from disk, never fetched.
    self_base: Option<String>,
    /// That `$self` itself (without a fragment): a reference to it names the root file, whatever
    /// the root is called on disk.
    self_uri: Option<String>,
}

/// The state of a Swagger 2.0 conversion (see [`crate::swagger2`]).
struct Swagger2 {
    /// The root document's `consumes` and `produces`.
    globals: Globals,
    /// Each file as it was written (the docs hold the converted values).
    originals: HashMap<FileId, Value>,
    /// Converted pointer ↔ original pointer, per file.
    maps: HashMap<FileId, PointerMap>,
    /// Original pointers already converted, per file (a request inside one is a no-op).
    done: HashMap<FileId, HashSet<String>>,
    /// Nodes waiting to be converted.
    queue: std::collections::VecDeque<Task>,
    /// What makes an operation untestable, by (file, original pointer of the parameter or
    /// operation it is attached to): (feature, location).
    unsupported: HashMap<(String, String), Vec<(String, Location)>>,
}

impl Swagger2 {
    fn is_done(&self, task: &Task) -> bool {
        let Some(done) = self.done.get(&task.file) else {
            return false;
        };
        let mut p = task.pointer.as_str();
        loop {
            if done.contains(p) {
                return true;
            }
            match pointer::parent(p) {
                Some(parent) => p = parent,
                None => return false,
            }
        }
    }
}

/// Lexically normalizes `a/b/../c` → `a/c` (no file-system access, so it works for virtual paths).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in path.components() {
        match comp {
            Component::CurDir => {}
            Component::ParentDir => {
                let last_is_normal =
                    matches!(out.components().next_back(), Some(Component::Normal(_)));
                if last_is_normal {
                    out.pop();
                } else if !matches!(out.components().next_back(), Some(Component::RootDir)) {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

impl<'s> Files<'s> {
    pub fn new(source: &'s dyn FileSource) -> Self {
        Files {
            source,
            by_path: HashMap::new(),
            docs: Vec::new(),
            paths: Vec::new(),
            diags: Diagnostics::default(),
            dialect: Dialect::OpenApi30,
            defs: IndexMap::new(),
            self_base: None,
            self_uri: None,
            names_by_place: HashMap::new(),
            def_names: HashSet::new(),
            swagger2: None,
        }
    }

    /// Converts the root document, a Swagger 2.0 document, to OpenAPI 3.0 in place, and from now
    /// on every file read as it is read (see [`crate::swagger2`]).
    pub fn convert_swagger2(&mut self, root: FileId) {
        let Some(original) = self.doc(root).map(|d| d.value.clone()) else {
            return;
        };
        let state = Swagger2 {
            globals: Globals::of(&original),
            originals: HashMap::from([(root, original)]),
            maps: HashMap::new(),
            done: HashMap::new(),
            queue: std::collections::VecDeque::from([Task {
                file: root,
                pointer: String::new(),
                kind: Kind::Document,
            }]),
            unsupported: HashMap::new(),
        };
        self.swagger2 = Some(Box::new(state));
        self.run_conversions();
    }

    /// Converts every node in the queue (which may grow on the way).
    fn run_conversions(&mut self) {
        loop {
            let Some(state) = self.swagger2.as_mut() else {
                return;
            };
            let Some(task) = state.queue.pop_front() else {
                return;
            };
            if state.is_done(&task) {
                continue;
            }
            let Some(node) = state
                .originals
                .get(&task.file)
                .and_then(|v| v.pointer(&task.pointer))
                .cloned()
            else {
                continue;
            };
            let converted_at = state
                .maps
                .get(&task.file)
                .map_or_else(|| task.pointer.clone(), |m| m.to_converted(&task.pointer));
            let globals = state.globals.clone();
            if self
                .doc(task.file)
                .and_then(|d| d.value.pointer(&converted_at))
                .is_none()
            {
                continue;
            }
            let (value, map, notes, mut done) = {
                let mut converter = Converter::new(task.file, self, globals);
                let value = converter.convert(task.kind, &node, &task.pointer, &converted_at);
                (value, converter.map, converter.notes, converter.done)
            };
            if done.is_empty() {
                done.push(task.pointer.clone());
            }
            if let Some(slot) = self
                .docs
                .get_mut(task.file)
                .and_then(Option::as_mut)
                .and_then(|d| d.value.pointer_mut(&converted_at))
            {
                *slot = value;
            }
            self.record_notes(task.file, notes);
            if let Some(state) = self.swagger2.as_mut() {
                state.maps.entry(task.file).or_default().extend(map);
                state.done.entry(task.file).or_default().extend(done);
            }
        }
    }

    /// Conversion notes: warnings now, or features that make the operations using them
    /// untestable (see [`Files::conversion_unsupported`]).
    fn record_notes(&mut self, file: FileId, notes: Vec<ConversionNote>) {
        for note in notes {
            let location = self.locate_original(file, &note.pointer);
            if note.unsupported {
                let scope = (location.file.clone(), note.scope.clone());
                if let Some(state) = self.swagger2.as_mut() {
                    state
                        .unsupported
                        .entry(scope)
                        .or_default()
                        .push((note.message, location));
                }
            } else {
                self.diags.push(Diagnostic::warning(
                    "swagger2-conversion",
                    location,
                    note.message,
                ));
            }
        }
    }

    /// What the Swagger 2.0 conversion could not express about the parameter or operation at
    /// `location`: (feature, where), for [`crate::ir::Unsupported`].
    pub fn conversion_unsupported(&self, location: &Location) -> Vec<(String, Location)> {
        self.swagger2
            .as_ref()
            .and_then(|s| {
                s.unsupported
                    .get(&(location.file.clone(), location.pointer.clone()))
            })
            .cloned()
            .unwrap_or_default()
    }

    /// The pointer in the file as written, for a pointer into its converted value.
    fn to_original<'p>(&self, file: FileId, converted: &'p str) -> Cow<'p, str> {
        match self.swagger2.as_ref().and_then(|s| s.maps.get(&file)) {
            Some(map) => Cow::Owned(map.to_original(converted)),
            None => Cow::Borrowed(converted),
        }
    }

    /// The pointer into the converted value, for a pointer in the file as written (a `$ref`
    /// fragment).
    fn to_converted(&self, file: FileId, original: &str) -> String {
        match self.swagger2.as_ref().and_then(|s| s.maps.get(&file)) {
            Some(map) => map.to_converted(original),
            None => original.to_owned(),
        }
    }

    /// The source location of an original pointer (one that needs no translation).
    pub fn locate_original(&self, file: FileId, pointer: &str) -> Location {
        match self.doc(file) {
            Some(doc) => doc.locate(pointer),
            None => Location {
                file: self
                    .paths
                    .get(file)
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                line: 0,
                column: 0,
                pointer: pointer.to_owned(),
            },
        }
    }

    /// Registers an already-read root document.
    pub fn add_root(&mut self, path: &Path, text: &str) -> Option<FileId> {
        let path = normalize(path);
        let id = self.docs.len();
        self.by_path.insert(path.clone(), id);
        self.paths.push(path.clone());
        let display = path.to_string_lossy().into_owned();
        let doc = match source::parse(&display, text) {
            Ok(doc) => Some(doc),
            Err(errors) => {
                for e in errors {
                    self.diags.push(e);
                }
                None
            }
        };
        self.self_uri = doc
            .as_ref()
            .and_then(|d| d.value.get("$self"))
            .and_then(Value::as_str)
            .filter(|s| {
                let lower = s.to_ascii_lowercase();
                lower.starts_with("http://") || lower.starts_with("https://")
            })
            .and_then(|s| s.split('#').next())
            .map(str::to_owned);
        self.self_base = self
            .self_uri
            .as_deref()
            .and_then(|s| s.rfind('/').map(|i| s[..=i].to_owned()));
        self.docs.push(doc);
        Some(id).filter(|&id| self.docs[id].is_some())
    }

    /// `file_part` (a `$ref` before `#`) as a path on disk, when it is a URL under the root's
    /// `$self` base: relative to the root document's folder (empty for the root itself).
    fn under_self(&self, file_part: &str) -> Option<PathBuf> {
        let base = self.self_base.as_deref()?;
        if self.self_uri.as_deref() == Some(file_part) {
            return self.paths.first().cloned();
        }
        let head = file_part.get(..base.len())?;
        if !head.eq_ignore_ascii_case(base) {
            return None;
        }
        let rest = &file_part[base.len()..];
        let root = self.paths.first()?;
        let decoded = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
        Some(match root.parent() {
            Some(dir) => dir.join(decoded.as_ref()),
            None => PathBuf::from(decoded.as_ref()),
        })
    }

    /// Loads (once) the file at `path`, reporting failures at `from`.
    fn load_file(&mut self, path: &Path, from: &Location) -> Option<FileId> {
        let path = normalize(path);
        if let Some(&id) = self.by_path.get(&path) {
            return self.docs[id].as_ref().map(|_| id);
        }
        let id = self.docs.len();
        self.by_path.insert(path.clone(), id);
        self.paths.push(path.clone());
        let display = path.to_string_lossy().into_owned();
        let doc = match self.source.read(&path) {
            Ok(text) => match source::parse(&display, &text) {
                Ok(doc) => Some(doc),
                Err(errors) => {
                    for e in errors {
                        self.diags.push(e);
                    }
                    None
                }
            },
            Err(err) => {
                self.diags.push(Diagnostic::error(
                    "file-not-readable",
                    from.clone(),
                    format!("cannot read referenced file '{display}': {err}"),
                ));
                None
            }
        };
        if let (Some(doc), Some(state)) = (&doc, self.swagger2.as_mut()) {
            state.originals.insert(id, doc.value.clone());
            // A file with its own `swagger` key is a whole document; any other file holds
            // fragments, converted one by one as references reach them.
            if doc.value.get("swagger").is_some() {
                state.queue.push_back(Task {
                    file: id,
                    pointer: String::new(),
                    kind: Kind::Document,
                });
            }
        }
        self.docs.push(doc);
        self.docs[id].as_ref().map(|_| id)
    }

    /// Display names of every file read, in the order they were first read.
    pub fn file_names(&self) -> Vec<String> {
        self.paths
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    pub fn doc(&self, file: FileId) -> Option<&Document> {
        self.docs.get(file).and_then(Option::as_ref)
    }

    /// The value at a place.
    pub fn get(&self, place: &Place) -> Option<&Value> {
        self.doc(place.file)?.value.pointer(&place.pointer)
    }

    /// The source location of a place.
    ///
    /// For a converted Swagger 2.0 file, the pointer is translated back first: the location
    /// names the place as written (`/definitions/Pet`, not `/components/schemas/Pet`).
    pub fn locate(&self, place: &Place) -> Location {
        let original = self.to_original(place.file, &place.pointer);
        self.locate_original(place.file, &original)
    }

    pub fn error(&mut self, code: &str, place: &Place, message: impl Into<String>) {
        let loc = self.locate(place);
        self.diags.push(Diagnostic::error(code, loc, message));
    }

    pub fn warning(&mut self, code: &str, place: &Place, message: impl Into<String>) {
        let loc = self.locate(place);
        self.diags.push(Diagnostic::warning(code, loc, message));
    }

    /// Resolves the reference string `reference`, written at `at`, to the place it names.
    /// Reports and returns `None` when it is remote, malformed, or names nothing.
    pub fn resolve_ref(&mut self, reference: &str, at: &Place) -> Option<Place> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        let lower = file_part.to_ascii_lowercase();
        let beside_root = self.under_self(file_part);
        if beside_root.is_none() && (lower.starts_with("http://") || lower.starts_with("https://"))
        {
            self.error(
                "remote-ref",
                at,
                format!("$ref '{reference}' points to a remote URL; remote references are not supported (contractgate never fetches them)"),
            );
            return None;
        }
        if beside_root.is_none()
            && (lower.contains("://") || lower.starts_with("urn:") || lower.starts_with("file:"))
        {
            self.error(
                "unsupported-ref",
                at,
                format!("$ref '{reference}' uses a URI scheme contractgate does not resolve; use a relative file path"),
            );
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        if !decoded.is_empty() && !decoded.starts_with('/') {
            self.error(
                "unsupported-ref",
                at,
                format!("$ref '{reference}' names an anchor ('#{decoded}'); only JSON pointers are supported"),
            );
            return None;
        }
        let file = if file_part.is_empty() {
            at.file
        } else {
            let from_loc = self.locate(at);
            let path = match beside_root {
                Some(path) => path,
                None => self.referenced_path(at.file, file_part),
            };
            let id = self.load_file(&path, &from_loc)?;
            self.run_conversions();
            id
        };
        // A converted Swagger 2.0 file: `#/definitions/Pet` is at `/components/schemas/Pet`.
        let target = Place {
            file,
            pointer: self.to_converted(file, &decoded),
        };
        if self.get(&target).is_none() {
            let loc = self.locate(at);
            let mut d = Diagnostic::error(
                "ref-not-found",
                loc,
                format!("$ref '{reference}' not found"),
            );
            if let Some(suggestion) = self.suggest(&target) {
                // A suggested pointer is shown as it is written in the file.
                let suggestion = match suggestion.strip_prefix('#') {
                    Some(p) => format!("#{}", self.to_original(file, p)),
                    None => suggestion,
                };
                d = d.with_help(format!("did you mean '{suggestion}'?"));
            }
            self.diags.push(d);
            return None;
        }
        Some(target)
    }

    /// The path of the file that `file_part` (the part of a `$ref` before `#`), written in
    /// `from`, names.
    fn referenced_path(&self, from: FileId, file_part: &str) -> PathBuf {
        let base = self
            .paths
            .get(from)
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let decoded_path = percent_encoding::percent_decode_str(file_part).decode_utf8_lossy();
        base.join(decoded_path.as_ref())
    }

    /// For a pointer that names nothing, the closest existing sibling key as a `#/...` reference.
    fn suggest(&self, target: &Place) -> Option<String> {
        let tokens = pointer::tokens(&target.pointer)?;
        // Walk down as far as the pointer exists, then look for the closest key at the first miss.
        let doc = self.doc(target.file)?;
        let mut current = &doc.value;
        let mut prefix = String::new();
        for token in &tokens {
            let next = match current {
                Value::Object(map) => map.get(token.as_str()),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(v) => {
                    current = v;
                    prefix = pointer::push(&prefix, token);
                }
                None => {
                    let Value::Object(map) = current else {
                        return None;
                    };
                    let best = map
                        .keys()
                        .map(|k| (strsim::jaro_winkler(k, token), k))
                        .filter(|(score, _)| *score > 0.8)
                        .max_by(|a, b| a.0.total_cmp(&b.0))?;
                    let last = tokens.last().map(String::as_str).unwrap_or_default();
                    if token.as_str() != last {
                        return Some(format!("#{}", pointer::push(&prefix, best.1)));
                    }
                    return Some(best.1.clone());
                }
            }
        }
        None
    }

    /// Follows `$ref` chains from an object (parameter, response, header, ...) until a value that is
    /// not a reference. Reports cycles and dangling references.
    pub fn follow(&mut self, place: &Place) -> Option<Place> {
        let mut current = place.clone();
        let mut seen = vec![current.clone()];
        loop {
            let reference = match self.get(&current) {
                Some(Value::Object(map)) => match map.get("$ref") {
                    Some(Value::String(r)) => r.clone(),
                    Some(_) => {
                        self.error(
                            "invalid-ref",
                            &current.child("$ref"),
                            "$ref must be a string",
                        );
                        return None;
                    }
                    None => return Some(current),
                },
                Some(_) => return Some(current),
                None => return None,
            };
            let at = current.child("$ref");
            let next = self.resolve_ref(&reference, &at)?;
            if seen.contains(&next) {
                let chain: Vec<String> = seen
                    .iter()
                    .chain(std::iter::once(&next))
                    .map(|p| self.locate(p).to_string())
                    .collect();
                let loc = self.locate(&at);
                self.diags.push(
                    Diagnostic::error(
                        "ref-cycle",
                        loc,
                        format!("$ref '{reference}' forms a cycle that never reaches an object"),
                    )
                    .with_help(format!("the chain is {}", chain.join(" → "))),
                );
                return None;
            }
            seen.push(next.clone());
            current = next;
        }
    }

    /// The schema at `place`, converted to JSON Schema 2020-12 for `direction`. Everything it
    /// references is converted too (once per place and direction, for the whole load) and
    /// collected for [`Files::registry`]; the schema refers to it as `#/$defs/<name>`. Returns
    /// the schema and notes about unsupported features.
    pub fn schema(&mut self, place: &Place, direction: Direction) -> (Value, Vec<SchemaNote>) {
        let Some(raw) = self.get(place).cloned() else {
            return (Value::Bool(true), Vec::new());
        };
        let mut notes = Vec::new();
        let (root, root_deps) = self.convert_one(&raw, place, direction, &mut notes);
        // Convert every referenced definition not converted yet (worklist, not recursion: deep
        // chains stay flat). A definition already converted had its own references converted
        // in the same pass, so the walk stops there.
        let mut work: Vec<DefKey> = root_deps;
        while let Some(key) = work.pop() {
            if self.defs.contains_key(&key) {
                continue;
            }
            let name = self.def_name(&key.0);
            let raw = self.get(&key.0).cloned().unwrap_or(Value::Bool(true));
            let (schema, deps) = self.convert_one(&raw, &key.0, key.1, &mut notes);
            work.extend(deps);
            self.defs.insert(key, Def { name, schema });
        }
        (root, notes)
    }

    /// Every definition the converted schemas reference, in the order first converted: the
    /// response form of each under its name, and the request form where it differs.
    pub fn registry(&self) -> SchemaRegistry {
        let mut reg = SchemaRegistry::default();
        for ((_, direction), def) in &self.defs {
            if *direction == Direction::Response {
                reg.shared.insert(def.name.clone(), def.schema.clone());
            }
        }
        for ((place, direction), def) in &self.defs {
            if *direction == Direction::Request {
                let same = self
                    .defs
                    .get(&(place.clone(), Direction::Response))
                    .is_some_and(|r| r.schema == def.schema);
                if !same {
                    reg.request.insert(def.name.clone(), def.schema.clone());
                }
            }
        }
        reg
    }

    /// Converts one schema without following references; returns it and the definitions it uses.
    fn convert_one(
        &mut self,
        raw: &Value,
        place: &Place,
        direction: Direction,
        notes: &mut Vec<SchemaNote>,
    ) -> (Value, Vec<DefKey>) {
        let mut deps: Vec<DefKey> = Vec::new();
        let dialect = self.dialect;
        let converted = {
            let mut rewrite = |reference: &str, relative: &str| -> Option<String> {
                let at = Place {
                    file: place.file,
                    pointer: format!("{}{}/$ref", place.pointer, relative),
                };
                let target = self.resolve_ref(reference, &at)?;
                let name = self.def_name(&target);
                deps.push((target, direction));
                Some(format!("#/$defs/{}", pointer::escape(&name)))
            };
            schema::convert_with_notes(raw, dialect, direction, &mut rewrite)
        };
        for note in converted.notes {
            notes.push(SchemaNote {
                place: Place {
                    file: place.file,
                    pointer: format!("{}{}", place.pointer, note.pointer),
                },
                code: note.code,
                message: note.message,
            });
        }
        (converted.schema, deps)
    }

    /// The `$defs` name of the schema at `place`, assigned on first use: the last pointer token (or
    /// the file name for a whole-file reference), made unique with a numeric suffix.
    fn def_name(&mut self, place: &Place) -> String {
        if let Some(name) = self.names_by_place.get(place) {
            return name.clone();
        }
        let base = pointer::tokens(&place.pointer)
            .and_then(|t| t.last().cloned())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| {
                self.paths
                    .get(place.file)
                    .and_then(|p| p.file_stem())
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "schema".to_owned())
            });
        let mut name = base.clone();
        let mut n = 2;
        while self.def_names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        self.def_names.insert(name.clone());
        self.names_by_place.insert(place.clone(), name.clone());
        name
    }
}

/// What the Swagger 2.0 converter asks of the files. References it cannot follow are left
/// alone here and reported by [`Files::resolve_ref`] when the IR builder meets them.
impl swagger2::Host for Files<'_> {
    fn target(&mut self, file: FileId, reference: &str, at: &str) -> Option<(FileId, String)> {
        let (file_part, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let lower = file_part.to_ascii_lowercase();
        if lower.contains("://") || lower.starts_with("urn:") || lower.starts_with("file:") {
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy();
        if !decoded.is_empty() && !decoded.starts_with('/') {
            return None;
        }
        let id = if file_part.is_empty() {
            file
        } else {
            let from = self.locate_original(file, at);
            let path = self.referenced_path(file, file_part);
            self.load_file(&path, &from)?
        };
        Some((id, decoded.into_owned()))
    }

    fn original(&self, file: FileId, pointer: &str) -> Option<Value> {
        self.swagger2
            .as_ref()?
            .originals
            .get(&file)?
            .pointer(pointer)
            .cloned()
    }

    fn request(&mut self, task: Task) {
        if let Some(state) = self.swagger2.as_mut() {
            state.queue.push_back(task);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths_lexically() {
        assert_eq!(
            normalize(Path::new("specs/./a/../b/c.yaml")),
            PathBuf::from("specs/b/c.yaml")
        );
        assert_eq!(
            normalize(Path::new("../x/y.yaml")),
            PathBuf::from("../x/y.yaml")
        );
        assert_eq!(
            normalize(Path::new("../../a/b/../c.yaml")),
            PathBuf::from("../../a/c.yaml")
        );
        assert_eq!(normalize(Path::new("/../a")), PathBuf::from("/a"));
    }
}

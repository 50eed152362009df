//! The entry points: read a spec (and every file it references) and build the IR.

use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics, Location};
use crate::ir::Api;
use crate::meta::{self, OasVersion};
use crate::openapi::{Builder, scalar_to_string};
use crate::resolve::{Disk, FileSource, Files, Place};
use crate::schema::Dialect;
use crate::swagger2;

/// A loaded spec: the IR and the warnings found on the way.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The IR.
    pub api: Api,
    /// Warnings (never errors: a spec with errors does not load).
    pub diagnostics: Diagnostics,
}

/// Loads the OpenAPI document at `path` and everything it references.
///
/// Returns every error found (not only the first) when the spec cannot be used.
pub fn load(path: impl AsRef<Path>) -> Result<Loaded, Diagnostics> {
    let path = path.as_ref();
    let display = path.to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).map_err(|err| {
        Diagnostics::from(Diagnostic::error(
            "file-not-readable",
            Location {
                file: display.clone(),
                ..Location::default()
            },
            format!("cannot read the spec: {err}"),
        ))
    })?;
    load_with(&Disk, path, &text)
}

/// Loads a document given as text. `name` is used in diagnostics, and relative `$ref`s to other
/// files are resolved against its folder.
pub fn load_str(name: &str, text: &str) -> Result<Loaded, Diagnostics> {
    load_with(&Disk, Path::new(name), text)
}

pub(crate) fn load_with(
    source: &dyn FileSource,
    path: &Path,
    text: &str,
) -> Result<Loaded, Diagnostics> {
    let mut files = Files::new(source);
    let Some(root_file) = files.add_root(path, text) else {
        return Err(files.diags);
    };
    let root = Place {
        file: root_file,
        pointer: String::new(),
    };
    // Only the version fields are read here: the document itself (20 MB for the largest real
    // specs) is not copied.
    let Some(Value::Object(doc)) = files.get(&root) else {
        files.error(
            "not-openapi",
            &root,
            "the document is not a mapping; an OpenAPI document starts with `openapi: 3.x.y`",
        );
        return Err(files.diags);
    };
    let swagger_field = doc.get("swagger").cloned();
    let openapi_field = doc.get("openapi").cloned();
    // A Swagger 2.0 document is checked against its own schema as written, and converting it
    // rewrites the loaded value: keep the original for that check (2.0 documents are small).
    let original_20 = swagger_field.as_ref().map(|_| Value::Object(doc.clone()));

    // Which version, and therefore which schema dialect.
    let version = if let Some(swagger) = &swagger_field {
        let v = scalar_to_string(swagger).unwrap_or_default();
        if v != "2.0" {
            files.error(
                "unsupported-version",
                &root.child("swagger"),
                format!("Swagger version '{v}' is not supported; contractgate reads Swagger 2.0, OpenAPI 3.0.x and 3.1.x"),
            );
            return Err(files.diags);
        }
        // Converted to OpenAPI 3.0 in place (and every file it references as it is read);
        // locations still name the file as written.
        files.convert_swagger2(root_file);
        files.dialect = Dialect::OpenApi30;
        (swagger2::CONVERTED_VERSION.to_owned(), OasVersion::V20)
    } else if let Some(v) = &openapi_field {
        let v = scalar_to_string(v).unwrap_or_default();
        if v == "3.0" || v.starts_with("3.0.") {
            files.dialect = Dialect::OpenApi30;
            (v, OasVersion::V30)
        } else if v == "3.1" || v.starts_with("3.1.") {
            files.dialect = Dialect::OpenApi31;
            (v, OasVersion::V31)
        } else if v == "3.2" || v.starts_with("3.2.") {
            // A superset of 3.1: the same schema dialect; what 3.2 adds is read where it is.
            files.dialect = Dialect::OpenApi31;
            (v, OasVersion::V32)
        } else {
            files.error(
                "unsupported-version",
                &root.child("openapi"),
                format!(
                    "OpenAPI version '{v}' is not supported; contractgate reads 3.0.x, 3.1.x and 3.2.x"
                ),
            );
            return Err(files.diags);
        }
    } else {
        files.error(
            "not-openapi",
            &root,
            "no `openapi` field: this does not look like an OpenAPI document",
        );
        return Err(files.diags);
    };
    let (version_string, oas) = version;

    // Build the IR first: its errors (a dangling `$ref`, a parameter `in: body`, a `parameters`
    // that is not a list) are what stops a spec from being tested.
    let source_name = path.to_string_lossy().into_owned();
    let mut api = Builder::new(&mut files, root.clone()).build(&source_name, version_string);

    // Then the structure against the official meta-schema, which gives precise pointers for
    // everything else. Real-world specs often break a rule that does not stop testing (an empty
    // `responses`, a misplaced keyword), so these are warnings; where the IR builder already
    // reported an error at the same place, the warning is left out. The pointers are into the
    // document as written (for Swagger 2.0 too), so they need no translation.
    //
    // Unquoted `openapi: 3.0` and `version: 1.0` are numbers in YAML; the meta-schema wants
    // strings. Only a document that has them is copied to fix them.
    let written = match &original_20 {
        Some(original) => Some(original),
        None => files.get(&root),
    };
    let normalized = written.map(|doc| normalize_versions(doc, oas));
    let document = match (&normalized, written) {
        (Some(Cow::Owned(fixed)), _) => Some(fixed),
        (_, Some(doc)) => Some(doc),
        _ => None,
    };
    let issues = document.map_or_else(Vec::new, |doc| meta::validate(oas, doc));
    // OpenAPI 3.0 also goes through `openapiv3`'s typed model. Its errors only name the enclosing
    // path item, so they are shown only when the meta-schema found nothing more precise. (Not a
    // converted Swagger 2.0 document: its errors would be about pointers the user never wrote.)
    let typed_error = if oas == OasVersion::V30 && issues.is_empty() {
        document.and_then(|doc| openapiv3::OpenAPI::deserialize(doc).err())
    } else {
        None
    };
    drop(normalized);
    let meta_found_issues = !issues.is_empty();
    for issue in issues {
        let location = files.locate_original(root_file, &issue.pointer);
        // Inside an operation (or its path item's parameters): it may be why no request can be
        // built for it, and the failure says so.
        for op in &mut api.operations {
            let at = &op.location.pointer;
            let item = at.rsplit_once('/').map_or("", |(item, _)| item);
            let inside = |p: &str| {
                !p.is_empty()
                    && (location.pointer == p || location.pointer.starts_with(&format!("{p}/")))
            };
            if op.location.file == location.file
                && (inside(at) || inside(&format!("{item}/parameters")))
            {
                op.spec_violations.push(crate::ir::Unsupported {
                    feature: issue.message.clone(),
                    location: location.clone(),
                });
            }
        }
        files.diags.push(Diagnostic::warning(
            "spec-violation",
            location,
            issue.message,
        ));
    }
    if !meta_found_issues && let Some(err) = typed_error {
        files.warning(
            "spec-violation",
            &root,
            format!("the document does not match OpenAPI 3.0's structure: {err}"),
        );
    }

    let diagnostics = dedupe(files.diags);
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    Ok(Loaded { api, diagnostics })
}

/// `doc` with `openapi`/`swagger` and `info.version` as strings, copied only when one is not.
fn normalize_versions(doc: &Value, oas: OasVersion) -> Cow<'_, Value> {
    let key = if oas == OasVersion::V20 {
        "swagger"
    } else {
        "openapi"
    };
    let fix_version = doc.get(key).is_some_and(|v| !v.is_string());
    let fix_info = doc
        .get("info")
        .and_then(|i| i.get("version"))
        .is_some_and(|v| !v.is_string());
    if !fix_version && !fix_info {
        return Cow::Borrowed(doc);
    }
    let mut fixed = doc.clone();
    if let Some(obj) = fixed.as_object_mut() {
        if let Some(v) = obj.get(key).and_then(scalar_to_string) {
            obj.insert(key.into(), Value::String(v));
        }
        if let Some(Value::Object(info)) = obj.get_mut("info")
            && let Some(v) = info.get("version").and_then(scalar_to_string)
        {
            info.insert("version".into(), Value::String(v));
        }
    }
    Cow::Owned(fixed)
}

/// Drops a meta-schema warning about a place where (or inside which, or around which) an error
/// was already reported: both describe the same mistake, and the error is the one that matters.
fn dedupe(diags: Diagnostics) -> Diagnostics {
    let errors: Vec<(String, String)> = diags
        .errors()
        .map(|e| (e.location.file.clone(), e.location.pointer.clone()))
        .collect();
    let related = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}/")) || b.starts_with(&format!("{a}/"))
    };
    Diagnostics(
        diags
            .0
            .into_iter()
            .filter(|d| {
                d.code != "spec-violation"
                    || !errors.iter().any(|(f, p)| {
                        *f == d.location.file && !p.is_empty() && related(&d.location.pointer, p)
                    })
            })
            .collect(),
    )
}

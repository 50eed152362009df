//! Rendering diagnostics for a terminal, a CI log or a `build.rs` error: the one-line form
//! (`error[code]: file:line:col #pointer: message`), then the source line with a caret, then
//! help. The one rendering: `contractgate lint`/`run`/`generate` and `Build::emit` all use it.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Diagnostics};

impl Diagnostics {
    /// Every diagnostic with a source excerpt where its file can be read.
    pub fn render(&self) -> String {
        let mut cache: HashMap<String, Option<String>> = HashMap::new();
        let rendered: Vec<String> = self.0.iter().map(|d| render_one(d, &mut cache)).collect();
        rendered.join("\n")
    }
}

fn render_one(d: &Diagnostic, cache: &mut HashMap<String, Option<String>>) -> String {
    let kind = if d.is_error() { "error" } else { "warning" };
    let mut s = format!("{kind}[{}]: {}: {}\n", d.code, d.location, d.message);
    s.push_str(&excerpt(
        &d.location.file,
        d.location.line,
        d.location.column,
        cache,
    ));
    for (label, loc) in &d.related {
        s.push_str(&format!("  {label}: {loc}\n"));
        s.push_str(&excerpt(&loc.file, loc.line, loc.column, cache));
    }
    if let Some(help) = &d.help {
        s.push_str(&format!("  help: {help}\n"));
    }
    s
}

/// ` 42 | the line` and a caret under the column, or nothing when unknown.
fn excerpt(
    file: &str,
    line: u32,
    column: u32,
    cache: &mut HashMap<String, Option<String>>,
) -> String {
    if line == 0 {
        return String::new();
    }
    let text = cache
        .entry(file.to_owned())
        .or_insert_with(|| std::fs::read_to_string(file).ok());
    let Some(text) = text else {
        return String::new();
    };
    let Some(src) = text.lines().nth(line as usize - 1) else {
        return String::new();
    };
    // Very long lines (minified JSON) are cut around the column.
    let chars: Vec<char> = src.chars().collect();
    let col = (column.max(1) as usize - 1).min(chars.len());
    let start = col.saturating_sub(60);
    let end = (col + 60).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut caret_at = col - start;
    if start > 0 {
        shown.insert_str(0, "...");
        caret_at += 3;
    }
    if end < chars.len() {
        shown.push_str("...");
    }
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    format!(
        "  {pad} |\n  {num} | {shown}\n  {pad} | {}^\n",
        " ".repeat(caret_at)
    )
}

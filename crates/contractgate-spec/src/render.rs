//! Rendering diagnostics for a terminal, a CI log or a `build.rs` error: the one-line form
//! (`error[code]: file:line:col #pointer: message`), then the source line with a caret, then
//! help. The one rendering: `contractgate lint`/`run`/`generate` and `Build::emit` all use it.

use std::collections::HashMap;

use crate::diag::{Diagnostic, Diagnostics};

impl Diagnostics {
    /// Every diagnostic with a source excerpt where its file can be read.
    pub fn render(&self) -> String {
        render_all(self.0.iter())
    }
}

impl Diagnostics {
    /// Like [`Diagnostics::render`], but a warning code met more than `per_code` times shows its
    /// first `per_code` warnings in full and then one line with how many more there are and the
    /// next few locations: a large spec can have thousands of the same warning, and the summary
    /// must stay readable. Errors are always shown in full.
    pub fn render_grouped(&self, per_code: usize) -> String {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for d in self.0.iter().filter(|d| !d.is_error()) {
            *counts.entry(d.code.as_str()).or_default() += 1;
        }
        let mut shown: HashMap<&str, usize> = HashMap::new();
        let mut cache: Cache = HashMap::new();
        let mut parts: Vec<String> = Vec::new();
        let mut more: Vec<(&str, Vec<&Diagnostic>)> = Vec::new();
        for d in &self.0 {
            let n = shown.entry(d.code.as_str()).or_default();
            *n += 1;
            if d.is_error() || *n <= per_code {
                parts.push(render_one(d, &mut cache));
            } else {
                match more.iter_mut().find(|(c, _)| *c == d.code) {
                    Some((_, list)) => list.push(d),
                    None => more.push((d.code.as_str(), vec![d])),
                }
            }
        }
        for (code, rest) in more {
            let total = counts.get(code).copied().unwrap_or(rest.len());
            let mut s = format!(
                "warning[{code}]: {} more like the {per_code} above ({total} in all), at:\n",
                rest.len()
            );
            for d in rest.iter().take(5) {
                s.push_str(&format!("  {}\n", d.location));
            }
            if rest.len() > 5 {
                s.push_str(&format!(
                    "  ... and {} more places (`--verbose` lists every warning)\n",
                    rest.len() - 5
                ));
            }
            parts.push(s);
        }
        parts.join("\n")
    }
}

/// `diagnostics`, each with a source excerpt where its file can be read, separated by blank lines.
fn render_all<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> String {
    let mut cache: Cache = HashMap::new();
    let rendered: Vec<String> = diagnostics
        .into_iter()
        .map(|d| render_one(d, &mut cache))
        .collect();
    rendered.join("\n")
}

/// A file's text and where each of its lines starts, read once per rendering: thousands of
/// warnings about one 20 MB spec must not scan it from the top each time.
struct Lines {
    text: String,
    starts: Vec<usize>,
    /// Columns count characters; in an ASCII file they are byte offsets too, which keeps an
    /// excerpt of a 20 MB one-line (minified) spec from walking the line per warning.
    ascii: bool,
    /// For long lines of a non-ASCII file: the byte offset of every `STRIDE`th character, so a
    /// column is found by a short walk from the nearest one.
    checkpoints: HashMap<usize, Vec<usize>>,
}

const STRIDE: usize = 1024;

impl Lines {
    fn new(text: String) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let ascii = text.is_ascii();
        Lines {
            text,
            starts,
            ascii,
            checkpoints: HashMap::new(),
        }
    }

    /// Line `n` (1-based), without its line ending.
    #[cfg(test)]
    fn line(&self, n: usize) -> Option<&str> {
        self.range(n).and_then(|r| self.text.get(r))
    }

    /// The bytes of line `n` (1-based), without its line ending.
    fn range(&self, n: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        if start >= self.text.len() && n > 1 {
            return None;
        }
        let mut end = self.starts.get(n).map_or(self.text.len(), |e| e - 1);
        if end > start && self.text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        Some(start..end)
    }

    /// The byte offset, within line `n` (whose bytes are `range`), of its character `col`
    /// (0-based; the line's length past its end).
    fn byte_of(&mut self, n: usize, range: std::ops::Range<usize>, col: usize) -> usize {
        let src = &self.text[range];
        if self.ascii {
            return col.min(src.len());
        }
        if src.len() < 4 * STRIDE {
            return src.char_indices().nth(col).map_or(src.len(), |(i, _)| i);
        }
        let marks = self
            .checkpoints
            .entry(n)
            .or_insert_with(|| src.char_indices().step_by(STRIDE).map(|(i, _)| i).collect());
        let Some(&from) = marks.get(col / STRIDE) else {
            return src.len();
        };
        src[from..]
            .char_indices()
            .nth(col % STRIDE)
            .map_or(src.len(), |(i, _)| from + i)
    }
}

type Cache = HashMap<String, Option<Lines>>;

fn render_one(d: &Diagnostic, cache: &mut Cache) -> String {
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
fn excerpt(file: &str, line: u32, column: u32, cache: &mut Cache) -> String {
    if line == 0 {
        return String::new();
    }
    let text = cache
        .entry(file.to_owned())
        .or_insert_with(|| std::fs::read_to_string(file).ok().map(Lines::new));
    let Some(text) = text else {
        return String::new();
    };
    let n = line as usize;
    let Some(range) = text.range(n) else {
        return String::new();
    };
    // Very long lines (minified JSON) are cut around the column: 60 characters either side.
    let col = column.max(1) as usize - 1;
    let start = text.byte_of(n, range.clone(), col.saturating_sub(60));
    let at = text.byte_of(n, range.clone(), col);
    let end = text.byte_of(n, range.clone(), col + 60);
    let src = &text.text[range];
    let mut shown = src[start..end].to_owned();
    let mut caret_at = src[start..at].chars().count();
    if start > 0 {
        shown.insert_str(0, "...");
        caret_at += 3;
    }
    if end < src.len() {
        shown.push_str("...");
    }
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    format!(
        "  {pad} |\n  {num} | {shown}\n  {pad} | {}^\n",
        " ".repeat(caret_at)
    )
}

#[cfg(test)]
mod tests {
    use super::Lines;

    #[test]
    fn repeated_warnings_are_grouped_after_the_first_three_and_errors_never_are() {
        use crate::diag::{Diagnostic, Diagnostics, Location};
        let at = |line| Location {
            file: "nowhere.yaml".into(),
            line,
            column: 1,
            pointer: format!("/p{line}"),
        };
        let mut d = Diagnostics::default();
        for i in 1..=9 {
            d.push(Diagnostic::warning("same", at(i), format!("warning {i}")));
        }
        d.push(Diagnostic::warning("other", at(20), "another kind"));
        for i in 30..=34 {
            d.push(Diagnostic::error("bad", at(i), format!("error {i}")));
        }
        let text = d.render_grouped(3);
        for shown in [
            "warning 1",
            "warning 2",
            "warning 3",
            "another kind",
            "error 30",
            "error 34",
        ] {
            assert!(text.contains(shown), "{shown}: {text}");
        }
        assert!(!text.contains("warning 4"), "{text}");
        assert!(
            text.contains("warning[same]: 6 more like the 3 above (9 in all), at:"),
            "{text}"
        );
        assert!(text.contains("nowhere.yaml:4:1 #/p4"), "{text}");
        assert!(text.contains("nowhere.yaml:8:1 #/p8"), "{text}");
        assert!(!text.contains("nowhere.yaml:9:1 #/p9"), "{text}");
        assert!(text.contains("... and 1 more places"), "{text}");
        assert!(d.render().contains("warning 9"));
    }

    #[test]
    fn a_column_deep_in_a_long_non_ascii_line_is_cut_around_by_characters() {
        let line: String = "é".repeat(5000) + "TARGET" + &"ü".repeat(5000);
        let mut l = Lines::new(line.clone());
        let range = l.range(1).unwrap();
        let at = l.byte_of(1, range.clone(), 5000);
        assert_eq!(&line[at..at + 6], "TARGET");
        assert_eq!(l.byte_of(1, range.clone(), 20_000), line.len());
        assert_eq!(l.byte_of(1, range, 0), 0);
    }

    #[test]
    fn lines_are_found_by_number_with_any_line_ending() {
        let l = Lines::new("a\r\nbb\n\nccc".to_owned());
        assert_eq!(l.line(1), Some("a"));
        assert_eq!(l.line(2), Some("bb"));
        assert_eq!(l.line(3), Some(""));
        assert_eq!(l.line(4), Some("ccc"));
        assert_eq!(l.line(5), None);
        assert_eq!(l.line(0), None);
        let trailing = Lines::new("x\n".to_owned());
        assert_eq!(trailing.line(1), Some("x"));
        assert_eq!(trailing.line(2), None);
    }
}

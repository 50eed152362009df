//! `contractgate diff OLD NEW`: what changed for clients between two versions of a spec, before
//! it ships. Either side may be `REV:PATH` (a git revision and a path in its tree, like `git
//! show`): the whole tree at REV is read, so multi-file specs work.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use contractgate_spec::diff::{self, Change, Level};
use contractgate_spec::ir::Api;
use serde::Serialize;

use crate::exit;
use crate::{DiffArgs, DiffFormat, FailOn};

/// Runs `diff`; returns the exit code.
pub fn run(args: &DiffArgs, out: &mut dyn Write) -> u8 {
    // One side after the other: loading both at once saved a third of the wall time on the
    // GitHub description but doubled the peak memory (docs/BENCHMARKS.md, "diff").
    let loading = format!("loading {} and {}", args.old, args.new);
    let (old, new) =
        super::with_progress(&loading, || (Side::load(&args.old), Side::load(&args.new)));
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("{e}");
            return exit::USAGE;
        }
    };
    let mut changes = diff::diff(&old.api, &new.api);
    for c in &mut changes {
        if let Some(l) = &mut c.old {
            l.file = old.shown(&l.file);
        }
        if let Some(l) = &mut c.new {
            l.file = new.shown(&l.file);
        }
    }
    // Breaking first, then warnings, then the rest; document order within each.
    changes.sort_by_key(|c| c.level);
    let text = match args.format {
        DiffFormat::Text => text(&old, &new, &changes),
        DiffFormat::Json => json(&old, &new, &changes),
        DiffFormat::Markdown => markdown(&old, &new, &changes),
    };
    let _ = out.write_all(text.as_bytes());
    let (breaking, warnings, _) = diff::counts(&changes);
    let fails = match args.fail_on {
        FailOn::Breaking => breaking > 0,
        FailOn::Warning => breaking + warnings > 0,
        FailOn::None => false,
    };
    if fails { exit::FAILED } else { exit::OK }
}

/// One side of the comparison.
struct Side {
    /// As given: `openapi.yaml` or `main:openapi.yaml`.
    arg: String,
    api: Api,
    /// The checkout of a `REV:` side (removed on drop), and the revision.
    tree: Option<(tempdir::Dir, String)>,
}

mod tempdir {
    /// A folder removed on drop.
    pub struct Dir(pub std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Side {
    fn load(arg: &str) -> Result<Side, String> {
        let direct = Path::new(arg);
        let (path, tree) = if direct.exists() {
            (direct.to_path_buf(), None)
        } else if let Some((rev, file)) = arg.split_once(':').filter(|(r, _)| !r.is_empty()) {
            let (dir, path) = checkout(rev, file)?;
            (path, Some((dir, rev.to_owned())))
        } else {
            return Err(format!(
                "contractgate: error: {arg}: no such file (for a git revision, write REV:PATH, e.g. main:openapi.yaml)"
            ));
        };
        let loaded = contractgate_spec::load(&path).map_err(|d| {
            format!(
                "{}\n{arg}: the spec does not load ({} error(s))",
                d.render().trim_end(),
                d.errors().count()
            )
        })?;
        Ok(Side {
            arg: arg.to_owned(),
            api: loaded.api,
            tree,
        })
    }

    /// A file name as the user knows it: `main:openapi.yaml` for a file of a `REV:` checkout.
    fn shown(&self, file: &str) -> String {
        match &self.tree {
            Some((dir, rev)) => {
                let root = dir.0.display().to_string();
                file.strip_prefix(&root)
                    .map(|rest| format!("{rev}:{}", rest.trim_start_matches('/')))
                    .unwrap_or_else(|| file.to_owned())
            }
            None => file.to_owned(),
        }
    }
}

/// The tree of `rev` in a temporary folder, and where `file` is in it (`file` relative to the
/// repository's root, or to the current folder when it starts with `./`, as `git show` reads it).
fn checkout(rev: &str, file: &str) -> Result<(tempdir::Dir, PathBuf), String> {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .map_err(|e| format!("contractgate: error: cannot run git: {e}"))
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if !top.status.success() {
        return Err(format!(
            "contractgate: error: {rev}:{file}: not a file, and not in a git repository ({})",
            String::from_utf8_lossy(&top.stderr).trim()
        ));
    }
    let top = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim());
    let verify = git(&[
        "rev-parse",
        "--verify",
        "--quiet",
        &format!("{rev}^{{tree}}"),
    ])?;
    if !verify.status.success() {
        return Err(format!(
            "contractgate: error: {rev}:{file}: `{rev}` is not a git revision here"
        ));
    }
    let relative = if let Some(rest) = file.strip_prefix("./") {
        let prefix = git(&["rev-parse", "--show-prefix"])?;
        format!("{}{rest}", String::from_utf8_lossy(&prefix.stdout).trim())
    } else {
        file.to_owned()
    };
    let dir = std::env::temp_dir().join(format!(
        "contractgate-diff-{}-{}",
        std::process::id(),
        rev.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("contractgate: error: {e}"))?;
    let dir = tempdir::Dir(dir);
    // The whole tree: a multi-file spec's references resolve as they did at REV.
    let archive = Command::new("git")
        .current_dir(&top)
        .args(["archive", "--format=tar", rev])
        .output()
        .map_err(|e| format!("contractgate: error: cannot run git: {e}"))?;
    if !archive.status.success() {
        return Err(format!(
            "contractgate: error: git archive {rev}: {}",
            String::from_utf8_lossy(&archive.stderr).trim()
        ));
    }
    let mut tar = Command::new("tar")
        .args(["-x", "-C"])
        .arg(&dir.0)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("contractgate: error: cannot run tar: {e}"))?;
    if let Some(mut stdin) = tar.stdin.take() {
        let _ = stdin.write_all(&archive.stdout);
    }
    let _ = tar.wait();
    let path = dir.0.join(&relative);
    if !path.is_file() {
        return Err(format!(
            "contractgate: error: {rev}:{file}: no such file at {rev}"
        ));
    }
    Ok((dir, path))
}

fn where_(c: &Change) -> String {
    let show = |l: &Option<contractgate_spec::diag::Location>| {
        l.as_ref()
            .map_or_else(|| "-".to_owned(), ToString::to_string)
    };
    let mut s = format!("{} → {}", show(&c.old), show(&c.new));
    if let Some(at) = &c.at {
        let _ = write!(s, " (schema {at})");
    }
    s
}

fn title(side: &Side) -> String {
    format!(
        "{} ({} {})",
        side.arg, side.api.info.title, side.api.info.version
    )
}

fn text(old: &Side, new: &Side, changes: &[Change]) -> String {
    let mut s = format!("contractgate diff: {} → {}\n\n", title(old), title(new));
    for c in changes {
        let op = if c.operation.is_empty() {
            String::new()
        } else {
            format!("{}: ", c.operation)
        };
        let _ = writeln!(
            s,
            "{:<12} {op}{}\n             {}",
            c.level.as_str(),
            c.message,
            where_(c)
        );
    }
    let (b, w, n) = diff::counts(changes);
    let _ = writeln!(
        s,
        "{}{b} breaking, {w} warning(s), {n} non-breaking",
        if changes.is_empty() { "" } else { "\n" }
    );
    s
}

fn markdown(old: &Side, new: &Side, changes: &[Change]) -> String {
    let (b, w, n) = diff::counts(changes);
    let mut s = format!(
        "### API changes: {b} breaking, {w} warning(s), {n} non-breaking\n\n`{}` → `{}`\n\n",
        old.arg, new.arg
    );
    if !changes.is_empty() {
        s.push_str("| | operation | change | where |\n| --- | --- | --- | --- |\n");
        for c in changes {
            let icon = match c.level {
                Level::Breaking => "❌ breaking",
                Level::Warning => "⚠️ warning",
                Level::NonBreaking => "non-breaking",
            };
            let cell = |x: &str| x.replace('|', "\\|").replace('\n', " ");
            let _ = writeln!(
                s,
                "| {icon} | {} | {} | {} |",
                cell(&c.operation),
                cell(&c.message),
                cell(&where_(c))
            );
        }
    }
    s
}

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema_version: u32,
    old: SideDoc<'a>,
    new: SideDoc<'a>,
    counts: CountsDoc,
    changes: &'a [Change],
}

#[derive(Serialize)]
struct SideDoc<'a> {
    spec: &'a str,
    title: &'a str,
    version: &'a str,
}

#[derive(Serialize)]
struct CountsDoc {
    breaking: usize,
    warning: usize,
    non_breaking: usize,
}

fn json(old: &Side, new: &Side, changes: &[Change]) -> String {
    let (breaking, warning, non_breaking) = diff::counts(changes);
    fn side(s: &Side) -> SideDoc<'_> {
        SideDoc {
            spec: &s.arg,
            title: &s.api.info.title,
            version: &s.api.info.version,
        }
    }
    let doc = JsonDoc {
        schema_version: 1,
        old: side(old),
        new: side(new),
        counts: CountsDoc {
            breaking,
            warning,
            non_breaking,
        },
        changes,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

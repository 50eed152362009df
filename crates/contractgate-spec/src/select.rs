//! Choosing operations: by operationId, tag, method or path glob. Shared by `build.rs` generation
//! (`include`/`exclude`) and `contractgate run --include/--exclude`, so both read a selector the
//! same way.
//!
//! | selector | matches |
//! | --- | --- |
//! | `getUserProfile` | the operation with that id (operationId, or the derived id) |
//! | `tag:users` | operations tagged `users` |
//! | `method:GET` | operations with that method |
//! | `path:/users/*` | operations whose path matches the glob: `*` is one segment or part of one, `**` any number of segments |
//! | `GET /users/{id}` | that method on that path (the path may be a glob) |

use std::fmt;
use std::str::FromStr;

use crate::ir::{Method, Operation};

/// One way to pick operations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selector {
    /// By [`Operation::id`] or the `operationId` as written.
    Id(String),
    /// By tag.
    Tag(String),
    /// By method.
    Method(Method),
    /// By path glob.
    Path(String),
    /// A method on a path glob.
    Route(Method, String),
}

impl FromStr for Selector {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty selector matches nothing".into());
        }
        if let Some(tag) = s.strip_prefix("tag:") {
            return Ok(Selector::Tag(tag.to_owned()));
        }
        if let Some(m) = s.strip_prefix("method:") {
            return m.parse().map(Selector::Method);
        }
        if let Some(p) = s.strip_prefix("path:") {
            return check_path(p).map(|()| Selector::Path(p.to_owned()));
        }
        if let Some((m, p)) = s.split_once(' ')
            && let Ok(method) = m.parse::<Method>()
        {
            let p = p.trim();
            return check_path(p).map(|()| Selector::Route(method, p.to_owned()));
        }
        if s.starts_with('/') {
            return Ok(Selector::Path(s.to_owned()));
        }
        Ok(Selector::Id(s.to_owned()))
    }
}

fn check_path(p: &str) -> Result<(), String> {
    if p.starts_with('/') {
        Ok(())
    } else {
        Err(format!("path selector '{p}' must start with '/'"))
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Id(id) => f.write_str(id),
            Selector::Tag(t) => write!(f, "tag:{t}"),
            Selector::Method(m) => write!(f, "method:{m}"),
            Selector::Path(p) => write!(f, "path:{p}"),
            Selector::Route(m, p) => write!(f, "{m} {p}"),
        }
    }
}

impl Selector {
    /// Whether the operation is selected.
    pub fn matches(&self, op: &Operation) -> bool {
        match self {
            Selector::Id(id) => op.id == *id || op.operation_id.as_deref() == Some(id),
            Selector::Tag(t) => op.tags.iter().chain(&op.tag_ancestors).any(|x| x == t),
            Selector::Method(m) => op.method == *m,
            Selector::Path(p) => glob(p, &op.path),
            Selector::Route(m, p) => op.method == *m && glob(p, &op.path),
        }
    }
}

/// Include/exclude lists: an operation is selected when it matches an include (or there are
/// none) and matches no exclude.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Keep only these (all when empty).
    pub include: Vec<Selector>,
    /// Then drop these.
    pub exclude: Vec<Selector>,
}

impl Selection {
    /// Whether the operation is selected.
    pub fn selects(&self, op: &Operation) -> bool {
        (self.include.is_empty() || self.include.iter().any(|s| s.matches(op)))
            && !self.exclude.iter().any(|s| s.matches(op))
    }
}

/// Matches a path against a glob: `*` matches within one segment, `**` any number of segments.
/// Everything else, `{id}` included, is literal.
pub fn glob(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match_segments(&pat, &segs)
}

fn match_segments(pat: &[&str], segs: &[&str]) -> bool {
    match pat.split_first() {
        None => segs.is_empty(),
        Some((&"**", rest)) => (0..=segs.len()).any(|i| match_segments(rest, &segs[i..])),
        Some((p, rest)) => match segs.split_first() {
            Some((s, srest)) => match_segment(p, s) && match_segments(rest, srest),
            None => false,
        },
    }
}

/// `*` within a segment: `user*` matches `users`, `*` matches any one segment.
fn match_segment(pattern: &str, seg: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == seg;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !seg.starts_with(first) || !seg[first.len()..].ends_with(last) {
        return false;
    }
    if seg.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &seg[first.len()..seg.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_segments() {
        assert!(glob("/users/*", "/users/{id}"));
        assert!(!glob("/users/*", "/users/{id}/posts"));
        assert!(glob("/users/**", "/users/{id}/posts"));
        assert!(glob("/users/**", "/users"));
        assert!(glob("/user/*", "/user/profile"));
        assert!(glob("/user/prof*", "/user/profile"));
        assert!(!glob("/user/prof*x", "/user/profile"));
        assert!(glob("/**/settings", "/user/settings"));
        assert!(glob("/", "/"));
        assert!(!glob("/users", "/users/{id}"));
    }

    #[test]
    fn parses_selectors() {
        assert_eq!("tag:users".parse(), Ok(Selector::Tag("users".into())));
        assert_eq!("method:get".parse(), Ok(Selector::Method(Method::Get)));
        assert_eq!("/users/*".parse(), Ok(Selector::Path("/users/*".into())));
        assert_eq!(
            "GET /user/profile".parse(),
            Ok(Selector::Route(Method::Get, "/user/profile".into()))
        );
        assert_eq!("getUser".parse(), Ok(Selector::Id("getUser".into())));
        assert!("path:users".parse::<Selector>().is_err());
        assert!("method:FETCH".parse::<Selector>().is_err());
    }
}

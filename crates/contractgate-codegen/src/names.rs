//! Rust identifiers from names in a spec: snake case, ASCII, never a keyword, never `__`, never
//! starting with a digit, unique within their scope.

use std::collections::HashSet;

use heck::ToSnakeCase;

/// Every Rust keyword, strict and reserved, in edition 2024 (`gen` included).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Names the generated file defines itself, which an operation module must not shadow.
const TAKEN: &[&str] = &["api", "run", "run_path", "paths", "target"];

/// `getUserProfile` → `get_user_profile`; `2fa-Setup` → `op_2fa_setup`; `type` → `type_`;
/// `ünïcode` → `n_code` (non-ASCII letters dropped); an empty result becomes `op`.
pub fn snake(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let mut out = ascii.to_snake_case();
    // heck never emits `__`, but keep the guarantee local: rustc's non_snake_case fires on it.
    while out.contains("__") {
        out = out.replace("__", "_");
    }
    let mut out = out.trim_matches('_').to_owned();
    if out.is_empty() {
        out = "op".to_owned();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "op_");
    }
    if KEYWORDS.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// Hands out unique identifiers within one scope, in call order: the first `get_user` stays
/// `get_user`, the next becomes `get_user_2`.
#[derive(Debug, Default)]
pub struct Scope {
    used: HashSet<String>,
}

impl Scope {
    /// A scope where the generated file's own names are already taken.
    pub fn module_level() -> Self {
        Scope {
            used: TAKEN.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// A unique snake-case identifier for `name`.
    pub fn ident(&mut self, name: &str) -> String {
        let base = snake(name);
        let mut candidate = base.clone();
        let mut n = 2;
        while self.used.contains(&candidate) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(candidate.clone());
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_cases_operation_ids() {
        assert_eq!(snake("getUserProfile"), "get_user_profile");
        assert_eq!(snake("get_user_profile"), "get_user_profile");
        assert_eq!(snake("GET /user/profile"), "get_user_profile");
        assert_eq!(snake("find pet by id"), "find_pet_by_id");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("a__b"), "a_b");
        assert_eq!(snake("__private__"), "private");
    }

    #[test]
    fn avoids_keywords_digits_and_empty_names() {
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("gen"), "gen_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("Self"), "self_");
        assert_eq!(snake("2faSetup"), "op_2fa_setup");
        assert_eq!(snake("ünïcode"), "n_code");
        assert_eq!(snake("日本"), "op");
        assert_eq!(snake("-"), "op");
    }

    #[test]
    fn scopes_resolve_collisions_in_order() {
        let mut scope = Scope::module_level();
        assert_eq!(scope.ident("getUser"), "get_user");
        assert_eq!(scope.ident("get_user"), "get_user_2");
        assert_eq!(scope.ident("GetUser"), "get_user_3");
        assert_eq!(scope.ident("run"), "run_2");
        assert_eq!(scope.ident("paths"), "paths_2");
    }
}

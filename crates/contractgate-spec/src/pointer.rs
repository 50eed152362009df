//! JSON pointers (RFC 6901) and the `#fragment` form used in `$ref`.

use std::borrow::Cow;

/// Escapes one reference token: `~` → `~0`, `/` → `~1`.
pub fn escape(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Unescapes one reference token: `~1` → `/`, `~0` → `~`.
pub fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Appends a token to a pointer: `push("/paths", "/users")` → `/paths/~1users`.
pub fn push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    out.push_str(&escape(token));
    out
}

/// Splits a pointer into unescaped tokens. `""` is the whole document. Returns `None` when the
/// pointer is not empty and does not start with `/`.
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(rest.split('/').map(|t| unescape(t).into_owned()).collect())
}

/// The parent of a pointer (`/a/b` → `/a`), or `None` for the root.
pub fn parent(pointer: &str) -> Option<&str> {
    if pointer.is_empty() {
        None
    } else {
        Some(pointer.rfind('/').map_or("", |i| &pointer[..i]))
    }
}

/// Looks a pointer up in a value.
pub fn get<'a>(value: &'a serde_json::Value, pointer: &str) -> Option<&'a serde_json::Value> {
    value.pointer(pointer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_unescapes_tokens() {
        assert_eq!(escape("/user/profile"), "~1user~1profile");
        assert_eq!(escape("a~b"), "a~0b");
        assert_eq!(unescape("~1user~1profile"), "/user/profile");
        // `~01` is `~1` literally, not `/`.
        assert_eq!(unescape("~01"), "~1");
        assert_eq!(push("/paths", "/users/{id}"), "/paths/~1users~1{id}");
        assert_eq!(
            tokens("/paths/~1a~1b/get"),
            Some(vec!["paths".into(), "/a/b".into(), "get".into()])
        );
        assert_eq!(tokens(""), Some(vec![]));
        assert_eq!(tokens("paths"), None);
        assert_eq!(parent("/a/b"), Some("/a"));
        assert_eq!(parent("/a"), Some(""));
        assert_eq!(parent(""), None);
    }
}

//! Media types, the one vocabulary codegen, the loader and the harness share: the essence of a
//! `Content-Type` (no parameters, lower case), whether it is JSON, and whether a received type
//! is covered by a documented one.

/// `application/json; charset=utf-8` → `application/json`.
pub fn essence(media_type: &str) -> String {
    bare(media_type).to_ascii_lowercase()
}

/// The type and subtype as written (parameters cut, spaces trimmed, case kept): what
/// [`essence`] lower-cases, without allocating (this runs for every response).
fn bare(media_type: &str) -> &str {
    media_type.split(';').next().unwrap_or("").trim()
}

/// Whether `s` ends with `suffix`, ASCII case ignored.
fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.is_char_boundary(s.len() - suffix.len())
        && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// Whether a media type is JSON: `application/json`, `text/json`, or any `+json` suffix
/// (`application/problem+json`, `application/vnd.api+json`).
pub fn is_json(media_type: &str) -> bool {
    let e = bare(media_type);
    e.eq_ignore_ascii_case("application/json")
        || ends_with_ignore_case(e, "+json")
        || e.eq_ignore_ascii_case("text/json")
}

/// Whether a received media type is covered by a documented one: equal essence, wildcards
/// (`*/*`, `application/*`), and any `+json` type for a documented `application/json`.
pub fn matches(documented: &str, received: &str) -> bool {
    let (d, r) = (bare(documented), bare(received));
    if d.eq_ignore_ascii_case(r) || d == "*/*" {
        return true;
    }
    if let (Some((dt, ds)), Some((rt, _))) = (d.split_once('/'), r.split_once('/'))
        && ds == "*"
        && dt.eq_ignore_ascii_case(rt)
    {
        return true;
    }
    d.eq_ignore_ascii_case("application/json") && ends_with_ignore_case(r, "+json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_recognized_with_parameters_and_suffixes() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/problem+json",
            "application/vnd.api+json",
            "text/json",
        ] {
            assert!(is_json(json), "{json}");
        }
        for other in ["text/html", "application/xml", "application/jsonl", ""] {
            assert!(!is_json(other), "{other}");
        }
    }

    #[test]
    fn media_types_match_with_parameters_wildcards_and_suffixes() {
        assert!(matches(
            "application/json",
            "application/json; charset=utf-8"
        ));
        assert!(matches("application/json", "application/problem+json"));
        assert!(matches("application/*", "application/xml"));
        assert!(matches("*/*", "text/html"));
        assert!(matches("Application/JSON", "application/json"));
        assert!(!matches("application/json", "text/html"));
        assert!(!matches("application/problem+json", "application/json"));
    }
}

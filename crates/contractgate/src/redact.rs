//! Redaction: secrets (tokens, passwords, API keys, cookies) never appear in any output.
//!
//! Two layers: values of sensitive headers are masked wherever headers are printed, and every
//! known secret value (read from the environment variables the config names) is replaced by a
//! `$ENV_VAR` reference in every text value before it is printed or serialized (reports are
//! redacted value by value, never as a serialized document).
//!
//! A secret shorter than [`SHORT_SECRET`] characters (demo secrets such as `admin`, `x`) is only
//! replaced where it stands as a whole token (not inside a longer word: `x` never turns
//! `not_exercised` into `not_e$TOKENercised`); [`Redactor::short_secrets`] names them so that the
//! run can warn about them.

/// Header names whose values are always masked.
const SENSITIVE_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-auth-token",
];

/// The text shown instead of a masked header value.
pub const MASK: &str = "[redacted]";

/// Secrets shorter than this are replaced only as whole tokens.
pub const SHORT_SECRET: usize = 8;

/// Knows the secret values in play and the environment variables they came from.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<(String, String)>,
    headers: Vec<String>,
}

impl Redactor {
    /// A redactor that knows no secrets yet (sensitive headers are still masked).
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Registers a secret value and the environment variable it came from.
    pub fn add_secret(&mut self, value: &str, env_var: &str) {
        self.add_secret_shown_as(value, &format!("${env_var}"));
    }

    /// Registers a secret value that is shown as `replacement` (e.g. the base64 form of basic
    /// credentials).
    pub fn add_secret_shown_as(&mut self, value: &str, replacement: &str) {
        if !value.is_empty() && !self.secrets.iter().any(|(v, _)| v == value) {
            self.secrets
                .push((value.to_owned(), replacement.to_owned()));
            self.secrets
                .sort_by_key(|(v, _)| std::cmp::Reverse(v.len()));
        }
    }

    /// Registers a header name whose values are secret (an apiKey scheme's header).
    pub fn add_header(&mut self, name: &str) {
        self.headers.push(name.to_ascii_lowercase());
    }

    /// Whether a header's values are masked.
    pub fn is_sensitive_header(&self, name: &str) -> bool {
        let n = name.to_ascii_lowercase();
        SENSITIVE_HEADERS.contains(&n.as_str()) || self.headers.contains(&n)
    }

    /// A header value as it may be printed.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        if self.is_sensitive_header(name) {
            MASK.to_owned()
        } else {
            self.redact(value)
        }
    }

    /// `text` with every known secret value replaced by `$ENV_VAR` (a short secret only where it
    /// stands as a whole token).
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (value, var) in &self.secrets {
            let whole_token = value.chars().count() < SHORT_SECRET;
            out = replace(&out, value, var, whole_token);
            // Also the percent-encoded form, as it appears in URLs.
            for set in [
                percent_encoding::NON_ALPHANUMERIC,
                crate::data::serialize::COMPONENT,
            ] {
                let encoded = percent_encoding::utf8_percent_encode(value, set).to_string();
                if encoded != *value {
                    out = replace(&out, &encoded, var, whole_token);
                }
            }
        }
        out
    }

    /// Every string value of a JSON document redacted, keys and structure untouched.
    pub fn redact_json(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::String(s) => {
                let redacted = self.redact(s);
                if redacted != *s {
                    *s = redacted;
                }
            }
            serde_json::Value::Array(items) => {
                for item in items {
                    self.redact_json(item);
                }
            }
            serde_json::Value::Object(map) => {
                for item in map.values_mut() {
                    self.redact_json(item);
                }
            }
            _ => {}
        }
    }

    /// The replacements of the secrets shorter than [`SHORT_SECRET`] characters (`$DEMO_TOKEN`),
    /// each once: they are redacted only as whole tokens, which a run says at its start.
    pub fn short_secrets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (value, var) in &self.secrets {
            if value.chars().count() < SHORT_SECRET && !out.contains(&var.as_str()) {
                out.push(var);
            }
        }
        out
    }
}

/// `text` with `value` replaced by `by`; with `whole_token`, only occurrences not inside a longer
/// word (the characters around it are not letters, digits or `_`).
fn replace(text: &str, value: &str, by: &str, whole_token: bool) -> String {
    if !text.contains(value) {
        return text.to_owned();
    }
    if !whole_token {
        return text.replace(value, by);
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut before: Option<char> = None;
    while let Some(i) = rest.find(value) {
        let prev = rest[..i].chars().next_back().or(before);
        let after = rest[i + value.len()..].chars().next();
        let starts = value.chars().next().is_some_and(|c| !word(c)) || !prev.is_some_and(word);
        let ends = value.chars().next_back().is_some_and(|c| !word(c)) || !after.is_some_and(word);
        out.push_str(&rest[..i]);
        if starts && ends {
            out.push_str(by);
        } else {
            out.push_str(value);
        }
        before = value.chars().next_back();
        rest = &rest[i + value.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_headers_and_replaces_values() {
        let mut r = Redactor::new();
        r.add_secret("s3cr3t-token", "API_TOKEN");
        r.add_header("X-Key");
        assert_eq!(r.header_value("Authorization", "Bearer s3cr3t-token"), MASK);
        assert_eq!(r.header_value("x-key", "anything"), MASK);
        assert_eq!(
            r.header_value("x-trace", "id s3cr3t-token"),
            "id $API_TOKEN"
        );
        assert_eq!(r.redact("token=s3cr3t-token&x=1"), "token=$API_TOKEN&x=1");
    }

    #[test]
    fn short_secrets_are_replaced_only_as_whole_tokens() {
        let mut r = Redactor::new();
        r.add_secret("x", "T");
        r.add_secret("admin", "PASS");
        assert_eq!(
            r.redact("\"status\": \"not_exercised\""),
            "\"status\": \"not_exercised\""
        );
        assert_eq!(r.redact("junit.xml"), "junit.xml");
        assert_eq!(r.redact("Bearer x"), "Bearer $T");
        assert_eq!(r.redact("user=admin&x=1"), "user=$PASS&$T=1");
        assert_eq!(r.redact("administrator admin"), "administrator $PASS");
        assert_eq!(r.redact("\"admin\""), "\"$PASS\"");
        assert_eq!(r.short_secrets(), ["$PASS", "$T"]);
        // Long secrets are replaced wherever they stand.
        r.add_secret("s3cr3t-token", "API");
        assert_eq!(r.redact("abcs3cr3t-tokenxyz"), "abc$APIxyz");
    }

    #[test]
    fn json_is_redacted_by_value_keys_untouched() {
        let mut r = Redactor::new();
        r.add_secret("status", "S");
        let mut doc = serde_json::json!({"status": "status", "list": ["the status", "statuses"]});
        r.redact_json(&mut doc);
        assert_eq!(
            doc,
            serde_json::json!({"status": "$S", "list": ["the $S", "statuses"]})
        );
    }
}

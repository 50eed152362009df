//! Redaction: secrets (tokens, passwords, API keys, cookies) never appear in any output.
//!
//! Two layers: values of sensitive headers are masked wherever headers are printed, and every
//! known secret value (read from the environment variables the config names) is replaced by a
//! `$ENV_VAR` reference in every rendered text, as a last pass.

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

    /// `text` with every known secret value replaced by `$ENV_VAR`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (value, var) in &self.secrets {
            if out.contains(value.as_str()) {
                out = out.replace(value.as_str(), var);
            }
            // Also the percent-encoded form, as it appears in URLs.
            for set in [
                percent_encoding::NON_ALPHANUMERIC,
                crate::data::serialize::COMPONENT,
            ] {
                let encoded = percent_encoding::utf8_percent_encode(value, set).to_string();
                if encoded != *value && out.contains(&encoded) {
                    out = out.replace(&encoded, var);
                }
            }
        }
        out
    }
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
}

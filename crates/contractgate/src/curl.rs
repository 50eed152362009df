//! The request as a `curl` command that runs as is, with secrets as `$ENV_VAR` references.

/// A piece of a shell word: literal text, or the value of an environment variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Lit(String),
    /// `$NAME`: a secret that is read from the environment when the command runs.
    Env(String),
}

/// A shell word made of parts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Word(pub Vec<Part>);

impl Word {
    /// A literal word.
    pub fn lit(s: impl Into<String>) -> Word {
        Word(vec![Part::Lit(s.into())])
    }

    /// Appends literal text.
    pub fn push_lit(&mut self, s: &str) {
        if let Some(Part::Lit(last)) = self.0.last_mut() {
            last.push_str(s);
        } else {
            self.0.push(Part::Lit(s.to_owned()));
        }
    }

    /// Appends an environment variable reference.
    pub fn push_env(&mut self, name: &str) {
        self.0.push(Part::Env(name.to_owned()));
    }

    /// A value written with `${VAR}` references (a header in `contractgate.toml` or `-H`): the
    /// references stay references (the curl line reads them from the shell), the rest is literal.
    pub fn template(text: &str) -> Word {
        let mut word = Word::default();
        for piece in template_pieces(text) {
            match piece {
                TemplatePiece::Text(t) => word.push_lit(t),
                TemplatePiece::Var(v) => word.push_env(v),
            }
        }
        word
    }

    /// The text with every `${VAR}` reference replaced by `values(VAR)` (kept as written when
    /// it has none).
    pub fn expand(&self, values: &dyn Fn(&str) -> Option<String>) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Lit(s) => s.clone(),
                Part::Env(e) => values(e).unwrap_or_else(|| format!("${{{e}}}")),
            })
            .collect()
    }

    /// The names of the `${VAR}` references, in order.
    pub fn vars(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter_map(|p| match p {
                Part::Env(e) => Some(e.as_str()),
                Part::Lit(_) => None,
            })
            .collect()
    }

    /// The word quoted for a POSIX shell: single quotes when it is all literal, double quotes
    /// (with `$`, `` ` ``, `"`, `\` escaped) around `${NAME}` references otherwise.
    pub fn quoted(&self) -> String {
        if self.0.iter().all(|p| matches!(p, Part::Lit(_))) {
            let text: String = self
                .0
                .iter()
                .map(|p| match p {
                    Part::Lit(s) | Part::Env(s) => s.as_str(),
                })
                .collect();
            return single_quote(&text);
        }
        let mut out = String::from("\"");
        for part in &self.0 {
            match part {
                Part::Lit(s) => {
                    for c in s.chars() {
                        if matches!(c, '$' | '`' | '"' | '\\') {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                }
                Part::Env(name) => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
            }
        }
        out.push('"');
        out
    }
}

fn single_quote(s: &str) -> String {
    if s.chars().any(|c| c.is_control() && c != '\t') {
        // ANSI-C quoting keeps CR/LF (multipart bodies) exact.
        let mut out = String::from("$'");
        for c in s.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\'' => out.push_str("\\'"),
                '\r' => out.push_str("\\r"),
                '\n' => out.push_str("\\n"),
                c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('\'');
        out
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A request as curl should send it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurlRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The full URL (API keys in the query as `$ENV_VAR`).
    pub url: Word,
    /// Headers in the order sent.
    pub headers: Vec<(String, Word)>,
    /// Basic credentials: the environment variables of the user name and password, and text
    /// appended to the password (a deliberately wrong one: `auth_enforced`).
    pub basic: Option<(String, String, String)>,
    /// The body, when there is one.
    pub body: Option<Vec<u8>>,
}

impl CurlRequest {
    /// The command line. Bodies that are not UTF-8 are left out with a note.
    pub fn render(&self) -> String {
        let mut out = format!("curl -sS -i -X {} {}", self.method, self.url.quoted());
        for (name, value) in &self.headers {
            let mut w = Word::lit(format!("{name}: "));
            for p in &value.0 {
                match p {
                    Part::Lit(s) => w.push_lit(s),
                    Part::Env(e) => w.push_env(e),
                }
            }
            out.push_str(" -H ");
            out.push_str(&w.quoted());
        }
        if let Some((user, password, suffix)) = &self.basic {
            out.push_str(&format!(" -u \"${{{user}}}:${{{password}}}{suffix}\""));
        }
        if let Some(body) = &self.body {
            match std::str::from_utf8(body) {
                Ok(text) => {
                    out.push_str(" --data-binary ");
                    out.push_str(&single_quote(text));
                }
                Err(_) => out.push_str(&format!(
                    " --data-binary @body.bin  # {} bytes, not UTF-8",
                    body.len()
                )),
            }
        }
        out
    }
}

/// A piece of a `${VAR}` template.
enum TemplatePiece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// `Bearer ${TOKEN}` → `Bearer `, `TOKEN`. A `$` not followed by `{NAME}` (NAME: letters, digits,
/// `_`, not starting with a digit) is text.
fn template_pieces(text: &str) -> Vec<TemplatePiece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let name_len = after.find('}');
        let valid = name_len.is_some_and(|n| {
            n > 0
                && after[..n]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !after.starts_with(|c: char| c.is_ascii_digit())
        });
        match (valid, name_len) {
            (true, Some(n)) => {
                if start > 0 {
                    out.push(TemplatePiece::Text(&rest[..start]));
                }
                out.push(TemplatePiece::Var(&after[..n]));
                rest = &after[n + 1..];
            }
            _ => {
                out.push(TemplatePiece::Text(&rest[..start + 2]));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        out.push(TemplatePiece::Text(rest));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_literals_and_env_references() {
        let mut url = Word::lit("http://127.0.0.1:8080/items?api_key=");
        url.push_env("API_KEY");
        url.push_lit("&q=it's $5");
        let mut auth = Word::lit("Bearer ");
        auth.push_env("TOKEN");
        let req = CurlRequest {
            method: "POST".into(),
            url,
            headers: vec![
                ("Authorization".into(), auth),
                ("X-Note".into(), Word::lit("it's")),
            ],
            basic: None,
            body: Some(b"{\"a\":\"b'c\"}".to_vec()),
        };
        assert_eq!(
            req.render(),
            r#"curl -sS -i -X POST "http://127.0.0.1:8080/items?api_key=${API_KEY}&q=it's \$5" -H "Authorization: Bearer ${TOKEN}" -H 'X-Note: it'\''s' --data-binary '{"a":"b'\''c"}'"#
        );
        assert_eq!(single_quote("a\r\nb"), "$'a\\r\\nb'");
    }

    #[test]
    fn templates_keep_variables_as_references() {
        let w = Word::template("Bearer ${TOKEN} and $5 ${not valid} ${A_1}");
        assert_eq!(w.vars(), ["TOKEN", "A_1"]);
        assert_eq!(
            w.expand(&|v| (v == "TOKEN").then(|| "abc".to_owned())),
            "Bearer abc and $5 ${not valid} ${A_1}"
        );
        assert_eq!(
            w.quoted(),
            "\"Bearer ${TOKEN} and \\$5 \\${not valid} ${A_1}\""
        );
    }
}

//! The wire request and its `curl` twin for planned request data: the `Accept` header, the
//! environment's headers, cookies, the credentials of the operation's security (secrets in the
//! `curl` line as `${ENV_VAR}`), the body.

use contractgate_spec::ir::{ApiKeyLocation, Method, Operation};

use crate::client::WireRequest;
use crate::curl::{CurlRequest, Word};
use crate::data::Planned;
use crate::runner::Harness;
use crate::target::Credentials;

/// Which credentials a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Auth {
    /// None (`auth_enforced`'s request without credentials).
    Without,
    /// The configured ones.
    With,
    /// Wrong ones of the same kind and in the same place: the configured value with
    /// [`WRONG_SUFFIX`] (`auth_enforced`'s wrong-credential request). The curl line shows
    /// `${VAR}` followed by the suffix, so it reproduces the request without printing a secret.
    Wrong,
}

/// What makes a configured credential wrong.
pub(crate) const WRONG_SUFFIX: &str = "-wrong-by-contractgate";

impl Harness {
    /// A hint when `op` is secured and no configured credentials satisfy it.
    pub(crate) fn missing_credentials(&self, op: &Operation) -> Option<String> {
        if op.security.is_empty() || op.security.iter().any(|req| self.satisfied(req)) {
            return None;
        }
        let schemes: Vec<&str> = op
            .security
            .iter()
            .flat_map(|r| r.schemes.keys())
            .map(String::as_str)
            .collect();
        Some(format!(
            "No credentials are configured for the operation's security ({}). Name the environment variables that hold them: [environments.<name>.credentials] {} = {{ token_env = \"...\" }}",
            schemes.join(" or "),
            schemes.first().copied().unwrap_or("scheme")
        ))
    }

    pub(crate) fn satisfied(&self, req: &contractgate_spec::ir::SecurityRequirement) -> bool {
        req.schemes.keys().all(|s| self.has_credentials(s))
    }

    pub(crate) fn has_credentials(&self, scheme: &str) -> bool {
        match self.target.credentials.get(scheme) {
            Some(Credentials::Bearer(t)) => {
                t.value.is_some() || self.target.token_sources.contains_key(scheme)
            }
            Some(Credentials::Basic { username, password }) => {
                username.value.is_some() && password.value.is_some()
            }
            Some(Credentials::ApiKey { key, .. }) => {
                key.value.is_some() || self.target.token_sources.contains_key(scheme)
            }
            None => false,
        }
    }

    /// The `Accept` header: the operation's documented response media types, JSON first.
    pub(crate) fn accept(op: &Operation) -> String {
        let mut types: Vec<String> = Vec::new();
        for r in &op.responses {
            for mt in r.content.keys() {
                let e = crate::data::serialize::essence(mt);
                if !types.contains(&e) {
                    types.push(e);
                }
            }
        }
        types.sort_by_key(|t| {
            if t == "application/json" {
                0
            } else if crate::data::serialize::is_json(t) {
                1
            } else {
                2
            }
        });
        types.retain(|t| t != "*/*");
        if types.is_empty() {
            return "application/json, */*;q=0.1".to_owned();
        }
        types.push("*/*;q=0.1".to_owned());
        types.join(", ")
    }

    /// The wire request and its curl twin for planned data.
    pub(crate) fn build(
        &self,
        op: &Operation,
        method: Method,
        planned: &Planned,
        credentials: bool,
    ) -> (WireRequest, CurlRequest) {
        let auth = if credentials {
            Auth::With
        } else {
            Auth::Without
        };
        self.build_with(op, method, planned, auth)
    }

    /// [`Harness::build`] with the credentials as `auth` says: none, the configured ones, or
    /// wrong ones of the same kind and place (each configured value with [`WRONG_SUFFIX`]).
    pub(crate) fn build_with(
        &self,
        op: &Operation,
        method: Method,
        planned: &Planned,
        auth: Auth,
    ) -> (WireRequest, CurlRequest) {
        let credentials = auth != Auth::Without;
        let suffix = if auth == Auth::Wrong {
            WRONG_SUFFIX
        } else {
            ""
        };
        let base = &self.target.base_url;
        let mut url = format!("{base}{}", planned.path);
        let mut query = planned.query.clone();
        let mut curl_query_secret: Vec<(String, String, &str)> = Vec::new();
        // Each header goes on the wire and, as a word, into the curl line: the environment's
        // headers may read `${VAR}`s (the wire gets the value, the curl line the reference).
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut curl_headers: Vec<(String, Word)> = Vec::new();
        let mut add = |name: &str, word: Word| {
            headers.push((
                name.to_owned(),
                word.expand(&|var| self.target.header_values.get(var).cloned()),
            ));
            curl_headers.push((name.to_owned(), word));
        };
        add("Accept", Word::lit(Harness::accept(op)));
        for (n, v) in &self.target.settings.headers {
            // A request without credentials leaves out the ones given as headers too.
            if !credentials && self.redactor().is_sensitive_header(n) {
                continue;
            }
            add(n, Word::template(v));
        }
        for (n, v) in &planned.headers {
            add(n, Word::lit(v.clone()));
        }
        if let Some(body) = &planned.body {
            add("Content-Type", Word::lit(body.content_type.clone()));
        }
        let mut cookies = planned.cookies.clone();
        let mut curl_cookie = Word::lit(planned.cookies.join("; "));
        let mut basic = None;
        if credentials
            && let Some(req) = op
                .security
                .iter()
                .find(|r| !r.is_anonymous() && self.satisfied(r))
        {
            for scheme in req.schemes.keys() {
                match self.target.credentials.get(scheme) {
                    Some(Credentials::Bearer(t)) => {
                        let v = t
                            .value
                            .clone()
                            .or_else(|| self.token(scheme))
                            .unwrap_or_default();
                        headers.push(("Authorization".into(), format!("Bearer {v}{suffix}")));
                        let mut w = Word::lit("Bearer ");
                        w.push_env(&t.env_var);
                        w.push_lit(suffix);
                        curl_headers.push(("Authorization".into(), w));
                    }
                    Some(Credentials::Basic { username, password }) => {
                        let raw = format!(
                            "{}:{}{suffix}",
                            username.value.as_deref().unwrap_or(""),
                            password.value.as_deref().unwrap_or("")
                        );
                        headers.push((
                            "Authorization".into(),
                            format!("Basic {}", crate::data::serialize::base64(raw.as_bytes())),
                        ));
                        basic = Some((
                            username.env_var.clone(),
                            password.env_var.clone(),
                            suffix.to_owned(),
                        ));
                    }
                    Some(Credentials::ApiKey {
                        name,
                        location,
                        key,
                    }) => {
                        let v = key
                            .value
                            .clone()
                            .or_else(|| self.token(scheme))
                            .unwrap_or_default();
                        let v = format!("{v}{suffix}");
                        match location {
                            ApiKeyLocation::Header => {
                                headers.push((name.clone(), v));
                                let mut w = Word::default();
                                w.push_env(&key.env_var);
                                w.push_lit(suffix);
                                curl_headers.push((name.clone(), w));
                            }
                            ApiKeyLocation::Query => {
                                let enc = |s: &str| {
                                    percent_encoding::utf8_percent_encode(
                                        s,
                                        crate::data::serialize::COMPONENT,
                                    )
                                    .to_string()
                                };
                                query.push(format!("{}={}", enc(name), enc(&v)));
                                curl_query_secret.push((enc(name), key.env_var.clone(), suffix));
                            }
                            ApiKeyLocation::Cookie => {
                                cookies.push(format!("{name}={v}"));
                                if !curl_cookie.0.is_empty() && !planned.cookies.is_empty() {
                                    curl_cookie.push_lit("; ");
                                }
                                curl_cookie.push_lit(&format!("{name}="));
                                curl_cookie.push_env(&key.env_var);
                                curl_cookie.push_lit(suffix);
                            }
                        }
                    }
                    None => {}
                }
            }
        }
        if !cookies.is_empty() {
            headers.push(("Cookie".into(), cookies.join("; ")));
            curl_headers.push(("Cookie".into(), curl_cookie));
        }
        let mut curl_url = Word::lit(url.clone());
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query.join("&"));
            let plain: Vec<&String> = planned.query.iter().collect();
            curl_url.push_lit("?");
            let mut first = true;
            for q in plain {
                if !first {
                    curl_url.push_lit("&");
                }
                curl_url.push_lit(q);
                first = false;
            }
            for (name, var, suffix) in &curl_query_secret {
                if !first {
                    curl_url.push_lit("&");
                }
                curl_url.push_lit(&format!("{name}="));
                curl_url.push_env(var);
                curl_url.push_lit(suffix);
                first = false;
            }
        }
        let body = planned.body.as_ref().map(|b| b.bytes.clone());
        let wire = WireRequest {
            method: method.as_str().to_owned(),
            url,
            headers,
            body: body.clone(),
        };
        let curl = CurlRequest {
            method: method.as_str().to_owned(),
            url: curl_url,
            headers: curl_headers,
            basic,
            body,
        };
        (wire, curl)
    }
}

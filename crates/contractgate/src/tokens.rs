//! Tokens the harness obtains itself: with an OAuth 2 client-credentials grant, or from a login
//! operation of the spec. Obtained once, before the first request; again when they expire (as the
//! token endpoint's `expires_in` says), and once when a request that carried one is answered
//! `401`: the request is then sent again with the new token.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use contractgate_spec::ir::Operation;

use crate::client::WireRequest;
use crate::config::OperationFixtures;
use crate::links::expr::{self, Exchanged, Payload};
use crate::redact::Redactor;
use crate::request::Auth;
use crate::runner::Harness;
use crate::target::TokenSource;

/// What the harness knows about its tokens.
#[derive(Debug, Default)]
pub(crate) struct TokenState {
    /// The tokens in use, or why they could not be obtained.
    current: std::sync::RwLock<Option<Result<Arc<Tokens>, String>>>,
    /// Held while tokens are obtained, so concurrent checks wait for one request.
    obtaining: tokio::sync::Mutex<()>,
}

/// Tokens by security scheme, and a redactor that also knows them (and every earlier token).
#[derive(Debug)]
pub(crate) struct Tokens {
    by_scheme: HashMap<String, String>,
    pub(crate) redactor: Arc<Redactor>,
    /// Counts the times tokens were obtained (1 for the first).
    generation: u32,
    /// When they must be obtained again (the earliest `expires_in`, less a margin).
    expires_at: Option<Instant>,
    /// Obtained again because a request was answered 401: not again for that reason.
    after_401: bool,
}

impl Tokens {
    /// The token for `scheme`.
    pub(crate) fn token(&self, scheme: &str) -> Option<&str> {
        self.by_scheme.get(scheme).map(String::as_str)
    }

    fn expired(&self) -> bool {
        self.expires_at.is_some_and(|at| Instant::now() >= at)
    }
}

impl TokenState {
    fn get(&self) -> Option<Result<Arc<Tokens>, String>> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    fn set(&self, value: Result<Arc<Tokens>, String>) {
        if let Ok(mut c) = self.current.write() {
            *c = Some(value);
        }
    }

    /// How many times tokens were obtained (0: never).
    pub(crate) fn generation(&self) -> u32 {
        self.tokens().map_or(0, |t| t.generation)
    }

    /// The tokens in use, if they were obtained.
    pub(crate) fn tokens(&self) -> Option<Arc<Tokens>> {
        self.get().and_then(Result::ok)
    }
}

impl Harness {
    /// The token obtained for `scheme`, once [`Harness::obtain_credentials`] has run.
    pub(crate) fn token(&self, scheme: &str) -> Option<String> {
        self.tokens.tokens()?.token(scheme).map(str::to_owned)
    }

    /// Obtains the tokens the target's settings ask for (OAuth 2 client credentials, a login
    /// operation), unless they were obtained and have not expired. The harness calls it before
    /// its first request; call it first to stop before any check when credentials cannot be
    /// obtained. The error is redacted.
    pub async fn obtain_credentials(&self) -> Result<(), String> {
        if self.target.token_sources.is_empty() {
            return Ok(());
        }
        match self.tokens.get() {
            Some(Err(why)) => return Err(why),
            Some(Ok(t)) if !t.expired() => return Ok(()),
            _ => {}
        }
        let _guard = self.tokens.obtaining.lock().await;
        let previous = match self.tokens.get() {
            Some(Err(why)) => return Err(why),
            Some(Ok(t)) if !t.expired() => return Ok(()),
            other => other.and_then(Result::ok),
        };
        let got = self
            .fetch_tokens(previous.as_deref(), false)
            .await
            .map(Arc::new);
        self.tokens.set(got.clone());
        got.map(|_| ())
    }

    /// After a 401 to a request that carried `used`: the tokens to send it again with, obtained
    /// anew unless another request already did (`None` when they were already obtained anew
    /// after a 401, or cannot be).
    pub(crate) async fn refresh_after_401(&self, used: &Tokens) -> Option<Arc<Tokens>> {
        let _guard = self.tokens.obtaining.lock().await;
        let current = self.tokens.tokens()?;
        if current.generation != used.generation {
            return Some(current);
        }
        if current.after_401 {
            return None;
        }
        let fresh = Arc::new(self.fetch_tokens(Some(&current), true).await.ok()?);
        self.tokens.set(Ok(Arc::clone(&fresh)));
        Some(fresh)
    }

    /// Obtains every token anew.
    async fn fetch_tokens(
        &self,
        previous: Option<&Tokens>,
        after_401: bool,
    ) -> Result<Tokens, String> {
        let mut by_scheme = HashMap::new();
        let mut redactor =
            previous.map_or_else(|| (*self.redactor).clone(), |p| (*p.redactor).clone());
        let mut expires_at: Option<Instant> = None;
        for (scheme, source) in &self.target.token_sources {
            let (token, expires_in) = match source {
                TokenSource::ClientCredentials { token_url, .. } => {
                    crate::client::client_credentials_token(source, &self.target.settings.http)
                        .await
                        .map_err(|why| {
                            redactor
                                .redact(&format!("no token for `{scheme}` from {token_url}: {why}"))
                        })?
                }
                TokenSource::Login { .. } => (
                    self.login(scheme, source)
                        .await
                        .map_err(|why| redactor.redact(&why))?,
                    None,
                ),
            };
            redactor.add_secret(&token, &source.var(scheme));
            if let Some(secs) = expires_in {
                let margin = (secs / 10).clamp(1, 60);
                let at = Instant::now() + Duration::from_secs(secs.saturating_sub(margin));
                expires_at = Some(expires_at.map_or(at, |e| e.min(at)));
            }
            by_scheme.insert(scheme.clone(), token);
        }
        Ok(Tokens {
            by_scheme,
            redactor: Arc::new(redactor),
            generation: previous.map_or(1, |p| p.generation + 1),
            expires_at,
            after_401,
        })
    }

    /// Sends the login operation of `source` and reads the token from its answer.
    async fn login(&self, scheme: &str, source: &TokenSource) -> Result<String, String> {
        let TokenSource::Login {
            operation,
            token,
            params,
            body,
        } = source
        else {
            return Err("not a login".into());
        };
        let lead = format!("no token for `{scheme}` from the login operation `{operation}`");
        let op = self.login_operation(operation).ok_or_else(|| {
            format!(
                "{lead}: the spec has no such operation (give its operationId, or `POST /path`)"
            )
        })?;
        let expr = expr::parse_expr(token)
            .map_err(|e| format!("{lead}: `{token}` is not a runtime expression: {e}"))?;
        let fixtures = OperationFixtures {
            params: params.clone(),
            body: body.clone(),
        };
        let planned = crate::data::plan(
            op,
            Some(&fixtures),
            &crate::data::Linked::default(),
            self.target.settings.seed,
            &self.validators,
        )
        .map_err(|e| format!("{lead}: no request could be built: {}", e.0))?;
        let label = format!("{} {} ({})", op.method, op.path, op.id);
        let (wire, curl) = self.build_with(op, op.method, &planned, Auth::Without);
        let exchange = self
            .send_once(op, Arc::new(wire), Arc::new(curl), Vec::new())
            .await
            .map_err(|unsent| format!("{lead}: {label} got no answer: {}", unsent.describe()))?;
        let status = exchange.response.status;
        let shown: String = String::from_utf8_lossy(&exchange.response.body)
            .chars()
            .take(300)
            .collect();
        if !(200..300).contains(&status) {
            return Err(format!(
                "{lead}: {label} answered {status} {}{}",
                crate::failure::reason_phrase(status),
                if shown.is_empty() {
                    String::new()
                } else {
                    format!(": {shown}")
                }
            ));
        }
        let exchanged = Exchanged {
            url: exchange.wire.url.clone(),
            method: exchange.wire.method.clone(),
            request_headers: exchange.wire.headers.clone(),
            request_body: exchange.wire.body.as_deref().and_then(Payload::of),
            status,
            response_headers: exchange.response.headers.clone(),
            response_body: Payload::of(&exchange.response.body),
            ..Exchanged::default()
        };
        // The answer holds a token somewhere else: name its top-level properties, never show
        // their values.
        let value = expr::eval_expr(&expr, &exchanged).map_err(|e| {
            let names = match &exchanged.response_body {
                Some(Payload::Json(serde_json::Value::Object(map))) => format!(
                    " (its top-level properties: {})",
                    map.keys()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => String::new(),
            };
            format!("{lead}: {label} answered {status}, but {e}{names}")
        })?;
        let text = match value {
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            other => {
                return Err(format!("{lead}: {token} is `{other}`, not a token"));
            }
        };
        // `Authorization: Bearer abc` read from a header: the token is `abc`.
        let text = text
            .strip_prefix("Bearer ")
            .map_or(text.clone(), str::to_owned);
        if text.is_empty() {
            return Err(format!("{lead}: {token} is empty"));
        }
        Ok(text)
    }

    /// The values of the login that names `op`, as its fixtures.
    pub(crate) fn login_fixtures(&self, op: &Operation) -> Option<OperationFixtures> {
        self.target
            .token_sources
            .values()
            .find_map(|source| match source {
                TokenSource::Login {
                    operation,
                    params,
                    body,
                    ..
                } if self
                    .login_operation(operation)
                    .is_some_and(|o| o.id == op.id) =>
                {
                    Some(OperationFixtures {
                        params: params.clone(),
                        body: body.clone(),
                    })
                }
                _ => None,
            })
    }

    /// The operation a login names: its id, or `METHOD /path`.
    fn login_operation(&self, name: &str) -> Option<&Operation> {
        self.operation(name).or_else(|| {
            let (method, path) = name.split_once(' ')?;
            let i = self.api.operations.iter().position(|op| {
                op.method.as_str().eq_ignore_ascii_case(method) && op.path == path.trim()
            })?;
            self.operation_at(i)
        })
    }
}

/// Whether `wire` carries `token` as a credential: a whole header value (`Bearer` or not), a
/// cookie or a query value.
pub(crate) fn carries(wire: &WireRequest, token: &str) -> bool {
    replace(wire, token, token).is_some()
}

/// `wire` with the credential `old` replaced by `new` wherever [`carries`] finds it; `None` when
/// it is nowhere.
pub(crate) fn replace(wire: &WireRequest, old: &str, new: &str) -> Option<WireRequest> {
    let mut out = wire.clone();
    let mut found = false;
    for (name, value) in &mut out.headers {
        if value == old {
            *value = new.to_owned();
            found = true;
        } else if value.strip_prefix("Bearer ") == Some(old) {
            *value = format!("Bearer {new}");
            found = true;
        } else if name.eq_ignore_ascii_case("cookie") {
            let parts: Vec<String> = value
                .split("; ")
                .map(|part| match part.split_once('=') {
                    Some((n, v)) if v == old => {
                        found = true;
                        format!("{n}={new}")
                    }
                    _ => part.to_owned(),
                })
                .collect();
            *value = parts.join("; ");
        }
    }
    if let Some((base, query)) = wire.url.split_once('?') {
        let enc = |s: &str| {
            percent_encoding::utf8_percent_encode(s, crate::data::serialize::COMPONENT).to_string()
        };
        let (old, new) = (enc(old), enc(new));
        let parts: Vec<String> = query
            .split('&')
            .map(|part| match part.split_once('=') {
                Some((n, v)) if v == old => {
                    found = true;
                    format!("{n}={new}")
                }
                _ => part.to_owned(),
            })
            .collect();
        out.url = format!("{base}?{}", parts.join("&"));
    }
    found.then_some(out)
}

/// The token of `tokens` that `wire` carries, if any.
pub(crate) fn carried<'a>(tokens: &'a Tokens, wire: &WireRequest) -> Vec<(&'a str, &'a str)> {
    tokens
        .by_scheme
        .iter()
        .filter(|(_, t)| carries(wire, t))
        .map(|(s, t)| (s.as_str(), t.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(url: &str, headers: &[(&str, &str)]) -> WireRequest {
        WireRequest {
            method: "GET".into(),
            url: url.into(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            body: None,
        }
    }

    #[test]
    fn a_token_is_found_and_replaced_where_credentials_go() {
        let w = wire(
            "http://h/x?a=1&key=old%2Ftok",
            &[
                ("Authorization", "Bearer old/tok"),
                ("X-Key", "old/tok"),
                ("Cookie", "a=b; sid=old/tok"),
            ],
        );
        let r = replace(&w, "old/tok", "new").unwrap();
        assert_eq!(r.url, "http://h/x?a=1&key=new");
        assert_eq!(r.headers[0].1, "Bearer new");
        assert_eq!(r.headers[1].1, "new");
        assert_eq!(r.headers[2].1, "a=b; sid=new");
    }

    #[test]
    fn a_wrong_credential_is_not_the_token() {
        let w = wire(
            "http://h/x?key=tok-wrong",
            &[
                ("Authorization", "Bearer tok-wrong"),
                ("Cookie", "sid=tok-wrong"),
            ],
        );
        assert!(!carries(&w, "tok"));
        assert!(replace(&w, "tok", "new").is_none());
    }
}

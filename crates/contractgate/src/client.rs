//! HTTP: one shared `reqwest` client per process (rustls with ring), on a runtime the harness
//! owns, so a plain synchronous `#[test]` can call it.
//!
//! Redirects are not followed (a redirect is a response to check, and credentials never go to
//! another host). Bodies are read up to a cap (10 MiB by default) and the cut is reported.
//! Connection errors are retried (2 times by default, with backoff); nothing else is.
//!
//! TLS certificates are verified against the platform's roots, plus the CA certificates of a
//! [`CaFile`] when one is set (`ca_file` in an environment, or `CONTRACTGATE_CA_FILE`), unless
//! `insecure` is set.

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::curl::CurlRequest;
use crate::failure::{BODY_EXCERPT_CHARS, RequestRecord, ResponseRecord, reason_phrase};
use crate::redact::Redactor;

/// The runtime the harness owns (two worker threads; created on first use).
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("contractgate")
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            // Creating a runtime only fails when the OS refuses threads or an I/O driver: nothing
            // a test can recover from.
            #[allow(clippy::panic)]
            Err(e) => panic!("contractgate: cannot start the tokio runtime: {e}"),
        }
    })
}

/// Runs a future to completion on the harness runtime, from synchronous code. Called from
/// inside another runtime (an async test), it blocks a helper thread instead of panicking.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|s| {
            let handle = s.spawn(|| runtime().block_on(future));
            match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    } else {
        runtime().block_on(future)
    }
}

/// Installs rustls's ring provider once (reqwest is built without a default provider).
fn install_crypto_provider() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        // An error means another provider is already installed, which is fine. rustls 0.23.48
        // deprecates the ring provider (it has no post-quantum key exchange); it stays the choice
        // here because the alternative, aws-lc, needs a C toolchain and CMake to build
        // (CRATES.md §6). Allowed, so a user whose lock file resolves 0.23.48 sees no warning.
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let _ = provider.install_default();
    });
}

/// HTTP settings of an environment.
#[derive(Clone, Debug, PartialEq)]
pub struct HttpSettings {
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Total timeout per request.
    pub timeout: Duration,
    /// Accept invalid TLS certificates.
    pub insecure: bool,
    /// Extra CA certificates to trust, besides the platform's roots.
    pub ca_file: Option<CaFile>,
    /// A client certificate and its key, presented to servers that ask for one (mutual TLS).
    pub client_identity: Option<ClientIdentity>,
    /// Body size cap in bytes.
    pub max_body_bytes: u64,
    /// Retries on connection errors.
    pub retries: u32,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
            insecure: false,
            ca_file: None,
            client_identity: None,
            max_body_bytes: 10 * 1024 * 1024,
            retries: 2,
        }
    }
}

/// A PEM file of one or more CA certificates to trust in addition to the platform's roots (a
/// staging environment behind an internal CA), and the setting that named it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Deserialize)]
#[serde(from = "PathBuf")]
pub struct CaFile {
    /// The file. In `contractgate.toml` a relative path is relative to that file's directory:
    /// [`Config::parse`](crate::Config::parse) makes it so.
    pub path: PathBuf,
    /// Where the path came from, for messages: ``"`ca_file` of [environments.staging] in
    /// contractgate.toml"``, `"CONTRACTGATE_CA_FILE"`.
    pub setting: String,
}

impl From<PathBuf> for CaFile {
    fn from(path: PathBuf) -> Self {
        CaFile::new(path, "`ca_file`")
    }
}

/// A CA file that cannot be used: missing, unreadable, or without a usable certificate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{setting}: {problem}")]
pub struct CaFileError {
    /// The file.
    pub path: PathBuf,
    /// The setting that named it (see [`CaFile::setting`]).
    pub setting: String,
    /// What is wrong, with the file's path.
    pub problem: String,
}

impl CaFile {
    /// The file at `path`, named by `setting` (used in error messages).
    pub fn new(path: impl Into<PathBuf>, setting: impl Into<String>) -> CaFile {
        CaFile {
            path: path.into(),
            setting: setting.into(),
        }
    }

    /// Reads the file: every `CERTIFICATE` block in it (other PEM blocks are ignored), each
    /// checked to be usable as a trust anchor. A missing or unreadable file, broken PEM, a
    /// certificate that does not parse, or no certificate at all is an error naming the file and
    /// the setting.
    pub fn certificates(&self) -> Result<Vec<reqwest::Certificate>, CaFileError> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;

        let shown = self.path.display();
        let error = |problem: String| CaFileError {
            path: self.path.clone(),
            setting: self.setting.clone(),
            problem,
        };
        let pem = std::fs::read(&self.path)
            .map_err(|e| error(format!("cannot read the CA file {shown}: {e}")))?;
        let mut count = 0;
        for (i, cert) in CertificateDer::pem_slice_iter(&pem).enumerate() {
            let cert = cert.map_err(|e| {
                error(format!(
                    "the CA file {shown} is not valid PEM (certificate {}): {e}",
                    i + 1
                ))
            })?;
            rustls::RootCertStore::empty().add(cert).map_err(|e| {
                error(format!(
                    "certificate {} of the CA file {shown} is not a usable CA certificate: {e}",
                    i + 1
                ))
            })?;
            count += 1;
        }
        if count == 0 {
            return Err(error(format!(
                "the CA file {shown} contains no certificate (a PEM file with one or more \
                 `-----BEGIN CERTIFICATE-----` blocks is expected)"
            )));
        }
        reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            error(format!(
                "the CA file {shown} cannot be used by the HTTP client: {e}"
            ))
        })
    }
}

/// A client certificate (PEM, possibly with its chain) and its private key (PEM), presented to
/// servers that ask for one: a `mutualTLS` security scheme, or a gateway that requires it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientIdentity {
    /// The certificate file.
    pub cert: PathBuf,
    /// The key file.
    pub key: PathBuf,
    /// Where the paths came from, for messages (`` `client_cert`/`client_key` of
    /// [environments.staging] in contractgate.toml ``, `--client-cert/--client-key`).
    pub setting: String,
}

impl ClientIdentity {
    /// Reads both files into an identity for the HTTP client. A missing or unreadable file, a
    /// file without a certificate or a key, or a key that does not fit is an error naming the
    /// files and the setting (a [`CaFileError`], whose `path` is the file at fault).
    pub fn load(&self) -> Result<reqwest::Identity, CaFileError> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};

        let error = |path: &PathBuf, problem: String| CaFileError {
            path: path.clone(),
            setting: self.setting.clone(),
            problem,
        };
        let read = |path: &PathBuf, what: &str| {
            std::fs::read(path).map_err(|e| {
                error(
                    path,
                    format!("cannot read the client {what} {}: {e}", path.display()),
                )
            })
        };
        let cert = read(&self.cert, "certificate")?;
        let key = read(&self.key, "key")?;
        if CertificateDer::pem_slice_iter(&cert).next().is_none() {
            return Err(error(
                &self.cert,
                format!(
                    "the client certificate {} contains no certificate (a PEM `-----BEGIN CERTIFICATE-----` block is expected)",
                    self.cert.display()
                ),
            ));
        }
        if PrivateKeyDer::from_pem_slice(&key).is_err() {
            return Err(error(
                &self.key,
                format!(
                    "the client key {} contains no private key (a PEM `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block is expected)",
                    self.key.display()
                ),
            ));
        }
        let mut pem = cert;
        pem.push(b'\n');
        pem.extend_from_slice(&key);
        reqwest::Identity::from_pem(&pem).map_err(|e| {
            error(
                &self.key,
                format!(
                    "the client certificate {} and key {} cannot be used: {e}",
                    self.cert.display(),
                    self.key.display()
                ),
            )
        })
    }
}

/// The shared client for a (connect timeout, insecure, CA file, client certificate) set: one
/// connection pool each.
pub(crate) fn client(settings: &HttpSettings) -> Result<reqwest::Client, String> {
    type Key = (u128, bool, Option<PathBuf>, Option<ClientIdentity>);
    static CLIENTS: OnceLock<Mutex<HashMap<Key, reqwest::Client>>> = OnceLock::new();
    let key = (
        settings.connect_timeout.as_millis(),
        settings.insecure,
        settings.ca_file.as_ref().map(|c| c.path.clone()),
        settings.client_identity.clone(),
    );
    let clients = CLIENTS.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(map) = clients.lock()
        && let Some(c) = map.get(&key)
    {
        return Ok(c.clone());
    }
    install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.connect_timeout)
        .tls_danger_accept_invalid_certs(settings.insecure)
        .pool_max_idle_per_host(128);
    if let Some(ca_file) = &settings.ca_file {
        // Added to the platform's roots, not instead of them.
        for cert in ca_file.certificates().map_err(|e| e.to_string())? {
            builder = builder.add_root_certificate(cert);
        }
    }
    if let Some(identity) = &settings.client_identity {
        builder = builder.identity(identity.load().map_err(|e| e.to_string())?);
    }
    let built = builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    if let Ok(mut map) = clients.lock() {
        map.entry(key).or_insert_with(|| built.clone());
    }
    Ok(built)
}

/// Obtains a token with an OAuth 2 client-credentials grant (RFC 6749 §4.4): a form POST to the
/// token URL, the client authenticated with HTTP basic, the `access_token` of the JSON answer
/// and its `expires_in` (seconds), when given.
pub(crate) async fn client_credentials_token(
    source: &crate::target::TokenSource,
    settings: &HttpSettings,
) -> Result<(String, Option<u64>), String> {
    let crate::target::TokenSource::ClientCredentials {
        token_url,
        client_id,
        client_secret,
        scopes,
    } = source
    else {
        return Err("not a client-credentials grant".into());
    };
    // application/x-www-form-urlencoded, as RFC 6749 §2.3.1 asks of client credentials too.
    const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'*');
    let enc = |s: &str| percent_encoding::utf8_percent_encode(s, FORM).to_string();
    let (Some(id), Some(secret)) = (&client_id.value, &client_secret.value) else {
        return Err(format!(
            "${} and ${} must both be set",
            client_id.env_var, client_secret.env_var
        ));
    };
    let mut body = "grant_type=client_credentials".to_owned();
    if !scopes.is_empty() {
        body.push_str("&scope=");
        body.push_str(&enc(&scopes.join(" ")));
    }
    let client = client(settings)?;
    let response = client
        .post(token_url)
        .basic_auth(enc(id), Some(enc(secret)))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .timeout(settings.timeout)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("no answer: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|e| format!("{status}, and the body could not be read: {e}"))?;
    let shown: String = text.chars().take(300).collect();
    if !(200..300).contains(&status) {
        return Err(format!(
            "the token endpoint answered {status} {}: {shown}",
            crate::failure::reason_phrase(status)
        ));
    }
    let answer = serde_json::from_str::<serde_json::Value>(&text).ok();
    let token = answer
        .as_ref()
        .and_then(|v| v.get("access_token")?.as_str().map(str::to_owned))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            format!("the token endpoint answered {status} without an `access_token`: {shown}")
        })?;
    let expires_in = answer.as_ref().and_then(|v| {
        let e = v.get("expires_in")?;
        e.as_u64().or_else(|| e.as_str()?.parse().ok())
    });
    Ok((token, expires_in))
}

/// A request exactly as it goes on the wire.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WireRequest {
    /// `GET`.
    pub method: String,
    /// The full URL, secrets included.
    pub url: String,
    /// Headers, secrets included.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Option<Vec<u8>>,
}

/// A response as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// Status code.
    pub status: u16,
    /// Headers in the order received (names lower-case).
    pub headers: Vec<(String, String)>,
    /// The body, up to the cap.
    pub body: Vec<u8>,
    /// Whether the body was longer than the cap.
    pub truncated: bool,
    /// Time from sending to the end of the body.
    pub elapsed: Duration,
}

impl Received {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    /// `500 text/html`: the status and content type, as failures print them after `Received:`.
    pub fn status_and_type(&self) -> String {
        format!(
            "{} {}",
            self.status,
            self.content_type().unwrap_or("(no content type)")
        )
    }
}

/// Why no response came back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// Connection refused or reset, DNS, TLS handshake.
    pub connect: bool,
    /// The request timed out.
    pub timeout: bool,
    /// What happened.
    pub message: String,
}

/// One request sent and its response, with what reports need.
#[derive(Clone, Debug)]
pub struct Exchange {
    /// The request on the wire.
    pub wire: std::sync::Arc<WireRequest>,
    /// The same request for curl, secrets as `$ENV_VAR`.
    pub curl: std::sync::Arc<CurlRequest>,
    /// Notes on how the data was chosen.
    pub notes: Vec<String>,
    /// The response.
    pub response: Received,
    /// The body parsed as JSON, once, for every check that reads it.
    pub(crate) json: std::sync::OnceLock<Result<serde_json::Value, String>>,
    /// The undeclared properties of the JSON body (pointers) against one schema, keyed by the
    /// schema's address: found once for `response_schema_conformance` and `route_identity`.
    pub(crate) undeclared: std::sync::OnceLock<(usize, Vec<String>)>,
}

impl Exchange {
    /// An exchange of `wire` (and its curl twin) answered by `response`.
    pub fn new(
        wire: std::sync::Arc<WireRequest>,
        curl: std::sync::Arc<CurlRequest>,
        notes: Vec<String>,
        response: Received,
    ) -> Exchange {
        Exchange {
            wire,
            curl,
            notes,
            response,
            json: std::sync::OnceLock::new(),
            undeclared: std::sync::OnceLock::new(),
        }
    }

    /// The response body as JSON (parsed on first use), or the parser's message.
    pub fn json(&self) -> Result<&serde_json::Value, &str> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.response.body).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The properties of the JSON body `body` (this exchange's, parsed) that `schema` (a schema
    /// inside the harness's API) does not declare: walked once per exchange and schema.
    pub(crate) fn undeclared_properties(
        &self,
        schema: crate::schema::Refs<'_>,
        body: &serde_json::Value,
    ) -> std::borrow::Cow<'_, [String]> {
        let key = std::ptr::from_ref(schema.root) as usize;
        let (k, found) = self
            .undeclared
            .get_or_init(|| (key, crate::schema::undeclared_properties(schema, body)));
        if *k == key {
            std::borrow::Cow::Borrowed(found)
        } else {
            std::borrow::Cow::Owned(crate::schema::undeclared_properties(schema, body))
        }
    }

    /// The request for reports.
    pub fn request_record(&self, redactor: &Redactor) -> RequestRecord {
        request_record(&self.wire, &self.curl, &self.notes, redactor)
    }

    /// The response for reports (sensitive headers masked, body cut to an excerpt).
    pub fn response_record(&self, redactor: &Redactor) -> ResponseRecord {
        let r = &self.response;
        ResponseRecord {
            status: r.status,
            reason: reason_phrase(r.status).to_owned(),
            headers: r
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), redactor.header_value(n, v)))
                .collect(),
            body_excerpt: redactor.redact(&excerpt(&r.body, r.content_type())),
            body_len: r.body.len(),
            truncated: r.truncated,
            elapsed_ms: u64::try_from(r.elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// The request for reports.
pub(crate) fn request_record(
    wire: &WireRequest,
    curl: &CurlRequest,
    notes: &[String],
    redactor: &Redactor,
) -> RequestRecord {
    let url: String = curl
        .url
        .0
        .iter()
        .map(|p| match p {
            crate::curl::Part::Lit(s) => s.clone(),
            crate::curl::Part::Env(e) => format!("${e}"),
        })
        .collect();
    RequestRecord {
        method: wire.method.clone(),
        url: redactor.redact(&url),
        curl: redactor.redact(&curl.render()),
        notes: notes.iter().map(|n| redactor.redact(n)).collect(),
        replay: None,
    }
}

/// A readable excerpt of a body: pretty JSON when it parses, else text, cut at
/// [`BODY_EXCERPT_CHARS`] characters.
pub(crate) fn excerpt(body: &[u8], content_type: Option<&str>) -> String {
    let text = if content_type.is_some_and(crate::data::serialize::is_json)
        || body.first() == Some(&b'{')
    {
        serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
    } else {
        None
    };
    let text = text.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    if text.chars().count() > BODY_EXCERPT_CHARS {
        let cut: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
        format!(
            "{cut}\n... ({} more characters)",
            text.chars().count() - BODY_EXCERPT_CHARS
        )
    } else {
        text
    }
}

/// Sends a request with `client` (from [`client`]; a [`Harness`](crate::Harness) keeps its own),
/// retrying connection errors only.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: &WireRequest,
    settings: &HttpSettings,
) -> Result<Received, TransportError> {
    let mut attempt = 0;
    loop {
        match send_once(client, request, settings).await {
            Err(e) if e.connect && attempt < settings.retries => {
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(100 * (1 << attempt))).await;
            }
            Err(mut e) if attempt > 0 => {
                e.message = format!("{} (after {} attempts)", e.message, attempt + 1);
                return Err(e);
            }
            other => return other,
        }
    }
}

async fn send_once(
    client: &reqwest::Client,
    request: &WireRequest,
    settings: &HttpSettings,
) -> Result<Received, TransportError> {
    let method =
        reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| TransportError {
            connect: false,
            timeout: false,
            message: format!("invalid method `{}`: {e}", request.method),
        })?;
    let mut builder = client
        .request(method, &request.url)
        .timeout(settings.timeout);
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    if let Some(body) = &request.body {
        builder = builder.body(body.clone());
    }
    let started = Instant::now();
    let mut response = builder
        .send()
        .await
        .map_err(|e| transport_error(&e, settings))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let cap = usize::try_from(settings.max_body_bytes).unwrap_or(usize::MAX);
    let mut body = Vec::new();
    let mut truncated = false;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(&e, settings))?
    {
        if body.len() + chunk.len() > cap {
            body.extend_from_slice(&chunk[..cap - body.len()]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Received {
        status,
        headers,
        body,
        truncated,
        elapsed: started.elapsed(),
    })
}

fn transport_error(e: &reqwest::Error, settings: &HttpSettings) -> TransportError {
    use std::error::Error as _;
    let timeout = e.is_timeout();
    let connect = e.is_connect();
    let mut message = if timeout {
        format!("no response within {:?}", settings.timeout)
    } else if connect {
        "cannot connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = e.source();
    let mut last = String::new();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    if !last.is_empty() {
        message = format!("{message}: {last}");
    }
    TransportError {
        connect,
        timeout,
        message,
    }
}

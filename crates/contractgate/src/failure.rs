//! Failures as data, with one rendering used by generated tests, the CLI and every report.

use std::fmt::{self, Write as _};

use contractgate_spec::ir::Operation;
use serde::{Deserialize, Serialize};

use crate::checks::Check;
use crate::schema::SchemaError;

pub use crate::checks::Severity;

/// The operation a failure is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationInfo {
    /// The IR id (`operationId`, or derived from method and path).
    pub id: String,
    /// `GET`.
    pub method: String,
    /// `/user/profile`.
    pub path: String,
    /// The `operationId` as written, if any.
    pub operation_id: Option<String>,
    /// `summary`.
    pub summary: Option<String>,
}

impl OperationInfo {
    /// From an IR operation.
    pub fn of(op: &Operation) -> Self {
        OperationInfo {
            id: op.id.clone(),
            method: op.method.as_str().to_owned(),
            path: op.path.clone(),
            operation_id: op.operation_id.clone(),
            summary: op.summary.clone(),
        }
    }

    /// For a per-path check: the path, with no method.
    pub fn path(path: &str) -> Self {
        OperationInfo {
            id: path.to_owned(),
            method: String::new(),
            path: path.to_owned(),
            operation_id: None,
            summary: None,
        }
    }

    /// `GET /user/profile (operationId getUserProfile): Get the profile`.
    pub fn describe(&self) -> String {
        let mut s = if self.method.is_empty() {
            format!("path {}", self.path)
        } else {
            format!("{} {}", self.method, self.path)
        };
        match &self.operation_id {
            Some(id) => {
                let _ = write!(s, " (operationId {id})");
            }
            None if !self.method.is_empty() => {
                let _ = write!(s, " (id {})", self.id);
            }
            None => {}
        }
        if let Some(summary) = &self.summary {
            let _ = write!(s, ": {summary}");
        }
        s
    }
}

/// What a check found, before the runner adds the operation, request and response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// One line: what is wrong.
    pub title: String,
    /// "Received: ..." (what came back).
    pub received: Option<String>,
    /// "Documented: ..." (what the contract says).
    pub documented: Option<String>,
    /// More lines, each printed as is.
    pub details: Vec<String>,
    /// Every violated keyword, for schema failures.
    pub schema_errors: Vec<SchemaError>,
    /// Route identity: the operation whose 2xx schema the body matches instead.
    pub route_hint: Option<String>,
    /// Warnings found on the way (undeclared properties when not strict).
    pub warnings: Vec<String>,
}

impl Finding {
    /// A finding with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Finding {
            title: title.into(),
            ..Finding::default()
        }
    }

    /// Sets the "Received" line.
    pub fn received(mut self, s: impl Into<String>) -> Self {
        self.received = Some(s.into());
        self
    }

    /// Sets the "Documented" line.
    pub fn documented(mut self, s: impl Into<String>) -> Self {
        self.documented = Some(s.into());
        self
    }

    /// Adds a detail line.
    pub fn detail(mut self, s: impl Into<String>) -> Self {
        self.details.push(s.into());
        self
    }
}

/// The request as sent (secrets already replaced), for reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// `GET`.
    pub method: String,
    /// The URL with secrets as `$ENV_VAR`.
    pub url: String,
    /// A `curl` command that sends the same request, secrets as `$ENV_VAR`.
    pub curl: String,
    /// Notes on how the data was chosen (examples skipped, fixtures used).
    pub notes: Vec<String>,
    /// What `contractgate replay` sends again (no secrets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<crate::replay::Replay>,
}

/// The response as received (redacted, body cut to an excerpt), for reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseRecord {
    /// The status code.
    pub status: u16,
    /// The reason phrase (RFC 9110 wording, so it does not vary by server).
    pub reason: String,
    /// Headers in the order received, sensitive values masked.
    pub headers: Vec<(String, String)>,
    /// The body excerpt (pretty JSON when JSON), at most [`BODY_EXCERPT_CHARS`] characters.
    pub body_excerpt: String,
    /// The body's size in bytes (as far as it was read).
    pub body_len: usize,
    /// Whether the body was cut at the size cap.
    pub truncated: bool,
    /// How long the exchange took, in milliseconds.
    pub elapsed_ms: u64,
}

/// How many characters of a body a report shows.
pub const BODY_EXCERPT_CHARS: usize = 2000;

/// A failed check: the operation, the check, what was wrong, and how to reproduce it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The check that failed.
    pub check: Check,
    /// How bad it is.
    pub severity: Severity,
    /// The operation (or path, for per-path checks).
    pub operation: OperationInfo,
    /// What was found.
    pub finding: Finding,
    /// The request, when one was sent.
    pub request: Option<RequestRecord>,
    /// The response, when one came back.
    pub response: Option<ResponseRecord>,
    /// Nothing was proven, rather than a broken contract: the request never reached the handler
    /// (the server refused the request built from the spec), so the check's condition could not
    /// be judged. Rendered as "not exercised: ...", never as "`<check>` failed".
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_exercised: bool,
    /// The name of a check of the user's ([`Check::Custom`]), which its headline uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_name: Option<String>,
    /// The same request, sent again right after, passed: the second answer (`200 OK in 12 ms`).
    /// A flaky failure (a race, an intermittent fault) still fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flaky: Option<String>,
}

/// The title of a failure whose request got no response because the connection failed (refused,
/// reset, DNS, TLS handshake).
pub const UNREACHABLE_TITLE: &str = "the target could not be reached";

/// The title of a failure whose request got no response within the timeout.
pub const TIMEOUT_TITLE: &str = "the target did not answer in time";

/// Why a request got no answer from the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoAnswer {
    /// The connection failed: refused, reset, DNS, TLS handshake.
    Connect,
    /// No response within the timeout.
    Timeout,
}

impl Failure {
    /// The failure's one-line title: `status_code_conformance: undocumented status code`, or
    /// `not exercised: the server answered ...` when nothing was proven.
    pub fn headline(&self) -> String {
        if self.not_exercised {
            format!("not exercised: {}", self.finding.title)
        } else {
            format!("{}: {}", self.check_name(), self.finding.title)
        }
    }

    /// The check's name: a custom check's own, else the catalogue's.
    pub fn check_name(&self) -> &str {
        self.custom_name
            .as_deref()
            .unwrap_or_else(|| self.check.as_str())
    }

    /// Why the target gave no answer, when that is what this failure is: a request was sent and
    /// no response came back. `None` for every other failure (a request that could not be built,
    /// an HTTP client that could not be set up, any judged response).
    pub fn no_answer(&self) -> Option<NoAnswer> {
        if self.response.is_some() || self.request.is_none() {
            return None;
        }
        match self.finding.title.as_str() {
            UNREACHABLE_TITLE => Some(NoAnswer::Connect),
            TIMEOUT_TITLE => Some(NoAnswer::Timeout),
            _ => None,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let finding = &self.finding;
        if self.not_exercised {
            writeln!(f, "not exercised: {}", finding.title)?;
        } else {
            writeln!(f, "{} failed: {}", self.check_name(), finding.title)?;
        }
        writeln!(f, "Operation: {}", self.operation.describe())?;
        if let Some(r) = &finding.received {
            writeln!(f, "Received: {r}")?;
        }
        if let Some(d) = &finding.documented {
            writeln!(f, "Documented: {d}")?;
        }
        // The most telling line goes right under Received/Documented: on call, it is the one
        // that says which change broke the route.
        if let Some(hint) = &finding.route_hint {
            writeln!(f, "Likely cause: {hint}")?;
        }
        if let Some(again) = &self.flaky {
            writeln!(
                f,
                "Flaky: the same request, sent again, passed ({again}): an intermittent fault or a race; it still fails"
            )?;
        }
        for line in &finding.details {
            writeln!(f, "{line}")?;
        }
        if !finding.schema_errors.is_empty() {
            writeln!(f, "\nSchema violations ({}):", finding.schema_errors.len())?;
            let mut last_value_at: Option<&str> = None;
            for (i, e) in finding.schema_errors.iter().enumerate() {
                let at = if e.instance_path.is_empty() {
                    "(root)"
                } else {
                    e.instance_path.as_str()
                };
                writeln!(
                    f,
                    "  {}. `{}` at {at} (schema {}): {}",
                    i + 1,
                    e.keyword,
                    e.schema_path,
                    e.message
                )?;
                // The whole body is printed below; a value is shown once per place.
                let repeated = last_value_at == Some(e.instance_path.as_str());
                if !e.value.is_empty() && !e.instance_path.is_empty() && !repeated {
                    writeln!(f, "     value: {}", e.value)?;
                    last_value_at = Some(e.instance_path.as_str());
                }
            }
        }
        if !finding.warnings.is_empty() {
            writeln!(f, "\nWarnings:")?;
            for w in &finding.warnings {
                writeln!(f, "  - {w}")?;
            }
        }
        if let Some(req) = &self.request {
            writeln!(f, "\nReproduce with:\n  {}", req.curl)?;
            for note in &req.notes {
                writeln!(f, "  note: {note}")?;
            }
        }
        if let Some(resp) = &self.response {
            writeln!(
                f,
                "\nResponse: {} {} (in {} ms)",
                resp.status, resp.reason, resp.elapsed_ms
            )?;
            for (name, value) in &resp.headers {
                writeln!(f, "  {name}: {value}")?;
            }
            if resp.body_len == 0 {
                writeln!(f, "Body: empty")?;
            } else {
                let cut = if resp.truncated {
                    ", cut at the size cap"
                } else {
                    ""
                };
                writeln!(f, "Body ({} bytes{cut}):", resp.body_len)?;
                for line in resp.body_excerpt.lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        Ok(())
    }
}

/// RFC 9110 reason phrases (so reports do not depend on the server's wording).
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

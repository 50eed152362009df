//! The check catalogue: every check's identity, name, one-line description, scope, default,
//! severity and what the spec alone says about where it applies. The one place a check is
//! declared: the harness (`contractgate`) judges with it, codegen (`contractgate-codegen`) decides
//! which tests to write with it, the CLI parses `--checks` with it, and `contractgate.toml`'s
//! `[checks.<name>]` tables are checked against it.
//!
//! A new check is one variant here (with its catalogue entry in [`Check::info`]) and one file in
//! `crates/contractgate/src/checks/`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ir::{Operation, StatusSpec};

/// One check. Names are those of DESIGN.md: `as_str()`, `FromStr`, config keys, generated test
/// names, failure titles, JUnit test cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// A 5xx to a request built as valid, documented or not (unless the configuration allows it).
    NotServerError,
    /// The status is not in the operation's responses (exact, `2XX` ranges, `default`), or a 2xx
    /// only `default` covers while the operation lists its success codes.
    StatusCodeConformance,
    /// The `Content-Type` is not one documented for that status, or a documented body is missing.
    ContentTypeConformance,
    /// The body does not validate against the documented schema.
    ResponseSchemaConformance,
    /// The body is another route's answer (the route mix-up's signature).
    RouteIdentity,
    /// A required documented response header is missing or invalid.
    ResponseHeadersConformance,
    /// An undocumented method on a documented path answers 2xx or 5xx instead of 404/405, or a
    /// 405 comes without `Allow`.
    MethodNotAllowed,
    /// A secured operation answers 2xx without credentials.
    AuthEnforced,
    /// A request that violates the schema is accepted with 2xx.
    NegativeDataRejection,
    /// The response took longer than the configured budget.
    LatencyBudget,
}

/// How bad a failure of a check is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Minor (e.g. a slow answer).
    Low,
    /// Clients may be confused (content types, headers).
    Medium,
    /// Clients break (undocumented status, body that fails its schema).
    High,
    /// The server failed (5xx) or could not be reached.
    Critical,
}

/// What the catalogue says about one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckInfo {
    /// `status_code_conformance`.
    pub name: &'static str,
    /// One line saying what fails it (the generated test's doc comment).
    pub doc: &'static str,
    /// About a path (all its operations), not one operation: one test per path.
    pub per_path: bool,
    /// Judges the response to the operation's positive request, so one exchange serves all such
    /// checks; the others send requests of their own.
    pub judges_positive: bool,
    /// Generated when the `build.rs` does not choose (`contractgate run` runs every check).
    pub default_on: bool,
    /// How bad its failure is.
    pub severity: Severity,
}

impl Check {
    /// Every check, in DESIGN.md's order (the order of reports and of "valid checks" lists).
    pub const ALL: [Check; 10] = [
        Check::NotServerError,
        Check::StatusCodeConformance,
        Check::ContentTypeConformance,
        Check::ResponseSchemaConformance,
        Check::RouteIdentity,
        Check::ResponseHeadersConformance,
        Check::MethodNotAllowed,
        Check::AuthEnforced,
        Check::NegativeDataRejection,
        Check::LatencyBudget,
    ];

    /// The catalogue entry.
    pub const fn info(self) -> CheckInfo {
        const fn entry(name: &'static str, doc: &'static str, severity: Severity) -> CheckInfo {
            CheckInfo {
                name,
                doc,
                per_path: false,
                judges_positive: true,
                default_on: true,
                severity,
            }
        }
        match self {
            Check::NotServerError => entry(
                "not_server_error",
                "Fails on a 5xx response, documented or not.",
                Severity::Critical,
            ),
            Check::StatusCodeConformance => entry(
                "status_code_conformance",
                "Fails when the status is not one of the documented responses.",
                Severity::High,
            ),
            Check::ContentTypeConformance => entry(
                "content_type_conformance",
                "Fails when the Content-Type is not documented for that status, or a documented body is missing.",
                Severity::Medium,
            ),
            Check::ResponseSchemaConformance => entry(
                "response_schema_conformance",
                "Fails when the body does not match the documented schema.",
                Severity::High,
            ),
            Check::RouteIdentity => entry(
                "route_identity",
                "Fails when the body is another route's answer (a route mix-up).",
                Severity::High,
            ),
            Check::ResponseHeadersConformance => entry(
                "response_headers_conformance",
                "Fails when a required documented header is missing or invalid.",
                Severity::Medium,
            ),
            Check::MethodNotAllowed => CheckInfo {
                per_path: true,
                judges_positive: false,
                ..entry(
                    "method_not_allowed",
                    "Fails when an undocumented method on this path answers 2xx or 5xx instead of 404/405, or 405 without Allow.",
                    Severity::Medium,
                )
            },
            Check::AuthEnforced => CheckInfo {
                judges_positive: false,
                ..entry(
                    "auth_enforced",
                    "Fails when the operation answers 2xx without credentials.",
                    Severity::High,
                )
            },
            // Sends requests that break the schema: to a shared environment, a choice to make
            // explicitly.
            Check::NegativeDataRejection => CheckInfo {
                judges_positive: false,
                default_on: false,
                ..entry(
                    "negative_data_rejection",
                    "Fails when a request that violates the schema is accepted with 2xx.",
                    Severity::High,
                )
            },
            // Needs a budget from the environment's configuration to mean anything.
            Check::LatencyBudget => CheckInfo {
                default_on: false,
                ..entry(
                    "latency_budget",
                    "Fails when the response takes longer than the configured budget.",
                    Severity::Low,
                )
            },
        }
    }

    /// The check's name: `status_code_conformance`.
    pub const fn as_str(self) -> &'static str {
        self.info().name
    }

    /// One line saying what fails the check.
    pub const fn doc(self) -> &'static str {
        self.info().doc
    }

    /// Whether the check is about a path (all its operations) rather than one operation.
    pub const fn is_per_path(self) -> bool {
        self.info().per_path
    }

    /// Whether the check judges the response to the positive request (the request built from
    /// examples and synthesized data), so one exchange serves all of them.
    pub const fn uses_positive_exchange(self) -> bool {
        self.info().judges_positive
    }

    /// Whether codegen generates it when the user does not choose.
    pub const fn is_default(self) -> bool {
        self.info().default_on
    }

    /// How bad its failure is.
    pub const fn severity(self) -> Severity {
        self.info().severity
    }

    /// The checks generated when the user does not choose, in catalogue order.
    pub fn defaults() -> Vec<Check> {
        Check::ALL.into_iter().filter(|c| c.is_default()).collect()
    }

    /// Whether the check can fail for `op`, judged from the spec alone (codegen writes a test
    /// only then: a test that can only pass is noise). The harness decides again at run time
    /// from the actual response.
    pub fn can_fail(self, op: &Operation) -> bool {
        let has_json_schema = |r: &crate::ir::Response| {
            r.content
                .iter()
                .any(|(media, mt)| crate::media::is_json(media) && mt.schema.is_some())
        };
        match self {
            // Any 5xx fails, documented or not.
            Check::NotServerError => true,
            // With `default` documented, every status conforms, unless success codes are listed
            // (then a 2xx only `default` covers fails).
            Check::StatusCodeConformance => {
                !op.responses.iter().any(|r| r.status == StatusSpec::Default)
                    || op.success_responses().next().is_some()
            }
            Check::ContentTypeConformance => op.responses.iter().any(|r| !r.content.is_empty()),
            Check::ResponseSchemaConformance => op.responses.iter().any(has_json_schema),
            // Needs a 2xx JSON schema that declares properties somewhere.
            Check::RouteIdentity => op.success_responses().any(|r| {
                r.content.iter().any(|(media, mt)| {
                    crate::media::is_json(media)
                        && mt
                            .schema
                            .as_ref()
                            .is_some_and(|s| s.to_string().contains("\"properties\""))
                })
            }),
            Check::ResponseHeadersConformance => op
                .responses
                .iter()
                .any(|r| r.headers.values().any(|h| h.required || h.schema.is_some())),
            Check::AuthEnforced => {
                !op.security.is_empty() && !op.security.iter().any(|r| r.is_anonymous())
            }
            // Something to break: a request body or a parameter with a schema.
            Check::NegativeDataRejection => {
                op.request_body
                    .as_ref()
                    .is_some_and(|b| b.content.values().any(|mt| mt.schema.is_some()))
                    || op.parameters.iter().any(|p| p.schema.is_some())
            }
            Check::LatencyBudget | Check::MethodNotAllowed => true,
        }
    }

    /// Why the check does not apply to `op`, judged from the spec alone, when it does not (the
    /// harness reports it as "not applicable" without sending anything).
    pub fn not_applicable(self, op: &Operation) -> Option<&'static str> {
        match self {
            Check::AuthEnforced if op.security.is_empty() => Some("the operation is not secured"),
            Check::AuthEnforced if op.security.iter().any(|r| r.is_anonymous()) => {
                Some("the operation allows anonymous access (`{}` in its security)")
            }
            Check::ResponseHeadersConformance
                if op.responses.iter().all(|r| r.headers.is_empty()) =>
            {
                Some("no response documents headers")
            }
            Check::ContentTypeConformance if op.responses.iter().all(|r| r.content.is_empty()) => {
                Some("no response documents a body")
            }
            Check::ResponseSchemaConformance
                if !op.responses.iter().any(|r| {
                    r.content
                        .iter()
                        .any(|(mt, m)| crate::media::is_json(mt) && m.schema.is_some())
                }) =>
            {
                Some("no response documents a JSON schema")
            }
            _ => None,
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown check name; its message lists the valid ones.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown check `{0}`; valid checks: {valid}", valid = Check::ALL.map(Check::as_str).join(", "))]
pub struct UnknownCheck(pub String);

impl FromStr for Check {
    type Err = UnknownCheck;
    fn from_str(s: &str) -> Result<Self, UnknownCheck> {
        Check::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCheck(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serialize_as_named() {
        for c in Check::ALL {
            assert_eq!(c.as_str().parse::<Check>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::Value::String(c.as_str().to_owned()))
            );
        }
        let e = "status_code".parse::<Check>().unwrap_err();
        assert!(
            e.to_string()
                .starts_with("unknown check `status_code`; valid checks: not_server_error, ")
        );
    }

    #[test]
    fn defaults_leave_out_the_checks_to_opt_into() {
        let defaults = Check::defaults();
        assert!(!defaults.contains(&Check::LatencyBudget));
        assert!(!defaults.contains(&Check::NegativeDataRejection));
        assert_eq!(defaults.len(), Check::ALL.len() - 2);
        assert_eq!(
            Check::ALL
                .into_iter()
                .filter(|c| c.is_per_path())
                .collect::<Vec<_>>(),
            [Check::MethodNotAllowed]
        );
    }
}

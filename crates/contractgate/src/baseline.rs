//! Accepted failures: a reviewable file of failures a team ships with for now, each with a
//! reason and an optional expiry date. A failure in the file is reported as **known** and does not
//! fail the run or the generated test; a new one fails as always; an entry whose failure is gone is
//! **stale**; an expired entry no longer accepts its failure.
//!
//! A failure is matched by operation, check and a **fingerprint** of what kind of failure it is
//! ([`Fingerprint::of`]): the status received, the finding's title, the violated schema keywords
//! and where (array indexes left out), the operation the body belongs to instead. Never the
//! values, URLs, ports or times of one run, so the same defect matches run after run, and another
//! defect on the same check does not.
//!
//! ```toml
//! [[accepted]]
//! operation = "getUserProfile"
//! check = "response_schema_conformance"
//! fingerprint = "9c1d6f3e2ab04477"
//! finding = "200: the body does not match its schema (required at /email)"
//! reason = "PROJ-123: email is filled in by the next release"
//! expires = "2027-01-31"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::failure::Failure;
use crate::runner::{CheckResult, Outcome};

/// The reason written into new entries, for the team to replace.
pub const REASON_PLACEHOLDER: &str = "TODO: why this failure is accepted, and who fixes it";

/// One accepted failure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// The operation id (or the path, for `method_not_allowed`).
    pub operation: String,
    /// The check's name.
    pub check: String,
    /// [`Fingerprint::id`] of the failure.
    pub fingerprint: String,
    /// [`Fingerprint::kind`]: what the failure is, for the reviewer (not matched).
    #[serde(default)]
    pub finding: String,
    /// Why it is accepted.
    #[serde(default)]
    pub reason: String,
    /// `YYYY-MM-DD`: from that day on the failure fails again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

impl Accepted {
    /// Whether the entry has expired on `today` (`YYYY-MM-DD`).
    pub fn expired_on(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e <= today)
    }
}

/// A baseline file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its entries.
    pub accepted: Vec<Accepted>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    accepted: Vec<Accepted>,
}

/// What kind of failure a result is, as a baseline matches it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    /// `200: the body does not match its schema (required at /email)`.
    pub kind: String,
    /// 16 hex digits of a stable hash of operation, check and kind.
    pub id: String,
}

impl Fingerprint {
    /// The fingerprint of a failure.
    pub fn of(failure: &Failure) -> Fingerprint {
        let mut kind = String::new();
        if failure.not_exercised {
            kind.push_str("not exercised: ");
        }
        if let Some(r) = &failure.response {
            kind.push_str(&format!("{}: ", r.status));
        }
        kind.push_str(&failure.finding.title);
        let mut keywords: Vec<String> = failure
            .finding
            .schema_errors
            .iter()
            .map(|e| format!("{} at {}", e.keyword, without_indexes(&e.instance_path)))
            .collect();
        keywords.sort();
        keywords.dedup();
        if !keywords.is_empty() {
            kind.push_str(&format!(" ({})", keywords.join(", ")));
        }
        if let Some(route) = &failure.finding.route_hint {
            kind.push_str(&format!("; {route}"));
        }
        let subject = if failure.operation.method.is_empty() {
            failure.operation.path.as_str()
        } else {
            failure.operation.id.as_str()
        };
        let id = format!(
            "{:016x}",
            fnv1a(&format!("{subject}\n{}\n{kind}", failure.check_name()))
        );
        Fingerprint { kind, id }
    }
}

/// `/items/3/id` → `/items/*/id`: which element broke depends on the data of one run.
fn without_indexes(pointer: &str) -> String {
    if pointer.is_empty() {
        return "the body".into();
    }
    pointer
        .split('/')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "*"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// FNV-1a, 64 bits: stable across Rust versions and platforms (the standard hasher is not).
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

impl Baseline {
    /// Reads a baseline file.
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
        Baseline::parse(&text, path)
    }

    /// Parses baseline text (`path` for messages).
    pub fn parse(text: &str, path: &Path) -> Result<Baseline, String> {
        let file: File = toml::from_str(text).map_err(|e| {
            format!(
                "the baseline {} does not parse: {}",
                path.display(),
                e.to_string().trim_end()
            )
        })?;
        for (i, a) in file.accepted.iter().enumerate() {
            if let Some(e) = &a.expires
                && !is_date(e)
            {
                return Err(format!(
                    "the baseline {}: entry {} ({} {}): `expires = \"{e}\"` is not a date (YYYY-MM-DD)",
                    path.display(),
                    i + 1,
                    a.operation,
                    a.check
                ));
            }
        }
        Ok(Baseline {
            path: path.to_owned(),
            accepted: file.accepted,
        })
    }

    /// The entry for `failure`, expired or not.
    pub fn entry_for(&self, failure: &Failure) -> Option<&Accepted> {
        let fp = Fingerprint::of(failure);
        self.accepted.iter().find(|a| a.fingerprint == fp.id)
    }

    /// `result` as the baseline sees it on `today`: a failure it accepts becomes
    /// [`Outcome::Known`]; one whose entry expired stays a failure, with a line saying so.
    pub fn apply(&self, result: &mut CheckResult, today: &str) {
        let (Outcome::Failed(failure) | Outcome::NotExercised(failure)) = &mut result.outcome
        else {
            return;
        };
        let Some(entry) = self.entry_for(failure).cloned() else {
            return;
        };
        if entry.expired_on(today) {
            failure.finding.details.push(format!(
                "The baseline {} accepted this failure until {} (\"{}\"); the entry has expired, so it fails again.",
                self.path.display(),
                entry.expires.as_deref().unwrap_or_default(),
                entry.reason
            ));
            return;
        }
        let failure = failure.clone();
        result.outcome = Outcome::Known {
            failure,
            reason: entry.reason,
        };
    }

    /// A baseline that accepts every failure (failed or not exercised) of `results`, in order,
    /// each once.
    pub fn of_failures<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Baseline {
        let mut accepted: Vec<Accepted> = Vec::new();
        for r in results {
            let (Outcome::Failed(f) | Outcome::NotExercised(f) | Outcome::Known { failure: f, .. }) =
                &r.outcome
            else {
                continue;
            };
            let fp = Fingerprint::of(f);
            if accepted.iter().any(|a| a.fingerprint == fp.id) {
                continue;
            }
            let reason = match &r.outcome {
                Outcome::Known { reason, .. } => reason.clone(),
                _ => REASON_PLACEHOLDER.to_owned(),
            };
            accepted.push(Accepted {
                operation: if f.operation.method.is_empty() {
                    f.operation.path.clone()
                } else {
                    f.operation.id.clone()
                },
                check: f.check_name().to_owned(),
                fingerprint: fp.id,
                finding: fp.kind,
                reason,
                expires: None,
            });
        }
        Baseline {
            path: PathBuf::new(),
            accepted,
        }
    }

    /// The file's text: a header that says how to use it, then one `[[accepted]]` table per
    /// entry.
    pub fn to_toml(&self) -> String {
        // A JSON string is a TOML basic string (same escapes; serde_json writes no `\/`).
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
        let mut out = String::from(
            "# contractgate baseline: failures accepted for now. A failure listed here is reported as\n\
             # known and does not fail the run; remove an entry when its failure is fixed (the run\n\
             # reports it as stale). Replace each `reason`; `expires = \"YYYY-MM-DD\"` makes the\n\
             # failure fail again from that day. Matched by `fingerprint`; `finding` is for reading.\n",
        );
        for a in &self.accepted {
            out.push_str(&format!(
                "\n[[accepted]]\noperation = {}\ncheck = {}\nfingerprint = {}\nfinding = {}\nreason = {}\n",
                q(&a.operation),
                q(&a.check),
                q(&a.fingerprint),
                q(&a.finding),
                q(&a.reason)
            ));
            match &a.expires {
                Some(e) => out.push_str(&format!("expires = {}\n", q(e))),
                None => out.push_str("# expires = \"YYYY-MM-DD\"\n"),
            }
        }
        out
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Today's date in UTC, `YYYY-MM-DD` (`CONTRACTGATE_TODAY` overrides it, for tests of expiry).
pub fn today() -> String {
    if let Ok(t) = std::env::var("CONTRACTGATE_TODAY")
        && is_date(&t)
    {
        return t;
    }
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days(i64::try_from(secs / 86_400).unwrap_or(0));
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_793), (2026, 12, 6));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert!(is_date("2027-01-31"));
        assert!(!is_date("2027-1-31"));
        assert!(!is_date("tomorrow"));
    }

    #[test]
    fn indexes_are_not_part_of_the_kind() {
        assert_eq!(without_indexes("/items/3/id"), "/items/*/id");
        assert_eq!(without_indexes(""), "the body");
        assert_eq!(without_indexes("/2026"), "/*");
    }

    #[test]
    fn the_file_round_trips_and_bad_dates_are_refused() {
        let b = Baseline {
            path: PathBuf::new(),
            accepted: vec![Accepted {
                operation: "getUserProfile".into(),
                check: "not_server_error".into(),
                fingerprint: "0123456789abcdef".into(),
                finding: "500: server error \"quoted\"".into(),
                reason: REASON_PLACEHOLDER.into(),
                expires: Some("2027-01-31".into()),
            }],
        };
        let text = b.to_toml();
        let back = Baseline::parse(&text, Path::new("b.toml")).unwrap();
        assert_eq!(back.accepted, b.accepted);
        let bad = text.replace("2027-01-31", "soon");
        let e = Baseline::parse(&bad, Path::new("b.toml")).unwrap_err();
        assert!(e.contains("`expires = \"soon\"` is not a date"), "{e}");
    }
}

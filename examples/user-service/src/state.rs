//! Configuration, the in-memory store and the request log.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::fault::{Fault, UnknownFault};

/// The bearer token the service accepts; it belongs to [`DEMO_USER_ID`].
pub const DEMO_TOKEN: &str = "cg_demo_7f3a9c2e5b1d4e8f";

/// The seeded user the demo token belongs to (Ada Lovelace): the id the spec's examples use for
/// `GET /users/{id}`, and the owner of `/user/profile` and `/user/settings`.
pub const DEMO_USER_ID: &str = "3f2c8a4e-9b1d-4c7e-a5f0-6d8e2b1c9a70";

/// The environment variable that turns the request log on stderr on (`1`, `true`, `yes`, `on`).
pub const LOG_ENV: &str = "USER_SERVICE_LOG";

/// How many requests [`AppState::request_log`] keeps (the oldest are dropped first).
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// How the service is set up. Read once at startup ([`Config::from_env`]) or built in code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The deliberate defect, if any.
    pub fault: Option<Fault>,
    /// Also write one line per request to stderr (`user-service: GET /health 200`).
    pub log_to_stderr: bool,
}

impl Config {
    /// `USER_SERVICE_FAULT` and `USER_SERVICE_LOG`. An unknown fault name is an error whose message
    /// lists the valid ones.
    pub fn from_env() -> Result<Config, UnknownFault> {
        let log = std::env::var(LOG_ENV).unwrap_or_default();
        Ok(Config {
            fault: Fault::from_env()?,
            log_to_stderr: matches!(
                log.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            ),
        })
    }

    /// The same configuration with this fault (or none).
    pub fn with_fault(self, fault: Option<Fault>) -> Config {
        Config { fault, ..self }
    }

    /// The same configuration with the stderr request log on or off.
    pub fn with_log_to_stderr(self, on: bool) -> Config {
        Config {
            log_to_stderr: on,
            ..self
        }
    }
}

/// One request the service received, recorded after it was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `PUT`, ...
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The status the service answered with.
    pub status: u16,
}

impl fmt::Display for LoggedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.method, self.path, self.status)
    }
}

/// The shared state of one service instance: configuration, users, request log. Cheap to clone
/// (an `Arc`); clones share everything.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    store: Mutex<Store>,
    log: Mutex<VecDeque<LoggedRequest>>,
}

impl AppState {
    /// A fresh service: the seeded user, the demo token, an empty request log.
    pub fn new(config: Config) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                config,
                store: Mutex::new(Store::seeded()),
                log: Mutex::new(VecDeque::new()),
            }),
        }
    }

    /// [`AppState::new`] with [`Config::from_env`].
    pub fn from_env() -> Result<AppState, UnknownFault> {
        Ok(AppState::new(Config::from_env()?))
    }

    /// A fresh service with this fault and no stderr log.
    pub fn with_fault(fault: Fault) -> AppState {
        AppState::new(Config::default().with_fault(Some(fault)))
    }

    /// The configuration it was started with.
    pub fn config(&self) -> Config {
        self.inner.config
    }

    /// The active fault, if any.
    pub fn fault(&self) -> Option<Fault> {
        self.inner.config.fault
    }

    /// Every request received so far (at most [`REQUEST_LOG_CAPACITY`], oldest first).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        lock(&self.inner.log).iter().cloned().collect()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        lock(&self.inner.log).clear();
    }

    pub(crate) fn record(&self, entry: LoggedRequest) {
        if self.inner.config.log_to_stderr {
            eprintln!("user-service: {entry}");
        }
        let mut log = lock(&self.inner.log);
        if log.len() >= REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.inner.store)
    }
}

impl Default for AppState {
    fn default() -> AppState {
        AppState::new(Config::default())
    }
}

/// A poisoned lock still holds consistent data here (every update is a plain assignment).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub theme: String,
    pub locale: String,
    pub timezone: String,
    pub email_notifications: bool,
    pub updated_at: String,
}

#[derive(Clone, Debug)]
pub(crate) struct UserRecord {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub created_at: String,
    pub profile_updated_at: String,
    pub settings: Settings,
    /// Deleted users stay as tombstones so that a repeated `DELETE` answers 204.
    pub deleted: bool,
}

#[derive(Debug)]
pub(crate) struct Store {
    pub users: HashMap<String, UserRecord>,
    /// Bearer token → user id.
    pub tokens: HashMap<String, String>,
}

impl Store {
    fn seeded() -> Store {
        let ada = UserRecord {
            id: DEMO_USER_ID.into(),
            email: "ada@example.com".into(),
            display_name: "Ada Lovelace".into(),
            bio: Some("Analyst of engines.".into()),
            avatar_url: Some("https://cdn.example.com/avatars/ada.png".into()),
            created_at: "2023-11-02T14:05:37Z".into(),
            profile_updated_at: "2024-03-18T09:24:11Z".into(),
            settings: Settings {
                theme: "system".into(),
                locale: "en-GB".into(),
                timezone: "Europe/London".into(),
                email_notifications: true,
                updated_at: "2024-03-18T09:24:11Z".into(),
            },
            deleted: false,
        };
        Store {
            users: HashMap::from([(ada.id.clone(), ada)]),
            tokens: HashMap::from([(DEMO_TOKEN.to_owned(), DEMO_USER_ID.to_owned())]),
        }
    }

    /// A user that exists and is not deleted.
    pub fn live_user(&self, id: &str) -> Option<&UserRecord> {
        self.users.get(id).filter(|u| !u.deleted)
    }

    pub fn live_user_mut(&mut self, id: &str) -> Option<&mut UserRecord> {
        self.users.get_mut(id).filter(|u| !u.deleted)
    }
}

/// The current time as an RFC 3339 UTC timestamp with second precision.
pub(crate) fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

fn rfc3339(unix_secs: u64) -> String {
    let days = unix_secs / 86_400;
    let rem = unix_secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`, for non-negative day counts).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// A random version-4 UUID (randomness from the standard library's hash seeds).
pub(crate) fn new_uuid() -> String {
    let random = || {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.finish()
    };
    let hi = (random() & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let lo = (random() & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xffff,
        lo >> 48,
        lo & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_710_753_851), "2024-03-18T09:24:11Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(4_107_542_399), "2100-02-28T23:59:59Z");
    }

    #[test]
    fn uuids_are_version_4_and_distinct() {
        let a = new_uuid();
        let b = new_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }
}

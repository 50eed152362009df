//! The fault switch: one deliberate defect at a time, each on a single route.

use std::fmt;
use std::str::FromStr;

/// The environment variable the fault is read from (once, at startup).
pub const FAULT_ENV: &str = "USER_SERVICE_FAULT";

/// A deliberate defect. Each one changes exactly one route and leaves every other route as the
/// spec says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// `route-mixup`: `GET /user/profile` is wired to the settings handler (the outage).
    RouteMixup,
    /// `profile-500`: `GET /user/profile` answers 500 with an HTML error page.
    Profile500,
    /// `profile-missing`: the `GET /user/profile` route is gone: it answers 404.
    ProfileMissing,
    /// `method-changed`: `PUT /user/profile` moved to `POST /user/profile` (PUT answers 405).
    MethodChanged,
    /// `field-dropped`: `GET /user/profile` leaves out the required `email` field.
    FieldDropped,
    /// `auth-dropped`: `GET /user/profile` answers 200 without (or with a wrong) bearer token.
    AuthDropped,
    /// `delete-keeps`: `DELETE /users/{id}` answers 204 but the user stays.
    DeleteKeeps,
    /// `bio-limit-500`: `PUT /user/profile` answers 500 when `bio` is exactly its documented
    /// maximum length (280 characters): an off-by-one in storage that only a boundary value finds.
    BioLimit500,
    /// `settings-stale`: `PUT /user/settings` answers with the new settings, but the store keeps
    /// the old `theme`: `GET /user/settings` reads it back.
    SettingsStale,
    /// `user-lost`: `POST /users` answers 201 with the new user, but stores nothing:
    /// `GET /users/{id}` of that id answers 404.
    UserLost,
}

impl Fault {
    /// Every fault, in the order the docs list them.
    pub const ALL: [Fault; 10] = [
        Fault::RouteMixup,
        Fault::Profile500,
        Fault::ProfileMissing,
        Fault::MethodChanged,
        Fault::FieldDropped,
        Fault::AuthDropped,
        Fault::DeleteKeeps,
        Fault::BioLimit500,
        Fault::SettingsStale,
        Fault::UserLost,
    ];

    /// The name used in `USER_SERVICE_FAULT` and `--fault`, e.g. `route-mixup`.
    pub const fn name(self) -> &'static str {
        match self {
            Fault::RouteMixup => "route-mixup",
            Fault::Profile500 => "profile-500",
            Fault::ProfileMissing => "profile-missing",
            Fault::MethodChanged => "method-changed",
            Fault::FieldDropped => "field-dropped",
            Fault::AuthDropped => "auth-dropped",
            Fault::DeleteKeeps => "delete-keeps",
            Fault::BioLimit500 => "bio-limit-500",
            Fault::SettingsStale => "settings-stale",
            Fault::UserLost => "user-lost",
        }
    }

    /// What the fault does, in one sentence.
    pub const fn description(self) -> &'static str {
        match self {
            Fault::RouteMixup => "GET /user/profile is served by the settings handler",
            Fault::Profile500 => "GET /user/profile answers 500 with an HTML error page",
            Fault::ProfileMissing => "GET /user/profile is not routed: it answers 404",
            Fault::MethodChanged => {
                "PUT /user/profile moved to POST /user/profile: PUT answers 405"
            }
            Fault::FieldDropped => "GET /user/profile leaves out the required field `email`",
            Fault::AuthDropped => "GET /user/profile answers 200 without a bearer token",
            Fault::DeleteKeeps => "DELETE /users/{id} answers 204 but the user stays",
            Fault::BioLimit500 => {
                "PUT /user/profile answers 500 when `bio` is exactly 280 characters (its maxLength)"
            }
            Fault::SettingsStale => {
                "PUT /user/settings answers the new theme, but GET /user/settings reads the old one"
            }
            Fault::UserLost => {
                "POST /users answers 201 but stores nothing: the new user's GET is 404"
            }
        }
    }

    /// Parses the value of [`FAULT_ENV`]: unset or empty means no fault.
    pub fn from_setting(value: Option<&str>) -> Result<Option<Fault>, UnknownFault> {
        match value.map(str::trim) {
            None | Some("") => Ok(None),
            Some(name) => name
                .parse()
                .map(Some)
                .map_err(|e: UnknownFault| UnknownFault {
                    origin: Some(FAULT_ENV),
                    ..e
                }),
        }
    }

    /// Reads [`FAULT_ENV`] from the process environment.
    pub fn from_env() -> Result<Option<Fault>, UnknownFault> {
        match std::env::var(FAULT_ENV) {
            Ok(value) => Fault::from_setting(Some(&value)),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(raw)) => Err(UnknownFault {
                value: raw.to_string_lossy().into_owned(),
                origin: Some(FAULT_ENV),
            }),
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = UnknownFault;

    fn from_str(s: &str) -> Result<Fault, UnknownFault> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| UnknownFault {
                value: s.to_owned(),
                origin: None,
            })
    }
}

/// A fault name that is not one of [`Fault::ALL`]. Its message lists the valid names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownFault {
    value: String,
    origin: Option<&'static str>,
}

impl UnknownFault {
    /// The value that was given.
    pub fn value(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for UnknownFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.origin {
            Some(var) => write!(f, "{var}=`{}` is not a known fault", self.value)?,
            None => write!(f, "`{}` is not a known fault", self.value)?,
        }
        let names: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
        write!(
            f,
            "; valid values: {} (unset or empty: no fault)",
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownFault {}

//! Request body validation, field by field, with a JSON Pointer for every error. The rules are the
//! request schemas of `openapi.yaml`, nothing more and nothing less: a body the schema accepts is
//! accepted, a body it rejects is answered 422.

use serde_json::{Map, Value};

use crate::problem::FieldError;

/// `PUT /user/profile`.
#[derive(Debug)]
pub(crate) struct ProfileUpdate {
    pub display_name: String,
    pub email: String,
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
}

/// `PUT /user/settings`.
#[derive(Debug)]
pub(crate) struct SettingsUpdate {
    pub theme: String,
    pub locale: String,
    pub timezone: String,
    pub email_notifications: bool,
}

/// `POST /users`.
#[derive(Debug)]
pub(crate) struct NewUser {
    pub email: String,
    pub display_name: String,
}

pub(crate) const THEMES: [&str; 3] = ["light", "dark", "system"];

pub(crate) fn profile_update(body: &Value) -> Result<ProfileUpdate, Vec<FieldError>> {
    let mut r = Reader::new(body, &["display_name", "email", "bio", "avatar_url"])?;
    let display_name = r.required_string("display_name", display_name);
    let email = r.required_string("email", email);
    let bio = r.optional_nullable_string("bio", |s| max_chars(s, 280));
    let avatar_url = r.optional_nullable_string("avatar_url", avatar_url);
    r.finish()?;
    match (display_name, email, bio, avatar_url) {
        (Some(display_name), Some(email), Some(bio), Some(avatar_url)) => Ok(ProfileUpdate {
            display_name,
            email,
            bio,
            avatar_url,
        }),
        _ => Err(vec![FieldError::new("", "the body is invalid")]),
    }
}

pub(crate) fn settings_update(body: &Value) -> Result<SettingsUpdate, Vec<FieldError>> {
    let mut r = Reader::new(
        body,
        &["theme", "locale", "timezone", "email_notifications"],
    )?;
    let theme = r.required_string("theme", theme);
    let locale = r.required_string("locale", locale);
    let timezone = r.required_string("timezone", timezone);
    let email_notifications = r.required_bool("email_notifications");
    r.finish()?;
    match (theme, locale, timezone, email_notifications) {
        (Some(theme), Some(locale), Some(timezone), Some(email_notifications)) => {
            Ok(SettingsUpdate {
                theme,
                locale,
                timezone,
                email_notifications,
            })
        }
        _ => Err(vec![FieldError::new("", "the body is invalid")]),
    }
}

pub(crate) fn new_user(body: &Value) -> Result<NewUser, Vec<FieldError>> {
    let mut r = Reader::new(body, &["email", "display_name"])?;
    let email = r.required_string("email", email);
    let display_name = r.required_string("display_name", display_name);
    r.finish()?;
    match (email, display_name) {
        (Some(email), Some(display_name)) => Ok(NewUser {
            email,
            display_name,
        }),
        _ => Err(vec![FieldError::new("", "the body is invalid")]),
    }
}

/// Reads the fields of one JSON object and collects every error.
struct Reader<'a> {
    object: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    /// Fails when the body is not an object; records a property the schema does not declare.
    fn new(body: &'a Value, known: &[&str]) -> Result<Reader<'a>, Vec<FieldError>> {
        let Value::Object(object) = body else {
            return Err(vec![FieldError::new(
                "",
                format!("expected a JSON object, found {}", kind(body)),
            )]);
        };
        let errors = object
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| FieldError::new(pointer(k), "unknown property"))
            .collect();
        Ok(Reader { object, errors })
    }

    fn required_string(
        &mut self,
        name: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        match self.object.get(name) {
            None => {
                self.errors.push(FieldError::new(
                    pointer(name),
                    "required property is missing",
                ));
                None
            }
            Some(value) => self.string(name, value, &check),
        }
    }

    /// `Some(None)` for an absent or `null` value, `None` after an error.
    fn optional_nullable_string(
        &mut self,
        name: &str,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> Option<Option<String>> {
        match self.object.get(name) {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.string(name, value, &check).map(Some),
        }
    }

    fn string(
        &mut self,
        name: &str,
        value: &Value,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let Value::String(s) = value else {
            self.errors.push(FieldError::new(
                pointer(name),
                format!("expected a string, found {}", kind(value)),
            ));
            return None;
        };
        match check(s) {
            Ok(()) => Some(s.clone()),
            Err(detail) => {
                self.errors.push(FieldError::new(pointer(name), detail));
                None
            }
        }
    }

    fn required_bool(&mut self, name: &str) -> Option<bool> {
        match self.object.get(name) {
            None => {
                self.errors.push(FieldError::new(
                    pointer(name),
                    "required property is missing",
                ));
                None
            }
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.errors.push(FieldError::new(
                    pointer(name),
                    format!("expected a boolean, found {}", kind(other)),
                ));
                None
            }
        }
    }

    fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }
}

/// The pointer to a top-level property (RFC 6901 escaping).
fn pointer(name: &str) -> String {
    format!("/{}", name.replace('~', "~0").replace('/', "~1"))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn max_chars(s: &str, max: usize) -> Result<(), String> {
    let n = s.chars().count();
    if n > max {
        Err(format!("at most {max} characters, got {n}"))
    } else {
        Ok(())
    }
}

/// `DisplayName`: 1 to 64 characters, at least one of them not a space.
fn display_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    max_chars(s, 64)?;
    if s.chars().all(char::is_whitespace) {
        return Err("must contain a character that is not a space".into());
    }
    Ok(())
}

/// `Email`: `local@domain`, no spaces, at most 254 characters.
fn email(s: &str) -> Result<(), String> {
    max_chars(s, 254)?;
    let valid = match s.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!("`{s}` is not an email address"))
    }
}

/// `avatar_url`: an absolute http(s) URL (`^https?://\S+$`), at most 2048 characters.
fn avatar_url(s: &str) -> Result<(), String> {
    max_chars(s, 2048)?;
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    let bad = || Err(format!("`{s}` is not an absolute http(s) URL"));
    let Some(rest) = rest else { return bad() };
    // The host is what comes before the first `/`, `?` or `#`; it must not be empty.
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if host_end == 0 || !uri_chars(rest) {
        return bad();
    }
    Ok(())
}

/// Whether every character may appear in a URI (RFC 3986: unreserved, reserved, `%XX`). The
/// response schema checks `format: uri`, so a value stored here must pass it when served back.
fn uri_chars(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
            if !(hex(i + 1) && hex(i + 2)) {
                return false;
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&b)) {
            return false;
        }
        i += 1;
    }
    true
}

/// `Theme`: one of [`THEMES`].
fn theme(s: &str) -> Result<(), String> {
    if THEMES.contains(&s) {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a theme; expected one of {}",
            THEMES.join(", ")
        ))
    }
}

/// `Locale`: `^[a-z]{2,3}(-[A-Z]{2})?$`.
fn locale(s: &str) -> Result<(), String> {
    let (language, region) = match s.split_once('-') {
        Some((l, r)) => (l, Some(r)),
        None => (s, None),
    };
    let language_ok =
        (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase());
    let region_ok =
        region.is_none_or(|r| r.len() == 2 && r.bytes().all(|b| b.is_ascii_uppercase()));
    if language_ok && region_ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a language tag such as `en` or `en-GB`"
        ))
    }
}

/// `Timezone`: `^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$`, at most 64 characters.
fn timezone(s: &str) -> Result<(), String> {
    max_chars(s, 64)?;
    let part_ok = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-'))
    };
    let valid =
        s.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) && s.split('/').all(part_ok);
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not an IANA time zone name such as `Europe/London`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn field_rules_follow_the_schema() {
        assert!(locale("en").is_ok());
        assert!(locale("en-GB").is_ok());
        assert!(locale("fil").is_ok());
        assert!(locale("EN").is_err());
        assert!(locale("en-gb").is_err());
        assert!(locale("en-GBR").is_err());
        assert!(locale("").is_err());
        assert!(timezone("UTC").is_ok());
        assert!(timezone("America/Argentina/Buenos_Aires").is_ok());
        assert!(timezone("Etc/GMT+3").is_ok());
        assert!(timezone("/London").is_err());
        assert!(timezone("Europe//London").is_err());
        assert!(timezone("Europe/").is_err());
        assert!(display_name("Ada").is_ok());
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(65)).is_err());
        assert!(display_name(&"é".repeat(64)).is_ok());
        assert!(email("ada@example.com").is_ok());
        assert!(email("ada@localhost").is_ok());
        assert!(email("ada").is_err());
        assert!(email("@example.com").is_err());
        assert!(email("a da@example.com").is_err());
        assert!(avatar_url("https://cdn.example.com/a.png").is_ok());
        assert!(avatar_url("ftp://cdn.example.com/a.png").is_err());
        assert!(avatar_url("https://").is_err());
        assert!(avatar_url("https://cdn.example.com/a%20b.png").is_ok());
        assert!(avatar_url("https://cdn.example.com/a\u{7f}.png").is_err());
        assert!(avatar_url("https://cdn.example.com/ä.png").is_err());
        assert!(avatar_url("https://cdn.example.com/a%zz").is_err());
        assert!(avatar_url("https:///path").is_err());
        assert!(avatar_url("http://x/\"quoted\"").is_err());
    }

    #[test]
    fn collects_every_error_with_its_pointer() {
        let errors = profile_update(&json!({"email": 3, "bio": "ok", "x/y": 1})).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/x~1y", "/display_name", "/email"]);
        let errors = settings_update(&json!([])).unwrap_err();
        assert_eq!(errors[0].pointer, "");
    }

    #[test]
    fn optional_fields_may_be_null_or_absent() {
        let p =
            profile_update(&json!({"display_name": "Ada", "email": "a@b.c", "bio": null})).unwrap();
        assert_eq!(p.bio, None);
        assert_eq!(p.avatar_url, None);
    }
}

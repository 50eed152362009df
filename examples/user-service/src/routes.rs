//! The router, the handlers and the extractors (bearer auth, JSON bodies).

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;

use crate::fault::Fault;
use crate::problem::Problem;
use crate::state::{AppState, DEMO_USER_ID, LoggedRequest, UserRecord, new_uuid, now_rfc3339};
use crate::validate;

/// The service's router, with the configured fault applied (see the crate docs).
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/user/profile", profile_routes(state.fault()))
        .route("/user/settings", get(get_settings).put(update_settings))
        .route("/users", post(create_user))
        .route("/users/{id}", get(get_user).delete(delete_user))
        // After every `.route`: it applies to the method routers registered so far.
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(no_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            record_request,
        ))
        .with_state(state)
}

/// `/user/profile`, where every fault but `delete-keeps` (in [`delete_user`]), `bio-limit-500`
/// (in [`update_profile`]), `settings-stale` (in [`update_settings`]) and `user-lost` (in
/// [`create_user`]) lives.
fn profile_routes(fault: Option<Fault>) -> MethodRouter<AppState> {
    match fault {
        None
        | Some(Fault::DeleteKeeps | Fault::BioLimit500 | Fault::SettingsStale | Fault::UserLost) => {
            get(get_profile).put(update_profile)
        }
        Some(Fault::RouteMixup) => get(get_settings).put(update_profile),
        Some(Fault::Profile500) => get(profile_500).put(update_profile),
        Some(Fault::ProfileMissing) => get(no_route).put(update_profile),
        Some(Fault::MethodChanged) => get(get_profile).post(update_profile),
        Some(Fault::FieldDropped) => get(get_profile_without_email).put(update_profile),
        Some(Fault::AuthDropped) => get(get_profile_without_auth).put(update_profile),
    }
}

/// Records every request (method, path, status) in the state's request log, and gives every
/// response an `x-request-id` (the team's logging contract, which the spec does not state; the
/// contract tests check it with a custom check).
async fn record_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    if let Ok(id) = axum::http::HeaderValue::from_str(&new_uuid()) {
        response.headers_mut().insert("x-request-id", id);
    }
    state.record(LoggedRequest {
        method,
        path,
        status: response.status().as_u16(),
    });
    response
}

/// The authenticated user's id: `Authorization: Bearer <token>` with a token the store knows.
#[derive(Debug)]
struct CurrentUser(String);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Err(Problem::unauthorized(
                "missing bearer token: send `Authorization: Bearer <token>`",
                false,
            ));
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let Some(token) = token else {
            return Err(Problem::unauthorized(
                "the Authorization header is not a bearer token: send `Authorization: Bearer <token>`",
                true,
            ));
        };
        let store = state.store();
        match store.tokens.get(token) {
            Some(id) if store.live_user(id).is_some() => Ok(CurrentUser(id.clone())),
            _ => Err(Problem::unauthorized("invalid bearer token", true)),
        }
    }
}

/// A JSON request body, any JSON value; the handler validates it. A body that is not sent as
/// JSON or does not parse becomes a problem document (415, 400).
#[derive(Debug)]
struct JsonBody(Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        match Json::<Value>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(Problem::from_json_rejection(&rejection)),
        }
    }
}

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ProfileDoc<'a> {
    id: &'a str,
    display_name: &'a str,
    email: &'a str,
    bio: Option<&'a str>,
    avatar_url: Option<&'a str>,
    updated_at: &'a str,
}

impl<'a> ProfileDoc<'a> {
    fn of(u: &'a UserRecord) -> Self {
        ProfileDoc {
            id: &u.id,
            display_name: &u.display_name,
            email: &u.email,
            bio: u.bio.as_deref(),
            avatar_url: u.avatar_url.as_deref(),
            updated_at: &u.profile_updated_at,
        }
    }
}

#[derive(Serialize)]
struct SettingsDoc<'a> {
    id: &'a str,
    theme: &'a str,
    locale: &'a str,
    timezone: &'a str,
    email_notifications: bool,
    updated_at: &'a str,
}

impl<'a> SettingsDoc<'a> {
    fn of(u: &'a UserRecord) -> Self {
        SettingsDoc {
            id: &u.id,
            theme: &u.settings.theme,
            locale: &u.settings.locale,
            timezone: &u.settings.timezone,
            email_notifications: u.settings.email_notifications,
            updated_at: &u.settings.updated_at,
        }
    }
}

#[derive(Serialize)]
struct UserDoc<'a> {
    id: &'a str,
    email: &'a str,
    display_name: &'a str,
    created_at: &'a str,
}

impl<'a> UserDoc<'a> {
    fn of(u: &'a UserRecord) -> Self {
        UserDoc {
            id: &u.id,
            email: &u.email,
            display_name: &u.display_name,
            created_at: &u.created_at,
        }
    }
}

/// The token's user vanished from the store: the token no longer authenticates anyone.
fn stale_token() -> Problem {
    Problem::unauthorized("invalid bearer token", true)
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

async fn get_profile(CurrentUser(id): CurrentUser, State(state): State<AppState>) -> Response {
    let store = state.store();
    match store.live_user(&id) {
        Some(u) => Json(ProfileDoc::of(u)).into_response(),
        None => stale_token().into_response(),
    }
}

async fn update_profile(
    CurrentUser(id): CurrentUser,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Response {
    let update = match validate::profile_update(&body) {
        Ok(update) => update,
        Err(errors) => return Problem::invalid_body(errors).into_response(),
    };
    if state.fault() == Some(Fault::BioLimit500)
        && update.bio.as_deref().map(|b| b.chars().count()) == Some(280)
    {
        // The storage column was declared one character short.
        return (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "value too long for column \"bio\" (max 279)",
        )
            .into_response();
    }
    let mut store = state.store();
    let Some(u) = store.live_user_mut(&id) else {
        return stale_token().into_response();
    };
    u.display_name = update.display_name;
    u.email = update.email;
    u.bio = update.bio;
    u.avatar_url = update.avatar_url;
    u.profile_updated_at = now_rfc3339();
    Json(ProfileDoc::of(u)).into_response()
}

async fn get_settings(CurrentUser(id): CurrentUser, State(state): State<AppState>) -> Response {
    let store = state.store();
    match store.live_user(&id) {
        Some(u) => Json(SettingsDoc::of(u)).into_response(),
        None => stale_token().into_response(),
    }
}

async fn update_settings(
    CurrentUser(id): CurrentUser,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Response {
    let update = match validate::settings_update(&body) {
        Ok(update) => update,
        Err(errors) => return Problem::invalid_body(errors).into_response(),
    };
    let mut store = state.store();
    let Some(u) = store.live_user_mut(&id) else {
        return stale_token().into_response();
    };
    let stale = state.fault() == Some(Fault::SettingsStale);
    let old_theme = u.settings.theme.clone();
    u.settings.theme = update.theme;
    u.settings.locale = update.locale;
    u.settings.timezone = update.timezone;
    u.settings.email_notifications = update.email_notifications;
    u.settings.updated_at = now_rfc3339();
    let answer = Json(SettingsDoc::of(u)).into_response();
    if stale {
        // The answer shows the new theme; the store kept the old one.
        u.settings.theme = old_theme;
    }
    answer
}

async fn create_user(
    CurrentUser(_): CurrentUser,
    State(state): State<AppState>,
    JsonBody(body): JsonBody,
) -> Response {
    let new = match validate::new_user(&body) {
        Ok(new) => new,
        Err(errors) => return Problem::invalid_body(errors).into_response(),
    };
    let now = now_rfc3339();
    let user = UserRecord {
        id: new_uuid(),
        email: new.email,
        display_name: new.display_name,
        bio: None,
        avatar_url: None,
        created_at: now.clone(),
        profile_updated_at: now.clone(),
        settings: crate::state::Settings {
            theme: "system".into(),
            locale: "en-GB".into(),
            timezone: "UTC".into(),
            email_notifications: true,
            updated_at: now,
        },
        deleted: false,
    };
    let location = format!("/users/{}", user.id);
    let response = (StatusCode::CREATED, Json(UserDoc::of(&user))).into_response();
    if state.fault() != Some(Fault::UserLost) {
        state.store().users.insert(user.id.clone(), user);
    }
    with_header(response, LOCATION, &location)
}

async fn get_user(
    CurrentUser(_): CurrentUser,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return Problem::new(StatusCode::NOT_FOUND, "no user with this id").into_response();
    };
    let store = state.store();
    match store.live_user(&id) {
        Some(u) => Json(UserDoc::of(u)).into_response(),
        None => Problem::no_such_user(&id).into_response(),
    }
}

async fn delete_user(
    CurrentUser(me): CurrentUser,
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(id)) = id else {
        return Problem::new(StatusCode::NOT_FOUND, "no user with this id").into_response();
    };
    if id == me {
        return Problem::new(
            StatusCode::CONFLICT,
            "the authenticated user cannot delete itself",
        )
        .into_response();
    }
    let mut store = state.store();
    match store.users.get_mut(&id) {
        // Already deleted: DELETE is idempotent.
        Some(u) => {
            if state.fault() != Some(Fault::DeleteKeeps) {
                u.deleted = true;
            }
            StatusCode::NO_CONTENT.into_response()
        }
        None => Problem::no_such_user(&id).into_response(),
    }
}

/// `profile-500`: the route crashes after authentication, as a real one would.
async fn profile_500(CurrentUser(_): CurrentUser) -> Response {
    let page = "<!doctype html>\n<html><head><title>500 Internal Server Error</title></head>\n\
                <body><h1>Internal Server Error</h1>\
                <p>upstream profile store: connection reset by peer</p></body></html>\n";
    with_header(
        (StatusCode::INTERNAL_SERVER_ERROR, page).into_response(),
        CONTENT_TYPE,
        "text/html; charset=utf-8",
    )
}

/// `field-dropped`: the profile without its `email`.
async fn get_profile_without_email(
    CurrentUser(id): CurrentUser,
    State(state): State<AppState>,
) -> Response {
    let store = state.store();
    let Some(u) = store.live_user(&id) else {
        return stale_token().into_response();
    };
    let mut doc = serde_json::to_value(ProfileDoc::of(u)).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut doc {
        fields.remove("email");
    }
    Json(doc).into_response()
}

/// `auth-dropped`: no token needed; the demo user's profile for everyone.
async fn get_profile_without_auth(State(state): State<AppState>) -> Response {
    let store = state.store();
    match store.live_user(DEMO_USER_ID) {
        Some(u) => Json(ProfileDoc::of(u)).into_response(),
        None => Problem::no_such_user(DEMO_USER_ID).into_response(),
    }
}

/// 404 for a path the service does not route (also `profile-missing`'s GET /user/profile).
async fn no_route(method: Method, uri: Uri) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("no route for {method} {}", uri.path()),
    )
}

/// 405 for an undocumented method on a routed path (axum adds the `Allow` header).
async fn method_not_allowed(method: Method, uri: Uri) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed on {}", uri.path()),
    )
}

fn with_header(mut response: Response, name: axum::http::HeaderName, value: &str) -> Response {
    match HeaderValue::from_str(value) {
        Ok(v) => {
            response.headers_mut().insert(name, v);
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

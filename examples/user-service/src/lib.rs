//! The incident example: a small axum user service described by `openapi.yaml` (next to this
//! crate's `Cargo.toml`), with a fault switch that breaks one route at a time.
//!
//! A change meant for one route lands on another: `GET /user/profile` starts answering with the
//! settings document, or 500, and nothing notices because nothing tested every route against its
//! contract. This service reproduces that outage and its relatives on demand, so contractgate's
//! generated tests can show that the broken route, and only that one, fails its own named test.
//!
//! # Routes
//!
//! | route | auth | answers |
//! | --- | --- | --- |
//! | `GET /health` | none | 200 `{"status": "ok", "version": ...}` |
//! | `GET /user/profile` | bearer | 200 profile · 401 |
//! | `PUT /user/profile` | bearer | 200 profile · 400 · 401 · 415 · 422 |
//! | `GET /user/settings` | bearer | 200 settings · 401 |
//! | `PUT /user/settings` | bearer | 200 settings · 400 · 401 · 415 · 422 |
//! | `POST /users` | bearer | 201 user + `Location` · 400 · 401 · 415 · 422 |
//! | `GET /users/{id}` | bearer | 200 user · 401 · 404 |
//! | `DELETE /users/{id}` | bearer | 204 · 401 · 404 · 409 (deleting yourself) |
//!
//! Errors are RFC 9457 problem documents (`application/problem+json`); 401s carry a
//! `WWW-Authenticate: Bearer realm="user-service"` challenge; 422s list every invalid value with a
//! JSON Pointer. An undocumented method on a documented path answers 405 with an `Allow` header,
//! an unknown path 404. The one valid token is [`DEMO_TOKEN`]; it belongs to the seeded user
//! [`DEMO_USER_ID`], the only user a fresh service has. Deletion is idempotent (deleting a
//! deleted user answers 204 again). The spec's `POST /users` documents links to
//! `GET /users/{id}` and `DELETE /users/{id}`, so contract tests read and delete users they
//! created, and repeated runs against one long-lived server stay green.
//!
//! # Faults
//!
//! Set `USER_SERVICE_FAULT` (read once at startup by [`Config::from_env`]), pass `--fault` to the
//! binary, or set [`Config::fault`] in code. Each fault changes exactly one route:
//!
//! | value | [`Fault`] | effect |
//! | --- | --- | --- |
//! | `route-mixup` | [`Fault::RouteMixup`] | `GET /user/profile` is wired to the settings handler: 200 with the settings document (the outage) |
//! | `profile-500` | [`Fault::Profile500`] | `GET /user/profile` answers 500 with an HTML page (after auth: no token still gets 401) |
//! | `profile-missing` | [`Fault::ProfileMissing`] | `GET /user/profile` is not routed: 404 problem document (PUT still works) |
//! | `method-changed` | [`Fault::MethodChanged`] | `PUT /user/profile` moved to `POST /user/profile`: PUT answers 405, POST updates |
//! | `field-dropped` | [`Fault::FieldDropped`] | `GET /user/profile` leaves out the required `email` |
//! | `auth-dropped` | [`Fault::AuthDropped`] | `GET /user/profile` answers 200 with no (or a wrong) token |
//! | `delete-keeps` | [`Fault::DeleteKeeps`] | `DELETE /users/{id}` answers 204 but the user stays |
//! | `bio-limit-500` | [`Fault::BioLimit500`] | `PUT /user/profile` answers 500 when `bio` is exactly 280 characters |
//! | `user-lost` | [`Fault::UserLost`] | `POST /users` answers 201 but stores nothing |
//! | `settings-stale` | [`Fault::SettingsStale`] | `PUT /user/settings` answers the new theme, `GET /user/settings` reads the old one |
//!
//! Unset or empty means no fault; any other value is a startup error ([`UnknownFault`]) whose
//! message lists the valid ones.
//!
//! # Request log
//!
//! Every request is recorded (method, path, status) and can be read with
//! [`AppState::request_log`]; with `USER_SERVICE_LOG=1` each one is also written to stderr as
//! `user-service: GET /user/profile 200`.
//!
//! # In-process use
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use user_service::{AppState, Config, Fault};
//!
//! let state = AppState::new(Config::default().with_fault(Some(Fault::RouteMixup)));
//! let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
//! println!("http://{}", listener.local_addr()?);
//! user_service::serve(listener, state.clone()).await?;
//! # Ok(())
//! # }
//! ```

mod fault;
mod problem;
mod routes;
mod state;
mod validate;

use std::future::Future;

pub use fault::{FAULT_ENV, Fault, UnknownFault};
pub use problem::{FieldError, PROBLEM_JSON, Problem};
pub use routes::app;
pub use state::{
    AppState, Config, DEMO_TOKEN, DEMO_USER_ID, LOG_ENV, LoggedRequest, REQUEST_LOG_CAPACITY,
};

/// Serves [`app`] on `listener` until the task is dropped or the listener fails.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, app(state)).await
}

/// Serves [`app`] on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve_with_shutdown<F>(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

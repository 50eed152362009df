//! A real axum implementation of `specs/oai/petstore-expanded.yaml`, and broken variants of it,
//! for the end-to-end test of generated contract tests.
//!
//! [`Fault`] picks a variant; `PETSTORE_FAULT` selects it for the contract test binary
//! (`tests/petstore_contract.rs`), so one build serves every variant.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// How the petstore breaks its contract (or `None`: it keeps it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Keeps the contract.
    None,
    /// `GET /pets` answers 500 with an HTML page.
    ListServerError,
    /// `GET /pets/{id}` returns a pet without its required `id`.
    PetWithoutId,
    /// `POST /pets` answers `text/plain`.
    AddPetPlainText,
    /// `DELETE /pets/{id}` answers 200 instead of the documented 204... with `default` documented,
    /// any status conforms, so it answers 201 with a body of the wrong shape instead.
    DeleteWrongBody,
    /// `PATCH /pets/{id}` (undocumented) answers 200.
    PatchAllowed,
}

impl FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "" | "none" => Fault::None,
            "list-500" => Fault::ListServerError,
            "pet-without-id" => Fault::PetWithoutId,
            "add-plain-text" => Fault::AddPetPlainText,
            "delete-wrong-body" => Fault::DeleteWrongBody,
            "patch-allowed" => Fault::PatchAllowed,
            other => {
                return Err(format!(
                    "unknown PETSTORE_FAULT '{other}'; valid: none, list-500, pet-without-id, add-plain-text, delete-wrong-body, patch-allowed"
                ));
            }
        })
    }
}

impl Fault {
    /// The fault named by `PETSTORE_FAULT` (unset: none).
    pub fn from_env() -> Result<Fault, String> {
        std::env::var("PETSTORE_FAULT").unwrap_or_default().parse()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pet {
    id: i64,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

#[derive(Debug, Deserialize)]
struct NewPet {
    name: String,
    tag: Option<String>,
}

#[derive(Clone)]
struct AppState {
    fault: Fault,
    pets: Arc<Mutex<BTreeMap<i64, Pet>>>,
    /// The last id given out: ids are never reused.
    last_id: Arc<std::sync::atomic::AtomicI64>,
    /// Ids deleted: `GET /pets/{id}` answers 404 for them.
    deleted: Arc<Mutex<std::collections::BTreeSet<i64>>>,
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(json!({ "code": status.as_u16(), "message": message })),
    )
        .into_response()
}

/// The petstore with the given fault. `GET /pets/{id}` answers every id it was never asked to
/// delete (the store has a pet for any such id, so synthesized ids exercise the route), and 404 for
/// a deleted one.
pub fn app(fault: Fault) -> Router {
    let mut pets = BTreeMap::new();
    pets.insert(
        1,
        Pet {
            id: 1,
            name: "Rex".into(),
            tag: Some("dog".into()),
        },
    );
    let state = AppState {
        fault,
        pets: Arc::new(Mutex::new(pets)),
        last_id: Arc::new(std::sync::atomic::AtomicI64::new(1)),
        deleted: Arc::new(Mutex::new(std::collections::BTreeSet::new())),
    };
    let mut pet = get(find_pet).delete(delete_pet);
    if fault == Fault::PatchAllowed {
        pet = pet.patch(|| async { (StatusCode::OK, Json(json!({"patched": true}))) });
    }
    Router::new()
        .route("/pets", get(find_pets).post(add_pet))
        .route("/pets/{id}", pet)
        .with_state(state)
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    limit: Option<i32>,
}

async fn find_pets(State(state): State<AppState>, Query(q): Query<ListQuery>) -> Response {
    if state.fault == Fault::ListServerError {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
        )
            .into_response();
    }
    let pets = match state.pets.lock() {
        Ok(pets) => pets.values().cloned().collect::<Vec<_>>(),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store poisoned"),
    };
    let limit = q.limit.map_or(pets.len(), |l| l.max(0) as usize);
    Json(pets.into_iter().take(limit).collect::<Vec<_>>()).into_response()
}

async fn add_pet(State(state): State<AppState>, body: Option<Json<NewPet>>) -> Response {
    let Some(Json(new)) = body else {
        return error(StatusCode::BAD_REQUEST, "expected a JSON NewPet");
    };
    if state.fault == Fault::AddPetPlainText {
        return (StatusCode::OK, format!("added {}", new.name)).into_response();
    }
    let Ok(mut pets) = state.pets.lock() else {
        return error(StatusCode::INTERNAL_SERVER_ERROR, "store poisoned");
    };
    let id = state
        .last_id
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        + 1;
    let pet = Pet {
        id,
        name: new.name,
        tag: new.tag,
    };
    pets.insert(id, pet.clone());
    Json(pet).into_response()
}

async fn find_pet(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    if state.deleted.lock().is_ok_and(|d| d.contains(&id)) {
        return error(StatusCode::NOT_FOUND, &format!("pet {id} was deleted"));
    }
    let pet = match state.pets.lock() {
        Ok(pets) => pets.get(&id).cloned().unwrap_or(Pet {
            id,
            name: format!("pet {id}"),
            tag: None,
        }),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store poisoned"),
    };
    if state.fault == Fault::PetWithoutId {
        return Json(json!({ "name": pet.name })).into_response();
    }
    Json(pet).into_response()
}

async fn delete_pet(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    if state.fault == Fault::DeleteWrongBody {
        return (StatusCode::CREATED, Json(json!({ "deleted": id }))).into_response();
    }
    if let Ok(mut pets) = state.pets.lock() {
        pets.remove(&id);
    }
    if let Ok(mut deleted) = state.deleted.lock() {
        deleted.insert(id);
    }
    StatusCode::NO_CONTENT.into_response()
}

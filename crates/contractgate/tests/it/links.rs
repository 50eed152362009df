//! Values from OpenAPI links, against a real server where only created things exist: `GET`,
//! `PUT` and `DELETE /things/{id}` answer 404 for any id the server did not hand out (the spec's
//! example id among them), and a DELETE really removes the thing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use contractgate::config::OperationFixtures;
use contractgate::{Api, Check, CheckResult, Harness, Outcome, Settings, Target};
use serde_json::{Value, json};

use crate::support::{TOKEN, serve, snapshot, target};

/// The spec: things are created by `POST /things`, whose 201 links to the three operations on
/// `/things/{id}`; a thing's owner is read from `GET /owners/{owner}`, linked from the thing
/// (a chain: createThing, then getThing, then getOwner).
const SPEC: &str = r##"
openapi: 3.1.0
info: {title: things, version: "1"}
security:
  - bearerAuth: []
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              additionalProperties: false
              properties:
                name: {type: string, minLength: 1}
            example: {name: widget}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
          links:
            GetThing:
              operationId: getThing
              parameters:
                id: $response.body#/id
            UpdateThing:
              operationId: updateThing
              parameters:
                path.id: $response.body#/id
              requestBody:
                name: "renamed {$response.body#/name}"
            DeleteThing:
              operationId: deleteThing
              parameters:
                id: $response.body#/id
        "400":
          description: Refused.
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}, example: 999}
    get:
      operationId: getThing
      responses:
        "200":
          description: The thing.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
          links:
            GetOwner:
              operationId: getOwner
              parameters:
                owner: $response.body#/owner
        "404":
          description: No such thing.
    put:
      operationId: updateThing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string, pattern: "^renamed "}
            example: {name: renamed by example}
      responses:
        "200":
          description: The thing.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "404":
          description: No such thing.
    delete:
      operationId: deleteThing
      responses:
        "204":
          description: Deleted.
        "404":
          description: No such thing.
  /owners/{owner}:
    get:
      operationId: getOwner
      parameters:
        - {name: owner, in: path, required: true, schema: {type: string}, example: nobody}
      responses:
        "200":
          description: The owner.
          content:
            application/json:
              schema:
                type: object
                required: [owner, things]
                properties:
                  owner: {type: string}
                  things: {type: integer}
        "404":
          description: No such owner.
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
  schemas:
    Thing:
      type: object
      required: [id, name, owner]
      additionalProperties: false
      properties:
        id: {type: integer}
        name: {type: string}
        owner: {type: string}
"##;

fn api_from(spec: &str) -> Api {
    contractgate_spec::load_str("links.yaml", spec)
        .unwrap_or_else(|d| panic!("{d:?}"))
        .api
}

fn api() -> Api {
    api_from(SPEC)
}

/// How the server misbehaves, if at all.
#[derive(Clone, Copy, Debug, Default)]
struct Faults {
    /// `POST /things` answers 400.
    refuse_create: bool,
    /// `GET /things/{id}` leaves out `name`.
    drop_name: bool,
    /// `POST /things` answers 201 with an id, but stores nothing.
    lose_created: bool,
    /// `DELETE /things/{id}` answers 204, but the thing stays.
    keep_deleted: bool,
    /// `POST /things` stores another name than the one sent.
    store_other_name: bool,
}

#[derive(Default)]
struct Store {
    faults: Faults,
    next: AtomicUsize,
    things: Mutex<HashMap<u64, (String, String)>>,
    /// Every request: `METHOD /path STATUS`.
    log: Mutex<Vec<String>>,
}

impl Store {
    fn record(&self, line: String) {
        self.log.lock().unwrap().push(line);
    }

    fn count(&self, prefix: &str) -> usize {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.starts_with(prefix))
            .count()
    }
}

fn authorized(h: &axum::http::HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

fn thing(id: u64, name: &str, owner: &str) -> Value {
    json!({"id": id, "name": name, "owner": owner})
}

fn app(store: Arc<Store>) -> Router {
    async fn create(
        State(s): State<Arc<Store>>,
        h: axum::http::HeaderMap,
        axum::Json(body): axum::Json<Value>,
    ) -> Response {
        // Slow enough for concurrent callers to pile up behind the first one.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let name = body["name"].as_str().unwrap_or("").to_owned();
        let status = if !authorized(&h) {
            StatusCode::UNAUTHORIZED
        } else if s.faults.refuse_create || name.is_empty() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::CREATED
        };
        s.record(format!("POST /things {}", status.as_u16()));
        if status != StatusCode::CREATED {
            return status.into_response();
        }
        let id = 1001 + s.next.fetch_add(1, Ordering::SeqCst) as u64;
        let owner = format!("o-{id}");
        if !s.faults.lose_created {
            let stored = if s.faults.store_other_name {
                format!("{name}-x")
            } else {
                name.clone()
            };
            s.things.lock().unwrap().insert(id, (stored, owner.clone()));
        }
        (status, axum::Json(thing(id, &name, &owner))).into_response()
    }

    async fn read(
        State(s): State<Arc<Store>>,
        h: axum::http::HeaderMap,
        Path(id): Path<u64>,
    ) -> Response {
        let found = s.things.lock().unwrap().get(&id).cloned();
        let (status, body) = match found {
            _ if !authorized(&h) => (StatusCode::UNAUTHORIZED, Value::Null),
            Some((name, owner)) if s.faults.drop_name => (
                StatusCode::OK,
                json!({"id": id, "owner": owner, "nmae": name}),
            ),
            Some((name, owner)) => (StatusCode::OK, thing(id, &name, &owner)),
            None => (StatusCode::NOT_FOUND, Value::Null),
        };
        s.record(format!("GET /things/{id} {}", status.as_u16()));
        (status, axum::Json(body)).into_response()
    }

    async fn update(
        State(s): State<Arc<Store>>,
        h: axum::http::HeaderMap,
        Path(id): Path<u64>,
        axum::Json(body): axum::Json<Value>,
    ) -> Response {
        let name = body["name"].as_str().unwrap_or("").to_owned();
        let mut things = s.things.lock().unwrap();
        let (status, body) = match things.get_mut(&id) {
            _ if !authorized(&h) => (StatusCode::UNAUTHORIZED, Value::Null),
            Some(t) => {
                t.0 = name;
                (StatusCode::OK, thing(id, &t.0, &t.1))
            }
            None => (StatusCode::NOT_FOUND, Value::Null),
        };
        drop(things);
        s.record(format!("PUT /things/{id} {}", status.as_u16()));
        (status, axum::Json(body)).into_response()
    }

    async fn delete(
        State(s): State<Arc<Store>>,
        h: axum::http::HeaderMap,
        Path(id): Path<u64>,
    ) -> StatusCode {
        // The fault `keep_deleted`: the thing is found, and stays.
        let found = authorized(&h) && {
            let mut things = s.things.lock().unwrap();
            if s.faults.keep_deleted {
                things.contains_key(&id)
            } else {
                things.remove(&id).is_some()
            }
        };
        let status = if !authorized(&h) {
            StatusCode::UNAUTHORIZED
        } else if found {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::NOT_FOUND
        };
        s.record(format!("DELETE /things/{id} {}", status.as_u16()));
        status
    }

    async fn owner(
        State(s): State<Arc<Store>>,
        h: axum::http::HeaderMap,
        Path(owner): Path<String>,
    ) -> Response {
        let n = s
            .things
            .lock()
            .unwrap()
            .values()
            .filter(|(_, o)| *o == owner)
            .count();
        let status = match n {
            _ if !authorized(&h) => StatusCode::UNAUTHORIZED,
            0 => StatusCode::NOT_FOUND,
            _ => StatusCode::OK,
        };
        s.record(format!("GET /owners/{owner} {}", status.as_u16()));
        (status, axum::Json(json!({"owner": owner, "things": n}))).into_response()
    }

    async fn list(State(s): State<Arc<Store>>, h: axum::http::HeaderMap) -> Response {
        if !authorized(&h) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
        let mut things: Vec<Value> = s
            .things
            .lock()
            .unwrap()
            .iter()
            .map(|(id, (name, owner))| thing(*id, name, owner))
            .collect();
        things.sort_by_key(|t| t["id"].as_u64());
        s.record("GET /things 200".to_owned());
        axum::Json(Value::Array(things)).into_response()
    }

    Router::new()
        .route("/things", get(list).post(create))
        .route("/things/{id}", get(read).put(update).delete(delete))
        .route("/owners/{owner}", get(owner))
        .with_state(store)
}

struct Setup {
    harness: Arc<Harness>,
    store: Arc<Store>,
}

fn setup_with(api: Api, faults: Faults, settings: Settings) -> Setup {
    // These tests count the requests links cause: no other requests after a refusal.
    let settings = Settings {
        alternatives: 0,
        ..settings
    };
    let store = Arc::new(Store {
        faults,
        ..Store::default()
    });
    let url = serve(app(Arc::clone(&store)));
    let target = target(&url, settings);
    Setup {
        harness: Arc::new(Harness::new(Arc::new(api), target)),
        store,
    }
}

fn setup(faults: Faults, settings: Settings) -> Setup {
    setup_with(api(), faults, settings)
}

/// The checks that judge the positive request.
const POSITIVE: [Check; 3] = [
    Check::NotServerError,
    Check::StatusCodeConformance,
    Check::ResponseSchemaConformance,
];

fn run(s: &Setup, op: &str) -> Vec<CheckResult> {
    contractgate::block_on(s.harness.check_operation(op, &POSITIVE))
}

fn assert_all(results: &[CheckResult], passed: bool) {
    for r in results {
        let ok = match &r.outcome {
            Outcome::Passed { .. } => passed,
            Outcome::NotExercised(_) => !passed,
            // A 204 documents no body: nothing to validate.
            Outcome::NotApplicable { .. } => true,
            _ => false,
        };
        assert!(
            ok,
            "expected {}, got:\n{r}",
            if passed { "a pass" } else { "not exercised" }
        );
    }
}

/// The notes of the first failure in `results`.
fn notes(results: &[CheckResult]) -> Vec<String> {
    results
        .iter()
        .find_map(CheckResult::failure)
        .and_then(|f| f.request.as_ref())
        .map(|r| r.notes.clone())
        .unwrap_or_default()
}

#[test]
fn without_links_the_example_id_is_not_exercised() {
    let s = setup(
        Faults::default(),
        Settings {
            links: false,
            ..Settings::default()
        },
    );
    for op in ["getThing", "updateThing", "deleteThing", "getOwner"] {
        let results = run(&s, op);
        assert_all(&results, false);
        assert!(notes(&results).is_empty(), "{:?}", notes(&results));
    }
    assert_eq!(s.store.count("POST "), 0);
    assert_eq!(s.store.count("GET /things/999 404"), 1);
}

#[test]
fn with_links_every_route_is_exercised_with_values_the_server_gave() {
    let s = setup(Faults::default(), Settings::default());
    for op in ["getThing", "updateThing", "getOwner", "deleteThing"] {
        assert_all(&run(&s, op), true);
    }
    let log = s.store.log.lock().unwrap().clone();
    // One thing for the reads and the update (getOwner reads the owner of that same thing,
    // through getThing), and one of its own for the DELETE.
    assert_eq!(s.store.count("POST /things 201"), 2, "{log:#?}");
    assert!(log.contains(&"GET /things/1001 200".to_owned()), "{log:#?}");
    assert!(log.contains(&"PUT /things/1001 200".to_owned()), "{log:#?}");
    assert!(
        log.contains(&"GET /owners/o-1001 200".to_owned()),
        "{log:#?}"
    );
    assert!(
        log.contains(&"DELETE /things/1002 204".to_owned()),
        "{log:#?}"
    );
    assert!(!log.iter().any(|l| l.contains("999")), "{log:#?}");
    // The update's body came from the link too (the server stored it).
    assert_eq!(
        s.store.things.lock().unwrap().get(&1001).unwrap().0,
        "renamed widget"
    );
    // Nothing is sent again: the sources ran once.
    assert_all(&run(&s, "getOwner"), true);
    assert_eq!(s.store.count("POST "), 2, "{log:#?}");
    // getThing's own check, and getThing once as the source of getOwner.
    assert_eq!(s.store.count("GET /things/1001"), 2, "{log:#?}");
}

#[test]
fn the_failure_says_where_a_linked_value_came_from() {
    let s = setup(
        Faults {
            drop_name: true,
            ..Faults::default()
        },
        Settings::default(),
    );
    let r = contractgate::block_on(
        s.harness
            .check("getThing", Check::ResponseSchemaConformance),
    );
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{r}");
    let text = r.to_string();
    assert!(
        text.contains("  curl -sS -i -X GET 'http://127.0.0.1:") && text.contains("/things/1001' "),
        "{text}"
    );
    assert!(
        text.contains(
            "  note: id from link GetThing of POST /things (createThing) 201: $response.body#/id = 1001\n"
        ),
        "{text}"
    );
    // The token of the source request is not in the text.
    assert!(!text.contains(TOKEN), "{text}");
    snapshot("links_value_in_failure", &text);

    // The update's notes: the parameter named `path.id`, and a body template.
    let r = contractgate::block_on(s.harness.check("updateThing", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
}

#[test]
fn the_source_runs_once_for_concurrent_callers() {
    let s = setup(Faults::default(), Settings::default());
    let mut tasks = Vec::new();
    let _guard = contractgate::runtime().enter();
    for i in 0..12 {
        let h = Arc::clone(&s.harness);
        tasks.push(contractgate::runtime().spawn(async move {
            match i % 4 {
                0 => vec![h.check("getThing", Check::StatusCodeConformance).await],
                1 => h.check_operation("updateThing", &POSITIVE).await,
                2 => vec![h.check_path("/things/{id}").await],
                _ => vec![h.check("getOwner", Check::NotServerError).await],
            }
        }));
    }
    let results: Vec<CheckResult> = contractgate::block_on(async move {
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    });
    assert_eq!(results.len(), 18);
    for r in &results {
        assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    }
    let log = s.store.log.lock().unwrap().clone();
    assert_eq!(s.store.count("POST "), 1, "{log:#?}");
    // getThing as the source of getOwner: once too (the other GETs are getThing's own checks).
    assert_eq!(s.store.count("GET /things/1001 200"), 3 + 1, "{log:#?}");

    // The DELETEs share one thing of their own, created once.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let h = Arc::clone(&s.harness);
        tasks.push(
            contractgate::runtime()
                .spawn(async move { h.check("deleteThing", Check::StatusCodeConformance).await }),
        );
    }
    let deletes: Vec<CheckResult> = contractgate::block_on(async move {
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap());
        }
        all
    });
    let log = s.store.log.lock().unwrap().clone();
    assert_eq!(s.store.count("POST "), 2, "{log:#?}");
    // This server's DELETE is not idempotent: the first one deletes, the others find nothing.
    assert_eq!(s.store.count("DELETE /things/1002 204"), 1, "{log:#?}");
    assert_eq!(s.store.count("DELETE /things/1002 404"), 3, "{log:#?}");
    assert_eq!(
        deletes
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Passed { .. }))
            .count(),
        1
    );
    let rejected = deletes
        .iter()
        .find(|r| matches!(r.outcome, Outcome::NotExercised(_)))
        .unwrap()
        .to_string();
    assert!(
        rejected.contains("The server refused the request built from values of links (see the notes)")
            && rejected.contains("/things/1002' ")
            && rejected.contains(
                "  note: id from link DeleteThing of POST /things (createThing) 201: $response.body#/id = 1002\n"
            ),
        "{rejected}"
    );
    // The thing the reads use is still there.
    assert!(s.store.things.lock().unwrap().contains_key(&1001));
}

#[test]
fn read_only_does_not_send_an_unsafe_source() {
    let s = setup(
        Faults::default(),
        Settings {
            read_only: true,
            ..Settings::default()
        },
    );
    let results = run(&s, "getThing");
    assert_all(&results, false);
    assert_eq!(
        notes(&results),
        [
            "link GetThing (createThing -> getThing) not used: POST /things (createThing) is not sent in a read-only environment; id from the spec's examples or synthesized data instead"
        ]
    );
    // getOwner's source is getThing, a GET: it is sent (with its example id, which the server
    // does not know), so its owner cannot be read.
    let results = run(&s, "getOwner");
    assert_all(&results, false);
    assert_eq!(
        notes(&results),
        [
            "link GetOwner (getThing -> getOwner) not used: getThing answered 404 Not Found; owner from the spec's examples or synthesized data instead"
        ]
    );
    let log = s.store.log.lock().unwrap().clone();
    assert!(
        log.iter().all(|l| l.starts_with("GET ")),
        "only GETs in read-only mode: {log:#?}"
    );
    // The unsafe operations themselves are skipped, as always.
    let r = contractgate::block_on(s.harness.check("deleteThing", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Skipped { .. }), "{r}");
}

#[test]
fn a_source_that_fails_means_examples_with_a_note() {
    let s = setup(
        Faults {
            refuse_create: true,
            ..Faults::default()
        },
        Settings::default(),
    );
    let results = run(&s, "getThing");
    assert_all(&results, false);
    assert_eq!(
        notes(&results),
        [
            "link GetThing (createThing -> getThing) not used: createThing answered 400 Bad Request; id from the spec's examples or synthesized data instead"
        ]
    );
    let text = results[0].to_string();
    assert!(text.contains("/things/999'"), "{text}");
    // The failed source is not sent again for the other operations that read from it.
    assert_all(&run(&s, "updateThing"), false);
    assert_eq!(s.store.count("POST /things 400"), 1);
    // DELETE has its own source: one more attempt, no more.
    let results = run(&s, "deleteThing");
    assert_all(&results, false);
    assert_eq!(
        notes(&results),
        [
            "link DeleteThing (createThing -> deleteThing) not used: createThing answered 400 Bad Request; id from the spec's examples or synthesized data instead"
        ]
    );
    assert_eq!(s.store.count("POST /things 400"), 2);
}

#[test]
fn a_source_counts_against_the_request_budget() {
    let settings = Settings {
        request_budget: Some(1),
        ..Settings::default()
    };
    let s = setup(Faults::default(), settings);
    // The budget is spent by the source; the target itself is then skipped.
    let r = contractgate::block_on(s.harness.check("getThing", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Skipped { .. }), "{r}");
    assert_eq!(s.store.count("POST /things 201"), 1);
    // With the budget spent before the source: the note says so.
    let settings = Settings {
        request_budget: Some(0),
        ..Settings::default()
    };
    let s = setup(Faults::default(), settings);
    let r = contractgate::block_on(s.harness.check("getThing", Check::NotServerError));
    assert!(
        matches!(&r.outcome, Outcome::Skipped { reason } if reason == "the request budget of 0 requests is spent"),
        "{r}"
    );
    assert_eq!(s.store.count(""), 0);
}

#[test]
fn fixtures_win_over_links() {
    let mut settings = Settings::default();
    settings.fixtures.insert(
        "getThing".into(),
        OperationFixtures {
            params: [("id".to_owned(), json!(4242))].into_iter().collect(),
            body: None,
        },
    );
    let s = setup(Faults::default(), settings);
    let results = run(&s, "getThing");
    assert_all(&results, false);
    assert!(notes(&results).is_empty(), "{:?}", notes(&results));
    // No source was needed, so none was sent.
    assert_eq!(s.store.count("POST "), 0);
    assert_eq!(s.store.count("GET /things/4242 404"), 1);
}

#[test]
fn unsupported_expressions_and_credentials_are_notes() {
    let spec = SPEC
        .replace(
            "              parameters:\n                id: $response.body#/id\n            UpdateThing:",
            "              parameters:\n                id: $response.bodyy#/id\n                X-Trace: $request.header.Authorization\n                nope: 1\n            UpdateThing:",
        )
        .replace(
            "    get:\n      operationId: getThing\n",
            "    get:\n      operationId: getThing\n      parameters:\n        - {name: X-Trace, in: header, schema: {type: string}}\n",
        )
        .replace(
            "              operationId: deleteThing\n              parameters:\n                id: $response.body#/id\n",
            "              operationId: deleteThing\n              parameters:\n                id: $response.body#/uid\n",
        );
    let s = setup_with(api_from(&spec), Faults::default(), Settings::default());
    let results = run(&s, "getThing");
    assert_all(&results, false);
    let text = results[0].to_string();
    assert!(!text.contains(TOKEN), "{text}");
    assert_eq!(
        notes(&results),
        [
            "link GetThing at links.yaml #/paths/~1things/post/responses/201/links/GetThing: the value for id is not supported: `$response.bodyy#/id`: expected $response.body or $response.body#/json/pointer; id from the spec's examples or synthesized data instead",
            "link GetThing at links.yaml #/paths/~1things/post/responses/201/links/GetThing: getThing has no parameter `nope`; ignored",
            "link GetThing (createThing -> getThing) not used for X-Trace: $request.header.Authorization would carry a credential of the source request; X-Trace from the spec's examples or synthesized data instead",
        ]
    );
    snapshot("links_unsupported_expression", &text);
    // A pointer that finds nothing in the source's answer.
    let results = run(&s, "deleteThing");
    assert_all(&results, false);
    assert_eq!(
        notes(&results),
        [
            "link DeleteThing (createThing -> deleteThing) not used for id: $response.body#/uid: no value at /uid in the response body; id from the spec's examples or synthesized data instead"
        ]
    );
}

/// A spec where links form a cycle, and a self link.
const LOOPS: &str = r##"
openapi: 3.1.0
info: {title: loops, version: "1"}
paths:
  /a/{id}:
    get:
      operationId: getA
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}, example: a0}
      responses:
        "200":
          description: A.
          links:
            Self:
              operationId: getA
              parameters: {id: $response.body#/id}
            ToB:
              operationId: getB
              parameters: {id: $response.body#/b}
  /b/{id}:
    get:
      operationId: getB
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}, example: b0}
      responses:
        "200":
          description: B.
          links:
            ToA:
              operationId: getA
              parameters: {id: $response.body#/a}
  /c/{id}:
    get:
      operationId: getC
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}, example: c0}
      responses:
        "200":
          description: C.
          links:
            ToB:
              operationId: getB
              parameters: {id: $response.body#/b}
"##;

#[test]
fn a_cycle_of_links_does_not_hang() {
    // Every route answers 200 with ids that lead around the cycle.
    let hits = Arc::new(AtomicUsize::new(0));
    let h2 = Arc::clone(&hits);
    let app =
        Router::new().route(
            "/{kind}/{id}",
            get(move |Path((kind, id)): Path<(String, String)>| {
                h2.fetch_add(1, Ordering::SeqCst);
                async move {
                    axum::Json(json!({"id": id, "kind": kind, "a": "a1", "b": "b1", "c": "c1"}))
                }
            }),
        );
    let url = serve(app);
    let harness = Arc::new(Harness::new(
        Arc::new(api_from(LOOPS)),
        Target::new(url).unwrap(),
    ));
    let results = contractgate::block_on(async {
        tokio::time::timeout(Duration::from_secs(20), async {
            let a = harness.check("getA", Check::NotServerError).await;
            let b = harness.check("getB", Check::NotServerError).await;
            let c = harness.check("getC", Check::NotServerError).await;
            vec![a, b, c]
        })
        .await
        .expect("the checks finish")
    });
    for r in &results {
        assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    }
    // getA's self link is no source, so getA reads from getB; getB's link from getA would close
    // a cycle, so getB reads from getC (which uses its example). Sent: getC and getB once each as
    // sources, then each operation once for its check.
    assert_eq!(hits.load(Ordering::SeqCst), 5);
}

#[test]
fn a_created_resource_that_cannot_be_read_fails_resource_availability() {
    let good = setup(Faults::default(), Settings::default());
    let r = contractgate::block_on(good.harness.check("getThing", Check::ResourceAvailability));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    let lost = setup(
        Faults {
            lose_created: true,
            ..Faults::default()
        },
        Settings::default(),
    );
    let r = contractgate::block_on(lost.harness.check("getThing", Check::ResourceAvailability));
    let text = r.to_string();
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{text}");
    assert!(
        text.starts_with("resource_availability failed: a resource just created cannot be read"),
        "{text}"
    );
    assert!(
        text.contains("with the id POST /things (createThing) answered"),
        "{text}"
    );
    // Without links, the id is the example's: nothing to judge.
    let off = setup(
        Faults::default(),
        Settings {
            links: false,
            ..Settings::default()
        },
    );
    let r = contractgate::block_on(off.harness.check("getThing", Check::ResourceAvailability));
    assert!(matches!(r.outcome, Outcome::NotApplicable { .. }), "{r}");
}

#[test]
fn a_deleted_resource_that_can_still_be_read_fails_use_after_free() {
    let good = setup(Faults::default(), Settings::default());
    let r = contractgate::block_on(good.harness.check("deleteThing", Check::UseAfterFree));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    assert!(
        good.store
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with("GET /things/") && l.ends_with(" 404")),
        "the GET after the DELETE"
    );
    let kept = setup(
        Faults {
            keep_deleted: true,
            ..Faults::default()
        },
        Settings::default(),
    );
    let r = contractgate::block_on(kept.harness.check("deleteThing", Check::UseAfterFree));
    let text = r.to_string();
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{text}");
    assert!(
        text.starts_with("use_after_free failed: a deleted resource can still be read"),
        "{text}"
    );
    assert!(
        text.contains("DELETE /things/{id} answered 204, then GET"),
        "{text}"
    );
    assert!(text.contains("answered 200"), "{text}");
}

#[test]
fn a_created_resource_that_reads_back_other_values_fails_read_after_write() {
    let good = setup(Faults::default(), Settings::default());
    let r = contractgate::block_on(good.harness.check("getThing", Check::ReadAfterWrite));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    let other = setup(
        Faults {
            store_other_name: true,
            ..Faults::default()
        },
        Settings::default(),
    );
    let r = contractgate::block_on(other.harness.check("getThing", Check::ReadAfterWrite));
    let text = r.to_string();
    assert!(matches!(r.outcome, Outcome::Failed(_)), "{text}");
    assert!(
        text.starts_with(
            "read_after_write failed: a resource just created reads back other values"
        ),
        "{text}"
    );
    assert!(text.contains("- `name`: sent \""), "{text}");
    assert!(text.contains("-x\""), "{text}");
}

/// [`SPEC`] without the links of `POST /things`: the spec of most real APIs.
fn unlinked() -> Api {
    let start = SPEC
        .find("          links:\n            GetThing:")
        .unwrap();
    let end = SPEC[start..].find("        \"400\":").unwrap() + start;
    let api = api_from(&format!("{}{}", &SPEC[..start], &SPEC[end..]));
    let inferred = contractgate_spec::infer::inferred(&api);
    let said: Vec<&str> = inferred.iter().map(|l| l.description.as_str()).collect();
    assert_eq!(
        said,
        [
            "POST /things (createThing) → GET /things/{id} (getThing): {id} from the answer's `id`",
            "POST /things (createThing) → PUT /things/{id} (updateThing): {id} from the answer's `id`",
            "POST /things (createThing) → DELETE /things/{id} (deleteThing): {id} from the answer's `id`",
        ]
    );
    api
}

#[test]
fn without_links_in_the_spec_the_inferred_ones_give_the_created_id() {
    let s = setup_with(unlinked(), Faults::default(), Settings::default());
    for op in ["getThing", "updateThing", "deleteThing"] {
        assert_all(&run(&s, op), true);
    }
    let log = s.store.log.lock().unwrap().clone();
    assert!(log.contains(&"GET /things/1001 200".to_owned()), "{log:#?}");
    assert!(!log.iter().any(|l| l.contains("999")), "{log:#?}");
    let get = contractgate::block_on(s.harness.check("getThing", Check::NotServerError));
    assert!(matches!(get.outcome, Outcome::Passed { .. }), "{get}");

    // The state checks apply through the inferred link: a DELETE that keeps the thing fails.
    let kept = setup_with(
        unlinked(),
        Faults {
            keep_deleted: true,
            ..Faults::default()
        },
        Settings::default(),
    );
    let r = contractgate::block_on(kept.harness.check("deleteThing", Check::UseAfterFree));
    let text = r.to_string();
    assert!(
        text.starts_with("use_after_free failed: a deleted resource can still be read"),
        "{text}"
    );
    assert!(!text.contains("Flaky"), "{text}");

    // `infer_links = false`: back to the spec's example id, which the server does not have.
    let off = setup_with(
        unlinked(),
        Faults::default(),
        Settings {
            infer_links: false,
            ..Settings::default()
        },
    );
    assert_all(&run(&off, "getThing"), false);
    assert_eq!(off.store.count("POST "), 0);
}

#[test]
fn clean_up_deletes_what_the_run_created_through_the_linked_delete() {
    for api in [api(), unlinked()] {
        let s = setup_with(api, Faults::default(), Settings::default());
        for op in ["createThing", "getThing", "updateThing", "deleteThing"] {
            run(&s, op);
        }
        let created = s.store.count("POST /things 201");
        assert!(created >= 2, "{:#?}", s.store.log.lock().unwrap());
        assert!(!s.store.things.lock().unwrap().is_empty());
        let cleaned = contractgate::block_on(s.harness.clean_up());
        // Every thing the run created is gone; the one deleteThing removed was already gone.
        assert!(s.store.things.lock().unwrap().is_empty(), "{cleaned:?}");
        assert_eq!(cleaned.deleted + cleaned.gone, created, "{cleaned:?}");
        assert!(cleaned.gone >= 1, "{cleaned:?}");
        assert!(cleaned.failed.is_empty(), "{cleaned:?}");
        assert_eq!(cleaned.operations, ["DELETE /things/{id} (deleteThing)"]);
        // Once: a second call finds nothing new.
        assert!(contractgate::block_on(s.harness.clean_up()).is_empty());
    }
}

/// [`unlinked`] with a list operation, `GET /things`.
fn listed() -> Api {
    let start = SPEC
        .find("          links:\n            GetThing:")
        .unwrap();
    let end = SPEC[start..].find("        \"400\":").unwrap() + start;
    let text = format!("{}{}", &SPEC[..start], &SPEC[end..]).replace(
        "  /things:\n    post:",
        "  /things:\n    get:\n      operationId: listThings\n      responses:\n        \"200\":\n          description: The things.\n          content:\n            application/json:\n              schema:\n                type: array\n                items: {$ref: \"#/components/schemas/Thing\"}\n    post:",
    );
    api_from(&text)
}

#[test]
fn a_list_gives_a_read_a_real_id_where_no_create_may_be_sent() {
    let api = listed();
    let said: Vec<String> = contractgate_spec::infer::inferred(&api)
        .into_iter()
        .map(|l| l.description)
        .collect();
    assert!(
        said.contains(
            &"GET /things (listThings) → GET /things/{id} (getThing): {id} from the first item's `id`"
                .to_owned()
        ),
        "{said:#?}"
    );
    // A list never feeds an update or a delete (that would change data the run did not make).
    assert!(
        !said
            .iter()
            .any(|d| d.starts_with("GET /things (listThings) → PUT")
                || d.starts_with("GET /things (listThings) → DELETE")),
        "{said:#?}"
    );
    // Where creates are sent, the create still gives the read its id (the state checks need it).
    let s = setup_with(listed(), Faults::default(), Settings::default());
    let r = contractgate::block_on(s.harness.check("getThing", Check::ResourceAvailability));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    // Read-only (production): no create is sent; the list gives an id that exists.
    let mut target = contractgate::Target::new(s.harness.target().base_url.clone()).unwrap();
    target.settings = Settings {
        read_only: true,
        alternatives: 0,
        ..Settings::default()
    };
    target.credentials = s.harness.target().credentials.clone();
    let posts = s.store.count("POST ");
    let reads = s.store.count("GET /things/1001 200");
    let smoke = Harness::new(std::sync::Arc::new(listed()), target);
    let results = contractgate::block_on(smoke.check_operation("getThing", &POSITIVE));
    assert_all(&results, true);
    let log = s.store.log.lock().unwrap().clone();
    assert_eq!(s.store.count("POST "), posts, "{log:#?}");
    assert_eq!(s.store.count("GET /things 200"), 1, "{log:#?}");
    assert_eq!(s.store.count("GET /things/1001 200"), reads + 1, "{log:#?}");
}

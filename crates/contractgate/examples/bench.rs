//! Harness overhead: checked requests per second against a local axum server, versus a bare
//! reqwest loop sending the same requests without checks, at concurrency 1 and 64.
//!
//! ```text
//! cargo run --release -p contractgate --example bench [-- REQUESTS]
//! ```
//!
//! The request mix alternates `GET /items/7` and `POST /items` (JSON body). Each checked request
//! runs every response check (`not_server_error`, `status_code_conformance`,
//! `content_type_conformance`, `response_schema_conformance`, `response_headers_conformance`) on
//! one exchange. Two servers: one that answers at once, one whose handler takes 1 ms (closer to a
//! server that does real work). Only 127.0.0.1 is used; every loop is bounded by a request count.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::{get, post};
use contractgate::{Api, Check, Harness, Target};
use serde_json::{Value, json};

fn api() -> Api {
    let loc = json!({"file": "bench.yaml", "line": 1, "column": 1, "pointer": ""});
    let item = json!({"type": "object", "required": ["id", "name", "qty", "tags"], "properties": {
        "id": {"type": "integer"}, "name": {"type": "string", "minLength": 1},
        "qty": {"type": "integer", "minimum": 1, "maximum": 100},
        "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}},
        "created": {"type": "string", "format": "date-time"}
    }});
    serde_json::from_value(json!({
        "source": "bench.yaml", "openapi_version": "3.1.0", "info": {"title": "bench", "version": "1"},
        "operations": [
            {"id": "getItem", "method": "get", "path": "/items/{id}",
             "parameters": [{"name": "id", "in": "path", "required": true, "style": "simple", "explode": false,
                             "schema": {"type": "integer"}, "example": 7, "defined_at": loc}],
             "responses": [{"status": {"exact": 200}, "description": "ok",
                            "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": item}}, "location": loc}],
             "location": loc},
            {"id": "createItem", "method": "post", "path": "/items",
             "request_body": {"required": true, "content": {"application/json": {"schema": item, "example":
                 {"id": 1, "name": "widget", "qty": 5, "tags": ["a", "b"], "created": "2024-01-02T03:04:05Z"}}}},
             "responses": [{"status": {"exact": 201}, "description": "created",
                            "headers": {"X-Request-Id": {"required": true, "schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": item}}, "location": loc}],
             "location": loc}
        ]
    }))
    .unwrap()
}

fn body() -> Value {
    json!({"id": 7, "name": "widget", "qty": 5, "tags": ["red", "green", "blue"], "created": "2024-01-02T03:04:05Z"})
}

fn server(work: Duration) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = Router::new()
        .route(
            "/items/{id}",
            get(move || async move {
                if !work.is_zero() {
                    tokio::time::sleep(work).await;
                }
                ([("x-request-id", "r-1")], axum::Json(body()))
            }),
        )
        .route(
            "/items",
            post(move |b: axum::Json<Value>| async move {
                if !work.is_zero() {
                    tokio::time::sleep(work).await;
                }
                (
                    axum::http::StatusCode::CREATED,
                    [("x-request-id", "r-2")],
                    axum::Json(b.0),
                )
            }),
        );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(async move { axum::serve(listener, app).await.unwrap() });
    (rt, url)
}

/// The checks judged per request: every check of the catalogue that judges the positive
/// exchange, but `latency_budget` (no budget here); without `route_identity` when
/// `BENCH_WITHOUT_ROUTE_IDENTITY` is set (to measure what that check costs, in one run).
fn checks() -> &'static [Check] {
    static CHECKS: std::sync::OnceLock<Vec<Check>> = std::sync::OnceLock::new();
    CHECKS.get_or_init(|| {
        let without_identity = std::env::var_os("BENCH_WITHOUT_ROUTE_IDENTITY").is_some();
        Check::ALL
            .into_iter()
            .filter(|c| c.uses_positive_exchange() && *c != Check::LatencyBudget)
            .filter(|c| !(without_identity && *c == Check::RouteIdentity))
            .collect()
    })
}

async fn checked(h: Arc<Harness>, concurrency: usize, total: usize) -> f64 {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let h = Arc::clone(&h);
        tasks.push(tokio::spawn(async move {
            for i in 0..total / concurrency {
                let op = if (t + i) % 2 == 0 {
                    "getItem"
                } else {
                    "createItem"
                };
                for r in h.check_operation(op, checks()).await {
                    assert!(!r.is_failure(), "{r}");
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (total / concurrency * concurrency) as f64 / started.elapsed().as_secs_f64()
}

async fn bare(client: reqwest::Client, url: String, concurrency: usize, total: usize) -> f64 {
    let started = Instant::now();
    let body = serde_json::to_vec(&json!({"id": 1, "name": "widget", "qty": 5, "tags": ["a", "b"], "created": "2024-01-02T03:04:05Z"})).unwrap();
    let mut tasks = Vec::new();
    for t in 0..concurrency {
        let (client, url, body) = (client.clone(), url.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..total / concurrency {
                let req = if (t + i) % 2 == 0 {
                    client.get(format!("{url}/items/7"))
                } else {
                    client
                        .post(format!("{url}/items"))
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                };
                let resp = req
                    .timeout(Duration::from_secs(30))
                    .header("Accept", "application/json, */*;q=0.1")
                    .send()
                    .await
                    .unwrap();
                assert!(resp.status().is_success());
                let _ = resp.bytes().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (total / concurrency * concurrency) as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let total: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(6400);
    // For profiling one side: `bench N bare` or `bench N checked` runs only that loop, against
    // the server that answers at once, at concurrency 64.
    let only = std::env::args().nth(2);
    // The harness's provider (see `install_crypto_provider` in src/client.rs).
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .pool_max_idle_per_host(128)
        .build()
        .unwrap();
    if let Some(only) = only {
        let (_server_rt, url) = server(Duration::ZERO);
        let h = Arc::new(Harness::new(
            Arc::new(api()),
            Target::new(url.clone()).unwrap(),
        ));
        let rt = contractgate::runtime();
        let rate = match only.as_str() {
            "bare" => rt.block_on(bare(client, url, 64, total)),
            "checked" => rt.block_on(checked(h, 64, total)),
            other => panic!("unknown loop `{other}` (bare or checked)"),
        };
        println!("{only}: {rate:.0} req/s");
        return;
    }
    println!("| server | concurrency | bare reqwest (req/s) | checked (req/s) | checked / bare |");
    println!("| --- | --- | --- | --- | --- |");
    for (label, work) in [
        ("answers at once", Duration::ZERO),
        ("1 ms handler", Duration::from_millis(1)),
    ] {
        let (_server_rt, url) = server(work);
        let h = Arc::new(Harness::new(
            Arc::new(api()),
            Target::new(url.clone()).unwrap(),
        ));
        for concurrency in [1, 64] {
            let n = if concurrency == 1 { total / 4 } else { total };
            let rt = contractgate::runtime();
            // Warm up connections and validators.
            rt.block_on(bare(
                client.clone(),
                url.clone(),
                concurrency,
                concurrency * 4,
            ));
            rt.block_on(checked(Arc::clone(&h), concurrency, concurrency * 4));
            let b = rt.block_on(bare(client.clone(), url.clone(), concurrency, n));
            let c = rt.block_on(checked(Arc::clone(&h), concurrency, n));
            println!(
                "| {label} | {concurrency} | {b:.0} | {c:.0} | {:.0} % |",
                c / b * 100.0
            );
        }
    }
}

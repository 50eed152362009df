//! Cookie and header parameter values that are not plain ASCII words reach a real server intact:
//! cookie values percent-encoded as the form style encodes query values, header values valid
//! (only control and non-ASCII characters, and then `%`, encoded).

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use contractgate::{Check, Harness, Outcome, Target};
use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::support::serve;

const SESSION: &str = "a b;c,d=\"é\"\\";
const NOTE: &str = "café\u{1}100%";

fn api() -> contractgate::Api {
    let loc = json!({"file": "enc.yaml", "line": 1, "column": 1, "pointer": ""});
    serde_json::from_value(json!({
        "source": "enc.yaml", "openapi_version": "3.1.0", "info": {"title": "e", "version": "1"},
        "operations": [{
            "id": "echo", "method": "get", "path": "/echo",
            "parameters": [
                {"name": "session", "in": "cookie", "required": true, "style": "form", "explode": true,
                 "schema": {"type": "string"}, "example": SESSION, "defined_at": loc},
                {"name": "prefs", "in": "cookie", "required": true, "style": "form", "explode": true,
                 "schema": {"type": "object"}, "example": {"the theme": "dark; x", "lang": "français"}, "defined_at": loc},
                {"name": "X-Note", "in": "header", "required": true, "style": "simple", "explode": false,
                 "schema": {"type": "string"}, "example": NOTE, "defined_at": loc},
                {"name": "X-Plain", "in": "header", "required": true, "style": "simple", "explode": false,
                 "schema": {"type": "string"}, "example": "100% \"ok\"; q=1", "defined_at": loc}
            ],
            "responses": [{"status": {"exact": 200}, "description": "ok",
                           "content": {"application/json": {"schema": {"type": "object"}}},
                           "location": loc}],
            "location": loc
        }]
    }))
    .unwrap()
}

#[test]
fn cookie_and_header_values_arrive_encoded_and_decode_to_the_originals() {
    let seen: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
    let s = Arc::clone(&seen);
    let app = Router::new().route(
        "/echo",
        get(move |h: HeaderMap| async move {
            let raw = |n: &str| {
                h.get_all(n)
                    .iter()
                    .map(|v| v.as_bytes().to_vec())
                    .collect::<Vec<_>>()
                    .join(&b"; "[..])
            };
            s.lock()
                .unwrap()
                .extend([raw("cookie"), raw("x-note"), raw("x-plain")]);
            axum::Json(json!({}))
        }),
    );
    let h = Harness::new(Arc::new(api()), Target::new(serve(app)).unwrap());
    let r = contractgate::block_on(h.check("echo", Check::ResponseSchemaConformance));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");

    let seen = seen.lock().unwrap();
    let text: Vec<&str> = seen
        .iter()
        .map(|b| std::str::from_utf8(b).unwrap())
        .collect();
    assert_eq!(
        text,
        [
            "session=a%20b%3Bc%2Cd%3D%22%C3%A9%22%5C; the%20theme=dark%3B%20x; lang=fran%C3%A7ais",
            "caf%C3%A9%01100%25",
            "100% \"ok\"; q=1",
        ]
    );

    // The server decodes every cookie back to what the spec's example says.
    let cookies: Vec<(String, String)> = text[0]
        .split("; ")
        .map(|pair| {
            let (n, v) = pair.split_once('=').unwrap();
            let decode = |s: &str| percent_decode_str(s).decode_utf8().unwrap().into_owned();
            (decode(n), decode(v))
        })
        .collect();
    assert_eq!(
        cookies,
        [
            ("session".to_owned(), SESSION.to_owned()),
            ("the theme".to_owned(), "dark; x".to_owned()),
            ("lang".to_owned(), "français".to_owned()),
        ]
    );
    assert_eq!(percent_decode_str(text[1]).decode_utf8().unwrap(), NOTE);
}

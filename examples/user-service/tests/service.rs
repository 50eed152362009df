//! The service itself, over real HTTP: each test starts its own instance on 127.0.0.1:0 and talks
//! to it with a minimal HTTP/1.1 client. These tests check the service, not contractgate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use user_service::{AppState, Config, DEMO_TOKEN, DEMO_USER_ID, Fault, LoggedRequest};

// ---------------------------------------------------------------------------------------------
// A server per test and a tiny HTTP client.

struct Server {
    addr: SocketAddr,
    state: AppState,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    fn start(state: AppState) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(user_service::serve(listener, state.clone()));
        Server {
            addr,
            state,
            _runtime: runtime,
        }
    }

    fn healthy() -> Server {
        Server::start(AppState::default())
    }

    fn with_fault(fault: Fault) -> Server {
        Server::start(AppState::with_fault(fault))
    }

    fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> Resp {
        send(self.addr, method, path, headers, body)
    }

    /// With the demo token.
    fn call(&self, method: &str, path: &str) -> Resp {
        self.send(method, path, &[AUTH], None)
    }

    /// With the demo token and a JSON body.
    fn call_json(&self, method: &str, path: &str, body: &Value) -> Resp {
        let body = body.to_string();
        self.send(method, path, &[AUTH, JSON], Some(&body))
    }

    /// Without any credentials.
    fn anon(&self, method: &str, path: &str) -> Resp {
        self.send(method, path, &[], None)
    }

    /// Creates a user and returns its path (`/users/{id}`), as the contract tests do through the
    /// links of `POST /users`.
    fn create_user(&self) -> String {
        let body = json!({"email": "charles@example.com", "display_name": "Charles Babbage"});
        let v = assert_json(&self.call_json("POST", "/users", &body), 201);
        format!("/users/{}", v["id"].as_str().unwrap())
    }
}

const AUTH: (&str, &str) = ("Authorization", "Bearer cg_demo_7f3a9c2e5b1d4e8f");
const JSON: (&str, &str) = ("Content-Type", "application/json");

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// Asserts a problem document with this status and returns it.
    fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.content_type(), "application/problem+json");
        let p = self.json();
        assert_eq!(p["status"], status);
        assert_eq!(p["type"], "about:blank");
        assert!(p["title"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        assert!(p["detail"].as_str().is_some_and(|t| !t.is_empty()), "{p}");
        p
    }
}

fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or(""));
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&raw, method == "HEAD")
}

fn parse_response(raw: &[u8], head: bool) -> Resp {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head_text = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head_text.split("\r\n");
    let status_line = lines.next().unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = &raw[split + 4..];
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let body = if head {
        Vec::new()
    } else if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let size_text = String::from_utf8_lossy(&rest[..line_end]).into_owned();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        rest = &rest[line_end + 2..];
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

// ---------------------------------------------------------------------------------------------
// What every route answers when it works: used by the happy-path tests and, with the faulty route
// left out, by every fault test to show that nothing else changed.

const ROUTES: [&str; 8] = [
    "GET /health",
    "GET /user/profile",
    "PUT /user/profile",
    "GET /user/settings",
    "PUT /user/settings",
    "POST /users",
    "GET /users/{id}",
    "DELETE /users/{id}",
];

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn assert_profile(v: &Value) {
    assert_eq!(
        keys(v),
        [
            "avatar_url",
            "bio",
            "display_name",
            "email",
            "id",
            "updated_at"
        ],
        "{v}"
    );
    assert_eq!(v["id"], DEMO_USER_ID);
    assert!(v["email"].as_str().unwrap().contains('@'));
}

fn assert_settings(v: &Value) {
    assert_eq!(
        keys(v),
        [
            "email_notifications",
            "id",
            "locale",
            "theme",
            "timezone",
            "updated_at"
        ],
        "{v}"
    );
    assert_eq!(v["id"], DEMO_USER_ID);
}

fn assert_user(v: &Value) {
    assert_eq!(
        keys(v),
        ["created_at", "display_name", "email", "id"],
        "{v}"
    );
}

fn assert_json(r: &Resp, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.content_type(), "application/json");
    r.json()
}

fn assert_unauthorized(r: &Resp) {
    let p = r.problem(401);
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer realm=\"user-service\"")),
        "{:?}",
        r.headers
    );
    assert!(p["detail"].as_str().unwrap().contains("token"), "{p}");
}

fn profile_body() -> Value {
    json!({"display_name": "Ada King", "email": "ada.king@example.com",
           "bio": "Countess of Lovelace.", "avatar_url": "https://cdn.example.com/a.png"})
}

fn settings_body() -> Value {
    json!({"theme": "dark", "locale": "en-US", "timezone": "America/New_York",
           "email_notifications": false})
}

/// The documented behaviour of one route: its happy path and, when secured, 401 without a token.
fn check_route(s: &Server, route: &str) {
    match route {
        "GET /health" => {
            let v = assert_json(&s.anon("GET", "/health"), 200);
            assert_eq!(
                v,
                json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
            );
        }
        "GET /user/profile" => {
            assert_profile(&assert_json(&s.call("GET", "/user/profile"), 200));
            assert_unauthorized(&s.anon("GET", "/user/profile"));
        }
        "PUT /user/profile" => {
            let v = assert_json(&s.call_json("PUT", "/user/profile", &profile_body()), 200);
            assert_profile(&v);
            assert_eq!(v["display_name"], "Ada King");
            assert_unauthorized(&s.anon("PUT", "/user/profile"));
        }
        "GET /user/settings" => {
            assert_settings(&assert_json(&s.call("GET", "/user/settings"), 200));
            assert_unauthorized(&s.anon("GET", "/user/settings"));
        }
        "PUT /user/settings" => {
            let v = assert_json(&s.call_json("PUT", "/user/settings", &settings_body()), 200);
            assert_settings(&v);
            assert_eq!(v["theme"], "dark");
            assert_unauthorized(&s.anon("PUT", "/user/settings"));
        }
        "POST /users" => {
            let body = json!({"email": "grace@example.com", "display_name": "Grace Hopper"});
            let r = s.call_json("POST", "/users", &body);
            let v = assert_json(&r, 201);
            assert_user(&v);
            let id = v["id"].as_str().unwrap();
            assert_eq!(r.header("location"), Some(format!("/users/{id}").as_str()));
            assert_unauthorized(&s.anon("POST", "/users"));
        }
        "GET /users/{id}" => {
            let v = assert_json(&s.call("GET", &format!("/users/{DEMO_USER_ID}")), 200);
            assert_user(&v);
            assert_eq!(v["id"], DEMO_USER_ID);
            assert_unauthorized(&s.anon("GET", &format!("/users/{DEMO_USER_ID}")));
        }
        "DELETE /users/{id}" => {
            let path = s.create_user();
            assert_unauthorized(&s.anon("DELETE", &path));
            let r = s.call("DELETE", &path);
            assert_eq!(r.status, 204, "{}", r.text());
            assert!(r.body.is_empty());
        }
        other => panic!("unknown route {other}"),
    }
}

/// Every undocumented method on every documented path answers 405 with an `Allow` header, except
/// on `skip_path`.
fn check_method_not_allowed(s: &Server, skip_path: Option<&str>) {
    let cases = [
        ("POST", "/health", "GET,HEAD"),
        ("DELETE", "/health", "GET,HEAD"),
        ("PATCH", "/user/profile", "GET,HEAD,PUT"),
        ("POST", "/user/profile", "GET,HEAD,PUT"),
        ("DELETE", "/user/profile", "GET,HEAD,PUT"),
        ("POST", "/user/settings", "GET,HEAD,PUT"),
        ("PATCH", "/user/settings", "GET,HEAD,PUT"),
        ("GET", "/users", "POST"),
        ("PUT", "/users", "POST"),
        ("PUT", "/users/{id}", "GET,HEAD,DELETE"),
        ("POST", "/users/{id}", "GET,HEAD,DELETE"),
    ];
    for (method, path, allow) in cases {
        if Some(path) == skip_path {
            continue;
        }
        let url = path.replace("{id}", DEMO_USER_ID);
        let r = s.call(method, &url);
        let p = r.problem(405);
        assert_eq!(
            p["detail"],
            format!("{method} is not allowed on {url}"),
            "{method} {url}"
        );
        assert_eq!(r.header("allow"), Some(allow), "{method} {url}");
    }
}

fn check_all_routes_except(s: &Server, faulty: &[&str]) {
    for route in ROUTES {
        if !faulty.contains(&route) {
            check_route(s, route);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Without a fault.

#[test]
fn every_route_works_without_a_fault() {
    let s = Server::healthy();
    check_all_routes_except(&s, &[]);
    check_method_not_allowed(&s, None);
}

#[test]
fn health_needs_no_token_and_answers_head() {
    let s = Server::healthy();
    assert_json(&s.anon("GET", "/health"), 200);
    assert_json(
        &s.send("GET", "/health", &[("Authorization", "Bearer wrong")], None),
        200,
    );
    let r = s.anon("HEAD", "/health");
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), "application/json");
}

#[test]
fn a_wrong_or_malformed_token_is_401() {
    let s = Server::healthy();
    let user = s.create_user();
    for auth in [
        "Bearer wrong-token",
        "Bearer ",
        &format!("Basic {DEMO_TOKEN}"),
        DEMO_TOKEN,
    ] {
        for (method, path) in [
            ("GET", "/user/profile"),
            ("GET", "/user/settings"),
            ("GET", &format!("/users/{DEMO_USER_ID}")),
            ("DELETE", &user),
        ] {
            let r = s.send(method, path, &[("Authorization", auth)], None);
            assert_unauthorized(&r);
            assert!(
                r.header("www-authenticate")
                    .unwrap()
                    .contains("error=\"invalid_token\""),
                "{auth}: {:?}",
                r.headers
            );
        }
    }
    // The scheme is case-insensitive.
    let r = s.send(
        "GET",
        "/user/profile",
        &[("Authorization", &format!("bearer {DEMO_TOKEN}"))],
        None,
    );
    assert_json(&r, 200);
    // Nothing was deleted by the unauthenticated attempts.
    assert_json(&s.call("GET", &user), 200);
}

#[test]
fn auth_is_checked_before_the_body() {
    let s = Server::healthy();
    let r = s.send("PUT", "/user/profile", &[JSON], Some("{not json"));
    assert_unauthorized(&r);
    let r = s.send("POST", "/users", &[], Some("x"));
    assert_unauthorized(&r);
}

#[test]
fn profile_reads_and_updates() {
    let s = Server::healthy();
    let before = assert_json(&s.call("GET", "/user/profile"), 200);
    assert_eq!(
        before,
        json!({
            "id": DEMO_USER_ID,
            "display_name": "Ada Lovelace",
            "email": "ada@example.com",
            "bio": "Analyst of engines.",
            "avatar_url": "https://cdn.example.com/avatars/ada.png",
            "updated_at": "2024-03-18T09:24:11Z"
        })
    );
    // A full replacement: optional fields left out become null.
    let body = json!({"display_name": "Ada", "email": "ada@example.org"});
    let after = assert_json(&s.call_json("PUT", "/user/profile", &body), 200);
    assert_eq!(after["display_name"], "Ada");
    assert_eq!(after["bio"], Value::Null);
    assert_eq!(after["avatar_url"], Value::Null);
    assert_ne!(after["updated_at"], before["updated_at"]);
    let ts = after["updated_at"].as_str().unwrap();
    assert!(
        ts.len() == 20 && ts.ends_with('Z') && ts.as_bytes()[10] == b'T',
        "{ts}"
    );
    assert_eq!(assert_json(&s.call("GET", "/user/profile"), 200), after);
    // The account shows the new name and email; the settings did not change.
    let user = assert_json(&s.call("GET", &format!("/users/{DEMO_USER_ID}")), 200);
    assert_eq!(user["display_name"], "Ada");
    assert_eq!(user["email"], "ada@example.org");
    let settings = assert_json(&s.call("GET", "/user/settings"), 200);
    assert_eq!(settings["updated_at"], "2024-03-18T09:24:11Z");
}

#[test]
fn profile_update_rejects_invalid_bodies() {
    let s = Server::healthy();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"email": "ada@example.com"}), vec!["/display_name"]),
        (json!({}), vec!["/display_name", "/email"]),
        (
            json!({"display_name": "Ada", "email": "ada@example.com", "id": DEMO_USER_ID}),
            vec!["/id"],
        ),
        (
            json!({"display_name": "", "email": "ada@example.com"}),
            vec!["/display_name"],
        ),
        (
            json!({"display_name": "   ", "email": "ada@example.com"}),
            vec!["/display_name"],
        ),
        (
            json!({"display_name": "x".repeat(65), "email": "ada@example.com"}),
            vec!["/display_name"],
        ),
        (
            json!({"display_name": "Ada", "email": "not-an-email"}),
            vec!["/email"],
        ),
        (
            json!({"display_name": 7, "email": "ada@example.com"}),
            vec!["/display_name"],
        ),
        (
            json!({"display_name": "Ada", "email": "ada@example.com", "bio": "b".repeat(281)}),
            vec!["/bio"],
        ),
        (
            json!({"display_name": "Ada", "email": "ada@example.com", "avatar_url": "ftp://x"}),
            vec!["/avatar_url"],
        ),
        (json!([1, 2]), vec![""]),
        (json!("Ada"), vec![""]),
    ];
    for (body, pointers) in cases {
        let r = s.call_json("PUT", "/user/profile", &body);
        let p = r.problem(422);
        let got: Vec<&str> = p["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{p}"))
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(got, pointers, "{body} → {p}");
        assert_eq!(p["title"], "Unprocessable Content");
    }
    // Nothing changed.
    let v = assert_json(&s.call("GET", "/user/profile"), 200);
    assert_eq!(v["display_name"], "Ada Lovelace");
}

#[test]
fn malformed_json_is_400_and_a_missing_content_type_is_415() {
    let s = Server::healthy();
    for (method, path) in [
        ("PUT", "/user/profile"),
        ("PUT", "/user/settings"),
        ("POST", "/users"),
    ] {
        let r = s.send(method, path, &[AUTH, JSON], Some("{\"display_name\": "));
        let p = r.problem(400);
        assert!(
            p["detail"].as_str().unwrap().contains("not valid JSON"),
            "{p}"
        );
        let r = s.send(method, path, &[AUTH, JSON], None);
        r.problem(400);
        let r = s.send(
            method,
            path,
            &[AUTH, ("Content-Type", "text/plain")],
            Some("{}"),
        );
        r.problem(415);
        let r = s.send(method, path, &[AUTH], Some("{}"));
        let p = r.problem(415);
        assert!(p["detail"].as_str().unwrap().contains("application/json"));
    }
}

#[test]
fn settings_read_and_update() {
    let s = Server::healthy();
    let before = assert_json(&s.call("GET", "/user/settings"), 200);
    assert_eq!(
        before,
        json!({
            "id": DEMO_USER_ID,
            "theme": "system",
            "locale": "en-GB",
            "timezone": "Europe/London",
            "email_notifications": true,
            "updated_at": "2024-03-18T09:24:11Z"
        })
    );
    let after = assert_json(&s.call_json("PUT", "/user/settings", &settings_body()), 200);
    assert_eq!(after["theme"], "dark");
    assert_eq!(after["locale"], "en-US");
    assert_eq!(after["timezone"], "America/New_York");
    assert_eq!(after["email_notifications"], false);
    assert_ne!(after["updated_at"], before["updated_at"]);
    assert_eq!(assert_json(&s.call("GET", "/user/settings"), 200), after);
    let profile = assert_json(&s.call("GET", "/user/profile"), 200);
    assert_eq!(profile["updated_at"], "2024-03-18T09:24:11Z");
}

#[test]
fn settings_update_rejects_invalid_bodies() {
    let s = Server::healthy();
    let good = settings_body();
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases = [
        (with("theme", json!("blue")), "/theme"),
        (with("locale", json!("english")), "/locale"),
        (with("locale", json!("en-gb")), "/locale"),
        (with("timezone", json!("Mars/Olympus Mons")), "/timezone"),
        (
            with("email_notifications", json!("yes")),
            "/email_notifications",
        ),
        (with("extra", json!(1)), "/extra"),
        (without("theme"), "/theme"),
        (without("email_notifications"), "/email_notifications"),
    ];
    for (body, pointer) in cases {
        let p = s.call_json("PUT", "/user/settings", &body).problem(422);
        assert_eq!(p["errors"][0]["pointer"], pointer, "{body} → {p}");
        assert_eq!(p["errors"].as_array().unwrap().len(), 1, "{p}");
    }
    assert_eq!(
        assert_json(&s.call("GET", "/user/settings"), 200)["theme"],
        "system"
    );
}

#[test]
fn users_are_created_read_and_deleted() {
    let s = Server::healthy();
    let body = json!({"email": "grace@example.com", "display_name": "Grace Hopper"});
    let r = s.call_json("POST", "/users", &body);
    let created = assert_json(&r, 201);
    assert_user(&created);
    assert_eq!(created["email"], "grace@example.com");
    assert_eq!(created["display_name"], "Grace Hopper");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36);
    let location = r.header("location").unwrap().to_owned();
    assert_eq!(location, format!("/users/{id}"));
    assert_eq!(assert_json(&s.call("GET", &location), 200), created);
    // Emails are not unique: the same body creates another user.
    let again = assert_json(&s.call_json("POST", "/users", &body), 201);
    assert_ne!(again["id"], created["id"]);
    // Delete, then it is gone; deleting again is still 204 (idempotent).
    let r = s.call("DELETE", &location);
    assert_eq!(r.status, 204);
    assert!(r.body.is_empty());
    let p = s.call("GET", &location).problem(404);
    assert_eq!(p["detail"], format!("no user with id {id}"));
    assert_eq!(s.call("DELETE", &location).status, 204);
}

#[test]
fn create_user_rejects_invalid_bodies() {
    let s = Server::healthy();
    for (body, pointers) in [
        (json!({"email": "grace@example.com"}), vec!["/display_name"]),
        (json!({"display_name": "Grace"}), vec!["/email"]),
        (
            json!({"email": "grace", "display_name": "Grace", "admin": true}),
            vec!["/admin", "/email"],
        ),
        (json!(null), vec![""]),
    ] {
        let p = s.call_json("POST", "/users", &body).problem(422);
        let got: Vec<&str> = p["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap())
            .collect();
        assert_eq!(got, pointers, "{body} → {p}");
    }
}

#[test]
fn unknown_users_are_404() {
    let s = Server::healthy();
    for id in [
        "00000000-0000-4000-8000-000000000000",
        "not-a-uuid",
        "%FF%FE",
    ] {
        s.call("GET", &format!("/users/{id}")).problem(404);
        s.call("DELETE", &format!("/users/{id}")).problem(404);
    }
}

#[test]
fn a_created_user_can_be_deleted_repeatedly() {
    let s = Server::healthy();
    let path = s.create_user();
    let v = assert_json(&s.call("GET", &path), 200);
    assert_eq!(v["display_name"], "Charles Babbage");
    for _ in 0..3 {
        assert_eq!(s.call("DELETE", &path).status, 204);
    }
    s.call("GET", &path).problem(404);
}

#[test]
fn a_fresh_service_knows_only_the_seeded_user() {
    let s = Server::healthy();
    assert_json(&s.call("GET", &format!("/users/{DEMO_USER_ID}")), 200);
    // The second seeded user of earlier versions (the spec's old example for DELETE): contract
    // tests now delete a user they created, through the links of POST /users.
    let gone = "/users/8b0e5d21-6f4a-4e93-b7c2-1a9d3e5f7c48";
    s.call("GET", gone).problem(404);
    s.call("DELETE", gone).problem(404);
}

#[test]
fn the_authenticated_user_cannot_delete_itself() {
    let s = Server::healthy();
    let p = s
        .call("DELETE", &format!("/users/{DEMO_USER_ID}"))
        .problem(409);
    assert!(p["detail"].as_str().unwrap().contains("itself"));
    assert_json(&s.call("GET", "/user/profile"), 200);
}

#[test]
fn unknown_paths_are_404_problems() {
    let s = Server::healthy();
    for path in ["/", "/user", "/user/profile/", "/users/a/b", "/admin"] {
        let p = s.call("GET", path).problem(404);
        assert_eq!(p["detail"], format!("no route for GET {path}"));
    }
}

#[test]
fn the_request_log_records_method_path_and_status() {
    let s = Server::healthy();
    s.anon("GET", "/health");
    s.anon("GET", "/user/profile");
    s.call_json("PUT", "/user/settings", &settings_body());
    s.call("GET", "/users/x?y=1");
    let log = s.state.request_log();
    let entry = |method: &str, path: &str, status| LoggedRequest {
        method: method.into(),
        path: path.into(),
        status,
    };
    assert_eq!(
        log,
        [
            entry("GET", "/health", 200),
            entry("GET", "/user/profile", 401),
            entry("PUT", "/user/settings", 200),
            entry("GET", "/users/x", 404),
        ]
    );
    assert_eq!(log[1].to_string(), "GET /user/profile 401");
    s.state.clear_request_log();
    assert!(s.state.request_log().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Faults: each changes exactly its route.

#[test]
fn route_mixup_serves_settings_on_the_profile_route() {
    let s = Server::with_fault(Fault::RouteMixup);
    let r = s.call("GET", "/user/profile");
    let v = assert_json(&r, 200);
    assert_settings(&v);
    assert_eq!(v, assert_json(&s.call("GET", "/user/settings"), 200));
    assert_unauthorized(&s.anon("GET", "/user/profile"));
    check_all_routes_except(&s, &["GET /user/profile"]);
    check_method_not_allowed(&s, None);
}

#[test]
fn profile_500_answers_an_html_error_page() {
    let s = Server::with_fault(Fault::Profile500);
    let r = s.call("GET", "/user/profile");
    assert_eq!(r.status, 500);
    assert_eq!(r.content_type(), "text/html; charset=utf-8");
    assert!(r.text().contains("Internal Server Error"), "{}", r.text());
    assert_unauthorized(&s.anon("GET", "/user/profile"));
    check_all_routes_except(&s, &["GET /user/profile"]);
    check_method_not_allowed(&s, None);
}

#[test]
fn profile_missing_answers_404_for_get_only() {
    let s = Server::with_fault(Fault::ProfileMissing);
    for r in [
        s.call("GET", "/user/profile"),
        s.anon("GET", "/user/profile"),
    ] {
        let p = r.problem(404);
        assert_eq!(p["detail"], "no route for GET /user/profile");
    }
    assert_eq!(s.call("HEAD", "/user/profile").status, 404);
    check_all_routes_except(&s, &["GET /user/profile"]);
    check_method_not_allowed(&s, None);
}

#[test]
fn method_changed_moves_put_to_post() {
    let s = Server::with_fault(Fault::MethodChanged);
    let r = s.call_json("PUT", "/user/profile", &profile_body());
    r.problem(405);
    assert_eq!(r.header("allow"), Some("GET,HEAD,POST"));
    let v = assert_json(&s.call_json("POST", "/user/profile", &profile_body()), 200);
    assert_profile(&v);
    assert_eq!(v["display_name"], "Ada King");
    assert_eq!(
        assert_json(&s.call("GET", "/user/profile"), 200)["display_name"],
        "Ada King"
    );
    assert_unauthorized(&s.anon("POST", "/user/profile"));
    check_all_routes_except(&s, &["PUT /user/profile"]);
    check_method_not_allowed(&s, Some("/user/profile"));
}

#[test]
fn field_dropped_leaves_out_the_email() {
    let s = Server::with_fault(Fault::FieldDropped);
    let v = assert_json(&s.call("GET", "/user/profile"), 200);
    assert_eq!(
        keys(&v),
        ["avatar_url", "bio", "display_name", "id", "updated_at"]
    );
    assert_unauthorized(&s.anon("GET", "/user/profile"));
    // PUT still answers the whole profile.
    check_all_routes_except(&s, &["GET /user/profile"]);
    check_method_not_allowed(&s, None);
}

#[test]
fn auth_dropped_answers_the_profile_without_a_token() {
    let s = Server::with_fault(Fault::AuthDropped);
    assert_profile(&assert_json(&s.anon("GET", "/user/profile"), 200));
    let r = s.send(
        "GET",
        "/user/profile",
        &[("Authorization", "Bearer wrong")],
        None,
    );
    assert_profile(&assert_json(&r, 200));
    assert_profile(&assert_json(&s.call("GET", "/user/profile"), 200));
    check_all_routes_except(&s, &["GET /user/profile"]);
    check_method_not_allowed(&s, None);
}

#[test]
fn fault_names_parse_and_unknown_ones_list_the_valid_values() {
    for fault in Fault::ALL {
        assert_eq!(fault.name().parse::<Fault>(), Ok(fault));
        assert_eq!(fault.to_string(), fault.name());
        assert_eq!(Fault::from_setting(Some(fault.name())), Ok(Some(fault)));
    }
    assert_eq!(Fault::from_setting(None), Ok(None));
    assert_eq!(Fault::from_setting(Some("")), Ok(None));
    assert_eq!(
        Fault::from_setting(Some(" route-mixup ")),
        Ok(Some(Fault::RouteMixup))
    );
    let e = Fault::from_setting(Some("route-mix")).unwrap_err();
    assert_eq!(e.value(), "route-mix");
    assert_eq!(
        e.to_string(),
        "USER_SERVICE_FAULT=`route-mix` is not a known fault; valid values: route-mixup, \
         profile-500, profile-missing, method-changed, field-dropped, auth-dropped, \
         delete-keeps, bio-limit-500, settings-stale, user-lost (unset or empty: no fault)"
    );
    assert!(
        "Route-Mixup"
            .parse::<Fault>()
            .unwrap_err()
            .to_string()
            .starts_with("`Route-Mixup` is not a known fault")
    );
}

#[test]
fn the_state_reports_its_configuration() {
    let state = AppState::new(
        Config::default()
            .with_fault(Some(Fault::AuthDropped))
            .with_log_to_stderr(false),
    );
    assert_eq!(state.fault(), Some(Fault::AuthDropped));
    assert_eq!(AppState::default().fault(), None);
    assert_eq!(
        AppState::with_fault(Fault::Profile500).fault(),
        Some(Fault::Profile500)
    );
}

// ---------------------------------------------------------------------------------------------
// The binary.

/// The child process, killed if a test fails before it exits.
struct Bin(Child);

impl Drop for Bin {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

fn spawn_bin(args: &[&str], env: &[(&str, &str)]) -> Bin {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_user-service"));
    cmd.args(args)
        .env_remove("USER_SERVICE_FAULT")
        .env_remove("USER_SERVICE_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Bin(cmd.spawn().unwrap())
}

/// Reads the first stdout line and returns the address it announces.
fn listening_addr(bin: &mut Bin) -> SocketAddr {
    let stdout = bin.0.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim_end()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = url.parse().unwrap();
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0);
    addr
}

fn wait(bin: &mut Bin) -> (std::process::ExitStatus, String) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = bin.0.try_wait().unwrap() {
            let mut stderr = String::new();
            bin.0
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return (status, stderr);
        }
        assert!(Instant::now() < deadline, "the binary did not exit");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
fn terminate(bin: &Bin) {
    let status = Command::new("kill")
        .args(["-TERM", &bin.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn the_binary_announces_its_port_serves_and_stops_on_sigterm() {
    let mut bin = spawn_bin(&["--port", "0"], &[("USER_SERVICE_LOG", "1")]);
    let addr = listening_addr(&mut bin);
    let health = send(addr, "GET", "/health", &[], None);
    assert_json(&health, 200);
    let profile = send(addr, "GET", "/user/profile", &[AUTH], None);
    assert_profile(&assert_json(&profile, 200));
    terminate(&bin);
    let (status, stderr) = wait(&mut bin);
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.contains("user-service: GET /health 200"), "{stderr}");
    assert!(
        stderr.contains("user-service: GET /user/profile 200"),
        "{stderr}"
    );
    assert!(stderr.contains("shut down"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn the_binary_reads_the_fault_from_the_environment_and_the_flag() {
    let mut bin = spawn_bin(&["--port", "0"], &[("USER_SERVICE_FAULT", "route-mixup")]);
    let addr = listening_addr(&mut bin);
    let v = assert_json(&send(addr, "GET", "/user/profile", &[AUTH], None), 200);
    assert_settings(&v);
    terminate(&bin);
    let (status, stderr) = wait(&mut bin);
    assert!(status.success());
    assert!(stderr.contains("fault `route-mixup` is active"), "{stderr}");
    assert!(
        !stderr.contains("GET /user/profile 200"),
        "no log without USER_SERVICE_LOG"
    );

    let mut bin = spawn_bin(&["--port=0", "--fault", "auth-dropped"], &[]);
    let addr = listening_addr(&mut bin);
    assert_profile(&assert_json(
        &send(addr, "GET", "/user/profile", &[], None),
        200,
    ));
    terminate(&bin);
    assert!(wait(&mut bin).0.success());
}

#[test]
fn the_binary_refuses_an_unknown_fault() {
    let mut bin = spawn_bin(&["--port", "0"], &[("USER_SERVICE_FAULT", "route-mix")]);
    let (status, stderr) = wait(&mut bin);
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("USER_SERVICE_FAULT=`route-mix` is not a known fault"),
        "{stderr}"
    );
    for fault in Fault::ALL {
        assert!(stderr.contains(fault.name()), "{stderr}");
    }
    let mut bin = spawn_bin(&["--fault", "nope"], &[]);
    let (status, stderr) = wait(&mut bin);
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("--fault: `nope` is not a known fault"),
        "{stderr}"
    );
}

#[test]
fn the_binary_prints_help() {
    let out = Command::new(env!("CARGO_BIN_EXE_user-service"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("--port PORT"), "{text}");
    for fault in Fault::ALL {
        assert!(text.contains(fault.name()) && text.contains(fault.description()));
    }
}

//! OpenAPI runtime expressions ("Runtime Expressions" of OAS 3.0 and 3.1), as the `parameters`
//! and `requestBody` of a Link Object use them.
//!
//! Supported: `$url`, `$method`, `$statusCode`, `$request.path.NAME`, `$request.query.NAME`,
//! `$request.header.NAME`, `$request.body` and `$request.body#/json/pointer`,
//! `$response.header.NAME`, `$response.body` and `$response.body#/json/pointer`; constants
//! (any JSON value that is not a string, and strings without `$`); expressions embedded in a
//! string as `{$...}` (`"/users/{$response.body#/id}"`). In arrays and objects (a link's
//! `requestBody`), every string is read the same way, so `{"owner": "$response.body#/id"}`
//! works too.
//!
//! A string that starts with `$` must be one expression: anything else is an error that says
//! why, never a silent constant.

use std::fmt;

use indexmap::IndexMap;
use serde_json::Value;

/// Where an expression takes its value from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Expr {
    /// `$url`: the full URL of the source request.
    Url,
    /// `$method`: its method (`POST`).
    Method,
    /// `$statusCode`: the status of its response.
    StatusCode,
    /// `$request.header.NAME`.
    RequestHeader(String),
    /// `$request.query.NAME`.
    RequestQuery(String),
    /// `$request.path.NAME`.
    RequestPath(String),
    /// `$request.body` with a JSON pointer (empty: the whole body).
    RequestBody(String),
    /// `$response.header.NAME`.
    ResponseHeader(String),
    /// `$response.body` with a JSON pointer (empty: the whole body).
    ResponseBody(String),
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = |f: &mut fmt::Formatter<'_>, side: &str, p: &str| {
            if p.is_empty() {
                write!(f, "${side}.body")
            } else {
                write!(f, "${side}.body#{p}")
            }
        };
        match self {
            Expr::Url => f.write_str("$url"),
            Expr::Method => f.write_str("$method"),
            Expr::StatusCode => f.write_str("$statusCode"),
            Expr::RequestHeader(n) => write!(f, "$request.header.{n}"),
            Expr::RequestQuery(n) => write!(f, "$request.query.{n}"),
            Expr::RequestPath(n) => write!(f, "$request.path.{n}"),
            Expr::RequestBody(p) => body(f, "request", p),
            Expr::ResponseHeader(n) => write!(f, "$response.header.{n}"),
            Expr::ResponseBody(p) => body(f, "response", p),
        }
    }
}

/// A piece of a string with embedded expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    /// Text as written.
    Lit(String),
    /// `{$...}`.
    Expr(Expr),
}

/// A link value, parsed: constants, expressions, and the two mixed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Template {
    /// Used as written.
    Const(Value),
    /// The whole string is one expression: the value keeps its JSON type (`42` stays a number).
    Expr(Expr),
    /// A string with `{$...}` in it: always a string.
    Text(Vec<Part>),
    /// An array whose items may hold expressions.
    Array(Vec<Template>),
    /// An object whose values may hold expressions.
    Object(Vec<(String, Template)>),
}

impl Template {
    /// Whether no expression is involved.
    pub(crate) fn is_const(&self) -> bool {
        matches!(self, Template::Const(_))
    }
}

/// Parses a link value (a parameter's value or a `requestBody`).
pub(crate) fn parse(value: &Value) -> Result<Template, String> {
    match value {
        Value::String(s) => parse_string(s),
        Value::Array(items) => {
            let parsed = items.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
            if parsed.iter().all(Template::is_const) {
                Ok(Template::Const(value.clone()))
            } else {
                Ok(Template::Array(parsed))
            }
        }
        Value::Object(map) => {
            let parsed = map
                .iter()
                .map(|(k, v)| parse(v).map(|t| (k.clone(), t)))
                .collect::<Result<Vec<_>, _>>()?;
            if parsed.iter().all(|(_, t)| t.is_const()) {
                Ok(Template::Const(value.clone()))
            } else {
                Ok(Template::Object(parsed))
            }
        }
        other => Ok(Template::Const(other.clone())),
    }
}

fn parse_string(s: &str) -> Result<Template, String> {
    if s.starts_with('$') {
        return parse_expr(s).map(Template::Expr);
    }
    if !s.contains("{$") {
        return Ok(Template::Const(Value::String(s.to_owned())));
    }
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{$") {
        if start > 0 {
            parts.push(Part::Lit(rest[..start].to_owned()));
        }
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            return Err(format!("`{{$` without a closing `}}` in \"{s}\""));
        };
        parts.push(Part::Expr(parse_expr(&after[..end])?));
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Lit(rest.to_owned()));
    }
    Ok(Template::Text(parts))
}

/// RFC 9110 `tchar`: the characters of a header name.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses one expression (`$response.body#/id`).
pub(crate) fn parse_expr(s: &str) -> Result<Expr, String> {
    match s {
        "$url" => return Ok(Expr::Url),
        "$method" => return Ok(Expr::Method),
        "$statusCode" => return Ok(Expr::StatusCode),
        _ => {}
    }
    let (request, rest) = if let Some(rest) = s.strip_prefix("$request.") {
        (true, rest)
    } else if let Some(rest) = s.strip_prefix("$response.") {
        (false, rest)
    } else {
        return Err(format!(
            "`{s}` is not a runtime expression (expected $url, $method, $statusCode, $request.{{header,query,path,body}}... or $response.{{header,body}}...)"
        ));
    };
    let side = if request { "$request" } else { "$response" };
    if let Some(name) = rest.strip_prefix("header.") {
        if !is_token(name) {
            return Err(format!("`{s}`: `{name}` is not a header name"));
        }
        return Ok(if request {
            Expr::RequestHeader(name.to_owned())
        } else {
            Expr::ResponseHeader(name.to_owned())
        });
    }
    for (prefix, what) in [("query.", "query parameters"), ("path.", "path parameters")] {
        if let Some(name) = rest.strip_prefix(prefix) {
            if !request {
                return Err(format!("`{s}`: a response has no {what}"));
            }
            if name.is_empty() {
                return Err(format!("`{s}`: the parameter name is missing"));
            }
            return Ok(if prefix == "query." {
                Expr::RequestQuery(name.to_owned())
            } else {
                Expr::RequestPath(name.to_owned())
            });
        }
    }
    if let Some(after) = rest.strip_prefix("body") {
        let pointer = match after {
            "" => String::new(),
            fragment if fragment.starts_with('#') => {
                let raw = &fragment[1..];
                if !raw.is_empty() && !raw.starts_with('/') {
                    return Err(format!(
                        "`{s}`: `{raw}` is not a JSON pointer (it starts with `/`, e.g. {side}.body#/id)"
                    ));
                }
                percent_encoding::percent_decode_str(raw)
                    .decode_utf8()
                    .map_err(|_| format!("`{s}`: the JSON pointer is not UTF-8 once decoded"))?
                    .into_owned()
            }
            _ => {
                return Err(format!(
                    "`{s}`: expected {side}.body or {side}.body#/json/pointer"
                ));
            }
        };
        return Ok(if request {
            Expr::RequestBody(pointer)
        } else {
            Expr::ResponseBody(pointer)
        });
    }
    Err(format!(
        "`{s}`: expected {side}.header.NAME, {}{side}.body or {side}.body#/json/pointer",
        if request {
            "$request.query.NAME, $request.path.NAME, "
        } else {
            ""
        }
    ))
}

/// A request or response body, as far as expressions can read it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Payload {
    /// Parsed JSON.
    Json(Value),
    /// Anything else, as text (lossy UTF-8).
    Text(String),
}

impl Payload {
    /// The body read as JSON when it parses (and is not empty), else as text; `None` when empty.
    pub(crate) fn of(bytes: &[u8]) -> Option<Payload> {
        if bytes.is_empty() {
            return None;
        }
        Some(match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => Payload::Json(v),
            Err(_) => Payload::Text(String::from_utf8_lossy(bytes).into_owned()),
        })
    }
}

/// What an expression can read: one request that was sent and its response.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Exchanged {
    /// The full URL.
    pub url: String,
    /// `POST`.
    pub method: String,
    /// Path parameter values, before serialization.
    pub path: IndexMap<String, Value>,
    /// Query parameter values, before serialization.
    pub query: IndexMap<String, Value>,
    /// Request headers as sent.
    pub request_headers: Vec<(String, String)>,
    /// The request body.
    pub request_body: Option<Payload>,
    /// The response status.
    pub status: u16,
    /// Response headers as received.
    pub response_headers: Vec<(String, String)>,
    /// The response body.
    pub response_body: Option<Payload>,
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect();
    if values.is_empty() {
        None
    } else {
        Some(values.join(", "))
    }
}

fn body(payload: Option<&Payload>, pointer: &str, which: &str) -> Result<Value, String> {
    match payload {
        None => Err(format!("the {which} body is empty")),
        Some(Payload::Text(t)) if pointer.is_empty() => Ok(Value::String(t.clone())),
        Some(Payload::Text(_)) => Err(format!("the {which} body is not JSON")),
        Some(Payload::Json(v)) => v
            .pointer(pointer)
            .cloned()
            .ok_or_else(|| format!("no value at {pointer} in the {which} body")),
    }
}

/// Evaluates one expression.
pub(crate) fn eval_expr(expr: &Expr, x: &Exchanged) -> Result<Value, String> {
    let found = match expr {
        Expr::Url => Ok(Value::String(x.url.clone())),
        Expr::Method => Ok(Value::String(x.method.clone())),
        Expr::StatusCode => Ok(Value::from(x.status)),
        Expr::RequestHeader(n) => header(&x.request_headers, n)
            .map(Value::String)
            .ok_or_else(|| format!("the request had no header `{n}`")),
        Expr::ResponseHeader(n) => header(&x.response_headers, n)
            .map(Value::String)
            .ok_or_else(|| format!("the response has no header `{n}`")),
        Expr::RequestQuery(n) => x
            .query
            .get(n)
            .cloned()
            .ok_or_else(|| format!("the request had no query parameter `{n}`")),
        Expr::RequestPath(n) => x
            .path
            .get(n)
            .cloned()
            .ok_or_else(|| format!("the request had no path parameter `{n}`")),
        Expr::RequestBody(p) => body(x.request_body.as_ref(), p, "request"),
        Expr::ResponseBody(p) => body(x.response_body.as_ref(), p, "response"),
    };
    found.map_err(|e| format!("{expr}: {e}"))
}

/// A value as text inside a string template: strings as they are, `null` as nothing, anything
/// else as JSON.
fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Evaluates a parsed link value against an exchange.
pub(crate) fn eval(template: &Template, x: &Exchanged) -> Result<Value, String> {
    match template {
        Template::Const(v) => Ok(v.clone()),
        Template::Expr(e) => eval_expr(e, x),
        Template::Text(parts) => {
            let mut out = String::new();
            for part in parts {
                match part {
                    Part::Lit(s) => out.push_str(s),
                    Part::Expr(e) => out.push_str(&as_text(&eval_expr(e, x)?)),
                }
            }
            Ok(Value::String(out))
        }
        Template::Array(items) => items
            .iter()
            .map(|t| eval(t, x))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Template::Object(pairs) => {
            let mut map = serde_json::Map::new();
            for (k, t) in pairs {
                map.insert(k.clone(), eval(t, x)?);
            }
            Ok(Value::Object(map))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn exchanged() -> Exchanged {
        Exchanged {
            url: "http://127.0.0.1:8080/users?dry=false".into(),
            method: "POST".into(),
            path: IndexMap::from([("org".to_owned(), json!("acme"))]),
            query: IndexMap::from([("dry".to_owned(), json!(false))]),
            request_headers: vec![("X-Request-Id".into(), "r-1".into())],
            request_body: Payload::of(br#"{"email":"grace@example.com","tags":["a","b"]}"#),
            status: 201,
            response_headers: vec![
                ("location".into(), "/users/42".into()),
                ("x-multi".into(), "a".into()),
                ("x-multi".into(), "b".into()),
            ],
            response_body: Payload::of(
                br#"{"id":42,"name":"Grace","a/b":{"~c":"odd"},"items":[{"id":"x"}]}"#,
            ),
        }
    }

    fn eval_str(s: &str) -> Result<Value, String> {
        eval(&parse(&json!(s))?, &exchanged())
    }

    #[test]
    fn every_kind_of_expression() {
        assert_eq!(
            eval_str("$url").unwrap(),
            json!("http://127.0.0.1:8080/users?dry=false")
        );
        assert_eq!(eval_str("$method").unwrap(), json!("POST"));
        assert_eq!(eval_str("$statusCode").unwrap(), json!(201));
        assert_eq!(eval_str("$request.path.org").unwrap(), json!("acme"));
        assert_eq!(eval_str("$request.query.dry").unwrap(), json!(false));
        // Header names are case-insensitive.
        assert_eq!(
            eval_str("$request.header.x-request-id").unwrap(),
            json!("r-1")
        );
        assert_eq!(
            eval_str("$request.body#/email").unwrap(),
            json!("grace@example.com")
        );
        assert_eq!(eval_str("$request.body#/tags/1").unwrap(), json!("b"));
        assert_eq!(
            eval_str("$response.header.Location").unwrap(),
            json!("/users/42")
        );
        assert_eq!(eval_str("$response.header.X-Multi").unwrap(), json!("a, b"));
        // The value keeps its JSON type.
        assert_eq!(eval_str("$response.body#/id").unwrap(), json!(42));
        assert_eq!(eval_str("$response.body#/items/0/id").unwrap(), json!("x"));
        // RFC 6901 escapes, and the percent-encoding of the URI fragment form.
        assert_eq!(eval_str("$response.body#/a~1b/~0c").unwrap(), json!("odd"));
        assert_eq!(
            eval_str("$response.body#/%61~1b/~0c").unwrap(),
            json!("odd")
        );
        assert_eq!(eval_str("$response.body").unwrap()["name"], json!("Grace"));
        assert_eq!(eval_str("$response.body#").unwrap()["id"], json!(42));
    }

    #[test]
    fn constants_and_templates() {
        let x = exchanged();
        for constant in [
            json!(7),
            json!(true),
            json!(null),
            json!("plain"),
            json!({"a": [1]}),
        ] {
            assert_eq!(eval(&parse(&constant).unwrap(), &x).unwrap(), constant);
        }
        assert_eq!(
            eval_str("/users/{$response.body#/id}?by={$method}").unwrap(),
            json!("/users/42?by=POST")
        );
        assert_eq!(eval_str("id-{$statusCode}").unwrap(), json!("id-201"));
        // Expressions inside a request body object or array.
        let body = json!({"owner": "$response.body#/id", "label": "user {$response.body#/name}", "keep": 1, "list": ["$statusCode", 2]});
        assert_eq!(
            eval(&parse(&body).unwrap(), &x).unwrap(),
            json!({"owner": 42, "label": "user Grace", "keep": 1, "list": [201, 2]})
        );
        assert!(parse(&json!({"a": "b"})).unwrap().is_const());
    }

    #[test]
    fn unsupported_expressions_say_why() {
        let err = |s: &str| parse(&json!(s)).unwrap_err();
        assert!(
            err("$foo").contains("`$foo` is not a runtime expression"),
            "{}",
            err("$foo")
        );
        assert!(err("$response.bodyy#/id").contains("expected $response.body"));
        assert!(err("$response.body#id").contains("`id` is not a JSON pointer"));
        assert!(err("$response.query.x").contains("a response has no query parameters"));
        assert!(err("$response.path.x").contains("a response has no path parameters"));
        assert!(err("$request.header.").contains("is not a header name"));
        assert!(err("$request.header.a b").contains("is not a header name"));
        assert!(err("$request.path.").contains("the parameter name is missing"));
        assert!(err("$request.cookie.session").contains("expected $request.header.NAME"));
        assert!(err("$statuscode").contains("is not a runtime expression"));
        assert!(err("/users/{$response.body#/id").contains("without a closing"));
        assert!(err("/users/{$nope}").contains("`$nope` is not a runtime expression"));
    }

    #[test]
    fn missing_values_say_where() {
        let e = |s: &str| eval_str(s).unwrap_err();
        assert_eq!(
            e("$response.body#/nope"),
            "$response.body#/nope: no value at /nope in the response body"
        );
        assert_eq!(
            e("$response.header.ETag"),
            "$response.header.ETag: the response has no header `ETag`"
        );
        assert_eq!(
            e("$request.path.id"),
            "$request.path.id: the request had no path parameter `id`"
        );
        assert_eq!(
            e("$request.query.page"),
            "$request.query.page: the request had no query parameter `page`"
        );
        let mut x = exchanged();
        x.response_body = Payload::of(b"not json");
        let t = parse(&json!("$response.body#/id")).unwrap();
        assert_eq!(
            eval(&t, &x).unwrap_err(),
            "$response.body#/id: the response body is not JSON"
        );
        let t = parse(&json!("$response.body")).unwrap();
        assert_eq!(eval(&t, &x).unwrap(), json!("not json"));
        x.response_body = None;
        assert_eq!(
            eval(&t, &x).unwrap_err(),
            "$response.body: the response body is empty"
        );
    }

    #[test]
    fn expressions_print_as_written() {
        for s in [
            "$url",
            "$method",
            "$statusCode",
            "$request.header.X-Id",
            "$request.query.q",
            "$request.path.id",
            "$request.body",
            "$request.body#/a/0",
            "$response.header.Location",
            "$response.body#/id",
        ] {
            assert_eq!(parse_expr(s).unwrap().to_string(), s);
        }
    }
}

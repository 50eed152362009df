//! Parameter styles and body encodings, as the OpenAPI specification defines them.
//!
//! Parameters follow the "Style Values" and "Style Examples" sections of OpenAPI 3.1 (path:
//! `simple`, `label`, `matrix`; query: `form`, `spaceDelimited`, `pipeDelimited`, `deepObject`;
//! header: `simple`; cookie: `form`, and 3.2's `cookie`), with RFC 3986 percent-encoding of values. Bodies are encoded
//! as their media type says: JSON (and `+json`), `application/x-www-form-urlencoded`,
//! `multipart/form-data` (each part with its own `Content-Type`), `text/plain` and
//! `application/octet-stream`.
//!
//! Percent-encoding (UTF-8) by location:
//! - path and query: everything but RFC 3986 unreserved characters (`allowReserved` keeps the
//!   reserved ones in query values, `&`, `=` and `#` excepted);
//! - cookie (`form`): values, and the names of an exploded object's pairs, exactly as query
//!   values (`allowReserved` does not apply: `;` or `,` would split the `Cookie` header), so a
//!   value never carries `;`, `,`, space, `"`, `\`, control or non-ASCII characters. The
//!   separator of a non-exploded list or object stays a bare `,`, as the form style defines it.
//!   The parameter's own name only has its non-token bytes (RFC 6265) encoded, so every valid
//!   cookie name is sent as it is;
//! - cookie (3.2's `cookie` style): pairs as RFC 6265 writes them, values sent as they are (the
//!   style says they come already escaped); only bytes a cookie value cannot hold at all
//!   (controls, space, `"`, `,`, `;`, `\`, non-ASCII) are percent-encoded, so the header stays
//!   valid for generated values;
//! - header (`simple`): a value that is a valid header value already (visible ASCII and spaces)
//!   is sent byte for byte, `%` included. Only when some part of the value has a control
//!   character (tab included) or a non-ASCII character are those bytes encoded, and then `%` is
//!   encoded too (`%25`), so decoding the header gives back exactly the value. The `,` and `=`
//!   separators of the simple style stay bare. A header value is therefore always valid.

use contractgate_spec::ir::{Encoding, ParamLocation, ParamStyle};
use indexmap::IndexMap;
use percent_encoding::{AsciiSet, CONTROLS, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::Value;

/// Everything but RFC 3986 unreserved characters is encoded.
pub(crate) const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// With `allowReserved`, RFC 3986 reserved characters stay as they are (`&`, `=` and `#` excepted,
/// which would change the query's structure).
const RESERVED_ALLOWED: &AsciiSet = &COMPONENT
    .remove(b':')
    .remove(b'/')
    .remove(b'?')
    .remove(b'[')
    .remove(b']')
    .remove(b'@')
    .remove(b'!')
    .remove(b'$')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';');
/// Cookie values of the `cookie` style: only what RFC 6265's `cookie-octet` excludes (controls,
/// space, `"`, `,`, `;`, `\`, non-ASCII) is encoded; `%` is sent as it is, since the style says
/// values come already escaped.
const COOKIE_VALUE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\');

/// Cookie names: everything but RFC 6265 token characters (RFC 9110 `tchar`) is encoded.
const COOKIE_NAME: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'%')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'*')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');
/// Header values with a byte that is not allowed in one: control characters and DEL are
/// encoded (non-ASCII bytes always are), and `%`, so that decoding is unambiguous.
const HEADER_ENCODED: &AsciiSet = &CONTROLS.add(b'%');

/// A serialized parameter, ready to place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placed {
    /// Replaces `{name}` in the path template (already percent-encoded).
    Path(String),
    /// Query pairs, already encoded, joined with `&` (e.g. `color=blue&color=black`).
    Query(String),
    /// A header value, always a valid one (see the module docs).
    Header(String),
    /// Cookie pairs (`name=value`, percent-encoded), joined with `; ` in the `Cookie` header.
    Cookie(Vec<String>),
}

enum Shape {
    Empty,
    Primitive(String),
    List(Vec<String>),
    Object(Vec<(String, String)>),
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

impl Shape {
    /// Every string in the value: the primitive, list items, object keys and values.
    fn strings(&self) -> Vec<&str> {
        match self {
            Shape::Empty => Vec::new(),
            Shape::Primitive(v) => vec![v.as_str()],
            Shape::List(xs) => xs.iter().map(String::as_str).collect(),
            Shape::Object(pairs) => pairs
                .iter()
                .flat_map(|(k, v)| [k.as_str(), v.as_str()])
                .collect(),
        }
    }
}

/// A byte that may not appear in a header value: a control character (tab included), DEL, or
/// part of a non-ASCII character.
fn not_header_safe(b: u8) -> bool {
    b.is_ascii_control() || !b.is_ascii()
}

fn shape(v: &Value) -> Shape {
    match v {
        Value::Null => Shape::Empty,
        Value::Array(xs) => Shape::List(xs.iter().map(scalar).collect()),
        Value::Object(map) => {
            Shape::Object(map.iter().map(|(k, v)| (k.clone(), scalar(v))).collect())
        }
        other => Shape::Primitive(scalar(other)),
    }
}

/// Serializes a value of an IR parameter with the parameter's name, location, style, `explode`
/// and `allowReserved`.
pub fn serialize_parameter(
    p: &contractgate_spec::ir::Parameter,
    value: &Value,
) -> Result<Placed, String> {
    serialize_param(
        &p.name,
        p.location,
        p.style,
        p.explode,
        p.allow_reserved,
        value,
    )
}

/// Serializes a parameter value with its style and `explode`.
pub fn serialize_param(
    name: &str,
    location: ParamLocation,
    style: ParamStyle,
    explode: bool,
    allow_reserved: bool,
    value: &Value,
) -> Result<Placed, String> {
    let set = if allow_reserved {
        RESERVED_ALLOWED
    } else {
        COMPONENT
    };
    let enc = |s: &str| utf8_percent_encode(s, set).to_string();
    let unsupported = || {
        Err(format!(
            "style `{}` is not defined for {location} parameters",
            style.as_str()
        ))
    };
    match location {
        // OpenAPI 3.2: the whole query string. An object (form content) is written as
        // `name=value` pairs, arrays repeated; any other value (the text of another media type,
        // JSON for JSON) is percent-encoded whole.
        ParamLocation::QueryString => Ok(Placed::Query(match value {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| form(&enc(k), &shape(v), true, &enc))
                .collect::<Vec<_>>()
                .join("&"),
            Value::String(s) => enc(s),
            other => enc(&other.to_string()),
        })),
        ParamLocation::Path => {
            let encoded = match style {
                ParamStyle::Simple => simple(&shape(value), explode, &enc),
                ParamStyle::Label => label(&shape(value), explode, &enc),
                ParamStyle::Matrix => matrix(name, &shape(value), explode, &enc),
                _ => return unsupported(),
            };
            Ok(Placed::Path(encoded))
        }
        ParamLocation::Query => {
            let n = enc(name);
            let s = match (style, shape(value)) {
                (ParamStyle::Form, s) => form(&n, &s, explode, &enc),
                (ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited, Shape::List(xs))
                    if explode =>
                {
                    xs.iter()
                        .map(|x| format!("{n}={}", enc(x)))
                        .collect::<Vec<_>>()
                        .join("&")
                }
                (ParamStyle::SpaceDelimited, s) => delimited(&n, &s, "%20", &enc)?,
                (ParamStyle::PipeDelimited, s) => delimited(&n, &s, "|", &enc)?,
                (ParamStyle::DeepObject, Shape::Object(pairs)) => pairs
                    .iter()
                    .map(|(k, v)| format!("{n}[{}]={}", enc(k), enc(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
                (ParamStyle::DeepObject, _) => {
                    return Err(format!(
                        "deepObject parameter `{name}` needs an object value"
                    ));
                }
                _ => return unsupported(),
            };
            Ok(Placed::Query(s))
        }
        ParamLocation::Header => match style {
            ParamStyle::Simple => {
                let shape = shape(value);
                let needs_encoding = shape
                    .strings()
                    .iter()
                    .any(|s| s.bytes().any(not_header_safe));
                let header = if needs_encoding {
                    simple(&shape, explode, &|s: &str| {
                        utf8_percent_encode(s, HEADER_ENCODED).to_string()
                    })
                } else {
                    simple(&shape, explode, &|s: &str| s.to_owned())
                };
                Ok(Placed::Header(header))
            }
            _ => unsupported(),
        },
        ParamLocation::Cookie => match style {
            // Never `RESERVED_ALLOWED`: `;` and `,` would split the header.
            ParamStyle::Form => Ok(Placed::Cookie(cookie_pairs(
                name, value, explode, COMPONENT, COMPONENT,
            ))),
            // Values as they are: only bytes a cookie value cannot hold are encoded.
            ParamStyle::Cookie => Ok(Placed::Cookie(cookie_pairs(
                name,
                value,
                explode,
                COOKIE_NAME,
                COOKIE_VALUE,
            ))),
            _ => unsupported(),
        },
    }
}

/// The `name=value` pairs of a cookie parameter (one per item or entry when exploded, else one):
/// the parameter's name with its non-token bytes encoded, an exploded object's keys with `keys`,
/// values with `values`.
fn cookie_pairs(
    name: &str,
    value: &Value,
    explode: bool,
    keys: &'static AsciiSet,
    values: &'static AsciiSet,
) -> Vec<String> {
    let enc = |s: &str| utf8_percent_encode(s, values).to_string();
    let n = utf8_percent_encode(name, COOKIE_NAME).to_string();
    match shape(value) {
        Shape::List(xs) if explode => xs.iter().map(|x| format!("{n}={}", enc(x))).collect(),
        Shape::Object(pairs) if explode => pairs
            .iter()
            .map(|(k, v)| format!("{}={}", utf8_percent_encode(k, keys), enc(v)))
            .collect(),
        s => vec![form(&n, &s, false, &enc)],
    }
}

fn simple(s: &Shape, explode: bool, enc: &dyn Fn(&str) -> String) -> String {
    match s {
        Shape::Empty => String::new(),
        Shape::Primitive(v) => enc(v),
        Shape::List(xs) => xs.iter().map(|x| enc(x)).collect::<Vec<_>>().join(","),
        Shape::Object(pairs) => pairs
            .iter()
            .map(|(k, v)| {
                if explode {
                    format!("{}={}", enc(k), enc(v))
                } else {
                    format!("{},{}", enc(k), enc(v))
                }
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

fn label(s: &Shape, explode: bool, enc: &dyn Fn(&str) -> String) -> String {
    let sep = if explode { "." } else { "," };
    match s {
        Shape::Empty => ".".to_owned(),
        Shape::Primitive(v) => format!(".{}", enc(v)),
        Shape::List(xs) => format!(
            ".{}",
            xs.iter().map(|x| enc(x)).collect::<Vec<_>>().join(sep)
        ),
        Shape::Object(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| {
                    if explode {
                        format!("{}={}", enc(k), enc(v))
                    } else {
                        format!("{},{}", enc(k), enc(v))
                    }
                })
                .collect();
            format!(".{}", parts.join(sep))
        }
    }
}

fn matrix(name: &str, s: &Shape, explode: bool, enc: &dyn Fn(&str) -> String) -> String {
    let n = enc(name);
    match s {
        Shape::Empty => format!(";{n}"),
        Shape::Primitive(v) => format!(";{n}={}", enc(v)),
        Shape::List(xs) if explode => xs.iter().map(|x| format!(";{n}={}", enc(x))).collect(),
        Shape::List(xs) => format!(
            ";{n}={}",
            xs.iter().map(|x| enc(x)).collect::<Vec<_>>().join(",")
        ),
        Shape::Object(pairs) if explode => pairs
            .iter()
            .map(|(k, v)| format!(";{}={}", enc(k), enc(v)))
            .collect(),
        Shape::Object(pairs) => format!(
            ";{n}={}",
            pairs
                .iter()
                .map(|(k, v)| format!("{},{}", enc(k), enc(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn form(n: &str, s: &Shape, explode: bool, enc: &dyn Fn(&str) -> String) -> String {
    match s {
        Shape::Empty => format!("{n}="),
        Shape::Primitive(v) => format!("{n}={}", enc(v)),
        Shape::List(xs) if explode => xs
            .iter()
            .map(|x| format!("{n}={}", enc(x)))
            .collect::<Vec<_>>()
            .join("&"),
        Shape::List(xs) => format!(
            "{n}={}",
            xs.iter().map(|x| enc(x)).collect::<Vec<_>>().join(",")
        ),
        Shape::Object(pairs) if explode => pairs
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&"),
        Shape::Object(pairs) => format!(
            "{n}={}",
            pairs
                .iter()
                .map(|(k, v)| format!("{},{}", enc(k), enc(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

fn delimited(
    n: &str,
    s: &Shape,
    sep: &str,
    enc: &dyn Fn(&str) -> String,
) -> Result<String, String> {
    match s {
        Shape::List(xs) => Ok(format!(
            "{n}={}",
            xs.iter().map(|x| enc(x)).collect::<Vec<_>>().join(sep)
        )),
        Shape::Object(pairs) => Ok(format!(
            "{n}={}",
            pairs
                .iter()
                .map(|(k, v)| format!("{}{sep}{}", enc(k), enc(v)))
                .collect::<Vec<_>>()
                .join(sep)
        )),
        _ => Err(format!(
            "delimited style for `{n}` needs an array or object value"
        )),
    }
}

/// An encoded request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// The `Content-Type` header to send (with the multipart boundary when there is one).
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The multipart boundary (fixed, so requests and curl lines are reproducible).
pub const BOUNDARY: &str = "contractgate-7f3a9c1e";

pub use contractgate_spec::media::{essence, is_json};

/// Standard base64 with padding (RFC 4648 §4): `format: byte` values, basic credentials.
pub(crate) fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Which encodings this harness can produce, in order of preference; `None` for others.
pub fn encodable_rank(media_type: &str) -> Option<u8> {
    let e = essence(media_type);
    if is_json(&e) {
        Some(if e == "application/json" { 0 } else { 1 })
    } else {
        match e.as_str() {
            "application/x-www-form-urlencoded" => Some(2),
            "multipart/form-data" => Some(3),
            "text/plain" => Some(4),
            "application/octet-stream" => Some(5),
            "*/*" | "application/*" => Some(6),
            _ => None,
        }
    }
}

/// Encodes `value` as `media_type`; `encoding` is the media type's `encoding` map (form and
/// multipart). `schema` helps multipart choose part types (binary strings, objects).
pub fn encode_body(
    media_type: &str,
    value: &Value,
    encoding: &IndexMap<String, Encoding>,
    schema: Option<&Value>,
) -> Result<Body, String> {
    let e = essence(media_type);
    match e.as_str() {
        _ if is_json(&e) => Ok(Body {
            content_type: media_type.to_owned(),
            bytes: serde_json::to_vec(value).map_err(|err| err.to_string())?,
        }),
        "*/*" | "application/*" => Ok(Body {
            content_type: "application/json".to_owned(),
            bytes: serde_json::to_vec(value).map_err(|err| err.to_string())?,
        }),
        "application/x-www-form-urlencoded" => {
            let Value::Object(map) = value else {
                return Err("a form-urlencoded body needs an object value".into());
            };
            let mut parts = Vec::new();
            for (name, v) in map {
                let enc = encoding.get(name);
                let style = enc.and_then(|e| e.style).unwrap_or(ParamStyle::Form);
                let explode = enc
                    .and_then(|e| e.explode)
                    .unwrap_or(style == ParamStyle::Form);
                let v = match v {
                    Value::Object(_) if enc.and_then(|e| e.style).is_none() => {
                        Value::String(v.to_string())
                    }
                    other => other.clone(),
                };
                match serialize_param(name, ParamLocation::Query, style, explode, false, &v)? {
                    Placed::Query(q) => parts.push(q),
                    _ => return Err(format!("cannot encode form field `{name}`")),
                }
            }
            Ok(Body {
                content_type: media_type.to_owned(),
                bytes: parts.join("&").into_bytes(),
            })
        }
        "multipart/form-data" => multipart(value, encoding, schema),
        "text/plain" => Ok(Body {
            content_type: media_type.to_owned(),
            bytes: match value {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            },
        }),
        "application/octet-stream" => Ok(Body {
            content_type: media_type.to_owned(),
            bytes: match value {
                Value::String(s) => s.clone().into_bytes(),
                other => other.to_string().into_bytes(),
            },
        }),
        _ => Err(format!(
            "bodies of media type `{media_type}` cannot be encoded yet"
        )),
    }
}

fn property_schema<'a>(schema: Option<&'a Value>, name: &str) -> Option<&'a Value> {
    schema?.get("properties")?.get(name)
}

fn multipart(
    value: &Value,
    encoding: &IndexMap<String, Encoding>,
    schema: Option<&Value>,
) -> Result<Body, String> {
    let Value::Object(map) = value else {
        return Err("a multipart/form-data body needs an object value".into());
    };
    let mut out = Vec::new();
    for (name, v) in map {
        let prop = property_schema(schema, name);
        let binary = prop
            .and_then(|p| p.get("format"))
            .and_then(Value::as_str)
            .is_some_and(|f| f == "binary")
            || prop.and_then(|p| p.get("contentMediaType")).is_some();
        let items: Vec<&Value> = match v {
            Value::Array(xs) if xs.iter().all(|x| !x.is_object() && !x.is_array()) => {
                xs.iter().collect()
            }
            other => vec![other],
        };
        for item in items {
            let default_type = match item {
                Value::Object(_) | Value::Array(_) => "application/json",
                Value::String(_) if binary => "application/octet-stream",
                _ => "text/plain",
            };
            let content_type = encoding
                .get(name)
                .and_then(|e| e.content_type.as_deref())
                .map(|t| t.split(',').next().unwrap_or(t).trim().to_owned())
                .unwrap_or_else(|| default_type.to_owned());
            let content = match item {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            if binary {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{name}.bin\"\r\n").as_bytes(),
                );
            } else {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes(),
                );
            }
            out.extend_from_slice(format!("Content-Type: {content_type}\r\n\r\n").as_bytes());
            out.extend_from_slice(content.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    Ok(Body {
        content_type: format!("multipart/form-data; boundary={BOUNDARY}"),
        bytes: out,
    })
}

#[cfg(test)]
mod tests {
    //! The "Style Examples" table of OpenAPI 3.1 (section 4.8.12.4), for a parameter named `color`
    //! with the values `"blue"`, `["blue", "black", "brown"]` and `{"R": 100, "G": 200, "B": 150}`
    //! (and the empty value). The `label` row with `explode: false` follows RFC 6570 `{.list}` and the
    //! OpenAPI 3.1.1 correction: `.blue,black,brown`.
    use super::*;
    use ParamLocation::*;
    use ParamStyle::{DeepObject, Form, Label, Matrix, PipeDelimited, Simple, SpaceDelimited};

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
    use serde_json::json;

    fn s(location: ParamLocation, style: ParamStyle, explode: bool, value: Value) -> String {
        match serialize_param("color", location, style, explode, false, &value).unwrap() {
            Placed::Path(p) | Placed::Query(p) | Placed::Header(p) => p,
            Placed::Cookie(c) => c.join("; "),
        }
    }

    fn row(location: ParamLocation, style: ParamStyle, explode: bool) -> [String; 3] {
        [
            s(location, style, explode, json!("blue")),
            s(location, style, explode, json!(["blue", "black", "brown"])),
            s(
                location,
                style,
                explode,
                json!({"R": 100, "G": 200, "B": 150}),
            ),
        ]
    }

    #[test]
    fn matrix() {
        assert_eq!(s(Path, Matrix, false, Value::Null), ";color");
        assert_eq!(
            row(Path, Matrix, false),
            [
                ";color=blue",
                ";color=blue,black,brown",
                ";color=R,100,G,200,B,150"
            ]
        );
        assert_eq!(
            row(Path, Matrix, true),
            [
                ";color=blue",
                ";color=blue;color=black;color=brown",
                ";R=100;G=200;B=150"
            ]
        );
    }

    #[test]
    fn label() {
        assert_eq!(s(Path, Label, false, Value::Null), ".");
        assert_eq!(
            row(Path, Label, false),
            [".blue", ".blue,black,brown", ".R,100,G,200,B,150"]
        );
        assert_eq!(
            row(Path, Label, true),
            [".blue", ".blue.black.brown", ".R=100.G=200.B=150"]
        );
    }

    #[test]
    fn simple() {
        assert_eq!(
            row(Path, Simple, false),
            ["blue", "blue,black,brown", "R,100,G,200,B,150"]
        );
        assert_eq!(
            row(Path, Simple, true),
            ["blue", "blue,black,brown", "R=100,G=200,B=150"]
        );
        assert_eq!(
            row(Header, Simple, false),
            ["blue", "blue,black,brown", "R,100,G,200,B,150"]
        );
        assert_eq!(
            row(Header, Simple, true),
            ["blue", "blue,black,brown", "R=100,G=200,B=150"]
        );
    }

    #[test]
    fn form() {
        assert_eq!(s(Query, Form, false, Value::Null), "color=");
        assert_eq!(
            row(Query, Form, false),
            [
                "color=blue",
                "color=blue,black,brown",
                "color=R,100,G,200,B,150"
            ]
        );
        assert_eq!(
            row(Query, Form, true),
            [
                "color=blue",
                "color=blue&color=black&color=brown",
                "R=100&G=200&B=150"
            ]
        );
        assert_eq!(s(Cookie, Form, false, json!("blue")), "color=blue");
        assert_eq!(
            s(Cookie, Form, false, json!(["blue", "black", "brown"])),
            "color=blue,black,brown"
        );
    }

    #[test]
    fn delimited_and_deep_object() {
        let list = json!(["blue", "black", "brown"]);
        let obj = json!({"R": 100, "G": 200, "B": 150});
        assert_eq!(
            s(Query, SpaceDelimited, false, list.clone()),
            "color=blue%20black%20brown"
        );
        assert_eq!(
            s(Query, SpaceDelimited, false, obj.clone()),
            "color=R%20100%20G%20200%20B%20150"
        );
        assert_eq!(
            s(Query, PipeDelimited, false, list),
            "color=blue|black|brown"
        );
        assert_eq!(
            s(Query, PipeDelimited, false, obj.clone()),
            "color=R|100|G|200|B|150"
        );
        assert_eq!(
            s(Query, DeepObject, true, obj),
            "color[R]=100&color[G]=200&color[B]=150"
        );
    }

    #[test]
    fn percent_encoding_and_allow_reserved() {
        assert_eq!(s(Path, Simple, false, json!("a b/c")), "a%20b%2Fc");
        assert_eq!(s(Query, Form, true, json!("x&y=z")), "color=x%26y%3Dz");
        let kept = serialize_param("p", Query, Form, true, true, &json!("a/b:c")).unwrap();
        assert_eq!(kept, Placed::Query("p=a/b:c".into()));
        assert!(serialize_param("color", Path, DeepObject, true, false, &json!("x")).is_err());
    }

    /// OpenAPI 3.2's style examples for `style: cookie` (explode true: `; `-separated pairs),
    /// and its rule that values are sent as given: `%` and `!` stay, only what a cookie value
    /// cannot hold is encoded.
    #[test]
    fn cookie_style() {
        assert_eq!(
            row(Cookie, ParamStyle::Cookie, true),
            [
                "color=blue",
                "color=blue; color=black; color=brown",
                "R=100; G=200; B=150"
            ]
        );
        assert_eq!(
            s(Cookie, ParamStyle::Cookie, false, json!("blue")),
            "color=blue"
        );
        assert_eq!(
            s(Cookie, ParamStyle::Cookie, true, json!("a%20b!c")),
            "color=a%20b!c"
        );
        assert_eq!(
            s(Cookie, ParamStyle::Cookie, true, json!("a b;c,\"d\"\u{e9}")),
            "color=a%20b%3Bc%2C%22d%22%C3%A9"
        );
    }

    #[test]
    fn cookie_values_are_percent_encoded() {
        assert_eq!(
            s(Cookie, Form, false, json!("a b;c=d")),
            "color=a%20b%3Bc%3Dd"
        );
        assert_eq!(
            s(Cookie, Form, true, json!("caf\u{e9} \"x\",\\y")),
            "color=caf%C3%A9%20%22x%22%2C%5Cy"
        );
        // Non-exploded lists and objects keep the bare `,` between items; commas inside items
        // are encoded.
        assert_eq!(
            s(Cookie, Form, false, json!(["a,b", "c d"])),
            "color=a%2Cb,c%20d"
        );
        assert_eq!(
            s(Cookie, Form, false, json!({"k;1": "v 1"})),
            "color=k%3B1,v%201"
        );
        // Exploded lists repeat the name; exploded objects encode names and values.
        assert_eq!(
            s(Cookie, Form, true, json!(["a b", "\u{fc}"])),
            "color=a%20b; color=%C3%BC"
        );
        assert_eq!(
            serialize_param(
                "prefs",
                Cookie,
                Form,
                true,
                false,
                &json!({"the theme": "dark; x", "lang": "fran\u{e7}ais", "n": 2})
            )
            .unwrap(),
            Placed::Cookie(vec![
                "the%20theme=dark%3B%20x".into(),
                "lang=fran%C3%A7ais".into(),
                "n=2".into()
            ])
        );
        // `allowReserved` does not apply to cookies.
        assert_eq!(
            serialize_param("c", Cookie, Form, false, true, &json!("a;b,c/d")).unwrap(),
            Placed::Cookie(vec!["c=a%3Bb%2Cc%2Fd".into()])
        );
        // The parameter's name: only non-token bytes are encoded.
        assert_eq!(
            serialize_param("sess$id", Cookie, Form, false, false, &json!("1")).unwrap(),
            Placed::Cookie(vec!["sess$id=1".into()])
        );
        assert_eq!(
            serialize_param("a b;", Cookie, Form, false, false, &json!("1")).unwrap(),
            Placed::Cookie(vec!["a%20b%3B=1".into()])
        );
    }

    #[test]
    fn header_values_are_always_valid() {
        // Valid header values go as they are, `%` and separators included.
        assert_eq!(
            s(Header, Simple, false, json!("100% \"ok\"; q=1, x")),
            "100% \"ok\"; q=1, x"
        );
        // Non-ASCII and control characters are encoded, and then `%` too.
        assert_eq!(s(Header, Simple, false, json!("caf\u{e9}")), "caf%C3%A9");
        assert_eq!(
            s(Header, Simple, false, json!("a\r\nb\tc\u{7f}")),
            "a%0D%0Ab%09c%7F"
        );
        assert_eq!(s(Header, Simple, false, json!("5% \u{e9}")), "5%25 %C3%A9");
        // The decision is for the whole value: `%` in one item is encoded when another item
        // needs encoding.
        assert_eq!(
            s(Header, Simple, false, json!(["50%", "\u{e9}"])),
            "50%25,%C3%A9"
        );
        assert_eq!(
            s(Header, Simple, true, json!({"k\u{e9}": "v\n", "p": "1%"})),
            "k%C3%A9=v%0A,p=1%25"
        );
        for v in [json!("caf\u{e9}\u{0}"), json!(["\u{1b}[31m", "\u{2603}"])] {
            let h = s(Header, Simple, false, v);
            assert!(
                h.bytes().all(|b| b == b' ' || b.is_ascii_graphic()),
                "{h:?}"
            );
        }
    }

    #[test]
    fn bodies() {
        let v = json!({"name": "Rex", "tags": ["a", "b"], "meta": {"k": 1}});
        let b = encode_body("application/json", &v, &IndexMap::new(), None).unwrap();
        assert_eq!(
            String::from_utf8(b.bytes).unwrap(),
            r#"{"name":"Rex","tags":["a","b"],"meta":{"k":1}}"#
        );
        let b = encode_body(
            "application/x-www-form-urlencoded",
            &v,
            &IndexMap::new(),
            None,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(b.bytes).unwrap(),
            "name=Rex&tags=a&tags=b&meta=%7B%22k%22%3A1%7D"
        );
        let mut enc = IndexMap::new();
        enc.insert(
            "meta".to_owned(),
            Encoding {
                content_type: Some("application/vnd.meta+json".into()),
                ..Encoding::default()
            },
        );
        let schema = json!({"properties": {"file": {"type": "string", "format": "binary"}}});
        let b = encode_body(
            "multipart/form-data",
            &json!({"name": "Rex", "meta": {"k": 1}, "file": "AAA"}),
            &enc,
            Some(&schema),
        )
        .unwrap();
        assert_eq!(
            b.content_type,
            format!("multipart/form-data; boundary={BOUNDARY}")
        );
        let text = String::from_utf8(b.bytes).unwrap();
        assert_eq!(
            text,
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"name\"\r\nContent-Type: text/plain\r\n\r\nRex\r\n\
                 --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/vnd.meta+json\r\n\r\n{{\"k\":1}}\r\n\
                 --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file.bin\"\r\nContent-Type: application/octet-stream\r\n\r\nAAA\r\n\
                 --{BOUNDARY}--\r\n"
            )
        );
        let b = encode_body(
            "text/plain; charset=utf-8",
            &json!("hello"),
            &IndexMap::new(),
            None,
        )
        .unwrap();
        assert_eq!(
            (b.content_type.as_str(), b.bytes.as_slice()),
            ("text/plain; charset=utf-8", b"hello".as_slice())
        );
        let b = encode_body(
            "application/octet-stream",
            &json!("raw"),
            &IndexMap::new(),
            None,
        )
        .unwrap();
        assert_eq!(b.bytes, b"raw");
        assert!(encode_body("application/xml", &v, &IndexMap::new(), None).is_err());
    }
}

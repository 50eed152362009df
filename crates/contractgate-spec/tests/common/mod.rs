//! Helpers shared by the integration tests of this crate.

use contractgate_spec::ir::Api;
use serde_json::Value;

/// The IR with everything that differs between two files of the same API (names, positions,
/// version) blanked out, every schema bundled (so `$defs` names given in another order compare
/// equal through what they mean).
pub fn comparable(api: Api) -> Value {
    let mut api = api.bundled();
    api.schemas = Default::default();
    api.source.clear();
    api.files.clear();
    api.openapi_version.clear();
    let mut v = serde_json::to_value(api).unwrap();
    fn blank(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if matches!(k.as_str(), "location" | "defined_at") && val.is_object() {
                        *val = Value::Null;
                    } else {
                        blank(val);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(blank),
            _ => {}
        }
    }
    blank(&mut v);
    v
}

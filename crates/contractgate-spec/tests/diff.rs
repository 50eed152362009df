//! `diff`: one fixture per rule (the base spec with one edit) and the change list it must give;
//! a spec against itself, and against its 3.1 and Swagger 2.0 forms, gives nothing breaking.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use contractgate_spec::diff::{Change, Level, diff};
use contractgate_spec::ir::Api;

const BASE: &str = include_str!("fixtures/diff/base.yaml");

fn load(name: &str, text: &str) -> Api {
    contractgate_spec::load_str(name, text)
        .unwrap_or_else(|d| panic!("{name} does not load:\n{}", d.render()))
        .api
}

/// The base with each `(from, to)` edit applied (each must match).
fn edited(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_owned();
    for (from, to) in edits {
        assert!(text.contains(from), "the edit `{from}` does not apply");
        text = text.replacen(from, to, 1);
    }
    text
}

/// `level rule`: the changes as a sorted list, for exact comparison.
fn kinds(changes: &[Change]) -> Vec<String> {
    let mut v: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}", c.level, c.rule))
        .collect();
    v.sort();
    v
}

fn changes_for(edits: &[(&str, &str)]) -> Vec<Change> {
    diff(&load("old.yaml", BASE), &load("new.yaml", &edited(edits)))
}

/// A fixture: its name, the edits to the base, and the changes it must give.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a [&'a str]);

#[test]
fn each_rule_on_its_fixture() {
    let cases: &[Case<'_>] = &[
        (
            "a moved operation is the route mix-up",
            &[("/user/profile:", "/user/settings:")],
            &["breaking operation-moved"],
        ),
        (
            "an operation removed",
            &[(
                "    put:\n      operationId: updateUser",
                "    x-put:\n      operationId: updateUser",
            )],
            &["breaking operation-removed"],
        ),
        (
            "a path removed with its only operation",
            &[(
                "  /user/profile:\n    get:\n      operationId: getUserProfile",
                "  /user/profile:\n    x-get:\n      operationId: getUserProfile",
            )],
            &["breaking path-removed"],
        ),
        (
            "a renamed path parameter is the same operation",
            &[
                ("  /users/{id}:", "  /users/{userId}:"),
                ("- {name: id, in: path", "- {name: userId, in: path"),
                ("- {name: id, in: path", "- {name: userId, in: path"),
            ],
            &[],
        ),
        (
            "a success status removed",
            &[(
                "        \"200\": {description: updated}",
                "        \"201\": {description: updated}",
            )],
            &[
                "breaking success-status-removed",
                "non-breaking response-added",
            ],
        ),
        (
            "a response media type removed",
            &[(
                "          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Profile\"}",
                "          content:\n            text/plain:\n              schema: {type: string}",
            )],
            &["breaking response-media-type-removed"],
        ),
        (
            "a response property removed",
            &[("        nickname: {type: string}\n", "")],
            &["breaking response-property-removed"],
        ),
        (
            "a response property made optional",
            &[("required: [id, email]", "required: [id]")],
            &["breaking response-property-became-optional"],
        ),
        (
            "a response property changes type",
            &[(
                "        email: {type: string}",
                "        email: {type: integer}",
            )],
            &["breaking response-type-changed"],
        ),
        (
            "a response property becomes nullable",
            &[(
                "        email: {type: string}",
                "        email: {type: string, nullable: true}",
            )],
            &["breaking response-became-nullable"],
        ),
        (
            "a new enum value in a response is a warning, a removed one is not breaking",
            &[("enum: [active, locked]", "enum: [active, suspended]")],
            &[
                "non-breaking response-enum-value-removed",
                "warning response-enum-value-added",
            ],
        ),
        (
            "a response property added",
            &[(
                "        tags: {type: array, items: {type: string}}",
                "        tags: {type: array, items: {type: string}}\n        bio: {type: string}",
            )],
            &["non-breaking response-property-added"],
        ),
        (
            "array items change type",
            &[(
                "tags: {type: array, items: {type: string}}",
                "tags: {type: array, items: {type: integer}}",
            )],
            &["breaking response-type-changed"],
        ),
        (
            "a parameter became required",
            &[(
                "{name: fields, in: query, required: false",
                "{name: fields, in: query, required: true",
            )],
            &["breaking parameter-became-required"],
        ),
        (
            "a required parameter added",
            &[(
                "        - {name: fields, in: query",
                "        - {name: tenant, in: header, required: true, schema: {type: string}}\n        - {name: fields, in: query",
            )],
            &["breaking required-parameter-added"],
        ),
        (
            "an optional parameter added",
            &[(
                "        - {name: fields, in: query",
                "        - {name: lang, in: query, schema: {type: string}}\n        - {name: fields, in: query",
            )],
            &["non-breaking optional-parameter-added"],
        ),
        (
            "a parameter moved from query to header",
            &[("{name: fields, in: query", "{name: fields, in: header")],
            &["breaking parameter-moved"],
        ),
        (
            "a parameter's style changed",
            &[(
                "{name: fields, in: query, required: false,",
                "{name: fields, in: query, required: false, style: pipeDelimited,",
            )],
            &["breaking parameter-style-changed"],
        ),
        (
            "maxLength lowered on a request value",
            &[(
                "{type: string, maxLength: 100}",
                "{type: string, maxLength: 10}",
            )],
            &["breaking request-constraint-narrowed"],
        ),
        (
            "maxLength raised on a request value",
            &[(
                "{type: string, maxLength: 100}",
                "{type: string, maxLength: 1000}",
            )],
            &["non-breaking request-constraint-relaxed"],
        ),
        (
            "a format added to a request value",
            &[(
                "name: {type: string, maxLength: 64}",
                "name: {type: string, maxLength: 64, format: email}",
            )],
            &["breaking request-constraint-narrowed"],
        ),
        (
            "an enum value removed from a request",
            &[("enum: [admin, member]", "enum: [member]")],
            &["breaking request-enum-value-removed"],
        ),
        (
            "a request body property added as required",
            &[
                (
                    "    UserUpdate:\n      type: object\n",
                    "    UserUpdate:\n      type: object\n      required: [email]\n",
                ),
                (
                    "        role: {type: string, enum: [admin, member]}",
                    "        role: {type: string, enum: [admin, member]}\n        email: {type: string}",
                ),
            ],
            &["breaking request-property-added-required"],
        ),
        (
            "additionalProperties turned false on a request",
            &[(
                "    UserUpdate:\n      type: object\n",
                "    UserUpdate:\n      type: object\n      additionalProperties: false\n",
            )],
            &["breaking request-additional-properties-closed"],
        ),
        (
            "security added to an operation",
            &[(
                "    get:\n      operationId: getUser\n",
                "    get:\n      operationId: getUser\n      security: [{bearerAuth: []}]\n",
            )],
            &["breaking security-added"],
        ),
        (
            "a new required response header",
            &[(
                "            X-Request-Id: {required: true, schema: {type: string}}",
                "            X-Request-Id: {required: true, schema: {type: string}}\n            X-Trace: {required: true, schema: {type: string}}",
            )],
            &["warning response-header-required-added"],
        ),
        (
            "an operation added",
            &[(
                "components:\n",
                "  /health:\n    get:\n      operationId: getHealth\n      responses:\n        \"200\": {description: up}\ncomponents:\n",
            )],
            &["non-breaking operation-added"],
        ),
        (
            "a recursive schema changes deep inside and the walk terminates",
            &[(
                "        name: {type: string}\n        parent:",
                "        name: {type: integer}\n        parent:",
            )],
            &["breaking response-type-changed"],
        ),
    ];
    let mut wrong = Vec::new();
    for (name, edits, expected) in cases {
        let got = kinds(&changes_for(edits));
        let mut want: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
        want.sort();
        if got != want {
            wrong.push(format!("{name}:\n  expected {want:?}\n  got      {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

#[test]
fn a_change_names_the_operation_both_places_and_where_in_the_schema() {
    let changes = changes_for(&[("        nickname: {type: string}\n", "")]);
    let c = &changes[0];
    assert_eq!(c.level, Level::Breaking);
    assert_eq!(c.operation, "GET /user/profile (getUserProfile)");
    assert_eq!(
        c.message,
        "the 200 response (application/json) at /properties/nickname: the property `nickname` was removed"
    );
    assert_eq!(
        c.old.as_ref().unwrap().to_string(),
        "old.yaml:10:9 #/paths/~1user~1profile/get/responses/200"
    );
    assert_eq!(
        c.new.as_ref().unwrap().to_string(),
        "new.yaml:10:9 #/paths/~1user~1profile/get/responses/200"
    );
    assert_eq!(c.at.as_deref(), Some("/properties/nickname"));
    let moved = changes_for(&[("/user/profile:", "/user/settings:")]);
    assert_eq!(
        moved[0].message,
        "getUserProfile moved from GET /user/profile to GET /user/settings: clients calling GET /user/profile get another route's answer or none"
    );
}

#[test]
fn alternatives_that_change_shape_are_not_guessed_compatible() {
    let changes = changes_for(&[(
        "        email: {type: string}",
        "        email:\n          oneOf:\n            - {type: string}\n            - {type: integer}",
    )]);
    assert!(
        changes
            .iter()
            .any(|c| c.level == Level::Warning && c.rule == "could-not-decide"),
        "{changes:#?}"
    );
}

#[test]
fn a_spec_against_itself_and_its_other_versions_has_nothing_breaking() {
    let specs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut compared = 0;
    for entry in walk(&specs) {
        let Ok(loaded) = contractgate_spec::load(&entry) else {
            continue;
        };
        let changes = diff(&loaded.api, &loaded.api);
        assert!(changes.is_empty(), "{}: {changes:#?}", entry.display());
        compared += 1;
    }
    assert!(compared > 5, "compared {compared} specs");
    // 3.0 and its 3.1 form: the same API.
    let v30 = BASE;
    let v31 = BASE.replace("openapi: 3.0.3", "openapi: 3.1.0").replace(
        "{type: string, nullable: true}",
        "{type: [string, \"null\"]}",
    );
    let changes = diff(&load("a.yaml", v30), &load("b.yaml", &v31));
    assert!(
        changes.iter().all(|c| c.level != Level::Breaking),
        "{changes:#?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        {
            out.push(p);
        }
    }
    out.sort();
    out
}

mod same_api_other_form {
    //! A random API written three ways (Swagger 2.0, OpenAPI 3.0 with `nullable`, OpenAPI 3.1
    //! with type arrays) is one API: no form against another, or against itself, is breaking.
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    struct Prop {
        name: String,
        ty: &'static str,
        nullable: bool,
        required: bool,
        enumerated: bool,
        max_length: Option<u32>,
    }

    #[derive(Clone, Debug)]
    struct Param {
        name: String,
        ty: &'static str,
        required: bool,
    }

    fn prop() -> impl Strategy<Value = Prop> {
        (
            "[a-z]{3,8}",
            prop::sample::select(vec!["string", "integer", "number", "boolean"]),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            prop::option::of(1u32..200),
        )
            .prop_map(
                |(name, ty, nullable, required, enumerated, max_length)| Prop {
                    name,
                    ty,
                    nullable,
                    required,
                    enumerated: enumerated && ty == "string",
                    max_length: max_length.filter(|_| ty == "string"),
                },
            )
    }

    fn param() -> impl Strategy<Value = Param> {
        (
            "[a-z]{3,8}",
            prop::sample::select(vec!["string", "integer", "boolean"]),
            any::<bool>(),
        )
            .prop_map(|(name, ty, required)| Param { name, ty, required })
    }

    fn unique<T: Clone>(v: Vec<T>, name: impl Fn(&T) -> &str) -> Vec<T> {
        let mut seen = std::collections::HashSet::new();
        v.into_iter()
            .filter(|x| seen.insert(name(x).to_owned()))
            .collect()
    }

    /// A schema's properties in one of the three forms.
    fn schema(props: &[Prop], form: u8, indent: &str) -> String {
        let mut s = format!("{indent}type: object\n");
        let required: Vec<&str> = props
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .collect();
        if !required.is_empty() {
            s.push_str(&format!("{indent}required: [{}]\n", required.join(", ")));
        }
        s.push_str(&format!("{indent}properties:\n"));
        for p in props {
            let ty = match (form, p.nullable) {
                (31, true) => format!("type: [{}, \"null\"]", p.ty),
                (30, true) => format!("type: {}, nullable: true", p.ty),
                (20, true) => format!("type: {}, x-nullable: true", p.ty),
                _ => format!("type: {}", p.ty),
            };
            let mut extra = String::new();
            if p.enumerated {
                extra.push_str(if p.nullable && form == 31 {
                    ", enum: [a, b, null]"
                } else {
                    ", enum: [a, b]"
                });
            }
            if let Some(m) = p.max_length {
                extra.push_str(&format!(", maxLength: {m}"));
            }
            s.push_str(&format!("{indent}  {}: {{{ty}{extra}}}\n", p.name));
        }
        s
    }

    fn document(props: &[Prop], params: &[Param], form: u8) -> String {
        if form == 20 {
            let mut s = String::from(
                "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\nproduces: [application/json]\nconsumes: [application/json]\npaths:\n  /things:\n    get:\n      operationId: listThings\n      parameters:\n",
            );
            for p in params {
                s.push_str(&format!(
                    "        - {{name: {}, in: query, required: {}, type: {}}}\n",
                    p.name, p.required, p.ty
                ));
            }
            if params.is_empty() {
                s = s.replace("      parameters:\n", "");
            }
            s.push_str("      responses:\n        \"200\":\n          description: ok\n          schema: {$ref: \"#/definitions/Thing\"}\n    post:\n      operationId: createThing\n      parameters:\n        - {name: body, in: body, required: true, schema: {$ref: \"#/definitions/Thing\"}}\n      responses:\n        \"201\": {description: created}\ndefinitions:\n  Thing:\n");
            s.push_str(&schema(props, 20, "    "));
            return s;
        }
        let version = if form == 31 { "3.1.0" } else { "3.0.3" };
        let mut s = format!(
            "openapi: {version}\ninfo: {{title: t, version: \"1\"}}\npaths:\n  /things:\n    get:\n      operationId: listThings\n      parameters:\n"
        );
        for p in params {
            s.push_str(&format!(
                "        - {{name: {}, in: query, required: {}, schema: {{type: {}}}}}\n",
                p.name, p.required, p.ty
            ));
        }
        if params.is_empty() {
            s = s.replace("      parameters:\n", "");
        }
        s.push_str("      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/Thing\"}\n    post:\n      operationId: createThing\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {$ref: \"#/components/schemas/Thing\"}\n      responses:\n        \"201\": {description: created}\ncomponents:\n  schemas:\n    Thing:\n");
        s.push_str(&schema(props, form, "      "));
        s
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        #[test]
        fn no_form_breaks_another(
            props in prop::collection::vec(prop(), 1..6).prop_map(|v| unique(v, |p| &p.name)),
            params in prop::collection::vec(param(), 0..4).prop_map(|v| unique(v, |p| &p.name)),
        ) {
            let forms = [20u8, 30, 31];
            let apis: Vec<Api> = forms
                .iter()
                .map(|f| load(&format!("form{f}.yaml"), &document(&props, &params, *f)))
                .collect();
            for (i, a) in apis.iter().enumerate() {
                prop_assert!(diff(a, a).is_empty(), "form {} against itself", forms[i]);
                for (j, b) in apis.iter().enumerate() {
                    let breaking: Vec<String> = diff(a, b)
                        .into_iter()
                        .filter(|c| c.level == Level::Breaking)
                        .map(|c| format!("{}: {}", c.rule, c.message))
                        .collect();
                    prop_assert!(
                        breaking.is_empty(),
                        "form {} → form {}: {:?}",
                        forms[i],
                        forms[j],
                        breaking
                    );
                }
            }
        }
    }
}

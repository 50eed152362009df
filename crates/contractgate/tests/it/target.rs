//! Finding the target: precedence of base URL sources, environments, and clear errors.

use contractgate::{Resolve, TargetError};

fn dir(name: &str, config: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("contractgate-target-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("contractgate.toml"), config).unwrap();
    dir
}

const CONFIG: &str = r#"
[environments.staging]
base_url = "https://staging.example.com/api/"
read_only = true
timeout_secs = 7.5
headers = { "X-Env" = "staging" }

[environments.local]
use_spec_server = true

[checks.latency_budget]
enabled = false
"#;

fn no_vars(_: &str) -> Option<String> {
    None
}

#[test]
fn explicit_beats_env_var_beats_environment() {
    let d = dir("precedence", CONFIG);
    let spec = d.join("openapi.yaml");
    let vars = |n: &str| match n {
        "CONTRACTGATE_BASE_URL" => Some("http://127.0.0.1:1234".to_owned()),
        "CONTRACTGATE_ENV" => Some("staging".to_owned()),
        _ => None,
    };
    let t = Resolve::new()
        .with_spec(&spec)
        .with_base_url("http://127.0.0.1:9999")
        .target_with_env(None, &vars)
        .unwrap();
    assert_eq!(t.base_url, "http://127.0.0.1:9999");
    assert!(
        t.settings.read_only,
        "the environment's settings still apply"
    );
    let t = Resolve::new()
        .with_spec(&spec)
        .target_with_env(None, &vars)
        .unwrap();
    assert_eq!(t.base_url, "http://127.0.0.1:1234");
    let env_only = |n: &str| (n == "CONTRACTGATE_ENV").then(|| "staging".to_owned());
    let t = Resolve::new()
        .with_spec(&spec)
        .target_with_env(None, &env_only)
        .unwrap();
    assert_eq!(t.base_url, "https://staging.example.com/api");
    assert_eq!(t.environment.as_deref(), Some("staging"));
    assert_eq!(
        t.settings.http.timeout,
        std::time::Duration::from_millis(7500)
    );
    assert_eq!(t.settings.headers["X-Env"], "staging");
    assert_eq!(
        t.settings.disabled,
        vec![contractgate::Check::LatencyBudget]
    );
}

#[test]
fn spec_servers_only_when_asked() {
    let d = dir("servers", CONFIG);
    let mut api = crate::support::api();
    api.servers = serde_json::from_value(serde_json::json!([
        {"url": "https://{region}.example.com/v1", "variables": {"region": {"default": "eu"}}}
    ]))
    .unwrap();
    let t = Resolve::new()
        .with_config(d.join("contractgate.toml"))
        .with_environment("local")
        .target_with_env(Some(&api), &no_vars)
        .unwrap();
    assert_eq!(t.base_url, "https://eu.example.com/v1");
    let e = Resolve::new()
        .target_with_env(Some(&api), &no_vars)
        .unwrap_err();
    assert!(matches!(e, TargetError::NoBaseUrl(_)));
}

#[test]
fn errors_say_how_to_fix_them() {
    let e = Resolve::new().target_with_env(None, &no_vars).unwrap_err();
    crate::support::snapshot("no_base_url", &e.to_string());
    let d = dir("unknown-env", CONFIG);
    let e = Resolve::new()
        .with_config(d.join("contractgate.toml"))
        .with_environment("prod")
        .target_with_env(None, &no_vars)
        .unwrap_err();
    assert!(
        e.to_string()
            .ends_with("no environment `prod`; environments: staging, local"),
        "{e}"
    );
    let e = Resolve::new()
        .with_environment("prod")
        .target_with_env(None, &no_vars)
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("environment `prod` was asked for, but no contractgate.toml was found"),
        "{e}"
    );
    let bad = dir("bad-key", "[environments.x]\nread_olny = true\n");
    let e = Resolve::new()
        .with_config(bad.join("contractgate.toml"))
        .with_environment("x")
        .target_with_env(None, &no_vars)
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown field `read_olny`, expected one of `base_url`"),
        "{e}"
    );
    let e = Resolve::new()
        .with_base_url("localhost:8080")
        .target_with_env(None, &no_vars)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "base URL `localhost:8080` is not an http(s) URL"
    );
}

#[test]
fn env_defaults_stand_in_for_unset_variables_and_cli_keys_are_accepted() {
    let d = dir(
        "defaults",
        r#"
[environments.local]
base_url = "http://127.0.0.1:8080"
server = "cargo run -p svc -- --port {port}"
ready_url = "http://127.0.0.1:{port}/health"
ready_timeout_secs = 60
env_defaults = { DEMO_TOKEN = "demo-123" }
[environments.local.credentials]
bearerAuth = { token_env = "DEMO_TOKEN" }
"#,
    );
    let api = crate::support::api();
    let t = Resolve::new()
        .with_config(d.join("contractgate.toml"))
        .with_environment("local")
        .target_with_env(Some(&api), &no_vars)
        .unwrap();
    assert_eq!(
        t.credentials["bearerAuth"],
        contractgate::Credentials::Bearer(contractgate::Secret {
            env_var: "DEMO_TOKEN".into(),
            value: Some("demo-123".into())
        })
    );
    let set = |n: &str| (n == "DEMO_TOKEN").then(|| "from-env".to_owned());
    let t = Resolve::new()
        .with_config(d.join("contractgate.toml"))
        .with_environment("local")
        .target_with_env(Some(&api), &set)
        .unwrap();
    assert!(
        matches!(&t.credentials["bearerAuth"], contractgate::Credentials::Bearer(s) if s.value.as_deref() == Some("from-env"))
    );
}

#[test]
fn the_example_services_config_parses() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/user-service/contractgate.toml");
    if path.is_file() {
        let config = contractgate::Config::load(&path).unwrap();
        assert!(config.environments.contains_key("production"));
        assert!(config.environments["production"].read_only);
    }
}

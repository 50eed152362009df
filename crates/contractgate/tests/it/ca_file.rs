//! Extra CA certificates: `ca_file` in an environment and `CONTRACTGATE_CA_FILE`.
//!
//! The server's certificate, `tls/ca-signed-cert.pem` (key `tls/ca-signed-key.pem`, for 127.0.0.1
//! and localhost, valid 2026-2126), is signed by the test CA `tls/ca.pem` ("contractgate test
//! CA", CA:TRUE), which no platform trusts. The CA's key was thrown away. To make new ones:
//!
//! ```sh
//! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-key.pem
//! openssl req -x509 -new -key ca-key.pem -subj "/CN=contractgate test CA" -days 36500 \
//!   -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out ca.pem
//! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-signed-key.pem
//! openssl req -new -key ca-signed-key.pem -subj "/CN=127.0.0.1" -out leaf.csr
//! openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca-key.pem -days 36500 -out ca-signed-cert.pem \
//!   -extfile <(printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost')
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use contractgate::client::CaFile;
use contractgate::{Check, Harness, Outcome, Resolve, Settings, Target, TargetError};

use crate::support::api;
use crate::tls::{serve_https, tls_dir};

/// An HTTPS server whose certificate is signed by the test CA.
fn serve_behind_test_ca() -> String {
    serve_https("ca-signed-cert.pem", "ca-signed-key.pem")
}

/// A fresh directory with `contractgate.toml` (and the files given) in it.
fn dir(name: &str, config: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("contractgate-ca-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("contractgate.toml"), config).unwrap();
    for (file, content) in files {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    dir
}

fn no_vars(_: &str) -> Option<String> {
    None
}

fn check(target: Target) -> contractgate::CheckResult {
    let harness = Harness::new(Arc::new(api()), target);
    contractgate::block_on(harness.check("getItem", Check::ResponseSchemaConformance))
}

fn staging(dir: &Path, vars: &dyn Fn(&str) -> Option<String>) -> Result<Target, TargetError> {
    Resolve::new()
        .with_config(dir.join("contractgate.toml"))
        .with_environment("staging")
        .target_with_env(None, vars)
}

#[test]
fn a_server_behind_a_private_ca_is_trusted_only_with_its_ca_file() {
    let url = serve_behind_test_ca();
    let ca = std::fs::read(tls_dir().join("ca.pem")).unwrap();

    // Without the CA: verified against the platform's roots, and rejected.
    let r = check(Target::new(url.clone()).unwrap());
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    let text = r.to_string();
    assert!(text.contains("the target could not be reached"), "{text}");
    assert!(text.to_lowercase().contains("certificate"), "{text}");

    // `ca_file` relative to the config file (in a subdirectory, with the CA after another
    // certificate, as bundles are).
    let mut bundle = std::fs::read(tls_dir().join("cert.pem")).unwrap();
    bundle.extend_from_slice(&ca);
    let d = dir(
        "trusted",
        &format!("[environments.staging]\nbase_url = \"{url}\"\nca_file = \"certs/bundle.pem\"\n"),
        &[("certs/bundle.pem", &bundle)],
    );
    let target = staging(&d, &no_vars).unwrap();
    assert_eq!(
        target
            .settings
            .http
            .ca_file
            .as_ref()
            .map(|c| c.path.clone()),
        Some(d.join("certs/bundle.pem"))
    );
    let r = check(target);
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");

    // CONTRACTGATE_CA_FILE, without any config file.
    let ca_path = tls_dir().join("ca.pem");
    let vars = |n: &str| (n == "CONTRACTGATE_CA_FILE").then(|| ca_path.display().to_string());
    let target = Resolve::new()
        .with_base_url(url.clone())
        .target_with_env(None, &vars)
        .unwrap();
    let r = check(target);
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");

    // Settings built in code: the same.
    let mut settings = Settings::default();
    settings.http.ca_file = Some(CaFile::new(ca_path.clone(), "a test"));
    let r = check(Target::new(url).unwrap().with_settings(settings));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
}

#[test]
fn a_missing_ca_file_is_a_clear_error() {
    let d = dir(
        "missing",
        "[environments.staging]\nbase_url = \"https://127.0.0.1:1\"\nca_file = \"nope/ca.pem\"\n",
        &[],
    );
    let e = staging(&d, &no_vars).unwrap_err();
    assert!(matches!(e, TargetError::CaFile(_)), "{e:?}");
    let config = d.join("contractgate.toml");
    let file = d.join("nope/ca.pem");
    assert_eq!(
        e.to_string(),
        format!(
            "`ca_file` of [environments.staging] in {}: cannot read the CA file {}: No such file or directory (os error 2)",
            config.display(),
            file.display()
        )
    );

    // The variable wins over the environment's key, and its errors name it.
    let vars = |n: &str| (n == "CONTRACTGATE_CA_FILE").then(|| "missing-ca.pem".to_owned());
    let e = staging(&d, &vars).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CONTRACTGATE_CA_FILE: cannot read the CA file missing-ca.pem: No such file or directory (os error 2)"
    );
    // Without a config file too.
    let e = Resolve::new()
        .with_base_url("https://127.0.0.1:1")
        .target_with_env(None, &vars)
        .unwrap_err();
    assert!(e.to_string().starts_with("CONTRACTGATE_CA_FILE: "), "{e}");

    // A directory is not a file.
    let vars = |n: &str| (n == "CONTRACTGATE_CA_FILE").then(|| d.display().to_string());
    let e = staging(&d, &vars).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!(
            "CONTRACTGATE_CA_FILE: cannot read the CA file {}: ",
            d.display()
        )),
        "{e}"
    );
}

#[test]
fn a_ca_file_without_certificates_is_a_clear_error() {
    let key = std::fs::read(tls_dir().join("key.pem")).unwrap();
    let d = dir(
        "garbage",
        "[environments.staging]\nbase_url = \"https://127.0.0.1:1\"\nca_file = \"garbage.pem\"\n\
         [environments.key]\nca_file = \"key.pem\"\n\
         [environments.broken]\nca_file = \"broken.pem\"\n\
         [environments.notacert]\nca_file = \"notacert.pem\"\n",
        &[
            ("garbage.pem", b"this is not a certificate\n\x00\xff"),
            ("key.pem", &key),
            (
                "broken.pem",
                b"-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n",
            ),
            (
                "notacert.pem",
                b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
            ),
        ],
    );
    let config = d.join("contractgate.toml");
    let message = |env: &str| {
        let e = Resolve::new()
            .with_config(&config)
            .with_environment(env)
            .target_with_env(None, &no_vars)
            .map(|_| ())
            .unwrap_err();
        assert!(matches!(e, TargetError::CaFile(_)), "{e:?}");
        e.to_string()
    };
    let no_certificate = |env: &str, file: &str| {
        format!(
            "`ca_file` of [environments.{env}] in {}: the CA file {} contains no certificate (a PEM file with one or more `-----BEGIN CERTIFICATE-----` blocks is expected)",
            config.display(),
            d.join(file).display()
        )
    };
    assert_eq!(message("staging"), no_certificate("staging", "garbage.pem"));
    assert_eq!(message("key"), no_certificate("key", "key.pem"));
    let broken = message("broken");
    assert!(
        broken.starts_with(&format!(
            "`ca_file` of [environments.broken] in {}: the CA file {} is not valid PEM (certificate 1): ",
            config.display(),
            d.join("broken.pem").display()
        )),
        "{broken}"
    );
    let not_a_cert = message("notacert");
    assert!(
        not_a_cert.starts_with(&format!(
            "`ca_file` of [environments.notacert] in {}: certificate 1 of the CA file {} is not a usable CA certificate: ",
            config.display(),
            d.join("notacert.pem").display()
        )),
        "{not_a_cert}"
    );
}

#[test]
fn a_bad_ca_file_set_in_code_errors_the_check_without_a_panic() {
    let d = dir("in-code", "", &[("empty.pem", b"")]);
    for (file, expected) in [
        (
            "empty.pem",
            format!(
                "settings.http.ca_file: the CA file {} contains no certificate",
                d.join("empty.pem").display()
            ),
        ),
        (
            "absent.pem",
            format!(
                "settings.http.ca_file: cannot read the CA file {}: No such file or directory",
                d.join("absent.pem").display()
            ),
        ),
    ] {
        let mut settings = Settings::default();
        settings.http.ca_file = Some(CaFile::new(d.join(file), "settings.http.ca_file"));
        // Nothing listens there: the client is never built, so nothing is contacted.
        let r = check(
            Target::new("https://127.0.0.1:1")
                .unwrap()
                .with_settings(settings),
        );
        assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
        let text = r.to_string();
        assert!(text.contains(&expected), "{expected}\n{text}");
    }
}

//! TLS is verified unless `insecure` is set explicitly. The server uses `tls/cert.pem`, a
//! self-signed test certificate for 127.0.0.1 (CA:FALSE, valid until 2126) with its key in
//! `tls/key.pem`; both exist only for these tests.

use std::sync::Arc;

use axum::serve::Listener;
use contractgate::{Check, Harness, Outcome, Settings, Target};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::support::{Behaviour, api, router};

struct TlsListener {
    tcp: tokio::net::TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            // A client that rejects the certificate ends the handshake: wait for the next one.
            if let Ok(tls) = self.acceptor.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// The folder of the test certificates.
pub(crate) fn tls_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/tls")
}

/// An HTTPS server on 127.0.0.1 with the certificate and key in these files of [`tls_dir`],
/// answering as [`Behaviour::good`]; returns its URL.
pub(crate) fn serve_https(cert: &str, key: &str) -> String {
    serve_https_with(cert, key, None)
}

/// [`serve_https`], requiring a client certificate signed by the CA in `client_ca` when given.
pub(crate) fn serve_https_with(cert: &str, key: &str, client_ca: Option<&str>) -> String {
    let cert = CertificateDer::from_pem_file(tls_dir().join(cert)).unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_dir().join(key)).unwrap();
    // The harness's provider (see `install_crypto_provider` in src/client.rs).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = match client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_file(tls_dir().join(ca)).unwrap())
                .unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .unwrap();
            builder.with_client_cert_verifier(verifier)
        }
    };
    let config = builder.with_single_cert(vec![cert], key).unwrap();
    let tcp = contractgate::block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0))).unwrap();
    let url = format!("https://{}", tcp.local_addr().unwrap());
    let listener = TlsListener {
        tcp,
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    };
    let _guard = contractgate::runtime().enter();
    contractgate::runtime().spawn(async move {
        axum::serve(listener, router(Behaviour::good())).await.ok();
    });
    url
}

fn serve_tls() -> String {
    serve_https("cert.pem", "key.pem")
}

#[test]
fn certificates_are_verified_unless_insecure_is_set() {
    let url = serve_tls();
    let verified = Harness::new(Arc::new(api()), Target::new(url.clone()).unwrap());
    let r = contractgate::block_on(verified.check("getItem", Check::NotServerError));
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    let text = r.to_string();
    assert!(text.contains("the target could not be reached"), "{text}");
    assert!(text.to_lowercase().contains("certificate"), "{text}");

    let mut settings = Settings::default();
    settings.http.insecure = true;
    let insecure = Harness::new(
        Arc::new(api()),
        Target::new(url).unwrap().with_settings(settings),
    );
    let r = contractgate::block_on(insecure.check("getItem", Check::ResponseSchemaConformance));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
}

/// Mutual TLS: a server that requires a client certificate signed by `tls/client-ca.pem` (the
/// client certificate `tls/client-cert.pem`, key `tls/client-key.pem`, valid until 2126, made
/// for these tests with `openssl req -x509` and `openssl x509 -req ... extendedKeyUsage=clientAuth`).
#[test]
fn a_client_certificate_is_presented_when_configured() {
    let url = serve_https_with(
        "ca-signed-cert.pem",
        "ca-signed-key.pem",
        Some("client-ca.pem"),
    );
    let settings = |identity: Option<contractgate::client::ClientIdentity>| {
        let mut s = Settings::default();
        s.http.ca_file = Some(contractgate::client::CaFile::new(
            tls_dir().join("ca.pem"),
            "test",
        ));
        s.http.client_identity = identity;
        s
    };
    let check = |identity| {
        let h = Harness::new(
            Arc::new(api()),
            Target::new(url.clone())
                .unwrap()
                .with_settings(settings(identity)),
        );
        contractgate::block_on(h.check("getItem", Check::ResponseSchemaConformance))
    };
    // Without one, the handshake fails: no answer.
    let r = check(None);
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{r}");
    assert!(
        r.to_string().contains("the target could not be reached"),
        "{r}"
    );
    // With it, the route is checked.
    let identity = contractgate::client::ClientIdentity {
        cert: tls_dir().join("client-cert.pem"),
        key: tls_dir().join("client-key.pem"),
        setting: "test".into(),
    };
    let r = check(Some(identity.clone()));
    assert!(matches!(r.outcome, Outcome::Passed { .. }), "{r}");
    // A key file that holds no key is a clear error naming it, before anything is sent.
    let bad = contractgate::client::ClientIdentity {
        key: tls_dir().join("ca.pem"),
        ..identity
    };
    let r = check(Some(bad));
    let text = r.to_string();
    assert!(matches!(r.outcome, Outcome::Errored(_)), "{text}");
    assert!(
        text.contains("the HTTP client could not be set up"),
        "{text}"
    );
    assert!(text.contains("contains no private key"), "{text}");
    assert!(text.contains("ca.pem"), "{text}");
}

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
    let cert = CertificateDer::from_pem_file(tls_dir().join(cert)).unwrap();
    let key = PrivateKeyDer::from_pem_file(tls_dir().join(key)).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
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

//! SIP over TLS (crate feature `tls`): the rustls client and server
//! configurations built from [`TlsConfig`], and the handshakes the driver runs.
//!
//! Servers are always verified (chain against the trust store, name against
//! the URI host, RFC 5922 §4); there is no option to turn that off. A failed
//! handshake is reported as a security failure, and the driver never retries
//! the request over TCP or UDP.

use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};
use tracing::{debug, warn};

use crate::config::TlsConfig;

/// Why the TLS settings could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// A PEM file could not be read or held nothing usable.
    #[error("{what} {path}: {why}")]
    File {
        /// What the file was for.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// What went wrong.
        why: String,
    },
    /// A TLS listener needs a certificate and a key.
    #[error("a TLS listener needs a certificate file and a key file")]
    MissingServerCertificate,
    /// rustls refused the configuration (e.g. a key that does not match).
    #[error("TLS configuration: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Why an outgoing TLS connection failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnectFailure {
    /// The TCP connection could not be made (nothing was sent).
    Network(String),
    /// The handshake failed: an untrusted or wrongly named certificate, or a
    /// peer that does not speak TLS.
    Security(String),
}

/// The client configuration, and the server one when there is a listener.
#[derive(Clone)]
pub(crate) struct TlsContext {
    connector: TlsConnector,
    acceptor: Option<TlsAcceptor>,
}

impl std::fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsContext")
            .field("listener", &self.acceptor.is_some())
            .finish()
    }
}

fn certs(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let err = |why: String| TlsSetupError::File {
        what,
        path: path.to_path_buf(),
        why,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(err("no certificate in the file".into()));
    }
    Ok(certs)
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| TlsSetupError::File {
        what: "private key",
        path: path.to_path_buf(),
        why: e.to_string(),
    })
}

/// The ring provider: a small C/assembly build, where aws-lc-rs (rustls'
/// default, which adds post-quantum key exchange and so deprecates this
/// function) is a much larger one. X25519 and the NIST curves are what SIP
/// servers offer today.
#[allow(deprecated)]
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl TlsContext {
    /// Builds the client side from `cfg`, and the server side if `listener`.
    pub(crate) fn new(cfg: &TlsConfig, listener: bool) -> Result<Self, TlsSetupError> {
        let mut roots = RootCertStore::empty();
        if cfg.system_roots {
            let found = rustls_native_certs::load_native_certs();
            for e in &found.errors {
                warn!(error = %e, "could not load some system root certificates");
            }
            let (added, ignored) = roots.add_parsable_certificates(found.certs);
            debug!(added, ignored, "system root certificates");
        }
        if let Some(ca) = &cfg.ca_file {
            for c in certs("CA file", ca)? {
                roots.add(c)?;
            }
        }
        if roots.is_empty() {
            warn!("no trusted TLS roots: every TLS server will be refused");
        }
        let builder = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots);
        let client = match (&cfg.client_cert_file, &cfg.client_key_file) {
            (Some(c), Some(k)) => {
                builder.with_client_auth_cert(certs("client certificate", c)?, key(k)?)?
            }
            _ => builder.with_no_client_auth(),
        };
        let acceptor = if listener {
            let (Some(c), Some(k)) = (&cfg.cert_file, &cfg.key_file) else {
                return Err(TlsSetupError::MissingServerCertificate);
            };
            let server = ServerConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()?
                .with_no_client_auth()
                .with_single_cert(certs("certificate", c)?, key(k)?)?;
            Some(TlsAcceptor::from(Arc::new(server)))
        } else {
            None
        };
        Ok(TlsContext {
            connector: TlsConnector::from(Arc::new(client)),
            acceptor,
        })
    }

    /// Opens a TCP connection to `dst` and secures it, verifying that the
    /// certificate chains to a trusted root and carries `name`.
    pub(crate) async fn connect(
        &self,
        dst: SocketAddr,
        name: &str,
        timeout: Duration,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ConnectFailure> {
        let server_name = ServerName::try_from(name.to_string()).map_err(|e| {
            ConnectFailure::Security(format!("{name:?} is not a valid TLS server name: {e}"))
        })?;
        let tcp = match tokio::time::timeout(timeout, TcpStream::connect(dst)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(ConnectFailure::Network(e.to_string())),
            Err(_) => return Err(ConnectFailure::Network("connect timed out".into())),
        };
        let _ = tcp.set_nodelay(true);
        match tokio::time::timeout(timeout, self.connector.connect(server_name, tcp)).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(ConnectFailure::Security(format!(
                "TLS with {name} ({dst}) failed: {}",
                describe(&e)
            ))),
            Err(_) => Err(ConnectFailure::Security(format!(
                "TLS with {name} ({dst}) failed: the handshake timed out"
            ))),
        }
    }

    /// Secures an accepted connection (the listener's side of the handshake).
    pub(crate) async fn accept(
        &self,
        tcp: TcpStream,
        timeout: Duration,
    ) -> io::Result<tokio_rustls::server::TlsStream<TcpStream>> {
        let Some(acceptor) = &self.acceptor else {
            return Err(io::Error::other("no TLS listener configured"));
        };
        let _ = tcp.set_nodelay(true);
        match tokio::time::timeout(timeout, acceptor.accept(tcp)).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "TLS handshake timed out",
            )),
        }
    }
}

/// A TLS-level failure on an established connection: the peer's alert
/// (with TLS 1.3 a server checks our client certificate only after our side
/// of the handshake is done, so its refusal arrives here), or a record that
/// failed. `None` for plain I/O errors.
pub(crate) fn tls_failure(e: &io::Error) -> Option<String> {
    e.get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .map(|tls| format!("the TLS connection failed: {tls}"))
}

/// The rustls error inside a handshake's I/O error, if there is one.
fn describe(e: &io::Error) -> String {
    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        Some(tls) => tls.to_string(),
        None => e.to_string(),
    }
}

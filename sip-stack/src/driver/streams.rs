//! The driver's stream connections (TCP, and TLS with the `tls` feature):
//! one per transport and peer, opened on demand, reused for every later
//! request and response to that peer, and fed to the core's framers.
//!
//! A TLS connection whose handshake or certificate check fails is reported to
//! the core as a security error; its queued messages are dropped, never sent
//! over another transport.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use openphone_sal::StackError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tracing::{debug, trace, warn};

use super::Driver;
use crate::config::{SipConfig, StreamLimits};
use crate::stats::TransportStats;
use crate::transport::{ConnId, Transmit, TransportKind};

/// Outbound connect (and TLS handshake) timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether this build speaks TLS.
pub(super) const TLS_BUILT: bool = cfg!(feature = "tls");

/// The TLS client and server configurations.
#[cfg(feature = "tls")]
pub(super) type Tls = crate::tls::TlsContext;
/// Without the `tls` feature there is nothing to hold.
#[cfg(not(feature = "tls"))]
pub(super) struct Tls;

/// Builds the TLS configurations, or refuses TLS settings this build cannot honour.
#[cfg(feature = "tls")]
pub(super) fn tls_context(cfg: &SipConfig) -> Result<Tls, StackError> {
    crate::tls::TlsContext::new(&cfg.tls, cfg.tls_bind.is_some())
        .map_err(|e| StackError::Config(e.to_string()))
}

/// Builds the TLS configurations, or refuses TLS settings this build cannot honour.
#[cfg(not(feature = "tls"))]
pub(super) fn tls_context(cfg: &SipConfig) -> Result<Tls, StackError> {
    if cfg.tls_bind.is_some() || cfg.tls != crate::config::TlsConfig::default() {
        return Err(StackError::Config(
            "TLS settings need openphone-sip built with the `tls` feature".into(),
        ));
    }
    Ok(Tls)
}

/// The TLS failure inside a read error, if any.
#[cfg(feature = "tls")]
fn tls_failure(e: &std::io::Error) -> Option<String> {
    crate::tls::tls_failure(e)
}

/// The TLS failure inside a read error, if any (none without TLS).
#[cfg(not(feature = "tls"))]
fn tls_failure(_e: &std::io::Error) -> Option<String> {
    None
}

/// A byte stream the driver can frame SIP on.
pub(super) trait SipStream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> SipStream for T {}

/// Why an outgoing connection could not be used.
pub(super) enum Failure {
    /// No TCP connection (nothing was sent).
    Network(String),
    /// The TLS handshake or the certificate check failed.
    Security(String),
}

pub(super) enum ConnMsg {
    Data(ConnId, Vec<u8>),
    Closed(ConnId),
    /// The connection broke at the TLS level (e.g. the server refused our
    /// client certificate): its requests fail with a security cause.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    TlsFailed(ConnId, String),
    /// An outgoing connection is ready (for TLS: handshake and checks done).
    Connected(TransportKind, SocketAddr, Box<dyn SipStream>),
    /// An incoming TLS connection finished its handshake.
    #[cfg_attr(not(feature = "tls"), allow(dead_code))]
    AcceptedTls(SocketAddr, Box<dyn SipStream>),
    ConnectFailed(TransportKind, SocketAddr, Failure),
}

pub(super) struct Conn {
    transport: TransportKind,
    remote: SocketAddr,
    writer: mpsc::UnboundedSender<Vec<u8>>,
    /// Accepted from a listener (limited), not opened by us.
    inbound: bool,
}

impl Conn {
    /// Queues octets on the connection (a keep-alive ping); `false` once it closed.
    pub(super) fn send_raw(&self, bytes: Vec<u8>) -> bool {
        self.writer.send(bytes).is_ok()
    }
}

impl Driver {
    /// Sends one message: UDP at once; streams over the existing connection
    /// of that transport to `dst`, or queued while one is opened.
    pub(super) async fn transmit(&mut self, t: Transmit) {
        trace!(dst = %t.dst, transport = ?t.transport, "out:\n{}", String::from_utf8_lossy(&t.bytes));
        self.note_flow(&t);
        let kind = t.transport;
        if kind == TransportKind::Udp {
            if let Some(s) = &self.udp {
                match s.send_to(&t.bytes, t.dst).await {
                    Ok(_) => self.stats.count_udp_sent(),
                    Err(e) => debug!(dst = %t.dst, error = %e, "UDP send failed"),
                }
            }
            return;
        }
        let key = (kind, t.dst);
        let mut bytes = t.bytes;
        if let Some(c) = self.by_remote.get(&key).and_then(|id| self.conns.get(id)) {
            match c.writer.send(bytes) {
                Ok(()) => return,
                Err(e) => bytes = e.0,
            }
        }
        let first = !self.pending.contains_key(&key);
        self.pending.entry(key).or_default().push(bytes);
        if first {
            self.connect(kind, t.dst, t.server_name);
        }
    }

    fn connect(&self, kind: TransportKind, dst: SocketAddr, server_name: Option<String>) {
        let tx = self.conn_tx.clone();
        if kind == TransportKind::Tls {
            return self.connect_tls(dst, server_name);
        }
        tokio::spawn(async move {
            let msg = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(dst)).await {
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    ConnMsg::Connected(kind, dst, Box::new(s))
                }
                Ok(Err(e)) => ConnMsg::ConnectFailed(kind, dst, Failure::Network(e.to_string())),
                Err(_) => ConnMsg::ConnectFailed(kind, dst, Failure::Network("timed out".into())),
            };
            let _ = tx.send(msg).await;
        });
    }

    #[cfg(feature = "tls")]
    fn connect_tls(&self, dst: SocketAddr, server_name: Option<String>) {
        let tx = self.conn_tx.clone();
        let tls = self.tls.clone();
        // The core names every TLS destination; the IP is the safe fallback
        // (a certificate for a name never matches it).
        let name = server_name.unwrap_or_else(|| dst.ip().to_string());
        tokio::spawn(async move {
            use crate::tls::ConnectFailure;
            let kind = TransportKind::Tls;
            let msg = match tls.connect(dst, &name, CONNECT_TIMEOUT).await {
                Ok(s) => ConnMsg::Connected(kind, dst, Box::new(s)),
                Err(ConnectFailure::Network(why)) => {
                    ConnMsg::ConnectFailed(kind, dst, Failure::Network(why))
                }
                Err(ConnectFailure::Security(why)) => {
                    ConnMsg::ConnectFailed(kind, dst, Failure::Security(why))
                }
            };
            let _ = tx.send(msg).await;
        });
    }

    #[cfg(not(feature = "tls"))]
    fn connect_tls(&self, dst: SocketAddr, _server_name: Option<String>) {
        // The core does not route to TLS in such a build; refuse loudly anyway.
        let why = "this build has no TLS (feature `tls`)".to_string();
        let msg = ConnMsg::ConnectFailed(TransportKind::Tls, dst, Failure::Security(why));
        let tx = self.conn_tx.clone();
        tokio::spawn(async move {
            let _ = tx.send(msg).await;
        });
    }

    /// A TCP connection arrived on the TLS listener: handshake beside the
    /// driver so a slow peer does not stall it.
    #[cfg(feature = "tls")]
    pub(super) fn accept_tls(&self, tcp: TcpStream, remote: SocketAddr) {
        let tx = self.conn_tx.clone();
        let tls = self.tls.clone();
        let stats = self.stats.clone();
        let handshaking = self.handshaking.clone();
        handshaking.fetch_add(1, Ordering::Relaxed);
        tokio::spawn(async move {
            let accepted = tls.accept(tcp, CONNECT_TIMEOUT).await;
            handshaking.fetch_sub(1, Ordering::Relaxed);
            match accepted {
                Ok(s) => {
                    let _ = tx.send(ConnMsg::AcceptedTls(remote, Box::new(s))).await;
                }
                Err(e) => {
                    stats.count_tls_failed();
                    warn!(%remote, error = %e, "incoming TLS handshake failed");
                }
            }
        });
    }

    #[cfg(not(feature = "tls"))]
    pub(super) fn accept_tls(&self, _tcp: TcpStream, remote: SocketAddr) {
        warn!(%remote, "TLS connection refused: this build has no TLS");
    }

    /// Whether an incoming connection from `remote` fits the limits; one
    /// that does not is counted and closed by the caller.
    pub(super) fn admit(&self, remote: SocketAddr) -> bool {
        let inbound = self.conns.values().filter(|c| c.inbound);
        let (total, same) = inbound.fold((0usize, 0usize), |(t, s), c| {
            (t + 1, s + usize::from(c.remote.ip() == remote.ip()))
        });
        let total = total + self.handshaking.load(Ordering::Relaxed);
        let ok = total < self.limits.max_connections && same < self.limits.max_per_address;
        if !ok {
            self.stats.count_refused();
            debug!(%remote, total, from_address = same, "connection refused: over the limits");
        }
        ok
    }

    pub(super) fn add_conn(
        &mut self,
        stream: Box<dyn SipStream>,
        remote: SocketAddr,
        transport: TransportKind,
        inbound: bool,
    ) -> ConnId {
        let id = ConnId(self.next_conn);
        self.next_conn += 1;
        let (rd, mut wr) = tokio::io::split(stream);
        let (wtx, mut wrx) = mpsc::unbounded_channel::<Vec<u8>>();
        let tx = self.conn_tx.clone();
        let timeouts = inbound.then_some(self.limits);
        let stats = self.stats.clone();
        tokio::spawn(read_stream(rd, id, tx, timeouts, stats));
        tokio::spawn(async move {
            while let Some(b) = wrx.recv().await {
                // One write per message, then flush: TLS buffers records.
                if wr.write_all(&b).await.is_err() || wr.flush().await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
        });
        self.conns.insert(
            id,
            Conn {
                transport,
                remote,
                writer: wtx,
                inbound,
            },
        );
        self.by_remote.insert((transport, remote), id);
        self.core.handle_stream_opened(id, remote, transport);
        debug!(%remote, ?id, transport = transport.as_str(), "connection up");
        id
    }

    pub(super) fn on_conn_msg(&mut self, m: ConnMsg) {
        match m {
            ConnMsg::Data(id, data) => {
                trace!(?id, "stream in:\n{}", String::from_utf8_lossy(&data));
                if !self.core.handle_stream_data(Instant::now(), id, &data) {
                    self.drop_conn(id);
                }
            }
            ConnMsg::Closed(id) => {
                self.core.handle_connection_closed(id);
                self.drop_conn(id);
            }
            ConnMsg::TlsFailed(id, why) => {
                self.core.handle_connection_closed(id);
                if let Some(c) = self.conns.get(&id) {
                    let remote = c.remote;
                    self.stats.count_tls_failed();
                    warn!(%remote, %why, "TLS connection failed");
                    self.core
                        .handle_security_error(Instant::now(), remote, &why);
                }
                self.drop_conn(id);
            }
            ConnMsg::Connected(kind, dst, stream) => {
                match kind {
                    TransportKind::Tcp => self.stats.count_tcp_connected(),
                    #[cfg(feature = "tls")]
                    TransportKind::Tls => self.stats.count_tls_connected(),
                    _ => {}
                }
                let id = self.add_conn(stream, dst, kind, false);
                let queued = self.pending.remove(&(kind, dst));
                if let (Some(c), Some(queued)) = (self.conns.get(&id), queued) {
                    for b in queued {
                        let _ = c.writer.send(b);
                    }
                }
            }
            ConnMsg::AcceptedTls(remote, stream) => {
                #[cfg(feature = "tls")]
                self.stats.count_tls_accepted();
                if self.admit(remote) {
                    self.add_conn(stream, remote, TransportKind::Tls, true);
                }
            }
            ConnMsg::ConnectFailed(kind, dst, why) => {
                let n = self.pending.remove(&(kind, dst)).map_or(0, |v| v.len());
                match why {
                    Failure::Network(why) => {
                        warn!(%dst, dropped = n, transport = kind.as_str(), %why, "connect failed");
                        self.core.handle_transport_error(Instant::now(), kind, dst);
                    }
                    Failure::Security(why) => {
                        self.stats.count_tls_failed();
                        warn!(%dst, dropped = n, %why, "TLS refused; nothing sent");
                        self.core.handle_security_error(Instant::now(), dst, &why);
                    }
                }
            }
        }
    }

    fn drop_conn(&mut self, id: ConnId) {
        if let Some(c) = self.conns.remove(&id) {
            let key = (c.transport, c.remote);
            if self.by_remote.get(&key) == Some(&id) {
                self.by_remote.remove(&key);
            }
        }
    }
}

/// Smallest and largest read buffer of a connection: most SIP messages fit
/// the first; the buffer doubles only while reads fill it.
const READ_BUF_MIN: usize = 2048;
const READ_BUF_MAX: usize = 16_384;

/// Reads a connection until it closes, forwarding what arrives. With
/// `limits` (an incoming connection) it is closed when no complete header
/// block (or CRLF keep-alive) arrives within the setup timeout, or nothing
/// at all within the idle timeout.
async fn read_stream(
    mut rd: tokio::io::ReadHalf<Box<dyn SipStream>>,
    id: ConnId,
    tx: mpsc::Sender<ConnMsg>,
    limits: Option<StreamLimits>,
    stats: TransportStats,
) {
    let mut buf = vec![0u8; READ_BUF_MIN];
    let setup_deadline = limits.map(|l| tokio::time::Instant::now() + l.setup_timeout);
    let mut framed = false;
    // The last three octets read, so "\r\n\r\n" split over reads is seen.
    let mut tail: Vec<u8> = Vec::with_capacity(3);
    loop {
        let read = match (limits, setup_deadline) {
            (Some(_), Some(d)) if !framed => tokio::time::timeout_at(d, rd.read(&mut buf)).await,
            (Some(l), _) => tokio::time::timeout(l.idle_timeout, rd.read(&mut buf)).await,
            _ => Ok(rd.read(&mut buf).await),
        };
        match read {
            Err(_) => {
                stats.count_timed_out();
                debug!(?id, framed, "incoming connection timed out");
                break;
            }
            Ok(Ok(0)) => break,
            Ok(Err(e)) => {
                if let Some(why) = tls_failure(&e) {
                    let _ = tx.send(ConnMsg::TlsFailed(id, why)).await;
                    return;
                }
                break;
            }
            Ok(Ok(n)) => {
                let chunk = buf.get(..n).unwrap_or(&[]).to_vec();
                if !framed {
                    tail.extend_from_slice(&chunk);
                    framed = tail.windows(4).any(|w| w == b"\r\n\r\n");
                    let keep = tail.len().saturating_sub(3);
                    tail.drain(..keep);
                }
                let full = n == buf.len();
                if tx.send(ConnMsg::Data(id, chunk)).await.is_err() {
                    return;
                }
                if full && buf.len() < READ_BUF_MAX {
                    buf.resize(buf.len() * 2, 0);
                }
            }
        }
    }
    let _ = tx.send(ConnMsg::Closed(id)).await;
}

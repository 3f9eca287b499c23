//! Transport-level types shared by the core and the driver: what to send where,
//! connection ids, and per-connection stream reassembly.

use std::net::SocketAddr;

/// A transport protocol the stack speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// Datagrams.
    Udp,
    /// A byte stream framed by Content-Length.
    Tcp,
    /// TCP carrying TLS (RFC 3261 §26.2, RFC 5630): `sips:` URIs and
    /// `;transport=tls`. The driver speaks it with the crate feature `tls`.
    Tls,
}

impl TransportKind {
    /// Via transport token.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Udp => "UDP",
            TransportKind::Tcp => "TCP",
            TransportKind::Tls => "TLS",
        }
    }
    /// Whether retransmissions are unnecessary.
    pub fn is_reliable(self) -> bool {
        matches!(self, TransportKind::Tcp | TransportKind::Tls)
    }
    /// The port a URI without one means (RFC 3261 §19.1.2).
    pub fn default_port(self) -> u16 {
        match self {
            TransportKind::Tls => 5061,
            _ => 5060,
        }
    }
}

/// Bytes the core wants sent. For TCP and TLS the driver reuses the connection
/// of that transport to `dst` (inbound or outbound) or opens one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Which transport.
    pub transport: TransportKind,
    /// Destination.
    pub dst: SocketAddr,
    /// One complete SIP message.
    pub bytes: Vec<u8>,
    /// For TLS: the name the peer's certificate must carry when a new
    /// connection is opened, which is the host of the URI `dst` was resolved
    /// from (a domain name, or an IP literal), never an address the core
    /// looked up. `None` for UDP and TCP.
    pub server_name: Option<String>,
}

/// Identifies one stream connection for the lifetime of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

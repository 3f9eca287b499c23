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
}

impl TransportKind {
    /// Via transport token.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Udp => "UDP",
            TransportKind::Tcp => "TCP",
        }
    }
    /// Whether retransmissions are unnecessary.
    pub fn is_reliable(self) -> bool {
        matches!(self, TransportKind::Tcp)
    }
}

/// Bytes the core wants sent. For TCP the driver reuses the connection to `dst`
/// (inbound or outbound) or opens one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Which transport.
    pub transport: TransportKind,
    /// Destination.
    pub dst: SocketAddr,
    /// One complete SIP message.
    pub bytes: Vec<u8>,
}

/// Identifies one stream connection for the lifetime of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnId(pub u64);

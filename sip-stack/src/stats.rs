//! Transport counters of a running [`SipStack`](crate::SipStack): what went
//! out on which transport, and how TLS handshakes ended. For monitoring, and
//! for tests that must prove a connection was reused or that nothing left in
//! the clear after a refused TLS handshake.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

#[derive(Debug, Default)]
struct Counters {
    udp_sent: AtomicU64,
    tcp_connected: AtomicU64,
    tcp_accepted: AtomicU64,
    tls_connected: AtomicU64,
    tls_accepted: AtomicU64,
    tls_failed: AtomicU64,
    refused: AtomicU64,
    timed_out: AtomicU64,
}

/// A live view of a stack's transport counters (cheap to clone).
///
/// ```
/// let stack = openphone_sip::SipStack::new(openphone_sip::SipConfig::default());
/// let stats = stack.transport_stats();
/// assert_eq!(stats.udp_datagrams_sent(), 0); // not started yet
/// ```
#[derive(Debug, Clone, Default)]
pub struct TransportStats(Arc<Counters>);

impl TransportStats {
    /// UDP datagrams sent.
    pub fn udp_datagrams_sent(&self) -> u64 {
        self.0.udp_sent.load(Ordering::Relaxed)
    }
    /// Outgoing TCP connections opened (plain TCP only).
    pub fn tcp_connections_opened(&self) -> u64 {
        self.0.tcp_connected.load(Ordering::Relaxed)
    }
    /// Incoming TCP connections accepted (plain TCP only).
    pub fn tcp_connections_accepted(&self) -> u64 {
        self.0.tcp_accepted.load(Ordering::Relaxed)
    }
    /// Outgoing TLS connections whose handshake and certificate check succeeded.
    pub fn tls_connections_opened(&self) -> u64 {
        self.0.tls_connected.load(Ordering::Relaxed)
    }
    /// Incoming TLS connections whose handshake succeeded.
    pub fn tls_connections_accepted(&self) -> u64 {
        self.0.tls_accepted.load(Ordering::Relaxed)
    }
    /// TLS handshakes that failed, either direction (refused certificates included).
    pub fn tls_handshakes_failed(&self) -> u64 {
        self.0.tls_failed.load(Ordering::Relaxed)
    }

    /// Incoming connections closed at once by the connection limits
    /// ([`StreamLimits`](crate::StreamLimits)).
    pub fn connections_refused(&self) -> u64 {
        self.0.refused.load(Ordering::Relaxed)
    }
    /// Incoming connections closed for sending no complete message, or
    /// nothing at all, in time.
    pub fn connections_timed_out(&self) -> u64 {
        self.0.timed_out.load(Ordering::Relaxed)
    }

    pub(crate) fn count_refused(&self) {
        self.0.refused.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_timed_out(&self) {
        self.0.timed_out.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_udp_sent(&self) {
        self.0.udp_sent.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_tcp_connected(&self) {
        self.0.tcp_connected.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_tcp_accepted(&self) {
        self.0.tcp_accepted.fetch_add(1, Ordering::Relaxed);
    }
    #[cfg(feature = "tls")]
    pub(crate) fn count_tls_connected(&self) {
        self.0.tls_connected.fetch_add(1, Ordering::Relaxed);
    }
    #[cfg(feature = "tls")]
    pub(crate) fn count_tls_accepted(&self) {
        self.0.tls_accepted.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn count_tls_failed(&self) {
        self.0.tls_failed.fetch_add(1, Ordering::Relaxed);
    }
}

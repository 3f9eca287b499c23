//! NAT traversal in the driver: the public address of the UDP socket from
//! a STUN server (RFC 5389), keep-alives on registrar flows (RFC 5626 §4.4:
//! STUN Binding over UDP, CRLFCRLF over TCP and TLS), and answers to STUN
//! Binding requests that reach the SIP port.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tracing::{debug, info, trace, warn};

use super::Driver;
use crate::stun::{
    Attribute, BindingClient, BindingOutcome, Class, Message, RetransmitConfig, TransactionId,
    BINDING,
};
use crate::transport::{Transmit, TransportKind};

/// Discovery at start-up: a shorter schedule than the RFC's 39.5 s (RTO
/// 250 ms, 5 requests, a last wait of 4 RTO: 5.75 s), so a dead server
/// delays the start by seconds, not a minute.
const DISCOVERY: RetransmitConfig = RetransmitConfig {
    rto: Duration::from_millis(250),
    max_sends: 5,
    last_wait_factor: 4,
};

/// Keep-alive state: the flows to keep open and the STUN transactions out.
#[derive(Debug)]
pub(super) struct KeepAlive {
    every: Duration,
    pub(super) next_at: Instant,
    /// Flows that carried a REGISTER.
    flows: HashSet<(TransportKind, SocketAddr)>,
    /// STUN keep-alive transactions waiting for an answer, by flow.
    pending: Vec<(SocketAddr, BindingClient)>,
}

impl KeepAlive {
    pub(super) fn new(every: Duration) -> Self {
        KeepAlive {
            every,
            next_at: Instant::now() + every,
            flows: HashSet::new(),
            pending: Vec::new(),
        }
    }
}

/// Asks `server` for the public address of `socket` (RFC 5389 §7 over UDP),
/// before the driver runs. Datagrams other than the answer are dropped
/// (nothing else is expected before the stack has sent anything).
pub(super) async fn discover(socket: &UdpSocket, server: SocketAddr) -> Option<SocketAddr> {
    let mut client = BindingClient::with_config(TransactionId::random(), Instant::now(), DISCOVERY);
    let mut buf = vec![0u8; 1500];
    loop {
        let now = Instant::now();
        if let Some(req) = client.poll_transmit(now) {
            if let Err(e) = socket.send_to(&req, server).await {
                warn!(%server, error = %e, "STUN request not sent");
                return None;
            }
        }
        client.handle_timeout(now);
        match client.outcome() {
            Some(BindingOutcome::Mapped(a)) => return Some(*a),
            Some(other) => {
                warn!(%server, outcome = ?other, "STUN discovery failed");
                return None;
            }
            None => {}
        }
        let until = client.poll_timeout().unwrap_or(now);
        let wait = tokio::time::timeout_at(
            tokio::time::Instant::from_std(until),
            socket.recv_from(&mut buf),
        );
        if let Ok(Ok((n, from))) = wait.await {
            let data = buf.get(..n).unwrap_or(&[]);
            if from != server || !client.handle_response(data) {
                debug!(%from, "datagram dropped during STUN discovery");
            }
        }
    }
}

impl Driver {
    /// Notes the flow of a REGISTER the core sends, to keep it alive.
    pub(super) fn note_flow(&mut self, t: &Transmit) {
        if let Some(k) = &mut self.keepalive {
            if t.bytes.starts_with(b"REGISTER ") && k.flows.insert((t.transport, t.dst)) {
                debug!(dst = %t.dst, transport = t.transport.as_str(), "keeping this flow alive");
            }
        }
    }

    /// Sends due keep-alives and retransmits STUN keep-alive requests.
    pub(super) async fn keepalive_tick(&mut self, now: Instant) {
        let Some(k) = &mut self.keepalive else { return };
        let mut pings = Vec::new();
        if now >= k.next_at {
            k.next_at = now + k.every;
            // A keep-alive still unanswered after the interval is given up.
            k.pending.clear();
            for &(t, dst) in &k.flows {
                match t {
                    TransportKind::Udp => k
                        .pending
                        .push((dst, BindingClient::new(TransactionId::random(), now))),
                    _ => pings.push((t, dst)),
                }
            }
        }
        // Retransmissions follow RFC 5389 §7.2.1.
        let sends: Vec<(SocketAddr, Vec<u8>)> = k
            .pending
            .iter_mut()
            .filter_map(|(dst, c)| c.poll_transmit(now).map(|b| (*dst, b)))
            .collect();
        k.pending.retain(|(_, c)| c.outcome().is_none());
        if let Some(s) = &self.udp {
            for (dst, bytes) in sends {
                trace!(%dst, "STUN keep-alive");
                if let Err(e) = s.send_to(&bytes, dst).await {
                    debug!(%dst, error = %e, "STUN keep-alive not sent");
                }
            }
        }
        for (t, dst) in pings {
            // RFC 5626 §4.4.1: the client's ping is CRLFCRLF.
            if let Some(c) = self
                .by_remote
                .get(&(t, dst))
                .and_then(|id| self.conns.get(id))
            {
                trace!(%dst, "CRLF keep-alive");
                let _ = c.send_raw(b"\r\n\r\n".to_vec());
            }
        }
    }

    /// When the keep-alive state next needs the loop.
    pub(super) fn keepalive_deadline(&self) -> Option<Instant> {
        let k = self.keepalive.as_ref()?;
        k.pending
            .iter()
            .filter_map(|(_, c)| c.poll_timeout())
            .chain([k.next_at])
            .min()
    }

    /// A STUN message arrived on the SIP UDP socket: a Binding request is
    /// answered with the source address (RFC 5389 §7.3.1, as a SIP server
    /// with RFC 5626 keep-alive support does); a response ends a keep-alive
    /// transaction, and a changed mapping is logged and advertised.
    pub(super) async fn on_stun(&mut self, from: SocketAddr, data: &[u8]) {
        let Ok(msg) = Message::decode(data) else {
            debug!(%from, "malformed STUN message dropped");
            return;
        };
        if msg.is_binding_request() {
            let answer = Message {
                class: Class::Success,
                method: BINDING,
                transaction: msg.transaction,
                attributes: vec![Attribute::XorMappedAddress(from), Attribute::Fingerprint],
            };
            if let (Ok(bytes), Some(s)) = (answer.encode(), &self.udp) {
                let _ = s.send_to(&bytes, from).await;
            }
            return;
        }
        let Some(k) = &mut self.keepalive else { return };
        let Some(i) = k
            .pending
            .iter_mut()
            .position(|(_, c)| c.handle_response(data))
        else {
            return;
        };
        let (_, c) = k.pending.remove(i);
        if let Some(BindingOutcome::Mapped(mapped)) = c.outcome() {
            trace!(%from, %mapped, "STUN keep-alive answered");
            if self.udp_mapped.is_some_and(|m| m != *mapped) {
                // RFC 5626 §4.4.2: the NAT binding changed; new requests
                // carry the new address (the registration refreshes with it).
                info!(%mapped, "public UDP address changed");
                self.udp_mapped = Some(*mapped);
                self.core.set_udp_mapped(*mapped);
            }
        }
    }
}

//! A Binding client transaction over UDP (RFC 5389 §7.2.1), sans-IO: the
//! caller passes the time in, sends what [`BindingClient::poll_transmit`]
//! gives, and feeds back datagrams that [`is_stun`](super::is_stun) accepts.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::message::{Attribute, Class, Message, TransactionId};

/// Retransmission parameters of RFC 5389 §7.2.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetransmitConfig {
    /// Initial retransmission timeout (RTO; RFC default 500 ms).
    pub rto: Duration,
    /// Most requests sent (Rc; RFC default 7).
    pub max_sends: u32,
    /// After the last request, wait this many RTOs (Rm; RFC default 16).
    pub last_wait_factor: u32,
}

impl Default for RetransmitConfig {
    fn default() -> Self {
        RetransmitConfig {
            rto: Duration::from_millis(500),
            max_sends: 7,
            last_wait_factor: 16,
        }
    }
}

/// How a Binding transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingOutcome {
    /// A success response with this mapped address.
    Mapped(SocketAddr),
    /// An error response (ERROR-CODE, or 0 without one), or a success
    /// without any mapped address.
    Failed(u16),
    /// No response after every retransmission.
    TimedOut,
}

/// One Binding request transaction.
#[derive(Debug)]
pub struct BindingClient {
    transaction: TransactionId,
    request: Vec<u8>,
    config: RetransmitConfig,
    sends: u32,
    next_at: Instant,
    /// The current interval, doubled after every send.
    interval: Duration,
    outcome: Option<BindingOutcome>,
}

impl BindingClient {
    /// A transaction with the RFC's default timers, whose first request is
    /// due at `now`.
    pub fn new(transaction: TransactionId, now: Instant) -> Self {
        Self::with_config(transaction, now, RetransmitConfig::default())
    }

    /// Same with chosen timers.
    pub fn with_config(transaction: TransactionId, now: Instant, config: RetransmitConfig) -> Self {
        let mut msg = Message::binding_request(transaction);
        // FINGERPRINT lets a server that shares the SIP port tell STUN apart.
        msg.attributes.push(Attribute::Fingerprint);
        // A bare request with one attribute is far below 64 KiB.
        let request = msg.encode().unwrap_or_default();
        BindingClient {
            transaction,
            request,
            config,
            sends: 0,
            next_at: now,
            interval: config.rto,
            outcome: None,
        }
    }

    /// The transaction ID.
    pub fn transaction(&self) -> TransactionId {
        self.transaction
    }

    /// The request to send now, if one is due.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        self.handle_timeout(now);
        if self.outcome.is_some() || now < self.next_at || self.sends >= self.config.max_sends {
            return None;
        }
        self.sends += 1;
        self.next_at = if self.sends >= self.config.max_sends {
            now + self.config.rto * self.config.last_wait_factor
        } else {
            now + self.interval
        };
        self.interval *= 2;
        Some(self.request.clone())
    }

    /// When [`poll_transmit`](Self::poll_transmit) or the timeout is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.outcome.is_none().then_some(self.next_at)
    }

    /// Ends the transaction with [`BindingOutcome::TimedOut`] once the last
    /// wait has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.outcome.is_none() && self.sends >= self.config.max_sends && now >= self.next_at {
            self.outcome = Some(BindingOutcome::TimedOut);
        }
    }

    /// A datagram arrived; `true` if it was this transaction's response.
    pub fn handle_response(&mut self, data: &[u8]) -> bool {
        let Ok(msg) = Message::decode(data) else {
            return false;
        };
        if msg.transaction != self.transaction || self.outcome.is_some() {
            return false;
        }
        self.outcome = Some(match msg.class {
            Class::Success => match msg.mapped_address() {
                Some(a) => BindingOutcome::Mapped(a),
                None => BindingOutcome::Failed(0),
            },
            Class::Error => BindingOutcome::Failed(
                msg.attributes
                    .iter()
                    .find_map(|a| match a {
                        Attribute::ErrorCode { code, .. } => Some(*code),
                        _ => None,
                    })
                    .unwrap_or(0),
            ),
            // A request or indication with our ID is not an answer.
            _ => return false,
        });
        true
    }

    /// The outcome, once the transaction ended.
    pub fn outcome(&self) -> Option<&BindingOutcome> {
        self.outcome.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_follows_rfc5389_7_2_1() {
        // RFC 5389 §7.2.1: with RTO 500 ms, sends at 0, 500, 1500, 3500,
        // 7500, 15500, 31500 ms; failure at 39500 ms.
        let t0 = Instant::now();
        let mut c = BindingClient::new(TransactionId([1; 12]), t0);
        let mut sent = Vec::new();
        let mut t = t0;
        while c.outcome().is_none() {
            if c.poll_transmit(t).is_some() {
                sent.push((t - t0).as_millis());
            }
            t = c.poll_timeout().unwrap_or(t);
            c.handle_timeout(t);
        }
        assert_eq!(sent, vec![0, 500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!((t - t0).as_millis(), 39500);
        assert_eq!(c.outcome(), Some(&BindingOutcome::TimedOut));
    }

    #[test]
    fn answer_ends_it_and_others_are_ignored() {
        let t0 = Instant::now();
        let tid = TransactionId([3; 12]);
        let mut c = BindingClient::new(tid, t0);
        assert!(c.poll_transmit(t0).is_some());
        let mapped: SocketAddr = "198.51.100.4:6000".parse().unwrap();
        let mut resp = Message {
            class: Class::Success,
            method: super::super::BINDING,
            transaction: TransactionId([4; 12]),
            attributes: vec![Attribute::XorMappedAddress(mapped)],
        };
        assert!(!c.handle_response(&resp.encode().unwrap()));
        resp.transaction = tid;
        assert!(c.handle_response(&resp.encode().unwrap()));
        assert_eq!(c.outcome(), Some(&BindingOutcome::Mapped(mapped)));
        assert_eq!(c.poll_transmit(t0 + Duration::from_secs(1)), None);
    }
}

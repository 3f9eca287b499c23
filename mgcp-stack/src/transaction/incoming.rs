//! The peer's commands: executing, answered (the response kept to answer
//! duplicates, RFC 3435 §3.5.1–3.5.2), and acknowledged (only the id kept,
//! so a late duplicate is not executed again).

use std::time::Instant;

use super::config::TransactionConfig;
use super::outgoing::Fire;

/// Where a peer's transaction stands.
#[derive(Debug)]
pub(crate) enum Incoming {
    /// Handed to the application; no final response yet.
    Executing {
        /// Whether a provisional response was sent (the final one then asks
        /// for a `000` acknowledgement).
        provisional_sent: bool,
        /// The provisional response, to repeat for duplicates.
        provisional: Option<Vec<u8>>,
        /// When the command arrived.
        since: Instant,
    },
    /// The final response is kept to answer duplicates.
    Answered {
        bytes: Vec<u8>,
        /// Forgotten at this time unless acknowledged earlier.
        expires: Instant,
        /// Retransmission of a final response that awaits `000`.
        awaiting_ack: Option<ResponseRetransmit>,
    },
    /// The peer confirmed the response (`K:` or `000`): the id alone is
    /// remembered until `expires`.
    Acknowledged { expires: Instant },
}

/// Retransmission of a final response that followed a provisional one, until
/// the `000` acknowledgement (the sender of the command stopped its fast
/// retransmissions when the provisional response came).
#[derive(Debug)]
pub(crate) struct ResponseRetransmit {
    count: u32,
    next: Instant,
}

impl ResponseRetransmit {
    pub fn new(config: &TransactionConfig, now: Instant) -> Self {
        ResponseRetransmit {
            count: 0,
            next: now + config.initial_rto,
        }
    }

    pub fn deadline(&self) -> Instant {
        self.next
    }

    pub fn fire(&mut self, config: &TransactionConfig, now: Instant) -> Fire {
        if now < self.next {
            return Fire::Wait;
        }
        if self.count >= config.max_retransmissions {
            return Fire::GiveUp;
        }
        self.count += 1;
        let wait = config
            .initial_rto
            .checked_mul(1u32 << self.count.min(16))
            .unwrap_or(config.max_rto)
            .min(config.max_rto);
        self.next = now + wait;
        Fire::Retransmit
    }
}

impl Incoming {
    /// When this entry next needs attention (a retransmission or its
    /// expiry); executing entries wait for the application.
    pub fn deadline(&self) -> Option<Instant> {
        match self {
            Incoming::Executing { .. } => None,
            Incoming::Answered {
                expires,
                awaiting_ack,
                ..
            } => Some(
                awaiting_ack
                    .as_ref()
                    .map_or(*expires, |r| r.deadline().min(*expires)),
            ),
            Incoming::Acknowledged { expires } => Some(*expires),
        }
    }

    /// Whether the entry may be dropped to make room (it is finished).
    pub fn finished(&self) -> bool {
        !matches!(self, Incoming::Executing { .. })
    }

    /// The time that orders entries for eviction (oldest first).
    pub fn age_key(&self) -> Instant {
        match self {
            Incoming::Executing { since, .. } => *since,
            Incoming::Answered { expires, .. } | Incoming::Acknowledged { expires } => *expires,
        }
    }
}

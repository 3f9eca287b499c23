//! Timer and size settings of the transaction layer (RFC 3435 §3.5).

use std::time::Duration;

/// Transaction timers and bounds.
///
/// The defaults follow RFC 3435: a command is retransmitted after 200 ms,
/// the interval doubles up to 4 s, and the sender gives up after 7
/// retransmissions (Max2) or 20 s (T-MAX), whichever comes first — about
/// 18 s with these values. Responses are kept 30 s (T-HIST) to answer
/// retransmitted commands.
///
/// ```
/// use std::time::Duration;
/// use openphone_mgcp::transaction::TransactionConfig;
/// let c = TransactionConfig::default();
/// assert_eq!(c.initial_rto, Duration::from_millis(200));
/// assert_eq!(c.retransmission_schedule().len(), 7);
/// assert_eq!(c.give_up_after(), Duration::from_millis(18_200));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionConfig {
    /// Wait before the first retransmission.
    pub initial_rto: Duration,
    /// The longest wait between retransmissions (the doubling stops here).
    pub max_rto: Duration,
    /// Retransmissions before giving up (RFC 3435 "Max2").
    pub max_retransmissions: u32,
    /// The longest a command is retried from its first sending (T-MAX).
    pub max_wait: Duration,
    /// How long a response is kept to answer duplicates, and how long an
    /// answered transaction id is remembered (T-HIST).
    pub response_history: Duration,
    /// After a provisional response, how often the command is sent again
    /// to learn whether the peer is still working on it.
    pub provisional_retransmit: Duration,
    /// After a provisional response, how long to wait for the final one.
    pub provisional_timeout: Duration,
    /// The most commands of ours awaiting a response.
    pub max_outgoing: usize,
    /// The most peer transactions remembered (executing, cached responses
    /// and acknowledged ids); the oldest finished ones make room.
    pub max_incoming: usize,
    /// Whether our commands confirm the responses received with `K:`
    /// (RFC 3435 §3.5.2). Turn it off for peers that refuse the parameter:
    /// osmo-mgw 1.10 answers 539 to any command carrying `K:`.
    pub confirm_responses: bool,
}

impl Default for TransactionConfig {
    fn default() -> Self {
        TransactionConfig {
            initial_rto: Duration::from_millis(200),
            max_rto: Duration::from_secs(4),
            max_retransmissions: 7,
            max_wait: Duration::from_secs(20),
            response_history: Duration::from_secs(30),
            provisional_retransmit: Duration::from_secs(5),
            provisional_timeout: Duration::from_secs(60),
            max_outgoing: 4096,
            max_incoming: 8192,
            confirm_responses: true,
        }
    }
}

impl TransactionConfig {
    /// The wait before each retransmission: `initial_rto`, doubling, capped
    /// at `max_rto`, as many as `max_retransmissions` (cut short by
    /// `max_wait`).
    pub fn retransmission_schedule(&self) -> Vec<Duration> {
        let mut out = Vec::new();
        let mut rto = self.initial_rto;
        let mut elapsed = Duration::ZERO;
        for _ in 0..self.max_retransmissions {
            elapsed += rto;
            if elapsed >= self.max_wait {
                break;
            }
            out.push(rto);
            rto = (rto * 2).min(self.max_rto);
        }
        out
    }

    /// How long after the first sending a command with no response is
    /// given up: the retransmissions, then one more wait, at most
    /// `max_wait`.
    pub fn give_up_after(&self) -> Duration {
        let schedule = self.retransmission_schedule();
        let sent: Duration = schedule.iter().sum();
        let last_wait = schedule
            .last()
            .map(|l| (*l * 2).min(self.max_rto))
            .unwrap_or(self.initial_rto);
        (sent + last_wait).min(self.max_wait)
    }
}

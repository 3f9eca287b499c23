//! Our commands awaiting a response: retransmission with exponential
//! back-off (RFC 3435 §3.5.3), and the slower prodding after a provisional
//! response (§3.5.6).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::config::TransactionConfig;
use crate::message::Command;

/// What a timer firing asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Fire {
    /// Send the command again.
    Retransmit,
    /// Give up.
    GiveUp,
    /// Not yet.
    Wait,
}

/// One command of ours in flight.
#[derive(Debug)]
pub(crate) struct Outgoing {
    pub to: SocketAddr,
    pub command: Command,
    pub bytes: Vec<u8>,
    retransmissions: u32,
    next: Instant,
    give_up: Instant,
    /// When the first provisional response came, if one did.
    provisional_since: Option<Instant>,
}

fn rto(config: &TransactionConfig, n: u32) -> Duration {
    let factor = 1u32.checked_shl(n.min(30)).unwrap_or(u32::MAX);
    config
        .initial_rto
        .checked_mul(factor)
        .unwrap_or(config.max_rto)
        .min(config.max_rto)
}

impl Outgoing {
    pub fn new(
        config: &TransactionConfig,
        now: Instant,
        to: SocketAddr,
        command: Command,
        bytes: Vec<u8>,
    ) -> Self {
        let give_up = now + config.give_up_after();
        Outgoing {
            to,
            command,
            bytes,
            retransmissions: 0,
            next: (now + config.initial_rto).min(give_up),
            give_up,
            provisional_since: None,
        }
    }

    /// When this transaction next needs attention.
    pub fn deadline(&self) -> Instant {
        self.next
    }

    /// How many times the command was sent again.
    pub fn retransmissions(&self) -> u32 {
        self.retransmissions
    }

    /// A provisional response came: stop the fast retransmissions; prod
    /// every `provisional_retransmit` until `provisional_timeout`.
    /// Returns whether it is the first one.
    pub fn provisional(&mut self, config: &TransactionConfig, now: Instant) -> bool {
        let first = self.provisional_since.is_none();
        let since = *self.provisional_since.get_or_insert(now);
        self.give_up = since + config.provisional_timeout;
        self.next = (now + config.provisional_retransmit).min(self.give_up);
        first
    }

    /// The timer check at `now`.
    pub fn fire(&mut self, config: &TransactionConfig, now: Instant) -> Fire {
        if now < self.next {
            return Fire::Wait;
        }
        if now >= self.give_up
            || (self.provisional_since.is_none()
                && self.retransmissions >= config.max_retransmissions)
        {
            return Fire::GiveUp;
        }
        let wait = if self.provisional_since.is_some() {
            config.provisional_retransmit
        } else {
            self.retransmissions += 1;
            rto(config, self.retransmissions)
        };
        self.next = (now + wait).min(self.give_up);
        Fire::Retransmit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{TransactionId, Verb};

    #[test]
    fn back_off_doubles_caps_and_gives_up() {
        let config = TransactionConfig::default();
        let t0 = Instant::now();
        let cmd = Command::new(
            Verb::AuditEndpoint,
            TransactionId::new(1).unwrap(),
            "aaln/1@gw".parse().unwrap(),
        );
        let mut o = Outgoing::new(&config, t0, "127.0.0.1:2427".parse().unwrap(), cmd, vec![]);
        let mut sent_at = Vec::new();
        let now = loop {
            let now = o.deadline();
            match o.fire(&config, now) {
                Fire::Retransmit => sent_at.push(now - t0),
                Fire::GiveUp => break now,
                Fire::Wait => unreachable!(),
            }
        };
        let ms: Vec<u128> = sent_at.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [200, 600, 1400, 3000, 6200, 10200, 14200]);
        assert_eq!((now - t0).as_millis(), 18200);
        assert_eq!(o.retransmissions(), 7);
    }

    #[test]
    fn provisional_switches_to_slow_prodding() {
        let config = TransactionConfig::default();
        let t0 = Instant::now();
        let cmd = Command::new(
            Verb::AuditEndpoint,
            TransactionId::new(1).unwrap(),
            "aaln/1@gw".parse().unwrap(),
        );
        let mut o = Outgoing::new(&config, t0, "127.0.0.1:2427".parse().unwrap(), cmd, vec![]);
        assert_eq!(o.fire(&config, t0 + Duration::from_millis(100)), Fire::Wait);
        assert!(o.provisional(&config, t0 + Duration::from_millis(150)));
        assert!(!o.provisional(&config, t0 + Duration::from_millis(160)));
        assert_eq!(o.deadline(), t0 + Duration::from_millis(5160));
        let mut prods = 0;
        loop {
            let now = o.deadline();
            match o.fire(&config, now) {
                Fire::Retransmit => prods += 1,
                Fire::GiveUp => {
                    assert_eq!(now - t0, Duration::from_millis(60_150));
                    break;
                }
                Fire::Wait => unreachable!(),
            }
        }
        assert_eq!(prods, 11);
    }
}

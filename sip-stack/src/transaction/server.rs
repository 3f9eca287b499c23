//! Server transactions (RFC 3261 §17.2): INVITE (Figure 7) and non-INVITE (Figure 8).
//!
//! A server transaction remembers the last response it sent, replays it when the
//! request is retransmitted, retransmits non-2xx finals to INVITE over unreliable
//! transports until the ACK arrives, and absorbs what the transaction user must not see.
//! 2xx responses to INVITE are retransmitted by the UAS core, not here (§13.3.1.4):
//! see [`Retransmitter`](super::Retransmitter).

use std::time::{Duration, Instant};

use super::timers::TimerConfig;

/// Where a server transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Non-INVITE: request received, no response yet.
    Trying,
    /// A provisional response was sent (INVITE starts here).
    Proceeding,
    /// A final response was sent.
    Completed,
    /// INVITE: the ACK for a non-2xx final arrived.
    Confirmed,
    /// Over.
    Terminated,
}

/// What a timer expiry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerTimerAction {
    /// Nothing due.
    None,
    /// Send the final response again (timer G).
    Retransmit(Vec<u8>),
    /// Timer H: no ACK ever came; tell the user.
    AckTimeout,
    /// Timers I/J: quietly over.
    Terminated,
}

/// One server transaction.
///
/// ```
/// use std::time::Instant;
/// use openphone_sip::transaction::{ServerTransaction, TimerConfig};
/// let t0 = Instant::now();
/// let mut tx = ServerTransaction::new(true, false, TimerConfig::default());
/// tx.send_response(t0, 100, b"SIP/2.0 100 Trying...".to_vec());
/// // The INVITE is retransmitted: replay the 100.
/// assert_eq!(tx.on_request_retransmission(), Some(b"SIP/2.0 100 Trying...".to_vec()));
/// ```
#[derive(Debug, Clone)]
pub struct ServerTransaction {
    invite: bool,
    reliable: bool,
    state: ServerState,
    last_response: Option<Vec<u8>>,
    last_code: u16,
    cfg: TimerConfig,
    /// Timer G: next retransmission and interval.
    retransmit: Option<(Instant, Duration)>,
    /// Timer H.
    ack_timeout: Option<Instant>,
    /// Timers I/J.
    linger: Option<Instant>,
}

impl ServerTransaction {
    /// A transaction for a request just received.
    pub fn new(invite: bool, reliable: bool, cfg: TimerConfig) -> Self {
        ServerTransaction {
            invite,
            reliable,
            state: if invite {
                ServerState::Proceeding
            } else {
                ServerState::Trying
            },
            last_response: None,
            last_code: 0,
            cfg,
            retransmit: None,
            ack_timeout: None,
            linger: None,
        }
    }

    /// Current state.
    pub fn state(&self) -> ServerState {
        self.state
    }

    /// Whether this is an INVITE transaction.
    pub fn is_invite(&self) -> bool {
        self.invite
    }

    /// Status of the last response sent (0 if none).
    pub fn last_code(&self) -> u16 {
        self.last_code
    }

    /// Whether a final response was sent.
    pub fn has_final(&self) -> bool {
        self.last_code >= 200
    }

    /// Records a response the user sends (the caller transmits it). Returns `false`
    /// if the transaction can no longer send (a final was already sent).
    pub fn send_response(&mut self, now: Instant, code: u16, bytes: Vec<u8>) -> bool {
        if !matches!(self.state, ServerState::Trying | ServerState::Proceeding) {
            return false;
        }
        self.last_code = code;
        self.last_response = Some(bytes);
        if code < 200 {
            self.state = ServerState::Proceeding;
        } else if self.invite && code < 300 {
            self.state = ServerState::Terminated;
        } else if self.invite {
            self.state = ServerState::Completed;
            if !self.reliable {
                self.retransmit = Some((now + self.cfg.t1, self.cfg.t1));
            }
            self.ack_timeout = Some(now + self.cfg.timeout());
        } else {
            self.state = ServerState::Completed;
            let j = if self.reliable {
                Duration::ZERO
            } else {
                self.cfg.timeout()
            };
            self.linger = Some(now + j);
        }
        true
    }

    /// The request arrived again: the response to replay, if any.
    pub fn on_request_retransmission(&self) -> Option<Vec<u8>> {
        match self.state {
            ServerState::Proceeding | ServerState::Completed => self.last_response.clone(),
            _ => None,
        }
    }

    /// An ACK matched this INVITE transaction. Returns `true` when it confirmed a non-2xx
    /// final (absorbed); `false` when the transaction is not waiting for one.
    pub fn on_ack(&mut self, now: Instant) -> bool {
        if self.invite && self.state == ServerState::Completed {
            self.state = ServerState::Confirmed;
            self.retransmit = None;
            self.ack_timeout = None;
            let i = if self.reliable {
                Duration::ZERO
            } else {
                self.cfg.t4
            };
            self.linger = Some(now + i);
            true
        } else {
            self.invite && self.state == ServerState::Confirmed
        }
    }

    /// The earliest instant at which [`on_timeout`](Self::on_timeout) has work.
    pub fn next_deadline(&self) -> Option<Instant> {
        [
            self.retransmit.map(|(t, _)| t),
            self.ack_timeout,
            self.linger,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Runs expired timers.
    pub fn on_timeout(&mut self, now: Instant) -> ServerTimerAction {
        if let Some(t) = self.linger {
            if now >= t {
                self.linger = None;
                self.state = ServerState::Terminated;
                return ServerTimerAction::Terminated;
            }
        }
        if let Some(t) = self.ack_timeout {
            if now >= t {
                self.ack_timeout = None;
                self.retransmit = None;
                self.state = ServerState::Terminated;
                return ServerTimerAction::AckTimeout;
            }
        }
        if let Some((t, interval)) = self.retransmit {
            if now >= t {
                let next = interval.saturating_mul(2).min(self.cfg.t2);
                self.retransmit = Some((now + next, next));
                if let Some(r) = &self.last_response {
                    return ServerTimerAction::Retransmit(r.clone());
                }
            }
        }
        ServerTimerAction::None
    }
}

/// Retransmits a 2xx to INVITE until the ACK arrives (UAS core, §13.3.1.4), or an
/// ACK-less request on behalf of the UAC core. Interval starts at T1 and doubles up
/// to T2; gives up after 64·T1.
///
/// ```
/// use std::time::{Duration, Instant};
/// use openphone_sip::transaction::{Retransmitter, TimerConfig};
/// let t0 = Instant::now();
/// let mut r = Retransmitter::new(t0, b"SIP/2.0 200 OK".to_vec(), TimerConfig::default());
/// assert_eq!(r.next_deadline(), t0 + Duration::from_millis(500));
/// ```
#[derive(Debug, Clone)]
pub struct Retransmitter {
    bytes: Vec<u8>,
    next: Instant,
    interval: Duration,
    give_up: Instant,
    t2: Duration,
}

/// What a [`Retransmitter`] wants at a deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetransmitAction {
    /// Nothing due yet.
    None,
    /// Send these bytes again.
    Send(Vec<u8>),
    /// 64·T1 passed without confirmation.
    GiveUp,
}

impl Retransmitter {
    /// Starts after the first transmission at `now`.
    pub fn new(now: Instant, bytes: Vec<u8>, cfg: TimerConfig) -> Self {
        Retransmitter {
            bytes,
            next: now + cfg.t1,
            interval: cfg.t1,
            give_up: now + cfg.timeout(),
            t2: cfg.t2,
        }
    }

    /// The bytes being retransmitted.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// When to call [`on_timeout`](Self::on_timeout).
    pub fn next_deadline(&self) -> Instant {
        self.next.min(self.give_up)
    }

    /// Runs the timer.
    pub fn on_timeout(&mut self, now: Instant) -> RetransmitAction {
        if now >= self.give_up {
            return RetransmitAction::GiveUp;
        }
        if now >= self.next {
            self.interval = self.interval.saturating_mul(2).min(self.t2);
            self.next = now + self.interval;
            return RetransmitAction::Send(self.bytes.clone());
        }
        RetransmitAction::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_error_response_g_then_ack_then_i() {
        let t0 = Instant::now();
        let mut tx = ServerTransaction::new(true, false, TimerConfig::default());
        assert!(tx.send_response(t0, 100, b"100".to_vec()));
        assert!(tx.send_response(t0, 486, b"486".to_vec()));
        assert!(!tx.send_response(t0, 200, b"200".to_vec()));
        let d = tx.next_deadline().unwrap();
        assert_eq!(d - t0, Duration::from_millis(500));
        assert_eq!(
            tx.on_timeout(d),
            ServerTimerAction::Retransmit(b"486".to_vec())
        );
        assert_eq!(tx.on_request_retransmission(), Some(b"486".to_vec()));
        assert!(tx.on_ack(d));
        assert_eq!(tx.state(), ServerState::Confirmed);
        assert!(tx.on_ack(d), "ACK retransmissions absorbed");
        assert_eq!(
            tx.on_timeout(d + Duration::from_secs(5)),
            ServerTimerAction::Terminated
        );
    }

    #[test]
    fn invite_timer_h_reports_missing_ack() {
        let t0 = Instant::now();
        let mut tx = ServerTransaction::new(true, false, TimerConfig::default());
        tx.send_response(t0, 603, b"603".to_vec());
        let mut sends = 0;
        loop {
            let d = tx.next_deadline().unwrap();
            match tx.on_timeout(d) {
                ServerTimerAction::Retransmit(_) => sends += 1,
                ServerTimerAction::AckTimeout => {
                    assert_eq!(d - t0, Duration::from_secs(32));
                    break;
                }
                o => panic!("{o:?}"),
            }
        }
        // 0.5, 1.5, 3.5, 7.5, 11.5, … 31.5 => 10 retransmissions
        assert_eq!(sends, 10);
    }

    #[test]
    fn invite_2xx_terminates_transaction() {
        let mut tx = ServerTransaction::new(true, true, TimerConfig::default());
        tx.send_response(Instant::now(), 200, b"200".to_vec());
        assert_eq!(tx.state(), ServerState::Terminated);
        assert_eq!(tx.next_deadline(), None);
    }

    #[test]
    fn non_invite_replays_and_timer_j() {
        let t0 = Instant::now();
        let mut tx = ServerTransaction::new(false, false, TimerConfig::default());
        assert_eq!(tx.on_request_retransmission(), None, "Trying absorbs");
        tx.send_response(t0, 200, b"200".to_vec());
        assert_eq!(tx.on_request_retransmission(), Some(b"200".to_vec()));
        assert_eq!(tx.next_deadline(), Some(t0 + Duration::from_secs(32)));
        assert_eq!(
            tx.on_timeout(t0 + Duration::from_secs(32)),
            ServerTimerAction::Terminated
        );
    }

    #[test]
    fn retransmitter_backs_off_and_gives_up() {
        let t0 = Instant::now();
        let mut r = Retransmitter::new(t0, b"x".to_vec(), TimerConfig::default());
        let mut n = 0;
        loop {
            let d = r.next_deadline();
            match r.on_timeout(d) {
                RetransmitAction::Send(_) => n += 1,
                RetransmitAction::GiveUp => break,
                RetransmitAction::None => panic!(),
            }
        }
        assert_eq!(n, 10);
    }
}

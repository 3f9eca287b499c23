//! Client transactions (RFC 3261 §17.1): INVITE (Figure 5) and non-INVITE (Figure 6).
//!
//! A client transaction holds the request as sent (already serialized) and decides
//! when to retransmit it, which responses the transaction user sees, and when it is
//! over. It never builds messages: the ACK for a non-2xx final response is built by
//! the caller and handed in.

use std::time::{Duration, Instant};

use super::timers::TimerConfig;

/// Where a client transaction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// INVITE sent, nothing heard (INVITE `Calling`, non-INVITE `Trying`).
    Calling,
    /// A provisional response arrived.
    Proceeding,
    /// A final response arrived; absorbing retransmissions.
    Completed,
    /// Over; the transaction can be dropped.
    Terminated,
}

/// What the transaction user must do after a response was fed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseVerdict {
    /// Give the response to the transaction user.
    PassUp,
    /// Give it up and send the ACK (INVITE, first non-2xx final response).
    PassUpAndAck(Vec<u8>),
    /// A retransmission: send the stored ACK again, nothing for the user.
    Reack(Vec<u8>),
    /// Swallow it.
    Absorb,
}

/// What a timer expiry asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientTimerAction {
    /// Nothing due.
    None,
    /// Send the request again (timers A, E).
    Retransmit(Vec<u8>),
    /// Timers B/F: the request timed out; tell the user (408 equivalent).
    TimedOut,
    /// Timers D/K: quietly over.
    Terminated,
}

/// One client transaction.
///
/// ```
/// use std::time::{Duration, Instant};
/// use openphone_sip::transaction::{ClientTransaction, ClientTimerAction, TimerConfig};
/// let t0 = Instant::now();
/// let mut tx = ClientTransaction::new(t0, false, b"OPTIONS ...".to_vec(), false, TimerConfig::default());
/// assert_eq!(tx.next_deadline(), Some(t0 + Duration::from_millis(500))); // timer E
/// assert!(matches!(tx.on_timeout(t0 + Duration::from_millis(500)), ClientTimerAction::Retransmit(_)));
/// ```
#[derive(Debug, Clone)]
pub struct ClientTransaction {
    invite: bool,
    reliable: bool,
    state: ClientState,
    request: Vec<u8>,
    ack: Option<Vec<u8>>,
    cfg: TimerConfig,
    /// Timer A/E: next retransmission and the current interval.
    retransmit: Option<(Instant, Duration)>,
    /// Timer B/F.
    timeout: Option<Instant>,
    /// Timer D/K.
    linger: Option<Instant>,
}

impl ClientTransaction {
    /// Starts a transaction; the caller sends `request` once right away.
    pub fn new(
        now: Instant,
        invite: bool,
        request: Vec<u8>,
        reliable: bool,
        cfg: TimerConfig,
    ) -> Self {
        ClientTransaction {
            invite,
            reliable,
            state: ClientState::Calling,
            request,
            ack: None,
            retransmit: (!reliable).then(|| (now + cfg.t1, cfg.t1)),
            timeout: Some(now + cfg.timeout()),
            linger: None,
            cfg,
        }
    }

    /// Current state.
    pub fn state(&self) -> ClientState {
        self.state
    }

    /// Whether this is an INVITE transaction.
    pub fn is_invite(&self) -> bool {
        self.invite
    }

    /// The request as sent (for building a CANCEL or an authenticated retry).
    pub fn request(&self) -> &[u8] {
        &self.request
    }

    /// Feeds a response. `make_ack` is called only when an ACK must be generated
    /// (INVITE, first non-2xx final response).
    pub fn on_response(
        &mut self,
        now: Instant,
        code: u16,
        make_ack: impl FnOnce() -> Vec<u8>,
    ) -> ResponseVerdict {
        let provisional = (100..200).contains(&code);
        match self.state {
            ClientState::Calling | ClientState::Proceeding => {
                if provisional {
                    self.state = ClientState::Proceeding;
                    if self.invite {
                        // INVITE: retransmissions stop once anything is heard (§17.1.1.2),
                        // and timer B no longer applies in Proceeding.
                        self.retransmit = None;
                        self.timeout = None;
                    } else if let Some((_, _)) = self.retransmit {
                        // Non-INVITE keeps retransmitting, at T2 (§17.1.2.2).
                        self.retransmit = Some((now + self.cfg.t2, self.cfg.t2));
                    }
                    return ResponseVerdict::PassUp;
                }
                self.retransmit = None;
                self.timeout = None;
                if self.invite && (200..300).contains(&code) {
                    // 2xx: the UAC core ACKs it; the transaction ends (§17.1.1.2).
                    self.state = ClientState::Terminated;
                    return ResponseVerdict::PassUp;
                }
                self.state = ClientState::Completed;
                let linger = if self.reliable {
                    Duration::ZERO
                } else if self.invite {
                    self.cfg.timer_d()
                } else {
                    self.cfg.t4
                };
                self.linger = Some(now + linger);
                if self.invite {
                    let ack = make_ack();
                    self.ack = Some(ack.clone());
                    ResponseVerdict::PassUpAndAck(ack)
                } else {
                    ResponseVerdict::PassUp
                }
            }
            ClientState::Completed => match (&self.ack, provisional) {
                (Some(ack), false) => ResponseVerdict::Reack(ack.clone()),
                _ => ResponseVerdict::Absorb,
            },
            ClientState::Terminated => ResponseVerdict::Absorb,
        }
    }

    /// The earliest instant at which [`on_timeout`](Self::on_timeout) has work.
    pub fn next_deadline(&self) -> Option<Instant> {
        [self.retransmit.map(|(t, _)| t), self.timeout, self.linger]
            .into_iter()
            .flatten()
            .min()
    }

    /// Runs expired timers.
    pub fn on_timeout(&mut self, now: Instant) -> ClientTimerAction {
        if self.state == ClientState::Terminated {
            return ClientTimerAction::None;
        }
        if let Some(t) = self.linger {
            if now >= t {
                self.state = ClientState::Terminated;
                self.linger = None;
                return ClientTimerAction::Terminated;
            }
        }
        if let Some(t) = self.timeout {
            if now >= t {
                self.state = ClientState::Terminated;
                self.timeout = None;
                self.retransmit = None;
                return ClientTimerAction::TimedOut;
            }
        }
        if let Some((t, interval)) = self.retransmit {
            if now >= t {
                let next = if self.invite {
                    interval.saturating_mul(2) // timer A doubles without cap
                } else if self.state == ClientState::Proceeding {
                    self.cfg.t2
                } else {
                    interval.saturating_mul(2).min(self.cfg.t2)
                };
                self.retransmit = Some((now + next, next));
                return ClientTimerAction::Retransmit(self.request.clone());
            }
        }
        ClientTimerAction::None
    }

    /// Ends the transaction at once (transport error, or the user gave up).
    pub fn terminate(&mut self) {
        self.state = ClientState::Terminated;
        self.retransmit = None;
        self.timeout = None;
        self.linger = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn invite_timer_a_doubles_then_b_times_out() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, true, b"INV".to_vec(), false, TimerConfig::default());
        let mut sends = vec![];
        let mut now = t0;
        while let Some(d) = tx.next_deadline() {
            now = d;
            match tx.on_timeout(now) {
                ClientTimerAction::Retransmit(_) => sends.push(now - t0),
                ClientTimerAction::TimedOut => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(now - t0, Duration::from_secs(32));
        assert_eq!(
            sends,
            vec![ms(500), ms(1500), ms(3500), ms(7500), ms(15500), ms(31500)]
        );
        assert_eq!(tx.state(), ClientState::Terminated);
    }

    #[test]
    fn non_invite_timer_e_caps_at_t2() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, false, b"REG".to_vec(), false, TimerConfig::default());
        let mut sends = vec![];
        while let Some(d) = tx.next_deadline() {
            match tx.on_timeout(d) {
                ClientTimerAction::Retransmit(_) => sends.push(d - t0),
                ClientTimerAction::TimedOut => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            &sends[..6],
            &[ms(500), ms(1500), ms(3500), ms(7500), ms(11500), ms(15500)]
        );
    }

    #[test]
    fn invite_non_2xx_acks_and_reacks() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, true, b"INV".to_vec(), false, TimerConfig::default());
        assert_eq!(tx.on_response(t0, 180, Vec::new), ResponseVerdict::PassUp);
        assert_eq!(tx.next_deadline(), None, "no timers in Proceeding");
        assert_eq!(
            tx.on_response(t0, 486, || b"ACK".to_vec()),
            ResponseVerdict::PassUpAndAck(b"ACK".to_vec())
        );
        assert_eq!(
            tx.on_response(t0, 486, || panic!("ACK built twice")),
            ResponseVerdict::Reack(b"ACK".to_vec())
        );
        assert_eq!(tx.next_deadline(), Some(t0 + Duration::from_secs(32)));
        assert_eq!(
            tx.on_timeout(t0 + Duration::from_secs(32)),
            ClientTimerAction::Terminated
        );
    }

    #[test]
    fn invite_2xx_terminates_without_ack() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, true, b"INV".to_vec(), true, TimerConfig::default());
        assert_eq!(
            tx.on_response(t0, 200, || panic!()),
            ResponseVerdict::PassUp
        );
        assert_eq!(tx.state(), ClientState::Terminated);
    }

    #[test]
    fn non_invite_final_then_timer_k() {
        let t0 = Instant::now();
        let mut tx =
            ClientTransaction::new(t0, false, b"BYE".to_vec(), false, TimerConfig::default());
        assert_eq!(tx.on_response(t0, 100, Vec::new), ResponseVerdict::PassUp);
        assert_eq!(tx.on_timeout(t0 + ms(500)), ClientTimerAction::None);
        assert!(matches!(
            tx.on_timeout(t0 + Duration::from_secs(4)),
            ClientTimerAction::Retransmit(_)
        ));
        assert_eq!(tx.on_response(t0, 200, Vec::new), ResponseVerdict::PassUp);
        assert_eq!(tx.on_response(t0, 200, Vec::new), ResponseVerdict::Absorb);
        assert_eq!(
            tx.on_timeout(t0 + Duration::from_secs(5)),
            ClientTimerAction::Terminated
        );
    }

    #[test]
    fn reliable_has_no_retransmissions() {
        let t0 = Instant::now();
        let tx = ClientTransaction::new(t0, false, b"X".to_vec(), true, TimerConfig::default());
        assert_eq!(tx.next_deadline(), Some(t0 + Duration::from_secs(32)));
    }
}

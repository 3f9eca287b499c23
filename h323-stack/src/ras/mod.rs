//! The RAS endpoint core (H.225.0 §7): gatekeeper discovery, registration
//! with keep-alive, admission, bandwidth and disengage of calls, and the
//! answers to a gatekeeper's own requests — sans-IO.
//!
//! [`RasEndpoint`] does no I/O and never reads the clock: the driver hands
//! it datagrams and the time, and drains what it produced:
//!
//! ```text
//! ras.register(now)?;                      // or admit / disengage / …
//! ras.handle_datagram(now, from, &bytes);  // every datagram of the RAS socket
//! ras.handle_timeout(now);                 // when poll_timeout() is reached
//! while let Some(t) = ras.poll_transmit() { socket.send_to(&t.payload, t.destination) }
//! while let Some(e) = ras.poll_event()    { … }
//! ```
//!
//! Requests are retransmitted with the same sequence number every
//! [`RasConfig::retry_interval`] (3 s by default), [`RasConfig::attempts`]
//! times in all (3), as H.225.0's RAS timer table recommends; a
//! RequestInProgress (RIP) from the gatekeeper pushes the deadline back by
//! its delay. A registration with a `timeToLive` is kept alive by a
//! lightweight RRQ (H.225.0 §7.9.1) sent early enough that all its
//! retransmissions fit before the lifetime ends.
//!
//! Bad input never panics: an undecodable datagram is logged and dropped, a
//! RAS request an endpoint does not serve gets an UnknownMessageResponse,
//! a response matching no outstanding request is ignored.

mod msg;
#[cfg(test)]
mod tests;

use crate::asn::h225;
use crate::build::ras::{
    gatekeeper_request, keep_alive_request, registration_request, Registration,
};
use crate::build::{bmp_string, socket_address};
use crate::per::{self, PerError};
use std::collections::{HashMap, VecDeque};
use std::net::{SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

/// How the endpoint finds and registers with its gatekeeper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RasConfig {
    /// The gatekeeper's RAS address (unicast discovery and registration
    /// go there; a GCF may name another one).
    pub gatekeeper: SocketAddrV4,
    /// The gatekeeper identifier to ask for in GRQ, if one is required.
    pub gatekeeper_id: Option<String>,
    /// Send a GRQ first (H.225.0 §7.2.1, unicast discovery); without it
    /// the first message is the RRQ.
    pub discover: bool,
    /// Our RAS address (the UDP socket the driver reads).
    pub ras: SocketAddrV4,
    /// Our call-signalling address (the H.225.0 TCP listener).
    pub call_signal: SocketAddrV4,
    /// Our aliases (`h323-ID`, `dialedDigits`; see [`crate::build::h323_id`]).
    pub aliases: Vec<h225::AliasAddress>,
    /// The registration lifetime asked for, in seconds (the gatekeeper's
    /// RCF decides).
    pub time_to_live: Option<u32>,
    /// The RAS retry timer.
    pub retry_interval: Duration,
    /// How many times a request is sent before it times out.
    pub attempts: u32,
}

impl RasConfig {
    /// A configuration with the standard defaults: discovery on, no
    /// aliases, no lifetime asked for, 3 attempts 3 s apart.
    pub fn new(gatekeeper: SocketAddrV4, ras: SocketAddrV4, call_signal: SocketAddrV4) -> Self {
        Self {
            gatekeeper,
            gatekeeper_id: None,
            discover: true,
            ras,
            call_signal,
            aliases: Vec::new(),
            time_to_live: None,
            retry_interval: Duration::from_secs(3),
            attempts: 3,
        }
    }
}

/// A call as RAS sees it: the identifiers the gatekeeper knows it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// The call identifier (`callIdentifier`), the key of the call here.
    pub call_id: [u8; 16],
    /// The conference identifier (`conferenceID`).
    pub conference_id: [u8; 16],
    /// The Q.931 call reference value of our signalling leg.
    pub crv: u16,
    /// `true` when we answer the call, `false` when we place it.
    pub answer: bool,
    /// The called aliases (for a call we place).
    pub destination: Vec<h225::AliasAddress>,
    /// The called call-signalling address, if already known.
    pub destination_address: Option<SocketAddrV4>,
    /// Bandwidth asked for, in units of 100 bit/s for both directions
    /// (1280 = two 64 kbit/s G.711 streams).
    pub bandwidth: u32,
}

/// One datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub destination: SocketAddrV4,
    /// The PER-encoded RAS message.
    pub payload: Vec<u8>,
}

/// Which request an event or a timeout is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// GRQ.
    Discovery,
    /// A full RRQ.
    Registration,
    /// A lightweight RRQ.
    KeepAlive,
    /// URQ.
    Unregistration,
    /// ARQ.
    Admission,
    /// DRQ.
    Disengage,
    /// BRQ.
    Bandwidth,
}

/// Where the registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationState {
    /// Not registered, nothing in progress.
    Idle,
    /// GRQ sent.
    Discovering,
    /// Full RRQ sent.
    Registering,
    /// Registered (keep-alives may be in flight).
    Registered,
    /// URQ sent.
    Unregistering,
}

/// What the RAS core reports.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RasEvent {
    /// A GCF: the gatekeeper that serves us; the RRQ follows.
    GatekeeperFound {
        /// Its identifier, if it gave one.
        gatekeeper_id: Option<String>,
        /// Its RAS address.
        ras: SocketAddrV4,
    },
    /// A GRJ; `reason` is the standard's name of the reject reason.
    DiscoveryRejected {
        /// E.g. `resourceUnavailable`, `terminalExcluded`.
        reason: &'static str,
    },
    /// An RCF to a full RRQ.
    Registered {
        /// The endpoint identifier the gatekeeper assigned.
        endpoint_id: String,
        /// The gatekeeper's identifier, if known.
        gatekeeper_id: Option<String>,
        /// The registration lifetime, if the gatekeeper set one.
        time_to_live: Option<Duration>,
    },
    /// An RRJ to a full RRQ.
    RegistrationRejected {
        /// E.g. `duplicateAlias`, `discoveryRequired`.
        reason: &'static str,
    },
    /// A keep-alive was rejected or never answered: we are no longer
    /// registered (state [`RegistrationState::Idle`]).
    RegistrationLost {
        /// The reject reason, or `timeout`.
        reason: &'static str,
    },
    /// We are unregistered: our URQ was confirmed, or the gatekeeper's URQ
    /// was (then `by_gatekeeper`; `reason` is its reason, if given).
    Unregistered {
        /// The gatekeeper asked.
        by_gatekeeper: bool,
        /// The gatekeeper's reason (`reregistrationRequired`, `ttlExpired`, …).
        reason: Option<&'static str>,
    },
    /// A URJ: we stay registered.
    UnregistrationRejected {
        /// E.g. `callInProgress`.
        reason: &'static str,
    },
    /// An ACF.
    AdmissionConfirmed {
        /// The call.
        call_id: [u8; 16],
        /// Where to send the Setup (the called endpoint, or the
        /// gatekeeper when it routes the call).
        destination: Option<SocketAddrV4>,
        /// The gatekeeper routes the call signalling.
        gatekeeper_routed: bool,
        /// The bandwidth granted, in units of 100 bit/s.
        bandwidth: u32,
    },
    /// An ARJ: the call must not go ahead.
    AdmissionRejected {
        /// The call.
        call_id: [u8; 16],
        /// E.g. `calledPartyNotRegistered`, `requestDenied`.
        reason: &'static str,
    },
    /// A DCF: the gatekeeper forgot the call.
    Disengaged {
        /// The call.
        call_id: [u8; 16],
    },
    /// A DRJ: the gatekeeper refused to disengage (the call is forgotten
    /// here all the same).
    DisengageRejected {
        /// The call.
        call_id: [u8; 16],
        /// E.g. `notRegistered`.
        reason: &'static str,
    },
    /// The gatekeeper's DRQ: it ended the call; hang it up (confirmed with
    /// DCF already).
    DisengageRequested {
        /// The call.
        call_id: [u8; 16],
    },
    /// A BCF, or a gatekeeper's BRQ we confirmed.
    BandwidthChanged {
        /// The call.
        call_id: [u8; 16],
        /// The new bandwidth, in units of 100 bit/s.
        bandwidth: u32,
    },
    /// A BRJ: the bandwidth stays as it was.
    BandwidthRejected {
        /// The call.
        call_id: [u8; 16],
        /// E.g. `insufficientResources`.
        reason: &'static str,
        /// The bandwidth the gatekeeper allows.
        allowed: u32,
    },
    /// A request was sent [`RasConfig::attempts`] times without an answer.
    /// A discovery, registration or unregistration leaves the state
    /// [`RegistrationState::Idle`]; an admission forgets the call.
    Timeout {
        /// The request.
        request: RequestKind,
        /// Its call, for ARQ, DRQ and BRQ.
        call_id: Option<[u8; 16]>,
    },
}

/// A command the RAS core cannot carry out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RasError {
    /// The command needs a registration (an endpoint identifier).
    #[error("not registered with a gatekeeper")]
    NotRegistered,
    /// No call with this identifier is known.
    #[error("unknown call")]
    UnknownCall,
    /// A call with this identifier is already known.
    #[error("call already known")]
    DuplicateCall,
    /// A message could not be encoded (a value out of its type's range).
    #[error(transparent)]
    Encode(#[from] PerError),
}

#[derive(Debug)]
struct Pending {
    seq: u16,
    kind: RequestKind,
    call_id: Option<[u8; 16]>,
    transmit: Transmit,
    sent: u32,
    deadline: Instant,
}

#[derive(Debug)]
struct Call {
    info: CallInfo,
    admitted: bool,
    routed: bool,
}

/// The RAS state machine of one endpoint (see the module documentation).
#[derive(Debug)]
pub struct RasEndpoint {
    config: RasConfig,
    state: RegistrationState,
    last_seq: u16,
    gatekeeper_ras: SocketAddrV4,
    gatekeeper_id: Option<h225::GatekeeperIdentifier>,
    endpoint_id: Option<h225::EndpointIdentifier>,
    time_to_live: Option<Duration>,
    keep_alive_at: Option<Instant>,
    pending: Vec<Pending>,
    calls: HashMap<[u8; 16], Call>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<RasEvent>,
}

impl RasEndpoint {
    /// A core that has sent nothing yet.
    pub fn new(config: RasConfig) -> Self {
        let gatekeeper_id = config
            .gatekeeper_id
            .as_deref()
            .and_then(bmp_string)
            .map(h225::GatekeeperIdentifier);
        Self {
            gatekeeper_ras: config.gatekeeper,
            config,
            state: RegistrationState::Idle,
            last_seq: 0,
            gatekeeper_id,
            endpoint_id: None,
            time_to_live: None,
            keep_alive_at: None,
            pending: Vec::new(),
            calls: HashMap::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Where the registration stands.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// The endpoint identifier from the last RCF, while registered.
    pub fn endpoint_id(&self) -> Option<String> {
        self.endpoint_id.as_ref().map(|e| bmp_text(&e.0))
    }

    /// The gatekeeper's RAS address (the configured one, or the one its
    /// GCF named).
    pub fn gatekeeper_address(&self) -> SocketAddrV4 {
        self.gatekeeper_ras
    }

    /// Starts (or restarts) registration: a GRQ if discovery is on, else
    /// the RRQ.
    pub fn register(&mut self, now: Instant) -> Result<(), RasError> {
        self.cancel_registration_requests();
        if self.config.discover {
            self.gatekeeper_ras = self.config.gatekeeper;
            let (ras, aliases) = (self.config.ras, self.config.aliases.clone());
            let gk = self.gatekeeper_id.clone();
            self.send(now, RequestKind::Discovery, None, |seq| {
                gatekeeper_request(seq, ras, gk, aliases)
            })?;
            self.state = RegistrationState::Discovering;
        } else {
            self.send_full_rrq(now)?;
        }
        Ok(())
    }

    /// Unregisters (URQ). Admitted calls are forgotten once it is
    /// confirmed.
    pub fn unregister(&mut self, now: Instant) -> Result<(), RasError> {
        if self.state != RegistrationState::Registered {
            return Err(RasError::NotRegistered);
        }
        self.cancel_registration_requests();
        self.keep_alive_at = None;
        let (call_signal, aliases) = (self.config.call_signal, self.config.aliases.clone());
        let (ep, gk) = (self.endpoint_id.clone(), self.gatekeeper_id.clone());
        self.send(now, RequestKind::Unregistration, None, |seq| {
            msg::unregistration_request(seq, call_signal, &aliases, ep, gk)
        })?;
        self.state = RegistrationState::Unregistering;
        Ok(())
    }

    /// Asks admission for a call (ARQ); the answer is
    /// [`RasEvent::AdmissionConfirmed`] or [`RasEvent::AdmissionRejected`].
    pub fn admit(&mut self, now: Instant, call: CallInfo) -> Result<(), RasError> {
        let endpoint = self.registered_id()?;
        if self.calls.contains_key(&call.call_id) {
            return Err(RasError::DuplicateCall);
        }
        let seq = self.next_seq();
        let admission = msg::Admission {
            endpoint,
            gatekeeper: self.gatekeeper_id.clone(),
            source: &self.config.aliases,
            source_address: self.config.call_signal,
        };
        let payload = per::encode_ras(&msg::admission_request(seq, &call, admission))?;
        self.start(
            now,
            seq,
            RequestKind::Admission,
            Some(call.call_id),
            payload,
        );
        self.calls.insert(
            call.call_id,
            Call {
                info: call,
                admitted: false,
                routed: false,
            },
        );
        Ok(())
    }

    /// Tells the gatekeeper the call has ended (DRQ); the call is forgotten
    /// when it answers.
    pub fn disengage(&mut self, now: Instant, call_id: [u8; 16]) -> Result<(), RasError> {
        let endpoint = self.registered_id()?;
        let call = self.calls.get(&call_id).ok_or(RasError::UnknownCall)?;
        let bytes = {
            let gk = self.gatekeeper_id.clone();
            let info = call.info.clone();
            move |seq| msg::disengage_request(seq, &info, endpoint, gk, false)
        };
        self.send(now, RequestKind::Disengage, Some(call_id), bytes)
    }

    /// Asks to change a call's bandwidth (BRQ), in units of 100 bit/s.
    pub fn change_bandwidth(
        &mut self,
        now: Instant,
        call_id: [u8; 16],
        bandwidth: u32,
    ) -> Result<(), RasError> {
        let endpoint = self.registered_id()?;
        let call = self.calls.get(&call_id).ok_or(RasError::UnknownCall)?;
        let (gk, info) = (self.gatekeeper_id.clone(), call.info.clone());
        self.send(now, RequestKind::Bandwidth, Some(call_id), move |seq| {
            msg::bandwidth_request(seq, &info, bandwidth, endpoint, gk)
        })
    }

    /// Handles one datagram received on the RAS socket.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        let SocketAddr::V4(from) = from else {
            tracing::debug!(%from, "RAS over IPv6 is not supported; dropped");
            return;
        };
        let message = match per::decode_ras(bytes) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(%from, error = %e, "undecodable RAS datagram dropped");
                return;
            }
        };
        self.dispatch(now, from, bytes, message);
    }

    /// Retransmits and times out requests, and sends a keep-alive when due.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut expired = Vec::new();
        for p in &mut self.pending {
            if p.deadline > now {
                continue;
            }
            if p.sent < self.config.attempts.max(1) {
                p.sent += 1;
                p.deadline = now + self.config.retry_interval;
                tracing::debug!(seq = p.seq, kind = ?p.kind, attempt = p.sent, "RAS retransmission");
                self.transmits.push_back(p.transmit.clone());
            } else {
                expired.push(p.seq);
            }
        }
        for seq in expired {
            if let Some(p) = self.take_pending(seq) {
                self.timed_out(p);
            }
        }
        if self.keep_alive_at.is_some_and(|t| t <= now) {
            self.keep_alive_at = None;
            if let Err(e) = self.send_keep_alive(now) {
                tracing::warn!(error = %e, "keep-alive RRQ not sent");
            }
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<RasEvent> {
        self.events.pop_front()
    }

    /// When [`RasEndpoint::handle_timeout`] must next be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.pending
            .iter()
            .map(|p| p.deadline)
            .chain(self.keep_alive_at)
            .min()
    }

    fn registered_id(&self) -> Result<h225::EndpointIdentifier, RasError> {
        match (&self.endpoint_id, self.state) {
            (Some(id), RegistrationState::Registered) => Ok(id.clone()),
            _ => Err(RasError::NotRegistered),
        }
    }

    fn next_seq(&mut self) -> u16 {
        // RequestSeqNum is 1..65535: wrap past zero.
        self.last_seq = self.last_seq.checked_add(1).unwrap_or(1);
        self.last_seq
    }

    fn send(
        &mut self,
        now: Instant,
        kind: RequestKind,
        call_id: Option<[u8; 16]>,
        build: impl FnOnce(u16) -> h225::RasMessage,
    ) -> Result<(), RasError> {
        let seq = self.next_seq();
        let payload = per::encode_ras(&build(seq))?;
        self.start(now, seq, kind, call_id, payload);
        Ok(())
    }

    fn start(
        &mut self,
        now: Instant,
        seq: u16,
        kind: RequestKind,
        call_id: Option<[u8; 16]>,
        payload: Vec<u8>,
    ) {
        let transmit = Transmit {
            destination: self.gatekeeper_ras,
            payload,
        };
        self.transmits.push_back(transmit.clone());
        self.pending.push(Pending {
            seq,
            kind,
            call_id,
            transmit,
            sent: 1,
            deadline: now + self.config.retry_interval,
        });
    }

    fn registration(&self) -> Registration {
        Registration {
            call_signal: self.config.call_signal,
            ras: self.config.ras,
            aliases: self.config.aliases.clone(),
            gatekeeper: self.gatekeeper_id.clone(),
            time_to_live: self.config.time_to_live,
        }
    }

    fn send_full_rrq(&mut self, now: Instant) -> Result<(), RasError> {
        let reg = self.registration();
        self.send(now, RequestKind::Registration, None, |seq| {
            registration_request(seq, &reg)
        })?;
        self.state = RegistrationState::Registering;
        Ok(())
    }

    fn send_keep_alive(&mut self, now: Instant) -> Result<(), RasError> {
        if self
            .pending
            .iter()
            .any(|p| p.kind == RequestKind::KeepAlive)
        {
            return Ok(());
        }
        let endpoint = self.registered_id()?;
        let reg = self.registration();
        self.send(now, RequestKind::KeepAlive, None, |seq| {
            keep_alive_request(seq, &reg, endpoint)
        })
    }

    fn cancel_registration_requests(&mut self) {
        self.pending.retain(|p| {
            !matches!(
                p.kind,
                RequestKind::Discovery
                    | RequestKind::Registration
                    | RequestKind::KeepAlive
                    | RequestKind::Unregistration
            )
        });
    }

    fn take_pending(&mut self, seq: u16) -> Option<Pending> {
        let i = self.pending.iter().position(|p| p.seq == seq)?;
        Some(self.pending.swap_remove(i))
    }

    /// The outstanding request `seq` if it is one of `kinds`: a response
    /// must answer the request it names.
    fn answered(&mut self, seq: &h225::RequestSeqNum, kinds: &[RequestKind]) -> Option<Pending> {
        let i = self
            .pending
            .iter()
            .position(|p| p.seq == seq.0 && kinds.contains(&p.kind));
        match i {
            Some(i) => Some(self.pending.swap_remove(i)),
            None => {
                tracing::debug!(
                    seq = seq.0,
                    "RAS response to no outstanding request ignored"
                );
                None
            }
        }
    }

    fn become_idle(&mut self) {
        self.state = RegistrationState::Idle;
        self.endpoint_id = None;
        self.time_to_live = None;
        self.keep_alive_at = None;
        self.calls.clear();
        self.pending.retain(|p| {
            !matches!(
                p.kind,
                RequestKind::Admission | RequestKind::Disengage | RequestKind::Bandwidth
            )
        });
    }

    fn timed_out(&mut self, p: Pending) {
        tracing::info!(kind = ?p.kind, seq = p.seq, "RAS request timed out");
        match p.kind {
            RequestKind::Discovery | RequestKind::Registration | RequestKind::Unregistration => {
                self.become_idle();
            }
            RequestKind::KeepAlive => {
                self.become_idle();
                self.events
                    .push_back(RasEvent::RegistrationLost { reason: "timeout" });
                return;
            }
            RequestKind::Admission | RequestKind::Disengage => {
                if let Some(id) = p.call_id {
                    self.calls.remove(&id);
                }
            }
            RequestKind::Bandwidth => {}
        }
        self.events.push_back(RasEvent::Timeout {
            request: p.kind,
            call_id: p.call_id,
        });
    }

    fn reply(&mut self, to: SocketAddrV4, message: &h225::RasMessage) {
        match per::encode_ras(message) {
            Ok(payload) => self.transmits.push_back(Transmit {
                destination: to,
                payload,
            }),
            Err(e) => tracing::warn!(error = %e, "RAS answer not encoded"),
        }
    }

    /// A request from the gatekeeper is served only from its address and
    /// while registered.
    fn sent_by_our_gatekeeper(&self, from: SocketAddrV4) -> bool {
        self.state == RegistrationState::Registered && from.ip() == self.gatekeeper_ras.ip()
    }

    fn dispatch(&mut self, now: Instant, from: SocketAddrV4, bytes: &[u8], m: h225::RasMessage) {
        use h225::RasMessage as M;
        use RequestKind as K;
        match m {
            M::gatekeeperConfirm(gcf) => {
                if self
                    .answered(&gcf.request_seq_num, &[K::Discovery])
                    .is_some()
                {
                    self.on_gcf(now, from, gcf);
                }
            }
            M::gatekeeperReject(grj) => {
                if self
                    .answered(&grj.request_seq_num, &[K::Discovery])
                    .is_some()
                {
                    self.become_idle();
                    let reason = reason_name(&grj.reject_reason);
                    self.events
                        .push_back(RasEvent::DiscoveryRejected { reason });
                }
            }
            M::registrationConfirm(rcf) => {
                let kinds = [K::Registration, K::KeepAlive];
                if let Some(p) = self.answered(&rcf.request_seq_num, &kinds) {
                    self.on_rcf(now, p.kind, rcf);
                }
            }
            M::registrationReject(rrj) => {
                let kinds = [K::Registration, K::KeepAlive];
                if let Some(p) = self.answered(&rrj.request_seq_num, &kinds) {
                    self.on_rrj(now, p.kind, &rrj.reject_reason);
                }
            }
            M::unregistrationConfirm(ucf) => {
                if self
                    .answered(&ucf.request_seq_num, &[K::Unregistration])
                    .is_some()
                {
                    self.become_idle();
                    self.events.push_back(RasEvent::Unregistered {
                        by_gatekeeper: false,
                        reason: None,
                    });
                }
            }
            M::unregistrationReject(urj) => {
                if self
                    .answered(&urj.request_seq_num, &[K::Unregistration])
                    .is_some()
                {
                    self.on_urj(now, &urj.reject_reason);
                }
            }
            M::admissionConfirm(acf) => {
                if let Some(p) = self.answered(&acf.request_seq_num, &[K::Admission]) {
                    self.on_acf(p.call_id, &acf);
                }
            }
            M::admissionReject(arj) => {
                if let Some(p) = self.answered(&arj.request_seq_num, &[K::Admission]) {
                    if let Some(call_id) = p.call_id {
                        self.calls.remove(&call_id);
                        let reason = reason_name(&arj.reject_reason);
                        self.events
                            .push_back(RasEvent::AdmissionRejected { call_id, reason });
                    }
                }
            }
            M::disengageConfirm(dcf) => {
                if let Some(p) = self.answered(&dcf.request_seq_num, &[K::Disengage]) {
                    if let Some(call_id) = p.call_id {
                        self.calls.remove(&call_id);
                        self.events.push_back(RasEvent::Disengaged { call_id });
                    }
                }
            }
            M::disengageReject(drj) => {
                if let Some(p) = self.answered(&drj.request_seq_num, &[K::Disengage]) {
                    if let Some(call_id) = p.call_id {
                        self.calls.remove(&call_id);
                        let reason = reason_name(&drj.reject_reason);
                        self.events
                            .push_back(RasEvent::DisengageRejected { call_id, reason });
                    }
                }
            }
            M::bandwidthConfirm(bcf) => {
                if let Some(p) = self.answered(&bcf.request_seq_num, &[K::Bandwidth]) {
                    self.on_bandwidth(p.call_id, bcf.band_width.0);
                }
            }
            M::bandwidthReject(brj) => {
                if let Some(p) = self.answered(&brj.request_seq_num, &[K::Bandwidth]) {
                    if let Some(call_id) = p.call_id {
                        self.events.push_back(RasEvent::BandwidthRejected {
                            call_id,
                            reason: reason_name(&brj.reject_reason),
                            allowed: brj.allowed_band_width.0,
                        });
                    }
                }
            }
            M::requestInProgress(rip) => {
                let delay = Duration::from_millis(u64::from(rip.delay));
                if let Some(p) = self
                    .pending
                    .iter_mut()
                    .find(|p| p.seq == rip.request_seq_num.0)
                {
                    // RIP: the gatekeeper is working on it; wait its delay
                    // before retransmitting, without spending an attempt.
                    p.deadline = now + delay;
                }
            }
            M::unregistrationRequest(urq) => self.on_gk_urq(now, from, &urq),
            M::disengageRequest(drq) => self.on_gk_drq(from, &drq),
            M::bandwidthRequest(brq) => self.on_gk_brq(from, &brq),
            M::infoRequest(irq) => self.on_irq(from, &irq),
            M::gatekeeperRequest(r) => self.not_served(from, r.request_seq_num, bytes),
            M::registrationRequest(r) => self.not_served(from, r.request_seq_num, bytes),
            M::admissionRequest(r) => self.not_served(from, r.request_seq_num, bytes),
            M::locationRequest(r) => self.not_served(from, r.request_seq_num, bytes),
            other => tracing::debug!(message = ?ras_name(&other), "RAS message ignored"),
        }
    }

    fn on_gcf(&mut self, now: Instant, from: SocketAddrV4, gcf: h225::GatekeeperConfirm) {
        self.gatekeeper_ras = socket_address(&gcf.ras_address).unwrap_or(from);
        if gcf.gatekeeper_identifier.is_some() {
            self.gatekeeper_id = gcf.gatekeeper_identifier;
        }
        self.events.push_back(RasEvent::GatekeeperFound {
            gatekeeper_id: self.gatekeeper_id.as_ref().map(|g| bmp_text(&g.0)),
            ras: self.gatekeeper_ras,
        });
        if let Err(e) = self.send_full_rrq(now) {
            tracing::warn!(error = %e, "RRQ not sent");
            self.become_idle();
        }
    }

    fn on_rcf(&mut self, now: Instant, kind: RequestKind, rcf: h225::RegistrationConfirm) {
        self.state = RegistrationState::Registered;
        self.endpoint_id = Some(rcf.endpoint_identifier);
        if rcf.gatekeeper_identifier.is_some() {
            self.gatekeeper_id = rcf.gatekeeper_identifier;
        }
        self.time_to_live = rcf
            .time_to_live
            .map(|t| Duration::from_secs(u64::from(t.0)));
        self.keep_alive_at = self.time_to_live.map(|ttl| {
            // Early enough for every retransmission to fit in the lifetime,
            // but never sooner than half of it.
            let budget = self.config.retry_interval * self.config.attempts.max(1);
            now + ttl - budget.min(ttl / 2)
        });
        if kind == RequestKind::Registration {
            self.events.push_back(RasEvent::Registered {
                endpoint_id: self.endpoint_id().unwrap_or_default(),
                gatekeeper_id: self.gatekeeper_id.as_ref().map(|g| bmp_text(&g.0)),
                time_to_live: self.time_to_live,
            });
        } else {
            tracing::debug!("keep-alive confirmed");
        }
    }

    fn on_rrj(&mut self, now: Instant, kind: RequestKind, reason: &h225::RegistrationRejectReason) {
        let name = reason_name(reason);
        if kind == RequestKind::KeepAlive {
            // H.225.0 §7.9.1: a gatekeeper that wants the full registration
            // again says so; any other refusal ends the registration.
            let full = matches!(
                reason,
                h225::RegistrationRejectReason::fullRegistrationRequired(())
            );
            if full && self.send_full_rrq(now).is_ok() {
                return;
            }
            self.become_idle();
            self.events
                .push_back(RasEvent::RegistrationLost { reason: name });
        } else {
            self.become_idle();
            self.events
                .push_back(RasEvent::RegistrationRejected { reason: name });
        }
    }

    fn on_urj(&mut self, now: Instant, reason: &h225::UnregRejectReason) {
        if matches!(reason, h225::UnregRejectReason::notCurrentlyRegistered(())) {
            // The gatekeeper no longer knows us: that is what we wanted.
            self.become_idle();
            self.events.push_back(RasEvent::Unregistered {
                by_gatekeeper: false,
                reason: None,
            });
            return;
        }
        self.state = RegistrationState::Registered;
        if let Some(ttl) = self.time_to_live {
            // Keep the registration alive again, well inside its lifetime.
            self.keep_alive_at = Some(now + ttl / 2);
        }
        self.events.push_back(RasEvent::UnregistrationRejected {
            reason: reason_name(reason),
        });
    }

    fn on_acf(&mut self, call_id: Option<[u8; 16]>, acf: &h225::AdmissionConfirm) {
        let Some(call_id) = call_id else { return };
        let routed = matches!(acf.call_model, h225::CallModel::gatekeeperRouted(()));
        let Some(call) = self.calls.get_mut(&call_id) else {
            return;
        };
        call.admitted = true;
        call.routed = routed;
        call.info.bandwidth = acf.band_width.0;
        self.events.push_back(RasEvent::AdmissionConfirmed {
            call_id,
            destination: socket_address(&acf.dest_call_signal_address),
            gatekeeper_routed: routed,
            bandwidth: acf.band_width.0,
        });
    }

    fn on_bandwidth(&mut self, call_id: Option<[u8; 16]>, bandwidth: u32) {
        let Some(call_id) = call_id else { return };
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.info.bandwidth = bandwidth;
            self.events
                .push_back(RasEvent::BandwidthChanged { call_id, bandwidth });
        }
    }

    fn on_gk_urq(&mut self, now: Instant, from: SocketAddrV4, urq: &h225::UnregistrationRequest) {
        let seq = urq.request_seq_num.0;
        let ours = match (&urq.endpoint_identifier, &self.endpoint_id) {
            (Some(theirs), Some(mine)) => theirs == mine,
            _ => true,
        };
        if !self.sent_by_our_gatekeeper(from) || !ours {
            self.reply(from, &msg::unregistration_reject(seq));
            return;
        }
        self.reply(from, &msg::unregistration_confirm(seq));
        self.become_idle();
        self.events.push_back(RasEvent::Unregistered {
            by_gatekeeper: true,
            reason: urq.reason.as_ref().map(reason_name),
        });
        if matches!(
            urq.reason,
            Some(h225::UnregRequestReason::reregistrationRequired(()))
        ) {
            // H.225.0 §7.7: register again at once.
            if let Err(e) = self.register(now) {
                tracing::warn!(error = %e, "re-registration not sent");
            }
        }
    }

    fn on_gk_drq(&mut self, from: SocketAddrV4, drq: &h225::DisengageRequest) {
        if !self.sent_by_our_gatekeeper(from) {
            tracing::debug!(%from, "DRQ from a stranger ignored");
            return;
        }
        // Confirm even for a call we no longer have: it is gone either way.
        self.reply(from, &msg::disengage_confirm(drq.request_seq_num.0));
        let call_id = guid_bytes(&drq.call_identifier.guid);
        if self.calls.remove(&call_id).is_some() {
            self.pending.retain(|p| p.call_id != Some(call_id));
            self.events
                .push_back(RasEvent::DisengageRequested { call_id });
        }
    }

    fn on_gk_brq(&mut self, from: SocketAddrV4, brq: &h225::BandwidthRequest) {
        if !self.sent_by_our_gatekeeper(from) {
            tracing::debug!(%from, "BRQ from a stranger ignored");
            return;
        }
        let seq = brq.request_seq_num.0;
        let call_id = guid_bytes(&brq.call_identifier.guid);
        let bandwidth = brq.band_width.0;
        if let Some(call) = self.calls.get_mut(&call_id) {
            call.info.bandwidth = bandwidth;
            self.reply(from, &msg::bandwidth_confirm(seq, bandwidth));
            self.events
                .push_back(RasEvent::BandwidthChanged { call_id, bandwidth });
        } else {
            self.reply(from, &msg::bandwidth_reject(seq));
        }
    }

    fn on_irq(&mut self, from: SocketAddrV4, irq: &h225::InfoRequest) {
        let Some(endpoint) = self
            .endpoint_id
            .clone()
            .filter(|_| self.sent_by_our_gatekeeper(from))
        else {
            tracing::debug!(%from, "IRQ while not registered with its sender ignored");
            return;
        };
        // Call reference 0 asks about every call (H.225.0 §7.15.1).
        let crv = irq.call_reference_value.0;
        let calls: Vec<&CallInfo> = self
            .calls
            .values()
            .filter(|c| c.admitted && (crv == 0 || c.info.crv == crv))
            .map(|c| &c.info)
            .collect();
        let routed: HashMap<[u8; 16], bool> =
            self.calls.iter().map(|(id, c)| (*id, c.routed)).collect();
        let me = msg::Info {
            endpoint,
            ras: self.config.ras,
            call_signal: self.config.call_signal,
            aliases: &self.config.aliases,
        };
        let irr = msg::info_request_response(irq.request_seq_num.0, me, &calls, |c| {
            routed.get(&c.call_id).copied().unwrap_or(false)
        });
        let to = irq
            .reply_address
            .as_ref()
            .and_then(socket_address)
            .unwrap_or(from);
        self.reply(to, &irr);
    }

    fn not_served(&mut self, from: SocketAddrV4, seq: h225::RequestSeqNum, bytes: &[u8]) {
        tracing::debug!(%from, "RAS request an endpoint does not serve: XRS");
        self.reply(from, &msg::unknown_message_response(seq.0, bytes));
    }
}

fn guid_bytes(guid: &h225::GloballyUniqueID) -> [u8; 16] {
    let mut out = [0; 16];
    out.copy_from_slice(guid.0.as_ref());
    out
}

fn bmp_text(s: &rasn::types::BmpString) -> String {
    char::decode_utf16(s.clone().into_vec())
        .map(|c| c.unwrap_or('\u{fffd}'))
        .collect()
}

/// The standard's name of a CHOICE alternative (a reject reason, a
/// message), from the generated type's `Debug` form `name(…)`.
fn reason_name<T: std::fmt::Debug>(value: &T) -> &'static str {
    choice_name(value).unwrap_or("undefinedReason")
}

fn ras_name(m: &h225::RasMessage) -> &'static str {
    choice_name(m).unwrap_or("other")
}

fn choice_name<T: std::fmt::Debug>(value: &T) -> Option<&'static str> {
    let text = format!("{value:?}");
    let name = text.split(['(', ' ', '{']).next().unwrap_or_default();
    REASONS.iter().find(|r| **r == name).copied()
}

/// Every reject/unregistration reason name (and the RAS messages the core
/// ignores), so events carry `&'static str` without allocating per event.
const REASONS: &[&str] = &[
    "resourceUnavailable",
    "terminalExcluded",
    "invalidRevision",
    "undefinedReason",
    "securityDenial",
    "genericDataReason",
    "neededFeatureNotSupported",
    "securityError",
    "discoveryRequired",
    "invalidCallSignalAddress",
    "invalidRASAddress",
    "duplicateAlias",
    "invalidTerminalType",
    "transportNotSupported",
    "transportQOSNotSupported",
    "invalidAlias",
    "fullRegistrationRequired",
    "additiveRegistrationNotSupported",
    "invalidTerminalAliases",
    "registerWithAssignedGK",
    "calledPartyNotRegistered",
    "invalidPermission",
    "requestDenied",
    "callerNotRegistered",
    "routeCallToGatekeeper",
    "invalidEndpointIdentifier",
    "qosControlNotSupported",
    "incompleteAddress",
    "aliasesInconsistent",
    "routeCallToSCN",
    "exceedsCallCapacity",
    "collectDestination",
    "collectPIN",
    "securityDHmismatch",
    "noRouteToDestination",
    "unallocatedNumber",
    "notRegistered",
    "requestToDropOther",
    "notBound",
    "invalidConferenceID",
    "insufficientResources",
    "reregistrationRequired",
    "ttlExpired",
    "maintenance",
    "notCurrentlyRegistered",
    "callInProgress",
    "permissionDenied",
    "nonStandardMessage",
    "unknownMessageResponse",
    "locationConfirm",
    "locationReject",
    "infoRequestResponse",
    "resourcesAvailableIndicate",
    "resourcesAvailableConfirm",
    "infoRequestAck",
    "infoRequestNak",
    "serviceControlIndication",
    "serviceControlResponse",
    "admissionConfirmSequence",
];

//! The state of one line (one MGCP endpoint such as `aaln/1@[127.0.0.1]`):
//! hook, the call agent's current request, collected digits, signals,
//! connections and the SAL call the line is in.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::line::{CallerId, HookState};
use openphone_sal::{
    AccountId, Address, CallId as SalCallId, DigitCollector, DigitMap, MediaDescription, MediaLoop,
    MediaStats, NegotiatedMedia,
};
use openphone_sdp::SessionDescription;

use crate::message::{
    CallId, ConnectionId, ConnectionMode, EndpointName, EventSpec, QuarantineHandling,
    QuarantineMode, RequestId, RequestedEvent,
};
use crate::restart::RestartProcedure;

/// The most events kept in the quarantine list or the observed list; the
/// oldest are dropped beyond it (RFC 3435 leaves the size to the gateway).
pub(crate) const MAX_BUFFERED_EVENTS: usize = 64;

/// The call agent's current notification request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Request {
    /// `X:` of the request (sent back in NTFY).
    pub id: Option<RequestId>,
    /// `R:` the events watched, with their actions.
    pub events: Vec<RequestedEvent>,
    /// `Q:` quarantine handling.
    pub quarantine: Option<QuarantineHandling>,
    /// `T:` events to detect while quarantined (kept for audits).
    pub detect: Option<Vec<EventSpec>>,
}

impl Request {
    /// Whether several notifications may follow one request (`Q: loop`).
    pub fn loops(&self) -> bool {
        self.quarantine
            .as_ref()
            .is_some_and(|q| q.0.contains(&QuarantineMode::Loop))
    }

    /// Whether quarantined events are dropped on the next request
    /// (`Q: discard`).
    pub fn discards(&self) -> bool {
        self.quarantine
            .as_ref()
            .is_some_and(|q| q.0.contains(&QuarantineMode::Discard))
    }
}

/// Which way a call on the line started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallKind {
    /// The user dialled (`Phone::call`, or an off-hook without a ring).
    Outgoing,
    /// The call agent rang the line (or created a connection first).
    Incoming,
}

/// The SAL call the line is in.
#[derive(Debug, Clone)]
pub(crate) struct LineCall {
    /// The SAL's id (media is reserved under it).
    pub id: SalCallId,
    pub kind: CallKind,
    /// Whether the phone knows of it (Dial, or IncomingCall reported).
    pub announced: bool,
    /// Whether `Connected` was reported.
    pub connected: bool,
    /// Whether `Ringing` was reported (outgoing, on ringback).
    pub ringing: bool,
    /// Caller-ID received for an incoming call.
    pub caller: Option<CallerId>,
}

/// A connection the call agent created on the line.
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    pub id: ConnectionId,
    pub call_id: CallId,
    /// The SAL call whose media it uses.
    pub sal: SalCallId,
    pub mode: ConnectionMode,
    /// Our description as offered (no remote descriptor yet) or answered.
    pub local: MediaDescription,
    /// Whether `local` is an offer still waiting for the remote's answer.
    pub offered: bool,
    /// Our session description as last sent.
    pub local_sdp: SessionDescription,
    /// The remote's session description as last received.
    pub remote_sdp: Option<SessionDescription>,
    /// What was agreed (before the mode is applied).
    pub negotiated: Option<NegotiatedMedia>,
    /// `o=` version of our next description.
    pub sdp_version: u64,
    /// Statistics kept when the SAL call ended before the DLCX (the phone
    /// releases the media then).
    pub final_stats: Option<MediaStats>,
    /// The loop last set on the media (see `mode_media`).
    pub applied_loop: MediaLoop,
}

/// One line.
#[derive(Debug)]
pub(crate) struct Line {
    pub name: EndpointName,
    pub account: Option<AccountId>,
    /// Our address of record, for incoming calls.
    pub aor: Option<Address>,
    pub hook: HookState,
    pub restart: RestartProcedure,
    /// Where NTFY and RSIP go.
    pub notified: SocketAddr,
    pub request: Request,
    /// Time-out and on/off signals now applied (for audits and stopping).
    pub signals: Vec<EventSpec>,
    /// When each time-out signal of `signals` that has a time-out ends.
    pub signal_deadlines: Vec<(EventSpec, Instant)>,
    /// The digit map of the latest request that had one.
    pub digit_map: Option<DigitMap>,
    pub collector: Option<DigitCollector>,
    /// Events accumulated for the next NTFY.
    pub observed: Vec<EventSpec>,
    /// After a notification in step mode: events wait here for the next
    /// request.
    pub notifying: bool,
    pub quarantine: VecDeque<EventSpec>,
    pub call: Option<LineCall>,
    pub connections: Vec<Conn>,
    /// A ringing the phone was told to drop (hang-up of an unanswered
    /// call): not announced again until the agent stops it.
    pub ring_ignored: bool,
    /// Whether the call agent acknowledged our RSIP.
    pub in_service: bool,
}

impl Line {
    pub fn new(name: EndpointName, restart: RestartProcedure, notified: SocketAddr) -> Self {
        Line {
            name,
            account: None,
            aor: None,
            hook: HookState::OnHook,
            restart,
            notified,
            request: Request::default(),
            signals: Vec::new(),
            signal_deadlines: Vec::new(),
            digit_map: None,
            collector: None,
            observed: Vec::new(),
            notifying: false,
            quarantine: VecDeque::new(),
            call: None,
            connections: Vec::new(),
            ring_ignored: false,
            in_service: false,
        }
    }

    pub fn off_hook(&self) -> bool {
        self.hook.is_off_hook()
    }

    pub fn connection(&self, id: &ConnectionId) -> Option<usize> {
        self.connections.iter().position(|c| &c.id == id)
    }

    /// Whether a time-out signal `event` of the line package is on.
    pub fn signal_on(&self, event: &str) -> bool {
        self.signals.iter().any(|s| {
            s.name
                .package
                .as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case("L"))
                && s.name.event.eq_ignore_ascii_case(event)
        })
    }
}

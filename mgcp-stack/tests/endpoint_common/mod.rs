//! A small call agent for the endpoint tests, on the crate's `CallAgent`:
//! it connects two lines when one dials the other's number.
//!
//! The script (what the tests check the endpoints against):
//! RSIP → `RQNT R: L/hd(N)`; off-hook NTFY → `RQNT S: L/dl, R: L/hu(N),
//! D/[0-9#*T](D), D: (xxxx)`; digits NTFY → `CRCX` caller `recvonly`
//! (no SDP) → `CRCX` callee `recvonly` with the caller's SDP → `RQNT`
//! callee `S: L/rg, L/ci(..)`, `R: L/hd(N)` and caller `S: L/rt`,
//! `R: L/hu(N)`; callee off-hook NTFY → `MDCX` caller `sendrecv` with the
//! callee's SDP, `MDCX` callee `sendrecv`, both `R: L/hu(N)` with no
//! signals; on-hook NTFY → `DLCX` both connections, `RQNT R: L/hd(N)` to
//! the one on-hook.

#![allow(dead_code)]

pub mod line_phone;

use std::net::SocketAddr;
use std::time::Instant;

use openphone_mgcp::agent::{
    observed_digits, AgentEvent, CallAgent, CallAgentConfig, Connection, ConnectionRequest,
    NotificationRequest,
};
use openphone_mgcp::message::{
    parse_event_specs, parse_requested_events, CallId, ConnectionMode, ConnectionParameters,
    EndpointName,
};
use openphone_sal::DigitMap;

/// A line the switch knows: its number and endpoint.
#[derive(Debug, Clone)]
pub struct SwitchLine {
    pub number: String,
    pub endpoint: EndpointName,
}

/// One call between two lines.
#[derive(Debug, Clone)]
struct SwitchCall {
    id: CallId,
    caller: usize,
    callee: usize,
    caller_conn: Option<Connection>,
    callee_conn: Option<Connection>,
    answered: bool,
}

/// What the switch saw, in order (for assertions).
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Restart(usize),
    OffHook(usize),
    Digits(usize, String),
    Created(usize),
    Modified(usize),
    OnHook(usize),
    Deleted(usize, Option<ConnectionParameters>),
    Failed(String),
}

pub struct Switch {
    pub agent: CallAgent,
    pub lines: Vec<SwitchLine>,
    call: Option<SwitchCall>,
    pub seen: Vec<Seen>,
}

fn ev(s: &str) -> Vec<openphone_mgcp::message::RequestedEvent> {
    parse_requested_events(s).expect("valid events")
}

fn sig(s: &str) -> Vec<openphone_mgcp::message::EventSpec> {
    parse_event_specs(s).expect("valid signals")
}

impl Switch {
    pub fn new(lines: Vec<SwitchLine>) -> Self {
        let mut config = CallAgentConfig::default();
        // Short retransmission timers keep lossy simulations brief.
        config.transactions.initial_rto = std::time::Duration::from_millis(100);
        Switch {
            agent: CallAgent::new(config),
            lines,
            call: None,
            seen: Vec::new(),
        }
    }

    fn line_of(&self, ep: &EndpointName) -> Option<usize> {
        self.lines.iter().position(|l| &l.endpoint == ep)
    }

    fn rqnt(&mut self, now: Instant, line: usize, req: NotificationRequest) {
        let ep = self.lines[line].endpoint.clone();
        if let Err(e) = self.agent.request_notification(now, &ep, req) {
            self.seen.push(Seen::Failed(e.to_string()));
        }
    }

    fn idle(&mut self, now: Instant, line: usize) {
        self.rqnt(now, line, NotificationRequest::new(ev("L/hd(N)")));
    }

    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: &[u8]) {
        self.agent.handle_datagram(now, from, data);
        self.react(now);
    }

    pub fn handle_timeout(&mut self, now: Instant) {
        self.agent.handle_timeout(now);
        self.react(now);
    }

    fn react(&mut self, now: Instant) {
        while let Some(e) = self.agent.poll_event() {
            self.on_event(now, e);
        }
    }

    fn on_event(&mut self, now: Instant, e: AgentEvent) {
        match e {
            AgentEvent::Restart { endpoint, .. } => {
                if let Some(i) = self.line_of(&endpoint) {
                    self.seen.push(Seen::Restart(i));
                    self.idle(now, i);
                }
            }
            AgentEvent::Notify {
                endpoint, observed, ..
            } => {
                let Some(i) = self.line_of(&endpoint) else {
                    return;
                };
                let has = |e: &str| observed.iter().any(|o| o.name.is("L", e));
                if has("hd") {
                    self.seen.push(Seen::OffHook(i));
                    let answering = self
                        .call
                        .as_ref()
                        .is_some_and(|c| c.callee == i && !c.answered);
                    if answering {
                        self.answer(now);
                    } else {
                        let map = DigitMap::parse("(xxxx)").expect("valid map");
                        self.rqnt(
                            now,
                            i,
                            NotificationRequest::new(ev("L/hu(N),D/[0-9#*T](D)"))
                                .with_signals(sig("L/dl"))
                                .with_digit_map(map),
                        );
                    }
                }
                let digits: String = observed_digits(&observed)
                    .chars()
                    .filter(|c| *c != 'T')
                    .collect();
                if !digits.is_empty() {
                    self.seen.push(Seen::Digits(i, digits.clone()));
                    self.dialled(now, i, &digits);
                }
                if has("hu") {
                    self.seen.push(Seen::OnHook(i));
                    self.hung_up(now, i);
                }
            }
            AgentEvent::ConnectionCreated { connection, .. } => {
                let Some(i) = self.line_of(&connection.endpoint) else {
                    return;
                };
                self.seen.push(Seen::Created(i));
                self.created(now, i, connection);
            }
            AgentEvent::ConnectionModified { connection, .. } => {
                if let Some(i) = self.line_of(&connection.endpoint) {
                    self.seen.push(Seen::Modified(i));
                }
            }
            AgentEvent::ConnectionDeleted {
                endpoint,
                statistics,
                ..
            } => {
                if let Some(i) = self.line_of(&endpoint) {
                    self.seen.push(Seen::Deleted(i, statistics));
                }
            }
            AgentEvent::CommandFailed {
                command, reason, ..
            } => self.seen.push(Seen::Failed(format!(
                "{} {}: {reason}",
                command.verb, command.endpoint
            ))),
            _ => {}
        }
    }

    fn dialled(&mut self, now: Instant, caller: usize, digits: &str) {
        let Some(callee) = self.lines.iter().position(|l| l.number == digits) else {
            self.rqnt(
                now,
                caller,
                NotificationRequest::new(ev("L/hu(N)")).with_signals(sig("L/ro")),
            );
            return;
        };
        let id = self.agent.new_call_id();
        let ep = self.lines[caller].endpoint.clone();
        if let Err(e) = self.agent.create_connection(
            now,
            &ep,
            &id,
            ConnectionRequest::new(ConnectionMode::RecvOnly),
        ) {
            self.seen.push(Seen::Failed(e.to_string()));
        }
        self.call = Some(SwitchCall {
            id,
            caller,
            callee,
            caller_conn: None,
            callee_conn: None,
            answered: false,
        });
    }

    fn created(&mut self, now: Instant, line: usize, conn: Connection) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        if line == call.caller && call.caller_conn.is_none() {
            let sdp = conn.local_sdp.clone();
            call.caller_conn = Some(conn);
            let (id, callee) = (call.id.clone(), call.callee);
            let ep = self.lines[callee].endpoint.clone();
            let mut req = ConnectionRequest::new(ConnectionMode::RecvOnly);
            if let Some(s) = sdp {
                req = req.with_remote_sdp(s);
            }
            if let Err(e) = self.agent.create_connection(now, &ep, &id, req) {
                self.seen.push(Seen::Failed(e.to_string()));
            }
        } else if line == call.callee && call.callee_conn.is_none() {
            call.callee_conn = Some(conn);
            let (caller, callee) = (call.caller, call.callee);
            let number = self.lines[caller].number.clone();
            self.rqnt(
                now,
                callee,
                NotificationRequest::new(ev("L/hd(N)")).with_signals(sig(&format!(
                    "L/rg,L/ci(12/07/17/30,\"{number}\",\"Line {number}\")"
                ))),
            );
            self.rqnt(
                now,
                caller,
                NotificationRequest::new(ev("L/hu(N)")).with_signals(sig("L/rt")),
            );
        }
    }

    fn answer(&mut self, now: Instant) {
        let Some(call) = self.call.as_mut() else {
            return;
        };
        call.answered = true;
        let (caller, callee) = (call.caller, call.callee);
        let (Some(a), Some(b)) = (call.caller_conn.clone(), call.callee_conn.clone()) else {
            return;
        };
        let mut to_caller = ConnectionRequest::new(ConnectionMode::SendRecv);
        if let Some(s) = b.local_sdp.clone() {
            to_caller = to_caller.with_remote_sdp(s);
        }
        let r1 = self
            .agent
            .modify_connection(now, &a.endpoint, &a.id, to_caller);
        let r2 = self.agent.modify_connection(
            now,
            &b.endpoint,
            &b.id,
            ConnectionRequest::new(ConnectionMode::SendRecv),
        );
        for r in [r1, r2] {
            if let Err(e) = r {
                self.seen.push(Seen::Failed(e.to_string()));
            }
        }
        self.rqnt(now, callee, NotificationRequest::new(ev("L/hu(N)")));
        self.rqnt(now, caller, NotificationRequest::new(ev("L/hu(N)")));
    }

    fn hung_up(&mut self, now: Instant, line: usize) {
        if let Some(call) = self.call.take() {
            for c in [call.caller_conn, call.callee_conn].into_iter().flatten() {
                if let Err(e) = self.agent.delete_connection(now, &c.endpoint, &c.id) {
                    self.seen.push(Seen::Failed(e.to_string()));
                }
            }
        }
        self.idle(now, line);
    }
}

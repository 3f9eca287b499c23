//! The switchboard's reactions: notification requests per line state,
//! notifications, call setup and release, failures and timers.

use std::time::{Instant, SystemTime};

use openphone_sal::{Cause, Reason};
use tracing::{debug, info};

use super::dial::{caller_id, dialled_number, is_line_event};
use super::{
    Call, CallEnd, LineState, Pending, Phase, Purpose, Rejection, SwitchEvent, Switchboard, Tone,
};
use crate::agent::{AgentEvent, ConnectionRequest, NotificationRequest};
use crate::message::{
    Action, CallId, Command, ConnectionMode, EndpointName, EventName, EventSpec, RequestedEvent,
    RestartMethod, ReturnCode, TransactionId, Verb,
};

/// At most this many 401/402 answers in a row are taken as hook changes.
const MAX_HOOK_CORRECTIONS: u8 = 3;

fn event(package: &str, code: &str) -> EventName {
    EventName {
        package: Some(package.into()),
        event: code.into(),
        connection: None,
    }
}

fn notify(package: &str, code: &str) -> RequestedEvent {
    RequestedEvent::new(event(package, code), vec![Action::Notify])
}

fn signal(tone: Tone) -> Vec<EventSpec> {
    tone.signal()
        .map(|s| EventSpec::new(event("L", s)))
        .into_iter()
        .collect()
}

impl Switchboard {
    // ---- requests to a line -------------------------------------------

    fn send_request(
        &mut self,
        now: Instant,
        i: usize,
        call: Option<u64>,
        tone: Tone,
        idle: bool,
        request: NotificationRequest,
    ) {
        let endpoint = self.endpoint(i);
        match self.agent.request_notification(now, &endpoint, request) {
            Ok((tid, _)) => {
                self.lines[i].request = Some(tid);
                self.pending.insert(
                    tid,
                    Pending {
                        line: i,
                        call,
                        purpose: Purpose::Request { tone, idle },
                    },
                );
            }
            Err(e) => self.not_sent(i, Verb::NotificationRequest, &e),
        }
    }

    fn not_sent(&mut self, i: usize, verb: Verb, error: &dyn std::fmt::Display) {
        self.events.push_back(SwitchEvent::NotSent {
            number: self.line_number(i),
            verb,
            error: error.to_string(),
        });
    }

    /// On-hook: report off-hook.
    pub(super) fn request_idle(&mut self, now: Instant, i: usize) {
        let slot = &mut self.lines[i];
        slot.state = LineState::Idle;
        slot.deadline = None;
        let r = NotificationRequest::new(vec![notify("L", "hd")]);
        self.send_request(now, i, None, Tone::Silence, true, r);
    }

    /// Off-hook: dial tone, digits by the map, watch for on-hook.
    fn request_dial(&mut self, now: Instant, i: usize) {
        let slot = &mut self.lines[i];
        slot.state = LineState::Dialling;
        slot.deadline = Some(now + self.dial_timeout);
        let digits = RequestedEvent::new(event("D", "[0-9#*T]"), vec![Action::DigitMap]);
        let r = NotificationRequest::new(vec![notify("L", "hu"), digits])
            .with_signals(signal(Tone::Dial))
            .with_digit_map(self.digit_map.clone());
        self.send_request(now, i, None, Tone::Dial, false, r);
    }

    /// Off-hook with busy or reorder tone until on-hook.
    fn request_tone(&mut self, now: Instant, i: usize, tone: Tone) {
        let slot = &mut self.lines[i];
        slot.state = LineState::Tone;
        slot.deadline = None;
        let r = NotificationRequest::new(vec![notify("L", "hu")]).with_signals(signal(tone));
        self.send_request(now, i, None, tone, false, r);
    }

    // ---- what the agent reports ---------------------------------------

    pub(super) fn drain(&mut self, now: Instant) {
        while let Some(e) = self.agent.poll_event() {
            self.on_agent_event(now, e);
        }
    }

    fn on_agent_event(&mut self, now: Instant, e: AgentEvent) {
        match e {
            AgentEvent::Notify {
                endpoint, observed, ..
            } => self.on_notify(now, &endpoint, &observed),
            AgentEvent::Restart {
                endpoint, method, ..
            } => self.on_restart(now, &endpoint, &method),
            AgentEvent::NotificationRequested { transaction, .. } => {
                if let Some(p) = self.pending.remove(&transaction) {
                    self.on_requested(p);
                }
            }
            AgentEvent::ConnectionCreated {
                transaction,
                connection,
            } => {
                if let Some(p) = self.pending.remove(&transaction) {
                    self.on_created(now, p, connection);
                }
            }
            AgentEvent::ConnectionModified { transaction, .. } => {
                if let Some(p) = self.pending.remove(&transaction) {
                    self.on_modified(p);
                }
            }
            AgentEvent::ConnectionDeleted {
                transaction: Some(t),
                connection,
                statistics,
                ..
            } => {
                if let (Some(p), Some(connection)) = (self.pending.remove(&t), connection) {
                    self.events.push_back(SwitchEvent::ConnectionDeleted {
                        call: p.call,
                        number: self.line_number(p.line),
                        connection,
                        statistics,
                    });
                }
            }
            AgentEvent::ConnectionDeleted {
                transaction: None,
                endpoint,
                connection,
                statistics,
                reason,
                ..
            } => self.on_gateway_deleted(now, &endpoint, connection, statistics, reason),
            AgentEvent::CommandFailed {
                transaction,
                command,
                response,
                reason,
            } => self.on_failed(now, transaction, &command, response.map(|r| r.code), reason),
            AgentEvent::Malformed { from, error } => {
                self.events.push_back(SwitchEvent::Malformed {
                    from,
                    error: error.to_string(),
                });
            }
            AgentEvent::Response { command, .. } => {
                debug!(verb = %command.verb, "response to a command the switchboard did not send");
            }
        }
    }

    fn line_of(&self, endpoint: &EndpointName) -> Option<usize> {
        self.by_endpoint.get(endpoint).copied().or_else(|| {
            // Endpoint names compare case-insensitively (RFC 3435 §3.2.1.3).
            let text = endpoint.to_string();
            self.lines
                .iter()
                .position(|l| l.line.endpoint.to_string().eq_ignore_ascii_case(&text))
        })
    }

    fn on_notify(&mut self, now: Instant, endpoint: &EndpointName, observed: &[EventSpec]) {
        let Some(i) = self.line_of(endpoint) else {
            self.events.push_back(SwitchEvent::Ignored {
                endpoint: endpoint.clone(),
                detail: "a notification from an endpoint not in the table".into(),
            });
            return;
        };
        let seen = |code| observed.iter().any(|e| is_line_event(e, code));
        let digits = dialled_number(observed);
        let timer = observed.iter().any(|e| e.name.is("D", "T"));
        // On-hook wins over anything reported with it: the user is gone.
        if seen("hu") {
            self.on_hook(now, i);
        } else if seen("hd") {
            self.off_hook(now, i);
            // A gateway that collected the digits on its own (an embedded
            // request, RFC 3435 §2.3.3: `O: L/hd,D/9,D/1,...`) reports
            // them with the off-hook.
            if !digits.is_empty() && self.lines[i].state == LineState::Dialling {
                self.dialled(now, i, digits);
            }
        } else {
            if !digits.is_empty() || timer {
                self.dialled(now, i, digits);
            } else {
                self.events.push_back(SwitchEvent::Ignored {
                    endpoint: endpoint.clone(),
                    detail: format!("events {}", join(observed)),
                });
            }
        }
    }

    fn on_hook(&mut self, now: Instant, i: usize) {
        self.events.push_back(SwitchEvent::OnHook {
            number: self.line_number(i),
        });
        match self.lines[i].state {
            LineState::InCall(c) => {
                let reason = match self.calls.get(&c) {
                    Some(call) if call.caller == i => CallEnd::CallerHungUp,
                    _ => CallEnd::CalleeHungUp,
                };
                self.release(now, c, reason, Some(i));
            }
            LineState::Idle => {}
            LineState::Dialling | LineState::Tone | LineState::OutOfService => {
                self.request_idle(now, i)
            }
        }
    }

    fn off_hook(&mut self, now: Instant, i: usize) {
        self.events.push_back(SwitchEvent::OffHook {
            number: self.line_number(i),
        });
        match self.lines[i].state {
            LineState::Idle | LineState::OutOfService => self.request_dial(now, i),
            LineState::InCall(c) => self.answer(now, c, i),
            LineState::Dialling | LineState::Tone => {}
        }
    }

    fn dialled(&mut self, now: Instant, i: usize, digits: String) {
        let caller = self.line_number(i);
        self.events.push_back(SwitchEvent::Dialled {
            number: caller.clone(),
            digits: digits.clone(),
        });
        if self.lines[i].state != LineState::Dialling {
            self.events.push_back(SwitchEvent::Ignored {
                endpoint: self.endpoint(i),
                detail: "digits while not dialling".into(),
            });
            return;
        }
        self.lines[i].deadline = None;
        let callee = self.lines.iter().position(|l| l.line.number == digits);
        let refusal = match callee {
            None => Some((Rejection::UnknownNumber, Tone::Reorder)),
            Some(j) if j == i => Some((Rejection::OwnNumber, Tone::Busy)),
            Some(j) => match self.lines[j].state {
                LineState::Idle => None,
                LineState::OutOfService => Some((Rejection::OutOfService, Tone::Reorder)),
                _ => Some((Rejection::Busy, Tone::Busy)),
            },
        };
        match (refusal, callee) {
            (None, Some(j)) => self.place_call(now, i, j),
            (refusal, _) => {
                let (why, tone) = refusal.unwrap_or((Rejection::UnknownNumber, Tone::Reorder));
                self.events.push_back(SwitchEvent::Rejected {
                    caller,
                    dialled: digits,
                    why,
                });
                self.request_tone(now, i, tone);
            }
        }
    }

    // ---- a call ----------------------------------------------------------

    fn place_call(&mut self, now: Instant, caller: usize, callee: usize) {
        let serial = self.next_call;
        self.next_call += 1;
        let call = Call {
            serial,
            id: CallId::random(),
            caller,
            callee,
            phase: Phase::Setup,
            caller_conn: None,
            callee_conn: None,
            ring_deadline: None,
        };
        for l in [caller, callee] {
            self.lines[l].state = LineState::InCall(serial);
            self.lines[l].deadline = None;
        }
        info!(call = serial, caller = %self.line_number(caller), callee = %self.line_number(callee), "placing a call");
        self.events.push_back(SwitchEvent::Calling {
            call: serial,
            caller: self.line_number(caller),
            callee: self.line_number(callee),
        });
        let id = call.id.clone();
        self.calls.insert(serial, call);
        // The caller's side first, receive-only: it only has to hear
        // ringback until the answer; its description tells the callee's
        // gateway where to send.
        let request = ConnectionRequest::new(ConnectionMode::RecvOnly);
        self.create(now, serial, caller, &id, request, Purpose::CreateCaller);
    }

    fn create(
        &mut self,
        now: Instant,
        serial: u64,
        line: usize,
        id: &CallId,
        request: ConnectionRequest,
        purpose: Purpose,
    ) {
        let endpoint = self.endpoint(line);
        match self.agent.create_connection(now, &endpoint, id, request) {
            Ok(tid) => {
                self.pending.insert(
                    tid,
                    Pending {
                        line,
                        call: Some(serial),
                        purpose,
                    },
                );
            }
            Err(e) => {
                self.not_sent(line, Verb::CreateConnection, &e);
                let reason = Reason::new(Cause::ServerError).with_text(e.to_string());
                self.release(now, serial, CallEnd::Failed(reason), None);
            }
        }
    }

    fn on_created(&mut self, now: Instant, p: Pending, connection: crate::agent::Connection) {
        let live = p.call.and_then(|c| self.calls.get_mut(&c));
        let Some(call) = live else {
            // The call ended while this connection was being made.
            self.delete(now, p.line, None, &connection);
            return;
        };
        let serial = call.serial;
        match p.purpose {
            Purpose::CreateCaller => {
                let Some(sdp) = connection.local_sdp.clone() else {
                    call.caller_conn = Some(connection);
                    let reason = Reason::new(Cause::IncompatibleMedia)
                        .with_text("the caller's gateway gave no session description");
                    self.release(now, serial, CallEnd::Failed(reason), None);
                    return;
                };
                call.caller_conn = Some(connection);
                let (callee, id) = (call.callee, call.id.clone());
                let request = ConnectionRequest::new(ConnectionMode::SendRecv).with_remote_sdp(sdp);
                self.create(now, serial, callee, &id, request, Purpose::CreateCallee);
            }
            Purpose::CreateCallee => {
                let no_sdp = connection.local_sdp.is_none();
                call.callee_conn = Some(connection);
                if no_sdp {
                    let reason = Reason::new(Cause::IncompatibleMedia)
                        .with_text("the called gateway gave no session description");
                    self.release(now, serial, CallEnd::Failed(reason), None);
                    return;
                }
                call.phase = Phase::Ringing;
                call.ring_deadline = Some(now + self.ring_timeout);
                let (caller, callee) = (call.caller, call.callee);
                let from = &self.lines[caller].line;
                let id = caller_id(SystemTime::now(), &from.number, &from.name);
                let ring = NotificationRequest::new(vec![notify("L", "hd")])
                    .with_signals(vec![EventSpec::new(event("L", "rg")), id]);
                self.send_request(now, callee, Some(serial), Tone::Ringing, false, ring);
                let ringback = NotificationRequest::new(vec![notify("L", "hu")])
                    .with_signals(signal(Tone::Ringback));
                self.send_request(now, caller, Some(serial), Tone::Ringback, false, ringback);
                self.events.push_back(SwitchEvent::Ringing {
                    call: serial,
                    caller: self.line_number(caller),
                    callee: self.line_number(callee),
                });
            }
            _ => {}
        }
    }

    fn answer(&mut self, now: Instant, serial: u64, i: usize) {
        let Some(call) = self.calls.get_mut(&serial) else {
            return;
        };
        if call.callee != i || call.phase != Phase::Ringing {
            // The caller is off-hook already; a repeated off-hook changes
            // nothing.
            return;
        }
        let (Some(caller_conn), Some(callee_sdp)) = (
            call.caller_conn.clone(),
            call.callee_conn.as_ref().and_then(|c| c.local_sdp.clone()),
        ) else {
            return;
        };
        call.phase = Phase::Answering;
        call.ring_deadline = None;
        let (caller, callee) = (call.caller, call.callee);
        self.events.push_back(SwitchEvent::Answered {
            call: serial,
            caller: self.line_number(caller),
            callee: self.line_number(callee),
        });
        let request = ConnectionRequest::new(ConnectionMode::SendRecv).with_remote_sdp(callee_sdp);
        match self
            .agent
            .modify_connection(now, &caller_conn.endpoint, &caller_conn.id, request)
        {
            Ok(tid) => {
                self.pending.insert(
                    tid,
                    Pending {
                        line: caller,
                        call: Some(serial),
                        purpose: Purpose::ModifyCaller,
                    },
                );
            }
            Err(e) => {
                self.not_sent(caller, Verb::ModifyConnection, &e);
                let reason = Reason::new(Cause::ServerError).with_text(e.to_string());
                self.release(now, serial, CallEnd::Failed(reason), None);
                return;
            }
        }
        for l in [callee, caller] {
            // Stop ringing and ringback; on-hook ends the call.
            let talk = NotificationRequest::new(vec![notify("L", "hu")]);
            self.send_request(now, l, Some(serial), Tone::Silence, false, talk);
        }
    }

    fn on_modified(&mut self, p: Pending) {
        let Some(call) = p.call.and_then(|c| self.calls.get_mut(&c)) else {
            return;
        };
        if p.purpose == Purpose::ModifyCaller && call.phase == Phase::Answering {
            call.phase = Phase::Connected;
            let (serial, caller, callee) = (call.serial, call.caller, call.callee);
            self.events.push_back(SwitchEvent::Connected {
                call: serial,
                caller: self.line_number(caller),
                callee: self.line_number(callee),
            });
        }
    }

    fn delete(
        &mut self,
        now: Instant,
        line: usize,
        call: Option<u64>,
        connection: &crate::agent::Connection,
    ) {
        match self
            .agent
            .delete_connection(now, &connection.endpoint, &connection.id)
        {
            Ok(tid) => {
                self.pending.insert(
                    tid,
                    Pending {
                        line,
                        call,
                        purpose: Purpose::Delete,
                    },
                );
            }
            // Already forgotten (the gateway deleted it): nothing to do.
            Err(e) => debug!(%e, "connection not deleted"),
        }
    }

    /// Ends a call: deletes its connections and puts both lines in the
    /// state their hooks call for. `on_hook` is the line known on-hook
    /// (it hung up or restarted).
    pub(super) fn release(
        &mut self,
        now: Instant,
        serial: u64,
        reason: CallEnd,
        on_hook: Option<usize>,
    ) {
        let Some(call) = self.calls.remove(&serial) else {
            return;
        };
        info!(call = serial, %reason, "call ended");
        self.events.push_back(SwitchEvent::CallEnded {
            call: serial,
            caller: self.line_number(call.caller),
            callee: self.line_number(call.callee),
            reason: reason.clone(),
        });
        for (line, conn) in [
            (call.caller, &call.caller_conn),
            (call.callee, &call.callee_conn),
        ] {
            if let Some(c) = conn {
                self.delete(now, line, Some(serial), c);
            }
        }
        let answered = matches!(call.phase, Phase::Answering | Phase::Connected);
        let hung_up = matches!(reason, CallEnd::CallerHungUp | CallEnd::CalleeHungUp);
        for line in [call.caller, call.callee] {
            if self.lines[line].state != LineState::InCall(serial) {
                continue;
            }
            let off_hook = Some(line) != on_hook && (line == call.caller || answered);
            if matches!(reason, CallEnd::Restarted { .. }) && Some(line) == on_hook {
                // The restart procedure asks it again (on_restart).
                continue;
            }
            if !off_hook {
                self.request_idle(now, line);
            } else if hung_up {
                self.request_tone(now, line, Tone::Busy);
            } else {
                self.request_tone(now, line, Tone::Reorder);
            }
        }
    }

    /// Ends every call (before stopping).
    pub fn release_all(&mut self, now: Instant) {
        let mut serials: Vec<u64> = self.calls.keys().copied().collect();
        serials.sort_unstable();
        for s in serials {
            self.release(now, s, CallEnd::Released, None);
        }
    }

    // ---- restarts, gateway deletions, failures, timers -----------------

    fn on_restart(&mut self, now: Instant, endpoint: &EndpointName, method: &RestartMethod) {
        let hit: Vec<usize> = (0..self.lines.len())
            .filter(|&i| {
                let e = &self.lines[i].line.endpoint;
                e == endpoint || endpoint.matches(e)
            })
            .collect();
        if hit.is_empty() {
            self.events.push_back(SwitchEvent::Ignored {
                endpoint: endpoint.clone(),
                detail: format!("a restart ({method}) of an endpoint not in the table"),
            });
        }
        for i in hit {
            let number = self.line_number(i);
            self.events.push_back(SwitchEvent::LineRestarted {
                number: number.clone(),
                method: method.clone(),
            });
            // A graceful restart keeps the calls until the delay ends; the
            // gateway sends another RSIP (forced) then.
            if matches!(
                method,
                RestartMethod::Graceful | RestartMethod::CancelGraceful
            ) {
                continue;
            }
            if let LineState::InCall(c) = self.lines[i].state {
                // Its connections are gone with the restart (the agent
                // forgot them): only the other side's is deleted.
                if let Some(call) = self.calls.get_mut(&c) {
                    if call.caller == i {
                        call.caller_conn = None;
                    } else {
                        call.callee_conn = None;
                    }
                }
                self.release(now, c, CallEnd::Restarted { number }, Some(i));
            }
            if matches!(method, RestartMethod::Forced) {
                self.lines[i].state = LineState::OutOfService;
                self.lines[i].deadline = None;
                self.lines[i].request = None;
            } else {
                self.request_idle(now, i);
            }
        }
    }

    fn on_gateway_deleted(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        connection: Option<crate::message::ConnectionId>,
        statistics: Option<crate::message::ConnectionParameters>,
        reason: Option<crate::message::ReasonCode>,
    ) {
        let Some(i) = self.line_of(endpoint) else {
            return;
        };
        let number = self.line_number(i);
        let LineState::InCall(c) = self.lines[i].state else {
            return;
        };
        if let Some(id) = connection.clone() {
            self.events.push_back(SwitchEvent::ConnectionDeleted {
                call: Some(c),
                number,
                connection: id,
                statistics,
            });
        }
        if let Some(call) = self.calls.get_mut(&c) {
            let gone = |conn: &Option<crate::agent::Connection>| {
                conn.as_ref()
                    .is_some_and(|x| connection.as_ref().is_none_or(|id| *id == x.id))
            };
            if call.caller == i && gone(&call.caller_conn) {
                call.caller_conn = None;
            } else if call.callee == i && gone(&call.callee_conn) {
                call.callee_conn = None;
            } else {
                return;
            }
            let text = match reason {
                Some(r) => format!("the gateway deleted the connection ({r})"),
                None => "the gateway deleted the connection".into(),
            };
            let why = Reason::new(Cause::NetworkError).with_text(text);
            self.release(now, c, CallEnd::Failed(why), None);
        }
    }

    fn on_failed(
        &mut self,
        now: Instant,
        transaction: TransactionId,
        command: &Command,
        code: Option<ReturnCode>,
        reason: Reason,
    ) {
        let p = self.pending.remove(&transaction);
        let line = p
            .map(|p| p.line)
            .or_else(|| self.line_of(&command.endpoint));
        self.events.push_back(SwitchEvent::CommandFailed {
            number: line.map(|l| self.line_number(l)),
            verb: command.verb.clone(),
            reason: reason.clone(),
        });
        let Some(p) = p else { return };
        let i = p.line;
        match p.purpose {
            Purpose::Request { idle, .. } => {
                if self.lines[i].request != Some(transaction) {
                    return; // superseded by a later request
                }
                self.lines[i].request = None;
                let hook = self.lines[i].hook_corrections < MAX_HOOK_CORRECTIONS;
                if hook && idle && code == Some(ReturnCode::ALREADY_OFF_HOOK) {
                    self.lines[i].hook_corrections += 1;
                    self.off_hook(now, i);
                } else if hook && !idle && code == Some(ReturnCode::ALREADY_ON_HOOK) {
                    self.lines[i].hook_corrections += 1;
                    self.on_hook(now, i);
                } else if let LineState::InCall(c) = self.lines[i].state {
                    self.release(now, c, CallEnd::Failed(reason), None);
                } else {
                    let slot = &mut self.lines[i];
                    slot.state = LineState::OutOfService;
                    slot.deadline = None;
                    self.events.push_back(SwitchEvent::LineOutOfService {
                        number: self.line_number(i),
                        reason,
                    });
                }
            }
            Purpose::CreateCaller | Purpose::CreateCallee | Purpose::ModifyCaller => {
                if let Some(c) = p.call {
                    self.release(now, c, CallEnd::Failed(reason), None);
                }
            }
            Purpose::Delete => {}
        }
    }

    fn on_requested(&mut self, p: Pending) {
        let slot = &mut self.lines[p.line];
        slot.hook_corrections = 0;
        let Purpose::Request { tone, idle } = p.purpose else {
            return;
        };
        let number = slot.line.number.clone();
        if idle {
            self.events.push_back(SwitchEvent::LineIdle { number });
        } else {
            self.events.push_back(SwitchEvent::Tone { number, tone });
        }
    }

    pub(super) fn expire(&mut self, now: Instant) {
        for i in 0..self.lines.len() {
            if self.lines[i].deadline.is_some_and(|d| d <= now) {
                self.lines[i].deadline = None;
                if self.lines[i].state == LineState::Dialling {
                    self.events.push_back(SwitchEvent::DialTimeout {
                        number: self.line_number(i),
                    });
                    self.request_tone(now, i, Tone::Reorder);
                }
            }
        }
        let mut due: Vec<u64> = self
            .calls
            .values()
            .filter(|c| c.ring_deadline.is_some_and(|d| d <= now))
            .map(|c| c.serial)
            .collect();
        due.sort_unstable();
        for c in due {
            self.release(now, c, CallEnd::NoAnswer, None);
        }
    }
}

fn join(items: &[EventSpec]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

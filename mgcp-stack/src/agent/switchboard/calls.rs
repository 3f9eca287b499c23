//! A call between two lines: connections created, ringing and ringback,
//! the answer, and the release.

use std::time::{Instant, SystemTime};

use openphone_sal::{Cause, Reason};
use tracing::{debug, info};

use super::dial::caller_id;
use super::lines::{event, notify, signal};
use super::{Call, CallEnd, LineState, Pending, Phase, Purpose, SwitchEvent, Switchboard, Tone};
use crate::agent::{ConnectionRequest, NotificationRequest};
use crate::message::{CallId, ConnectionMode, EventSpec, Verb};

impl Switchboard {
    // ---- a call ----------------------------------------------------------

    pub(super) fn place_call(&mut self, now: Instant, caller: usize, callee: usize) {
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

    pub(super) fn create(
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

    pub(super) fn on_created(
        &mut self,
        now: Instant,
        p: Pending,
        connection: crate::agent::Connection,
    ) {
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

    pub(super) fn answer(&mut self, now: Instant, serial: u64, i: usize) {
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

    pub(super) fn on_modified(&mut self, p: Pending) {
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

    pub(super) fn delete(
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
}

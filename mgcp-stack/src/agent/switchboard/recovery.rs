//! When things go otherwise: restarts, connections the gateway deleted,
//! failed commands, and the dial and ring timeouts.

use std::time::Instant;

use openphone_sal::{Cause, Reason};

use super::lines::MAX_HOOK_CORRECTIONS;
use super::{CallEnd, LineState, Pending, Purpose, SwitchEvent, Switchboard, Tone};
use crate::message::{Command, EndpointName, RestartMethod, ReturnCode, TransactionId};

impl Switchboard {
    // ---- restarts, gateway deletions, failures, timers -----------------

    pub(super) fn on_restart(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        method: &RestartMethod,
    ) {
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

    pub(super) fn on_gateway_deleted(
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

    pub(super) fn on_failed(
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

    pub(super) fn on_requested(&mut self, p: Pending) {
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

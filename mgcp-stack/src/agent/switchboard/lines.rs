//! The switchboard and one line: notification requests per line state,
//! what the agent reports, notifications (hook changes and digits).

use std::time::Instant;

use tracing::debug;

use super::dial::{dialled_number, is_line_event};
use super::{CallEnd, LineState, Pending, Purpose, Rejection, SwitchEvent, Switchboard, Tone};
use crate::agent::{AgentEvent, NotificationRequest};
use crate::message::{Action, EndpointName, EventName, EventSpec, RequestedEvent, Verb};

/// At most this many 401/402 answers in a row are taken as hook changes.
pub(super) const MAX_HOOK_CORRECTIONS: u8 = 3;

pub(super) fn event(package: &str, code: &str) -> EventName {
    EventName {
        package: Some(package.into()),
        event: code.into(),
        connection: None,
    }
}

pub(super) fn notify(package: &str, code: &str) -> RequestedEvent {
    RequestedEvent::new(event(package, code), vec![Action::Notify])
}

pub(super) fn signal(tone: Tone) -> Vec<EventSpec> {
    tone.signal()
        .map(|s| EventSpec::new(event("L", s)))
        .into_iter()
        .collect()
}

impl Switchboard {
    // ---- requests to a line -------------------------------------------

    pub(super) fn send_request(
        &mut self,
        now: Instant,
        i: usize,
        call: Option<u64>,
        tone: Tone,
        idle: bool,
        request: NotificationRequest,
    ) {
        let endpoint = self.endpoint(i);
        // The previous request, if still unanswered, must not be
        // retransmitted after this one: arriving later it would replace it
        // (an RQNT sent at start before a line listened once stopped that
        // line's ringing, retransmitted mid-call).
        if let Some(old) = self.lines[i].request.take() {
            if self.agent.abandon(old) {
                self.pending.remove(&old);
            }
        }
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

    pub(super) fn not_sent(&mut self, i: usize, verb: Verb, error: &dyn std::fmt::Display) {
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
    pub(super) fn request_dial(&mut self, now: Instant, i: usize) {
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
    pub(super) fn request_tone(&mut self, now: Instant, i: usize, tone: Tone) {
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

    pub(super) fn on_agent_event(&mut self, now: Instant, e: AgentEvent) {
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

    pub(super) fn line_of(&self, endpoint: &EndpointName) -> Option<usize> {
        self.by_endpoint.get(endpoint).copied().or_else(|| {
            // Endpoint names compare case-insensitively (RFC 3435 §3.2.1.3).
            let text = endpoint.to_string();
            self.lines
                .iter()
                .position(|l| l.line.endpoint.to_string().eq_ignore_ascii_case(&text))
        })
    }

    pub(super) fn on_notify(
        &mut self,
        now: Instant,
        endpoint: &EndpointName,
        observed: &[EventSpec],
    ) {
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

    pub(super) fn on_hook(&mut self, now: Instant, i: usize) {
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

    pub(super) fn off_hook(&mut self, now: Instant, i: usize) {
        self.events.push_back(SwitchEvent::OffHook {
            number: self.line_number(i),
        });
        match self.lines[i].state {
            LineState::Idle | LineState::OutOfService => self.request_dial(now, i),
            LineState::InCall(c) => self.answer(now, c, i),
            LineState::Dialling | LineState::Tone => {}
        }
    }

    pub(super) fn dialled(&mut self, now: Instant, i: usize, digits: String) {
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
}

fn join(items: &[EventSpec]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

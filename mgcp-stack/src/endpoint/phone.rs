//! The phone's commands on a line: an account is a line; dialling is
//! off-hook plus the number's digits; answering is off-hook; hanging up
//! is on-hook; DTMF is digit events; a line device's hook, flash and
//! digits are events. What a line cannot do fails with `CommandFailed`.

use std::time::{Duration, Instant};

use openphone_sal::line::{is_dtmf_digit, HookState, LineEvent};
use openphone_sal::{
    AccountConfig, AccountId, Address, CallId, Cause, EndReason, Operation, Reason,
    RegistrationState, StackCommand, StackEvent,
};
use tracing::info;

use super::line::{CallKind, LineCall};
use super::request::{event, event_matches};
use super::Endpoint;
use crate::message::EndpointName;

/// The longest number `Phone::call` may dial on a line.
const MAX_DIAL_DIGITS: usize = 32;

impl Endpoint {
    pub(super) fn on_phone_command(&mut self, now: Instant, command: StackCommand) {
        let operation = command.operation();
        match command {
            StackCommand::AddAccount { account, config } => self.add_account(account, config),
            StackCommand::RemoveAccount { account } => {
                if let Some(i) = self.line_of_account(account) {
                    self.lines[i].account = None;
                    self.lines[i].aor = None;
                    self.events.push_back(StackEvent::Registration {
                        account,
                        state: RegistrationState::Unregistered,
                    });
                }
            }
            StackCommand::Dial {
                call, account, to, ..
            } => self.dial(now, call, account, &to),
            StackCommand::Answer { call, .. } => self.answer(now, call),
            StackCommand::Hangup { call } => self.hangup(now, call),
            StackCommand::SendDtmf { call, digits } => self.send_digits(now, call, &digits),
            StackCommand::LineEvent { account, event } => self.line_event(now, account, event),
            StackCommand::Alert {
                call,
                early_media: None,
            } if self.ringing_call(call) => {
                // The call agent asked for the ringing itself and plays the
                // ringback to the caller: nothing to send.
            }
            StackCommand::Reject { call, .. } => self.fail(
                Some(call),
                Operation::Reject,
                Cause::Unsupported,
                "an MGCP line cannot refuse a call: it rings until answered or stopped by the call agent",
            ),
            StackCommand::Shutdown => self.shutdown(now),
            other => {
                if let Some(op) = operation {
                    self.fail(
                        other.call(),
                        op,
                        Cause::Unsupported,
                        "not an MGCP line's feature (the call agent's business)",
                    );
                }
            }
        }
    }

    fn fail(&mut self, call: Option<CallId>, operation: Operation, cause: Cause, text: &str) {
        info!(?call, %operation, text, "command failed");
        self.events.push_back(StackEvent::CommandFailed {
            call,
            operation,
            reason: Reason::new(cause).with_text(text),
        });
    }

    fn line_of_account(&self, account: AccountId) -> Option<usize> {
        self.lines.iter().position(|l| l.account == Some(account))
    }

    fn line_of_call(&self, call: CallId) -> Option<usize> {
        self.lines
            .iter()
            .position(|l| l.call.as_ref().is_some_and(|c| c.id == call))
    }

    fn ringing_call(&self, call: CallId) -> bool {
        self.line_of_call(call).is_some_and(|i| {
            self.lines[i]
                .call
                .as_ref()
                .is_some_and(|c| c.kind == CallKind::Incoming && c.announced)
        })
    }

    fn add_account(&mut self, account: AccountId, config: AccountConfig) {
        let uri = config.aor.uri();
        let rest = uri.split_once(':').map(|(_, r)| r).unwrap_or(uri);
        let name: Option<EndpointName> = rest.parse().ok();
        let found = self.lines.iter().position(|l| {
            Some(&l.name) == name.as_ref() || l.name.local_name().eq_ignore_ascii_case(rest)
        });
        let Some(i) = found else {
            self.events.push_back(StackEvent::Registration {
                account,
                state: RegistrationState::Failed {
                    reason: Reason::new(Cause::NotFound).with_text(format!("no line {rest} here")),
                },
            });
            return;
        };
        info!(line = %self.lines[i].name, %account, "account bound to line");
        self.lines[i].account = Some(account);
        self.lines[i].aor = Some(config.aor.clone());
        if config.register && self.lines[i].in_service {
            self.events.push_back(StackEvent::Registration {
                account,
                state: RegistrationState::Registered {
                    expires: Duration::ZERO,
                },
            });
        }
    }

    /// Whether the agent would hear of `ev` now (requested, or queued
    /// behind a notification).
    fn watched(&self, i: usize, package: &str, name: &str) -> bool {
        let line = &self.lines[i];
        let ev = event(package, name);
        line.notifying
            || line
                .request
                .events
                .iter()
                .any(|r| event_matches(&r.name, &ev.name))
    }

    fn go_off_hook(&mut self, now: Instant, i: usize) -> bool {
        self.lines[i].hook = HookState::OffHook;
        self.lines[i].ring_ignored = false;
        self.hook_changed_media(i);
        if let Some(method) = self.lines[i].restart.on_local_activity(now) {
            self.send_rsip(now, i, method);
        }
        let seen = self.observe(now, i, event("L", "hd"));
        // A lifted handset stops the bell whatever the agent asked.
        if self.lines[i].signal_on("rg")
            || self.lines[i].signals.iter().any(|s| {
                s.name.event.len() == 2
                    && s.name.event.to_ascii_lowercase().starts_with('r')
                    && s.name.event[1..].chars().all(|c| c.is_ascii_digit())
            })
        {
            self.stop_timeout_signals(i);
        }
        seen
    }

    fn go_on_hook(&mut self, now: Instant, i: usize) -> bool {
        self.lines[i].hook = HookState::OnHook;
        self.lines[i].collector = None;
        self.hook_changed_media(i);
        self.observe(now, i, event("L", "hu"))
    }

    fn dial(&mut self, now: Instant, call: CallId, account: Option<AccountId>, to: &Address) {
        let i = match account.and_then(|a| self.line_of_account(a)) {
            Some(i) => Some(i),
            None if self.lines.len() == 1 => Some(0),
            None => None,
        };
        let end = |s: &mut Self, cause: Cause, text: &str| {
            info!(%call, text, "dial failed");
            s.events.push_back(StackEvent::CallEnded {
                call,
                reason: EndReason::system(Reason::new(cause).with_text(text)),
            });
        };
        let Some(i) = i else {
            return end(self, Cause::NotFound, "no MGCP line for this account");
        };
        let uri = to.uri();
        let number = uri.split_once(':').map(|(_, r)| r).unwrap_or(uri);
        let number = number.split('@').next().unwrap_or(number);
        let digits: Vec<char> = number.chars().map(|c| c.to_ascii_uppercase()).collect();
        if digits.is_empty()
            || digits.len() > MAX_DIAL_DIGITS
            || !digits.iter().all(|&c| is_dtmf_digit(c))
        {
            return end(
                self,
                Cause::InvalidRequest,
                "an MGCP line dials digits only (0-9, *, #, A-D)",
            );
        }
        if self.lines[i].call.is_some() {
            return end(self, Cause::Busy, "the line is in a call");
        }
        if !self.lines[i].off_hook() && !self.watched(i, "L", "hd") {
            return end(
                self,
                Cause::Unavailable,
                "the call agent is not watching the line (no off-hook request)",
            );
        }
        info!(line = %self.lines[i].name, %call, number, "dialling");
        self.lines[i].call = Some(LineCall {
            id: call,
            kind: CallKind::Outgoing,
            announced: true,
            connected: false,
            ringing: false,
            caller: None,
        });
        if !self.lines[i].off_hook() {
            self.go_off_hook(now, i);
        }
        for d in digits {
            self.observe(now, i, event("D", &d.to_string()));
        }
    }

    fn answer(&mut self, now: Instant, call: CallId) {
        let Some(i) = self.line_of_call(call) else {
            return self.fail(
                Some(call),
                Operation::Answer,
                Cause::InvalidRequest,
                "no such call on a line",
            );
        };
        if self.lines[i].off_hook() {
            return self.fail(
                Some(call),
                Operation::Answer,
                Cause::InvalidRequest,
                "the line is already off-hook",
            );
        }
        if !self.go_off_hook(now, i) {
            self.fail(
                Some(call),
                Operation::Answer,
                Cause::Unavailable,
                "the call agent did not ask for off-hook",
            );
        }
        self.maybe_connected(i);
    }

    fn hangup(&mut self, now: Instant, call: CallId) {
        let Some(i) = self.line_of_call(call) else {
            return self.fail(
                Some(call),
                Operation::Hangup,
                Cause::InvalidRequest,
                "no such call on a line",
            );
        };
        if self.lines[i].off_hook() {
            self.go_on_hook(now, i);
            self.end_call(i, EndReason::local(Reason::new(Cause::NormalClearing)));
        } else {
            // Ringing, unanswered: the bell cannot refuse; the phone stops
            // hearing of it until the agent rings again.
            self.lines[i].ring_ignored = true;
            self.end_call(
                i,
                EndReason::local(
                    Reason::new(Cause::Declined)
                        .with_text("not answered; the call agent may go on ringing"),
                ),
            );
        }
    }

    fn send_digits(&mut self, now: Instant, call: CallId, digits: &str) {
        let Some(i) = self.line_of_call(call) else {
            return self.fail(
                Some(call),
                Operation::SendDtmf,
                Cause::InvalidRequest,
                "no such call on a line",
            );
        };
        if !self.lines[i].off_hook() {
            return self.fail(
                Some(call),
                Operation::SendDtmf,
                Cause::InvalidRequest,
                "the line is on-hook",
            );
        }
        let digits: Vec<char> = digits.chars().map(|c| c.to_ascii_uppercase()).collect();
        if digits.is_empty() || !digits.iter().all(|&c| is_dtmf_digit(c)) {
            return self.fail(
                Some(call),
                Operation::SendDtmf,
                Cause::InvalidRequest,
                "not DTMF digits",
            );
        }
        let mut unheard = false;
        for d in digits {
            unheard |= !self.observe(now, i, event("D", &d.to_string()));
        }
        if unheard {
            self.fail(
                Some(call),
                Operation::SendDtmf,
                Cause::Unsupported,
                "the call agent did not ask for digits",
            );
        }
    }

    fn line_event(&mut self, now: Instant, account: AccountId, ev: LineEvent) {
        let Some(i) = self.line_of_account(account) else {
            return self.fail(
                None,
                Operation::Line,
                Cause::NotFound,
                "no MGCP line for this account",
            );
        };
        let off = self.lines[i].off_hook();
        let heard = match ev {
            LineEvent::Hook(HookState::OffHook) => {
                if off {
                    return self.fail(
                        None,
                        Operation::Line,
                        Cause::InvalidRequest,
                        "already off-hook",
                    );
                }
                let heard = self.go_off_hook(now, i);
                self.maybe_connected(i);
                heard
            }
            LineEvent::Hook(HookState::OnHook) => {
                if !off {
                    return self.fail(
                        None,
                        Operation::Line,
                        Cause::InvalidRequest,
                        "already on-hook",
                    );
                }
                let heard = self.go_on_hook(now, i);
                self.end_call(i, EndReason::local(Reason::new(Cause::NormalClearing)));
                heard
            }
            LineEvent::Flash => {
                if !off {
                    return self.fail(
                        None,
                        Operation::Line,
                        Cause::InvalidRequest,
                        "hook-flash while on-hook",
                    );
                }
                self.observe(now, i, event("L", "hf"))
            }
            LineEvent::Digit(d) => self.observe(now, i, event("D", &d.to_string())),
            LineEvent::FaxTone => self.observe(now, i, event("G", "ft")),
            LineEvent::ModemTone => self.observe(now, i, event("G", "mt")),
            _ => {
                return self.fail(
                    None,
                    Operation::Line,
                    Cause::Unsupported,
                    "line event not supported",
                );
            }
        };
        if !heard {
            self.fail(
                None,
                Operation::Line,
                Cause::Unsupported,
                "the call agent did not ask for this event",
            );
        }
    }
}

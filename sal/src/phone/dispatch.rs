//! The phone's event task: stack and media events become table updates and
//! application events.

use std::sync::Weak;

use tokio::sync::mpsc;
use tracing::{debug, info_span, warn};

use super::{CallDirection, CallEntry, Inner};
use crate::{
    CallId, CallState, Cause, EndReason, MediaEvent, Operation, PhoneEvent, Reason, StackCommand,
    StackEvent,
};

pub(super) async fn run(
    weak: Weak<Inner>,
    mut stack_rx: mpsc::UnboundedReceiver<(usize, StackEvent)>,
    mut media_rx: mpsc::UnboundedReceiver<(CallId, MediaEvent)>,
) {
    loop {
        tokio::select! {
            ev = stack_rx.recv() => match (ev, weak.upgrade()) {
                (Some((stack, ev)), Some(inner)) => inner.on_stack_event(stack, ev),
                _ => break,
            },
            ev = media_rx.recv() => match (ev, weak.upgrade()) {
                (Some((call, ev)), Some(inner)) => inner.on_media_event(call, ev),
                _ => break,
            },
        }
    }
    if let Some(inner) = weak.upgrade() {
        inner.events.close();
    }
}

impl Inner {
    pub(super) fn on_stack_event(&self, stack: usize, ev: StackEvent) {
        match ev {
            StackEvent::Registration { account, state } => {
                if let Some(a) = self.tables().accounts.get_mut(&account) {
                    a.state = state.clone();
                }
                self.events
                    .push(PhoneEvent::Registration { account, state });
            }
            StackEvent::IncomingCall {
                call,
                account,
                from,
                to,
                offer,
                replaces,
                alert_info,
            } => self.incoming_call(stack, call, account, from, to, offer, replaces, alert_info),
            StackEvent::Ringing { call, early_media } => {
                let s = if early_media {
                    CallState::EarlyMedia
                } else {
                    CallState::Ringing
                };
                let mut t = self.tables();
                // A 180 after a 183 does not take early media away.
                if t.calls.get(&call).map(|c| c.state) != Some(CallState::EarlyMedia) {
                    self.set_state(&mut t, call, s);
                }
            }
            StackEvent::Connected { call } => {
                let mut t = self.tables();
                if let Some(c) = t.calls.get_mut(&call) {
                    c.answered.get_or_insert_with(std::time::SystemTime::now);
                }
                if let Some(s) = t.calls.get(&call).map(|c| c.connected_state()) {
                    self.set_state(&mut t, call, s);
                }
            }
            StackEvent::MediaNegotiated { call, media } => {
                let mut t = self.tables();
                if let Some(c) = t.calls.get_mut(&call) {
                    c.negotiated = Some(media.clone());
                    self.events.push(PhoneEvent::MediaStarted { call, media });
                }
            }
            StackEvent::RemoteHold { call, held } => {
                let mut t = self.tables();
                let Some(c) = t.calls.get_mut(&call) else {
                    return;
                };
                c.remote_hold = held;
                if c.state.is_established() {
                    let s = c.connected_state();
                    self.set_state(&mut t, call, s);
                }
            }
            StackEvent::Dtmf {
                call,
                digit,
                duration,
            } => self.events.push(PhoneEvent::Dtmf {
                call,
                digit,
                duration,
            }),
            StackEvent::TransferRequested { call, target } => self
                .events
                .push(PhoneEvent::TransferRequested { call, target }),
            StackEvent::TransferProgress { call, status } => self
                .events
                .push(PhoneEvent::TransferProgress { call, status }),
            StackEvent::Message {
                account,
                from,
                content_type,
                body,
            } => self.events.push(PhoneEvent::Message {
                account,
                from,
                content_type,
                body,
            }),
            StackEvent::Subscription {
                subscription,
                state,
            } => {
                if matches!(state, crate::SubscriptionState::Terminated(_)) {
                    self.tables().subscriptions.remove(&subscription);
                }
                self.events.push(PhoneEvent::Subscription {
                    subscription,
                    state,
                })
            }
            StackEvent::Notify {
                subscription,
                account,
                content,
            } => self.events.push(PhoneEvent::Notify {
                subscription,
                account,
                content,
            }),
            StackEvent::LineSignal { account, signal } => {
                if let Some(tx) = account.and_then(|a| self.tables().lines.get(&a).cloned()) {
                    // The line task is gone only once the phone is: nothing to tell.
                    let _ = tx.send(signal.clone());
                }
                self.events.push(PhoneEvent::LineSignal { account, signal });
            }
            StackEvent::CommandFailed {
                call,
                operation,
                reason,
            } => self.command_failed(call, operation, reason),
            StackEvent::CallEnded { call, reason } => self.finish_call(call, reason),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn incoming_call(
        &self,
        stack: usize,
        call: CallId,
        account: Option<crate::AccountId>,
        from: crate::Address,
        to: crate::Address,
        offer: Option<crate::MediaDescription>,
        replaces: Option<CallId>,
        alert_info: Option<String>,
    ) {
        let span = info_span!("call", id = %call, dir = "in", remote = %from.uri());
        // Reserve media before the application hears of the call, with no
        // phone lock held (the engine binds sockets).
        let policy = self.security_of(account);
        let codecs = self.codecs_of(account);
        if let Err(e) = self.media.reserve_secured(call, policy, &codecs) {
            let _g = span.enter();
            warn!(error = %e, "no media for an incoming call; refusing it");
            let reason = Reason::new(Cause::ServerError).with_text(e.to_string());
            if self
                .send(stack, StackCommand::Reject { call, reason })
                .is_err()
            {
                debug!("stack gone while refusing");
            }
            return;
        }
        let mut t = self.tables();
        let waiting = t
            .calls
            .iter()
            .any(|(id, c)| *id != call && c.state != CallState::Ended);
        let entry = CallEntry::new(
            stack,
            CallState::Incoming,
            CallDirection::Incoming,
            from.clone(),
            to.clone(),
            account,
            span,
        );
        t.calls.insert(call, entry);
        drop(t);
        if waiting {
            // The local user hears the call-waiting tone over the call in
            // progress, where the engine can mix one; started before the
            // application hears of the call, with no phone lock held (the
            // engine may open the audio device).
            if let Err(e) = self.media.engine().and_then(|e| e.call_waiting(call, true)) {
                debug!(error = %e, "no call-waiting tone");
            }
        }
        self.events.push(PhoneEvent::IncomingCall {
            call,
            account,
            from,
            to,
            offer,
            waiting,
            replaces,
            alert_info,
        });
    }

    fn command_failed(&self, call: Option<CallId>, operation: Operation, reason: Reason) {
        if let Some(id) = call {
            let mut t = self.tables();
            if let Some(c) = t.calls.get_mut(&id) {
                // Undo the state the phone assumed when it sent the command.
                let revert = match operation {
                    Operation::Hold => Some(false),
                    Operation::Resume => Some(true),
                    _ => None,
                };
                if let Some(local) = revert {
                    c.local_hold = local;
                    if c.state.is_established() {
                        let s = c.connected_state();
                        self.set_state(&mut t, id, s);
                    }
                }
            }
        }
        self.events.push(PhoneEvent::CommandFailed {
            call,
            operation,
            reason,
        });
    }

    pub(super) fn on_media_event(&self, call: CallId, ev: MediaEvent) {
        match ev {
            MediaEvent::Dtmf { digit, duration } => self.events.push(PhoneEvent::Dtmf {
                call,
                digit,
                duration,
            }),
            MediaEvent::RtpTimeout => {
                let stack = self.tables().calls.get(&call).map(|c| c.stack);
                if let Some(stack) = stack {
                    let _ = self.send(stack, StackCommand::Hangup { call });
                    self.finish_call(
                        call,
                        EndReason::system(
                            Reason::new(Cause::NetworkError).with_text("no RTP received"),
                        ),
                    );
                }
            }
            MediaEvent::Security(state) => {
                let failed = match &state {
                    crate::SecurityState::Failed(why) => Some(why.clone()),
                    _ => None,
                };
                self.events.push(PhoneEvent::Security { call, state });
                // A call that must be secured and cannot be ends; its media
                // sent nothing in clear meanwhile.
                let (stack, account) = {
                    let t = self.tables();
                    match t.calls.get(&call) {
                        Some(c) if c.state != CallState::Ended => (Some(c.stack), c.account),
                        _ => (None, None),
                    }
                };
                if let (Some(why), Some(stack)) = (failed, stack) {
                    if self.security_of(account).required {
                        let _ = self.send(stack, StackCommand::Hangup { call });
                        self.finish_call(
                            call,
                            EndReason::system(Reason::new(Cause::SecurityFailure).with_text(why)),
                        );
                    }
                }
            }
            other => debug!(%call, ?other, "media event"),
        }
    }
}

//! Lines attached to accounts: a [`LineDevice`]'s hook, flash and digit
//! events go to the account's stack; the stack's signal requests (ring,
//! tones, caller-ID, message waiting) go to the device.
//!
//! Each attached line runs in its own task that owns the device, so no
//! device call happens under the phone's lock or on the dispatcher.

use std::sync::Weak;

use tokio::sync::mpsc;
use tracing::debug;

use super::Inner;
use crate::{
    AccountId, Cause, LineDevice, LineSignal, Operation, PhoneEvent, Reason, StackCommand,
};

pub(super) fn spawn(
    weak: Weak<Inner>,
    account: AccountId,
    stack: usize,
    mut device: Box<dyn LineDevice>,
    mut signals: mpsc::UnboundedReceiver<LineSignal>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(device.poll_interval());
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let Some(inner) = weak.upgrade() else { break };
                    while let Some(event) = device.poll_event() {
                        debug!(%account, %event, "line event");
                        if let Err(e) = inner.send(stack, StackCommand::LineEvent { account, event }) {
                            inner.events.push(PhoneEvent::CommandFailed {
                                call: None,
                                operation: Operation::Line,
                                reason: Reason::new(Cause::Other).with_text(e.to_string()),
                            });
                        }
                    }
                }
                signal = signals.recv() => {
                    let Some(signal) = signal else { break };
                    if let Err(e) = device.signal(signal) {
                        if let Some(inner) = weak.upgrade() {
                            inner.events.push(PhoneEvent::CommandFailed {
                                call: None,
                                operation: Operation::Line,
                                reason: Reason::new(Cause::Unsupported).with_text(e.to_string()),
                            });
                        }
                    }
                }
            }
        }
        debug!(%account, line = device.name(), "line detached");
    });
}

//! Commands from the phone: dispatch, and the outcome of those the stack
//! cannot carry out. Every command ends in an event (the SAL contract): a
//! refused one in [`StackEvent::CommandFailed`], never only in a log line.

use openphone_sal::{CallId, Cause, Operation, Reason, StackCommand, StackEvent};
use tracing::{debug, warn};

use super::dialog::Phase;
use super::SipCore;

impl SipCore {
    pub(super) fn command(&mut self, cmd: StackCommand) {
        match cmd {
            StackCommand::AddAccount { account, config } => self.add_account(account, config),
            StackCommand::RemoveAccount { account } => {
                self.unpublish(account);
                self.remove_account(account)
            }
            StackCommand::Dial {
                call,
                account,
                to,
                offer,
            } => self.dial(call, account, to, offer),
            StackCommand::Alert {
                call,
                early_media: None,
            } => self.alert(call),
            StackCommand::Alert {
                call,
                early_media: Some(_),
            } => self.not_implemented(Some(call), Operation::Alert, "early media (183)"),
            StackCommand::Answer { call, media } => self.answer(call, media),
            StackCommand::Reject { call, reason } => self.reject(call, reason),
            StackCommand::Redirect { call, targets } => self.redirect(call, targets),
            StackCommand::Hangup { call } => self.hangup(call),
            StackCommand::Hold { call } => self.send_reinvite(call, Operation::Hold),
            StackCommand::Resume { call } => self.send_reinvite(call, Operation::Resume),
            StackCommand::Transfer { call, to } => self.transfer(call, to),
            StackCommand::AttendedTransfer { call, target } => self.attended_transfer(call, target),
            StackCommand::SendDtmf { call, digits } => self.send_dtmf(call, &digits),
            StackCommand::SendMessage {
                account,
                to,
                content_type,
                body,
            } => self.send_message(account, to, content_type, body),
            StackCommand::Subscribe {
                subscription,
                account,
                to,
                package,
                expires,
            } => self.subscribe(subscription, account, to, package, expires),
            StackCommand::Unsubscribe { subscription } => self.unsubscribe(subscription),
            StackCommand::Publish { account, status } => self.publish(account, status),
            StackCommand::Shutdown => self.shutdown(),
            // A command added to the SAL after this stack was written.
            other => match other.operation() {
                Some(op) => self.not_implemented(other.call(), op, &format!("{op}")),
                None => warn!(?other, "command not known to the SIP stack ignored"),
            },
        }
    }

    /// Reports a command that failed.
    pub(super) fn command_failed(
        &mut self,
        call: Option<CallId>,
        operation: Operation,
        reason: Reason,
    ) {
        warn!(?call, %operation, %reason, "command failed");
        self.emit(StackEvent::CommandFailed {
            call,
            operation,
            reason,
        });
    }

    /// Reports a command for something this stack does not do yet.
    fn not_implemented(&mut self, call: Option<CallId>, operation: Operation, what: &str) {
        self.command_failed(call, operation, not_implemented_reason(what));
    }

    /// Reports a call command for a call that is unknown or not connected.
    pub(super) fn not_established(&mut self, call: CallId, operation: Operation) {
        let text = if self.calls.get(&call).is_some() {
            "the call is not established"
        } else {
            "no such call (it may have ended)"
        };
        self.command_failed(
            Some(call),
            operation,
            Reason::new(Cause::NotEstablished).with_text(text),
        );
    }

    /// Reports a command that needs a ringing incoming call.
    pub(super) fn not_ringing(&mut self, call: CallId, operation: Operation) {
        let text = if self.calls.get(&call).is_some() {
            "the call is not ringing"
        } else {
            "no such call (it may have ended)"
        };
        self.command_failed(
            Some(call),
            operation,
            Reason::new(Cause::InvalidRequest).with_text(text),
        );
    }

    /// Whether `call` is a confirmed dialog we have not ended.
    pub(super) fn is_established(&self, call: CallId) -> bool {
        self.calls
            .get(&call)
            .is_some_and(|c| c.phase == Phase::Confirmed && !c.ended)
    }

    /// Ringing towards the caller. The core already sends 180 Ringing when
    /// the INVITE arrives (so the caller hears ringback at once), so there
    /// is nothing left to send: Alert succeeds without a message.
    fn alert(&mut self, call: CallId) {
        if self
            .calls
            .get(&call)
            .is_some_and(|c| c.phase == Phase::Incoming)
        {
            debug!(%call, "alert: 180 Ringing was already sent");
        } else {
            self.not_ringing(call, Operation::Alert);
        }
    }
}

/// The reason for a command this stack does not implement yet.
fn not_implemented_reason(what: &str) -> Reason {
    Reason::new(Cause::Unsupported)
        .with_text(format!("{what} is not implemented by the SIP stack yet"))
}

//! What the phone tells the application, and the states it reports.

use std::fmt;
use std::time::Duration;

use crate::{
    AccountId, Address, CallId, Cause, LineSignal, MediaDescription, NegotiatedMedia,
    NotifyContent, Reason, SecurityState, SubscriptionId, SubscriptionState,
};

/// Who holds a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hold {
    /// We put the peer on hold.
    Local,
    /// The peer put us on hold.
    Remote,
    /// Both did.
    Both,
}

impl Hold {
    /// The hold after we (`local`) or the peer changed theirs; `None` when nobody holds.
    pub(crate) fn combine(local: bool, remote: bool) -> Option<Hold> {
        match (local, remote) {
            (true, true) => Some(Hold::Both),
            (true, false) => Some(Hold::Local),
            (false, true) => Some(Hold::Remote),
            (false, false) => None,
        }
    }
    /// True when we hold the peer.
    pub fn by_us(self) -> bool {
        matches!(self, Hold::Local | Hold::Both)
    }
    /// True when the peer holds us.
    pub fn by_peer(self) -> bool {
        matches!(self, Hold::Remote | Hold::Both)
    }
}

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallState {
    /// Outgoing: request sent, no answer yet.
    Dialing,
    /// Outgoing: the far end is alerting.
    Ringing,
    /// Outgoing: the far end sends early media (SIP 183, Q.931 Progress).
    EarlyMedia,
    /// Incoming: waiting for the application to answer or reject.
    Incoming,
    /// Incoming: answer sent, waiting for the peer's confirmation.
    Answering,
    /// Connected.
    Active,
    /// Connected, media on hold by us, the peer or both.
    Held(Hold),
    /// Hang-up in progress.
    Ending,
    /// Over.
    Ended,
}

impl CallState {
    /// Connected (active or held).
    pub fn is_established(self) -> bool {
        matches!(self, CallState::Active | CallState::Held(_))
    }
    /// Before an answer (either direction).
    pub fn is_early(self) -> bool {
        matches!(
            self,
            CallState::Dialing
                | CallState::Ringing
                | CallState::EarlyMedia
                | CallState::Incoming
                | CallState::Answering
        )
    }
}

impl fmt::Display for CallState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CallState::Dialing => "dialing",
            CallState::Ringing => "ringing",
            CallState::EarlyMedia => "early media",
            CallState::Incoming => "incoming",
            CallState::Answering => "answering",
            CallState::Active => "active",
            CallState::Held(Hold::Local) => "on hold",
            CallState::Held(Hold::Remote) => "held by the peer",
            CallState::Held(Hold::Both) => "on hold both ways",
            CallState::Ending => "ending",
            CallState::Ended => "ended",
        })
    }
}

/// Registration status of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrationState {
    /// Request in flight.
    Registering,
    /// Registered; the registrar granted this lifetime.
    Registered {
        /// Granted expiry.
        expires: Duration,
    },
    /// Removed on request.
    Unregistered,
    /// The registrar refused or did not answer.
    Failed {
        /// Why.
        reason: Reason,
    },
}

impl fmt::Display for RegistrationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistrationState::Registering => f.write_str("Registering"),
            RegistrationState::Registered { expires } => {
                write!(f, "Registered for {} s", expires.as_secs())
            }
            RegistrationState::Unregistered => f.write_str("Unregistered"),
            RegistrationState::Failed { reason } => write!(f, "Failed: {reason}"),
        }
    }
}

/// Which side ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Initiator {
    /// We did (hang-up, cancel, reject).
    Local,
    /// The peer did (BYE, refusal, cancel).
    Remote,
    /// Neither party: a timer, the network or a failure.
    System,
}

/// Why a call ended: who ended it and the neutral cause, with the protocol's
/// raw cause kept in the [`Reason`].
///
/// ```
/// use openphone_sal::{Cause, EndReason, RawCause, Reason};
/// let e = EndReason::remote(Reason::new(Cause::Busy).with_raw(RawCause::Sip(486)).with_text("Busy Here"));
/// assert_eq!(e.to_string(), "refused by the peer: busy (SIP 486 Busy Here)");
/// assert_eq!(EndReason::local(Cause::NormalClearing).to_string(), "we hung up");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndReason {
    /// Who ended it.
    pub initiator: Initiator,
    /// Why.
    pub reason: Reason,
}

impl EndReason {
    /// Ended by us.
    pub fn local(reason: impl Into<Reason>) -> Self {
        EndReason {
            initiator: Initiator::Local,
            reason: reason.into(),
        }
    }
    /// Ended by the peer.
    pub fn remote(reason: impl Into<Reason>) -> Self {
        EndReason {
            initiator: Initiator::Remote,
            reason: reason.into(),
        }
    }
    /// Ended by a timer, the network or a failure.
    pub fn system(reason: impl Into<Reason>) -> Self {
        EndReason {
            initiator: Initiator::System,
            reason: reason.into(),
        }
    }
    /// The neutral cause.
    pub fn cause(&self) -> Cause {
        self.reason.cause
    }
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.reason;
        match (self.initiator, r.cause) {
            (Initiator::Local, Cause::NormalClearing) if r.raw.is_none() => {
                f.write_str("we hung up")
            }
            (Initiator::Remote, Cause::NormalClearing) if r.raw.is_none() => {
                f.write_str("the peer hung up")
            }
            (Initiator::Local, Cause::Cancelled) => f.write_str("we cancelled"),
            (Initiator::Remote, Cause::Cancelled) => f.write_str("the peer cancelled"),
            (Initiator::Local, _) => write!(f, "we refused: {r}"),
            (Initiator::Remote, _) => write!(f, "refused by the peer: {r}"),
            (Initiator::System, _) => write!(f, "failed: {r}"),
        }
    }
}

/// A command the application gave, named in [`PhoneEvent::CommandFailed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Placing a call.
    Dial,
    /// Ringing or early media towards the caller.
    Alert,
    /// Answering.
    Answer,
    /// Refusing.
    Reject,
    /// Redirecting.
    Redirect,
    /// Hanging up.
    Hangup,
    /// Putting on hold.
    Hold,
    /// Resuming.
    Resume,
    /// Blind transfer.
    Transfer,
    /// Attended transfer.
    AttendedTransfer,
    /// Sending DTMF.
    SendDtmf,
    /// Sending an instant message.
    SendMessage,
    /// Subscribing.
    Subscribe,
    /// Ending a subscription.
    Unsubscribe,
    /// Publishing presence.
    Publish,
    /// Registering.
    Register,
    /// Conference mixing.
    Conference,
    /// A line (hook, digit) event.
    Line,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Dial => "dial",
            Operation::Alert => "ringing",
            Operation::Answer => "answer",
            Operation::Reject => "reject",
            Operation::Redirect => "redirect",
            Operation::Hangup => "hang-up",
            Operation::Hold => "hold",
            Operation::Resume => "resume",
            Operation::Transfer => "transfer",
            Operation::AttendedTransfer => "attended transfer",
            Operation::SendDtmf => "DTMF",
            Operation::SendMessage => "message",
            Operation::Subscribe => "subscription",
            Operation::Unsubscribe => "unsubscription",
            Operation::Publish => "publication",
            Operation::Register => "registration",
            Operation::Conference => "conference",
            Operation::Line => "line event",
        })
    }
}

/// Progress of a transfer we asked the peer to carry out (SIP NOTIFY sipfrag).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferStatus {
    /// The peer accepted the request and is trying the target.
    Trying,
    /// The target is ringing.
    Ringing,
    /// The peer reached the target: the transfer succeeded.
    Succeeded,
    /// It failed.
    Failed(Reason),
}

impl fmt::Display for TransferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransferStatus::Trying => f.write_str("trying"),
            TransferStatus::Ringing => f.write_str("target ringing"),
            TransferStatus::Succeeded => f.write_str("succeeded"),
            TransferStatus::Failed(r) => write!(f, "failed: {r}"),
        }
    }
}

/// Events delivered by [`Phone::next_event`](crate::Phone::next_event).
///
/// Every event prints as one readable line:
///
/// ```
/// use openphone_sal::{CallId, CallState, PhoneEvent};
/// let call = CallId::next();
/// let ev = PhoneEvent::CallState { call, state: CallState::Active };
/// assert_eq!(ev.to_string(), format!("state {call} active"));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum PhoneEvent {
    /// An account's registration changed.
    Registration {
        /// Which account.
        account: AccountId,
        /// Its new state.
        state: RegistrationState,
    },
    /// A call arrived. Answer or reject it through [`Phone::call_handle`](crate::Phone::call_handle).
    IncomingCall {
        /// The new call.
        call: CallId,
        /// The account it arrived for, when the stack could tell.
        account: Option<AccountId>,
        /// The caller.
        from: Address,
        /// Whom it was for.
        to: Address,
        /// The caller's media offer, if it made one.
        offer: Option<MediaDescription>,
        /// Another call is in progress: this one is waiting (call waiting).
        waiting: bool,
        /// The call replaces this one of ours (attended transfer, SIP Replaces).
        replaces: Option<CallId>,
        /// How the caller asks us to ring (SIP Alert-Info, RFC 3261
        /// §20.4, as received), for distinctive ringing.
        alert_info: Option<String>,
    },
    /// A call changed state (ringing, answered, held…).
    CallState {
        /// Which call.
        call: CallId,
        /// Its new state.
        state: CallState,
    },
    /// Media was agreed (or changed) and the media session runs with it.
    MediaStarted {
        /// Which call.
        call: CallId,
        /// What was agreed.
        media: NegotiatedMedia,
    },
    /// The call's media security changed.
    Security {
        /// Which call.
        call: CallId,
        /// Its new state.
        state: SecurityState,
    },
    /// A DTMF digit arrived (RFC 4733 or out of band).
    Dtmf {
        /// Which call.
        call: CallId,
        /// `0`–`9`, `*`, `#`, `A`–`D`.
        digit: char,
        /// How long it was pressed.
        duration: Duration,
    },
    /// The peer asked us to call someone else (SIP REFER).
    TransferRequested {
        /// Which call.
        call: CallId,
        /// The transfer target.
        target: Address,
    },
    /// Progress of a transfer we asked for.
    TransferProgress {
        /// Which call was transferred.
        call: CallId,
        /// How far it got.
        status: TransferStatus,
    },
    /// An instant message arrived.
    Message {
        /// The account it arrived for, when the stack could tell.
        account: Option<AccountId>,
        /// Sender.
        from: Address,
        /// MIME type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
    },
    /// A subscription changed state.
    Subscription {
        /// Which.
        subscription: SubscriptionId,
        /// Its state.
        state: SubscriptionState,
    },
    /// A notification arrived (presence of a buddy, message waiting…).
    Notify {
        /// The subscription it belongs to; `None` for an unsolicited one (e.g. MWI).
        subscription: Option<SubscriptionId>,
        /// The account it arrived for, when known.
        account: Option<AccountId>,
        /// What it says.
        content: NotifyContent,
    },
    /// The stack asks the line to ring, play a tone, show caller-ID… A line
    /// attached with [`Account::attach_line`](crate::Account::attach_line)
    /// has already been told; the event lets any application follow.
    LineSignal {
        /// Whose line.
        account: Option<AccountId>,
        /// What to do.
        signal: LineSignal,
    },
    /// A command was refused or failed after it was accepted.
    CommandFailed {
        /// The call it concerned, if any.
        call: Option<CallId>,
        /// The command.
        operation: Operation,
        /// Why.
        reason: Reason,
    },
    /// A call ended.
    CallEnded {
        /// Which call.
        call: CallId,
        /// Why.
        reason: EndReason,
    },
    /// The event queue overflowed and this many of the oldest events were
    /// dropped. Call state stays queryable through [`Call::state`](crate::Call::state).
    EventsDropped {
        /// How many.
        count: u64,
    },
}

impl fmt::Display for PhoneEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneEvent::Registration { account, state } => {
                write!(f, "registration {account} {state}")
            }
            PhoneEvent::IncomingCall {
                call,
                account,
                from,
                to,
                waiting,
                replaces,
                ..
            } => {
                write!(f, "incoming {call} from {from} to {to}")?;
                if let Some(a) = account {
                    write!(f, " for {a}")?;
                }
                if *waiting {
                    f.write_str(" (waiting)")?;
                }
                if let Some(r) = replaces {
                    write!(f, " replacing {r}")?;
                }
                Ok(())
            }
            PhoneEvent::CallState { call, state } => write!(f, "state {call} {state}"),
            PhoneEvent::MediaStarted { call, media } => write!(f, "media {call} {media}"),
            PhoneEvent::Security { call, state } => write!(f, "security {call} {state}"),
            PhoneEvent::Dtmf {
                call,
                digit,
                duration,
            } => write!(f, "dtmf {call} {digit} {} ms", duration.as_millis()),
            PhoneEvent::TransferRequested { call, target } => {
                write!(f, "transfer requested on {call} to {target}")
            }
            PhoneEvent::TransferProgress { call, status } => {
                write!(f, "transfer of {call} {status}")
            }
            PhoneEvent::Message {
                from,
                content_type,
                body,
                ..
            } => {
                if content_type.starts_with("text/") {
                    write!(f, "message from {from}: {}", String::from_utf8_lossy(body))
                } else {
                    write!(
                        f,
                        "message from {from}: {content_type} ({} bytes)",
                        body.len()
                    )
                }
            }
            PhoneEvent::Subscription {
                subscription,
                state,
            } => write!(f, "{subscription} {state}"),
            PhoneEvent::Notify {
                subscription,
                content,
                ..
            } => match subscription {
                Some(s) => write!(f, "notify {s}: {content}"),
                None => write!(f, "notify: {content}"),
            },
            PhoneEvent::LineSignal { account, signal } => match account {
                Some(a) => write!(f, "line {a}: {signal}"),
                None => write!(f, "line: {signal}"),
            },
            PhoneEvent::CommandFailed {
                call,
                operation,
                reason,
            } => match call {
                Some(c) => write!(f, "{operation} of {c} failed: {reason}"),
                None => write!(f, "{operation} failed: {reason}"),
            },
            PhoneEvent::CallEnded { call, reason } => write!(f, "ended {call} {reason}"),
            PhoneEvent::EventsDropped { count } => write!(f, "{count} events dropped"),
        }
    }
}

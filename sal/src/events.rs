//! What the phone tells the application.

use std::time::Duration;

use crate::{AccountId, Address, CallId, NegotiatedMedia};

/// Where a call is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallState {
    /// Outgoing: request sent, no answer yet.
    Dialing,
    /// Outgoing: the far end is alerting.
    Ringing,
    /// Outgoing: the far end sent early media (SIP 183).
    EarlyMedia,
    /// Incoming: waiting for the application to answer or reject.
    Incoming,
    /// Incoming: answer sent, waiting for the peer's confirmation.
    Answering,
    /// Connected.
    Active,
    /// Connected, media on hold.
    Held,
    /// Hang-up in progress.
    Ending,
    /// Over.
    Ended,
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
        /// Protocol status code (0 for a timeout or transport error).
        code: u16,
        /// Human-readable reason.
        reason: String,
    },
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndReason {
    /// We hung up.
    LocalHangup,
    /// The peer hung up.
    RemoteHangup,
    /// We cancelled before an answer.
    Cancelled,
    /// The peer cancelled before we answered.
    RemoteCancelled,
    /// The call was refused (SIP 4xx/5xx/6xx, Q.931 cause…).
    Rejected {
        /// Protocol status code.
        code: u16,
        /// Reason phrase.
        reason: String,
    },
    /// We refused it.
    LocalReject {
        /// The status we sent.
        code: u16,
    },
    /// No answer within the protocol's timers, or the transport failed.
    Timeout,
    /// Media or signalling failed.
    Failed(String),
}

/// Events delivered by [`Phone::next_event`](crate::Phone::next_event).
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
        /// The caller.
        from: Address,
        /// Whom it was for.
        to: Address,
    },
    /// A call changed state (ringing, answered, held…).
    CallState {
        /// Which call.
        call: CallId,
        /// Its new state.
        state: CallState,
    },
    /// Media was negotiated or renegotiated and the media session (re)started.
    MediaStarted {
        /// Which call.
        call: CallId,
        /// What was agreed.
        media: NegotiatedMedia,
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
    /// An instant message arrived.
    Message {
        /// Sender.
        from: Address,
        /// MIME type.
        content_type: String,
        /// Body.
        body: Vec<u8>,
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

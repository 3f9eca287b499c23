//! What the switchboard reports to the application.

use std::fmt;

use openphone_sal::Reason;

use crate::message::{ConnectionId, ConnectionParameters, EndpointName, RestartMethod, Verb};

/// A tone (or ringing) the switchboard asked a line to play; reported
/// once the line accepted the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tone {
    /// `L/dl`: dial tone.
    Dial,
    /// `L/rt`: ringback, on the caller's line.
    Ringback,
    /// `L/rg` with `L/ci`: ringing, on the called line.
    Ringing,
    /// `L/bz`: busy tone.
    Busy,
    /// `L/ro`: reorder (fast busy): the call cannot be completed.
    Reorder,
    /// An empty `S:`: every signal stopped.
    Silence,
}

impl Tone {
    /// The line-package signal code (`dl`, `rt`, `rg`, `bz`, `ro`), none
    /// for silence.
    pub fn signal(self) -> Option<&'static str> {
        match self {
            Tone::Dial => Some("dl"),
            Tone::Ringback => Some("rt"),
            Tone::Ringing => Some("rg"),
            Tone::Busy => Some("bz"),
            Tone::Reorder => Some("ro"),
            Tone::Silence => None,
        }
    }
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tone::Dial => "dial tone",
            Tone::Ringback => "ringback",
            Tone::Ringing => "ringing",
            Tone::Busy => "busy tone",
            Tone::Reorder => "reorder tone",
            Tone::Silence => "silence",
        })
    }
}

/// Why a dialled number was not connected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// No line has that number (the caller gets reorder tone).
    UnknownNumber,
    /// The called line is off-hook or in a call (busy tone).
    Busy,
    /// The caller dialled its own number (busy tone).
    OwnNumber,
    /// The called line did not accept the switchboard's last request
    /// (reorder tone).
    OutOfService,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rejection::UnknownNumber => "unknown number",
            Rejection::Busy => "line busy",
            Rejection::OwnNumber => "own number",
            Rejection::OutOfService => "line out of service",
        })
    }
}

/// Why a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallEnd {
    /// The caller went on-hook (before or after the answer).
    CallerHungUp,
    /// The called line went on-hook after answering.
    CalleeHungUp,
    /// The called line did not answer within the ring timeout.
    NoAnswer,
    /// A line restarted (RSIP) and lost its connections.
    Restarted {
        /// The line's number.
        number: String,
    },
    /// A command of the call failed or a gateway deleted a connection.
    Failed(Reason),
    /// The application released it ([`Switchboard::release_all`](super::Switchboard::release_all)).
    Released,
}

impl fmt::Display for CallEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallEnd::CallerHungUp => f.write_str("caller hung up"),
            CallEnd::CalleeHungUp => f.write_str("called line hung up"),
            CallEnd::NoAnswer => f.write_str("no answer"),
            CallEnd::Restarted { number } => write!(f, "line {number} restarted"),
            CallEnd::Failed(r) => write!(f, "failed: {r}"),
            CallEnd::Released => f.write_str("released by the application"),
        }
    }
}

/// An event of the [`Switchboard`](super::Switchboard). Every step of a
/// call and every failure is reported; `Display` gives one readable line.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SwitchEvent {
    /// A line accepted the request to report off-hook: it is idle.
    LineIdle {
        /// The line's number.
        number: String,
    },
    /// A line accepted a request to play a tone (or to ring, or silence).
    Tone {
        /// The line's number.
        number: String,
        /// What it plays now.
        tone: Tone,
    },
    /// A line announced a restart (RSIP).
    LineRestarted {
        /// The line's number.
        number: String,
        /// The restart method.
        method: RestartMethod,
    },
    /// A line cannot be used until it restarts or goes off-hook: a request
    /// to it failed.
    LineOutOfService {
        /// The line's number.
        number: String,
        /// Why.
        reason: Reason,
    },
    /// A line went off-hook.
    OffHook {
        /// The line's number.
        number: String,
    },
    /// A line went on-hook.
    OnHook {
        /// The line's number.
        number: String,
    },
    /// A line reported dialled digits.
    Dialled {
        /// The line's number.
        number: String,
        /// The digits, as read from the notification.
        digits: String,
    },
    /// A line went off-hook and dialled nothing within the dial timeout.
    DialTimeout {
        /// The line's number.
        number: String,
    },
    /// A dialled number was not connected.
    Rejected {
        /// The calling line's number.
        caller: String,
        /// What it dialled.
        dialled: String,
        /// Why.
        why: Rejection,
    },
    /// A call started: connections are being created.
    Calling {
        /// The switchboard's call number.
        call: u64,
        /// The calling line's number.
        caller: String,
        /// The called line's number.
        callee: String,
    },
    /// Both connections exist; ringing and ringback were requested.
    Ringing {
        /// The switchboard's call number.
        call: u64,
        /// The calling line's number.
        caller: String,
        /// The called line's number.
        callee: String,
    },
    /// The called line went off-hook.
    Answered {
        /// The switchboard's call number.
        call: u64,
        /// The calling line's number.
        caller: String,
        /// The called line's number.
        callee: String,
    },
    /// The caller's connection is sendrecv with the callee's description:
    /// media flows both ways.
    Connected {
        /// The switchboard's call number.
        call: u64,
        /// The calling line's number.
        caller: String,
        /// The called line's number.
        callee: String,
    },
    /// A call ended; its connections are being deleted.
    CallEnded {
        /// The switchboard's call number.
        call: u64,
        /// The calling line's number.
        caller: String,
        /// The called line's number.
        callee: String,
        /// Why.
        reason: CallEnd,
    },
    /// A connection was deleted, with the gateway's final statistics.
    ConnectionDeleted {
        /// The call it belonged to, when it was one of a call.
        call: Option<u64>,
        /// The line's number.
        number: String,
        /// The connection.
        connection: ConnectionId,
        /// The statistics (`P:`), when the gateway gave them.
        statistics: Option<ConnectionParameters>,
    },
    /// A command failed (error response, or none after retransmissions).
    CommandFailed {
        /// The line's number, when it was to a line.
        number: Option<String>,
        /// The command.
        verb: Verb,
        /// Why.
        reason: Reason,
    },
    /// A command could not be sent at all.
    NotSent {
        /// The line's number.
        number: String,
        /// The command.
        verb: Verb,
        /// Why.
        error: String,
    },
    /// A datagram that did not parse (answered with the error's code when
    /// it was a command with a readable transaction id).
    Malformed {
        /// Where it came from.
        from: std::net::SocketAddr,
        /// Why.
        error: String,
    },
    /// Something from a gateway the switchboard does not act on: an
    /// endpoint not in the table, or an event out of place.
    Ignored {
        /// The endpoint.
        endpoint: EndpointName,
        /// What and why.
        detail: String,
    },
}

impl fmt::Display for SwitchEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use SwitchEvent::*;
        match self {
            LineIdle { number } => write!(f, "{number}: idle, waiting for off-hook"),
            Tone { number, tone } => write!(f, "{number}: {tone}"),
            LineRestarted { number, method } => write!(f, "{number}: restarted ({method})"),
            LineOutOfService { number, reason } => write!(f, "{number}: out of service: {reason}"),
            OffHook { number } => write!(f, "{number}: off-hook"),
            OnHook { number } => write!(f, "{number}: on-hook"),
            Dialled { number, digits } => write!(f, "{number}: dialled {digits}"),
            DialTimeout { number } => write!(f, "{number}: nothing dialled in time"),
            Rejected {
                caller,
                dialled,
                why,
            } => write!(f, "{caller}: call to {dialled} refused: {why}"),
            Calling {
                call,
                caller,
                callee,
            } => write!(
                f,
                "call {call}: {caller} calls {callee}, creating connections"
            ),
            Ringing {
                call,
                caller,
                callee,
            } => write!(f, "call {call}: {callee} rings, {caller} hears ringback"),
            Answered {
                call,
                caller,
                callee,
            } => write!(f, "call {call}: {callee} answered {caller}"),
            Connected {
                call,
                caller,
                callee,
            } => write!(f, "call {call}: {caller} and {callee} connected both ways"),
            CallEnded {
                call,
                caller,
                callee,
                reason,
            } => write!(f, "call {call}: {caller} to {callee} ended: {reason}"),
            ConnectionDeleted {
                call,
                number,
                connection,
                statistics,
            } => {
                if let Some(c) = call {
                    write!(f, "call {c}: ")?;
                }
                write!(f, "{number}: connection {connection} deleted")?;
                match statistics {
                    Some(s) => write!(f, ", statistics {s}"),
                    None => f.write_str(", no statistics"),
                }
            }
            CommandFailed {
                number,
                verb,
                reason,
            } => match number {
                Some(n) => write!(f, "{n}: {verb} failed: {reason}"),
                None => write!(f, "{verb} failed: {reason}"),
            },
            NotSent {
                number,
                verb,
                error,
            } => write!(f, "{number}: {verb} not sent: {error}"),
            Malformed { from, error } => write!(f, "malformed message from {from}: {error}"),
            Ignored { endpoint, detail } => write!(f, "{endpoint}: ignored {detail}"),
        }
    }
}

//! Protocol-neutral causes: why a call ended, a registration failed or a
//! command was refused, with the protocol's own cause kept beside it.
//!
//! Each stack maps its causes to [`Cause`] and back, and documents the table
//! (SIP status codes in `openphone-sip`, Q.850 cause values in H.323, MGCP
//! return codes in MGCP). The raw value travels along in [`RawCause`] so logs
//! and displays can still say "SIP 486 Busy Here".

use std::fmt;

/// Why something ended or failed, in words every protocol shares.
///
/// ```
/// use openphone_sal::Cause;
/// assert_eq!(Cause::Busy.to_string(), "busy");
/// assert!(Cause::Busy.is_refusal());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cause {
    /// The call ended normally (a party hung up).
    NormalClearing,
    /// The callee is busy.
    Busy,
    /// The callee declined the call.
    Declined,
    /// Nobody answered in time.
    NoAnswer,
    /// The called address does not exist.
    NotFound,
    /// The callee exists but cannot be reached now (offline, unregistered).
    Unavailable,
    /// The request is not allowed for this caller.
    Forbidden,
    /// Credentials were missing or wrong.
    AuthenticationFailed,
    /// The call was redirected elsewhere.
    Redirected,
    /// A protocol timer expired without an answer.
    Timeout,
    /// The network or transport failed (unreachable host, connection lost).
    NetworkError,
    /// No common codec or an unacceptable media description.
    IncompatibleMedia,
    /// The caller gave up before an answer.
    Cancelled,
    /// Another device answered the call.
    AnsweredElsewhere,
    /// The call could not be secured as the policy demands, or a security check failed.
    SecurityFailure,
    /// The peer or the local stack does not support what was asked.
    Unsupported,
    /// The request was malformed or not valid in the current state.
    InvalidRequest,
    /// Too many calls or requests: the peer or network is congested.
    Congestion,
    /// The peer (or server) failed internally.
    ServerError,
    /// The call was replaced by another (attended transfer).
    Replaced,
    /// The operation needs an established call, and the call is not.
    NotEstablished,
    /// Anything else.
    Other,
}

impl Cause {
    /// True for causes that mean the far end (or the network) refused the call
    /// rather than a party ending an established one.
    pub fn is_refusal(self) -> bool {
        !matches!(
            self,
            Cause::NormalClearing | Cause::Cancelled | Cause::Replaced
        )
    }

    /// Every cause, for exhaustive mapping tests in stacks.
    pub const ALL: [Cause; 22] = [
        Cause::NormalClearing,
        Cause::Busy,
        Cause::Declined,
        Cause::NoAnswer,
        Cause::NotFound,
        Cause::Unavailable,
        Cause::Forbidden,
        Cause::AuthenticationFailed,
        Cause::Redirected,
        Cause::Timeout,
        Cause::NetworkError,
        Cause::IncompatibleMedia,
        Cause::Cancelled,
        Cause::AnsweredElsewhere,
        Cause::SecurityFailure,
        Cause::Unsupported,
        Cause::InvalidRequest,
        Cause::Congestion,
        Cause::ServerError,
        Cause::Replaced,
        Cause::NotEstablished,
        Cause::Other,
    ];
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cause::NormalClearing => "normal clearing",
            Cause::Busy => "busy",
            Cause::Declined => "declined",
            Cause::NoAnswer => "no answer",
            Cause::NotFound => "not found",
            Cause::Unavailable => "unavailable",
            Cause::Forbidden => "forbidden",
            Cause::AuthenticationFailed => "authentication failed",
            Cause::Redirected => "redirected",
            Cause::Timeout => "timeout",
            Cause::NetworkError => "network error",
            Cause::IncompatibleMedia => "incompatible media",
            Cause::Cancelled => "cancelled",
            Cause::AnsweredElsewhere => "answered elsewhere",
            Cause::SecurityFailure => "security failure",
            Cause::Unsupported => "not supported",
            Cause::InvalidRequest => "invalid request",
            Cause::Congestion => "congestion",
            Cause::ServerError => "server error",
            Cause::Replaced => "replaced",
            Cause::NotEstablished => "not established",
            Cause::Other => "other",
        })
    }
}

/// A protocol's own cause value, kept for logs and display.
///
/// ```
/// use openphone_sal::RawCause;
/// assert_eq!(RawCause::Sip(486).to_string(), "SIP 486");
/// assert_eq!(RawCause::Q850(17).to_string(), "Q.850 cause 17");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RawCause {
    /// A SIP status code (RFC 3261 §21).
    Sip(u16),
    /// A Q.850 cause value (H.323 Release Complete, ISDN).
    Q850(u8),
    /// An MGCP return code (RFC 3435 §2.4).
    Mgcp(u16),
}

impl fmt::Display for RawCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RawCause::Sip(c) => write!(f, "SIP {c}"),
            RawCause::Q850(c) => write!(f, "Q.850 cause {c}"),
            RawCause::Mgcp(c) => write!(f, "MGCP {c}"),
        }
    }
}

/// A neutral cause with the protocol's raw cause and text beside it.
///
/// ```
/// use openphone_sal::{Cause, RawCause, Reason};
/// let r = Reason::new(Cause::Busy).with_raw(RawCause::Sip(486)).with_text("Busy Here");
/// assert_eq!(r.to_string(), "busy (SIP 486 Busy Here)");
/// assert_eq!(Reason::new(Cause::Timeout).to_string(), "timeout");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reason {
    /// The neutral cause.
    pub cause: Cause,
    /// The protocol's own value, when a protocol message carried one.
    pub raw: Option<RawCause>,
    /// The protocol's reason phrase or a local explanation.
    pub text: Option<String>,
}

impl Reason {
    /// A reason with only a neutral cause.
    pub fn new(cause: Cause) -> Self {
        Reason {
            cause,
            raw: None,
            text: None,
        }
    }
    /// Adds the protocol's raw cause.
    pub fn with_raw(mut self, raw: RawCause) -> Self {
        self.raw = Some(raw);
        self
    }
    /// Adds a phrase or explanation.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        let t = text.into();
        self.text = (!t.is_empty()).then_some(t);
        self
    }
}

impl From<Cause> for Reason {
    fn from(cause: Cause) -> Self {
        Reason::new(cause)
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.cause)?;
        match (&self.raw, &self.text) {
            (Some(raw), Some(text)) => write!(f, " ({raw} {text})"),
            (Some(raw), None) => write!(f, " ({raw})"),
            (None, Some(text)) => write!(f, ": {text}"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_a_distinct_name() {
        let mut names: Vec<String> = Cause::ALL.iter().map(|c| c.to_string()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Cause::ALL.len());
    }

    #[test]
    fn reason_prints_local_explanations_after_a_colon() {
        let r = Reason::new(Cause::NetworkError).with_text("connection refused");
        assert_eq!(r.to_string(), "network error: connection refused");
        assert_eq!(Reason::new(Cause::Other).with_text("").text, None);
    }
}

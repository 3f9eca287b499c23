//! Which way media flows.

use std::fmt;

/// Which way media flows, from the describing side's point of view (RFC 3264 §5.1).
///
/// ```
/// use openphone_sal::MediaDirection;
/// assert_eq!(MediaDirection::SendOnly.reversed(), MediaDirection::RecvOnly);
/// assert_eq!(MediaDirection::SendOnly.to_string(), "sendonly");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaDirection {
    /// Send and receive.
    #[default]
    SendRecv,
    /// Send only (e.g. putting the peer on hold).
    SendOnly,
    /// Receive only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl MediaDirection {
    /// The direction the other side must answer with (RFC 3264 §6.1).
    pub fn reversed(self) -> Self {
        match self {
            MediaDirection::SendOnly => MediaDirection::RecvOnly,
            MediaDirection::RecvOnly => MediaDirection::SendOnly,
            d => d,
        }
    }
    /// Whether this side sends.
    pub fn sends(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::SendOnly)
    }
    /// Whether this side receives.
    pub fn receives(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::RecvOnly)
    }
    /// The direction that sends when `send` and receives when `recv`.
    pub fn from_flags(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => MediaDirection::SendRecv,
            (true, false) => MediaDirection::SendOnly,
            (false, true) => MediaDirection::RecvOnly,
            (false, false) => MediaDirection::Inactive,
        }
    }
    /// The direction both `self` and `other` allow.
    pub fn intersect(self, other: MediaDirection) -> Self {
        MediaDirection::from_flags(
            self.sends() && other.sends(),
            self.receives() && other.receives(),
        )
    }
}

impl fmt::Display for MediaDirection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaDirection::SendRecv => "sendrecv",
            MediaDirection::SendOnly => "sendonly",
            MediaDirection::RecvOnly => "recvonly",
            MediaDirection::Inactive => "inactive",
        })
    }
}

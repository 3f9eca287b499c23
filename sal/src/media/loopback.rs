//! Maintenance loops: a call's audio turned back where it came from.

use std::fmt;

/// Where a call's audio is turned back, for line and network tests (MGCP
/// `loopback`/`conttest` and `netwloop`/`netwtest`, RFC 3435 §3.2.2.6).
///
/// While a loop is set the call's audio no longer connects the local user
/// with the peer:
///
/// * [`MediaLoop::Circuit`]: what the local device captures is played back
///   to it (the line hears itself); nothing is sent to the network and what
///   arrives from it is not played.
/// * [`MediaLoop::Network`]: what arrives from the network is decoded and
///   sent back to its sender (through our encoder, so the peer hears itself
///   with one more codec pass); the local device hears nothing and its
///   capture is not sent.
///
/// ```
/// use openphone_sal::MediaLoop;
/// assert_eq!(MediaLoop::Network.to_string(), "network loop");
/// assert!(MediaLoop::default().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaLoop {
    /// Normal operation.
    #[default]
    None,
    /// The local side's audio back to the local side.
    Circuit,
    /// The network side's audio back to the network.
    Network,
}

impl MediaLoop {
    /// Whether no loop is set.
    pub fn is_none(self) -> bool {
        self == MediaLoop::None
    }
}

impl fmt::Display for MediaLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaLoop::None => "no loop",
            MediaLoop::Circuit => "circuit loop",
            MediaLoop::Network => "network loop",
        })
    }
}

//! What a media session reports, through a bounded queue.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use openphone_sal::{MediaEvent, SecurityState};

/// An event of one call's media.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaSessionEvent {
    /// An RFC 4733 digit ended.
    Dtmf {
        /// `0-9 * # A-D`.
        digit: char,
        /// How long it lasted.
        duration: Duration,
    },
    /// No RTP for the configured timeout while receiving (reported once
    /// until RTP comes again).
    RtpTimeout,
    /// The first RTP source was learned: from now on only it is played.
    SourceLearned {
        /// Its address.
        addr: SocketAddr,
    },
    /// The learned source fell silent and another address took over under
    /// the re-learning rule.
    SourceRelearned {
        /// The old source.
        from: SocketAddr,
        /// The new one.
        to: SocketAddr,
    },
    /// The remote SSRC changed (or the sender restarted its sequence).
    RemoteSsrcChanged {
        /// The SSRC we now receive.
        ssrc: u32,
    },
    /// Someone else used our SSRC: we changed it (RFC 3550 §8.2).
    SsrcCollision {
        /// The SSRC we gave up.
        old: u32,
        /// The one we use now.
        new: u32,
    },
    /// The remote source sent RTCP BYE.
    RemoteBye {
        /// Its SSRC.
        ssrc: u32,
    },
    /// The media security changed: SRTP on (with its suite), or a failure.
    Security(SecurityState),
}

impl MediaSessionEvent {
    /// The SAL event this becomes, for those the phone cares about.
    pub fn to_media_event(&self) -> Option<MediaEvent> {
        match self {
            MediaSessionEvent::Dtmf { digit, duration } => Some(MediaEvent::Dtmf {
                digit: *digit,
                duration: *duration,
            }),
            MediaSessionEvent::RtpTimeout => Some(MediaEvent::RtpTimeout),
            MediaSessionEvent::Security(s) => Some(MediaEvent::Security(s.clone())),
            _ => None,
        }
    }
}

/// Events beyond this many unread are dropped (and counted): a caller
/// that never polls cannot grow memory.
const MAX_QUEUED: usize = 32;

/// The bounded event queue (allocated once).
#[derive(Debug)]
pub(super) struct EventQueue {
    q: VecDeque<MediaSessionEvent>,
    pub dropped: u64,
}

impl EventQueue {
    pub fn new() -> Self {
        EventQueue {
            q: VecDeque::with_capacity(MAX_QUEUED),
            dropped: 0,
        }
    }

    pub fn push(&mut self, e: MediaSessionEvent) {
        if self.q.len() >= MAX_QUEUED {
            self.dropped += 1;
            tracing::debug!(event = ?e, "media event queue full: dropped");
            return;
        }
        self.q.push_back(e);
    }

    pub fn pop(&mut self) -> Option<MediaSessionEvent> {
        self.q.pop_front()
    }
}

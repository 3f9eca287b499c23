//! The media contract: how the phone gets RTP sessions for its calls.
//!
//! `openphone-media` implements it with real RTP, codecs and `hal` audio
//! devices; the phone itself knows nothing of RTP.

use std::time::Duration;

use tokio::sync::mpsc;

use crate::{CallId, MediaError, MediaOffer, MediaStats, NegotiatedMedia};

/// Events from a call's media session.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MediaEvent {
    /// An RFC 4733 digit ended.
    Dtmf {
        /// Digit.
        digit: char,
        /// Duration.
        duration: Duration,
    },
    /// No RTP received for the configured timeout while the call expects media.
    RtpTimeout,
    /// The audio source has finished (a file played to its end).
    SourceFinished,
}

/// Where media sessions report events. Never blocks.
#[derive(Debug, Clone)]
pub struct MediaEventSink {
    call: CallId,
    tx: mpsc::UnboundedSender<(CallId, MediaEvent)>,
}

impl MediaEventSink {
    /// Used by the phone (and tests).
    pub fn new(call: CallId, tx: mpsc::UnboundedSender<(CallId, MediaEvent)>) -> Self {
        MediaEventSink { call, tx }
    }
    /// Reports an event; `false` once nobody listens.
    pub fn send(&self, event: MediaEvent) -> bool {
        self.tx.send((self.call, event)).is_ok()
    }
    /// The call this sink reports for.
    pub fn call(&self) -> CallId {
        self.call
    }
}

/// Creates one media session per call.
pub trait MediaEngine: Send + Sync + 'static {
    /// Opens RTP/RTCP sockets for a new call and returns the session, whose
    /// [`CallMedia::local_offer`] the phone passes to the stack.
    fn create_session(
        &self,
        call: CallId,
        events: MediaEventSink,
    ) -> Result<Box<dyn CallMedia>, MediaError>;
}

/// One call's media session.
pub trait CallMedia: Send {
    /// Our address and codecs, in preference order.
    fn local_offer(&self) -> MediaOffer;
    /// Starts or updates media with what offer/answer agreed.
    fn apply(&mut self, negotiated: &NegotiatedMedia) -> Result<(), MediaError>;
    /// Sends one RFC 4733 digit (`0-9*#A-D`) for `duration`.
    fn send_dtmf(&mut self, digit: char, duration: Duration) -> Result<(), MediaError>;
    /// Current statistics.
    fn stats(&self) -> MediaStats;
    /// Stops sending and receiving and releases the sockets.
    fn stop(&mut self);
}

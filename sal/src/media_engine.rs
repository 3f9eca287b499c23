//! The media contracts: how the phone and the stacks get RTP sessions.
//!
//! `openphone-media` implements [`MediaEngine`] with real RTP, codecs and
//! `hal` audio devices; the phone itself knows nothing of RTP. The phone
//! hands each stack a [`StackMedia`] port through which the stack reserves,
//! applies, reads and releases a call's media (an MGCP CRCX reply carries
//! our local description, a DLCX reply our statistics, an H.245
//! OpenLogicalChannelAck our RTP address).

use std::time::Duration;

use tokio::sync::mpsc;

use crate::{
    CallId, MediaDescription, MediaError, MediaLoop, MediaStats, NegotiatedMedia, SecurityState,
};

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
    /// The media security changed (keys agreed, SAS known, failure).
    Security(SecurityState),
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
    /// [`CallMedia::local_description`] the stack offers or answers with.
    fn create_session(
        &self,
        call: CallId,
        events: MediaEventSink,
    ) -> Result<Box<dyn CallMedia>, MediaError>;

    /// Whether sessions can be secured with `method` (an account asking
    /// for a method the engine lacks is refused when it is added).
    fn supports_encryption(&self, method: crate::MediaEncryption) -> bool {
        method == crate::MediaEncryption::None
    }

    /// Mixes these calls into one local conference: each party hears the
    /// others and the local user. Engines without a mixer say so.
    fn join(&self, calls: &[CallId]) -> Result<(), MediaError> {
        let _ = calls;
        Err(MediaError::Unsupported("conference mixing"))
    }

    /// Takes a call out of its conference.
    fn split(&self, call: CallId) -> Result<(), MediaError> {
        let _ = call;
        Err(MediaError::Unsupported("conference mixing"))
    }

    /// `call` arrived while other calls are in progress (`waiting`), or
    /// waits no longer: an engine with a local mixer plays the
    /// call-waiting tone to the local user until the call's media starts
    /// (it is answered) or ends. Engines without a mixer say so.
    fn call_waiting(&self, call: CallId, waiting: bool) -> Result<(), MediaError> {
        let _ = (call, waiting);
        Err(MediaError::Unsupported("call-waiting tone"))
    }

    /// How loud the local user hears `call`, in dB (0 = as received).
    /// Engines without volume control say so.
    fn set_call_volume(&self, call: CallId, db: f32) -> Result<(), MediaError> {
        let _ = (call, db);
        Err(MediaError::Unsupported("volume control"))
    }

    /// Mutes `call` towards the local user and the conference (nobody
    /// hears it), or unmutes it.
    fn set_call_muted(&self, call: CallId, muted: bool) -> Result<(), MediaError> {
        let _ = (call, muted);
        Err(MediaError::Unsupported("mute"))
    }

    /// How loud the local user hears everything, tones included, in dB.
    fn set_master_volume(&self, db: f32) -> Result<(), MediaError> {
        let _ = db;
        Err(MediaError::Unsupported("volume control"))
    }

    /// Mutes the local microphone towards every call, or unmutes it.
    fn set_microphone_muted(&self, muted: bool) -> Result<(), MediaError> {
        let _ = muted;
        Err(MediaError::Unsupported("mute"))
    }
}

/// One call's media session.
pub trait CallMedia: Send {
    /// Our streams, addresses and codecs, in preference order.
    fn local_description(&self) -> MediaDescription;
    /// Starts or updates media with what was agreed. A half not yet agreed
    /// (`send` or `recv` `None`) is simply not started.
    fn apply(&mut self, negotiated: &NegotiatedMedia) -> Result<(), MediaError>;
    /// Sends one RFC 4733 digit (`0-9*#A-D`) for `duration`.
    fn send_dtmf(&mut self, digit: char, duration: Duration) -> Result<(), MediaError>;
    /// Current statistics.
    fn stats(&self) -> MediaStats;
    /// Sets the account's media security policy before the description is
    /// offered or answered: with SDES the description carries our
    /// `a=crypto` keys (on RTP/SAVP when the policy requires encryption,
    /// else the best-effort RTP/AVP form), and a required policy refuses
    /// to [`apply`](Self::apply) media without agreed keys. Sessions that
    /// cannot encrypt accept only [`MediaEncryption::None`](crate::MediaEncryption::None).
    fn set_security(&mut self, policy: crate::SecurityPolicy) -> Result<(), MediaError> {
        if policy.method == crate::MediaEncryption::None {
            return Ok(());
        }
        Err(MediaError::Unsupported("media encryption"))
    }
    /// Current security state.
    fn security(&self) -> SecurityState {
        SecurityState::Clear
    }
    /// Records that the user compared the SAS with the peer.
    fn set_sas_verified(&mut self, verified: bool) -> Result<(), MediaError> {
        let _ = verified;
        Err(MediaError::Unsupported(
            "SAS verification (no ZRTP on this call)",
        ))
    }
    /// Sets or clears a maintenance loop ([`MediaLoop`]). It may be set
    /// before media starts and holds until changed. Sessions that cannot
    /// loop say so.
    fn set_loop(&mut self, mode: MediaLoop) -> Result<(), MediaError> {
        if mode.is_none() {
            return Ok(());
        }
        Err(MediaError::Unsupported("media loops"))
    }
    /// Stops sending and receiving and releases the sockets.
    fn stop(&mut self);
}

/// The narrow media port the phone hands each stack.
///
/// Every method is keyed by the call id. `reserve` is idempotent (it returns
/// the existing endpoint's description); `release` returns the final
/// statistics the first time and `None` after. Implementations never call
/// back into the stack and never block on the network.
pub trait StackMedia: Send + Sync {
    /// Reserves a local media endpoint for `call` (binds its ports) and returns our description.
    fn reserve(&self, call: CallId) -> Result<MediaDescription, MediaError>;
    /// Our description of an already reserved endpoint.
    fn local_description(&self, call: CallId) -> Result<MediaDescription, MediaError>;
    /// Opens or changes the call's media (direction, remote address, codec).
    fn apply(&self, call: CallId, media: &NegotiatedMedia) -> Result<(), MediaError>;
    /// Live (or, once released, final) statistics.
    fn stats(&self, call: CallId) -> Option<MediaStats>;
    /// Closes the endpoint and returns its final statistics.
    fn release(&self, call: CallId) -> Option<MediaStats>;
    /// Sets or clears a maintenance loop on the call's media (MGCP
    /// `loopback`, `netwloop`, ...). Ports without loops say so.
    fn set_loop(&self, call: CallId, mode: MediaLoop) -> Result<(), MediaError> {
        let _ = call;
        if mode.is_none() {
            return Ok(());
        }
        Err(MediaError::Unsupported("media loops"))
    }
}

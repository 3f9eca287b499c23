//! Errors of the per-call media session.

use openphone_sal::{MediaDirection, MediaError};

use crate::dtmf::DtmfError;

/// What a [`MediaSession`](super::MediaSession) call refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// `write_audio` got a frame of the wrong length.
    #[error("audio frame of {got} samples, the session takes {expected}")]
    FrameSize {
        /// Samples per packet time at the codec rate.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// DTMF asked for while the call does not send.
    #[error("cannot send DTMF while the media direction is {0}")]
    NotSending(MediaDirection),
    /// DTMF asked for but the peer did not accept telephone-event.
    #[error("the peer did not accept telephone-event")]
    NoTelephoneEvent,
    /// The digit is not a DTMF digit, or too many are queued.
    #[error(transparent)]
    Dtmf(#[from] DtmfError),
}

impl From<SessionError> for MediaError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NoTelephoneEvent => MediaError::Codec(e.to_string()),
            other => MediaError::Other(other.to_string()),
        }
    }
}

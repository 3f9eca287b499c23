//! Errors from the mixer.

use crate::mixer::PartyId;
use crate::resample::ResampleError;

/// Why a mixer call was refused. Nothing here is fatal: the mixer keeps
/// its previous state when a call fails.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MixerError {
    /// A rate, frame length, tick or party limit outside what the mixer
    /// supports.
    #[error("invalid mixer configuration: {0}")]
    Config(String),
    /// The id names no party (never added, or removed since).
    #[error("unknown party {0}")]
    UnknownParty(PartyId),
    /// The operation makes no sense for the local (device) party.
    #[error("the local party cannot be {0}")]
    LocalParty(&'static str),
    /// [`MixerConfig::max_parties`](crate::mixer::MixerConfig::max_parties)
    /// parties are already mixed.
    #[error("party limit of {0} reached")]
    TooManyParties(usize),
    /// A pushed or pulled frame does not have the party's frame length.
    #[error("expected a frame of {expected} samples, got {got}")]
    FrameSize {
        /// The party's frame length in samples.
        expected: usize,
        /// What was passed.
        got: usize,
    },
    /// A gain that is not a finite number of decibels (NaN or infinite).
    #[error("gain must be a finite number of dB, got {0}")]
    InvalidGain(f32),
    /// Hold music was pushed but none is configured.
    #[error("no hold music source is configured")]
    NoHoldMusic,
    /// A tone that cannot be rendered (see the message).
    #[error("invalid tone: {0}")]
    Tone(String),
    /// The resampler refused a frame (a mixer bug: sizes are fixed at set-up).
    #[error(transparent)]
    Resample(#[from] ResampleError),
}

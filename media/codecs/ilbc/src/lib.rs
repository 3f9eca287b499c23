//! # openphone-ilbc — iLBC speech codec (RFC 3951) in pure Rust
//!
//! The internet Low Bitrate Codec codes 8 kHz speech in independent frames:
//! 20 ms frames of 38 bytes (15.2 kbit/s) or 30 ms frames of 50 bytes
//! (13.33 kbit/s). Each frame carries LPC parameters (split-VQ LSFs), a
//! scalar-quantised "start state" of about 57 residual samples, and
//! multi-stage adaptive-codebook indices for the rest of the residual,
//! coded forward and backward in time from the start state. The decoder
//! adds a pitch-synchronous enhancer and packet-loss concealment.
//!
//! Written from the algorithm description of RFC 3951; the constant tables
//! (codebooks, windows, filters) are the RFC's normative data.
//!
//! ```
//! use openphone_ilbc::{Decoder, Encoder, IlbcMode};
//!
//! let mode = IlbcMode::from_fmtp(Some("mode=20"));
//! let mut enc = Encoder::new(mode);
//! let mut dec = Decoder::new(mode);
//! let pcm: Vec<i16> = (0..160).map(|i| ((i as f32 * 0.2).sin() * 3000.0) as i16).collect();
//! let mut frame = [0u8; 38];
//! assert_eq!(enc.encode(&pcm, &mut frame).unwrap(), 38);
//! let mut out = [0i16; 160];
//! assert_eq!(dec.decode(&frame, &mut out).unwrap(), 160);
//! // A lost packet:
//! dec.conceal(&mut out).unwrap();
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]
// Filter and codebook loops index several arrays in lockstep, as the RFC's
// equations do; iterator chains would hide that.
#![allow(clippy::needless_range_loop)]

mod bits;
mod codebook;
mod decoder;
mod encoder;
mod enhancer;
mod excitation;
mod filters;
mod lpc;
mod mode;
mod plc;
mod search;
mod state;
mod tables;

pub use decoder::Decoder;
pub use encoder::Encoder;
pub use mode::IlbcMode;

/// Whether `frame` is a well-formed frame of `mode` that a decoder decodes
/// (rather than conceals): right length, empty-frame flag clear, and every
/// index in range.
///
/// ```
/// use openphone_ilbc::{is_valid_frame, IlbcMode};
/// let mut frame = [0u8; 38];
/// assert!(!is_valid_frame(IlbcMode::Ms20, &frame)); // start position 0 is invalid
/// frame[2] = 0x04; // start position field (bits 20-21, after the LSFs) = 1
/// assert!(is_valid_frame(IlbcMode::Ms20, &frame));
/// ```
pub fn is_valid_frame(mode: IlbcMode, frame: &[u8]) -> bool {
    if frame.len() != mode.frame_bytes() {
        return false;
    }
    let (p, empty) = bits::unpack(mode, frame);
    !empty && excitation::params_valid(mode, &p)
}

/// Errors of the iLBC encoder and decoder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A payload is not exactly one frame of the configured mode.
    #[error("iLBC frame must be {expected} bytes, got {got}")]
    FrameLength {
        /// Bytes per frame in this mode.
        expected: usize,
        /// Bytes given.
        got: usize,
    },
    /// The PCM input is not exactly one frame.
    #[error("iLBC encoder needs {expected} samples, got {got}")]
    FrameSamples {
        /// Samples per frame in this mode.
        expected: usize,
        /// Samples given.
        got: usize,
    },
    /// An output buffer is too small.
    #[error("output buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Needed.
        need: usize,
        /// Given.
        have: usize,
    },
}

//! GSM 06.10 full-rate speech codec (RPE-LTP, 13 kbit/s) in pure Rust.
//!
//! The encoder and decoder follow the fixed-point algorithm of GSM 06.10
//! (ETSI EN 300 961) §4 step by step, with the standard's saturating basic
//! operators, so their output is bit-exact with the standard (and with
//! libgsm, against whose `toast`/`untoast` the integration tests compare).
//! Frames use the RTP packing of RFC 3551 §4.5.8: 160 samples (20 ms at
//! 8 kHz) become 33 bytes, a 0xD signature nibble followed by the 260
//! parameter bits. Lost frames are concealed per GSM 06.11 (see
//! [`Decoder::conceal`]). Nothing allocates.
//!
//! - [`Encoder`]: 160 samples of 16-bit PCM (the standard's 13-bit samples,
//!   left-justified; the 3 low bits are ignored) → 33 bytes.
//! - [`Decoder`]: 33-byte frames → 160 samples (13-bit, low 3 bits zero);
//!   [`Decoder::decode_into`] takes an RTP payload of several whole frames
//!   and refuses any other length or a missing 0xD signature.
//! - [`FrameParams`]: the 76 coded parameters, packed and unpacked.
//!
//! Verification: `tests/bitexact.rs` generates speech (espeak-ng + sox),
//! silence, full-scale squares and DC, seeded noise, sweeps and impulses,
//! encodes them with libgsm's `toast -l` (raw host-order 16-bit PCM in,
//! concatenated 33-byte frames out) and decodes with `untoast -l`, and
//! requires identical bytes and samples; it also decodes 5000 random
//! frames. The tests fail if `toast` is not installed (Debian
//! `libgsm-tools`).
//!
//! ```
//! use openphone_gsm::{Decoder, Encoder, FRAME_BYTES, FRAME_SAMPLES};
//!
//! let mut encoder = Encoder::new();
//! let mut decoder = Decoder::new();
//! let pcm: [i16; FRAME_SAMPLES] =
//!     core::array::from_fn(|i| ((i as f32 * 0.2).sin() * 8000.0) as i16);
//!
//! let frame: [u8; FRAME_BYTES] = encoder.encode(&pcm);
//! assert_eq!(frame[0] >> 4, 0xD);
//! let decoded: [i16; FRAME_SAMPLES] = decoder.decode(&frame)?;
//! assert_eq!(decoded.len(), 160);
//!
//! // RTP payloads may carry several frames.
//! let mut payload = [0u8; 2 * FRAME_BYTES];
//! payload[..33].copy_from_slice(&frame);
//! payload[33..].copy_from_slice(&encoder.encode(&pcm));
//! let mut out = [0i16; 2 * FRAME_SAMPLES];
//! assert_eq!(decoder.decode_into(&payload, &mut out)?, 320);
//! # Ok::<(), openphone_gsm::Error>(())
//! ```
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod decoder;
mod encoder;
mod frame;
mod lpc;
mod ltp;
mod ops;
mod rpe;
mod short_term;
mod tables;

pub use decoder::Decoder;
pub use encoder::Encoder;
pub use frame::{FrameParams, SubframeParams, FRAME_BYTES, SIGNATURE};

/// PCM samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// Errors from the GSM codec.
///
/// ```
/// use openphone_gsm::{Decoder, Error};
/// let mut dec = Decoder::new();
/// let mut out = [0i16; 160];
/// assert_eq!(dec.decode_into(&[0xD0; 20], &mut out), Err(Error::PayloadLength { len: 20 }));
/// assert_eq!(
///     dec.decode_into(&[0x00; 33], &mut out),
///     Err(Error::BadSignature { frame: 0, found: 0 })
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A payload is not a non-zero whole number of 33-byte frames.
    #[error("GSM payload of {len} bytes is not a non-zero multiple of 33")]
    PayloadLength {
        /// The payload length.
        len: usize,
    },
    /// A frame does not start with the 0xD signature nibble.
    #[error("GSM frame {frame} has signature nibble {found:#x}, expected 0xd")]
    BadSignature {
        /// Index of the offending frame in the payload.
        frame: usize,
        /// The nibble found.
        found: u8,
    },
    /// The PCM input is not exactly one frame.
    #[error("expected {expected} samples, got {got}")]
    FrameSize {
        /// Samples needed.
        expected: usize,
        /// Samples given.
        got: usize,
    },
    /// The output buffer is too small.
    #[error("output buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Needed.
        need: usize,
        /// Given.
        have: usize,
    },
}

//! ITU-T G.722 7 kHz audio coding at 64 kbit/s (mode 1), in pure Rust.
//!
//! Sub-band ADPCM written from Recommendation G.722 (11/88) section 6: a
//! 24-tap QMF splits 16 kHz audio into two 8 kHz sub-bands, coded with 6
//! (lower) and 2 (higher) bits per sample into one octet per input pair.
//! Output is verified bit-exact against spandsp's `g722_encode` /
//! `g722_decode` and against ffmpeg's `g722` encoder and decoder (16-bit
//! linear at 16 kHz) by the integration tests. The decoder saturates the
//! output on overload (as ffmpeg does; spandsp wraps);
//! [`Decoder::decode_octet_wide`] gives the unlimited values.
//!
//! In RTP (RFC 3551) G.722 is static payload type 9 with a clock rate of
//! 8000 although it samples at 16 kHz — a historical error kept for
//! interoperability; 20 ms is 320 samples and 160 octets.
//!
//! ```
//! use openphone_g722::{Decoder, Encoder};
//! let mut enc = Encoder::new();
//! let mut dec = Decoder::new();
//! let pcm: Vec<i16> = (0..640).map(|n| ((n as f32 * 0.15).sin() * 10000.0) as i16).collect();
//! let mut payload = [0u8; 320];
//! let n = enc.encode(&pcm, &mut payload)?;
//! let mut out = [0i16; 640];
//! assert_eq!(dec.decode(&payload[..n], &mut out)?, 640);
//! # Ok::<(), openphone_g722::G722Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod band;
mod codec;
mod qmf;
mod tables;

pub use codec::{Decoder, Encoder};

/// Errors from [`Encoder::encode`] and [`Decoder::decode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum G722Error {
    /// G.722 codes samples in pairs; the input had an odd count.
    #[error("G.722 codes sample pairs; got {0} samples")]
    OddSamples(usize),
    /// The output buffer is too small.
    #[error("output buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Needed.
        need: usize,
        /// Given.
        have: usize,
    },
}

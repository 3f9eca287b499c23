//! ITU-T G.726 ADPCM at 16, 24, 32 and 40 kbit/s, in pure Rust.
//!
//! The algorithm is written from Recommendation G.726 (12/90), section 4
//! ("Computational details"), keeping every fixed-point format of the
//! Recommendation so that the output is bit-exact. It is verified against
//! spandsp's `g726_encode`/`g726_decode` (16-bit linear interworking) and
//! against ffmpeg's `g726`/`g726le` packers, by the integration tests.
//!
//! * [`Encoder`] turns 16-bit linear PCM at 8 kHz into codewords;
//!   [`Decoder`] does the reverse.
//! * [`G726Rate`] selects the bit rate (codeword size 2 to 5 bits).
//! * [`G726Packing`] selects how codewords fill octets: RFC 3551
//!   (`G726-32` etc., first codeword in the low bits) or AAL2
//!   (`AAL2-G726-32` etc., first codeword in the high bits).
//!
//! * The Recommendation's own A-law/µ-law interface is there too
//!   ([`Encoder::encode_g711`], [`Decoder::decode_g711`], [`G711Law`]), with
//!   the synchronous coding adjustment that keeps tandem G.711/G.726
//!   transcoding from accumulating distortion.
//!
//! Nothing allocates; state is a few dozen integers.
//!
//! ```
//! use openphone_g726::{Decoder, Encoder, G726Packing, G726Rate};
//!
//! let mut enc = Encoder::new(G726Rate::Kbps40, G726Packing::Rfc3551);
//! let mut dec = Decoder::new(G726Rate::Kbps40, G726Packing::Rfc3551);
//! let pcm: Vec<i16> = (0..160).map(|n| ((n as f32 * 0.2).sin() * 10000.0) as i16).collect();
//! let mut payload = [0u8; 100]; // 20 ms at 40 kbit/s
//! let n = enc.encode(&pcm, &mut payload)?;
//! let mut out = [0i16; 160];
//! let m = dec.decode(&payload[..n], &mut out)?;
//! assert_eq!(m, 160);
//! // ADPCM converges quickly: the second half tracks the input closely.
//! let err: i64 = pcm[80..].iter().zip(&out[80..]).map(|(a, b)| (*a as i64 - *b as i64).abs()).max().unwrap();
//! assert!(err < 1500, "{err}");
//! # Ok::<(), openphone_g726::G726Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod adpcm;
mod codec;
mod float11;
mod g711;
mod packing;
mod rate;

pub use codec::{Decoder, Encoder};
pub use g711::G711Law;
pub use packing::{pack_codewords, unpack_codewords, G726Packing};
pub use rate::G726Rate;

/// Errors from [`Encoder::encode`] and [`Decoder::decode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum G726Error {
    /// The PCM frame is not a whole number of codeword groups, so its
    /// codewords would not end on an octet boundary.
    #[error("{samples} samples is not a multiple of the {group}-sample codeword group")]
    PartialGroup {
        /// Samples given.
        samples: usize,
        /// Samples per group at this rate.
        group: usize,
    },
    /// The payload ends inside a group of codewords.
    #[error("payload of {len} octets is not a multiple of the {group}-octet codeword group")]
    PartialPayload {
        /// Payload length in octets.
        len: usize,
        /// Octets per group at this rate.
        group: usize,
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

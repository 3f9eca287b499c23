//! Audio codecs: one encoder/decoder pair per format, found through the
//! [`CodecRegistry`] by SDP encoding name and clock rate.
//!
//! Buffers are owned by the caller so that the per-packet path allocates nothing.

mod gsm;
mod traits;

pub use gsm::{gsm_info, GsmDecoder, GsmEncoder};
pub use traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};

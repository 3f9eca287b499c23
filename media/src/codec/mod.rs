//! Audio codecs: one encoder/decoder pair per format, found through the
//! [`CodecRegistry`] by SDP encoding name and clock rate.
//!
//! Buffers are owned by the caller so that the per-packet path allocates nothing.
//!
//! Layout: `traits` (the shared traits), `registry` (lookup and preference
//! order), one module per codec adapter (`g711`, and the adapters over the
//! codec crates). A new adapter adds its `mod` line here and an entry in
//! `CodecRegistry::with_builtin`.

mod traits;

pub mod g711;
mod g722;
mod g726;
mod gsm;
mod ilbc;
#[cfg(feature = "opus")]
pub mod opus;
pub mod plc;
mod registry;
#[cfg(feature = "speex")]
pub mod speex;
#[cfg(feature = "speex")]
mod speex_ffi;
pub mod tool;

pub use g711::{G711Decoder, G711Encoder, Pcma, Pcmu};
pub use g722::{g722_info, G722Decoder, G722Encoder};
pub use g726::{g726_info, g726_info_with, G726Decoder, G726Encoder, G726Packing, G726Rate};
pub use gsm::{gsm_info, GsmDecoder, GsmEncoder};
pub use ilbc::{ilbc_info, IlbcDecoder, IlbcEncoder, IlbcMode};
pub use registry::{
    CodecEntry, CodecRegistry, DecoderFactory, EncoderFactory, FmtpMatcher, FIRST_DYNAMIC_PT,
    TELEPHONE_EVENT_PT,
};
pub use traits::{frame_mut, AudioDecoder, AudioEncoder, CodecError, CodecInfo};

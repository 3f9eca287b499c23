//! Voice quality of a call: the ITU-T G.107 E-model (R factor, MOS),
//! the inputs it needs (codec impairments, loss pattern, delay budget,
//! jitter-buffer delay distribution), a per-call [`QualityReport`], and the
//! RFC 3611 VoIP Metrics block filled from it.
//!
//! Everything here is plain computation over numbers the media path
//! supplies; nothing reads a clock or a socket. See [`report`] for what to
//! feed and [`codecs`] for where each codec's figures come from.

pub mod codecs;
pub mod delay;
pub mod emodel;
pub mod histogram;
pub mod loss;
pub mod report;
pub mod xr_metrics;

pub use codecs::CodecImpairment;
pub use emodel::{mos_cqe, EModel, Rating};
pub use histogram::DelayHistogram;
pub use loss::{LossPattern, PacketOutcome};
pub use report::{CallFigures, QualityReport};
pub use xr_metrics::{voip_metrics, ReceiverSettings};

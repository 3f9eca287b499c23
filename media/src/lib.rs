//! # openphone-media — the media engine
//!
//! RTP/RTCP sessions, the adaptive jitter buffer, codecs behind
//! [`codec::AudioEncoder`]/[`codec::AudioDecoder`], RFC 4733 DTMF, the
//! conference [`mixer`], per-call voice quality (ITU-T G.107 E-model, RFC 3611
//! VoIP metrics) in [`quality`], SRTP/SRTCP keyed by SDES in [`srtp`], and
//! SDP conversion (the SDP model itself is `openphone-sdp`, re-exported in
//! [`sdp`]). [`session::MediaSession`] puts
//! them together as the sans-IO core of one call leg; [`Engine`] drives one
//! per call.
#![warn(missing_docs)]

pub mod codec;
pub mod dtmf;
pub mod engine;
pub mod jitter;
pub mod mixer;
pub mod quality;
pub mod resample;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod srtp;
pub mod zrtp;
pub use engine::{AudioFactory, Engine, EngineConfig, EngineConfigBuilder};

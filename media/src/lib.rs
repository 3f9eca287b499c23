//! # openphone-media — the media engine
//!
//! RTP/RTCP sessions, the adaptive jitter buffer, codecs behind
//! [`codec::AudioEncoder`]/[`codec::AudioDecoder`], RFC 4733 DTMF, and SDP
//! with RFC 3264 offer/answer. [`session::MediaSession`] puts them together
//! as the sans-IO core of one call leg; [`Engine`] drives one per call.
#![warn(missing_docs)]

pub mod codec;
pub mod dtmf;
pub mod engine;
pub mod jitter;
pub mod resample;
pub mod rtp;
pub mod sdp;
pub mod session;
pub use engine::{AudioFactory, Engine, EngineConfig, EngineConfigBuilder};

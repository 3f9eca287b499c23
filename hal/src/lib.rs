//! # openphone-hal — audio devices
//!
//! Audio moves as frames of signed 16-bit mono PCM. A call's media session
//! pulls frames from an [`AudioSource`] (microphone, file, tone) and pushes
//! decoded frames into an [`AudioSink`] (speaker, file, memory).
#![warn(missing_docs)]

mod traits;

pub use traits::{AudioError, AudioSink, AudioSource};

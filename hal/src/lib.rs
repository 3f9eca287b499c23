//! # openphone-hal — audio devices
//!
//! Audio moves as frames of signed 16-bit mono PCM. A call's media session
//! pulls frames from an [`AudioSource`] (microphone, file, tone) and pushes
//! decoded frames into an [`AudioSink`] (speaker, file, memory). Frames may
//! have any length; the media path uses one codec frame, usually 20 ms.
//!
//! Drivers:
//! - [`NullSource`] / [`NullSink`]: silence in, audio discarded (and counted).
//! - [`WavSource`] / [`WavSink`] (feature `wav`): play and record WAV files.
//! - [`MemorySource`] / [`MemorySink`] and [`memory::loopback`]: buffers for
//!   tests and demos.
//! - [`ToneSource`]: single and dual sine tones.
//! - [`alsa::AlsaCapture`] / [`alsa::AlsaPlayback`] (feature `alsa`, Linux):
//!   sound cards through ALSA, with device threads behind lock-free
//!   [`ring::FrameRing`]s and clock drift handled by [`drift`]'s frame slips;
//!   [`alsa::list_devices`] lists the PCMs.
//!
//! [`analysis`] checks recorded audio for tones; [`judge`] decides whether a
//! sent test tone arrived intact (frequency, tone-to-noise ratio, level,
//! dropouts) and whether an RTP packet count fits a call's length.
//!
//! [`line`](mod@line) is the telephone-line side: hook state, digits, ringing,
//! caller-ID and call-progress tones, and the [`LineDevice`] trait that
//! line-card drivers implement.
//!
//! ```
//! use openphone_hal::{analysis, AudioSink, AudioSource, MemorySink, ToneSource};
//!
//! // Play one second of a 1 kHz tone through 20 ms frames into memory…
//! let mut tone = ToneSource::new(8000, 1000.0, 0.5);
//! let mut sink = MemorySink::new(8000);
//! let recording = sink.handle();
//! let mut frame = [0i16; 160];
//! for _ in 0..50 {
//!     tone.read(&mut frame)?;
//!     sink.write(&frame)?;
//! }
//! // …and check what arrived.
//! let samples = recording.samples();
//! assert_eq!(samples.len(), 8000);
//! assert!(analysis::tone_present(&samples, 8000, 1000.0, 5.0));
//! # Ok::<(), openphone_hal::AudioError>(())
//! ```
#![warn(missing_docs)]

#[cfg(feature = "alsa")]
pub mod alsa;
pub mod analysis;
pub mod drift;
pub mod judge;
pub mod line;
pub mod memory;
mod null;
pub mod ring;
mod tone;
mod traits;
#[cfg(feature = "wav")]
mod wav;

pub use line::{
    Cadence, CallerId, Country, HookState, LineDevice, LineError, LineEvent, LineSignal, Tone,
    TonePlan, ToneSpec,
};
pub use memory::{LoopbackSink, LoopbackSource, MemoryHandle, MemorySink, MemorySource};
pub use null::{NullSink, NullSource};
pub use tone::ToneSource;
pub use traits::{AudioError, AudioSink, AudioSource};
#[cfg(feature = "wav")]
pub use wav::{WavSink, WavSource};

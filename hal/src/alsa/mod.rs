//! ALSA capture and playback devices (feature `alsa`, Linux; links the
//! system libasound).
//!
//! [`AlsaCapture`] is an [`AudioSource`](crate::AudioSource) and
//! [`AlsaPlayback`] an [`AudioSink`](crate::AudioSink) over any ALSA PCM
//! name: `default`, `plughw:1`, `hw:0,0`, a name from `~/.asoundrc`, or
//! alsa-lib's `null` (what [`list_devices`] lists). Audio is signed 16-bit
//! mono; the rate asked for (8, 16 or 48 kHz) is what the device gets
//! unless it cannot (`hw:` devices), and then
//! [`sample_rate`](crate::AudioSource::sample_rate) says the rate it took
//! (the media engine resamples).
//!
//! Each device runs its own thread, which alone talks to ALSA, behind a
//! lock-free [`FrameRing`](crate::ring::FrameRing) (the ring the media
//! engine's mixer uses): a call's task never blocks on a device. The thread
//! asks for real-time scheduling (`SCHED_FIFO`) and stays on normal
//! scheduling, with a `tracing` debug line, where that is not permitted.
//!
//! - **Period and buffer**: 10 ms periods (80, 160 or 480 frames at 8, 16
//!   or 48 kHz), which divide every packet time (10, 20, 30 ms), and a
//!   buffer of 4 periods; both configurable in [`AlsaConfig`].
//! - **Xruns**: an overrun or underrun (`EPIPE`) re-prepares the device, a
//!   suspend (`ESTRPIPE`) resumes it (or re-prepares it when the driver
//!   cannot resume); the call goes on, and [`AlsaStats`] counts them.
//! - **Clock drift** between the card and the call: frame slips at the
//!   ring (see [`drift`](crate::drift), which says why and how much).
//! - **Unclocked PCMs**: alsa-lib's `null` and `file` plugins transfer at
//!   once rather than at the sample rate. A device that shows this (a
//!   playback queue empty right after a write, a capture buffer full right
//!   after the start) is paced by the system clock instead, so tests
//!   without a sound card run in real time.
//!
//! ```no_run
//! use openphone_hal::alsa::{AlsaCapture, AlsaConfig, AlsaPlayback};
//! use openphone_hal::{AudioSink, AudioSource};
//!
//! let config = AlsaConfig::new(8000);
//! let mut mic = AlsaCapture::open("default", &config)?;
//! let mut speaker = AlsaPlayback::open("default", &config)?;
//! let mut frame = vec![0i16; 160];
//! for _ in 0..50 {
//!     mic.read(&mut frame)?; // never blocks: silence until audio arrives
//!     speaker.write(&frame)?;
//!     std::thread::sleep(std::time::Duration::from_millis(20));
//! }
//! println!("{:?}", mic.stats());
//! # Ok::<(), openphone_hal::AudioError>(())
//! ```

mod capture;
mod config;
mod list;
mod playback;
mod rt;
mod shared;
mod xrun;

pub use capture::AlsaCapture;
pub use config::AlsaConfig;
pub use list::{list_devices, DeviceInfo};
pub use playback::AlsaPlayback;
pub use shared::AlsaStats;

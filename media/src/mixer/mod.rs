//! Conference mixer and call bridge (sans-IO, fixed buffers).
//!
//! A [`Mixer`] joins *parties* — the local device ([`Mixer::local`]) and
//! any number of call legs — each with its own sample rate (8, 16, 48 kHz…)
//! and frame length. The caller drives it once per tick
//! ([`MixerConfig::tick_ms`]): [`push`](Mixer::push) what each party said,
//! [`mix`](Mixer::mix), then [`pull`](Mixer::pull) what each party hears.
//! It never reads a clock, spawns or does I/O, and after set-up the
//! per-tick calls allocate nothing.
//!
//! # What each party hears
//!
//! Every party that is neither muted nor held adds its audio (scaled by its
//! volume) to one total; a joined party hears the total **minus its own
//! contribution** (an N−1 mix: nobody hears themselves), a held party hears
//! the music on hold or silence. Sums are exact integers, so a party's own
//! signal is removed exactly, not approximately.
//!
//! * **Conference**: every party joined (the default).
//! * **Bridge / call waiting**: [`Mixer::activate`] connects the local user
//!   to one call and holds the others; [`Mixer::play_tone`] adds a tone
//!   (e.g. the call-waiting tone of `openphone_hal::line::TonePlan`) to
//!   the local user's output.
//! * **Volumes**: [`set_volume`](Mixer::set_volume) (how loud a party is
//!   heard), [`set_listen_volume`](Mixer::set_listen_volume) (how loud a
//!   party hears), [`set_master_volume`](Mixer::set_master_volume) (all
//!   outputs), in dB; [`set_muted`](Mixer::set_muted) per party, the local
//!   party's mute being the microphone mute.
//! * **Timing**: a party that pushed nothing for a tick is mixed as silence
//!   ([`PartyStats::late_ticks`]); queues hold at most one spare frame each
//!   way, so a pusher running ahead or a listener not pulling costs bounded
//!   delay (the excess is dropped and counted).
//!
//! # Mixing rate: the highest party rate
//!
//! Parties are brought to one internal rate, mixed, and brought back to
//! their own rate with [`Resampler`](crate::resample::Resampler) (about
//! 5 ms of delay per conversion). By default ([`MixRate::HighestParty`])
//! that rate is the highest rate among the parties, rather than a fixed
//! 16 kHz, because:
//!
//! * when all parties share a rate (all G.711, or all Opus 48 kHz) nothing
//!   is resampled: the mix is bit-exact, adds no delay and costs least;
//! * no party loses bandwidth: a fixed 16 kHz mix would cut a 48 kHz
//!   party (Opus, the sound card, music on hold) to 8 kHz of audio;
//! * a narrowband party loses nothing by being mixed higher: up-sampling
//!   keeps its band intact (a 1 kHz tone from an 8 kHz party reaches a
//!   48 kHz listener within 0.01 dB, see `tests/mixer_quality.rs`).
//!
//! The price is that the rate changes when the fastest party joins or
//! leaves: every resampler is rebuilt then (an allocation, in
//! `add_party`/`remove_party`, not per tick) and restarts, a glitch of
//! about one resampler delay. [`MixRate::Fixed`] pins the rate instead.
//!
//! # Overload: saturation, once
//!
//! Contributions and the total are `i32` with headroom for
//! [`MAX_PARTIES`] full-scale parties at [`MAX_GAIN_DB`], so no addition
//! can wrap or clip. Each listener's final sample is then **saturated**
//! (hard-clipped) to 16 bits and counted in [`PartyStats::clipped`]. A soft
//! clipper was not chosen because it changes every sample near its knee:
//! hard clipping is transparent below full scale (a two-party call at one
//! rate and 0 dB passes bit-exact), and real overloads in a voice
//! conference are rare and brief.
//!
//! # Example
//!
//! ```
//! use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};
//!
//! // Sound card at 48 kHz, 20 ms ticks; a G.711 call and a G.722 call.
//! let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(48_000, 20)))?;
//! let me = m.local();
//! let alice = m.add_party(PartyConfig::new(8000, 20))?;
//! let bob = m.add_party(PartyConfig::new(16_000, 20))?;
//! m.set_volume(bob, -3.0)?; // Bob is loud
//!
//! let (mut to_alice, mut to_bob, mut speaker) = ([0i16; 160], [0i16; 320], [0i16; 960]);
//! for _tick in 0..3 {
//!     m.push(me, &[0; 960])?;        // microphone
//!     m.push(alice, &[100; 160])?;   // decoded from Alice's RTP
//!     m.push(bob, &[0; 320])?;
//!     m.mix()?;
//!     assert!(m.pull(alice, &mut to_alice)?); // encode and send to Alice
//!     m.pull(bob, &mut to_bob)?;
//!     m.pull(me, &mut speaker)?;              // play
//! }
//! // Alice hears Bob and the local user, never herself.
//! assert!(to_alice.iter().all(|&s| s == 0));
//! assert!(speaker.iter().any(|&s| s != 0));
//!
//! // A second call arrives: hold both, talk to Alice alone.
//! m.activate(alice)?;
//! assert!(m.is_held(bob)?);
//! # Ok::<(), openphone_media::mixer::MixerError>(())
//! ```

mod config;
mod controls;
mod error;
mod fifo;
pub(crate) mod gain;
mod id;
mod party;
mod path;
mod state;
mod tick;
mod tone;

pub use config::{
    MixRate, MixerConfig, PartyConfig, MAX_FRAME_MS, MAX_PARTIES, MAX_RATE, MIN_RATE,
};
pub use error::MixerError;
pub use gain::{MAX_GAIN_DB, MIN_GAIN_DB};
pub use id::PartyId;
pub use party::PartyStats;
pub use state::Mixer;
pub use tone::{DBM0_PEAK, RAMP_MS};

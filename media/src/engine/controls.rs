//! Volumes and mutes set through the [`Engine`](super::Engine)'s API and
//! read every tick by whoever plays the call: its own task, or the mixer
//! thread. Atomics only, so setting a volume never waits for a tick and a
//! tick never waits for a setter.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU8, Ordering::Relaxed};

use openphone_sal::MediaLoop;

use crate::mixer::{MAX_GAIN_DB, MIN_GAIN_DB};

/// An `f32` in an `AtomicU32`.
#[derive(Debug, Default)]
pub(crate) struct AtomicDb(AtomicU32);

impl AtomicDb {
    pub(crate) fn load(&self) -> f32 {
        f32::from_bits(self.0.load(Relaxed))
    }
    pub(crate) fn store(&self, db: f32) {
        self.0.store(db.to_bits(), Relaxed);
    }
}

/// A [`MediaLoop`] in an `AtomicU8`.
#[derive(Debug, Default)]
pub(crate) struct AtomicLoop(AtomicU8);

impl AtomicLoop {
    pub(crate) fn load(&self) -> MediaLoop {
        match self.0.load(Relaxed) {
            1 => MediaLoop::Circuit,
            2 => MediaLoop::Network,
            _ => MediaLoop::None,
        }
    }
    pub(crate) fn store(&self, mode: MediaLoop) {
        let v = match mode {
            MediaLoop::Circuit => 1,
            MediaLoop::Network => 2,
            _ => 0,
        };
        self.0.store(v, Relaxed);
    }
}

/// Clamps a volume to the mixer's range; `None` for NaN or infinity.
pub(crate) fn checked_db(db: f32) -> Option<f32> {
    db.is_finite().then(|| db.clamp(MIN_GAIN_DB, MAX_GAIN_DB))
}

/// One call's controls.
#[derive(Debug, Default)]
pub(crate) struct CallControls {
    /// How loud the call is heard (by the local user and, in a conference,
    /// by the other calls), in dB.
    pub(crate) volume_db: AtomicDb,
    /// Nobody hears the call.
    pub(crate) muted: AtomicBool,
    /// We hold the call (its media does not receive): it is neither heard
    /// nor hears the conference. Written by the call's task.
    pub(crate) held: AtomicBool,
    /// Held in the mix by the engine, not (yet) by signalling: set on the
    /// calls already mixed when a waiting call is answered, so the new
    /// caller and the old one never hear each other while the hold is
    /// negotiated; cleared when the call is resumed or conferenced.
    pub(crate) parked: AtomicBool,
    /// A maintenance loop (MGCP `loopback`, `netwloop`): read every tick
    /// by the call's task.
    pub(crate) loop_mode: AtomicLoop,
}

/// The local user's controls.
#[derive(Debug, Default)]
pub(crate) struct LocalControls {
    /// How loud the local user hears everything (calls and tones), in dB.
    pub(crate) master_db: AtomicDb,
    /// Nobody hears the local microphone.
    pub(crate) mic_muted: AtomicBool,
}

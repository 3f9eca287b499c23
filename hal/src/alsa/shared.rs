//! What a device thread shares with its device handle: the stop flag, the
//! counters and the first fatal error.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::drift::{DriftCounters, DriftStats};

/// How long dropping a device waits for its thread to close the PCM (a
/// thread blocked on a stalled FIFO is left to finish on its own).
const JOIN_WAIT: Duration = Duration::from_millis(500);

pub(crate) struct Shared {
    pub name: String,
    pub stop: AtomicBool,
    pub frames: AtomicU64,
    pub xruns: AtomicU64,
    pub suspends: AtomicU64,
    /// 0 not yet known, 1 the device's own clock, 2 paced by the system clock.
    pub clock: AtomicU8,
    pub failure: OnceLock<String>,
    pub drift: Arc<DriftCounters>,
}

impl Shared {
    pub(crate) fn new(name: &str) -> Arc<Shared> {
        Arc::new(Shared {
            name: name.to_string(),
            stop: AtomicBool::new(false),
            frames: AtomicU64::new(0),
            xruns: AtomicU64::new(0),
            suspends: AtomicU64::new(0),
            clock: AtomicU8::new(0),
            failure: OnceLock::new(),
            drift: Arc::new(DriftCounters::default()),
        })
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }

    /// Records a fatal device error (the first one wins) and logs it.
    pub(crate) fn fail(&self, what: &str, e: &alsa::Error) {
        let msg = format!("ALSA {what} device {:?} failed: {e}", self.name);
        tracing::error!("{msg}; the call goes on without it");
        let _ = self.failure.set(msg);
    }

    pub(crate) fn stats(&self) -> AlsaStats {
        AlsaStats {
            frames: self.frames.load(Relaxed),
            xruns: self.xruns.load(Relaxed),
            suspends: self.suspends.load(Relaxed),
            system_paced: self.clock.load(Relaxed) == 2,
            failed: self.failure.get().is_some(),
            drift: self.drift.snapshot(),
        }
    }

    /// Stops the thread and waits a little for it to close the PCM.
    pub(crate) fn stop_and_wait(&self, done: &Receiver<()>) {
        self.stop.store(true, Relaxed);
        match done.recv_timeout(JOIN_WAIT) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => {}
            Err(RecvTimeoutError::Timeout) => {
                tracing::warn!(device = %self.name, "ALSA device thread still blocked; left to finish");
            }
        }
        let s = self.stats();
        tracing::info!(
            device = %self.name,
            frames = s.frames,
            xruns = s.xruns,
            suspends = s.suspends,
            repeated = s.drift.repeated,
            dropped = s.drift.dropped,
            starved = s.drift.starved,
            resyncs = s.drift.resyncs,
            overflows = s.drift.overflows,
            "ALSA device closed"
        );
    }
}

/// A device's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AlsaStats {
    /// Frames (samples) moved to or from the device.
    pub frames: u64,
    /// Overruns (capture) or underruns (playback) recovered (`EPIPE`).
    pub xruns: u64,
    /// Suspends recovered (`ESTRPIPE`).
    pub suspends: u64,
    /// The PCM has no clock of its own (`null`, `file`) and is paced by the
    /// system clock.
    pub system_paced: bool,
    /// The device failed for good; the call carries on with silence.
    pub failed: bool,
    /// The ring's slips and losses (periods).
    pub drift: DriftStats,
}

//! Device threads: real-time scheduling where permitted, and the system
//! clock as pacemaker for PCMs that have no clock of their own.

use std::time::{Duration, Instant};

/// `SCHED_FIFO` priority of device threads: above normal threads, below
/// the kernel's own (50) and the usual audio servers' (rtkit caps at 20).
const PRIORITY: i32 = 10;

/// Asks for `SCHED_FIFO` for the calling thread; falls back silently (a
/// debug line) to normal scheduling where that is not permitted.
pub(crate) fn promote(device: &str) {
    let param = libc::sched_param {
        sched_priority: PRIORITY,
    };
    // SAFETY: `pthread_self()` is the calling, live thread and `param` is a
    // valid `sched_param` that outlives the call, which only reads it.
    let rc = unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
    if rc == 0 {
        tracing::debug!(
            device,
            priority = PRIORITY,
            "ALSA device thread: SCHED_FIFO"
        );
    } else {
        let e = std::io::Error::from_raw_os_error(rc);
        tracing::debug!(device, error = %e, "ALSA device thread: no real-time scheduling, normal priority");
    }
}

/// Keeps a thread from running ahead of the system clock: `wait` returns
/// once `frames` frames at `rate` have had time to pass since the start.
pub(crate) struct Pacer {
    start: Instant,
    rate: u32,
}

impl Pacer {
    pub(crate) fn new(rate: u32) -> Pacer {
        Pacer {
            start: Instant::now(),
            rate: rate.max(1),
        }
    }

    /// Sleeps until `frames` frames' worth of time since the start.
    pub(crate) fn wait(&self, frames: u64) {
        let due = self.start
            + Duration::from_micros(frames.saturating_mul(1_000_000) / u64::from(self.rate));
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
    }
}

//! Clock drift between an audio device and the call: controlled frame slips.
//!
//! A sound card's sample clock and the call's clock (the media engine's
//! packet timer, which follows the far end's RTP stream through the jitter
//! buffer) are different oscillators; ±100 ppm apart is common. Between the
//! two sits a [`FrameRing`]: one side pushes frames at its clock, the other
//! takes them at its own, so the ring's level wanders by the difference
//! (0.8 samples a second at 8 kHz and 100 ppm).
//!
//! [`SlipReader`] is the taking side and keeps the level in a band by
//! *frame slips*, the telephone network's own answer to plesiochronous
//! clocks (controlled slips, ITU-T G.822): when the ring is empty at a take
//! (the taker's clock is faster) the last frame is played once more; when
//! the lowest level seen over a window of takes stays above the band (the
//! giver's clock is faster) one frame is dropped. Frame slips rather than
//! adaptive resampling because the audio is passed through bit-exact between
//! slips (no filter, no added delay, nothing to tune, nothing allocated on a
//! device thread), and at the drifts of real hardware a slip is rare: at
//! 100 ppm with 10 ms frames, one every 100 s, each a 10 ms repeat or cut.
//! Resampling would be the better trade for clocks 1000 ppm or more apart
//! (one slip every 10 s). `tests/drift_slips.rs` measures both.
//!
//! A ring that stays empty (the giver stalled: a device error, a stopped
//! FIFO) is *starvation*, not drift: silence is played and the reader waits
//! for the ring to refill to its target before taking again. A backlog far
//! above the band (the taker paused) is dropped in one go (a *resync*).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use crate::ring::FrameRing;

/// Where the ring's level is held, in frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlipBand {
    /// Frames queued before taking starts (and again after starvation).
    pub target: usize,
    /// A window whose lowest level is above this drops one frame.
    pub high: usize,
    /// Takes per window (100 takes of 10 ms frames: one second).
    pub window: usize,
}

impl Default for SlipBand {
    /// Target 2 frames, high 5, window 100 takes: with 10 ms frames,
    /// 20-50 ms of latency in the ring, decisions once a second (scheduling
    /// jitter of a loaded machine, tens of ms, stays inside the band).
    fn default() -> Self {
        SlipBand {
            target: 2,
            high: 5,
            window: 100,
        }
    }
}

/// What one take gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// The next frame from the ring.
    Frame,
    /// The ring was empty: the last frame again (a slip).
    Repeated,
    /// Silence: waiting for the ring to fill (start, or after starvation).
    Silence,
}

/// Counters shared between a [`SlipReader`], the ring's giver and whoever
/// reports on them (all relaxed atomics: statistics only).
#[derive(Debug, Default)]
pub struct DriftCounters {
    taken: AtomicU64,
    repeated: AtomicU64,
    dropped: AtomicU64,
    starved: AtomicU64,
    flushed: AtomicU64,
    resyncs: AtomicU64,
    overflows: AtomicU64,
}

impl DriftCounters {
    /// Counts a frame the giver could not queue because the ring was full.
    pub fn count_overflow(&self) {
        self.overflows.fetch_add(1, Relaxed);
    }

    /// The counts now.
    pub fn snapshot(&self) -> DriftStats {
        DriftStats {
            taken: self.taken.load(Relaxed),
            repeated: self.repeated.load(Relaxed),
            dropped: self.dropped.load(Relaxed),
            starved: self.starved.load(Relaxed),
            flushed: self.flushed.load(Relaxed),
            resyncs: self.resyncs.load(Relaxed),
            overflows: self.overflows.load(Relaxed),
        }
    }
}

/// A snapshot of [`DriftCounters`], in frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriftStats {
    /// Frames handed to the taker (from the ring, repeated or silent).
    pub taken: u64,
    /// Slips that played a frame twice (the taker's clock is faster).
    pub repeated: u64,
    /// Slips that dropped a frame (the giver's clock is faster).
    pub dropped: u64,
    /// Silent frames played while the ring refilled after running dry.
    pub starved: u64,
    /// Frames thrown away by resyncs.
    pub flushed: u64,
    /// Backlogs far above the band dropped in one go.
    pub resyncs: u64,
    /// Frames the giver lost to a full ring.
    pub overflows: u64,
}

impl DriftStats {
    /// The clock difference the slips corrected, in parts per million of
    /// the frames taken: positive when the taker's clock is the faster.
    pub fn slip_ppm(&self) -> f64 {
        if self.taken == 0 {
            return 0.0;
        }
        (self.repeated as f64 - self.dropped as f64) * 1e6 / self.taken as f64
    }
}

/// The taking side of a [`FrameRing`], holding its level in a [`SlipBand`].
#[derive(Debug)]
pub struct SlipReader {
    ring: Arc<FrameRing>,
    band: SlipBand,
    counters: Arc<DriftCounters>,
    last: Vec<i16>,
    primed: bool,
    started: bool,
    empty_run: u32,
    window_min: usize,
    window_takes: usize,
    /// Samples of the current frame not yet handed out by [`read`](Self::read).
    pending: Vec<i16>,
    pending_at: usize,
}

impl SlipReader {
    /// Takes from `ring`, counting into `counters`.
    pub fn new(ring: Arc<FrameRing>, band: SlipBand, counters: Arc<DriftCounters>) -> SlipReader {
        let n = ring.frame_len();
        let band = SlipBand {
            target: band.target.clamp(1, ring.capacity()),
            high: band.high.max(band.target),
            window: band.window.max(1),
        };
        SlipReader {
            ring,
            band,
            counters,
            last: vec![0; n],
            primed: false,
            started: false,
            empty_run: 0,
            window_min: usize::MAX,
            window_takes: 0,
            pending: vec![0; n],
            pending_at: n,
        }
    }

    /// The counters this reader updates.
    pub fn counters(&self) -> &Arc<DriftCounters> {
        &self.counters
    }

    /// Takes one frame (the ring's frame length) into `out`.
    pub fn take(&mut self, out: &mut [i16]) -> Take {
        self.counters.taken.fetch_add(1, Relaxed);
        let level = self.ring.queued();
        if !self.primed {
            if level < self.band.target {
                out.fill(0);
                if self.started {
                    self.counters.starved.fetch_add(1, Relaxed);
                }
                return Take::Silence;
            }
            self.primed = true;
            self.started = true;
            self.window_min = usize::MAX;
            self.window_takes = 0;
        }
        self.window_min = self.window_min.min(level);
        self.window_takes += 1;
        if self.window_takes >= self.band.window {
            let min = self.window_min;
            if min > 2 * self.band.high {
                // A backlog, not drift: back to the target at once.
                let n = min - self.band.target;
                for _ in 0..n {
                    self.ring.pop(out);
                }
                self.counters.flushed.fetch_add(n as u64, Relaxed);
                self.counters.resyncs.fetch_add(1, Relaxed);
            } else if min > self.band.high {
                self.ring.pop(out);
                self.counters.dropped.fetch_add(1, Relaxed);
            }
            self.window_min = usize::MAX;
            self.window_takes = 0;
        }
        if self.ring.pop(out) {
            self.empty_run = 0;
            if let Some(last) = self.last.get_mut(..out.len()) {
                last.copy_from_slice(out);
            }
            return Take::Frame;
        }
        self.empty_run += 1;
        if self.empty_run == 1 {
            // One frame short: the slip that absorbs drift.
            if let Some(last) = self.last.get(..out.len()) {
                out.copy_from_slice(last);
            }
            self.counters.repeated.fetch_add(1, Relaxed);
            Take::Repeated
        } else {
            // Dry twice running: the giver stalled. Refill before taking.
            out.fill(0);
            self.counters.starved.fetch_add(1, Relaxed);
            self.primed = false;
            Take::Silence
        }
    }

    /// Fills `out` (any length) from successive frames; never blocks.
    pub fn read(&mut self, out: &mut [i16]) {
        let mut done = 0;
        while done < out.len() {
            if self.pending_at >= self.pending.len() {
                let mut frame = std::mem::take(&mut self.pending);
                self.take(&mut frame);
                self.pending = frame;
                self.pending_at = 0;
            }
            let n = (out.len() - done).min(self.pending.len() - self.pending_at);
            if n == 0 {
                break;
            }
            if let (Some(dst), Some(src)) = (
                out.get_mut(done..done + n),
                self.pending.get(self.pending_at..self.pending_at + n),
            ) {
                dst.copy_from_slice(src);
            }
            done += n;
            self.pending_at += n;
        }
    }
}

/// The giving side of a [`FrameRing`] for callers whose chunks are not
/// whole frames: collects samples and queues each completed frame.
#[derive(Debug)]
pub struct FrameWriter {
    ring: Arc<FrameRing>,
    counters: Arc<DriftCounters>,
    frame: Vec<i16>,
    fill: usize,
}

impl FrameWriter {
    /// Gives to `ring`, counting lost frames into `counters`.
    pub fn new(ring: Arc<FrameRing>, counters: Arc<DriftCounters>) -> FrameWriter {
        let n = ring.frame_len();
        FrameWriter {
            ring,
            counters,
            frame: vec![0; n],
            fill: 0,
        }
    }

    /// Queues `samples`; a frame that finds the ring full is dropped and
    /// counted. Never blocks.
    pub fn write(&mut self, mut samples: &[i16]) {
        while !samples.is_empty() {
            let room = self.frame.len() - self.fill;
            let n = room.min(samples.len());
            if let (Some(dst), Some(src)) = (
                self.frame.get_mut(self.fill..self.fill + n),
                samples.get(..n),
            ) {
                dst.copy_from_slice(src);
            }
            self.fill += n;
            samples = samples.get(n..).unwrap_or_default();
            if self.fill == self.frame.len() {
                if !self.ring.push(&self.frame) {
                    self.counters.count_overflow();
                }
                self.fill = 0;
            }
            if self.frame.is_empty() {
                break;
            }
        }
    }

    /// Queues a partial frame, padded with silence.
    pub fn flush(&mut self) {
        if self.fill > 0 {
            if let Some(rest) = self.frame.get_mut(self.fill..) {
                rest.fill(0);
            }
            if !self.ring.push(&self.frame) {
                self.counters.count_overflow();
            }
            self.fill = 0;
        }
    }
}

//! Capture: a device thread reads periods into a ring; the call takes them.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

use alsa::Direction;

use super::config::{open, AlsaConfig, Setup};
use super::rt::{promote, Pacer};
use super::shared::{AlsaStats, Shared};
use super::xrun::recover;
use crate::drift::SlipReader;
use crate::ring::FrameRing;
use crate::{AudioError, AudioSource};

/// A microphone: an ALSA capture PCM as an [`AudioSource`].
///
/// [`read`](AudioSource::read) never blocks: it takes what the device
/// thread captured, with silence before the first periods arrive and
/// frame slips against clock drift (see [`drift`](crate::drift)).
pub struct AlsaCapture {
    rate: u32,
    reader: SlipReader,
    shared: Arc<Shared>,
    done: Receiver<()>,
    failure_reported: bool,
}

impl std::fmt::Debug for AlsaCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlsaCapture")
            .field("device", &self.shared.name)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

impl AlsaCapture {
    /// Opens PCM `name` (e.g. `default`, `plughw:1`) and starts capturing.
    pub fn open(name: &str, config: &AlsaConfig) -> Result<AlsaCapture, AudioError> {
        let setup = open(name, Direction::Capture, config)?;
        let ring = Arc::new(FrameRing::new(setup.period, config.ring_frames.max(4)));
        let shared = Shared::new(name);
        let reader = SlipReader::new(ring.clone(), config.band, shared.drift.clone());
        let rate = setup.rate;
        let (tx, done) = mpsc::channel();
        let thread_shared = shared.clone();
        let realtime = config.realtime;
        std::thread::Builder::new()
            .name(format!("alsa-capture {name}"))
            .spawn(move || {
                if realtime {
                    promote(&thread_shared.name);
                }
                run(setup, &ring, &thread_shared);
                let _ = tx.send(());
            })?;
        Ok(AlsaCapture {
            rate,
            reader,
            shared,
            done,
            failure_reported: false,
        })
    }

    /// The device's counters.
    pub fn stats(&self) -> AlsaStats {
        self.shared.stats()
    }
}

impl AudioSource for AlsaCapture {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        self.reader.read(frame);
        if !self.failure_reported {
            if let Some(msg) = self.shared.failure.get() {
                // Said once; silence from then on.
                self.failure_reported = true;
                return Err(AudioError::Device(msg.clone()));
            }
        }
        Ok(true)
    }
}

impl Drop for AlsaCapture {
    fn drop(&mut self) {
        self.shared.stop_and_wait(&self.done);
    }
}

/// The device thread: read a period, queue it, until stopped or failed.
fn run(setup: Setup, ring: &FrameRing, shared: &Shared) {
    let Setup {
        pcm,
        rate,
        period,
        buffer,
    } = setup;
    let io = match pcm.io_i16() {
        Ok(io) => io,
        Err(e) => return shared.fail("capture", &e),
    };
    if let Err(e) = pcm.start() {
        return shared.fail("capture", &e);
    }
    let mut buf = vec![0i16; period];
    let mut pacer: Option<(Pacer, u64)> = None;
    while !shared.stopping() {
        if let Some((p, frames)) = &pacer {
            // A period is "recorded" once its time has passed.
            p.wait(frames + period as u64);
        }
        let mut got = 0;
        while got < period && !shared.stopping() {
            let Some(rest) = buf.get_mut(got..) else {
                break;
            };
            match io.readi(rest) {
                Ok(n) => got += n,
                Err(e) => {
                    if let Err(e) = recover(&pcm, Direction::Capture, e, shared) {
                        return shared.fail("capture", &e);
                    }
                }
            }
        }
        if got < period {
            break;
        }
        shared.frames.fetch_add(period as u64, Relaxed);
        if !ring.push(&buf) {
            shared.drift.count_overflow();
        }
        match &mut pacer {
            Some((_, frames)) => *frames += period as u64,
            None if shared.clock.load(Relaxed) == 0 => {
                // A clocked device cannot have a full buffer right after
                // its first period; null/file have everything at once.
                let full = pcm
                    .avail_update()
                    .is_ok_and(|a| usize::try_from(a).unwrap_or(0) + period >= buffer);
                if full {
                    tracing::debug!(device = %shared.name, "ALSA capture has no clock; pacing by the system clock");
                    shared.clock.store(2, Relaxed);
                    pacer = Some((Pacer::new(rate), 0));
                } else {
                    shared.clock.store(1, Relaxed);
                }
            }
            None => {}
        }
    }
}

//! Playback: the call queues frames in a ring; a device thread plays them.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;

use alsa::Direction;

use super::config::{open, AlsaConfig, Setup};
use super::rt::{promote, Pacer};
use super::shared::{AlsaStats, Shared};
use super::xrun::recover;
use crate::drift::{FrameWriter, SlipReader};
use crate::ring::FrameRing;
use crate::{AudioError, AudioSink};

/// A speaker: an ALSA playback PCM as an [`AudioSink`].
///
/// [`write`](AudioSink::write) never blocks: it queues the samples for the
/// device thread, which plays silence until enough is queued and slips
/// frames against clock drift (see [`drift`](crate::drift)).
pub struct AlsaPlayback {
    rate: u32,
    writer: FrameWriter,
    shared: Arc<Shared>,
    done: Receiver<()>,
    failure_reported: bool,
}

impl std::fmt::Debug for AlsaPlayback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlsaPlayback")
            .field("device", &self.shared.name)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

impl AlsaPlayback {
    /// Opens PCM `name` (e.g. `default`, `plughw:1`) and starts its thread.
    pub fn open(name: &str, config: &AlsaConfig) -> Result<AlsaPlayback, AudioError> {
        let setup = open(name, Direction::Playback, config)?;
        let ring = Arc::new(FrameRing::new(setup.period, config.ring_frames.max(4)));
        let shared = Shared::new(name);
        let writer = FrameWriter::new(ring.clone(), shared.drift.clone());
        let reader = SlipReader::new(ring, config.band, shared.drift.clone());
        let rate = setup.rate;
        let (tx, done) = mpsc::channel();
        let thread_shared = shared.clone();
        let realtime = config.realtime;
        std::thread::Builder::new()
            .name(format!("alsa-playback {name}"))
            .spawn(move || {
                if realtime {
                    promote(&thread_shared.name);
                }
                run(setup, reader, &thread_shared);
                let _ = tx.send(());
            })?;
        Ok(AlsaPlayback {
            rate,
            writer,
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

impl AudioSink for AlsaPlayback {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn write(&mut self, frame: &[i16]) -> Result<(), AudioError> {
        self.writer.write(frame);
        if !self.failure_reported {
            if let Some(msg) = self.shared.failure.get() {
                self.failure_reported = true;
                return Err(AudioError::Device(msg.clone()));
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), AudioError> {
        self.writer.flush();
        Ok(())
    }
}

impl Drop for AlsaPlayback {
    fn drop(&mut self) {
        self.writer.flush();
        self.shared.stop_and_wait(&self.done);
    }
}

/// The device thread: take a period (or silence, or a slip), write it.
fn run(setup: Setup, mut reader: SlipReader, shared: &Shared) {
    let Setup {
        pcm, rate, period, ..
    } = setup;
    let io = match pcm.io_i16() {
        Ok(io) => io,
        Err(e) => return shared.fail("playback", &e),
    };
    let mut buf = vec![0i16; period];
    let mut pacer: Option<(Pacer, u64)> = None;
    while !shared.stopping() {
        if let Some((p, frames)) = &pacer {
            p.wait(*frames);
        }
        reader.take(&mut buf);
        let mut put = 0;
        while put < period && !shared.stopping() {
            let Some(rest) = buf.get(put..) else { break };
            match io.writei(rest) {
                Ok(n) => put += n,
                Err(e) => {
                    if let Err(e) = recover(&pcm, Direction::Playback, e, shared) {
                        return shared.fail("playback", &e);
                    }
                }
            }
        }
        shared.frames.fetch_add(put as u64, Relaxed);
        match &mut pacer {
            Some((_, frames)) => *frames += period as u64,
            None if shared.clock.load(Relaxed) == 0 && put == period => {
                // A clocked device still holds most of what it was just
                // given; null/file have already consumed it.
                let queued = pcm
                    .delay()
                    .map_or(period, |d| usize::try_from(d).unwrap_or(0));
                if queued < period / 2 {
                    tracing::debug!(device = %shared.name, "ALSA playback has no clock; pacing by the system clock");
                    shared.clock.store(2, Relaxed);
                    pacer = Some((Pacer::new(rate), period as u64));
                } else {
                    shared.clock.store(1, Relaxed);
                }
            }
            None => {}
        }
    }
}

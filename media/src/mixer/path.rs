//! The two halves of every party: audio in (queue → one tick → up to the
//! mixing rate) and audio out (mixing rate → down to the party rate →
//! queue). All buffers are sized here, when a party is added or the
//! mixing rate changes; the per-tick methods only copy and resample.

use crate::mixer::config::{samples, PartyConfig};
use crate::mixer::fifo::Fifo;
use crate::mixer::MixerError;
use crate::resample::Resampler;

/// A resampler, or `None` when the rates match (no copy, no delay).
fn resampler(from: u32, to: u32, len: usize) -> Result<Option<Resampler>, MixerError> {
    if from == to {
        return Ok(None);
    }
    let r = Resampler::new(from, to, len)?;
    // Telephony rates and whole-sample ticks give exact block multiples;
    // refuse anything that would not yield one tick per call.
    let want = len * to as usize / from as usize;
    if r.max_output_len() != want {
        return Err(MixerError::Config(format!(
            "no exact {from} -> {to} Hz resampling for {len}-sample ticks"
        )));
    }
    Ok(Some(r))
}

/// A path's resampler and buffer for a new mixing rate.
#[derive(Debug)]
pub(crate) struct Retarget {
    resampler: Option<Resampler>,
    buf: Vec<i16>,
}

/// Audio coming from a party (or the hold music).
#[derive(Debug)]
pub(crate) struct InputPath {
    rate: u32,
    frame_len: usize,
    queue: Fifo,
    /// One tick at the party rate.
    tick: Vec<i16>,
    up: Option<Resampler>,
    /// One tick at the mixing rate (unused when `up` is `None`).
    mixed: Vec<i16>,
}

impl InputPath {
    pub(crate) fn new(
        cfg: PartyConfig,
        tick_ms: u32,
        mix_rate: u32,
    ) -> Result<InputPath, MixerError> {
        let frame_len = cfg.frame_len();
        let tick_len = samples(cfg.rate, tick_ms);
        let mix_len = samples(mix_rate, tick_ms);
        let up = resampler(cfg.rate, mix_rate, tick_len)?;
        Ok(InputPath {
            rate: cfg.rate,
            frame_len,
            // One frame in use plus one frame of slack for a pusher that
            // runs a little ahead of the tick; more is dropped (oldest).
            queue: Fifo::new(2 * frame_len),
            tick: vec![0; tick_len],
            mixed: if up.is_some() {
                vec![0; mix_len]
            } else {
                Vec::new()
            },
            up,
        })
    }

    /// The resampler and buffer this path needs at another mixing rate,
    /// built without touching the path (so a failure changes nothing).
    pub(crate) fn prepare_rate(&self, tick_ms: u32, mix_rate: u32) -> Result<Retarget, MixerError> {
        let r = resampler(self.rate, mix_rate, self.tick.len())?;
        let buf = if r.is_some() {
            vec![0; samples(mix_rate, tick_ms)]
        } else {
            Vec::new()
        };
        Ok(Retarget { resampler: r, buf })
    }

    /// Switches to what [`prepare_rate`](Self::prepare_rate) built; queued
    /// audio stays.
    pub(crate) fn install(&mut self, r: Retarget) {
        self.up = r.resampler;
        self.mixed = r.buf;
    }

    /// Queues one frame; returns how many old samples were dropped.
    pub(crate) fn push(&mut self, frame: &[i16]) -> Result<usize, MixerError> {
        if frame.len() != self.frame_len {
            return Err(MixerError::FrameSize {
                expected: self.frame_len,
                got: frame.len(),
            });
        }
        Ok(self.queue.push(frame))
    }

    /// Takes the next tick (silence if the party is late) and brings it to
    /// the mixing rate. Returns the tick and whether audio was there.
    pub(crate) fn next_tick(&mut self) -> Result<(&[i16], bool), MixerError> {
        let got = self.queue.pop_exact(&mut self.tick);
        if !got {
            self.tick.fill(0);
        }
        // The resampler runs on silence too, so its history stays in step
        // with time and the tail of the last frame still plays out.
        match &mut self.up {
            None => Ok((&self.tick, got)),
            Some(r) => {
                r.process(&self.tick, &mut self.mixed)?;
                Ok((&self.mixed, got))
            }
        }
    }
}

/// Audio going to a party.
#[derive(Debug)]
pub(crate) struct OutputPath {
    rate: u32,
    frame_len: usize,
    down: Option<Resampler>,
    /// One tick at the party rate (unused when `down` is `None`).
    tick: Vec<i16>,
    queue: Fifo,
}

impl OutputPath {
    pub(crate) fn new(
        cfg: PartyConfig,
        tick_ms: u32,
        mix_rate: u32,
    ) -> Result<OutputPath, MixerError> {
        let frame_len = cfg.frame_len();
        let down = resampler(mix_rate, cfg.rate, samples(mix_rate, tick_ms))?;
        Ok(OutputPath {
            rate: cfg.rate,
            frame_len,
            tick: if down.is_some() {
                vec![0; samples(cfg.rate, tick_ms)]
            } else {
                Vec::new()
            },
            down,
            // A frame being assembled plus one waiting to be pulled.
            queue: Fifo::new(2 * frame_len),
        })
    }

    /// As [`InputPath::prepare_rate`], for the way out.
    pub(crate) fn prepare_rate(&self, tick_ms: u32, mix_rate: u32) -> Result<Retarget, MixerError> {
        let r = resampler(mix_rate, self.rate, samples(mix_rate, tick_ms))?;
        let buf = if r.is_some() {
            vec![0; samples(self.rate, tick_ms)]
        } else {
            Vec::new()
        };
        Ok(Retarget { resampler: r, buf })
    }

    /// Switches to what [`prepare_rate`](Self::prepare_rate) built.
    pub(crate) fn install(&mut self, r: Retarget) {
        self.down = r.resampler;
        self.tick = r.buf;
    }

    /// Brings one mixed tick (`bus`, at the mixing rate) to the party rate,
    /// lets `extra` add to it (tones), and queues it. Returns how many
    /// queued samples were dropped because the party did not pull.
    pub(crate) fn emit(
        &mut self,
        bus: &mut [i16],
        extra: impl FnOnce(&mut [i16]),
    ) -> Result<usize, MixerError> {
        let tick: &mut [i16] = match &mut self.down {
            None => bus,
            Some(r) => {
                r.process(bus, &mut self.tick)?;
                &mut self.tick
            }
        };
        extra(tick);
        Ok(self.queue.push(tick))
    }

    /// Takes one frame if a whole one is ready.
    pub(crate) fn pull(&mut self, out: &mut [i16]) -> Result<bool, MixerError> {
        if out.len() != self.frame_len {
            return Err(MixerError::FrameSize {
                expected: self.frame_len,
                got: out.len(),
            });
        }
        if self.queue.pop_exact(out) {
            Ok(true)
        } else {
            out.fill(0);
            Ok(false)
        }
    }
}

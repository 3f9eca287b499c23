//! One party's state: its two audio paths, its contribution to the mix,
//! its controls and its counters.

use crate::mixer::gain::{saturate, Gain};
use crate::mixer::path::{InputPath, OutputPath, Retarget};
use crate::mixer::tone::ToneGen;
use crate::mixer::{MixerError, PartyConfig};

/// Counters of one party, from [`Mixer::stats`](crate::mixer::Mixer::stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartyStats {
    /// Frames accepted by [`Mixer::push`](crate::mixer::Mixer::push).
    pub frames_pushed: u64,
    /// Frames handed out by [`Mixer::pull`](crate::mixer::Mixer::pull).
    pub frames_pulled: u64,
    /// Ticks for which the party had pushed nothing (mixed as silence).
    pub late_ticks: u64,
    /// Samples dropped because the party pushed more than a frame ahead
    /// of the ticks.
    pub dropped_input: u64,
    /// Samples dropped because the party did not pull its output.
    pub dropped_output: u64,
    /// Output samples that reached full scale and were clipped.
    pub clipped: u64,
}

/// A party's buffers for a new mixing rate.
#[derive(Debug)]
pub(crate) struct PartyRetarget {
    input: Retarget,
    output: Retarget,
    mix_len: usize,
}

/// A party inside the mixer.
#[derive(Debug)]
pub(crate) struct Party {
    pub(crate) cfg: PartyConfig,
    input: InputPath,
    output: OutputPath,
    /// This tick's gained input at the mixing rate.
    contribution: Vec<i32>,
    /// Whether `contribution` is part of this tick's total.
    contributing: bool,
    /// What the party hears this tick, at the mixing rate.
    bus: Vec<i16>,
    pub(crate) gain_db: f32,
    gain: Gain,
    pub(crate) listen_db: f32,
    listen: Gain,
    pub(crate) muted: bool,
    pub(crate) held: bool,
    pub(crate) tone: Option<ToneGen>,
    pub(crate) stats: PartyStats,
}

impl Party {
    pub(crate) fn new(cfg: PartyConfig, tick_ms: u32, mix_rate: u32) -> Result<Party, MixerError> {
        let mix_len = crate::mixer::config::samples(mix_rate, tick_ms);
        Ok(Party {
            cfg,
            input: InputPath::new(cfg, tick_ms, mix_rate)?,
            output: OutputPath::new(cfg, tick_ms, mix_rate)?,
            contribution: vec![0; mix_len],
            contributing: false,
            bus: vec![0; mix_len],
            gain_db: 0.0,
            gain: Gain::UNITY,
            listen_db: 0.0,
            listen: Gain::UNITY,
            muted: false,
            held: false,
            tone: None,
            stats: PartyStats::default(),
        })
    }

    /// Everything the party needs at another mixing rate, built without
    /// touching it.
    pub(crate) fn prepare_rate(
        &self,
        tick_ms: u32,
        mix_rate: u32,
    ) -> Result<PartyRetarget, MixerError> {
        Ok(PartyRetarget {
            input: self.input.prepare_rate(tick_ms, mix_rate)?,
            output: self.output.prepare_rate(tick_ms, mix_rate)?,
            mix_len: crate::mixer::config::samples(mix_rate, tick_ms),
        })
    }

    /// Switches to what [`prepare_rate`](Self::prepare_rate) built.
    pub(crate) fn install(&mut self, r: PartyRetarget) {
        self.input.install(r.input);
        self.output.install(r.output);
        self.contribution = vec![0; r.mix_len];
        self.bus = vec![0; r.mix_len];
    }

    pub(crate) fn set_gain(&mut self, db: f32) -> Result<(), MixerError> {
        self.gain = Gain::from_db(db)?;
        self.gain_db = db;
        Ok(())
    }

    pub(crate) fn set_listen(&mut self, db: f32) -> Result<(), MixerError> {
        self.listen = Gain::from_db(db)?;
        self.listen_db = db;
        Ok(())
    }

    pub(crate) fn push(&mut self, frame: &[i16]) -> Result<(), MixerError> {
        let dropped = self.input.push(frame)?;
        self.stats.frames_pushed += 1;
        self.stats.dropped_input += dropped as u64;
        Ok(())
    }

    pub(crate) fn pull(&mut self, out: &mut [i16]) -> Result<bool, MixerError> {
        let ready = self.output.pull(out)?;
        if ready {
            self.stats.frames_pulled += 1;
        }
        Ok(ready)
    }

    /// Takes this tick's input; returns the contribution to add to the
    /// total, or `None` when the party is muted or held.
    pub(crate) fn gather(&mut self) -> Result<Option<&[i32]>, MixerError> {
        let (tick, got) = self.input.next_tick()?;
        if !got {
            self.stats.late_ticks += 1;
        }
        self.contributing = !self.muted && !self.held;
        if !self.contributing {
            return Ok(None);
        }
        // |sample × max gain| ≤ 32 768 × 15.85 < 2³¹: the cast is lossless.
        for (c, &s) in self.contribution.iter_mut().zip(tick) {
            *c = self.gain.apply(i32::from(s)) as i32;
        }
        Ok(Some(&self.contribution))
    }

    /// Builds what the party hears — the total minus its own contribution,
    /// or the hold source while held — and queues it at the party rate.
    pub(crate) fn deliver(
        &mut self,
        total: &[i32],
        hold: Option<&[i16]>,
        master: Gain,
    ) -> Result<(), MixerError> {
        let g = self.listen.then(master);
        let mut clipped = 0u64;
        let mut put = |b: &mut i16, v: i64| {
            let s = saturate(v);
            clipped += u64::from(i64::from(s) != v);
            *b = s;
        };
        match (self.held, hold) {
            (true, Some(h)) => {
                for (b, &x) in self.bus.iter_mut().zip(h) {
                    put(b, g.apply(i32::from(x)));
                }
            }
            (true, None) => self.bus.fill(0),
            (false, _) if self.contributing => {
                // Integer sums: removing the party's own signal is exact.
                for ((b, &t), &c) in self.bus.iter_mut().zip(total).zip(&self.contribution) {
                    put(b, g.apply(t - c));
                }
            }
            (false, _) => {
                for (b, &t) in self.bus.iter_mut().zip(total) {
                    put(b, g.apply(t));
                }
            }
        }
        let tone = &mut self.tone;
        let dropped = self.output.emit(&mut self.bus, |tick| {
            if let Some(t) = tone {
                clipped += t.add_into(tick, g.linear());
            }
        })?;
        if self.tone.as_ref().is_some_and(ToneGen::finished) {
            self.tone = None;
        }
        self.stats.clipped += clipped;
        self.stats.dropped_output += dropped as u64;
        Ok(())
    }
}

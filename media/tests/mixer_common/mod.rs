//! Helpers shared by the mixer tests: tone sources, a Goertzel level
//! meter, and a driver that runs a mixer tick by tick.

#![allow(dead_code)] // each test file uses its own subset

use std::f64::consts::TAU;

use openphone_media::mixer::{Mixer, MixerError, PartyId};

/// A sine of `freq` Hz and peak `amp` at `rate`, phase-continuous across
/// frames (sample `n` of the stream is `amp·sin(2π·freq·n/rate)`).
#[derive(Debug, Clone)]
pub struct Sine {
    pub rate: u32,
    pub freq: f64,
    pub amp: f64,
    n: u64,
}

impl Sine {
    pub fn new(rate: u32, freq: f64, amp: f64) -> Sine {
        Sine {
            rate,
            freq,
            amp,
            n: 0,
        }
    }

    pub fn fill(&mut self, out: &mut [i16]) {
        for s in out {
            let t = self.n as f64 / f64::from(self.rate);
            *s = (self.amp * (TAU * self.freq * t).sin()).round() as i16;
            self.n += 1;
        }
    }
}

/// Peak amplitude of the `freq` component of `x` (Goertzel; exact for a
/// sine on a bin, i.e. a whole number of periods in `x`).
pub fn goertzel(x: &[i16], rate: u32, freq: f64) -> f64 {
    let w = TAU * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s = f64::from(v) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power.max(0.0).sqrt() / x.len() as f64
}

/// `a / b` in dB (amplitudes).
pub fn db(a: f64, b: f64) -> f64 {
    20.0 * (a / b).log10()
}

/// Mean power of `x`.
pub fn power(x: &[i16]) -> f64 {
    x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / x.len() as f64
}

/// What a test party sends each tick.
pub enum Source {
    Silent,
    Tone(Sine),
    /// Nothing pushed (a late party).
    Absent,
}

/// A party under test: its id, frame length, source and everything it
/// heard.
pub struct Probe {
    pub id: PartyId,
    pub rate: u32,
    pub frame: Vec<i16>,
    pub source: Source,
    pub heard: Vec<i16>,
}

impl Probe {
    pub fn new(m: &Mixer, id: PartyId, source: Source) -> Probe {
        let cfg = m.party_config(id).unwrap();
        Probe {
            id,
            rate: cfg.rate,
            frame: vec![0; cfg.frame_len()],
            source,
            heard: Vec::new(),
        }
    }

    /// Samples per ms at this party's rate.
    pub fn per_ms(&self) -> usize {
        self.rate as usize / 1000
    }

    /// What was heard between `from_ms` and `to_ms` of the run.
    pub fn window(&self, from_ms: usize, to_ms: usize) -> &[i16] {
        &self.heard[from_ms * self.per_ms()..to_ms * self.per_ms()]
    }
}

/// Runs `ticks` ticks: every probe pushes a frame from its source (when its
/// frame is due), the mixer mixes, every probe pulls what is ready.
pub fn run(m: &mut Mixer, probes: &mut [Probe], ticks: usize) -> Result<(), MixerError> {
    let tick_ms = m.tick_ms();
    for _ in 0..ticks {
        let t = m.ticks();
        for p in probes.iter_mut() {
            let frame_ms = (p.frame.len() * 1000 / p.rate as usize) as u64;
            if (t * u64::from(tick_ms)) % frame_ms != 0 {
                continue;
            }
            match &mut p.source {
                Source::Silent => {
                    p.frame.fill(0);
                    m.push(p.id, &p.frame)?;
                }
                Source::Tone(s) => {
                    s.fill(&mut p.frame);
                    m.push(p.id, &p.frame)?;
                }
                Source::Absent => {}
            }
        }
        m.mix()?;
        for p in probes.iter_mut() {
            if m.pull(p.id, &mut p.frame)? {
                p.heard.extend_from_slice(&p.frame);
            }
        }
    }
    Ok(())
}

//! Renders a call-progress tone ([`ToneSpec`] from `openphone-hal`, e.g. a
//! country's call-waiting tone from its `TonePlan`) into a party's output.
//!
//! Levels follow G.711's digital reference: a sine of +3.17 dBm0 just
//! reaches the μ-law overload point (8 159 in the 14-bit scale, 32 636 in
//! 16-bit samples), so 0 dBm0 is a sine of peak [`DBM0_PEAK`]. Each listed
//! frequency sounds at the spec's level; a modulated tone (`f1×f2` in E.180
//! notation) is multiplied by a full-depth envelope ½(1 + sin 2πf₂t).
//! On/off edges are ramped over [`RAMP_MS`] so the cadence does not click.
//! Everything is fixed-size: starting a tone allocates nothing.

use std::f64::consts::TAU;
use std::time::Duration;

use openphone_hal::line::{TonePattern, ToneSpec, MAX_CADENCE_SEGMENTS};

use crate::mixer::gain::saturate;
use crate::mixer::MixerError;

/// Peak in 16-bit samples of a 0 dBm0 sine: 32 636 / 10^(3.17/20).
pub const DBM0_PEAK: f64 = 22_662.0;
/// The level at which a sine reaches full scale (G.711 μ-law).
const OVERLOAD_DBM0: f32 = 3.17;
/// Length of the on/off ramps in ms.
pub const RAMP_MS: f64 = 2.0;
/// Most simultaneous frequencies in a tone (E.180 tones use up to three).
const MAX_COMPONENTS: usize = 4;

/// What the cadence does once its cycles are over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// Following the cadence.
    Cadence,
    /// Sounding without interruption.
    Steady,
    /// Silent for good.
    Done,
}

/// A running tone at one sample rate.
#[derive(Debug, Clone)]
pub(crate) struct ToneGen {
    steps: [f64; MAX_COMPONENTS],
    phases: [f64; MAX_COMPONENTS],
    components: usize,
    /// (phase step, phase) of the amplitude modulation, if any.
    modulation: Option<(f64, f64)>,
    peak: f64,
    /// (on, off) lengths in samples.
    segments: [(u64, u64); MAX_CADENCE_SEGMENTS],
    segment_count: usize,
    /// Cycles still to play; `None` repeats forever.
    cycles_left: Option<u32>,
    after_cycles: Gate,
    gate: Gate,
    segment: usize,
    on: bool,
    remaining: u64,
    envelope: f64,
    ramp_step: f64,
}

impl ToneGen {
    /// Prepares `spec` for output at `rate` Hz, starting at the first burst.
    pub(crate) fn new(spec: &ToneSpec, rate: u32) -> Result<ToneGen, MixerError> {
        let bad = |why: String| Err(MixerError::Tone(why));
        let nyquist = f64::from(rate) / 2.0;
        let n = spec.frequencies.len();
        if n == 0 || n > MAX_COMPONENTS {
            return bad(format!("1..={MAX_COMPONENTS} frequencies, got {n}"));
        }
        let mut steps = [0.0; MAX_COMPONENTS];
        for (step, &f) in steps.iter_mut().zip(&spec.frequencies) {
            let f = f64::from(f);
            if !(f.is_finite() && f > 0.0 && f < nyquist) {
                return bad(format!("{f} Hz is not within 0..{nyquist} Hz"));
            }
            *step = TAU * f / f64::from(rate);
        }
        let modulation = match spec.modulation_hz {
            None => None,
            Some(m) if m.is_finite() && m > 0.0 && f64::from(m) < nyquist => {
                Some((TAU * f64::from(m) / f64::from(rate), 0.0))
            }
            Some(m) => return bad(format!("modulation of {m} Hz")),
        };
        let level = spec.level_dbm0;
        if !level.is_finite() || level > OVERLOAD_DBM0 {
            return bad(format!("level {level} dBm0 (at most {OVERLOAD_DBM0})"));
        }
        let peak = DBM0_PEAK * 10f64.powf(f64::from(level) / 20.0);

        let to_samples = |d: Duration| (d.as_secs_f64() * f64::from(rate)).round() as u64;
        let mut segments = [(0, 0); MAX_CADENCE_SEGMENTS];
        let (cadence, cycles_left, after_cycles) = match &spec.pattern {
            TonePattern::Continuous => (None, None, Gate::Steady),
            TonePattern::Repeating(c) => (Some(c), None, Gate::Done),
            TonePattern::Bursts { cadence, cycles } => {
                (Some(cadence), Some(u32::from(*cycles)), Gate::Done)
            }
            TonePattern::BurstsThenSteady { cadence, cycles } => {
                (Some(cadence), Some(u32::from(*cycles)), Gate::Steady)
            }
            other => return bad(format!("unsupported pattern {other}")),
        };
        let mut segment_count = 0;
        let mut gate = Gate::Steady;
        if let Some(c) = cadence {
            for (dst, &(on, off)) in segments.iter_mut().zip(c.segments()) {
                *dst = (to_samples(on), to_samples(off));
                segment_count += 1;
            }
            // Sub-sample bursts would make the cadence loop spin forever.
            if segments.iter().all(|&(on, _)| on == 0) {
                return bad(format!("cadence too short to sound at {rate} Hz"));
            }
            gate = if cycles_left == Some(0) {
                after_cycles
            } else {
                Gate::Cadence
            };
        }
        Ok(ToneGen {
            steps,
            phases: [0.0; MAX_COMPONENTS],
            components: n,
            modulation,
            peak,
            segments,
            segment_count,
            cycles_left,
            after_cycles,
            gate,
            segment: 0,
            on: true,
            remaining: segments[0].0,
            envelope: 0.0,
            ramp_step: 1000.0 / (RAMP_MS * f64::from(rate)),
        })
    }

    /// True once the tone has ended (bursts played) and faded out.
    pub(crate) fn finished(&self) -> bool {
        self.gate == Gate::Done && self.envelope <= 0.0
    }

    /// Whether the cadence says "sound" for the next sample; advances it.
    fn next_gate(&mut self) -> bool {
        match self.gate {
            Gate::Steady => return true,
            Gate::Done => return false,
            Gate::Cadence => {}
        }
        // Zero-length halves are skipped; some segment has on > 0 (checked
        // in `new`), so this loop ends within one cycle.
        while self.remaining == 0 {
            if self.on {
                self.on = false;
                self.remaining = self.segments[self.segment].1;
                continue;
            }
            self.segment += 1;
            if self.segment == self.segment_count {
                self.segment = 0;
                if let Some(left) = &mut self.cycles_left {
                    *left -= 1;
                    if *left == 0 {
                        self.gate = self.after_cycles;
                        return self.gate == Gate::Steady;
                    }
                }
            }
            self.on = true;
            self.remaining = self.segments[self.segment].0;
        }
        self.remaining -= 1;
        self.on
    }

    /// Adds the next `out.len()` samples, scaled by `gain`, saturating.
    /// Returns how many samples clipped.
    pub(crate) fn add_into(&mut self, out: &mut [i16], gain: f64) -> u64 {
        let mut clipped = 0;
        let amp = self.peak * gain;
        for s in out.iter_mut() {
            let target = if self.next_gate() { 1.0 } else { 0.0 };
            if self.envelope < target {
                self.envelope = (self.envelope + self.ramp_step).min(1.0);
            } else if self.envelope > target {
                self.envelope = (self.envelope - self.ramp_step).max(0.0);
            }
            if self.envelope <= 0.0 {
                continue; // silent: no need to run the oscillators
            }
            let mut v = 0.0;
            for k in 0..self.components {
                v += self.phases[k].sin();
                self.phases[k] = (self.phases[k] + self.steps[k]) % TAU;
            }
            if let Some((step, phase)) = &mut self.modulation {
                v *= 0.5 * (1.0 + phase.sin());
                *phase = (*phase + *step) % TAU;
            }
            let sum = i64::from(*s) + (v * amp * self.envelope).round() as i64;
            let clamped = saturate(sum);
            if i64::from(clamped) != sum {
                clipped += 1;
            }
            *s = clamped;
        }
        clipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openphone_hal::line::{Cadence, Country, Tone, TonePlan};

    fn spec(freqs: &[f32], level: f32, pattern: TonePattern) -> ToneSpec {
        let mut s = TonePlan::for_country(Country::Us)
            .tone(Tone::CallWaiting)
            .clone();
        s.frequencies = freqs.to_vec();
        s.level_dbm0 = level;
        s.pattern = pattern;
        s
    }

    fn on_samples(x: &[i16]) -> usize {
        x.iter().filter(|&&v| v != 0).count()
    }

    #[test]
    fn level_follows_dbm0() {
        let s = spec(&[1000.0], 0.0, TonePattern::Continuous);
        let mut g = ToneGen::new(&s, 8000).unwrap();
        let mut out = vec![0i16; 8000];
        g.add_into(&mut out, 1.0);
        let peak = out[100..].iter().map(|v| v.unsigned_abs()).max().unwrap();
        assert!((f64::from(peak) - DBM0_PEAK).abs() < 2.0, "peak {peak}");
        let mut g = ToneGen::new(&s, 8000).unwrap();
        let mut out = vec![0i16; 8000];
        g.add_into(&mut out, 0.5);
        let half = out[100..].iter().map(|v| v.unsigned_abs()).max().unwrap();
        assert!((f64::from(half) - DBM0_PEAK / 2.0).abs() < 2.0);
    }

    #[test]
    fn cadence_repeats_and_bursts_end() {
        let c = Cadence::from_millis(&[(300, 700)]).unwrap();
        let s = spec(&[440.0], -13.0, TonePattern::Repeating(c.clone()));
        let mut g = ToneGen::new(&s, 8000).unwrap();
        let mut out = vec![0i16; 16_000]; // 2 s: two bursts of 300 ms
        g.add_into(&mut out, 1.0);
        let first = on_samples(&out[..8000]);
        let second = on_samples(&out[8000..]);
        // 300 ms plus the 2 ms fade-out, minus a few zero crossings.
        assert!((2380..=2420).contains(&first), "{first}");
        assert!((2380..=2420).contains(&second), "{second}");
        assert!(!g.finished());

        let s = spec(
            &[440.0],
            -13.0,
            TonePattern::Bursts {
                cadence: c,
                cycles: 1,
            },
        );
        let mut g = ToneGen::new(&s, 8000).unwrap();
        let mut out = vec![0i16; 16_000];
        g.add_into(&mut out, 1.0);
        assert!(on_samples(&out[..8000]) > 2000);
        assert_eq!(on_samples(&out[8000..]), 0);
        assert!(g.finished());
    }

    #[test]
    fn bursts_then_steady_and_modulation() {
        let c = Cadence::from_millis(&[(100, 100)]).unwrap();
        let mut s = spec(
            &[400.0],
            -10.0,
            TonePattern::BurstsThenSteady {
                cadence: c,
                cycles: 2,
            },
        );
        s.modulation_hz = Some(16.0);
        let mut g = ToneGen::new(&s, 8000).unwrap();
        let mut out = vec![0i16; 8000];
        g.add_into(&mut out, 1.0);
        // Off between 100 and 200 ms; steady from 400 ms on (the 16 Hz
        // envelope dips to zero only briefly).
        assert!(on_samples(&out[850..1550]) < 20);
        assert!(on_samples(&out[3300..8000]) > 4000);
    }

    #[test]
    fn rejects_unrenderable_tones() {
        let ok = spec(&[440.0], -13.0, TonePattern::Continuous);
        assert!(ToneGen::new(&ok, 8000).is_ok());
        assert!(ToneGen::new(&spec(&[5000.0], -13.0, TonePattern::Continuous), 8000).is_err());
        assert!(ToneGen::new(&spec(&[], -13.0, TonePattern::Continuous), 8000).is_err());
        assert!(ToneGen::new(&spec(&[440.0], 10.0, TonePattern::Continuous), 8000).is_err());
        assert!(ToneGen::new(&spec(&[f32::NAN], -13.0, TonePattern::Continuous), 8000).is_err());
        let tiny = Cadence::new(&[(Duration::from_micros(10), Duration::from_millis(5))]).unwrap();
        assert!(ToneGen::new(&spec(&[440.0], -13.0, TonePattern::Repeating(tiny)), 8000).is_err());
    }
}

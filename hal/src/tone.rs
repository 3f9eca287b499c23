//! A sine generator: single tones for tests and prompts, dual tones for
//! call-progress signals (e.g. 350 + 440 Hz dial tone).

use std::f64::consts::TAU;
use std::time::Duration;

use crate::traits::{AudioError, AudioSource};

/// Generates one or two summed sines at a fixed amplitude.
///
/// `amplitude` is the peak of the whole signal as a fraction of full scale
/// (0.0–1.0, clamped); a dual tone splits it equally between its two sines
/// so the sum never clips.
///
/// ```
/// use openphone_hal::{analysis, AudioSource, ToneSource};
/// let mut tone = ToneSource::new(8000, 1000.0, 0.5);
/// let mut frame = vec![0i16; 1600];
/// tone.read(&mut frame).unwrap();
/// assert!(analysis::tone_present(&frame, 8000, 1000.0, 5.0));
/// ```
#[derive(Debug, Clone)]
pub struct ToneSource {
    rate: u32,
    /// (phase increment per sample in radians, peak in sample units).
    sines: Vec<(f64, f64)>,
    /// Sample index: phase is computed from it, so there is no drift.
    n: u64,
    /// Samples to produce before ending, or `None` for forever.
    limit: Option<u64>,
}

impl ToneSource {
    /// A single sine of `freq_hz` at `rate`.
    pub fn new(rate: u32, freq_hz: f32, amplitude: f32) -> Self {
        Self::build(rate, &[freq_hz], amplitude)
    }

    /// The sum of two sines (`f1` + `f2`), each at half of `amplitude`.
    pub fn dual(rate: u32, f1: f32, f2: f32, amplitude: f32) -> Self {
        Self::build(rate, &[f1, f2], amplitude)
    }

    fn build(rate: u32, freqs: &[f32], amplitude: f32) -> Self {
        let amp = if amplitude.is_finite() {
            f64::from(amplitude.clamp(0.0, 1.0))
        } else {
            0.0
        };
        let per = amp * 32767.0 / freqs.len().max(1) as f64;
        let rate_f = f64::from(rate.max(1));
        let sines = freqs
            .iter()
            .map(|&f| {
                let f = if f.is_finite() { f64::from(f) } else { 0.0 };
                (TAU * f / rate_f, per)
            })
            .collect();
        ToneSource {
            rate,
            sines,
            n: 0,
            limit: None,
        }
    }

    /// Ends the tone after `duration` (then `read` returns `Ok(false)`).
    pub fn with_duration(mut self, duration: Duration) -> Self {
        let samples = duration.as_secs_f64() * f64::from(self.rate);
        self.limit = Some(samples.round() as u64);
        self
    }

    /// The next sample, `None` once the duration is over.
    fn next_sample(&mut self) -> Option<i16> {
        if self.limit.is_some_and(|l| self.n >= l) {
            return None;
        }
        // Reduce the index modulo 2^40 before converting so the phase stays
        // precise in f64 (a glitch once every ~265 days at 48 kHz).
        let n = (self.n % (1 << 40)) as f64;
        let v: f64 = self.sines.iter().map(|&(w, a)| a * (w * n).sin()).sum();
        self.n += 1;
        Some(v.round().clamp(-32768.0, 32767.0) as i16)
    }
}

impl AudioSource for ToneSource {
    fn sample_rate(&self) -> u32 {
        self.rate
    }

    fn read(&mut self, frame: &mut [i16]) -> Result<bool, AudioError> {
        let mut live = true;
        for slot in frame.iter_mut() {
            match self.next_sample() {
                Some(s) => *slot = s,
                None => {
                    *slot = 0;
                    live = false;
                }
            }
        }
        Ok(live)
    }
}

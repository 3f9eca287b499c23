//! Tone analysis of recorded audio: which frequency dominates a signal, and
//! whether a given tone is present. The call demo and the interop tests use
//! it to check that audio crossed a call intact.
//!
//! The signal is cut into blocks of about 200 ms (a power of two samples).
//! Blocks quieter than [`SILENCE_RMS`] are ignored. In each loud block a
//! Hann-windowed spectrum locates the strongest frequency and a Goertzel
//! filter refines it to a fraction of a bin; the block is *tonal* when that
//! sine carries at least [`TONE_POWER_RATIO`] of the block's power. White
//! noise spreads its power over all bins and never comes close, speech
//! rarely does; a G.711- or GSM-coded tone keeps most of its power.
//!
//! A signal has a tone when at least half of its loud blocks are tonal; so
//! pauses do not matter, but a tone buried in equally long noise is not
//! reported.
//!
//! ```
//! use openphone_hal::{analysis, AudioSource, ToneSource};
//! let mut frame = vec![0i16; 8000];
//! ToneSource::new(8000, 440.0, 0.3).read(&mut frame).unwrap();
//! let f = analysis::dominant_frequency(&frame, 8000).unwrap();
//! assert!((f - 440.0).abs() < 1.0);
//! assert!(analysis::tone_present(&frame, 8000, 440.0, 3.0));
//! assert!(!analysis::tone_present(&frame, 8000, 1000.0, 3.0));
//! assert_eq!(analysis::dominant_frequency(&[0; 8000], 8000), None);
//! ```

use std::f64::consts::{PI, TAU};

/// Blocks with an RMS below this (in 16-bit sample units, about −50 dBFS)
/// count as silence.
pub const SILENCE_RMS: f64 = 100.0;

/// Share of a block's power a single sine must carry for the block to be tonal.
/// Equal-level dual tones carry 0.5 each, so both are found; Hann leakage
/// one bin away is 0.25, so a neighbouring tone is not mistaken for this one.
pub const TONE_POWER_RATIO: f64 = 0.35;

/// Upper bound on analysed blocks (longer signals are sampled evenly), which
/// bounds the work for hour-long recordings.
const MAX_BLOCKS: usize = 300;

/// Root mean square of `samples` (0 for an empty slice).
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    let sum: f64 = samples.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    (sum / samples.len() as f64).sqrt()
}

/// The frequency (Hz) of the tone that dominates `samples`, or `None` for
/// silence, noise, or a signal too short (< 64 samples) to analyse.
pub fn dominant_frequency(samples: &[i16], rate: u32) -> Option<f32> {
    let analysis = Analyzer::new(samples.len(), rate)?;
    let mut loud = 0usize;
    let mut found: Vec<f64> = Vec::new();
    for block in analysis.blocks(samples) {
        let Some(b) = analysis.prepare(block) else {
            continue;
        };
        loud += 1;
        let (freq, ratio) = analysis.strongest(&b);
        if ratio >= TONE_POWER_RATIO {
            found.push(freq);
        }
    }
    if found.is_empty() || found.len() * 2 < loud {
        return None;
    }
    found.sort_by(f64::total_cmp);
    found.get(found.len() / 2).map(|&f| f as f32)
}

/// True when a tone at `freq` ± `tolerance` Hz dominates the loud parts of
/// `samples` (see the module docs for the exact rule). Silence, noise, and
/// tones at other frequencies give `false`.
pub fn tone_present(samples: &[i16], rate: u32, freq: f32, tolerance: f32) -> bool {
    let Some(analysis) = Analyzer::new(samples.len(), rate) else {
        return false;
    };
    if !freq.is_finite() || !tolerance.is_finite() || freq <= 0.0 {
        return false;
    }
    let freq = f64::from(freq);
    let tol = f64::from(tolerance.max(0.0));
    let mut loud = 0usize;
    let mut tonal = 0usize;
    for block in analysis.blocks(samples) {
        let Some(b) = analysis.prepare(block) else {
            continue;
        };
        loud += 1;
        // Search beyond the tolerance by two bins (the Hann main lobe) so a
        // tone just outside it is found *there* and rejected, rather than its
        // skirt being measured inside the band.
        let margin = 2.0 * analysis.bin_hz;
        let (peak, ratio) = analysis.scan(&b, freq - tol - margin, freq + tol + margin);
        if ratio >= TONE_POWER_RATIO && (peak - freq).abs() <= tol + analysis.bin_hz / 16.0 {
            tonal += 1;
        }
    }
    tonal > 0 && tonal * 2 >= loud
}

/// Block geometry and window for one signal.
struct Analyzer {
    n: usize,
    rate: f64,
    bin_hz: f64,
    window: Vec<f64>,
    window_sum: f64,
}

/// A windowed block and its mean power.
struct Block {
    windowed: Vec<f64>,
    power: f64,
}

impl Analyzer {
    fn new(len: usize, rate: u32) -> Option<Self> {
        if rate == 0 || len < 64 {
            return None;
        }
        let target = (rate as usize / 5).clamp(64, 1 << 14);
        let mut n = 64usize;
        while n * 2 <= target && n * 2 <= len {
            n *= 2;
        }
        let window: Vec<f64> = (0..n)
            .map(|i| 0.5 - 0.5 * (TAU * i as f64 / n as f64).cos())
            .collect();
        let window_sum = window.iter().sum();
        let rate = f64::from(rate);
        Some(Analyzer {
            n,
            rate,
            bin_hz: rate / n as f64,
            window,
            window_sum,
        })
    }

    /// Non-overlapping full blocks, evenly thinned to at most `MAX_BLOCKS`.
    fn blocks<'a>(&self, samples: &'a [i16]) -> impl Iterator<Item = &'a [i16]> {
        let total = samples.len() / self.n;
        let stride = total.div_ceil(MAX_BLOCKS).max(1);
        samples.chunks_exact(self.n).step_by(stride)
    }

    /// Windows a block, or `None` when it is silent.
    fn prepare(&self, block: &[i16]) -> Option<Block> {
        let level = rms(block);
        if level < SILENCE_RMS {
            return None;
        }
        let windowed = block
            .iter()
            .zip(&self.window)
            .map(|(&s, &w)| f64::from(s) * w)
            .collect();
        Some(Block {
            windowed,
            power: level * level,
        })
    }

    /// Share of the block's power carried by a sine at `freq` Hz.
    fn ratio_at(&self, b: &Block, freq: f64) -> f64 {
        let mag2 = goertzel_power(&b.windowed, TAU * freq / self.rate);
        // A sine of amplitude A gives |X| = A·Σw/2, i.e. power A²/2 = 2|X|²/(Σw)².
        let tone_power = 2.0 * mag2 / (self.window_sum * self.window_sum);
        if b.power > 0.0 {
            tone_power / b.power
        } else {
            0.0
        }
    }

    /// The strongest frequency of a block (excluding DC and the first bin)
    /// and its power share.
    fn strongest(&self, b: &Block) -> (f64, f64) {
        let spectrum = power_spectrum(&b.windowed);
        let mut best = 2usize;
        let mut best_val = f64::MIN;
        for (k, &v) in spectrum.iter().enumerate().skip(2) {
            if v > best_val {
                best_val = v;
                best = k;
            }
        }
        let centre = best as f64 * self.bin_hz;
        self.scan(b, centre - self.bin_hz, centre + self.bin_hz)
    }

    /// The frequency in `[lo, hi]` with the largest power share, searched in
    /// steps of 1/16 bin (at most a few hundred probes).
    fn scan(&self, b: &Block, lo: f64, hi: f64) -> (f64, f64) {
        let nyquist = self.rate / 2.0;
        let lo = lo.max(0.0);
        let hi = hi.min(nyquist);
        if hi < lo {
            return (lo, 0.0);
        }
        let mut step = self.bin_hz / 16.0;
        if (hi - lo) / step > 512.0 {
            step = (hi - lo) / 512.0;
        }
        let mut best = (lo, 0.0);
        let mut f = lo;
        while f <= hi {
            let r = self.ratio_at(b, f);
            if r > best.1 {
                best = (f, r);
            }
            f += step;
        }
        best
    }
}

/// |Σ x[n]·e^{−jωn}|² by the Goertzel recurrence (valid for any ω).
fn goertzel_power(x: &[f64], omega: f64) -> f64 {
    let coeff = 2.0 * omega.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0)
}

/// |X[k]|² for k in 0..n/2 of a power-of-two-length real signal
/// (iterative radix-2 FFT).
pub(crate) fn power_spectrum(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut re = x.to_vec();
    let mut im = vec![0.0; n];
    // Bit-reversal permutation.
    let mut j = 0usize;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * PI / len as f64;
        let (wr, wi) = (ang.cos(), ang.sin());
        for start in (0..n).step_by(len) {
            let (mut cr, mut ci) = (1.0f64, 0.0f64);
            for k in 0..len / 2 {
                let a = start + k;
                let b = a + len / 2;
                let (br, bi) = (re[b] * cr - im[b] * ci, re[b] * ci + im[b] * cr);
                re[b] = re[a] - br;
                im[b] = im[a] - bi;
                re[a] += br;
                im[a] += bi;
                let ncr = cr * wr - ci * wi;
                ci = cr * wi + ci * wr;
                cr = ncr;
            }
        }
        len <<= 1;
    }
    re.iter()
        .zip(&im)
        .take(n / 2)
        .map(|(r, i)| r * r + i * i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fft_matches_goertzel_on_bins() {
        let x: Vec<f64> = (0..256).map(|i| ((i * 7919) % 101) as f64 - 50.0).collect();
        let spec = power_spectrum(&x);
        for k in [1usize, 5, 17, 100] {
            let g = goertzel_power(&x, TAU * k as f64 / 256.0);
            assert!(
                (spec[k] - g).abs() <= 1e-6 * g.max(1.0),
                "bin {k}: {} vs {g}",
                spec[k]
            );
        }
    }

    #[test]
    fn short_or_rateless_input_is_not_analysed() {
        assert_eq!(dominant_frequency(&[1000; 63], 8000), None);
        assert_eq!(dominant_frequency(&[1000; 8000], 0), None);
        assert!(!tone_present(&[], 8000, 440.0, 5.0));
    }
}

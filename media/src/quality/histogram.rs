//! A fixed-size histogram of delays for mean and percentiles in constant
//! memory (144 counters, about 620 bytes in all), whatever the call length.
//!
//! Bins are 1 ms wide below 16 ms, then 16 per octave (16–32 ms in 1 ms
//! steps, 32–64 ms in 2 ms, … 2048–4096 ms in 128 ms): the relative error
//! of a percentile is at most half a bin, ≤ 3.2 %, and ≤ 0.5 ms below
//! 32 ms. Delays of 4096 ms or more land in an overflow bin reported as
//! the largest delay seen. The mean, minimum and maximum are exact.
//!
//! ```
//! use std::time::Duration;
//! use openphone_media::quality::histogram::DelayHistogram;
//! let mut h = DelayHistogram::new();
//! for ms in 1..=100 {
//!     h.record(Duration::from_millis(ms));
//! }
//! assert_eq!(h.mean(), Some(Duration::from_micros(50_500)));
//! let p95 = h.quantile(0.95).unwrap().as_secs_f64() * 1000.0;
//! assert!((p95 - 95.0).abs() <= 95.0 * 0.032, "{p95}");
//! ```

use std::time::Duration;

/// Sub-bins per octave.
const PER_OCTAVE: u64 = 16;
/// Octaves above the linear part: 16 ms · 2⁸ = 4096 ms.
const OCTAVES: u64 = 8;
/// Linear 1 ms bins below this (ms).
const LINEAR: u64 = 16;
const BINS: usize = (LINEAR + OCTAVES * PER_OCTAVE) as usize;
/// Microseconds per millisecond.
const US: u64 = 1000;

/// Delay histogram; see the module docs for its resolution.
#[derive(Debug, Clone)]
pub struct DelayHistogram {
    counts: [u32; BINS],
    overflow: u32,
    count: u64,
    sum_us: u64,
    min_us: u64,
    max_us: u64,
}

impl Default for DelayHistogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Bin index of a delay in µs, or `None` for the overflow bin.
fn bin(us: u64) -> Option<usize> {
    let ms = us / US;
    if ms < LINEAR {
        return Some(ms as usize);
    }
    // Octave k covers [16·2^k, 16·2^(k+1)) ms in 16 bins of 2^k ms.
    let k = (63 - (ms / LINEAR).leading_zeros()) as u64;
    if k >= OCTAVES {
        return None;
    }
    let sub = (ms >> k) - LINEAR;
    Some((LINEAR + k * PER_OCTAVE + sub) as usize)
}

/// Lower edge and width of bin `i`, in µs.
fn bin_range(i: usize) -> (u64, u64) {
    let i = i as u64;
    if i < LINEAR {
        return (i * US, US);
    }
    let k = (i - LINEAR) / PER_OCTAVE;
    let sub = (i - LINEAR) % PER_OCTAVE;
    (((LINEAR + sub) << k) * US, (1 << k) * US)
}

impl DelayHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        DelayHistogram {
            counts: [0; BINS],
            overflow: 0,
            count: 0,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
        }
    }

    /// Records one delay (e.g. one played frame's time in the jitter buffer).
    pub fn record(&mut self, delay: Duration) {
        let us = u64::try_from(delay.as_micros()).unwrap_or(u64::MAX);
        match bin(us) {
            Some(i) => self.counts[i] = self.counts[i].saturating_add(1),
            None => self.overflow = self.overflow.saturating_add(1),
        }
        self.count += 1;
        self.sum_us = self.sum_us.saturating_add(us);
        self.min_us = self.min_us.min(us);
        self.max_us = self.max_us.max(us);
    }

    /// Delays recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean, if anything was recorded.
    pub fn mean(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.sum_us / self.count))
    }

    /// Exact maximum, if anything was recorded.
    pub fn max(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.max_us))
    }

    /// Exact minimum, if anything was recorded.
    pub fn min(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.min_us))
    }

    /// The `q`-quantile (0.0–1.0; 0.95 for the 95th percentile): the
    /// middle of the bin holding the ⌈q·n⌉-th smallest delay, kept within
    /// the exact minimum and maximum.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        if self.count == 0 || q.is_nan() {
            return None;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += u64::from(c);
            if seen >= rank {
                let (lo, width) = bin_range(i);
                let mid = (lo + width / 2).clamp(self.min_us, self.max_us);
                return Some(Duration::from_micros(mid));
            }
        }
        // In the overflow bin: the largest delay is the honest answer.
        Some(Duration::from_micros(self.max_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn bins_tile_the_range() {
        // Every bin starts where the previous ended, and bin() inverts bin_range().
        let mut next = 0;
        for i in 0..BINS {
            let (lo, w) = bin_range(i);
            assert_eq!(lo, next, "bin {i}");
            assert_eq!(bin(lo), Some(i));
            assert_eq!(bin(lo + w - 1), Some(i));
            next = lo + w;
        }
        assert_eq!(next, 4096 * US);
        assert_eq!(bin(next), None);
        assert!(std::mem::size_of::<DelayHistogram>() < 640);
    }

    #[test]
    fn empty_and_single() {
        let mut h = DelayHistogram::new();
        assert_eq!((h.mean(), h.quantile(0.95), h.max()), (None, None, None));
        h.record(Duration::from_millis(60));
        // Clamped into [min, max]: exactly the one value.
        assert_eq!(h.quantile(0.95), Some(Duration::from_millis(60)));
        assert_eq!(h.quantile(0.0), Some(Duration::from_millis(60)));
        assert_eq!(h.mean(), Some(Duration::from_millis(60)));
    }

    #[test]
    fn overflow_reports_the_maximum() {
        let mut h = DelayHistogram::new();
        for _ in 0..10 {
            h.record(Duration::from_millis(20));
        }
        h.record(Duration::from_secs(9));
        assert_eq!(h.quantile(1.0), Some(Duration::from_secs(9)));
        assert_eq!(h.max(), Some(Duration::from_secs(9)));
        assert_eq!(h.quantile(0.5), Some(Duration::from_micros(20_500)));
        h.record(Duration::MAX);
        assert_eq!(h.count(), 12);
    }

    #[test]
    fn percentiles_within_stated_error_of_exact() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for _ in 0..20 {
            let mut h = DelayHistogram::new();
            let mut all: Vec<u64> = (0..5000)
                .map(|_| {
                    // Jitter-buffer-like: a base plus an exponential-ish tail.
                    let base = rng.gen_range(20_000..60_000u64);
                    let tail = (-(rng.gen::<f64>().max(1e-12)).ln() * 30_000.0) as u64;
                    base + tail
                })
                .collect();
            for &us in &all {
                h.record(Duration::from_micros(us));
            }
            all.sort_unstable();
            for q in [0.5, 0.9, 0.95, 0.99] {
                let exact = all[((q * all.len() as f64).ceil() as usize).max(1) - 1] as f64;
                let got = h.quantile(q).unwrap().as_micros() as f64;
                assert!(
                    (got - exact).abs() <= exact * 0.032 + 500.0,
                    "q {q}: {got} vs {exact}"
                );
            }
            let mean = all.iter().sum::<u64>() / all.len() as u64;
            assert_eq!(h.mean(), Some(Duration::from_micros(mean)));
        }
    }
}

//! RFC 3389 comfort noise, receive side: the noise level of a CN payload
//! turned into noise of that level.
//!
//! The payload's first byte is the level in −dBov (0–127, top bit unused);
//! reflection coefficients for a spectral model MAY follow (§3.2). We play
//! white noise at the level and ignore the spectrum, which §2 names as the
//! backward-compatible reading ("only the first byte is interpreted").
//! 0 dBov is taken as the overload point of 16-bit PCM, a full-scale
//! square wave (RMS 32,767).
//!
//! The noise comes from a seeded xorshift generator, so a session stays
//! deterministic under test.

/// Comfort-noise generator state.
#[derive(Debug, Clone)]
pub(super) struct ComfortNoise {
    state: u32,
    /// Peak of the uniform noise for the current level (RMS × √3).
    peak: f32,
    /// A CN frame set the level and no speech has played since.
    active: bool,
}

/// Level in −dBov from a CN payload, if it has one.
pub(super) fn noise_level(payload: &[u8]) -> Option<u8> {
    payload.first().map(|b| b & 0x7F)
}

impl ComfortNoise {
    pub fn new(seed: u32) -> Self {
        ComfortNoise {
            // xorshift must not start at zero.
            state: seed | 1,
            peak: 0.0,
            active: false,
        }
    }

    /// Takes the level of a received CN payload and starts playing noise.
    pub fn set_level(&mut self, minus_dbov: u8) {
        let rms = 32_767.0 * 10f32.powf(-(minus_dbov.min(127) as f32) / 20.0);
        self.peak = (rms * 3f32.sqrt()).min(32_767.0);
        self.active = true;
    }

    /// Speech is back: stop the noise.
    pub fn stop(&mut self) {
        self.active = false;
    }

    /// True between a CN frame and the next speech frame.
    pub fn active(&self) -> bool {
        self.active
    }

    fn next(&mut self) -> u32 {
        // xorshift32 (Marsaglia 2003).
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }

    /// Fills `out` with noise at the current level.
    pub fn fill(&mut self, out: &mut [i16]) {
        for s in out {
            // Uniform in [-1, 1).
            let u = (self.next() >> 8) as f32 / (1u32 << 23) as f32 - 1.0;
            *s = (u * self.peak) as i16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(x: &[i16]) -> f64 {
        (x.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    #[test]
    fn level_in_dbov() {
        let mut cn = ComfortNoise::new(7);
        let mut buf = [0i16; 8000];
        for level in [30u8, 50, 70] {
            cn.set_level(level);
            cn.fill(&mut buf);
            let db = 20.0 * (rms(&buf) / 32_767.0).log10();
            assert!(
                (db + level as f64).abs() < 0.5,
                "level {level}: {db:.2} dBov"
            );
        }
        assert_eq!(noise_level(&[0x80 | 40, 1, 2]), Some(40));
        assert_eq!(noise_level(&[]), None);
        cn.set_level(0);
        cn.fill(&mut buf);
        assert!(buf.iter().all(|&s| s > i16::MIN));
    }
}

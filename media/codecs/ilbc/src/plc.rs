//! Packet-loss concealment (RFC 3951 §4.5): the lost frame's excitation is
//! a mix of pitch repetition of the last excitation and a noise-like
//! excitation (randomly lagged copies of it), weighted by how periodic the
//! last frame was, attenuated as the loss burst grows; the last predictor
//! is reused.

use crate::lpc::{Lpc, LPC_ONE};

const MAX_BLOCK: usize = 240;

/// Concealment state: the last frame's excitation and predictor.
#[derive(Debug, Clone)]
pub struct Plc {
    prev_residual: [f32; MAX_BLOCK],
    prev_lpc: Lpc,
    prev_lost: bool,
    lost_samples: usize,
    prev_lag: usize,
    periodicity: f32,
    seed: u32,
}

impl Default for Plc {
    fn default() -> Self {
        Plc {
            prev_residual: [0.0; MAX_BLOCK],
            prev_lpc: LPC_ONE,
            prev_lost: false,
            lost_samples: 0,
            prev_lag: 120,
            periodicity: 0.0,
            seed: 777,
        }
    }
}

/// (correlation measure, normalised periodicity) of the last `range`
/// samples of `buf` against themselves `lag` samples earlier.
fn comp_corr(buf: &[f32], lag: usize, range: usize) -> (f32, f32) {
    let n = buf.len();
    let range = range.min(n.saturating_sub(lag));
    let (mut c, mut e_lag, mut e) = (0.0f32, 0.0f32, 0.0f32);
    for i in n - range..n {
        c += buf[i] * buf[i - lag];
        e_lag += buf[i - lag] * buf[i - lag];
        e += buf[i] * buf[i];
    }
    if e_lag > 0.0 && e > 0.0 {
        (c * c / e_lag, c.abs() / (e_lag.sqrt() * e.sqrt()))
    } else {
        (0.0, 0.0)
    }
}

impl Plc {
    /// Records a correctly received frame.
    pub fn good_frame(&mut self, residual: &[f32], lpc: &Lpc) {
        let n = residual.len().min(MAX_BLOCK);
        self.prev_residual[..n].copy_from_slice(&residual[..n]);
        self.prev_lpc = *lpc;
        self.prev_lost = false;
        self.lost_samples = 0;
    }

    /// Produces the excitation for a lost frame (`out.len()` samples) given
    /// the last pitch estimate, and returns the predictor to use.
    pub fn conceal(&mut self, out: &mut [f32], last_lag: usize) -> Lpc {
        let blockl = out.len().min(MAX_BLOCK);
        let prev = &self.prev_residual[..blockl];
        let (lag, per) = if self.prev_lost {
            (self.prev_lag, self.periodicity)
        } else {
            let lo = last_lag.saturating_sub(3).max(20);
            let hi = (last_lag + 3).min(blockl - 1).max(lo);
            let mut best = (f32::MIN, lo, 0.0);
            for l in lo..=hi {
                let (cc, per) = comp_corr(prev, l, 60);
                if cc > best.0 {
                    best = (cc, l, per);
                }
            }
            (best.1, best.2)
        };
        // Share of pitch repetition versus noise, from the periodicity.
        let pitchfact = {
            let r = per.sqrt();
            if r > 0.7 {
                1.0
            } else if r > 0.4 {
                (r - 0.4) / 0.3
            } else {
                0.0
            }
        };
        let use_lag = if lag < 80 { 2 * lag } else { lag };
        let mut noise = [0.0f32; MAX_BLOCK];
        let mut energy = 0.0f32;
        for i in 0..blockl {
            self.seed = self.seed.wrapping_mul(69069).wrapping_add(1) & 0x7fff_ffff;
            let randlag = 50 + (self.seed % 70) as usize;
            noise[i] = if i < randlag {
                prev[blockl + i - randlag]
            } else {
                noise[i - randlag]
            };
            let pitch = if i < use_lag {
                prev[blockl + i - use_lag]
            } else {
                out[i - use_lag]
            };
            out[i] = pitchfact * pitch + (1.0 - pitchfact) * noise[i];
            energy += out[i] * out[i];
        }
        // Too quiet for pitch repetition to matter: keep only the noise.
        if (energy / blockl as f32).sqrt() < 30.0 {
            out[..blockl].copy_from_slice(&noise[..blockl]);
        }
        // Attenuation by burst length: a gentle 10 % over the first 40 ms,
        // then a per-sample ramp to silence over the following 100 ms (the
        // repetition of already attenuated excitation compounds it).
        for (i, v) in out.iter_mut().enumerate().take(blockl) {
            let t = self.lost_samples + i;
            let g = if t < 320 {
                1.0 - 0.1 * t as f32 / 320.0
            } else {
                (0.9 * (1.0 - (t - 320) as f32 / 800.0)).max(0.0)
            };
            *v *= g;
        }
        self.lost_samples += blockl;
        self.prev_lag = lag;
        self.periodicity = per;
        self.prev_lost = true;
        self.prev_residual[..blockl].copy_from_slice(&out[..blockl]);
        self.prev_lpc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_stays_silent_and_bursts_fade() {
        let mut plc = Plc::default();
        let mut out = [0.0f32; 160];
        plc.conceal(&mut out, 40);
        assert!(out.iter().all(|v| *v == 0.0));
        let voiced: Vec<f32> = (0..160).map(|i| 2000.0 * (i as f32 * 0.16).sin()).collect();
        plc.good_frame(&voiced, &LPC_ONE);
        let mut last = f32::MAX;
        for _ in 0..12 {
            plc.conceal(&mut out, 40);
            let e = out.iter().map(|v| v * v).sum::<f32>();
            assert!(e.is_finite() && e <= last * 1.05);
            last = e;
        }
        assert!(last < 1.0);
    }
}

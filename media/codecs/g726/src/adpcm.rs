//! The G.726 ADPCM state machine, shared by encoder and decoder.
//!
//! Written from ITU-T G.726 (12/90) section 4, block by block, in the
//! Recommendation's fixed-point formats. Variable names follow the
//! Recommendation's (lower-cased); each block is named in a comment. Values
//! are kept in `i32` with their two's complement meaning, which is equal to
//! the Recommendation's modulo arithmetic wherever the range analysis in the
//! comments shows no wrap can happen; where it can (the predictor sums and
//! coefficients) we wrap to 16 bits explicitly as the Recommendation does.

use crate::float11::{fmult, Float11};
use crate::rate::{G726Rate, RateTables};

/// Wraps to 16-bit two's complement, as the Recommendation's `& 65535` does.
#[inline]
fn wrap16(x: i32) -> i32 {
    x as i16 as i32
}

/// The state of one direction of a G.726 coder (section 4.2, reset values
/// from section 4.2 / Table 14 "reset").
#[derive(Debug, Clone)]
pub(crate) struct Adpcm {
    tables: &'static RateTables,
    bits: u32,
    /// Pole coefficients a1, a2 (16-bit TC, Q14).
    a: [i32; 2],
    /// Zero coefficients b1..b6 (16-bit TC, Q14).
    b: [i32; 6],
    /// Quantized differences dq(k-1)..dq(k-6).
    dq: [Float11; 6],
    /// Reconstructed signal sr(k-1), sr(k-2).
    sr: [Float11; 2],
    /// Sign of dq + sez at k-1 and k-2.
    pk: [bool; 2],
    /// Unlocked scale factor (13 bits, 9 fractional).
    yu: i32,
    /// Locked scale factor (19 bits, 15 fractional).
    yl: i32,
    /// Short- and long-term averages of F(I).
    dms: i32,
    dml: i32,
    /// Speed control parameter (10 bits).
    ap: i32,
    /// Tone detected.
    td: bool,
}

/// What the predictor and scale factor say before a sample is coded.
#[derive(Clone, Copy)]
pub(crate) struct Estimate {
    /// Signal estimate (15-bit TC).
    pub se: i32,
    /// Zero-section estimate (15-bit TC).
    pub sez: i32,
    /// Quantizer scale factor (13 bits).
    pub y: i32,
}

impl Adpcm {
    pub fn new(rate: G726Rate) -> Self {
        Adpcm {
            tables: rate.tables(),
            bits: rate.bits_per_sample(),
            a: [0; 2],
            b: [0; 6],
            dq: [Float11::RESET; 6],
            sr: [Float11::RESET; 2],
            pk: [false; 2],
            yu: 544,
            yl: 34816,
            dms: 0,
            dml: 0,
            ap: 0,
            td: false,
        }
    }

    /// FMULT, ACCUM (predictor) and LIMA, MIX (scale factor).
    #[inline]
    pub fn estimate(&self) -> Estimate {
        // ACCUM: the sums are modulo 2^16.
        let mut sezi = 0;
        for (b, dq) in self.b.iter().zip(self.dq.iter()) {
            sezi += fmult(*b, *dq);
        }
        let sezi = wrap16(sezi);
        let sei = wrap16(sezi + fmult(self.a[0], self.sr[0]) + fmult(self.a[1], self.sr[1]));
        // LIMA: AP (10 bits, unsigned) to AL (7 bits).
        let al = if self.ap >= 256 { 64 } else { self.ap >> 2 };
        // MIX: y = al*yu + (1-al)*yl, with the product's magnitude truncated.
        let yl6 = self.yl >> 6;
        let dif = self.yu - yl6;
        let prodm = (dif.abs() * al) >> 6;
        let prod = if dif < 0 { -prodm } else { prodm };
        Estimate {
            se: sei >> 1,
            sez: sezi >> 1,
            y: (yl6 + prod) & 8191,
        }
    }

    /// SUBTA, LOG, SUBTB, QUAN: the codeword for input `sl` (14-bit TC).
    #[inline]
    pub fn quantize(&self, sl: i32, est: &Estimate) -> u8 {
        // SUBTA: |sl| <= 8192, |se| <= 16384: no 16-bit wrap.
        let d = sl - est.se;
        // LOG: DL = EXP * 128 + 7-bit linear mantissa, EXP = floor(log2 |D|).
        let dqm = d.unsigned_abs() & 0x7FFF;
        let exp = if dqm == 0 {
            0
        } else {
            31 - dqm.leading_zeros()
        };
        let mant = ((dqm << 7) >> exp) & 127;
        let dl = ((exp << 7) + mant) as i32;
        // SUBTB: DL in [0, 1919], y >> 2 in [136, 1280]: fits 12-bit TC.
        let dln = dl - (est.y >> 2);
        // QUAN: |I| is the number of decision levels at or below DLN.
        let t = self.tables;
        // (The levels increase, so counting those at or below DLN is the
        // interval search, and counting is branch-free.)
        let mag = t
            .decision
            .iter()
            .map(|&level| u8::from(dln >= level))
            .sum::<u8>();
        if d < 0 {
            t.mask - mag
        } else if mag == 0 && t.zero_to_mask {
            t.mask
        } else {
            mag
        }
    }

    /// RECONST, ADDA, ANTILOG, ADDB and every adaptation block: takes codeword
    /// `i` (masked to the rate's width) and returns the reconstructed signal
    /// `sr` (16-bit TC).
    #[inline]
    pub fn update(&mut self, i: u8, est: &Estimate) -> i32 {
        let t = self.tables;
        let i = usize::from(i & t.mask);
        let y = est.y;

        // RECONST, ADDA: DQLN in [-2048, 566] + y>>2 stays within 12-bit TC.
        let dqs = (i >> (self.bits - 1)) & 1 == 1;
        let dql = t.dqln[i] + (y >> 2);
        // ANTILOG: DEX <= 14 since DQL <= 566 + 1280.
        let dqmag = if dql < 0 {
            0
        } else {
            let dex = (dql >> 7) & 15;
            let dqt = 128 + (dql & 127);
            (dqt << 7) >> (14 - dex)
        };
        let dq_signed = if dqs { -dqmag } else { dqmag };

        // ADDB, ADDC: modulo 2^16. |dq| reaches 32640 at 40 kbit/s
        // (DEX = 14), so both sums can wrap, and the Recommendation's
        // wrapped value is what the predictor stores.
        let sr = wrap16(est.se + dq_signed);
        let dqsez = wrap16(est.sez + dq_signed);
        let pk0 = dqsez < 0;
        let sigpk = dqsez == 0;

        // TRANS: a transition from a tone, seen on the previous TD and YL.
        let ylint = self.yl >> 15;
        let ylfrac = (self.yl >> 10) & 31;
        let thr2 = if ylint > 9 {
            31 << 10
        } else {
            (32 + ylfrac) << ylint
        };
        let dqthr = (thr2 + (thr2 >> 1)) >> 1;
        let tr = self.td && dqmag > dqthr;

        // FUNCTW, FILTD, LIMB, FILTE: quantizer scale factor adaptation.
        let yut = y + (((t.wi[i] << 5) - y) >> 5);
        let yup = yut.clamp(544, 5120);
        let ylp = self.yl + yup + ((-self.yl) >> 6);

        // UPA2, LIMC: second pole.
        let [a1, a2] = self.a;
        let pks1 = pk0 != self.pk[0];
        let pks2 = pk0 != self.pk[1];
        let a2p = {
            let fa1 = a1.clamp(-8191, 8191) << 2;
            let fa = if pks1 { fa1 } else { -fa1 };
            let uga2a = if pks2 { -16384 } else { 16384 };
            let uga2 = if sigpk { 0 } else { (uga2a + fa) >> 7 };
            let a2t = wrap16(a2 + uga2 - (a2 >> 7));
            a2t.clamp(-12288, 12288)
        };
        // UPA1, LIMD: first pole, bounded by 1 - 2^-4 - a2.
        let a1p = {
            let uga1 = if sigpk {
                0
            } else if pks1 {
                -192
            } else {
                192
            };
            let a1t = wrap16(a1 + uga1 - (a1 >> 8));
            let lim = 15360 - a2p;
            a1t.clamp(-lim, lim)
        };
        // TONE: a2 < -0.71875 means a tone.
        let tdp = a2p < -11776;

        // FUNCTF, FILTA, FILTB, SUBTC, FILTC, TRIGA: adaptation speed control.
        let fi = t.fi[i];
        let dmsp = self.dms + (((fi << 9) - self.dms) >> 5);
        let dmlp = self.dml + (((fi << 11) - self.dml) >> 7);
        let ax = y < 1536 || tdp || ((dmsp << 2) - dmlp).abs() >= (dmlp >> 3);
        let app = self.ap + (((i32::from(ax) << 9) - self.ap) >> 4);

        // XOR, UPB: zeros; TRIGB resets the predictor on a transition.
        if tr {
            self.a = [0; 2];
            self.b = [0; 6];
        } else {
            self.a = [a1p, a2p];
            for (b, dq) in self.b.iter_mut().zip(self.dq.iter()) {
                let ugb = if dqmag == 0 {
                    0
                } else if dqs != (dq.sign != 0) {
                    -128
                } else {
                    128
                };
                *b = wrap16(*b + ugb - (*b >> t.b_leak_shift));
            }
        }

        // DELAY: FLOATA, FLOATB and the state shift.
        self.dq.copy_within(0..5, 1);
        self.dq[0] = Float11::from_sign_mag(dqs, dqmag as u32);
        self.sr[1] = self.sr[0];
        self.sr[0] = Float11::from_tc(sr);
        self.pk = [pk0, self.pk[0]];
        self.yu = yup;
        self.yl = ylp & 0x7FFFF;
        self.dms = dmsp;
        self.dml = dmlp;
        self.ap = if tr { 256 } else { app };
        self.td = !tr && tdp;
        sr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_signal(rate: G726Rate, pcm: impl Iterator<Item = i16>) -> (usize, usize) {
        let mut s = Adpcm::new(rate);
        let (mut tones, mut transitions) = (0, 0);
        for x in pcm {
            let est = s.estimate();
            let i = s.quantize(i32::from(x) >> 2, &est);
            let td_before = s.td;
            s.update(i, &est);
            tones += usize::from(s.td);
            // A transition clears TD and forces AP to 256.
            transitions += usize::from(td_before && !s.td && s.ap == 256);
        }
        (tones, transitions)
    }

    /// The spandsp comparison's "tone" signal must reach the tone and
    /// transition detectors, or it would not test them.
    #[test]
    fn tone_then_jump_trips_tone_and_transition_detectors() {
        use std::f64::consts::PI;
        let tone =
            (0..8000).map(|n| ((n as f64 * 2.0 * PI * 1800.0 / 8000.0).sin() * 12000.0) as i16);
        let jump =
            (0..8000).map(|n| ((n as f64 * 2.0 * PI * 600.0 / 8000.0).sin() * 30000.0) as i16);
        for rate in G726Rate::ALL {
            let (tones, transitions) = code_signal(rate, tone.clone().chain(jump.clone()));
            assert!(tones > 1000, "{rate:?}: tone detector fired {tones} times");
            assert!(transitions >= 1, "{rate:?}: no transition detected");
        }
    }

    #[test]
    fn silence_stays_silent() {
        for rate in G726Rate::ALL {
            let mut s = Adpcm::new(rate);
            for _ in 0..1000 {
                let est = s.estimate();
                let i = s.quantize(0, &est);
                let sr = s.update(i, &est);
                assert!(sr.abs() <= 8, "{rate:?}: {sr}");
            }
            assert_eq!(
                s.yu, 544,
                "{rate:?}: scale factor should rest at its minimum"
            );
        }
    }
}

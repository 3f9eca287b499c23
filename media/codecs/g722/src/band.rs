//! One sub-band's ADPCM state: the adaptive predictor (block 4 of G.722
//! section 6: RECONS, PARREC, UPPOL2, UPPOL1, UPZERO, DELAYA, FILTEP,
//! FILTEZ, PREDIC) and the quantizer scale factor (LOGSCL/SCALEL for the
//! lower band, LOGSCH/SCALEH for the higher one).

use crate::tables::{ILB, RH2, RL42, WH, WL};

/// Limits to 16-bit two's complement, as the Recommendation's "limited"
/// quantities are.
#[inline]
pub(crate) fn sat(x: i32) -> i32 {
    x.clamp(-32768, 32767)
}

#[derive(Debug, Clone)]
pub(crate) struct Band {
    /// Signal estimate s(n) = sp + sz.
    pub s: i32,
    /// Zero-section estimate sz(n).
    sz: i32,
    /// Reconstructed signal r(n-1), r(n-2) at indices 1, 2.
    r: [i32; 3],
    /// Partially reconstructed signal p(n-1), p(n-2) at indices 1, 2.
    p: [i32; 3],
    /// Pole coefficients a1, a2 at indices 1, 2.
    a: [i32; 3],
    /// Zero coefficients b1..b6 (at indices 0..6; 16-bit by UPZERO's limit).
    b: [i16; 6],
    /// Quantized differences d(n-1)..d(n-6) (at indices 0..6; |d| stays
    /// below 2^14 since DETL, DETH <= 16384 and |QM4|, |QM2| < 2^15).
    d: [i16; 6],
    /// Log scale factor nabla.
    nb: i32,
    /// Quantizer scale factor delta.
    pub det: i32,
}

impl Band {
    /// Reset state; `det` is 32 for the lower band and 8 for the higher.
    pub fn new(det: i32) -> Self {
        Band {
            s: 0,
            sz: 0,
            r: [0; 3],
            p: [0; 3],
            a: [0; 3],
            b: [0; 6],
            d: [0; 6],
            nb: 0,
            det,
        }
    }

    /// LOGSCL and SCALEL for the 4-bit lower-band codeword `il4`.
    #[inline]
    pub fn adapt_low(&mut self, il4: usize) {
        let nb = ((self.nb * 127) >> 7) + WL[RL42[il4 & 15]];
        self.nb = nb.clamp(0, 18432);
        self.det = scale(self.nb, 8);
    }

    /// LOGSCH and SCALEH for the 2-bit higher-band codeword `ih`.
    #[inline]
    pub fn adapt_high(&mut self, ih: usize) {
        let nb = ((self.nb * 127) >> 7) + WH[RH2[ih & 3]];
        self.nb = nb.clamp(0, 22528);
        self.det = scale(self.nb, 10);
    }

    /// Block 4: adapts the predictor to the quantized difference `d` and
    /// computes the next estimate `s`.
    #[inline]
    pub fn update(&mut self, d: i32) {
        // Callers pass (DET * QM) >> 15 with DET <= 16384: |d| < 2^14.
        let d = d.clamp(-16384, 16383);
        // RECONS, PARREC.
        let r = sat(self.s + d);
        let p = sat(self.sz + d);
        let sg0 = p >> 15;
        let sg1 = self.p[1] >> 15;
        let sg2 = self.p[2] >> 15;

        // UPPOL2: a2 += 2^-7 [sgn p(n)p(n-2) - f(a1) sgn p(n)p(n-1)] with leak.
        let wd1 = sat(self.a[1] << 2);
        let wd2 = if sg0 == sg1 { (-wd1).min(32767) } else { wd1 };
        let ap2 = (wd2 >> 7) + if sg0 == sg2 { 128 } else { -128 } + ((self.a[2] * 32512) >> 15);
        let ap2 = ap2.clamp(-12288, 12288);

        // UPPOL1: |a1| <= 1 - 2^-4 - a2.
        let wd1 = if sg0 == sg1 { 192 } else { -192 };
        let ap1 = sat(wd1 + ((self.a[1] * 32640) >> 15));
        let lim = 15360 - ap2;
        let ap1 = ap1.clamp(-lim, lim);

        // UPZERO (six independent lanes, kept branch-free).
        let step = if d == 0 { 0 } else { 128 };
        let sgd = d >> 15;
        for (b, &di) in self.b.iter_mut().zip(self.d.iter()) {
            let g = if i32::from(di) >> 15 == sgd {
                step
            } else {
                -step
            };
            *b = sat(g + ((i32::from(*b) * 32640) >> 15)) as i16;
        }

        // DELAYA.
        self.d.copy_within(0..5, 1);
        self.d[0] = d as i16;
        self.r = [0, r, self.r[1]];
        self.p = [0, p, self.p[1]];
        self.a = [0, ap1, ap2];

        // FILTEP.
        let wd1 = (self.a[1] * sat(self.r[1] + self.r[1])) >> 15;
        let wd2 = (self.a[2] * sat(self.r[2] + self.r[2])) >> 15;
        let sp = sat(wd1 + wd2);

        // FILTEZ.
        let sz: i32 = self
            .b
            .iter()
            .zip(self.d.iter())
            .map(|(&b, &d)| (i32::from(b) * sat(2 * i32::from(d))) >> 15)
            .sum();
        self.sz = sat(sz);

        // PREDIC.
        self.s = sat(sp + self.sz);
    }
}

/// SCALEL / SCALEH: delta = 2^(nb / 2048) via the 32-entry antilog table,
/// `shift` being 8 (lower band) or 10 (higher band).
#[inline]
fn scale(nb: i32, shift: i32) -> i32 {
    let wd1 = ((nb >> 6) & 31) as usize;
    let wd2 = shift - (nb >> 11);
    let wd3 = if wd2 < 0 {
        ILB[wd1] << -wd2
    } else {
        ILB[wd1] >> wd2
    };
    wd3 << 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_factor_stays_within_its_limits() {
        let mut low = Band::new(32);
        for _ in 0..200 {
            low.adapt_low(1); // largest multiplier
        }
        assert_eq!(low.nb, 18432);
        for _ in 0..2000 {
            low.adapt_low(0); // negative multiplier
        }
        assert_eq!((low.nb, low.det), (0, 32));
        let mut high = Band::new(8);
        for _ in 0..200 {
            high.adapt_high(2);
        }
        assert_eq!(high.nb, 22528);
    }

    #[test]
    fn predictor_is_stable_under_constant_input() {
        let mut b = Band::new(32);
        for k in 0..5000 {
            b.update(if k % 3 == 0 { 20000 } else { -20000 });
            assert!((-12288..=12288).contains(&b.a[2]));
            assert!(b.a[1].abs() <= 15360 - b.a[2]);
        }
    }
}

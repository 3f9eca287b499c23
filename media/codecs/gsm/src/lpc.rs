//! Encoder front end: preprocessing (§4.2.1–4.2.3) and LPC analysis
//! (§4.2.4–4.2.7) producing the quantised log-area ratios LARc.

use crate::ops::{abs, add, div, l_add, l_mult, mult, mult_r, norm, sub};
use crate::tables::{A, B, MAC, MIC};

/// Preprocessing state: offset compensation and pre-emphasis memories.
#[derive(Debug, Clone, Default)]
pub(crate) struct Preprocess {
    z1: i16,
    l_z2: i32,
    mp: i16,
}

impl Preprocess {
    /// Downscaling, offset compensation (high-pass) and pre-emphasis of
    /// one frame (§4.2.1–4.2.3), from `input` into `s`.
    pub(crate) fn run(&mut self, input: &[i16], s: &mut [i16; 160]) {
        for (out, &x) in s.iter_mut().zip(input.iter()) {
            // §4.2.1: keep the 13 significant bits, scaled by 4.
            let so = (x >> 3) << 2;
            // §4.2.2: offset compensation, a recursive high-pass filter whose
            // 32-bit state is handled in two halves.
            let s1 = sub(so, self.z1);
            self.z1 = so;
            let mut l_s2 = (s1 as i32) << 15;
            let msp = (self.l_z2 >> 15) as i16;
            let lsp = self.l_z2.wrapping_sub((msp as i32) << 15) as i16;
            l_s2 = l_add(l_s2, mult_r(lsp, 32735) as i32);
            self.l_z2 = l_add(l_mult(msp, 32735) >> 1, l_s2);
            let sof = (l_add(self.l_z2, 16384) >> 15) as i16;
            // §4.2.3: pre-emphasis.
            *out = add(sof, mult_r(self.mp, -28180));
            self.mp = sof;
        }
    }
}

/// Autocorrelation of the frame for lags 0..8 (§4.2.4). The frame is scaled
/// down to avoid overflow and scaled back afterwards; the precision this
/// loses is part of the standard.
fn autocorrelation(s: &mut [i16; 160]) -> [i32; 9] {
    let smax = s.iter().map(|&v| abs(v)).max().unwrap_or(0);
    let scalauto = if smax == 0 {
        0
    } else {
        sub(4, norm((smax as i32) << 16))
    };
    if scalauto > 0 {
        let temp = 16384i16 >> (scalauto - 1);
        for v in s.iter_mut() {
            *v = mult_r(*v, temp);
        }
    }
    let mut acf = [0i32; 9];
    for (k, a) in acf.iter_mut().enumerate() {
        // The scaled samples are below 2^12 so the sum cannot overflow.
        let mut sum = 0i32;
        for i in k..160 {
            sum = sum.wrapping_add(l_mult(s[i], s[i - k]));
        }
        *a = sum;
    }
    if scalauto > 0 {
        for v in s.iter_mut() {
            // A 16-bit shift, as the standard's word arithmetic does.
            *v = ((*v as i32) << scalauto) as i16;
        }
    }
    acf
}

/// Schur recursion from the autocorrelation to reflection coefficients
/// r\[1..8\] (§4.2.5).
fn reflection_coefficients(l_acf: &[i32; 9]) -> [i16; 8] {
    let mut r = [0i16; 8];
    if l_acf[0] == 0 {
        return r;
    }
    let temp = norm(l_acf[0]);
    let mut acf = [0i16; 9];
    for (a, &l) in acf.iter_mut().zip(l_acf.iter()) {
        *a = ((l << temp) >> 16) as i16;
    }
    // k[j] is K(j) of the standard for j = 2..8; p[j] is P(j).
    let mut k = [0i16; 9];
    let mut p = acf;
    k[2..9].copy_from_slice(&acf[1..8]);
    k[2..9].reverse();
    for n in 1..=8usize {
        if p[0] < abs(p[1]) {
            // r(n..8) stay 0.
            return r;
        }
        let mut rn = div(abs(p[1]), p[0]);
        if p[1] > 0 {
            rn = sub(0, rn);
        }
        r[n - 1] = rn;
        if n == 8 {
            break;
        }
        p[0] = add(p[0], mult_r(p[1], rn));
        for m in 1..=(8 - n) {
            p[m] = add(p[m + 1], mult_r(k[9 - m], rn));
            k[9 - m] = add(k[9 - m], mult_r(p[m + 1], rn));
        }
    }
    r
}

/// Reflection coefficients → log-area ratios (§4.2.6, piecewise linear).
fn to_lar(r: &[i16; 8]) -> [i16; 8] {
    let mut lar = [0i16; 8];
    for (l, &ri) in lar.iter_mut().zip(r.iter()) {
        let a = abs(ri);
        let t = if a < 22118 {
            a >> 1
        } else if a < 31130 {
            sub(a, 11059)
        } else {
            sub(a, 26112) << 2
        };
        *l = if ri < 0 { sub(0, t) } else { t };
    }
    lar
}

/// Quantisation and coding of the LARs (§4.2.7); the codes are offset to be
/// non-negative.
fn quantize_lar(lar: &[i16; 8]) -> [u8; 8] {
    let mut larc = [0u8; 8];
    for i in 0..8 {
        let t = mult(A[i], lar[i]);
        let t = add(t, B[i]);
        let t = add(t, 256);
        let c = (t >> 9).clamp(MIC[i], MAC[i]);
        larc[i] = sub(c, MIC[i]) as u8;
    }
    larc
}

/// LPC analysis of a preprocessed frame: returns LARc and leaves `s` as the
/// standard's rescaled signal that the short-term filter consumes.
pub(crate) fn analyse(s: &mut [i16; 160]) -> [u8; 8] {
    let acf = autocorrelation(s);
    let r = reflection_coefficients(&acf);
    quantize_lar(&to_lar(&r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_gives_zero_reflection() {
        assert_eq!(reflection_coefficients(&[0; 9]), [0; 8]);
    }

    #[test]
    fn lar_quantizer_clamps() {
        let c = quantize_lar(&[32767, -32768, 32767, -32768, 32767, -32768, 32767, -32768]);
        assert_eq!(c, [63, 0, 31, 0, 15, 0, 7, 0]);
    }
}

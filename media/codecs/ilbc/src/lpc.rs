//! LPC helpers (RFC 3951 §3.2): autocorrelation analysis, Levinson-Durbin,
//! LSF <-> predictor conversion, LSF quantisation and interpolation.
//!
//! Predictor convention: `a[0] = 1`, `A(z) = sum a[i] z^-i`; synthesis is
//! `1/A(z)`.

use crate::tables::{LSF_CB, LSF_DIM, LSF_SIZE, ORDER};
use std::f32::consts::PI;

/// Predictor polynomial (`ORDER + 1` coefficients).
pub type Lpc = [f32; ORDER + 1];
/// Line spectral frequencies in radians.
pub type Lsf = [f32; ORDER];

/// The identity predictor.
pub const LPC_ONE: Lpc = {
    let mut a = [0.0; ORDER + 1];
    a[0] = 1.0;
    a
};

/// Autocorrelation lags 0..=ORDER of `x`.
pub fn autocorr(x: &[f32]) -> [f32; ORDER + 1] {
    let mut r = [0.0f32; ORDER + 1];
    for (lag, rv) in r.iter_mut().enumerate() {
        *rv = x.iter().zip(&x[lag..]).map(|(a, b)| a * b).sum();
    }
    r
}

/// Levinson-Durbin recursion; a degenerate input yields the identity.
pub fn levinson(r: &[f32; ORDER + 1]) -> Lpc {
    let mut a = LPC_ONE;
    if r[0] <= 0.0 {
        return a;
    }
    let mut err = r[0];
    let mut tmp = [0.0f32; ORDER + 1];
    for i in 1..=ORDER {
        let mut acc = r[i];
        for j in 1..i {
            acc += a[j] * r[i - j];
        }
        let k = -acc / err;
        tmp[..=i].copy_from_slice(&a[..=i]);
        for j in 1..i {
            a[j] = tmp[j] + k * tmp[i - j];
        }
        a[i] = k;
        err *= 1.0 - k * k;
        if err <= 0.0 {
            break;
        }
    }
    a
}

/// Bandwidth expansion: `a[i] * chirp^i`.
pub fn bw_expand(a: &Lpc, chirp: f32) -> Lpc {
    let mut out = *a;
    let mut c = 1.0;
    for v in out.iter_mut() {
        *v *= c;
        c *= chirp;
    }
    out
}

/// Multiplies `poly` (degree `deg`) by `1 - 2 cos(w) z^-1 + z^-2` in place.
fn mul_quad(poly: &mut [f64; ORDER + 2], deg: usize, c: f64) {
    for i in (0..=deg + 2).rev() {
        let mut v = poly[i];
        if i >= 1 {
            v += c * poly[i - 1];
        }
        if i >= 2 {
            v += poly[i - 2];
        }
        poly[i] = v;
    }
}

/// Predictor from LSFs: `A = (P + Q) / 2` with `P` holding the even-indexed
/// frequencies and the root at pi, `Q` the odd ones and the root at 0.
pub fn lsf_to_lpc(lsf: &Lsf) -> Lpc {
    let mut f1 = [0.0f64; ORDER + 2];
    let mut f2 = [0.0f64; ORDER + 2];
    f1[0] = 1.0;
    f2[0] = 1.0;
    for k in 0..ORDER / 2 {
        mul_quad(&mut f1, 2 * k, -2.0 * f64::from(lsf[2 * k]).cos());
        mul_quad(&mut f2, 2 * k, -2.0 * f64::from(lsf[2 * k + 1]).cos());
    }
    let mut a = [0.0f32; ORDER + 1];
    for i in 0..=ORDER {
        let p = f1[i] + if i > 0 { f1[i - 1] } else { 0.0 };
        let q = f2[i] - if i > 0 { f2[i - 1] } else { 0.0 };
        a[i] = (0.5 * (p + q)) as f32;
    }
    a
}

/// Evaluates the symmetric degree-ORDER polynomial `c` on the unit circle
/// (with the linear phase removed) at `x = cos(w)`, via Chebyshev terms.
fn eval_sym(c: &[f64; ORDER + 1], x: f64) -> f64 {
    let half = ORDER / 2;
    // cos(n w) = T_n(x)
    let mut t = [0.0f64; ORDER / 2 + 1];
    t[0] = 1.0;
    t[1] = x;
    for n in 2..=half {
        t[n] = 2.0 * x * t[n - 1] - t[n - 2];
    }
    let mut s = c[half];
    for k in 0..half {
        s += 2.0 * c[k] * t[half - k];
    }
    s
}

/// LSFs of a (minimum-phase) predictor. Returns `None` when the ten
/// frequencies cannot all be found.
pub fn lpc_to_lsf(a: &Lpc) -> Option<Lsf> {
    // P(z) = A(z) + z^-11 A(1/z), Q(z) = A(z) - z^-11 A(1/z); remove the
    // trivial roots at z = -1 and z = 1.
    let mut p = [0.0f64; ORDER + 1];
    let mut q = [0.0f64; ORDER + 1];
    let coef = |i: usize| -> f64 { a.get(i).map_or(0.0, |&v| f64::from(v)) };
    let mut prev_p = 0.0;
    let mut prev_q = 0.0;
    for i in 0..=ORDER {
        let pi = coef(i) + coef(ORDER + 1 - i);
        let qi = coef(i) - coef(ORDER + 1 - i);
        p[i] = pi - prev_p;
        q[i] = qi + prev_q;
        prev_p = p[i];
        prev_q = q[i];
    }
    const GRID: usize = 256;
    let mut out = [0.0f32; ORDER];
    let mut found = 0usize;
    let mut w_prev = 0.0f64;
    let mut fp_prev = eval_sym(&p, 1.0);
    let mut fq_prev = eval_sym(&q, 1.0);
    for g in 1..=GRID {
        let w = std::f64::consts::PI * g as f64 / GRID as f64;
        let x = w.cos();
        let fp = eval_sym(&p, x);
        let fq = eval_sym(&q, x);
        // Roots of P and Q interlace; find both kinds in this cell, in order.
        let mut roots: [(f64, bool); 2] = [(f64::MAX, false); 2];
        let mut n = 0;
        for (poly, f0, f1) in [(&p, fp_prev, fp), (&q, fq_prev, fq)] {
            if (f0 <= 0.0) != (f1 <= 0.0) {
                let (mut lo, mut hi, mut flo) = (w_prev, w, f0);
                for _ in 0..24 {
                    let mid = 0.5 * (lo + hi);
                    let fm = eval_sym(poly, mid.cos());
                    if (fm <= 0.0) == (flo <= 0.0) {
                        lo = mid;
                        flo = fm;
                    } else {
                        hi = mid;
                    }
                }
                roots[n] = (0.5 * (lo + hi), true);
                n += 1;
            }
        }
        roots[..n].sort_by(|x, y| x.0.total_cmp(&y.0));
        for r in &roots[..n] {
            if found < ORDER {
                out[found] = r.0 as f32;
            }
            found += 1;
        }
        w_prev = w;
        fp_prev = fp;
        fq_prev = fq;
    }
    (found == ORDER).then_some(out)
}

/// `coef * a + (1 - coef) * b`.
pub fn interpolate(a: &Lsf, b: &Lsf, coef: f32) -> Lsf {
    let mut out = [0.0; ORDER];
    for i in 0..ORDER {
        out[i] = coef * a[i] + (1.0 - coef) * b[i];
    }
    out
}

/// Stability safeguard (RFC 3951 §3.2.5): pushes neighbouring LSFs closer
/// than about 50 Hz apart, and keeps them inside (0, pi), over two passes.
/// As in the RFC's reference decoder, an out-of-order pair is repaired by
/// moving the upper one just above the lower one, and only the first
/// `ORDER - 1` values are range-clamped (the decoded output depends on
/// these details for inputs such as pure tones).
pub fn lsf_check(lsf: &mut Lsf) {
    const EPS: f32 = 0.039;
    const EPS2: f32 = 0.0195;
    #[allow(clippy::approx_constant)] // the RFC's limit, just below pi
    const MAXLSF: f32 = 3.14;
    const MINLSF: f32 = 0.01;
    for _ in 0..2 {
        for k in 0..ORDER - 1 {
            if lsf[k + 1] - lsf[k] < EPS {
                if lsf[k + 1] < lsf[k] {
                    lsf[k + 1] = lsf[k] + EPS2;
                } else {
                    lsf[k] -= EPS2;
                    lsf[k + 1] += EPS2;
                }
            }
            lsf[k] = lsf[k].clamp(MINLSF, MAXLSF);
        }
    }
}

/// Offset of each split's codebook in [`LSF_CB`].
fn split_offsets() -> [usize; 3] {
    [
        0,
        LSF_DIM[0] * LSF_SIZE[0],
        LSF_DIM[0] * LSF_SIZE[0] + LSF_DIM[1] * LSF_SIZE[1],
    ]
}

/// Split-VQ decoding; indices are assumed in range (they are, by bit width).
pub fn lsf_dequant(idx: &[u16]) -> Lsf {
    let mut lsf = [0.0; ORDER];
    let offs = split_offsets();
    let mut pos = 0;
    for s in 0..3 {
        let i = usize::from(idx.get(s).copied().unwrap_or(0)) % LSF_SIZE[s];
        let base = offs[s] + i * LSF_DIM[s];
        lsf[pos..pos + LSF_DIM[s]].copy_from_slice(&LSF_CB[base..base + LSF_DIM[s]]);
        pos += LSF_DIM[s];
    }
    lsf
}

/// Split-VQ encoding (unweighted squared error per split).
pub fn lsf_quant(lsf: &Lsf) -> [u16; 3] {
    let offs = split_offsets();
    let mut idx = [0u16; 3];
    let mut pos = 0;
    for s in 0..3 {
        let d = LSF_DIM[s];
        let target = &lsf[pos..pos + d];
        let mut best = (f32::MAX, 0usize);
        for i in 0..LSF_SIZE[s] {
            let cand = &LSF_CB[offs[s] + i * d..offs[s] + (i + 1) * d];
            let e: f32 = target
                .iter()
                .zip(cand)
                .map(|(t, c)| (t - c) * (t - c))
                .sum();
            if e < best.0 {
                best = (e, i);
            }
        }
        idx[s] = best.1 as u16;
        pos += d;
    }
    idx
}

/// Frequency grid helper for tests.
#[allow(dead_code)]
pub(crate) fn hz_to_rad(hz: f32) -> f32 {
    2.0 * PI * hz / 8000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::LSF_MEAN;

    #[test]
    fn lsf_lpc_roundtrip() {
        let a = lsf_to_lpc(&LSF_MEAN);
        let back = lpc_to_lsf(&a).expect("roots");
        for (x, y) in LSF_MEAN.iter().zip(&back) {
            assert!((x - y).abs() < 1e-4, "{x} vs {y}");
        }
    }

    #[test]
    fn levinson_of_ar1() {
        // r[k] = 0.9^k is an AR(1) process with a1 = -0.9
        let mut r = [0.0f32; ORDER + 1];
        for (k, v) in r.iter_mut().enumerate() {
            *v = 0.9f32.powi(k as i32);
        }
        let a = levinson(&r);
        assert!((a[1] + 0.9).abs() < 1e-4);
        for v in &a[2..] {
            assert!(v.abs() < 1e-3);
        }
    }

    #[test]
    fn lsf_check_separates_and_orders() {
        let mut lsf = LSF_MEAN;
        lsf[3] = 0.6; // below lsf[2] = 0.663
        lsf[6] = lsf[5] + 0.01; // too close
        lsf_check(&mut lsf);
        for k in 0..ORDER - 1 {
            assert!(lsf[k + 1] > lsf[k], "{lsf:?}");
        }
        assert!(lsf[6] - lsf[5] >= 0.039 - 1e-6);
    }

    #[test]
    fn quantiser_picks_exact_codewords() {
        let idx = [5u16, 77, 100];
        let lsf = lsf_dequant(&idx);
        assert_eq!(lsf_quant(&lsf), idx);
    }
}

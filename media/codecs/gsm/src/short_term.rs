//! Short-term (LPC) part shared by encoder and decoder: decoding of the LAR
//! codes (§4.2.8), their interpolation between frames and conversion to
//! reflection coefficients (§4.2.9), and the lattice filters (§4.2.10,
//! §4.3.4).

use crate::ops::{add, mult_r, sub};
use crate::tables::{B, INVA, MIC};

/// Decodes LARc\[1..8\] into LARpp\[1..8\] (§4.2.8).
pub(crate) fn decode_lar(larc: &[u8; 8]) -> [i16; 8] {
    let mut larpp = [0i16; 8];
    for i in 0..8 {
        // Undo the positive offset, then the B offset and the A scaling.
        let t = add(larc[i] as i16, MIC[i]) << 10;
        let t = sub(t, B[i] << 1);
        let t = mult_r(INVA[i], t);
        larpp[i] = add(t, t);
    }
    larpp
}

/// Interpolated LARp → reflection coefficients rp (§4.2.9.2).
#[inline]
fn lar_to_rp(larp: &mut [i16; 8]) {
    for v in larp.iter_mut() {
        let a = v.saturating_abs();
        let t = if a < 11059 {
            a << 1
        } else if a < 20070 {
            add(a, 11059)
        } else {
            add(a >> 2, 26112)
        };
        *v = if *v < 0 { sub(0, t) } else { t };
    }
}

/// The four interpolation segments of a frame and their sample counts.
pub(crate) const SEGMENTS: [usize; 4] = [13, 14, 13, 120];

/// Reflection coefficients rp for each of the four segments of a frame
/// (k = 0..12, 13..26, 27..39, 40..159), interpolated between the previous
/// frame's LARpp and the current one (§4.2.9.1).
pub(crate) fn segment_coefficients(prev: &[i16; 8], cur: &[i16; 8]) -> [[i16; 8]; 4] {
    let mut out = [[0i16; 8]; 4];
    for i in 0..8 {
        let (p, c) = (prev[i], cur[i]);
        out[0][i] = add(add(p >> 2, c >> 2), p >> 1);
        out[1][i] = add(p >> 1, c >> 1);
        out[2][i] = add(add(p >> 2, c >> 2), c >> 1);
        out[3][i] = c;
    }
    for rp in &mut out {
        lar_to_rp(rp);
    }
    out
}

/// Short-term analysis (inverse lattice) filter, in place (§4.2.10).
#[inline]
pub(crate) fn analysis_filter(u: &mut [i16; 8], rp: &[i16; 8], s: &mut [i16]) {
    for x in s.iter_mut() {
        let mut di = *x;
        let mut sav = di;
        for i in 0..8 {
            let ui = u[i];
            let temp = add(ui, mult_r(rp[i], di));
            di = add(di, mult_r(rp[i], ui));
            u[i] = sav;
            sav = temp;
        }
        *x = di;
    }
}

/// Short-term synthesis (lattice) filter from `wt` into `sr` (§4.3.4).
/// `v` holds v\[0..8\] of the standard.
///
/// This is the decoder's hot loop, so it works on 32-bit copies of the
/// state: `sat16` after each sum is the standard's saturating `add`/`sub`,
/// and `mult_r` needs no overflow clamp because `lar_to_rp` never yields
/// -32768 (its results lie in -32767..=32767).
#[inline]
pub(crate) fn synthesis_filter(v: &mut [i16; 9], rrp: &[i16; 8], wt: &[i16], sr: &mut [i16]) {
    let r: [i32; 8] = rrp.map(i32::from);
    let mut vv: [i32; 9] = v.map(i32::from);
    for (out, &w) in sr.iter_mut().zip(wt.iter()) {
        let mut sri = w as i32;
        for i in (0..8).rev() {
            // i = 8 - standard's loop index; r[i] is rrp(i+1).
            sri = sat16(sri - ((r[i] * vv[i] + 16384) >> 15));
            vv[i + 1] = sat16(vv[i] + ((r[i] * sri + 16384) >> 15));
        }
        *out = sri as i16;
        vv[0] = sri;
    }
    *v = vv.map(|x| x as i16);
}

/// Saturates a 32-bit intermediate to the 16-bit range.
#[inline(always)]
pub(crate) fn sat16(x: i32) -> i32 {
    x.clamp(i16::MIN as i32, i16::MAX as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast filter equals the literal transcription of §4.3.4.
    #[test]
    fn synthesis_matches_standard_ops() {
        let mut seed = 7u32;
        let mut rnd = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 8) as i16
        };
        for _ in 0..200 {
            let mut rrp = [0i16; 8];
            for r in &mut rrp {
                *r = rnd().max(-32767);
            }
            let wt: Vec<i16> = (0..40).map(|_| rnd()).collect();
            let mut v1 = [0i16; 9];
            for x in &mut v1 {
                *x = rnd();
            }
            let mut v2 = v1;
            let mut fast = [0i16; 40];
            synthesis_filter(&mut v1, &rrp, &wt, &mut fast);
            let mut slow = [0i16; 40];
            for (o, &w) in slow.iter_mut().zip(&wt) {
                let mut sri = w;
                for i in (0..8).rev() {
                    sri = sub(sri, mult_r(rrp[i], v2[i]));
                    v2[i + 1] = add(v2[i], mult_r(rrp[i], sri));
                }
                *o = sri;
                v2[0] = sri;
            }
            assert_eq!(fast, slow);
            assert_eq!(v1, v2);
        }
    }
}

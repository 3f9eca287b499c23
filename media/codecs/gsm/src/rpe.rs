//! Regular pulse excitation: weighting filter (§4.2.13), grid selection
//! (§4.2.14), APCM quantisation (§4.2.15) and its inverse (§4.2.16), and grid
//! positioning (§4.2.17).

use crate::ops::{abs, add, l_mult, mult, mult_r, shr, sub};
use crate::tables::{FAC, H, NRFAC};

/// Exponent and mantissa of a block amplitude code xmaxc (§4.2.15, also
/// used by the inverse quantiser). The mantissa is returned as 0..=7.
#[inline]
pub(crate) fn exp_mant(xmaxc: u8) -> (i16, i16) {
    let xmaxc = (xmaxc & 63) as i16;
    let mut exp: i16 = 0;
    if xmaxc > 15 {
        exp = sub(xmaxc >> 3, 1);
    }
    let mut mant = sub(xmaxc, exp << 3);
    if mant == 0 {
        exp = -4;
        mant = 15;
    } else {
        // Normalise so that 8 <= mant <= 15.
        for _ in 0..3 {
            if mant > 7 {
                break;
            }
            mant = add(mant << 1, 1);
            exp = sub(exp, 1);
        }
    }
    (exp, sub(mant, 8))
}

/// Weighting filter (§4.2.13): the perceptually weighted residual x(0..39)
/// from the LTP residual e(0..39), zero outside the block.
pub(crate) fn weighting_filter(e: &[i16; 40], x: &mut [i16; 40]) {
    // wt(k) = e(k - 5), zero-padded on both sides.
    let mut wt = [0i16; 50];
    wt[5..45].copy_from_slice(e);
    for (k, out) in x.iter_mut().enumerate() {
        // Rounding constant of the filter output.
        let mut acc: i32 = 8192;
        for (i, &h) in H.iter().enumerate() {
            acc += l_mult(wt[k + i], h);
        }
        // Scaling by 4 with 32-bit saturation, then the high half.
        let scaled = (acc as i64 * 4).clamp(i32::MIN as i64, i32::MAX as i64);
        *out = (scaled >> 16) as i16;
    }
}

/// Grid selection (§4.2.14): the grid position Mc with the most energy and
/// the 13 down-sampled values xM.
pub(crate) fn grid_selection(x: &[i16; 40]) -> (u8, [i16; 13]) {
    let mut em = 0i32;
    let mut mc = 0usize;
    for m in 0..4usize {
        let mut l_result = 0i32;
        for i in 0..13 {
            let t = x[m + 3 * i] >> 2;
            l_result += l_mult(t, t);
        }
        if l_result > em {
            mc = m;
            em = l_result;
        }
    }
    let mut xm = [0i16; 13];
    for (i, v) in xm.iter_mut().enumerate() {
        *v = x[mc + 3 * i];
    }
    (mc as u8, xm)
}

/// APCM quantisation (§4.2.15): block amplitude code xmaxc and pulse codes
/// xMc (0..=7) of the 13 selected samples.
pub(crate) fn quantize(xm: &[i16; 13]) -> (u8, [u8; 13]) {
    let xmax = xm.iter().map(|&v| abs(v)).max().unwrap_or(0);
    // Exponent: number of significant bits of xmax above bit 9, at most 6.
    let mut exp: i16 = 0;
    let mut temp = xmax >> 9;
    for _ in 0..6 {
        if temp <= 0 {
            break;
        }
        temp >>= 1;
        exp += 1;
    }
    let xmaxc = add(xmax >> add(exp, 5), exp << 3);
    let (exp, mant) = exp_mant(xmaxc as u8);
    let temp1 = sub(6, exp);
    let temp2 = NRFAC[(mant & 7) as usize];
    let mut xmc = [0u8; 13];
    for (c, &v) in xmc.iter_mut().zip(xm.iter()) {
        // The exponent guarantees the shift stays within 16 bits.
        let t = shr(v, -temp1);
        let t = mult(t, temp2);
        *c = add(t >> 12, 4) as u8;
    }
    (xmaxc as u8, xmc)
}

/// APCM inverse quantisation (§4.2.16): the 13 reconstructed pulses xMp.
pub(crate) fn dequantize(xmaxc: u8, xmc: &[u8; 13]) -> [i16; 13] {
    let (exp, mant) = exp_mant(xmaxc);
    let temp1 = FAC[(mant & 7) as usize];
    let temp2 = sub(6, exp);
    // Rounding term 1 << (temp2 - 1); 0 when temp2 = 0.
    let temp3 = shr(1, sub(1, temp2));
    let mut xmp = [0i16; 13];
    for (p, &c) in xmp.iter_mut().zip(xmc.iter()) {
        // Restore the sign: 3-bit code → odd value in -7..=7, in Q12.
        let t = sub(((c & 7) as i16) << 1, 7) << 12;
        let t = mult_r(temp1, t);
        let t = add(t, temp3);
        *p = shr(t, temp2);
    }
    xmp
}

/// RPE grid positioning (§4.2.17): place the 13 pulses on grid `mc`.
pub(crate) fn grid_position(mc: u8, xmp: &[i16; 13], ep: &mut [i16; 40]) {
    *ep = [0; 40];
    let mc = (mc & 3) as usize;
    for (i, &v) in xmp.iter().enumerate() {
        if let Some(slot) = ep.get_mut(mc + 3 * i) {
            *slot = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_mant_edges() {
        assert_eq!(exp_mant(0), (-4, 7));
        assert_eq!(exp_mant(63), (6, 7));
        assert_eq!(exp_mant(1), (-3, 7));
        assert_eq!(exp_mant(16), (1, 0));
    }

    #[test]
    fn quantize_dequantize_keeps_sign() {
        let xm = [1000, -1000, 0, 500, -500, 0, 0, 0, 0, 0, 0, 0, 0];
        let (xmaxc, xmc) = quantize(&xm);
        let xmp = dequantize(xmaxc, &xmc);
        assert!(xmp[0] > 800 && xmp[1] < -800, "{xmp:?}");
    }
}

//! Long-term prediction: lag and gain search (§4.2.11), the analysis filter
//! (§4.2.12) and the decoder's synthesis filter (§4.3.2).

use crate::ops::{abs, l_mult, mult, mult_r, norm, sub};
use crate::tables::{DLB, QLB};

/// Cross-correlation of the scaled residual `wt` with `dp` at one lag, with
/// L_mult's doubling folded out (it is applied once by the caller).
#[inline(always)]
fn cross(wt: &[i16; 40], dp: &[i16]) -> i32 {
    // |wt| < 2^9 after scaling and |dp| < 2^15: 40 products fit in 31 bits.
    wt.iter()
        .zip(dp.iter())
        .map(|(&a, &b)| a as i32 * b as i32)
        .fold(0i32, |acc, x| acc.wrapping_add(x))
}

/// Computes the LTP lag Nc and gain code bc for one sub-segment (§4.2.11).
///
/// `d` is the current short-term residual (40 samples); `dp` holds the 120
/// previous reconstructed residual samples dp(-120..-1).
pub(crate) fn parameters(d: &[i16], dp: &[i16; 120]) -> (u8, u8) {
    let dmax = d.iter().map(|&v| abs(v)).max().unwrap_or(0);
    let temp = if dmax == 0 {
        0
    } else {
        norm((dmax as i32) << 16)
    };
    let scal = if temp > 6 { 0 } else { sub(6, temp) };
    let mut wt = [0i16; 40];
    for (w, &x) in wt.iter_mut().zip(d.iter()) {
        *w = x >> scal;
    }

    // Search the lag with the largest cross-correlation; the first maximum
    // wins, as in the standard's strict comparison.
    let mut l_max = 0i32;
    let mut nc: usize = 40;
    for lambda in 40..=120usize {
        let start = 120 - lambda;
        let Some(past) = dp.get(start..start + 40) else {
            continue;
        };
        // Doubling as L_mult does; cannot overflow given the bound above.
        let l_result = cross(&wt, past).wrapping_mul(2);
        if l_result > l_max {
            nc = lambda;
            l_max = l_result;
        }
    }
    let l_max = l_max >> sub(6, scal);

    // Power of the reconstructed residual at the chosen lag.
    let mut l_power = 0i32;
    for &v in dp.iter().skip(120 - nc).take(40) {
        let t = v >> 3;
        l_power = l_power.wrapping_add(l_mult(t, t));
    }

    let bc = if l_max <= 0 {
        0
    } else if l_max >= l_power {
        3
    } else {
        let temp = norm(l_power);
        let r = ((l_max << temp) >> 16) as i16;
        let s = ((l_power << temp) >> 16) as i16;
        DLB.iter()
            .take(3)
            .position(|&dlb| r <= mult(s, dlb))
            .unwrap_or(3) as u8
    };
    (nc as u8, bc)
}

/// Long-term analysis filter (§4.2.12): the predicted residual `dpp` from
/// `dp` at lag `nc`, and the LTP residual `e = d - dpp`.
pub(crate) fn analysis_filter(
    bc: u8,
    nc: u8,
    dp: &[i16; 120],
    d: &[i16],
    e: &mut [i16; 40],
    dpp: &mut [i16; 40],
) {
    let bp = QLB[(bc & 3) as usize];
    let start = 120usize.saturating_sub(nc as usize);
    for k in 0..40 {
        let past = dp.get(start + k).copied().unwrap_or(0);
        dpp[k] = mult_r(bp, past);
        e[k] = sub(d.get(k).copied().unwrap_or(0), dpp[k]);
    }
}

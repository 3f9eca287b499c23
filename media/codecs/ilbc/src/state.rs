//! Start state (RFC 3951 §3.5 / §4.2): 57/58 residual samples coded by a
//! 3-bit scalar quantiser in an all-pass filtered domain, with one 6-bit
//! log-domain scale.

use crate::filters::allpass;
use crate::lpc::Lpc;
use crate::tables::{ORDER, STATE_FRGQ, STATE_SQ3, SUBL};

const MAX_LEN: usize = 58;

/// Nearest entry of a sorted table.
pub fn nearest(x: f32, table: &[f32]) -> usize {
    let mut i = 0;
    while i + 1 < table.len() && x > table[i] {
        i += 1;
    }
    if i > 0 && x <= 0.5 * (table[i] + table[i - 1]) {
        i - 1
    } else {
        i
    }
}

/// Decodes the start state into `out` (57 or 58 samples). The quantised
/// samples are time-reversed, passed through the all-pass filter and
/// folded (circular convolution), which inverts the encoder's filtering.
pub fn construct(idx_for_max: u16, idx_vec: &[u16], a: &Lpc, out: &mut [f32]) {
    let len = out.len().min(MAX_LEN);
    let scale = 10f32.powf(STATE_FRGQ[usize::from(idx_for_max) % 64]) / 4.5;
    let mut tmp = [0.0f32; 2 * MAX_LEN];
    for k in 0..len {
        let q = idx_vec.get(len - 1 - k).copied().unwrap_or(0);
        tmp[k] = scale * STATE_SQ3[usize::from(q) % 8];
    }
    let mut f = [0.0f32; 2 * MAX_LEN];
    allpass(&tmp[..2 * len], a, &mut f[..2 * len]);
    for k in 0..len {
        out[k] = f[len - 1 - k] + f[2 * len - 1 - k];
    }
}

/// Encodes `residual` (57/58 samples) as a start state. `syn`/`weight` are
/// the synthesis and weighting predictors of the two sub-blocks holding the
/// state; `first` tells whether the state starts at the first of them.
/// Returns (scale index, sample indices).
pub fn search(
    residual: &[f32],
    syn: [&Lpc; 2],
    weight: [&Lpc; 2],
    first: bool,
) -> (u16, [u16; MAX_LEN]) {
    let len = residual.len().min(MAX_LEN);
    let mut tmp = [0.0f32; 2 * MAX_LEN];
    tmp[..len].copy_from_slice(&residual[..len]);
    let mut f = [0.0f32; 2 * MAX_LEN];
    allpass(&tmp[..2 * len], syn[0], &mut f[..2 * len]);
    let mut x = [0.0f32; MAX_LEN];
    for k in 0..len {
        x[k] = f[k] + f[k + len];
    }
    let max = x[..len]
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(10.0);
    let idx_max = nearest(max.log10(), &STATE_FRGQ);
    let scal = 4.5 / 10f32.powf(STATE_FRGQ[idx_max]);
    for v in x[..len].iter_mut() {
        *v *= scal;
    }
    // Noise-feedback quantisation in the perceptually weighted domain: the
    // target is the weighted input; the prediction from already quantised
    // samples (through the same weighting filter) is subtracted.
    let switch = if first { SUBL } else { len - SUBL };
    let mut target = [0.0f32; MAX_LEN];
    let mut tmem = [0.0f32; ORDER];
    let mut qmem = [0.0f32; ORDER];
    let mut idx = [0u16; MAX_LEN];
    for n in 0..len {
        let w = if n < switch { weight[0] } else { weight[1] };
        // weighted input sample
        let mut t = x[n];
        for k in 0..ORDER {
            t -= w[k + 1] * tmem[k];
        }
        tmem.copy_within(0..ORDER - 1, 1);
        tmem[0] = t;
        target[n] = t;
        // prediction of the weighted quantised signal
        let mut pred = 0.0;
        for k in 0..ORDER {
            pred -= w[k + 1] * qmem[k];
        }
        let i = nearest(t - pred, &STATE_SQ3);
        idx[n] = i as u16;
        qmem.copy_within(0..ORDER - 1, 1);
        qmem[0] = STATE_SQ3[i] + pred;
    }
    (idx_max as u16, idx)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lpc::{bw_expand, lsf_to_lpc};
    use crate::tables::{CHIRP_WEIGHT, LSF_MEAN};

    #[test]
    fn nearest_picks_closest_entry() {
        assert_eq!(nearest(-10.0, &STATE_SQ3), 0);
        assert_eq!(nearest(10.0, &STATE_SQ3), 7);
        assert_eq!(nearest(0.4, &STATE_SQ3), 4);
        assert_eq!(nearest(0.0, &STATE_SQ3), 3);
    }

    #[test]
    fn search_then_construct_approximates_the_residual() {
        let a = lsf_to_lpc(&LSF_MEAN);
        let w = bw_expand(&a, CHIRP_WEIGHT);
        let res: Vec<f32> = (0..57)
            .map(|i| 3000.0 * ((i as f32) * 0.7).sin() + if i == 20 { 8000.0 } else { 0.0 })
            .collect();
        let (m, idx) = search(&res, [&a, &a], [&w, &w], true);
        let mut out = [0.0f32; 57];
        construct(m, &idx[..57], &a, &mut out);
        let es: f32 = res.iter().map(|v| v * v).sum();
        let ee: f32 = res.iter().zip(&out).map(|(x, y)| (x - y) * (x - y)).sum();
        let snr = 10.0 * (es / ee).log10();
        assert!(snr > 8.0, "start state SNR {snr}");
    }
}

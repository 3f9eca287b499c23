//! The adaptive codebook (RFC 3951 §3.6.3 / §4.3).
//!
//! Codebook vectors are read from a memory of past excitation (`lmem`
//! samples, most recent last). Index layout for a target of `len` samples:
//!
//! * `0 ..= lmem - len`: the `len` samples ending `index` samples before the
//!   end of memory;
//! * for 40-sample targets only, 20 "augmented" vectors for lags 20..39: the
//!   last `lag` samples repeated, with a 5-sample linear cross-fade;
//! * then the same again, read from the memory smoothed by the 8-tap
//!   expansion filter.

use crate::tables::{CB_FILTERS, GAIN_SQ3, GAIN_SQ4, GAIN_SQ5, SUBL};

/// Number of entries in the unfiltered half of the codebook.
pub fn base_size(lmem: usize, len: usize) -> usize {
    let plain = lmem + 1 - len;
    if len == SUBL {
        plain + SUBL / 2
    } else {
        plain
    }
}

/// Total codebook size.
pub fn cb_size(lmem: usize, len: usize) -> usize {
    2 * base_size(lmem, len)
}

/// Reads base-section vector `index` from `mem` into `out`.
/// `index` must be `< base_size(mem.len(), out.len())`.
pub fn base_vector(mem: &[f32], index: usize, out: &mut [f32]) {
    let lmem = mem.len();
    let len = out.len();
    let plain = lmem + 1 - len;
    if index < plain {
        let start = lmem - len - index;
        out.copy_from_slice(&mem[start..start + len]);
        return;
    }
    let lag = index - plain + SUBL / 2;
    let ilow = lag - 5;
    out[..ilow].copy_from_slice(&mem[lmem - lag..lmem - lag + ilow]);
    for (m, j) in (ilow..lag).enumerate() {
        let alfa = 0.2 * m as f32;
        out[j] = (1.0 - alfa) * mem[lmem - lag + j] + alfa * mem[lmem - 2 * lag + j];
    }
    out[lag..].copy_from_slice(&mem[lmem - lag..lmem - lag + (len - lag)]);
}

/// The memory smoothed by the codebook expansion filter (zero outside).
pub fn filter_memory(mem: &[f32], out: &mut [f32]) {
    let lmem = mem.len();
    for (p, o) in out.iter_mut().enumerate().take(lmem) {
        let mut acc = 0.0;
        for t in -3i32..=4 {
            let q = p as i32 + t;
            if q >= 0 && (q as usize) < lmem {
                acc += mem[q as usize] * CB_FILTERS[(4 - t) as usize];
            }
        }
        *o = acc;
    }
}

/// Codebook vector `index` (`< cb_size`) given the memory and its filtered
/// version.
pub fn cb_vector(mem: &[f32], fmem: &[f32], index: usize, out: &mut [f32]) {
    let base = base_size(mem.len(), out.len());
    if index < base {
        base_vector(mem, index, out);
    } else {
        base_vector(fmem, index - base, out);
    }
}

/// Dequantises the three stage gains.
pub fn dequant_gains(idx: &[u16; 3]) -> [f32; 3] {
    let g0 = GAIN_SQ5[usize::from(idx[0]) % 32];
    let g1 = GAIN_SQ4[usize::from(idx[1]) % 16] * g0.abs().max(0.1);
    let g2 = GAIN_SQ3[usize::from(idx[2]) % 8] * g1.abs().max(0.1);
    [g0, g1, g2]
}

/// Quantises gain `g` of `stage` given the previous stage's quantised gain.
/// Returns (index, quantised value).
pub fn quant_gain(g: f32, stage: usize, prev: f32) -> (u16, f32) {
    let (table, scale): (&[f32], f32) = match stage {
        0 => (&GAIN_SQ5, 1.0),
        1 => (&GAIN_SQ4, prev.abs().max(0.1)),
        _ => (&GAIN_SQ3, prev.abs().max(0.1)),
    };
    // Tables are sorted: the nearest entry is next to the insertion point.
    let x = g / scale;
    let hi = table.partition_point(|&t| t < x).min(table.len() - 1);
    let i = if hi > 0 && (x - table[hi - 1]) <= (table[hi] - x) {
        hi - 1
    } else {
        hi
    };
    (i as u16, scale * table[i])
}

/// Builds the excitation for one target from its three codebook indices and
/// gain indices. Returns `false` if an index is outside the codebook.
pub fn construct(out: &mut [f32], mem: &[f32], idx: &[u16; 3], gidx: &[u16; 3]) -> bool {
    let size = cb_size(mem.len(), out.len());
    if idx.iter().any(|&i| usize::from(i) >= size) {
        return false;
    }
    let mut fmem = [0.0f32; crate::tables::CB_MEML];
    let fmem = &mut fmem[..mem.len()];
    filter_memory(mem, fmem);
    let gains = dequant_gains(gidx);
    let mut vec = [0.0f32; SUBL];
    let vec = &mut vec[..out.len()];
    out.iter_mut().for_each(|v| *v = 0.0);
    for (stage, &i) in idx.iter().enumerate() {
        cb_vector(mem, fmem, usize::from(i), vec);
        for (o, v) in out.iter_mut().zip(vec.iter()) {
            *o += gains[stage] * v;
        }
    }
    true
}

/// Converts stage 2/3 indices of the first 40-sample block from their 7-bit
/// stream form to codebook indices (the stream skips the parts of the
/// codebook the encoder never searches there).
pub fn index_from_stream(i: u16) -> u16 {
    match i {
        44..=107 => i + 64,
        108..=127 => i + 128,
        _ => i,
    }
}

/// Inverse of [`index_from_stream`]; `None` if not representable.
pub fn index_to_stream(i: u16) -> Option<u16> {
    match i {
        0..=43 => Some(i),
        108..=171 => Some(i - 64),
        236..=255 => Some(i - 128),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_index_mapping_is_bijective() {
        for s in 0..128u16 {
            let i = index_from_stream(s);
            assert_eq!(index_to_stream(i), Some(s));
        }
    }

    #[test]
    fn augmented_vector_repeats_lag() {
        let mem: Vec<f32> = (0..147).map(|v| v as f32).collect();
        let mut out = [0.0f32; 40];
        // index 108 is the first augmented vector, lag 20
        base_vector(&mem, 108, &mut out);
        assert_eq!(out[0], 127.0);
        assert_eq!(out[14], 141.0);
        assert_eq!(out[20], 127.0);
        assert_eq!(out[39], 146.0);
        // plain vector 0 is the last 40 samples
        base_vector(&mem, 0, &mut out);
        assert_eq!(out[0], 107.0);
    }
}

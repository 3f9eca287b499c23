//! Encoder's adaptive codebook search (RFC 3951 §3.6.4): three stages, each
//! picking the codebook vector that best matches the remaining target in the
//! perceptually weighted domain, then quantising its gain.

use crate::codebook::{cb_size, cb_vector, filter_memory, index_to_stream, quant_gain};
use crate::lpc::Lpc;
use crate::tables::{CB_MAXGAIN, CB_MEML, CB_NSTAGES, ORDER, SUBL};

const MAX_CB: usize = 256;

/// Result of one search: codebook indices (codebook positions, not the
/// stream form) and gain indices.
pub struct SearchResult {
    /// Codebook positions per stage.
    pub cb: [u16; 3],
    /// Gain indices per stage.
    pub gain: [u16; 3],
}

/// Searches the codebook built from `mem` for `target`. With
/// `restricted`, stages 2 and 3 only use the indices the stream can carry
/// for the first 40-sample block.
pub fn search(target: &[f32], mem: &[f32], weight: &Lpc, restricted: bool) -> SearchResult {
    let lmem = mem.len();
    let len = target.len();
    // Weight [memory | target] with 1/Aw(z) from rest.
    let mut buf = [0.0f32; CB_MEML + SUBL];
    buf[..lmem].copy_from_slice(mem);
    buf[lmem..lmem + len].copy_from_slice(target);
    let mut wmem = [0.0f32; ORDER];
    for v in buf[..lmem + len].iter_mut() {
        let mut y = *v;
        for k in 0..ORDER {
            y -= weight[k + 1] * wmem[k];
        }
        wmem.copy_within(0..ORDER - 1, 1);
        wmem[0] = y;
        *v = y;
    }
    let (wm, wt) = buf.split_at(lmem);
    let mut t = [0.0f32; SUBL];
    let t = &mut t[..len];
    t.copy_from_slice(&wt[..len]);
    let mut fm = [0.0f32; CB_MEML];
    let fm = &mut fm[..lmem];
    filter_memory(wm, fm);

    let size = cb_size(lmem, len).min(MAX_CB);
    let mut vecs = [[0.0f32; SUBL]; MAX_CB];
    let mut energy = [0.0f32; MAX_CB];
    for i in 0..size {
        let v = &mut vecs[i][..len];
        cb_vector(wm, fm, i, v);
        energy[i] = dot(v, v);
    }

    let mut res = SearchResult {
        cb: [0; 3],
        gain: [0; 3],
    };
    let mut prev_gain = 1.0f32;
    for stage in 0..CB_NSTAGES {
        // (measure, index, unquantised gain); index 0 with gain 0 if nothing
        // qualifies (e.g. all-zero memory)
        let mut best: (f32, usize, f32) = (f32::MIN, 0, 0.0);
        for i in 0..size {
            if restricted && stage > 0 && index_to_stream(i as u16).is_none() {
                continue;
            }
            let e = energy[i];
            if e <= 1e-6 {
                continue;
            }
            let c = dot(t, &vecs[i][..len]);
            // RFC 3951 §3.6.4.2: maximise (target . cbvec)^2 / |cbvec|^2
            // among vectors whose optimal gain is below CB_MAXGAIN in
            // magnitude (and positive in the first stage).
            let g = c / e;
            if g.abs() >= CB_MAXGAIN || (stage == 0 && c <= 0.0) {
                continue;
            }
            if c * g > best.0 {
                best = (c * g, i, g);
            }
        }
        let (_, i, g) = best;
        let (gi, gq) = quant_gain(g, stage, prev_gain);
        res.cb[stage] = i as u16;
        res.gain[stage] = gi;
        for (tv, v) in t.iter_mut().zip(&vecs[i][..len]) {
            *tv -= gq * v;
        }
        prev_gain = gq;
    }
    res
}

/// Dot product with eight independent accumulators (lets the compiler
/// vectorise; the summation order differs from a plain loop only in
/// rounding).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        s += x * y;
    }
    s
}

//! Decoding of the excitation of one frame from its indices (RFC 3951 §4.3
//! to §4.4): the start state, then the remaining samples of its two
//! sub-blocks, then sub-blocks forward in time, then backward in time (the
//! backward ones are coded time-reversed).

use crate::bits::FrameParams;
use crate::codebook::{construct, index_from_stream};
use crate::lpc::Lpc;
use crate::mode::IlbcMode;
use crate::state;
use crate::tables::{CB_MEML, STATE_LEN, ST_MEML, SUBL};

/// Codebook indices of the 40-sample sub-blocks, converted to codebook
/// positions.
pub fn stream_to_cb(p: &FrameParams) -> [[u16; 3]; 4] {
    let mut cb = p.cb;
    cb[0][1] = index_from_stream(cb[0][1]);
    cb[0][2] = index_from_stream(cb[0][2]);
    cb
}

/// Whether every index of `p` addresses something that exists (the start
/// position and the 7-bit codebook index of the short block can exceed
/// their ranges; all other fields are full-range by their bit widths).
pub fn params_valid(mode: IlbcMode, p: &FrameParams) -> bool {
    let start = usize::from(p.start);
    let diff = STATE_LEN - mode.state_short_len();
    let size = crate::codebook::cb_size(ST_MEML, diff);
    (1..mode.nsub()).contains(&start) && p.extra_cb.iter().all(|&i| usize::from(i) < size)
}

/// Decodes the frame's excitation into `out` (160/240 samples), using the
/// synthesis predictors `syn` (one per sub-block). Returns `false` if the
/// frame's indices are invalid.
pub fn decode(mode: IlbcMode, p: &FrameParams, syn: &[Lpc], out: &mut [f32]) -> bool {
    let nsub = mode.nsub();
    let start = usize::from(p.start);
    if start < 1 || start >= nsub {
        return false;
    }
    let short = mode.state_short_len();
    let diff = STATE_LEN - short;
    let first = p.state_first != 0;
    let start_pos = (start - 1) * SUBL + if first { 0 } else { diff };

    state::construct(
        p.idx_for_max,
        &p.idx_vec[..short],
        &syn[start - 1],
        &mut out[start_pos..start_pos + short],
    );

    let mut mem = [0.0f32; CB_MEML];
    // Remaining diff samples of the state's two sub-blocks.
    if first {
        mem[CB_MEML - short..].copy_from_slice(&out[start_pos..start_pos + short]);
        let pos = start_pos + short;
        if !construct(
            &mut out[pos..pos + diff],
            &mem[CB_MEML - ST_MEML..],
            &p.extra_cb,
            &p.extra_gain,
        ) {
            return false;
        }
    } else {
        for k in 0..short {
            mem[CB_MEML - 1 - k] = out[start_pos + k];
        }
        let mut rev = [0.0f32; 23];
        if !construct(
            &mut rev[..diff],
            &mem[CB_MEML - ST_MEML..],
            &p.extra_cb,
            &p.extra_gain,
        ) {
            return false;
        }
        for k in 0..diff {
            out[start_pos - 1 - k] = rev[k];
        }
    }

    let cb = stream_to_cb(p);
    let mut sub = 0usize;
    // Forward sub-blocks.
    let nfor = nsub - start - 1;
    if nfor > 0 {
        mem.fill(0.0);
        let s = (start - 1) * SUBL;
        mem[CB_MEML - STATE_LEN..].copy_from_slice(&out[s..s + STATE_LEN]);
        for k in 0..nfor {
            let pos = (start + 1 + k) * SUBL;
            if !construct(&mut out[pos..pos + SUBL], &mem, &cb[sub], &p.gain[sub]) {
                return false;
            }
            mem.copy_within(SUBL.., 0);
            mem[CB_MEML - SUBL..].copy_from_slice(&out[pos..pos + SUBL]);
            sub += 1;
        }
    }
    // Backward sub-blocks, time-reversed.
    let nback = start - 1;
    if nback > 0 {
        mem.fill(0.0);
        let got = (SUBL * (nsub + 1 - start)).min(CB_MEML);
        for k in 0..got {
            mem[CB_MEML - 1 - k] = out[(start - 1) * SUBL + k];
        }
        let mut rev = [0.0f32; 240];
        for k in 0..nback {
            let r = &mut rev[k * SUBL..(k + 1) * SUBL];
            if !construct(r, &mem, &cb[sub], &p.gain[sub]) {
                return false;
            }
            mem.copy_within(SUBL.., 0);
            mem[CB_MEML - SUBL..].copy_from_slice(r);
            sub += 1;
        }
        for i in 0..SUBL * nback {
            out[SUBL * nback - 1 - i] = rev[i];
        }
    }
    true
}

//! The iLBC encoder (RFC 3951 §3).

use crate::bits::{pack, FrameParams};
use crate::codebook::{construct, index_to_stream};
use crate::filters::{analysis, Biquad};
use crate::lpc::{
    autocorr, bw_expand, interpolate, levinson, lpc_to_lsf, lsf_check, lsf_dequant, lsf_quant,
    lsf_to_lpc, Lsf, LPC_ONE,
};
use crate::mode::IlbcMode;
use crate::search::search;
use crate::state;
use crate::tables::{
    CB_MEML, CHIRP_SYNT, CHIRP_WEIGHT, HPI_POLE, HPI_ZERO, LPC_ASYMWIN, LPC_LAGWIN, LPC_WIN,
    LSF_MEAN, LSF_WEIGHT_20MS, LSF_WEIGHT_30MS, ORDER, STATE_LEN, ST_MEML, SUBL,
};
use crate::Error;

const LOOKBACK: usize = 60;
const WINL: usize = 240;
const LPC_BUFL: usize = LOOKBACK + WINL;

/// iLBC encoder for one stream.
///
/// ```
/// use openphone_ilbc::{Encoder, IlbcMode};
/// let mut enc = Encoder::new(IlbcMode::Ms30);
/// let mut frame = [0u8; 50];
/// assert_eq!(enc.encode(&[0i16; 240], &mut frame).unwrap(), 50);
/// assert!(enc.encode(&[0i16; 160], &mut frame).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    mode: IlbcMode,
    hp: Biquad,
    lpc_buf: [f32; LPC_BUFL],
    lsf_old: Lsf,
    lsfq_old: Lsf,
    ana_mem: [f32; ORDER],
}

impl Encoder {
    /// A fresh encoder.
    pub fn new(mode: IlbcMode) -> Self {
        Encoder {
            mode,
            hp: Biquad::default(),
            lpc_buf: [0.0; LPC_BUFL],
            lsf_old: LSF_MEAN,
            lsfq_old: LSF_MEAN,
            ana_mem: [0.0; ORDER],
        }
    }

    /// The frame mode.
    pub fn mode(&self) -> IlbcMode {
        self.mode
    }

    /// Encodes exactly one frame of PCM (160 or 240 samples) into `out`,
    /// returning the number of bytes written (38 or 50).
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, Error> {
        let n = self.mode.frame_samples();
        let nb = self.mode.frame_bytes();
        if pcm.len() != n {
            return Err(Error::FrameSamples {
                expected: n,
                got: pcm.len(),
            });
        }
        if out.len() < nb {
            return Err(Error::BufferTooSmall {
                need: nb,
                have: out.len(),
            });
        }
        let params = self.analyse(pcm);
        pack(self.mode, &params, &mut out[..nb]);
        Ok(nb)
    }

    /// LPC analysis of the new block (plus look-back): one or two LSF sets.
    fn lpc_analysis(&mut self, data: &[f32]) -> [Lsf; 2] {
        let n = data.len();
        self.lpc_buf[LPC_BUFL - n..].copy_from_slice(data);
        let lpc_n = self.mode.lpc_n();
        let mut out = [self.lsf_old; 2];
        for k in 0..lpc_n {
            let mut w = [0.0f32; WINL];
            if k + 1 < lpc_n {
                for i in 0..WINL {
                    w[i] = self.lpc_buf[i] * LPC_WIN[i];
                }
            } else {
                for i in 0..WINL {
                    w[i] = self.lpc_buf[LOOKBACK + i] * LPC_ASYMWIN[i];
                }
            }
            let mut r = autocorr(&w);
            for (rv, lw) in r.iter_mut().zip(&LPC_LAGWIN) {
                *rv *= lw;
            }
            let a = bw_expand(&levinson(&r), CHIRP_SYNT);
            if let Some(l) = lpc_to_lsf(&a) {
                out[k] = l;
            } else if k > 0 {
                out[k] = out[k - 1];
            }
        }
        self.lpc_buf.copy_within(n.., 0);
        out
    }

    fn analyse(&mut self, pcm: &[i16]) -> FrameParams {
        let mode = self.mode;
        let n = mode.frame_samples();
        let nsub = mode.nsub();
        let mut data = [0.0f32; 240];
        let data = &mut data[..n];
        for (d, &s) in data.iter_mut().zip(pcm) {
            *d = f32::from(s);
        }
        self.hp.run(data, &HPI_ZERO, &HPI_POLE);

        let mut p = FrameParams::default();
        let lsf = self.lpc_analysis(data);
        let mut lsfq = [LSF_MEAN; 2];
        for k in 0..mode.lpc_n() {
            let idx = lsf_quant(&lsf[k]);
            p.lsf[3 * k..3 * k + 3].copy_from_slice(&idx);
            lsfq[k] = lsf_dequant(&idx);
            lsf_check(&mut lsfq[k]);
        }
        let mut syn = [LPC_ONE; 6];
        let mut weight = [LPC_ONE; 6];
        match mode {
            IlbcMode::Ms20 => {
                for (i, &w) in LSF_WEIGHT_20MS.iter().enumerate() {
                    syn[i] = lsf_to_lpc(&interpolate(&self.lsfq_old, &lsfq[0], w));
                    weight[i] = bw_expand(
                        &lsf_to_lpc(&interpolate(&self.lsf_old, &lsf[0], w)),
                        CHIRP_WEIGHT,
                    );
                }
                self.lsf_old = lsf[0];
                self.lsfq_old = lsfq[0];
            }
            IlbcMode::Ms30 => {
                for (i, &w) in LSF_WEIGHT_30MS.iter().enumerate() {
                    let (a, b, qa, qb) = if i == 0 {
                        (&self.lsf_old, &lsf[0], &self.lsfq_old, &lsfq[0])
                    } else {
                        (&lsf[0], &lsf[1], &lsfq[0], &lsfq[1])
                    };
                    syn[i] = lsf_to_lpc(&interpolate(qa, qb, w));
                    weight[i] = bw_expand(&lsf_to_lpc(&interpolate(a, b, w)), CHIRP_WEIGHT);
                }
                self.lsf_old = lsf[1];
                self.lsfq_old = lsfq[1];
            }
        }

        // LPC residual with the quantised predictors.
        let mut res = [0.0f32; 240];
        let res = &mut res[..n];
        for i in 0..nsub {
            let r = i * SUBL..(i + 1) * SUBL;
            analysis(&data[r.clone()], &syn[i], &mut self.ana_mem, &mut res[r]);
        }

        // Start state: the most energetic pair of sub-blocks.
        let start = classify(mode, res);
        let short = mode.state_short_len();
        let diff = STATE_LEN - short;
        let pair = (start - 1) * SUBL;
        let e = |s: usize| -> f32 { res[s..s + short].iter().map(|v| v * v).sum() };
        let first = e(pair) > e(pair + diff);
        let start_pos = pair + if first { 0 } else { diff };
        p.start = start as u16;
        p.state_first = u16::from(first);
        let (idx_max, idx_vec) = state::search(
            &res[start_pos..start_pos + short],
            [&syn[start - 1], &syn[start]],
            [&weight[start - 1], &weight[start]],
            first,
        );
        p.idx_for_max = idx_max;
        p.idx_vec = idx_vec;
        let mut dec = [0.0f32; 240];
        let dec = &mut dec[..n];
        state::construct(
            idx_max,
            &idx_vec[..short],
            &syn[start - 1],
            &mut dec[start_pos..start_pos + short],
        );

        // The rest of the state's two sub-blocks.
        let mut mem = [0.0f32; CB_MEML];
        if first {
            mem[CB_MEML - short..].copy_from_slice(&dec[start_pos..start_pos + short]);
            let pos = start_pos + short;
            let r = search(
                &res[pos..pos + diff],
                &mem[CB_MEML - ST_MEML..],
                &weight[start],
                false,
            );
            p.extra_cb = r.cb;
            p.extra_gain = r.gain;
            construct(
                &mut dec[pos..pos + diff],
                &mem[CB_MEML - ST_MEML..],
                &r.cb,
                &r.gain,
            );
        } else {
            for k in 0..short {
                mem[CB_MEML - 1 - k] = dec[start_pos + k];
            }
            let mut target = [0.0f32; 23];
            for k in 0..diff {
                target[k] = res[start_pos - 1 - k];
            }
            let r = search(
                &target[..diff],
                &mem[CB_MEML - ST_MEML..],
                &weight[start - 1],
                false,
            );
            p.extra_cb = r.cb;
            p.extra_gain = r.gain;
            let mut rev = [0.0f32; 23];
            construct(&mut rev[..diff], &mem[CB_MEML - ST_MEML..], &r.cb, &r.gain);
            for k in 0..diff {
                dec[start_pos - 1 - k] = rev[k];
            }
        }

        let mut sub = 0usize;
        let nfor = nsub - start - 1;
        if nfor > 0 {
            mem.fill(0.0);
            mem[CB_MEML - STATE_LEN..].copy_from_slice(&dec[pair..pair + STATE_LEN]);
            for k in 0..nfor {
                let pos = (start + 1 + k) * SUBL;
                let r = search(
                    &res[pos..pos + SUBL],
                    &mem,
                    &weight[start + 1 + k],
                    sub == 0,
                );
                self.store(&mut p, sub, &r.cb, &r.gain);
                construct(&mut dec[pos..pos + SUBL], &mem, &r.cb, &r.gain);
                mem.copy_within(SUBL.., 0);
                mem[CB_MEML - SUBL..].copy_from_slice(&dec[pos..pos + SUBL]);
                sub += 1;
            }
        }
        let nback = start - 1;
        if nback > 0 {
            mem.fill(0.0);
            let got = (SUBL * (nsub + 1 - start)).min(CB_MEML);
            for k in 0..got {
                mem[CB_MEML - 1 - k] = dec[pair + k];
            }
            for k in 0..nback {
                // Sub-block start-2-k, time-reversed.
                let blk = start - 2 - k;
                let mut target = [0.0f32; SUBL];
                for (j, t) in target.iter_mut().enumerate() {
                    *t = res[(blk + 1) * SUBL - 1 - j];
                }
                let r = search(&target, &mem, &weight[blk], sub == 0);
                self.store(&mut p, sub, &r.cb, &r.gain);
                let mut rv = [0.0f32; SUBL];
                construct(&mut rv, &mem, &r.cb, &r.gain);
                mem.copy_within(SUBL.., 0);
                mem[CB_MEML - SUBL..].copy_from_slice(&rv);
                sub += 1;
            }
        }
        p
    }

    /// Stores sub-block `sub`'s indices in stream form.
    fn store(&self, p: &mut FrameParams, sub: usize, cb: &[u16; 3], gain: &[u16; 3]) {
        let mut c = *cb;
        if sub == 0 {
            // the search only picks representable indices here
            c[1] = index_to_stream(c[1]).unwrap_or(0);
            c[2] = index_to_stream(c[2]).unwrap_or(0);
        }
        p.cb[sub] = c;
        p.gain[sub] = *gain;
    }
}

/// Picks the pair of adjacent sub-blocks `(n-1, n)` with the most residual
/// energy, tapering the pair's outer 5 samples and favouring the frame
/// centre (RFC 3951 §3.5.1). Returns `n` (1-based start position).
fn classify(mode: IlbcMode, res: &[f32]) -> usize {
    const EDGE: [f32; 5] = [1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0, 4.0 / 6.0, 5.0 / 6.0];
    const POS_WIN: [f32; 5] = [0.8, 0.9, 1.0, 0.9, 0.8];
    let nsub = mode.nsub();
    let mut best = (f32::MIN, 1usize);
    let woff = match mode {
        IlbcMode::Ms20 => 1,
        IlbcMode::Ms30 => 0,
    };
    for n in 1..nsub {
        // pair (n-1, n): taper the first 5 samples of n-1 and the last 5 of n
        let a = &res[(n - 1) * SUBL..n * SUBL];
        let b = &res[n * SUBL..(n + 1) * SUBL];
        let mut e = 0.0f32;
        for (i, v) in a.iter().enumerate() {
            e += v * v * if i < 5 { EDGE[i] } else { 1.0 };
        }
        for (i, v) in b.iter().enumerate() {
            e += v
                * v
                * if i >= SUBL - 5 {
                    EDGE[SUBL - 1 - i]
                } else {
                    1.0
                };
        }
        let e = e * POS_WIN[n - 1 + woff];
        if e > best.0 {
            best = (e, n);
        }
    }
    best.1
}

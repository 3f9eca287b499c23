//! The iLBC decoder (RFC 3951 §4).

use crate::bits::{unpack, FrameParams};
use crate::enhancer::{xcorr_coef, Enhancer};
use crate::excitation;
use crate::filters::{synth, Biquad};
use crate::lpc::{interpolate, lsf_check, lsf_dequant, lsf_to_lpc, Lpc, Lsf, LPC_ONE};
use crate::mode::IlbcMode;
use crate::plc::Plc;
use crate::tables::{HPO_POLE, HPO_ZERO, LSF_MEAN, LSF_WEIGHT_20MS, LSF_WEIGHT_30MS, ORDER, SUBL};
use crate::Error;

/// iLBC decoder for one stream.
///
/// ```
/// use openphone_ilbc::{Decoder, IlbcMode};
/// let mut dec = Decoder::new(IlbcMode::Ms20);
/// let mut pcm = [0i16; 160];
/// // A frame whose last bit is set is an "empty" frame: it is concealed.
/// let mut frame = [0u8; 38];
/// frame[37] = 1;
/// assert_eq!(dec.decode(&frame, &mut pcm).unwrap(), 160);
/// assert!(dec.decode(&[0u8; 10], &mut pcm).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    mode: IlbcMode,
    enhance: bool,
    lsf_old: Lsf,
    syn_mem: [f32; ORDER],
    old_syn: [Lpc; 6],
    hp: Biquad,
    enh: Enhancer,
    plc: Plc,
    prev_concealed: bool,
    last_lag: usize,
}

impl Decoder {
    /// A decoder with the enhancer on (as RFC 3951 recommends).
    pub fn new(mode: IlbcMode) -> Self {
        Decoder {
            mode,
            enhance: true,
            lsf_old: LSF_MEAN,
            syn_mem: [0.0; ORDER],
            old_syn: [LPC_ONE; 6],
            hp: Biquad::default(),
            enh: Enhancer::default(),
            plc: Plc::default(),
            prev_concealed: false,
            last_lag: 20,
        }
    }

    /// A decoder with the enhancer switched on or off. Without it, output is
    /// not delayed but sounds rougher.
    pub fn with_enhancer(mode: IlbcMode, enhance: bool) -> Self {
        Decoder {
            enhance,
            ..Decoder::new(mode)
        }
    }

    /// The frame mode.
    pub fn mode(&self) -> IlbcMode {
        self.mode
    }

    /// Decodes one frame (exactly `frame_bytes` long) into `out`
    /// (at least `frame_samples` long). Frames that carry the empty-frame
    /// flag or invalid indices are concealed as lost, as RFC 3951 §4
    /// prescribes. Returns the number of samples written.
    pub fn decode(&mut self, frame: &[u8], out: &mut [i16]) -> Result<usize, Error> {
        let n = self.mode.frame_samples();
        if frame.len() != self.mode.frame_bytes() {
            return Err(Error::FrameLength {
                expected: self.mode.frame_bytes(),
                got: frame.len(),
            });
        }
        if out.len() < n {
            return Err(Error::BufferTooSmall {
                need: n,
                have: out.len(),
            });
        }
        let (params, empty) = unpack(self.mode, frame);
        let mut residual = [0.0f32; 240];
        let mut syn = [LPC_ONE; 6];
        let good = !empty
            && excitation::params_valid(self.mode, &params)
            && self.decode_params(&params, &mut residual[..n], &mut syn);
        if !good {
            return self.conceal(out);
        }
        self.plc
            .good_frame(&residual[..n], &syn[self.mode.nsub() - 1]);
        self.finish(&residual[..n], &syn, false, out);
        Ok(n)
    }

    /// Produces one frame of concealment in place of a lost frame.
    pub fn conceal(&mut self, out: &mut [i16]) -> Result<usize, Error> {
        let n = self.mode.frame_samples();
        if out.len() < n {
            return Err(Error::BufferTooSmall {
                need: n,
                have: out.len(),
            });
        }
        let mut residual = [0.0f32; 240];
        let lpc = self.plc.conceal(&mut residual[..n], self.last_lag);
        let syn = [lpc; 6];
        self.finish(&residual[..n], &syn, true, out);
        Ok(n)
    }

    /// LSF decoding and interpolation, then excitation decoding. State is
    /// only updated when the whole frame is valid.
    fn decode_params(&mut self, p: &FrameParams, residual: &mut [f32], syn: &mut [Lpc; 6]) -> bool {
        let mut lsf1 = lsf_dequant(&p.lsf[0..3]);
        lsf_check(&mut lsf1);
        match self.mode {
            IlbcMode::Ms20 => {
                for (i, &w) in LSF_WEIGHT_20MS.iter().enumerate() {
                    syn[i] = lsf_to_lpc(&interpolate(&self.lsf_old, &lsf1, w));
                }
            }
            IlbcMode::Ms30 => {
                let mut lsf2 = lsf_dequant(&p.lsf[3..6]);
                lsf_check(&mut lsf2);
                syn[0] = lsf_to_lpc(&interpolate(&self.lsf_old, &lsf1, LSF_WEIGHT_30MS[0]));
                for (i, &w) in LSF_WEIGHT_30MS.iter().enumerate().skip(1) {
                    syn[i] = lsf_to_lpc(&interpolate(&lsf1, &lsf2, w));
                }
                lsf1 = lsf2;
            }
        }
        if !excitation::decode(self.mode, p, &syn[..self.mode.nsub()], residual) {
            return false;
        }
        self.lsf_old = lsf1;
        true
    }

    /// Enhancement, synthesis filtering and output high-pass.
    fn finish(&mut self, residual: &[f32], syn: &[Lpc; 6], concealed: bool, out: &mut [i16]) {
        let n = residual.len();
        let nsub = self.mode.nsub();
        let mut data = [0.0f32; 240];
        let data = &mut data[..n];
        if self.enhance {
            self.last_lag = self
                .enh
                .process(self.mode, residual, data, self.prev_concealed);
            // The enhancer delays by 1 (20 ms) or 2 (30 ms) sub-blocks: those
            // sub-blocks still belong to the previous frame's predictors.
            let delay = match self.mode {
                IlbcMode::Ms20 => 1,
                IlbcMode::Ms30 => 2,
            };
            for i in 0..nsub {
                let a = if i < delay {
                    &self.old_syn[nsub - delay + i]
                } else {
                    &syn[i - delay]
                };
                synth(&mut data[i * SUBL..(i + 1) * SUBL], a, &mut self.syn_mem);
            }
        } else {
            let mut lag = 20;
            let tail = &residual[n - 80..];
            let mut maxcc = xcorr_coef(tail, &residual[n - 80 - lag..n - lag]);
            for l in 21..80 {
                let cc = xcorr_coef(tail, &residual[n - 80 - l..n - l]);
                if cc > maxcc {
                    maxcc = cc;
                    lag = l;
                }
            }
            self.last_lag = lag;
            data.copy_from_slice(residual);
            for i in 0..nsub {
                synth(
                    &mut data[i * SUBL..(i + 1) * SUBL],
                    &syn[i],
                    &mut self.syn_mem,
                );
            }
        }
        self.hp.run(data, &HPO_ZERO, &HPO_POLE);
        for (o, &v) in out.iter_mut().zip(data.iter()) {
            *o = v.round().clamp(-32768.0, 32767.0) as i16;
        }
        // Keep the filter state finite whatever the input was.
        if self.syn_mem.iter().any(|v| !v.is_finite()) {
            self.syn_mem = [0.0; ORDER];
        }
        self.old_syn = *syn;
        self.prev_concealed = concealed;
    }
}

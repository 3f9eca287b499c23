//! The RPE-LTP encoder (GSM 06.10 §4.2).

use crate::frame::{FrameParams, SubframeParams, FRAME_BYTES};
use crate::lpc::{self, Preprocess};
use crate::ops::add;
use crate::short_term::{self, SEGMENTS};
use crate::{ltp, rpe, Error, FRAME_SAMPLES};

/// GSM 06.10 full-rate encoder: 160 samples in, 33 bytes out.
///
/// Input samples are 16-bit linear PCM at 8 kHz; as the standard specifies,
/// only their 13 most significant bits are used.
///
/// ```
/// use openphone_gsm::Encoder;
/// let mut enc = Encoder::new();
/// let frame = enc.encode(&[0i16; 160]);
/// assert_eq!(frame.len(), 33);
/// assert_eq!(frame[0] >> 4, 0xD);
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    pre: Preprocess,
    /// LARpp of the previous frame, for interpolation.
    larpp_prev: [i16; 8],
    /// Short-term analysis filter memory u(0..7).
    u: [i16; 8],
    /// Reconstructed short-term residual dp(-120..-1).
    dp: [i16; 120],
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// A new encoder in the standard's home state (all memories zero).
    pub fn new() -> Self {
        Self {
            pre: Preprocess::default(),
            larpp_prev: [0; 8],
            u: [0; 8],
            dp: [0; 120],
        }
    }

    /// Returns the encoder to its initial state.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Encodes one 20 ms frame into its coded parameters.
    pub fn encode_params(&mut self, pcm: &[i16; FRAME_SAMPLES]) -> FrameParams {
        let mut s = [0i16; FRAME_SAMPLES];
        self.pre.run(pcm, &mut s);
        let larc = lpc::analyse(&mut s);

        // Short-term analysis with coefficients interpolated per segment.
        let larpp = short_term::decode_lar(&larc);
        let rps = short_term::segment_coefficients(&self.larpp_prev, &larpp);
        self.larpp_prev = larpp;
        let mut start = 0;
        for (rp, len) in rps.iter().zip(SEGMENTS) {
            if let Some(seg) = s.get_mut(start..start + len) {
                short_term::analysis_filter(&mut self.u, rp, seg);
            }
            start += len;
        }
        let d = s;

        let mut params = FrameParams {
            larc,
            sub: [SubframeParams::default(); 4],
        };
        for (j, sub) in params.sub.iter_mut().enumerate() {
            let dj = d.get(j * 40..j * 40 + 40).unwrap_or(&[]);
            let (nc, bc) = ltp::parameters(dj, &self.dp);
            let mut e = [0i16; 40];
            let mut dpp = [0i16; 40];
            ltp::analysis_filter(bc, nc, &self.dp, dj, &mut e, &mut dpp);

            let mut x = [0i16; 40];
            rpe::weighting_filter(&e, &mut x);
            let (mc, xm) = rpe::grid_selection(&x);
            let (xmaxc, xmc) = rpe::quantize(&xm);
            let xmp = rpe::dequantize(xmaxc, &xmc);
            let mut ep = [0i16; 40];
            rpe::grid_position(mc, &xmp, &mut ep);

            // §4.2.18: shift the reconstructed residual and append this block.
            self.dp.copy_within(40.., 0);
            for (k, slot) in self.dp[80..].iter_mut().enumerate() {
                *slot = add(ep[k], dpp[k]);
            }
            *sub = SubframeParams {
                nc,
                bc,
                mc,
                xmaxc,
                xmc,
            };
        }
        params
    }

    /// Encodes one 20 ms frame (160 samples) into a 33-byte RTP frame.
    pub fn encode(&mut self, pcm: &[i16; FRAME_SAMPLES]) -> [u8; FRAME_BYTES] {
        self.encode_params(pcm).pack()
    }

    /// Encodes `pcm`, which must hold exactly 160 samples, into the first 33
    /// bytes of `out`, returning 33.
    pub fn encode_into(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, Error> {
        let pcm: &[i16; FRAME_SAMPLES] = pcm.try_into().map_err(|_| Error::FrameSize {
            expected: FRAME_SAMPLES,
            got: pcm.len(),
        })?;
        let have = out.len();
        let slot = out.get_mut(..FRAME_BYTES).ok_or(Error::BufferTooSmall {
            need: FRAME_BYTES,
            have,
        })?;
        slot.copy_from_slice(&self.encode(pcm));
        Ok(FRAME_BYTES)
    }
}

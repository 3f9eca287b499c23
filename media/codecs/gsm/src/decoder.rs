//! The RPE-LTP decoder (GSM 06.10 §4.3) and lost-frame substitution and
//! muting (GSM 06.11).

use crate::frame::{FrameParams, SubframeParams, FRAME_BYTES};
use crate::ops::{add, mult_r};
use crate::short_term::{self, sat16, SEGMENTS};
use crate::tables::QLB;
use crate::{rpe, Error, FRAME_SAMPLES};

/// The "silence frame" of GSM 06.11 table 1, decoded once muting completes.
const SILENCE: FrameParams = {
    let sub = SubframeParams {
        nc: 40,
        bc: 0,
        mc: 1,
        xmaxc: 0,
        xmc: [3, 4, 3, 4, 4, 3, 3, 3, 3, 4, 4, 3, 3],
    };
    FrameParams {
        larc: [42, 39, 21, 10, 9, 4, 3, 2],
        sub: [sub; 4],
    }
};

/// GSM 06.11 §6: the block amplitude code drops by this much per
/// substituted frame, muting the output within 16 frames (320 ms).
const MUTE_STEP: u8 = 4;

/// GSM 06.10 full-rate decoder: 33 bytes in, 160 samples out.
///
/// ```
/// use openphone_gsm::{Decoder, Encoder};
/// let mut enc = Encoder::new();
/// let mut dec = Decoder::new();
/// let tone: Vec<i16> = (0..160).map(|i| if i % 20 < 10 { 4000 } else { -4000 }).collect();
/// let frame = enc.encode(tone.as_slice().try_into().unwrap());
/// let pcm = dec.decode(&frame).unwrap();
/// assert_eq!(pcm.len(), 160);
/// // A lost packet: repeat-and-fade concealment per GSM 06.11.
/// let mut out = [0i16; 160];
/// dec.conceal(&mut out);
/// // Payloads that are not whole 33-byte 0xD frames are refused.
/// assert!(dec.decode_into(&[0u8; 32], &mut [0i16; 160]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    /// LARpp of the previous frame, for interpolation.
    larpp_prev: [i16; 8],
    /// Short-term synthesis filter memory v(0..8).
    v: [i16; 9],
    /// Reconstructed residual: drp(-120..-1) in \[0..120\], the current
    /// sub-segment in \[120..160\].
    drp: [i16; 160],
    /// Previous valid LTP lag (nrp).
    nrp: u8,
    /// De-emphasis memory (msr).
    msr: i16,
    /// Parameters repeated for a lost frame (the last good frame, faded).
    subst: FrameParams,
    /// Consecutive lost frames so far.
    lost: u32,
    /// State of the generator for the random grid positions of GSM 06.11.
    rng: u32,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A new decoder in the standard's home state.
    pub fn new() -> Self {
        Self {
            larpp_prev: [0; 8],
            v: [0; 9],
            drp: [0; 160],
            nrp: 40,
            msr: 0,
            subst: SILENCE,
            lost: 0,
            rng: 0x2545_F491,
        }
    }

    /// Returns the decoder to its initial state.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// Decodes one set of frame parameters into 160 samples.
    pub fn decode_params(&mut self, p: &FrameParams, out: &mut [i16; FRAME_SAMPLES]) {
        self.subst = *p;
        self.lost = 0;
        self.synthesize(p, out);
    }

    /// Decodes one 33-byte frame.
    pub fn decode(&mut self, frame: &[u8; FRAME_BYTES]) -> Result<[i16; FRAME_SAMPLES], Error> {
        let p = FrameParams::unpack(frame)?;
        let mut out = [0i16; FRAME_SAMPLES];
        self.decode_params(&p, &mut out);
        Ok(out)
    }

    /// Decodes an RTP payload of one or more whole 33-byte frames into
    /// `out`, returning the number of samples written (160 per frame).
    ///
    /// The payload is checked completely before any frame is decoded, so a
    /// refused payload leaves the decoder state untouched.
    pub fn decode_into(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, Error> {
        if payload.is_empty() || payload.len() % FRAME_BYTES != 0 {
            return Err(Error::PayloadLength { len: payload.len() });
        }
        let frames = payload.len() / FRAME_BYTES;
        let need = frames * FRAME_SAMPLES;
        if out.len() < need {
            return Err(Error::BufferTooSmall {
                need,
                have: out.len(),
            });
        }
        for (i, f) in payload.chunks_exact(FRAME_BYTES).enumerate() {
            let sig = f.first().map_or(0, |b| b >> 4);
            if sig != crate::frame::SIGNATURE {
                return Err(Error::BadSignature {
                    frame: i,
                    found: sig,
                });
            }
        }
        for (f, o) in payload
            .chunks_exact(FRAME_BYTES)
            .zip(out.chunks_exact_mut(FRAME_SAMPLES))
        {
            let (Ok(f), Ok(o)) = (
                <&[u8; FRAME_BYTES]>::try_from(f),
                <&mut [i16; FRAME_SAMPLES]>::try_from(o),
            ) else {
                continue;
            };
            let p = FrameParams::unpack(f)?;
            self.decode_params(&p, o);
        }
        Ok(need)
    }

    /// Produces one frame in place of a lost one, following the example
    /// solution of GSM 06.11 §6:
    ///
    /// - the first lost frame repeats the last good frame's parameters;
    /// - each further lost frame repeats them with every block amplitude
    ///   code xmaxc lowered by 4 and random grid positions, so the output
    ///   fades out within 16 frames (320 ms);
    /// - once xmaxc has reached 0, the 06.11 silence frame is decoded.
    ///
    /// Before any good frame arrives, the silence frame is decoded.
    pub fn conceal(&mut self, out: &mut [i16; FRAME_SAMPLES]) {
        self.lost = self.lost.saturating_add(1);
        if self.lost > 1 {
            if self.subst.sub.iter().all(|s| s.xmaxc == 0) {
                self.subst = SILENCE;
            } else {
                for j in 0..4 {
                    let mc = self.next_grid();
                    let s = &mut self.subst.sub[j];
                    s.xmaxc = s.xmaxc.saturating_sub(MUTE_STEP);
                    s.mc = mc;
                }
            }
        }
        let p = self.subst;
        self.synthesize(&p, out);
    }

    /// [`Decoder::conceal`] into a caller slice of at least 160 samples,
    /// returning 160.
    pub fn conceal_into(&mut self, out: &mut [i16]) -> Result<usize, Error> {
        let have = out.len();
        let o: &mut [i16; FRAME_SAMPLES] = out
            .get_mut(..FRAME_SAMPLES)
            .and_then(|s| s.try_into().ok())
            .ok_or(Error::BufferTooSmall {
                need: FRAME_SAMPLES,
                have,
            })?;
        self.conceal(o);
        Ok(FRAME_SAMPLES)
    }

    /// Random grid position 0..=3 (xorshift32; any sequence will do).
    fn next_grid(&mut self) -> u8 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x >> 30) as u8
    }

    /// The decoder proper (§4.3).
    fn synthesize(&mut self, p: &FrameParams, out: &mut [i16; FRAME_SAMPLES]) {
        // §4.3.1–4.3.2: RPE decoding and long-term synthesis per sub-segment.
        let mut wt = [0i16; FRAME_SAMPLES];
        for (sub, wt_j) in p.sub.iter().zip(wt.chunks_exact_mut(40)) {
            let xmp = rpe::dequantize(sub.xmaxc, &sub.xmc);
            let mut erp = [0i16; 40];
            rpe::grid_position(sub.mc, &xmp, &mut erp);

            // Out-of-range lags keep the previous one.
            let nr = if (40..=120).contains(&sub.nc) {
                sub.nc
            } else {
                self.nrp
            };
            self.nrp = nr;
            let brp = QLB[(sub.bc & 3) as usize];
            let base = 120 - nr as usize;
            for (k, &e) in erp.iter().enumerate() {
                // k - Nr < 0: the prediction reads only past samples.
                let past = self.drp[base + k];
                self.drp[120 + k] = add(e, mult_r(brp, past));
            }
            wt_j.copy_from_slice(&self.drp[120..160]);
            self.drp.copy_within(40..160, 0);
        }

        // §4.3.3–4.3.4: short-term synthesis with interpolated coefficients.
        let larpp = short_term::decode_lar(&p.larc);
        let rps = short_term::segment_coefficients(&self.larpp_prev, &larpp);
        self.larpp_prev = larpp;
        let mut start = 0;
        for (rp, len) in rps.iter().zip(SEGMENTS) {
            let end = start + len;
            if let (Some(w), Some(o)) = (wt.get(start..end), out.get_mut(start..end)) {
                short_term::synthesis_filter(&mut self.v, rp, w, o);
            }
            start = end;
        }

        // §4.3.5–4.3.7: de-emphasis, upscaling and truncation to 13 bits.
        // 32-bit form of add(s, mult_r(msr, 28180)) and add(msr, msr): the
        // positive constant keeps mult_r from ever needing its clamp.
        let mut msr = self.msr as i32;
        for s in out.iter_mut() {
            msr = sat16(*s as i32 + ((msr * 28180 + 16384) >> 15));
            *s = (sat16(msr + msr) & !7) as i16;
        }
        self.msr = msr as i16;
    }
}

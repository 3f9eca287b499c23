//! The public encoder and decoder (64 kbit/s, mode 1).

use crate::band::{sat, Band};
use crate::qmf::Qmf;
use crate::tables::{IHN, IHP, ILN, ILP, Q6, QM2, QM4, QM6};
use crate::G722Error;

/// G.722 encoder: 16-bit linear PCM at 16 kHz in, one octet per two
/// samples out (64 kbit/s, mode 1).
///
/// ```
/// use openphone_g722::{Decoder, Encoder};
/// let mut enc = Encoder::new();
/// let mut dec = Decoder::new();
/// let pcm: Vec<i16> = (0..320).map(|n| ((n as f32 * 0.1).sin() * 8000.0) as i16).collect();
/// let mut payload = [0u8; 160];
/// assert_eq!(enc.encode(&pcm, &mut payload)?, 160); // 20 ms
/// let mut out = [0i16; 320];
/// assert_eq!(dec.decode(&payload, &mut out)?, 320);
/// # Ok::<(), openphone_g722::G722Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    qmf: Qmf,
    low: Band,
    high: Band,
}

impl Default for Encoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Encoder {
    /// A new encoder in the reset state.
    pub fn new() -> Self {
        Encoder {
            qmf: Qmf::default(),
            low: Band::new(32),
            high: Band::new(8),
        }
    }

    /// Encodes two consecutive 16 kHz samples into one octet
    /// (`IH2 IH1 IL6 … IL1`, most significant bit first).
    #[inline]
    pub fn encode_pair(&mut self, first: i16, second: i16) -> u8 {
        let (xlow, xhigh) = self.qmf.split(first, second);

        // Lower sub-band: SUBTRA, QUANTL, INVQAL, LOGSCL, SCALEL, block 4.
        let el = sat(xlow - self.low.s);
        let wd = if el >= 0 { el } else { -(el + 1) };
        let mut mil = 1;
        while mil < 30 && wd >= (Q6[mil] * self.low.det) >> 12 {
            mil += 1;
        }
        let ilow = if el < 0 { ILN[mil] } else { ILP[mil] };
        let il4 = usize::from(ilow >> 2);
        let dlow = (self.low.det * QM4[il4]) >> 15;
        self.low.adapt_low(il4);
        self.low.update(dlow);

        // Higher sub-band: SUBTRA, QUANTH, INVQAH, LOGSCH, SCALEH, block 4.
        let eh = sat(xhigh - self.high.s);
        let wd = if eh >= 0 { eh } else { -(eh + 1) };
        let mih = if wd >= (564 * self.high.det) >> 12 {
            2
        } else {
            1
        };
        let ihigh = if eh < 0 { IHN[mih] } else { IHP[mih] };
        let dhigh = (self.high.det * QM2[usize::from(ihigh)]) >> 15;
        self.high.adapt_high(usize::from(ihigh));
        self.high.update(dhigh);

        (ihigh << 6) | ilow
    }

    /// Encodes `pcm` (an even number of 16 kHz samples) into `out`, one
    /// octet per sample pair; returns the number of octets written.
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, G722Error> {
        if pcm.len() % 2 != 0 {
            return Err(G722Error::OddSamples(pcm.len()));
        }
        let need = pcm.len() / 2;
        let have = out.len();
        let out = out
            .get_mut(..need)
            .ok_or(G722Error::BufferTooSmall { need, have })?;
        for (o, pair) in out.iter_mut().zip(pcm.chunks_exact(2)) {
            *o = self.encode_pair(pair[0], pair[1]);
        }
        Ok(need)
    }
}

/// G.722 decoder (mode 1): one octet in, two 16 kHz samples out. Every
/// octet is valid, so any payload decodes.
///
/// ```
/// use openphone_g722::Decoder;
/// let mut dec = Decoder::new();
/// let mut out = [0i16; 4];
/// assert_eq!(dec.decode(&[0xff, 0x00], &mut out)?, 4);
/// assert!(dec.decode(&[0; 3], &mut out).is_err()); // needs 6 samples of room
/// # Ok::<(), openphone_g722::G722Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    qmf: Qmf,
    low: Band,
    high: Band,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A new decoder in the reset state.
    pub fn new() -> Self {
        Decoder {
            qmf: Qmf::default(),
            low: Band::new(32),
            high: Band::new(8),
        }
    }

    /// Decodes one octet into two consecutive 16 kHz samples.
    #[inline]
    pub fn decode_octet(&mut self, code: u8) -> (i16, i16) {
        let (a, b) = self.decode_octet_wide(code);
        (sat(a) as i16, sat(b) as i16)
    }

    /// Decodes one octet into the receive QMF's two outputs before they are
    /// limited to 16 bits. On overload the QMF overshoots full scale;
    /// [`decode_octet`](Self::decode_octet) saturates there, where spandsp
    /// truncates (wraps) to 16 bits.
    #[inline]
    pub fn decode_octet_wide(&mut self, code: u8) -> (i32, i32) {
        let ilow = usize::from(code & 63);
        let ihigh = usize::from(code >> 6);

        // Lower sub-band: INVQBL (6-bit, mode 1) for the output, INVQAL
        // (4-bit) for the adaptation.
        let dl6 = (self.low.det * QM6[ilow]) >> 15;
        let rlow = (self.low.s + dl6).clamp(-16384, 16383);
        let dlow = (self.low.det * QM4[ilow >> 2]) >> 15;
        self.low.adapt_low(ilow >> 2);
        self.low.update(dlow);

        // Higher sub-band.
        let dhigh = (self.high.det * QM2[ihigh]) >> 15;
        let rhigh = (self.high.s + dhigh).clamp(-16384, 16383);
        self.high.adapt_high(ihigh);
        self.high.update(dhigh);

        self.qmf.merge(rlow, rhigh)
    }

    /// Decodes a payload into `out` (two samples per octet), returning the
    /// number of samples written.
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, G722Error> {
        let need = payload.len() * 2;
        let have = out.len();
        let out = out
            .get_mut(..need)
            .ok_or(G722Error::BufferTooSmall { need, have })?;
        for (pair, &code) in out.chunks_exact_mut(2).zip(payload) {
            let (a, b) = self.decode_octet(code);
            pair[0] = a;
            pair[1] = b;
        }
        Ok(need)
    }

    /// Fills `out` (rounded down to whole pairs) by decoding the smallest
    /// codewords of alternating sign, so the predictors and scale factors
    /// decay towards silence; G.722 itself defines no concealment (its
    /// Appendices III/IV are far more elaborate). Returns the samples
    /// written.
    pub fn conceal(&mut self, out: &mut [i16]) -> usize {
        let mut n = 0;
        for (k, pair) in out.chunks_exact_mut(2).enumerate() {
            // 61/63: +/-136 in the lower band; 3/1: +/-1616 in the higher.
            let code = if k % 2 == 0 {
                (3 << 6) | 61
            } else {
                (1 << 6) | 63
            };
            let (a, b) = self.decode_octet(code);
            pair[0] = a;
            pair[1] = b;
            n += 2;
        }
        n
    }
}

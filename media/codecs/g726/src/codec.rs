//! The public encoder and decoder: per-sample codewords and packed frames.

use crate::adpcm::{Adpcm, Estimate};
use crate::g711::G711Law;
use crate::packing::{pack, unpack, G726Packing};
use crate::rate::G726Rate;
use crate::G726Error;

/// Largest codeword group (8 samples at 24 and 40 kbit/s).
const MAX_GROUP: usize = 8;

/// Checks that `samples` is whole groups and returns the packed size.
fn packed_len(rate: G726Rate, samples: usize) -> Result<usize, G726Error> {
    let group = rate.samples_per_group();
    if samples % group != 0 {
        return Err(G726Error::PartialGroup { samples, group });
    }
    Ok(samples / group * rate.bytes_per_group())
}

/// G.726 encoder: 16-bit linear PCM at 8 kHz in, codewords out.
///
/// Input samples are 16-bit; G.726 codes 14-bit uniform PCM, so the two
/// least significant bits are dropped (`sl = pcm >> 2`, as spandsp's
/// `G726_ENCODING_LINEAR` does).
///
/// ```
/// use openphone_g726::{Encoder, Decoder, G726Rate, G726Packing};
/// let mut enc = Encoder::new(G726Rate::Kbps32, G726Packing::Rfc3551);
/// let mut dec = Decoder::new(G726Rate::Kbps32, G726Packing::Rfc3551);
/// let pcm: Vec<i16> = (0..160).map(|n| ((n as f32 * 0.3).sin() * 8000.0) as i16).collect();
/// let mut payload = [0u8; 80];
/// assert_eq!(enc.encode(&pcm, &mut payload)?, 80); // 160 samples * 4 bits
/// let mut out = [0i16; 160];
/// assert_eq!(dec.decode(&payload, &mut out)?, 160);
/// # Ok::<(), openphone_g726::G726Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    state: Adpcm,
    rate: G726Rate,
    packing: G726Packing,
}

impl Encoder {
    /// A new encoder in the Recommendation's reset state.
    pub fn new(rate: G726Rate, packing: G726Packing) -> Self {
        Encoder {
            state: Adpcm::new(rate),
            rate,
            packing,
        }
    }

    /// The bit rate.
    pub fn rate(&self) -> G726Rate {
        self.rate
    }

    /// The codeword packing of [`encode`](Self::encode).
    pub fn packing(&self) -> G726Packing {
        self.packing
    }

    /// Returns to the reset state.
    pub fn reset(&mut self) {
        self.state = Adpcm::new(self.rate);
    }

    /// Encodes one sample into one codeword (in the low bits).
    #[inline]
    pub fn encode_sample(&mut self, pcm: i16) -> u8 {
        let est = self.state.estimate();
        let code = self.state.quantize(i32::from(pcm) >> 2, &est);
        self.state.update(code, &est);
        code
    }

    /// Octets that `samples` samples pack into, or an error if `samples` is
    /// not a whole number of codeword groups (see
    /// [`G726Rate::samples_per_group`]).
    pub fn packed_len(&self, samples: usize) -> Result<usize, G726Error> {
        packed_len(self.rate, samples)
    }

    /// Encodes `pcm` and packs the codewords into `out`, returning the
    /// number of octets written. `pcm.len()` must be a multiple of
    /// [`G726Rate::samples_per_group`] so that the packet ends on an octet
    /// boundary (a 20 ms frame of 160 samples always does).
    pub fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, G726Error> {
        self.encode_with(pcm, out, |enc, s| enc.encode_sample(s))
    }

    /// Encodes one G.711 octet (the Recommendation's own interface: block
    /// EXPAND, then the ADPCM encoder) into one codeword.
    #[inline]
    pub fn encode_g711_sample(&mut self, law: G711Law, code: u8) -> u8 {
        let est = self.state.estimate();
        let i = self
            .state
            .quantize(i32::from(law.to_linear(code)) >> 2, &est);
        self.state.update(i, &est);
        i
    }

    /// Like [`encode`](Self::encode) for G.711 input octets (transcoding
    /// G.711 to G.726).
    pub fn encode_g711(
        &mut self,
        law: G711Law,
        g711: &[u8],
        out: &mut [u8],
    ) -> Result<usize, G726Error> {
        self.encode_with(g711, out, |enc, c| enc.encode_g711_sample(law, c))
    }

    fn encode_with<T: Copy>(
        &mut self,
        input: &[T],
        out: &mut [u8],
        mut sample: impl FnMut(&mut Self, T) -> u8,
    ) -> Result<usize, G726Error> {
        let pcm = input;
        let need = packed_len(self.rate, pcm.len())?;
        let Some(out) = out.get_mut(..need) else {
            return Err(G726Error::BufferTooSmall {
                need,
                have: out.len(),
            });
        };
        let group = self.rate.samples_per_group();
        let bytes = self.rate.bytes_per_group();
        let bits = self.rate.bits_per_sample();
        for (samples, chunk) in pcm.chunks_exact(group).zip(out.chunks_exact_mut(bytes)) {
            let mut codes = [0u8; MAX_GROUP];
            for (c, s) in codes.iter_mut().zip(samples) {
                *c = sample(self, *s);
            }
            pack(self.packing, bits, &codes[..group], chunk);
        }
        Ok(need)
    }
}

/// G.726 decoder: codewords in, 16-bit linear PCM at 8 kHz out.
///
/// Output is the Recommendation's reconstructed signal `sr` scaled from 14
/// to 16 bits (`sr << 2`, as spandsp's `G726_ENCODING_LINEAR` does), but
/// saturated: on overload the predictor can overshoot past 14 bits, where
/// spandsp's 16-bit truncation would flip the sign. [`decode_code_sr`]
/// gives the unscaled `sr`, which is bit-exact with the Recommendation.
///
/// [`decode_code_sr`]: Self::decode_code_sr
/// Any octet string decodes without panicking; see
/// [`decode`](Self::decode) for which lengths are accepted.
///
/// ```
/// use openphone_g726::{Decoder, G726Rate, G726Packing};
/// let mut dec = Decoder::new(G726Rate::Kbps24, G726Packing::Rfc3551);
/// let mut out = [0i16; 16];
/// assert_eq!(dec.decode(&[0x55; 6], &mut out)?, 16); // 6 octets = 16 3-bit codewords
/// assert!(dec.decode(&[0x55; 4], &mut out).is_err()); // not whole 3-octet groups
/// # Ok::<(), openphone_g726::G726Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    state: Adpcm,
    rate: G726Rate,
    packing: G726Packing,
}

impl Decoder {
    /// A new decoder in the Recommendation's reset state.
    pub fn new(rate: G726Rate, packing: G726Packing) -> Self {
        Decoder {
            state: Adpcm::new(rate),
            rate,
            packing,
        }
    }

    /// The bit rate.
    pub fn rate(&self) -> G726Rate {
        self.rate
    }

    /// The codeword packing [`decode`](Self::decode) expects.
    pub fn packing(&self) -> G726Packing {
        self.packing
    }

    /// Returns to the reset state.
    pub fn reset(&mut self) {
        self.state = Adpcm::new(self.rate);
    }

    /// Decodes one codeword (its low bits; higher bits are ignored) into a
    /// 16-bit linear sample.
    #[inline]
    pub fn decode_code(&mut self, code: u8) -> i16 {
        sr_to_linear(self.decode_code_sr(code))
    }

    /// Decodes one codeword and returns the Recommendation's reconstructed
    /// signal `sr` (16-bit two's complement, nominally within 14 bits).
    #[inline]
    pub fn decode_code_sr(&mut self, code: u8) -> i16 {
        let est = self.state.estimate();
        // `update` returns a value already wrapped to 16 bits.
        self.state.update(code, &est) as i16
    }

    /// Decodes one codeword to a G.711 octet: block COMPRESS, then the
    /// synchronous coding adjustment (SYNC) that nudges the octet to a
    /// neighbouring level when re-encoding it would not give the same
    /// codeword, so that tandem G.711/G.726 codings do not accumulate
    /// distortion.
    #[inline]
    pub fn decode_code_g711(&mut self, law: G711Law, code: u8) -> u8 {
        let est = self.state.estimate();
        let i = code & self.rate.tables().mask;
        let sr = self.state.update(i, &est);
        self.sync(law, sr, i, &est)
    }

    /// COMPRESS and SYNC for reconstructed signal `sr` of codeword `i`.
    #[inline]
    fn sync(&self, law: G711Law, sr: i32, i: u8, est: &Estimate) -> u8 {
        let linear = if sr <= -0x2000 {
            -0x8000
        } else if sr >= 0x1FFF {
            0x7FFF
        } else {
            sr << 2
        };
        let sp = law.from_linear(linear as i16);
        // Re-quantize the difference this octet would give the encoder.
        let dx = i32::from(law.to_linear(sp)) >> 2;
        let id = self.state.quantize(dx, est);
        if id == i {
            return sp;
        }
        // Codewords in two's complement order: flip the sign bit.
        let sign = 1u8 << (self.rate.bits_per_sample() - 1);
        if (id ^ sign) > (i ^ sign) {
            law.next_lower(sp)
        } else {
            law.next_higher(sp)
        }
    }

    /// Like [`decode`](Self::decode) with G.711 output octets (transcoding
    /// G.726 to G.711, with synchronous coding adjustment).
    pub fn decode_g711(
        &mut self,
        law: G711Law,
        payload: &[u8],
        out: &mut [u8],
    ) -> Result<usize, G726Error> {
        let need = self.samples_in(payload.len())?;
        let have = out.len();
        let out = out
            .get_mut(..need)
            .ok_or(G726Error::BufferTooSmall { need, have })?;
        let mut slots = out.iter_mut();
        let (packing, bits) = (self.packing, self.rate.bits_per_sample());
        unpack(packing, bits, payload, |code| {
            let octet = self.decode_code_g711(law, code);
            if let Some(slot) = slots.next() {
                *slot = octet;
            }
        });
        Ok(need)
    }

    /// Samples that a payload of `len` octets holds, or an error if it is
    /// not a whole number of codeword groups.
    ///
    /// RFC 3551 packs 24 and 40 kbit/s codewords in groups of 8 (3 and 5
    /// octets); a payload that ends inside a group would carry a partial
    /// codeword, so it is rejected rather than guessed at.
    pub fn samples_in(&self, len: usize) -> Result<usize, G726Error> {
        let bytes = self.rate.bytes_per_group();
        if len % bytes != 0 {
            return Err(G726Error::PartialPayload { len, group: bytes });
        }
        Ok(len / bytes * self.rate.samples_per_group())
    }

    /// Decodes a whole payload into `out`, returning the number of samples
    /// written (`len * 8 / bits`). Fails, leaving the state untouched, if the
    /// payload is not whole codeword groups or `out` is too small.
    pub fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, G726Error> {
        let need = self.samples_in(payload.len())?;
        let Some(out) = out.get_mut(..need) else {
            return Err(G726Error::BufferTooSmall {
                need,
                have: out.len(),
            });
        };
        let mut slots = out.iter_mut();
        let bits = self.rate.bits_per_sample();
        let packing = self.packing;
        unpack(packing, bits, payload, |code| {
            let pcm = self.decode_code(code);
            if let Some(slot) = slots.next() {
                *slot = pcm;
            }
        });
        Ok(need)
    }

    /// Fills `out` as if codewords of a zero difference signal had arrived:
    /// the predictor's estimate decays towards silence. G.726 defines no
    /// loss concealment; this keeps the waveform continuous for a lost packet.
    /// Returns `out.len()`.
    pub fn conceal(&mut self, out: &mut [i16]) -> usize {
        let zero = self.rate.tables().mask;
        for (n, slot) in out.iter_mut().enumerate() {
            // 16 kbit/s has no zero level: alternate the two smallest ones.
            let code = match self.rate {
                G726Rate::Kbps16 => {
                    if n % 2 == 0 {
                        0
                    } else {
                        3
                    }
                }
                _ => zero,
            };
            *slot = self.decode_code(code);
        }
        out.len()
    }
}

/// `sr` (14-bit nominal range) to 16-bit linear PCM, saturating.
#[inline]
fn sr_to_linear(sr: i16) -> i16 {
    (i32::from(sr) << 2).clamp(-32768, 32767) as i16
}

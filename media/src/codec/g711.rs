//! G.711 µ-law (PCMU) and A-law (PCMA), ITU-T G.711 (11/88).
//!
//! The compressors follow the ITU-T G.191 (STL) reference algorithm: a
//! negative sample's magnitude is its one's complement (so `-1` counts as
//! magnitude 0, like `+0`), µ-law works on the top 14 bits and A-law on the
//! top 13 bits of the 16-bit sample, truncating the rest. Because
//! `!(x >> k) == (!x) >> k`, the code depends only on `x >> 2` (µ-law) or
//! `x >> 3` (A-law), so encoding is one lookup in a 16 Ki / 8 Ki entry table
//! built at compile time from the segment search; decoding is one lookup in
//! a 256-entry table. The expanders return the segment mid-points scaled to
//! 16 bits (µ-law ±32124, A-law ±32256), as G.191 does.
//!
//! Where the common tools differ from G.191 is recorded in `BENCHMARKS.md`
//! and checked by `tests/g711_reference.rs`.
//!
//! ```
//! use openphone_media::codec::{g711, AudioDecoder, AudioEncoder, Pcmu};
//! assert_eq!(g711::linear_to_ulaw(0), 0xFF);
//! assert_eq!(g711::ulaw_to_linear(0xFF), 0);
//! let mut enc = Pcmu::encoder();
//! let mut dec = Pcmu::decoder();
//! let pcm = [1000i16; 160];
//! let mut payload = [0u8; 160];
//! let n = enc.encode(&pcm, &mut payload).unwrap();
//! let mut out = [0i16; 160];
//! dec.decode(&payload[..n], &mut out).unwrap();
//! assert!((out[0] - 1000).abs() < 40);
//! ```

use super::plc::PitchPlc;
use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};

/// µ-law compression of a 14-bit sample (`x >> 2`), G.191 `ulaw_compress`.
const fn ulaw_compress14(x14: i16) -> u8 {
    // One's complement for negatives: -1 → 0, as G.191 does.
    let (mag, sign) = if x14 < 0 {
        (!x14, 0x00u8)
    } else {
        (x14, 0x80u8)
    };
    // Bias of 33 makes the segment boundaries powers of two.
    let mut absno = mag as i32 + 33;
    if absno > 0x1FFF {
        absno = 0x1FFF;
    }
    let mut i = absno >> 6;
    let mut segno = 1;
    while i != 0 {
        segno += 1;
        i >>= 1;
    }
    let high = (8 - segno) as u8;
    let low = 0x0F - ((absno >> segno) & 0x0F) as u8;
    (high << 4) | low | sign
}

/// A-law compression of a 13-bit sample (`x >> 3`), G.191 `alaw_compress`.
const fn alaw_compress13(x13: i16) -> u8 {
    let (mag, sign) = if x13 < 0 {
        (!x13, 0x00u8)
    } else {
        (x13, 0x80u8)
    };
    // 12-bit magnitude in units of 16 (16-bit scale).
    let mut ix = (mag >> 1) as i32;
    if ix > 15 {
        let mut iexp = 1;
        while ix > 16 + 15 {
            ix >>= 1;
            iexp += 1;
        }
        ix -= 16;
        ix += iexp << 4;
    }
    ((ix as u8) | sign) ^ 0x55
}

/// µ-law expansion to 16 bits (G.191 `ulaw_expand` scaled by 4).
const fn ulaw_expand(code: u8) -> i16 {
    let c = !code;
    let sign = c & 0x80;
    let exp = ((c >> 4) & 0x07) as i32;
    let mant = (c & 0x0F) as i32;
    // ((2·mant + 33) << exp) − 33, in 14-bit units.
    let mag = (((mant << 1) + 33) << exp) - 33;
    let v = mag << 2;
    if sign != 0 {
        -v as i16
    } else {
        v as i16
    }
}

/// A-law expansion to 16 bits (G.191 `alaw_expand` scaled by 8).
const fn alaw_expand(code: u8) -> i16 {
    let c = code ^ 0x55;
    let exp = ((c >> 4) & 0x07) as i32;
    let mant = (c & 0x0F) as i32;
    // Mid-point of the interval, in 13-bit units.
    let mag = if exp == 0 {
        (mant << 1) + 1
    } else {
        ((mant << 1) + 33) << (exp - 1)
    };
    let v = mag << 3;
    if c & 0x80 != 0 {
        v as i16
    } else {
        -v as i16
    }
}

const fn build_ulaw_enc() -> [u8; 16384] {
    let mut t = [0u8; 16384];
    let mut i = 0;
    while i < 16384 {
        // Index is the 14-bit sample reinterpreted as unsigned.
        let x14 = ((i as i32) << 18 >> 18) as i16;
        t[i] = ulaw_compress14(x14);
        i += 1;
    }
    t
}

const fn build_alaw_enc() -> [u8; 8192] {
    let mut t = [0u8; 8192];
    let mut i = 0;
    while i < 8192 {
        let x13 = ((i as i32) << 19 >> 19) as i16;
        t[i] = alaw_compress13(x13);
        i += 1;
    }
    t
}

const fn build_dec(alaw: bool) -> [i16; 256] {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if alaw {
            alaw_expand(i as u8)
        } else {
            ulaw_expand(i as u8)
        };
        i += 1;
    }
    t
}

static ULAW_ENC: [u8; 16384] = build_ulaw_enc();
static ALAW_ENC: [u8; 8192] = build_alaw_enc();
static ULAW_DEC: [i16; 256] = build_dec(false);
static ALAW_DEC: [i16; 256] = build_dec(true);

/// Encodes one 16-bit sample to µ-law.
#[inline]
pub fn linear_to_ulaw(x: i16) -> u8 {
    // (x >> 2) & 0x3FFF is always < 16384.
    ULAW_ENC[((x >> 2) as usize) & 0x3FFF]
}

/// Encodes one 16-bit sample to A-law.
#[inline]
pub fn linear_to_alaw(x: i16) -> u8 {
    ALAW_ENC[((x >> 3) as usize) & 0x1FFF]
}

/// Decodes one µ-law code to a 16-bit sample.
#[inline]
pub fn ulaw_to_linear(code: u8) -> i16 {
    ULAW_DEC[code as usize]
}

/// Decodes one A-law code to a 16-bit sample.
#[inline]
pub fn alaw_to_linear(code: u8) -> i16 {
    ALAW_DEC[code as usize]
}

/// Encodes a block of samples to µ-law; `out` must be at least as long as `pcm`.
pub fn encode_ulaw(pcm: &[i16], out: &mut [u8]) {
    for (o, &s) in out.iter_mut().zip(pcm) {
        *o = linear_to_ulaw(s);
    }
}

/// Encodes a block of samples to A-law; `out` must be at least as long as `pcm`.
pub fn encode_alaw(pcm: &[i16], out: &mut [u8]) {
    for (o, &s) in out.iter_mut().zip(pcm) {
        *o = linear_to_alaw(s);
    }
}

/// Decodes µ-law codes; `out` must be at least as long as `codes`.
pub fn decode_ulaw(codes: &[u8], out: &mut [i16]) {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = ulaw_to_linear(c);
    }
}

/// Decodes A-law codes; `out` must be at least as long as `codes`.
pub fn decode_alaw(codes: &[u8], out: &mut [i16]) {
    for (o, &c) in out.iter_mut().zip(codes) {
        *o = alaw_to_linear(c);
    }
}

/// Which companding law.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Law {
    Ulaw,
    Alaw,
}

fn info(law: Law, frame_samples: usize) -> CodecInfo {
    let (encoding, name, pt) = match law {
        Law::Ulaw => ("PCMU", "pcmu", 0),
        Law::Alaw => ("PCMA", "pcma", 8),
    };
    CodecInfo {
        encoding,
        name,
        rtp_clock_rate: 8000,
        sample_rate: 8000,
        static_payload_type: Some(pt),
        frame_samples,
        max_payload_bytes: frame_samples,
        fmtp: None,
    }
}

/// Default frame: 20 ms at 8 kHz.
pub const DEFAULT_FRAME_SAMPLES: usize = 160;

/// The G.711 encoder for either law.
#[derive(Debug, Clone)]
pub struct G711Encoder {
    law: Law,
    info: CodecInfo,
}

/// The G.711 decoder for either law. Conceals a lost frame with G.711
/// Appendix I-style pitch repetition (see [`super::plc`]).
#[derive(Debug, Clone)]
pub struct G711Decoder {
    law: Law,
    info: CodecInfo,
    plc: PitchPlc,
}

/// µ-law: constructors for PCMU encoders and decoders.
#[derive(Debug, Clone, Copy)]
pub struct Pcmu;

/// A-law: constructors for PCMA encoders and decoders.
#[derive(Debug, Clone, Copy)]
pub struct Pcma;

impl Pcmu {
    /// A 20 ms PCMU encoder.
    pub fn encoder() -> G711Encoder {
        G711Encoder::new(Law::Ulaw, DEFAULT_FRAME_SAMPLES)
    }
    /// A 20 ms PCMU decoder.
    pub fn decoder() -> G711Decoder {
        G711Decoder::new(Law::Ulaw, DEFAULT_FRAME_SAMPLES)
    }
    /// Encoder with another frame size (e.g. 80 for 10 ms, 240 for 30 ms).
    pub fn encoder_with_frame(frame_samples: usize) -> G711Encoder {
        G711Encoder::new(Law::Ulaw, frame_samples.max(1))
    }
    /// Decoder with another frame size (the size `conceal` produces).
    pub fn decoder_with_frame(frame_samples: usize) -> G711Decoder {
        G711Decoder::new(Law::Ulaw, frame_samples.max(1))
    }
    /// Static facts for 20 ms frames.
    pub fn info() -> CodecInfo {
        info(Law::Ulaw, DEFAULT_FRAME_SAMPLES)
    }
}

impl Pcma {
    /// A 20 ms PCMA encoder.
    pub fn encoder() -> G711Encoder {
        G711Encoder::new(Law::Alaw, DEFAULT_FRAME_SAMPLES)
    }
    /// A 20 ms PCMA decoder.
    pub fn decoder() -> G711Decoder {
        G711Decoder::new(Law::Alaw, DEFAULT_FRAME_SAMPLES)
    }
    /// Encoder with another frame size.
    pub fn encoder_with_frame(frame_samples: usize) -> G711Encoder {
        G711Encoder::new(Law::Alaw, frame_samples.max(1))
    }
    /// Decoder with another frame size.
    pub fn decoder_with_frame(frame_samples: usize) -> G711Decoder {
        G711Decoder::new(Law::Alaw, frame_samples.max(1))
    }
    /// Static facts for 20 ms frames.
    pub fn info() -> CodecInfo {
        info(Law::Alaw, DEFAULT_FRAME_SAMPLES)
    }
}

impl G711Encoder {
    fn new(law: Law, frame_samples: usize) -> Self {
        G711Encoder {
            law,
            info: info(law, frame_samples),
        }
    }
}

impl AudioEncoder for G711Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        // G.711 is sample-based: any whole number of samples is a valid frame,
        // but we hold callers to the configured frame so that RTP timestamps stay right.
        if pcm.len() != self.info.frame_samples {
            return Err(CodecError::FrameSize {
                expected: self.info.frame_samples,
                got: pcm.len(),
            });
        }
        if out.len() < pcm.len() {
            return Err(CodecError::BufferTooSmall {
                need: pcm.len(),
                have: out.len(),
            });
        }
        match self.law {
            Law::Ulaw => encode_ulaw(pcm, out),
            Law::Alaw => encode_alaw(pcm, out),
        }
        Ok(pcm.len())
    }
}

impl G711Decoder {
    fn new(law: Law, frame_samples: usize) -> Self {
        G711Decoder {
            law,
            info: info(law, frame_samples),
            plc: PitchPlc::new(),
        }
    }
}

impl AudioDecoder for G711Decoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        if out.len() < payload.len() {
            return Err(CodecError::BufferTooSmall {
                need: payload.len(),
                have: out.len(),
            });
        }
        match self.law {
            Law::Ulaw => decode_ulaw(payload, out),
            Law::Alaw => decode_alaw(payload, out),
        }
        let n = payload.len();
        if let Some(o) = out.get_mut(..n) {
            self.plc.good(o);
        }
        Ok(n)
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError> {
        let n = self.info.frame_samples;
        if out.len() < n {
            return Err(CodecError::BufferTooSmall {
                need: n,
                have: out.len(),
            });
        }
        if let Some(o) = out.get_mut(..n) {
            self.plc.conceal(o);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes() {
        // G.711 Table 2a/1a: zero, full scale, and the ends of the first segments.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(linear_to_ulaw(-1), 0x7F);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(linear_to_alaw(-1), 0x55);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
    }

    #[test]
    fn decode_then_encode_is_identity() {
        // Every reconstruction value must encode back to its own code
        // (except µ-law's negative zero, which is the same value as +0).
        for c in 0..=255u8 {
            let u = ulaw_to_linear(c);
            if c != 0x7F {
                assert_eq!(linear_to_ulaw(u), c, "ulaw code {c:#x} -> {u}");
            }
            let a = alaw_to_linear(c);
            assert_eq!(linear_to_alaw(a), c, "alaw code {c:#x} -> {a}");
        }
    }

    #[test]
    fn monotonic() {
        let mut prev = ulaw_to_linear(linear_to_ulaw(i16::MIN));
        let mut prev_a = alaw_to_linear(linear_to_alaw(i16::MIN));
        for x in i16::MIN..=i16::MAX {
            let v = ulaw_to_linear(linear_to_ulaw(x));
            assert!(v >= prev, "ulaw not monotonic at {x}");
            prev = v;
            let a = alaw_to_linear(linear_to_alaw(x));
            assert!(a >= prev_a, "alaw not monotonic at {x}");
            prev_a = a;
        }
    }

    #[test]
    fn frame_size_checked() {
        let mut e = Pcma::encoder();
        let mut out = [0u8; 160];
        assert!(matches!(
            e.encode(&[0; 10], &mut out),
            Err(CodecError::FrameSize { .. })
        ));
        let mut d = Pcma::decoder();
        let mut pcm = [0i16; 10];
        assert!(matches!(
            d.decode(&[0; 160], &mut pcm),
            Err(CodecError::BufferTooSmall { .. })
        ));
    }

    #[test]
    fn conceal_fades_out() {
        let mut d = Pcmu::decoder();
        let mut pcm = [0i16; 160];
        let payload = [linear_to_ulaw(8000); 160];
        d.decode(&payload, &mut pcm).unwrap();
        let mut energies = Vec::new();
        for _ in 0..6 {
            d.conceal(&mut pcm).unwrap();
            energies.push(pcm.iter().map(|&s| (s as i64).abs()).sum::<i64>());
        }
        assert!(energies.windows(2).all(|w| w[1] < w[0] || w[1] == 0));
        assert_eq!(*energies.last().unwrap(), 0);
    }
}

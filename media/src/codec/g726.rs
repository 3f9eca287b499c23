//! G.726 ADPCM at 16/24/32/40 kbit/s (RFC 3551 §4.5.4: `G726-16` …
//! `G726-40`, 8 kHz, dynamic payload type; and the `AAL2-G726-xx` variants
//! with the opposite codeword order) over the pure-Rust `openphone-g726`
//! codec, which is bit-exact with the Recommendation (checked against
//! spandsp).
//!
//! One frame is 20 ms = 160 samples, i.e. 40, 60, 80 or 100 octets. A
//! payload may carry any number of whole codeword groups (1 octet at 16 and
//! 32 kbit/s, 3 at 24, 5 at 40); a payload ending inside a group is refused
//! as [`CodecError::Malformed`]. A lost packet is concealed by decoding
//! zero-difference codewords, so the predictor's waveform decays smoothly.
//!
//! ```
//! use openphone_media::codec::{
//!     g726_info, AudioDecoder, AudioEncoder, G726Decoder, G726Encoder, G726Packing, G726Rate,
//! };
//! let mut enc = G726Encoder::new(G726Rate::Kbps32, G726Packing::Rfc3551);
//! let mut dec = G726Decoder::new(G726Rate::Kbps32, G726Packing::Rfc3551);
//! let pcm: Vec<i16> = (0..160).map(|i| ((i as f32 * 0.3).sin() * 5000.0) as i16).collect();
//! let mut payload = [0u8; 80];
//! assert_eq!(enc.encode(&pcm, &mut payload).unwrap(), 80);
//! let mut out = [0i16; 160];
//! assert_eq!(dec.decode(&payload, &mut out).unwrap(), 160);
//! assert_eq!(dec.conceal(&mut out).unwrap(), 160);
//! assert_eq!(g726_info(G726Rate::Kbps32).encoding, "G726-32");
//! assert_eq!(enc.info().static_payload_type, None);
//! ```

use super::traits::{frame_mut, AudioDecoder, AudioEncoder, CodecError, CodecInfo};
use openphone_g726::{Decoder, Encoder, G726Error};
pub use openphone_g726::{G726Packing, G726Rate};

/// Samples in one 20 ms frame at 8 kHz.
const FRAME_SAMPLES: usize = 160;

/// Static description of RFC 3551 `G726-<rate>` (the usual SDP form).
pub fn g726_info(rate: G726Rate) -> CodecInfo {
    g726_info_with(rate, G726Packing::Rfc3551)
}

/// Static description of G.726 at `rate` with `packing`: RFC 3551 packing
/// is `G726-32` etc., AAL2 packing is `AAL2-G726-32` etc.
pub fn g726_info_with(rate: G726Rate, packing: G726Packing) -> CodecInfo {
    let (encoding, name) = match (packing, rate) {
        (G726Packing::Rfc3551, G726Rate::Kbps16) => ("G726-16", "g726-16"),
        (G726Packing::Rfc3551, G726Rate::Kbps24) => ("G726-24", "g726-24"),
        (G726Packing::Rfc3551, G726Rate::Kbps32) => ("G726-32", "g726-32"),
        (G726Packing::Rfc3551, G726Rate::Kbps40) => ("G726-40", "g726-40"),
        (G726Packing::Aal2, G726Rate::Kbps16) => ("AAL2-G726-16", "aal2-g726-16"),
        (G726Packing::Aal2, G726Rate::Kbps24) => ("AAL2-G726-24", "aal2-g726-24"),
        (G726Packing::Aal2, G726Rate::Kbps32) => ("AAL2-G726-32", "aal2-g726-32"),
        (G726Packing::Aal2, G726Rate::Kbps40) => ("AAL2-G726-40", "aal2-g726-40"),
    };
    CodecInfo {
        encoding,
        name,
        rtp_clock_rate: 8000,
        sample_rate: 8000,
        // RFC 3551 withdrew static PT 2; G.726 always uses a dynamic one.
        static_payload_type: None,
        frame_samples: FRAME_SAMPLES,
        max_payload_bytes: FRAME_SAMPLES * rate.bits_per_sample() as usize / 8,
        fmtp: None,
    }
}

/// Maps the codec crate's errors onto the media crate's.
fn map_err(e: G726Error) -> CodecError {
    match e {
        G726Error::BufferTooSmall { need, have } => CodecError::BufferTooSmall { need, have },
        other => CodecError::Malformed(format!("G.726: {other}")),
    }
}

/// G.726 encoder: 160 samples → one 20 ms payload.
#[derive(Debug, Clone)]
pub struct G726Encoder {
    inner: Encoder,
    info: CodecInfo,
}

impl G726Encoder {
    /// A new encoder at `rate` packing codewords per `packing`.
    pub fn new(rate: G726Rate, packing: G726Packing) -> Self {
        Self {
            inner: Encoder::new(rate, packing),
            info: g726_info_with(rate, packing),
        }
    }
}

impl AudioEncoder for G726Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.len() != FRAME_SAMPLES {
            return Err(CodecError::FrameSize {
                expected: FRAME_SAMPLES,
                got: pcm.len(),
            });
        }
        self.inner.encode(pcm, out).map_err(map_err)
    }
}

/// G.726 decoder: payloads of whole codeword groups → 8 kHz PCM.
#[derive(Debug, Clone)]
pub struct G726Decoder {
    inner: Decoder,
    info: CodecInfo,
}

impl G726Decoder {
    /// A new decoder at `rate` expecting codewords packed per `packing`.
    pub fn new(rate: G726Rate, packing: G726Packing) -> Self {
        Self {
            inner: Decoder::new(rate, packing),
            info: g726_info_with(rate, packing),
        }
    }
}

impl AudioDecoder for G726Decoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        self.inner.decode(payload, out).map_err(map_err)
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError> {
        Ok(self.inner.conceal(frame_mut(out, FRAME_SAMPLES)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_is_rfc3551() {
        for (rate, enc, bytes) in [
            (G726Rate::Kbps16, "G726-16", 40),
            (G726Rate::Kbps24, "G726-24", 60),
            (G726Rate::Kbps32, "G726-32", 80),
            (G726Rate::Kbps40, "G726-40", 100),
        ] {
            let i = g726_info(rate);
            assert_eq!(i.encoding, enc);
            assert_eq!(i.name, enc.to_ascii_lowercase());
            assert_eq!((i.rtp_clock_rate, i.sample_rate), (8000, 8000));
            assert_eq!(i.static_payload_type, None);
            assert_eq!((i.frame_samples, i.max_payload_bytes), (160, bytes));
            assert_eq!((i.frame_ms(), i.rtp_timestamp_step()), (20, 160));
            let a = g726_info_with(rate, G726Packing::Aal2);
            assert_eq!(a.encoding, format!("AAL2-{enc}"));
        }
    }

    #[test]
    fn trait_objects_roundtrip_and_refuse_bad_input() {
        for rate in G726Rate::ALL {
            let mut enc: Box<dyn AudioEncoder> =
                Box::new(G726Encoder::new(rate, G726Packing::Rfc3551));
            let mut dec: Box<dyn AudioDecoder> =
                Box::new(G726Decoder::new(rate, G726Packing::Rfc3551));
            let pcm: Vec<i16> = (0..480)
                .map(|i| ((i as f32 * 0.25).sin() * 6000.0) as i16)
                .collect();
            let n = enc.info().max_payload_bytes;
            let mut payload = vec![0u8; 3 * n];
            for (f, p) in pcm.chunks_exact(160).zip(payload.chunks_exact_mut(n)) {
                assert_eq!(enc.encode(f, p).unwrap(), n);
            }
            let mut out = [0i16; 480];
            assert_eq!(dec.decode(&payload, &mut out).unwrap(), 480);
            // A steady tone comes back at a similar level.
            let e_in: f64 = pcm[320..].iter().map(|&v| (v as f64).powi(2)).sum();
            let e_out: f64 = out[320..].iter().map(|&v| (v as f64).powi(2)).sum();
            assert!(
                (e_out / e_in - 1.0).abs() < 0.3,
                "{rate:?}: {}",
                e_out / e_in
            );

            assert!(matches!(
                enc.encode(&pcm[..159], &mut payload),
                Err(CodecError::FrameSize { .. })
            ));
            assert!(matches!(
                dec.decode(&payload, &mut out[..100]),
                Err(CodecError::BufferTooSmall { .. })
            ));
            assert_eq!(dec.conceal(&mut out).unwrap(), 160);
            assert!(dec.conceal(&mut out[..10]).is_err());
        }
        let mut dec = G726Decoder::new(G726Rate::Kbps40, G726Packing::Rfc3551);
        let mut out = [0i16; 160];
        assert!(matches!(
            dec.decode(&[0u8; 7], &mut out),
            Err(CodecError::Malformed(_))
        ));
    }
}

//! GSM 06.10 full rate (RFC 3551 §4.5.8: static payload type 3, 8 kHz,
//! 160 samples ↔ 33 bytes per 20 ms frame) over the pure-Rust
//! `openphone-gsm` codec, which is bit-exact with libgsm.
//!
//! A payload may carry several whole frames; anything else (a length that is
//! not a multiple of 33, a frame without the 0xD signature nibble) is
//! refused as [`CodecError::Malformed`]. Lost packets are concealed per
//! GSM 06.11: the last good frame is repeated, then faded out within 320 ms.
//!
//! ```
//! use openphone_media::codec::{AudioDecoder, AudioEncoder, GsmDecoder, GsmEncoder};
//! let mut enc = GsmEncoder::new();
//! let mut dec = GsmDecoder::new();
//! let pcm: Vec<i16> = (0..160).map(|i| ((i as f32 * 0.3).sin() * 5000.0) as i16).collect();
//! let mut payload = [0u8; 33];
//! assert_eq!(enc.encode(&pcm, &mut payload).unwrap(), 33);
//! let mut out = [0i16; 160];
//! assert_eq!(dec.decode(&payload, &mut out).unwrap(), 160);
//! assert_eq!(dec.conceal(&mut out).unwrap(), 160);
//! assert!(dec.decode(&payload[..32], &mut out).is_err());
//! assert_eq!(enc.info().static_payload_type, Some(3));
//! ```

use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};
use openphone_gsm::{Decoder, Encoder, Error, FRAME_BYTES, FRAME_SAMPLES};

/// Static description of GSM 06.10 full rate.
pub fn gsm_info() -> CodecInfo {
    CodecInfo {
        encoding: "GSM",
        name: "gsm",
        rtp_clock_rate: 8000,
        sample_rate: 8000,
        static_payload_type: Some(3),
        frame_samples: FRAME_SAMPLES,
        max_payload_bytes: FRAME_BYTES,
        fmtp: None,
    }
}

/// Maps the codec crate's errors onto the media crate's.
fn map_err(e: Error) -> CodecError {
    match e {
        Error::FrameSize { expected, got } => CodecError::FrameSize { expected, got },
        Error::BufferTooSmall { need, have } => CodecError::BufferTooSmall { need, have },
        other => CodecError::Malformed(format!("GSM: {other}")),
    }
}

/// GSM 06.10 encoder: 160 samples → one 33-byte frame.
#[derive(Debug, Clone)]
pub struct GsmEncoder {
    inner: Encoder,
    info: CodecInfo,
}

impl GsmEncoder {
    /// A new encoder.
    pub fn new() -> Self {
        Self {
            inner: Encoder::new(),
            info: gsm_info(),
        }
    }
}

impl Default for GsmEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl AudioEncoder for GsmEncoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        self.inner.encode_into(pcm, out).map_err(map_err)
    }
}

/// GSM 06.10 decoder: payloads of whole 33-byte frames → 160 samples each.
#[derive(Debug, Clone)]
pub struct GsmDecoder {
    inner: Decoder,
    info: CodecInfo,
}

impl GsmDecoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self {
            inner: Decoder::new(),
            info: gsm_info(),
        }
    }
}

impl Default for GsmDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl AudioDecoder for GsmDecoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        self.inner.decode_into(payload, out).map_err(map_err)
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError> {
        self.inner.conceal_into(out).map_err(map_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_is_rfc3551() {
        let i = gsm_info();
        assert_eq!((i.encoding, i.name), ("GSM", "gsm"));
        assert_eq!((i.rtp_clock_rate, i.sample_rate), (8000, 8000));
        assert_eq!(i.static_payload_type, Some(3));
        assert_eq!((i.frame_samples, i.max_payload_bytes), (160, 33));
        assert_eq!(i.frame_ms(), 20);
        assert_eq!(i.rtp_timestamp_step(), 160);
    }

    #[test]
    fn trait_objects_roundtrip_multi_frame_payloads() {
        let mut enc: Box<dyn AudioEncoder> = Box::new(GsmEncoder::new());
        let mut dec: Box<dyn AudioDecoder> = Box::new(GsmDecoder::new());
        let pcm: Vec<i16> = (0..480)
            .map(|i| ((i as f32 * 0.25).sin() * 6000.0) as i16)
            .collect();
        let mut payload = [0u8; 99];
        for (f, p) in pcm.chunks_exact(160).zip(payload.chunks_exact_mut(33)) {
            assert_eq!(enc.encode(f, p).unwrap(), 33);
        }
        let mut out = [0i16; 480];
        assert_eq!(dec.decode(&payload, &mut out).unwrap(), 480);
        // The codec is lossy but a steady tone comes back at a similar level.
        let e_in: f64 = pcm[320..].iter().map(|&v| (v as f64).powi(2)).sum();
        let e_out: f64 = out[320..].iter().map(|&v| (v as f64).powi(2)).sum();
        assert!(e_out > e_in * 0.25 && e_out < e_in * 4.0, "{e_in} {e_out}");
    }

    #[test]
    fn errors_map_to_codec_errors() {
        let mut enc = GsmEncoder::new();
        let mut dec = GsmDecoder::new();
        let mut out = [0i16; 160];
        assert_eq!(
            enc.encode(&[0; 100], &mut [0; 33]),
            Err(CodecError::FrameSize {
                expected: 160,
                got: 100
            })
        );
        assert_eq!(
            enc.encode(&[0; 160], &mut [0; 20]),
            Err(CodecError::BufferTooSmall { need: 33, have: 20 })
        );
        assert!(matches!(
            dec.decode(&[0xD0; 40], &mut out),
            Err(CodecError::Malformed(m)) if m.contains("multiple of 33")
        ));
        assert!(matches!(
            dec.decode(&[0x00; 33], &mut out),
            Err(CodecError::Malformed(m)) if m.contains("signature")
        ));
        assert_eq!(
            dec.decode(&[0xD0; 66], &mut out),
            Err(CodecError::BufferTooSmall {
                need: 320,
                have: 160
            })
        );
        assert_eq!(
            dec.conceal(&mut out[..10]),
            Err(CodecError::BufferTooSmall {
                need: 160,
                have: 10
            })
        );
    }
}

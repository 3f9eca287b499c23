//! G.722 at 64 kbit/s (RFC 3551 §4.5.2: static payload type 9, sampled at
//! 16 kHz but with an RTP clock rate of 8000 — an error in RFC 1890 kept
//! for interoperability) over the pure-Rust `openphone-g722` codec, which
//! is bit-exact with the Recommendation (checked against spandsp).
//!
//! One frame is 20 ms = 320 samples at 16 kHz = 160 octets, and the RTP
//! timestamp advances by 160. Every octet is a valid codeword, so any
//! payload decodes (two samples per octet). A lost packet is concealed by
//! decoding the smallest codewords, letting the predictors decay.
//!
//! ```
//! use openphone_media::codec::{g722_info, AudioDecoder, AudioEncoder, G722Decoder, G722Encoder};
//! let mut enc = G722Encoder::new();
//! let mut dec = G722Decoder::new();
//! let pcm: Vec<i16> = (0..320).map(|i| ((i as f32 * 0.2).sin() * 5000.0) as i16).collect();
//! let mut payload = [0u8; 160];
//! assert_eq!(enc.encode(&pcm, &mut payload).unwrap(), 160);
//! let mut out = [0i16; 320];
//! assert_eq!(dec.decode(&payload, &mut out).unwrap(), 320);
//! assert_eq!(dec.conceal(&mut out).unwrap(), 320);
//! let info = g722_info();
//! assert_eq!((info.static_payload_type, info.rtp_timestamp_step()), (Some(9), 160));
//! ```

use super::traits::{frame_mut, AudioDecoder, AudioEncoder, CodecError, CodecInfo};
use openphone_g722::{Decoder, Encoder, G722Error};

/// Samples in one 20 ms frame at 16 kHz.
const FRAME_SAMPLES: usize = 320;

/// Static description of G.722 (RFC 3551).
pub fn g722_info() -> CodecInfo {
    CodecInfo {
        encoding: "G722",
        name: "g722",
        rtp_clock_rate: 8000,
        sample_rate: 16000,
        static_payload_type: Some(9),
        frame_samples: FRAME_SAMPLES,
        max_payload_bytes: FRAME_SAMPLES / 2,
        fmtp: None,
    }
}

/// Maps the codec crate's errors onto the media crate's.
fn map_err(e: G722Error) -> CodecError {
    match e {
        G722Error::BufferTooSmall { need, have } => CodecError::BufferTooSmall { need, have },
        other => CodecError::Malformed(format!("G.722: {other}")),
    }
}

/// G.722 encoder: 320 samples at 16 kHz → 160 octets.
#[derive(Debug, Clone, Default)]
pub struct G722Encoder {
    inner: Encoder,
    info: G722Info,
}

/// Holds the static info (a newtype so the encoder/decoder can derive
/// `Default`).
#[derive(Debug, Clone)]
struct G722Info(CodecInfo);

impl Default for G722Info {
    fn default() -> Self {
        G722Info(g722_info())
    }
}

impl G722Encoder {
    /// A new encoder.
    pub fn new() -> Self {
        Self::default()
    }
}

impl AudioEncoder for G722Encoder {
    fn info(&self) -> &CodecInfo {
        &self.info.0
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

/// G.722 decoder: any payload → two 16 kHz samples per octet.
#[derive(Debug, Clone, Default)]
pub struct G722Decoder {
    inner: Decoder,
    info: G722Info,
}

impl G722Decoder {
    /// A new decoder.
    pub fn new() -> Self {
        Self::default()
    }
}

impl AudioDecoder for G722Decoder {
    fn info(&self) -> &CodecInfo {
        &self.info.0
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
        let i = g722_info();
        assert_eq!((i.encoding, i.name), ("G722", "g722"));
        assert_eq!((i.rtp_clock_rate, i.sample_rate), (8000, 16000));
        assert_eq!(i.static_payload_type, Some(9));
        assert_eq!((i.frame_samples, i.max_payload_bytes), (320, 160));
        assert_eq!((i.frame_ms(), i.rtp_timestamp_step()), (20, 160));
    }

    #[test]
    fn trait_objects_roundtrip_and_refuse_bad_input() {
        let mut enc: Box<dyn AudioEncoder> = Box::new(G722Encoder::new());
        let mut dec: Box<dyn AudioDecoder> = Box::new(G722Decoder::new());
        let pcm: Vec<i16> = (0..960)
            .map(|i| ((i as f32 * 0.2).sin() * 6000.0) as i16)
            .collect();
        let mut payload = [0u8; 480];
        for (f, p) in pcm.chunks_exact(320).zip(payload.chunks_exact_mut(160)) {
            assert_eq!(enc.encode(f, p).unwrap(), 160);
        }
        let mut out = [0i16; 960];
        assert_eq!(dec.decode(&payload, &mut out).unwrap(), 960);
        // The QMF delays the signal; compare energies of the last frame.
        let e_in: f64 = pcm[640..].iter().map(|&v| (v as f64).powi(2)).sum();
        let e_out: f64 = out[640..].iter().map(|&v| (v as f64).powi(2)).sum();
        assert!((e_out / e_in - 1.0).abs() < 0.2, "{}", e_out / e_in);

        assert!(matches!(
            enc.encode(&pcm[..319], &mut payload),
            Err(CodecError::FrameSize { .. })
        ));
        assert!(matches!(
            dec.decode(&payload, &mut out[..100]),
            Err(CodecError::BufferTooSmall { .. })
        ));
        assert_eq!(dec.conceal(&mut out).unwrap(), 320);
        assert!(dec.conceal(&mut out[..10]).is_err());
    }
}

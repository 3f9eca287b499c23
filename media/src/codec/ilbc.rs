//! iLBC (RFC 3951, payload format RFC 3952: dynamic payload type, 8 kHz,
//! `a=fmtp:<pt> mode=20` or `mode=30`, 30 ms when absent) over the
//! pure-Rust `openphone-ilbc` codec.
//!
//! One encode call codes one frame (160 samples → 38 bytes, or 240 → 50).
//! A received payload may carry several whole frames of the negotiated mode
//! (RFC 3952 §3.2); other lengths are refused as [`CodecError::Malformed`].
//! Frames flagged empty or carrying impossible indices are concealed, as the
//! RFC's decoder does. Lost packets are concealed by the codec's own PLC.
//!
//! ```
//! use openphone_media::codec::{AudioDecoder, AudioEncoder, IlbcDecoder, IlbcEncoder, IlbcMode};
//! let mode = IlbcMode::from_fmtp(Some("mode=20"));
//! let mut enc = IlbcEncoder::new(mode);
//! let mut dec = IlbcDecoder::new(mode);
//! let pcm: Vec<i16> = (0..160).map(|i| ((i as f32 * 0.3).sin() * 5000.0) as i16).collect();
//! let mut payload = [0u8; 76];
//! assert_eq!(enc.encode(&pcm, &mut payload[..38]).unwrap(), 38);
//! assert_eq!(enc.encode(&pcm, &mut payload[38..]).unwrap(), 38);
//! let mut out = [0i16; 320];
//! assert_eq!(dec.decode(&payload, &mut out).unwrap(), 320); // two frames
//! assert_eq!(dec.conceal(&mut out).unwrap(), 160);
//! assert!(dec.decode(&payload[..37], &mut out).is_err());
//! assert_eq!(enc.info().fmtp.as_deref(), Some("mode=20"));
//! ```

use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};
pub use openphone_ilbc::IlbcMode;
use openphone_ilbc::{Decoder, Encoder, Error};

/// Static description of iLBC in `mode`.
pub fn ilbc_info(mode: IlbcMode) -> CodecInfo {
    CodecInfo {
        encoding: "iLBC",
        name: match mode {
            IlbcMode::Ms20 => "ilbc20",
            IlbcMode::Ms30 => "ilbc30",
        },
        rtp_clock_rate: 8000,
        sample_rate: 8000,
        static_payload_type: None,
        frame_samples: mode.frame_samples(),
        max_payload_bytes: mode.frame_bytes(),
        fmtp: Some(format!("mode={}", mode.frame_ms())),
    }
}

/// Maps the codec crate's errors onto the media crate's.
fn map_err(e: Error) -> CodecError {
    match e {
        Error::FrameSamples { expected, got } => CodecError::FrameSize { expected, got },
        Error::BufferTooSmall { need, have } => CodecError::BufferTooSmall { need, have },
        other => CodecError::Malformed(format!("iLBC: {other}")),
    }
}

/// iLBC encoder: one 20 ms or 30 ms frame per call.
#[derive(Debug, Clone)]
pub struct IlbcEncoder {
    inner: Encoder,
    info: CodecInfo,
}

impl IlbcEncoder {
    /// A new encoder for `mode`.
    pub fn new(mode: IlbcMode) -> Self {
        Self {
            inner: Encoder::new(mode),
            info: ilbc_info(mode),
        }
    }
}

impl AudioEncoder for IlbcEncoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        self.inner.encode(pcm, out).map_err(map_err)
    }
}

/// iLBC decoder (enhancer on): payloads of whole frames of the negotiated
/// mode.
#[derive(Debug, Clone)]
pub struct IlbcDecoder {
    inner: Decoder,
    info: CodecInfo,
}

impl IlbcDecoder {
    /// A new decoder for `mode`.
    pub fn new(mode: IlbcMode) -> Self {
        Self {
            inner: Decoder::new(mode),
            info: ilbc_info(mode),
        }
    }
}

impl AudioDecoder for IlbcDecoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        let fb = self.info.max_payload_bytes;
        let fs = self.info.frame_samples;
        if payload.is_empty() || payload.len() % fb != 0 {
            return Err(CodecError::Malformed(format!(
                "iLBC: payload of {} bytes is not a whole number of {fb}-byte frames",
                payload.len()
            )));
        }
        let need = payload.len() / fb * fs;
        if out.len() < need {
            return Err(CodecError::BufferTooSmall {
                need,
                have: out.len(),
            });
        }
        for (frame, pcm) in payload.chunks_exact(fb).zip(out.chunks_mut(fs)) {
            self.inner.decode(frame, pcm).map_err(map_err)?;
        }
        Ok(need)
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError> {
        self.inner.conceal(out).map_err(map_err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_per_mode() {
        let i20 = ilbc_info(IlbcMode::Ms20);
        assert_eq!(
            (i20.name, i20.frame_samples, i20.max_payload_bytes),
            ("ilbc20", 160, 38)
        );
        assert_eq!(i20.frame_ms(), 20);
        let i30 = ilbc_info(IlbcMode::Ms30);
        assert_eq!(
            (i30.name, i30.frame_samples, i30.max_payload_bytes),
            ("ilbc30", 240, 50)
        );
        assert_eq!(i30.fmtp.as_deref(), Some("mode=30"));
        assert_eq!(i30.rtp_timestamp_step(), 240);
    }

    #[test]
    fn wrong_lengths_refused() {
        let mut dec = IlbcDecoder::new(IlbcMode::Ms30);
        let mut out = [0i16; 480];
        assert!(matches!(
            dec.decode(&[], &mut out),
            Err(CodecError::Malformed(_))
        ));
        assert!(matches!(
            dec.decode(&[0; 38], &mut out),
            Err(CodecError::Malformed(_))
        ));
        assert!(matches!(
            dec.decode(&[0; 150], &mut out),
            Err(CodecError::BufferTooSmall { need: 720, .. })
        ));
        assert_eq!(dec.decode(&[0; 100], &mut out), Ok(480));
        let mut enc = IlbcEncoder::new(IlbcMode::Ms30);
        assert!(matches!(
            enc.encode(&[0; 160], &mut [0; 50]),
            Err(CodecError::FrameSize {
                expected: 240,
                got: 160
            })
        ));
    }
}

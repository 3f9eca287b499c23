//! The codec traits shared by every codec.

/// Errors from encoding or decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The input PCM frame has the wrong number of samples.
    #[error("expected {expected} samples, got {got}")]
    FrameSize {
        /// What the codec needs.
        expected: usize,
        /// What it got.
        got: usize,
    },
    /// The output buffer is too small.
    #[error("output buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Needed.
        need: usize,
        /// Given.
        have: usize,
    },
    /// The payload cannot be decoded (wrong length, reserved values…).
    #[error("malformed payload: {0}")]
    Malformed(String),
    /// Bad format parameters or an unknown codec.
    #[error("unsupported codec configuration: {0}")]
    Unsupported(String),
    /// The underlying library failed.
    #[error("codec library error: {0}")]
    Library(String),
}

/// Static facts about a codec instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecInfo {
    /// SDP encoding name (`PCMU`, `GSM`, `G726-32`, `iLBC`, `speex`, `opus`…).
    pub encoding: &'static str,
    /// Short tool name (`pcmu`, `gsm`, `g726-32`, `ilbc20`…).
    pub name: &'static str,
    /// RTP clock rate (G.722: 8000 although it samples at 16000; Opus: 48000).
    pub rtp_clock_rate: u32,
    /// PCM sample rate the codec consumes and produces.
    pub sample_rate: u32,
    /// Static RTP payload type, if RFC 3551 assigns one.
    pub static_payload_type: Option<u8>,
    /// PCM samples in one codec frame (one `encode` call), at `sample_rate`.
    pub frame_samples: usize,
    /// Upper bound on the encoded size of one frame, in bytes.
    pub max_payload_bytes: usize,
    /// Format parameters we advertise (`a=fmtp`), if any.
    pub fmtp: Option<String>,
}

impl CodecInfo {
    /// Frame duration in milliseconds.
    pub fn frame_ms(&self) -> u32 {
        (self.frame_samples as u64 * 1000 / self.sample_rate.max(1) as u64) as u32
    }
    /// RTP timestamp increment for one frame.
    pub fn rtp_timestamp_step(&self) -> u32 {
        (self.frame_samples as u64 * self.rtp_clock_rate as u64 / self.sample_rate.max(1) as u64)
            as u32
    }
}

/// Turns PCM frames into payload bytes.
pub trait AudioEncoder: Send {
    /// What this encoder is.
    fn info(&self) -> &CodecInfo;
    /// Encodes exactly `info().frame_samples` samples into `out`, returning
    /// the number of bytes written.
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError>;
}

/// Turns payload bytes into PCM frames.
pub trait AudioDecoder: Send {
    /// What this decoder is.
    fn info(&self) -> &CodecInfo;
    /// Decodes one payload (one or more whole frames, as RTP carries them)
    /// into `out`, returning the number of samples written.
    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError>;
    /// Produces one frame (`info().frame_samples`) in place of a lost packet,
    /// returning the number of samples written.
    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError>;
    /// Rebuilds the frame lost just before `next` from the forward error
    /// correction `next` carries (Opus in-band FEC, RFC 6716 §2.1.7),
    /// writing it into `out`; the caller then decodes `next` as usual.
    /// `Ok(None)` means this codec has no FEC and the caller conceals (the
    /// default).
    fn recover_from_next(
        &mut self,
        next: &[u8],
        out: &mut [i16],
    ) -> Result<Option<usize>, CodecError> {
        let _ = (next, out);
        Ok(None)
    }
}

/// The first `samples` of a caller's output buffer, or
/// [`CodecError::BufferTooSmall`] — what a decoder writes one frame into.
pub fn frame_mut(out: &mut [i16], samples: usize) -> Result<&mut [i16], CodecError> {
    let have = out.len();
    out.get_mut(..samples).ok_or(CodecError::BufferTooSmall {
        need: samples,
        have,
    })
}

//! Speex narrowband (8 kHz) and wideband (16 kHz) over the system libspeex,
//! with the RTP payload format of RFC 5574.
//!
//! RFC 5574 §3: a payload is one or more Speex frames (20 ms each) packed
//! back to back at bit granularity, padded to a whole octet with a `0`
//! bit followed by `1` bits (the Speex terminator pattern). The decoder
//! walks the frames until it meets that terminator or the bits run out,
//! and never decodes more than [`MAX_FRAMES_PER_PACKET`] frames from one
//! payload. The encoder sends one frame per payload.
//!
//! Format parameters (RFC 5574 §6.1): `vbr=on|off|vad`, `cng=on|off`,
//! `mode="N,any"` — see [`SpeexParams::from_fmtp`].
//!
//! ```
//! use openphone_media::codec::speex::{SpeexBand, SpeexDecoder, SpeexEncoder};
//! use openphone_media::codec::{AudioDecoder, AudioEncoder};
//! let mut enc = SpeexEncoder::new(SpeexBand::Narrow, 8).unwrap();
//! let mut dec = SpeexDecoder::new(SpeexBand::Narrow).unwrap();
//! let pcm: Vec<i16> = (0..160).map(|i| ((i as f32 * 0.2).sin() * 3000.0) as i16).collect();
//! let mut payload = [0u8; 128];
//! let n = enc.encode(&pcm, &mut payload).unwrap();
//! assert_eq!(n, 38); // quality 8 = 15 kbit/s = 300 bits + terminator padding
//! let mut out = [0i16; 160];
//! assert_eq!(dec.decode(&payload[..n], &mut out).unwrap(), 160);
//! assert_eq!(dec.conceal(&mut out).unwrap(), 160);
//! ```

use std::os::raw::{c_char, c_int, c_void};
use std::ptr::NonNull;

use super::speex_ffi as ffi;
use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};

/// Most frames one payload may carry (400 ms); the rest is ignored.
pub const MAX_FRAMES_PER_PACKET: usize = 20;
/// Largest payload we hand to libspeex (its bit buffer holds 2000 bytes).
pub const MAX_PAYLOAD_BYTES: usize = 1500;

/// Speex band (mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpeexBand {
    /// Narrowband: 8 kHz, 160 samples per frame.
    Narrow,
    /// Wideband: 16 kHz, 320 samples per frame.
    Wide,
}

impl SpeexBand {
    /// PCM and RTP clock rate.
    pub fn sample_rate(self) -> u32 {
        match self {
            SpeexBand::Narrow => 8000,
            SpeexBand::Wide => 16000,
        }
    }

    /// Samples per 20 ms frame.
    pub fn frame_samples(self) -> usize {
        self.sample_rate() as usize / 50
    }

    fn mode_id(self) -> c_int {
        match self {
            SpeexBand::Narrow => ffi::SPEEX_MODEID_NB,
            SpeexBand::Wide => ffi::SPEEX_MODEID_WB,
        }
    }

    /// Highest `mode` value (sub-mode / quality) the band accepts.
    fn max_mode(self) -> u8 {
        match self {
            SpeexBand::Narrow => 8,
            SpeexBand::Wide => 10,
        }
    }
}

/// The codec facts for a band (encoding `speex`, dynamic payload type).
pub fn speex_info(band: SpeexBand) -> CodecInfo {
    CodecInfo {
        encoding: "speex",
        name: match band {
            SpeexBand::Narrow => "speex-nb",
            SpeexBand::Wide => "speex-wb",
        },
        rtp_clock_rate: band.sample_rate(),
        sample_rate: band.sample_rate(),
        static_payload_type: None,
        frame_samples: band.frame_samples(),
        // Largest frame: NB sub-mode 8 (492 bits) + WB layer 4 (352 bits)
        // + headers and padding stay under 110 bytes.
        max_payload_bytes: match band {
            SpeexBand::Narrow => 64,
            SpeexBand::Wide => 128,
        },
        fmtp: None,
    }
}

/// RFC 5574 `vbr` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SpeexVbr {
    /// Constant bit rate (default).
    #[default]
    Off,
    /// Variable bit rate.
    On,
    /// Constant bit rate, silence coded with short frames (VAD).
    Vad,
}

/// Encoder settings, from SDP format parameters and local preference.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpeexParams {
    /// `vbr`.
    pub vbr: SpeexVbr,
    /// `cng` (accepted for completeness; libspeex's decoder always fills
    /// silence frames with comfort noise).
    pub cng: bool,
    /// First numeric entry of `mode` (the peer's preferred mode); `None`
    /// for `any` or absent, meaning "use our quality setting".
    pub mode: Option<u8>,
}

impl SpeexParams {
    /// Parses an RFC 5574 fmtp string such as `mode="1,any";vbr=on`.
    /// Unknown parameters are ignored (RFC 4566 §6); bad values of known
    /// ones are an error.
    pub fn from_fmtp(fmtp: Option<&str>) -> Result<Self, CodecError> {
        let mut p = SpeexParams::default();
        let Some(fmtp) = fmtp else {
            return Ok(p);
        };
        for part in fmtp.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let k = k.trim();
            let v = v.trim().trim_matches('"').trim();
            if k.eq_ignore_ascii_case("vbr") {
                p.vbr = match v.to_ascii_lowercase().as_str() {
                    "on" => SpeexVbr::On,
                    "off" => SpeexVbr::Off,
                    "vad" => SpeexVbr::Vad,
                    _ => return Err(bad_param("vbr", v)),
                };
            } else if k.eq_ignore_ascii_case("cng") {
                p.cng = match v.to_ascii_lowercase().as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err(bad_param("cng", v)),
                };
            } else if k.eq_ignore_ascii_case("mode") {
                // Only the first (preferred) entry matters to an encoder.
                let first = v.split(',').next().unwrap_or("").trim();
                p.mode = if first.eq_ignore_ascii_case("any") {
                    None
                } else {
                    match first.parse::<u8>() {
                        Ok(n) if n <= 10 => Some(n),
                        _ => return Err(bad_param("mode", v)),
                    }
                };
            }
        }
        Ok(p)
    }
}

fn bad_param(name: &str, v: &str) -> CodecError {
    CodecError::Unsupported(format!("speex fmtp {name}={v:?}"))
}

/// An owned, initialised `SpeexBits`. Boxed so its address stays put.
struct Bits(Box<ffi::SpeexBits>);

impl Bits {
    fn new() -> Self {
        let mut b = Box::new(ffi::SpeexBits::zeroed());
        // SAFETY: `b` points to a valid SpeexBits that libspeex initialises
        // (allocating its 2000-byte buffer); freed in Drop.
        unsafe { ffi::speex_bits_init(&mut *b) };
        Bits(b)
    }

    fn ptr(&mut self) -> *mut ffi::SpeexBits {
        &mut *self.0
    }
}

impl Drop for Bits {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, destroyed once.
        unsafe { ffi::speex_bits_destroy(self.ptr()) };
    }
}

fn mode_ptr(band: SpeexBand) -> Result<*const ffi::SpeexMode, CodecError> {
    // SAFETY: pure lookup of a static table; NULL for unknown ids.
    let m = unsafe { ffi::speex_lib_get_mode(band.mode_id()) };
    if m.is_null() {
        return Err(CodecError::Library("libspeex has no such mode".into()));
    }
    Ok(m)
}

/// Speex encoder (one frame per payload).
pub struct SpeexEncoder {
    state: NonNull<c_void>,
    bits: Bits,
    scratch: Vec<i16>,
    info: CodecInfo,
}

// SAFETY: the libspeex state is exclusively owned and only touched through
// `&mut self`; libspeex keeps no thread-local or shared mutable state.
unsafe impl Send for SpeexEncoder {}

impl std::fmt::Debug for SpeexEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeexEncoder")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl SpeexEncoder {
    /// A CBR encoder at `quality` 0..=10 (8 = 15 kbit/s NB, 23.8 kbit/s WB).
    pub fn new(band: SpeexBand, quality: u8) -> Result<Self, CodecError> {
        Self::with_params(band, quality, &SpeexParams::default())
    }

    /// An encoder honouring the peer's format parameters: `mode` (when
    /// numeric) replaces `quality`, `vbr` selects VBR or VAD.
    pub fn with_params(band: SpeexBand, quality: u8, p: &SpeexParams) -> Result<Self, CodecError> {
        if quality > 10 {
            return Err(CodecError::Unsupported(format!(
                "speex quality {quality} (0..=10)"
            )));
        }
        let mode = mode_ptr(band)?;
        // SAFETY: `mode` is a valid libspeex mode; the state is freed in Drop.
        let state = NonNull::new(unsafe { ffi::speex_encoder_init(mode) })
            .ok_or_else(|| CodecError::Library("speex_encoder_init failed".into()))?;
        let mut enc = SpeexEncoder {
            state,
            bits: Bits::new(),
            scratch: vec![0; band.frame_samples()],
            info: speex_info(band),
        };
        let frame = enc.ctl_get(ffi::SPEEX_GET_FRAME_SIZE)?;
        if usize::try_from(frame).ok() != Some(band.frame_samples()) {
            return Err(CodecError::Library(format!("libspeex frame size {frame}")));
        }
        // DC/rumble removal before analysis, as `speexenc` configures it.
        enc.ctl_set_int(ffi::SPEEX_SET_HIGHPASS, 1)?;
        // libspeex starts at 2; speexenc (and most applications) use 3.
        enc.ctl_set_int(ffi::SPEEX_SET_COMPLEXITY, 3)?;
        match p.mode {
            // RFC 5574 `mode`: NB sub-mode, or for WB the quality (libspeex's
            // wideband SET_MODE is SET_QUALITY).
            Some(m) if m >= 1 && m <= band.max_mode() => {
                enc.ctl_set_int(ffi::SPEEX_SET_MODE, c_int::from(m))?
            }
            _ => enc.ctl_set_int(ffi::SPEEX_SET_QUALITY, c_int::from(quality))?,
        }
        match p.vbr {
            SpeexVbr::Off => {}
            SpeexVbr::On => {
                enc.ctl_set_int(ffi::SPEEX_SET_VBR, 1)?;
                let mut q = f32::from(quality);
                // SAFETY: SET_VBR_QUALITY reads one float.
                unsafe {
                    ffi::speex_encoder_ctl(
                        enc.state.as_ptr(),
                        ffi::SPEEX_SET_VBR_QUALITY,
                        (&mut q as *mut f32).cast(),
                    )
                };
            }
            SpeexVbr::Vad => enc.ctl_set_int(ffi::SPEEX_SET_VAD, 1)?,
        }
        Ok(enc)
    }

    /// Sets the encoder complexity 1..=10 (libspeex default 3).
    pub fn set_complexity(&mut self, complexity: u8) -> Result<(), CodecError> {
        self.ctl_set_int(
            ffi::SPEEX_SET_COMPLEXITY,
            c_int::from(complexity.clamp(1, 10)),
        )
    }

    /// Encoder look-ahead in samples (the codec's algorithmic delay).
    pub fn lookahead(&mut self) -> Result<usize, CodecError> {
        Ok(usize::try_from(self.ctl_get(ffi::SPEEX_GET_LOOKAHEAD)?).unwrap_or(0))
    }

    fn ctl_set_int(&mut self, req: c_int, v: c_int) -> Result<(), CodecError> {
        let mut v = v;
        // SAFETY: every request we pass with this helper reads one int.
        let r = unsafe {
            ffi::speex_encoder_ctl(self.state.as_ptr(), req, (&mut v as *mut c_int).cast())
        };
        if r != 0 {
            return Err(CodecError::Library(format!(
                "speex_encoder_ctl({req}) = {r}"
            )));
        }
        Ok(())
    }

    fn ctl_get(&mut self, req: c_int) -> Result<c_int, CodecError> {
        let mut v: c_int = 0;
        // SAFETY: every request we pass with this helper writes one int.
        let r = unsafe {
            ffi::speex_encoder_ctl(self.state.as_ptr(), req, (&mut v as *mut c_int).cast())
        };
        if r != 0 {
            return Err(CodecError::Library(format!(
                "speex_encoder_ctl({req}) = {r}"
            )));
        }
        Ok(v)
    }
}

impl Drop for SpeexEncoder {
    fn drop(&mut self) {
        // SAFETY: created by speex_encoder_init, destroyed once.
        unsafe { ffi::speex_encoder_destroy(self.state.as_ptr()) };
    }
}

impl AudioEncoder for SpeexEncoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.len() != self.scratch.len() {
            return Err(CodecError::FrameSize {
                expected: self.scratch.len(),
                got: pcm.len(),
            });
        }
        // libspeex takes a mutable pointer; give it a copy so the caller's
        // frame is never written.
        self.scratch.copy_from_slice(pcm);
        let bits = self.bits.ptr();
        // SAFETY: `scratch` holds exactly one frame (checked against
        // GET_FRAME_SIZE at construction); `bits` is initialised.
        let nbytes = unsafe {
            ffi::speex_bits_reset(bits);
            ffi::speex_encode_int(self.state.as_ptr(), self.scratch.as_mut_ptr(), bits);
            ffi::speex_bits_insert_terminator(bits);
            ffi::speex_bits_nbytes(bits)
        };
        let need = usize::try_from(nbytes).unwrap_or(0);
        if out.len() < need {
            return Err(CodecError::BufferTooSmall {
                need,
                have: out.len(),
            });
        }
        // SAFETY: `out` has room for `need` bytes, and we pass that bound.
        let written =
            unsafe { ffi::speex_bits_write(bits, out.as_mut_ptr().cast::<c_char>(), nbytes) };
        Ok(usize::try_from(written).unwrap_or(0).min(need))
    }
}

/// Speex decoder with packet-loss concealment; the perceptual enhancer is
/// on (libspeex's and `speexdec`'s default).
pub struct SpeexDecoder {
    state: NonNull<c_void>,
    bits: Bits,
    info: CodecInfo,
}

// SAFETY: as for SpeexEncoder.
unsafe impl Send for SpeexDecoder {}

impl std::fmt::Debug for SpeexDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpeexDecoder")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl SpeexDecoder {
    /// A decoder for `band`.
    pub fn new(band: SpeexBand) -> Result<Self, CodecError> {
        let mode = mode_ptr(band)?;
        // SAFETY: valid mode; freed in Drop.
        let state = NonNull::new(unsafe { ffi::speex_decoder_init(mode) })
            .ok_or_else(|| CodecError::Library("speex_decoder_init failed".into()))?;
        let dec = SpeexDecoder {
            state,
            bits: Bits::new(),
            info: speex_info(band),
        };
        let mut frame: c_int = 0;
        let mut enh: c_int = 1;
        // SAFETY: GET_FRAME_SIZE writes one int, SET_ENH reads one int.
        unsafe {
            ffi::speex_decoder_ctl(
                dec.state.as_ptr(),
                ffi::SPEEX_GET_FRAME_SIZE,
                (&mut frame as *mut c_int).cast(),
            );
            ffi::speex_decoder_ctl(
                dec.state.as_ptr(),
                ffi::SPEEX_SET_ENH,
                (&mut enh as *mut c_int).cast(),
            );
        }
        if usize::try_from(frame).ok() != Some(band.frame_samples()) {
            return Err(CodecError::Library(format!("libspeex frame size {frame}")));
        }
        Ok(dec)
    }

    /// True when the unread bits still start a frame (not the terminator).
    fn frame_follows(&mut self) -> bool {
        let bits = self.bits.ptr();
        // SAFETY: `bits` is initialised; peeking 5 bits needs 5 remaining.
        unsafe {
            if ffi::speex_bits_remaining(bits) < 5 {
                return false;
            }
            // Narrowband header: 1 wideband flag bit + 4-bit mode; mode 15
            // (with flag 0) is the terminator.
            ffi::speex_bits_peek_unsigned(bits, 5) != 0x0F
        }
    }
}

impl Drop for SpeexDecoder {
    fn drop(&mut self) {
        // SAFETY: created by speex_decoder_init, destroyed once.
        unsafe { ffi::speex_decoder_destroy(self.state.as_ptr()) };
    }
}

impl AudioDecoder for SpeexDecoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        let frame = self.info.frame_samples;
        if payload.is_empty() || payload.len() > MAX_PAYLOAD_BYTES {
            return Err(CodecError::Malformed(format!(
                "speex payload of {} bytes",
                payload.len()
            )));
        }
        if out.len() < frame {
            return Err(CodecError::BufferTooSmall {
                need: frame,
                have: out.len(),
            });
        }
        let bits = self.bits.ptr();
        // SAFETY: the payload fits the 2000-byte bit buffer (checked above),
        // so libspeex copies it without reallocating.
        unsafe { ffi::speex_bits_read_from(bits, payload.as_ptr().cast(), payload.len() as c_int) };
        let mut frames = 0usize;
        while frames < MAX_FRAMES_PER_PACKET && self.frame_follows() {
            let Some(dst) = out.get_mut(frames * frame..(frames + 1) * frame) else {
                return Err(CodecError::BufferTooSmall {
                    need: (frames + 1) * frame,
                    have: out.len(),
                });
            };
            // SAFETY: `dst` holds exactly one frame; `bits` holds the payload.
            let (ret, remaining) = unsafe {
                let r = ffi::speex_decode_int(self.state.as_ptr(), bits, dst.as_mut_ptr());
                (r, ffi::speex_bits_remaining(bits))
            };
            // -1: terminator/end of stream, -2: invalid mode; a negative
            // remainder means the frame read past the payload's end.
            if ret != 0 || remaining < 0 {
                if frames == 0 {
                    return Err(CodecError::Malformed(format!(
                        "speex frame undecodable (libspeex {ret}, {remaining} bits left)"
                    )));
                }
                break;
            }
            frames += 1;
        }
        if frames == 0 {
            return Err(CodecError::Malformed("no speex frame in payload".into()));
        }
        Ok(frames * frame)
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError> {
        let frame = self.info.frame_samples;
        let Some(dst) = out.get_mut(..frame) else {
            return Err(CodecError::BufferTooSmall {
                need: frame,
                have: out.len(),
            });
        };
        // SAFETY: NULL bits asks libspeex for one concealed frame into `dst`.
        unsafe {
            ffi::speex_decode_int(self.state.as_ptr(), std::ptr::null_mut(), dst.as_mut_ptr())
        };
        Ok(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmtp_parsing() {
        assert_eq!(
            SpeexParams::from_fmtp(None).unwrap(),
            SpeexParams::default()
        );
        let p = SpeexParams::from_fmtp(Some("mode=\"1,any\";vbr=on; cng=on")).unwrap();
        assert_eq!(p.mode, Some(1));
        assert_eq!(p.vbr, SpeexVbr::On);
        assert!(p.cng);
        let p = SpeexParams::from_fmtp(Some("mode=any;vbr=vad;foo=bar")).unwrap();
        assert_eq!(p.mode, None);
        assert_eq!(p.vbr, SpeexVbr::Vad);
        assert_eq!(
            SpeexParams::from_fmtp(Some("mode=\"4\"")).unwrap().mode,
            Some(4)
        );
        assert!(SpeexParams::from_fmtp(Some("vbr=maybe")).is_err());
        assert!(SpeexParams::from_fmtp(Some("mode=99")).is_err());
        assert!(SpeexParams::from_fmtp(Some("cng=1")).is_err());
    }

    #[test]
    fn info_facts() {
        let nb = speex_info(SpeexBand::Narrow);
        assert_eq!(
            (nb.encoding, nb.name, nb.rtp_clock_rate),
            ("speex", "speex-nb", 8000)
        );
        assert_eq!(nb.frame_samples, 160);
        let wb = speex_info(SpeexBand::Wide);
        assert_eq!(
            (wb.name, wb.rtp_clock_rate, wb.frame_samples),
            ("speex-wb", 16000, 320)
        );
        assert_eq!(wb.frame_ms(), 20);
    }

    #[test]
    fn frame_size_and_buffer_errors() {
        let mut e = SpeexEncoder::new(SpeexBand::Wide, 8).unwrap();
        let mut buf = [0u8; 200];
        assert!(matches!(
            e.encode(&[0; 160], &mut buf),
            Err(CodecError::FrameSize {
                expected: 320,
                got: 160
            })
        ));
        assert!(matches!(
            e.encode(&[0; 320], &mut buf[..3]),
            Err(CodecError::BufferTooSmall { .. })
        ));
        assert!(SpeexEncoder::new(SpeexBand::Narrow, 11).is_err());
        let mut d = SpeexDecoder::new(SpeexBand::Narrow).unwrap();
        let mut out = [0i16; 100];
        assert!(d.conceal(&mut out).is_err());
        assert!(d.decode(&[], &mut [0i16; 160]).is_err());
        assert!(d.decode(&[0u8; 2000], &mut [0i16; 160]).is_err());
    }

    #[test]
    fn several_frames_in_one_payload() {
        // At 8 kbit/s a frame is exactly 160 bits, so one-frame payloads
        // carry no terminator padding and their concatenation is a valid
        // RFC 5574 three-frame payload.
        let mut e = SpeexEncoder::new(SpeexBand::Narrow, 4).unwrap(); // 8 kbit/s, 160 bits
        let mut d = SpeexDecoder::new(SpeexBand::Narrow).unwrap();
        let mut all = Vec::new();
        for k in 0..3 {
            let pcm: Vec<i16> = (0..160)
                .map(|i| (((i + 160 * k) as f32 * 0.1).sin() * 4000.0) as i16)
                .collect();
            let mut buf = [0u8; 64];
            let n = e.encode(&pcm, &mut buf).unwrap();
            assert_eq!(n, 20, "160 bits need no terminator byte");
            all.extend_from_slice(&buf[..n]);
        }
        let mut out = vec![0i16; 160 * 4];
        assert_eq!(d.decode(&all, &mut out).unwrap(), 480);
        // Output too small for the second frame.
        let mut d = SpeexDecoder::new(SpeexBand::Narrow).unwrap();
        assert!(matches!(
            d.decode(&all, &mut out[..200]),
            Err(CodecError::BufferTooSmall { .. })
        ));
    }
}

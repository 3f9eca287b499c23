//! Opus (RFC 6716) over the system libopus, with the RTP conventions of
//! RFC 7587: the RTP clock is always 48 kHz and SDP always says
//! `opus/48000/2`, whatever we actually send. We encode and decode mono at
//! 48 kHz, 20 ms (960 samples) per packet; libopus down-mixes stereo
//! packets from a peer.
//!
//! The peer's format parameters (RFC 7587 §6.1) steer our encoder:
//! `maxaveragebitrate` caps the bit rate, `maxplaybackrate` the audio
//! bandwidth, `useinbandfec=1` lets us add in-band FEC, `usedtx=1` enables
//! DTX, `cbr=1` constant bit rate; `stereo`/`sprop-stereo` are parsed (we
//! send mono, which RFC 7587 always allows).
//!
//! Loss handling: [`AudioDecoder::conceal`] runs libopus PLC; when the
//! packet after a loss is already in the jitter buffer,
//! [`OpusDecoder::decode_fec`] recovers the lost frame from its in-band FEC.
//!
//! ```
//! use openphone_media::codec::opus::{OpusDecoder, OpusEncoder, OpusParams};
//! use openphone_media::codec::{AudioDecoder, AudioEncoder};
//! let peer = OpusParams::from_fmtp(Some("useinbandfec=1; maxaveragebitrate=20000")).unwrap();
//! assert!(peer.use_inband_fec);
//! let mut enc = OpusEncoder::new(&peer).unwrap();
//! let mut dec = OpusDecoder::new(&OpusParams::default()).unwrap();
//! let pcm: Vec<i16> = (0..960).map(|i| ((i as f32 * 0.05).sin() * 8000.0) as i16).collect();
//! let mut packet = [0u8; 1275];
//! let n = enc.encode(&pcm, &mut packet).unwrap();
//! let mut out = [0i16; 960];
//! assert_eq!(dec.decode(&packet[..n], &mut out).unwrap(), 960);
//! assert_eq!(dec.conceal(&mut out).unwrap(), 960);
//! ```

use super::registry::CodecEntry;
use super::traits::{AudioDecoder, AudioEncoder, CodecError, CodecInfo};

/// Opus sample rate and RTP clock (RFC 7587 §4.1).
pub const OPUS_RATE: u32 = 48_000;
/// Samples in our 20 ms frame at 48 kHz.
pub const OPUS_FRAME: usize = 960;
/// Largest single-frame Opus packet (RFC 6716 §3.4 R2).
pub const OPUS_MAX_PACKET: usize = 1275;
/// Longest packet duration (120 ms) in samples at 48 kHz.
pub const OPUS_MAX_PACKET_SAMPLES: usize = 5760;
/// Payloads larger than this are rejected before libopus sees them
/// (a 120 ms packet of 1275-byte frames plus framing stays below it).
const MAX_INPUT_BYTES: usize = 8000;
/// Bit rate we use when the peer sets no cap: good wideband speech.
pub const DEFAULT_BITRATE: u32 = 32_000;

/// The codec facts (SDP `opus/48000/2`, dynamic payload type).
pub fn opus_info() -> CodecInfo {
    CodecInfo {
        encoding: "opus",
        name: "opus",
        rtp_clock_rate: OPUS_RATE,
        sample_rate: OPUS_RATE,
        static_payload_type: None,
        frame_samples: OPUS_FRAME,
        max_payload_bytes: OPUS_MAX_PACKET,
        fmtp: Some("useinbandfec=1".into()),
    }
}

/// The registry entry for Opus: SDP `opus/48000/2` (RFC 7587 §7), an
/// encoder configured from the negotiated descriptor's fmtp (the peer's
/// receive preferences), a mono decoder.
pub fn opus_entry() -> CodecEntry {
    CodecEntry::new(
        opus_info(),
        |d| {
            let peer = OpusParams::from_fmtp(d.fmtp.as_deref())?;
            Ok(Box::new(OpusEncoder::new(&peer)?))
        },
        |d| {
            let peer = OpusParams::from_fmtp(d.fmtp.as_deref())?;
            Ok(Box::new(OpusDecoder::new(&peer)?))
        },
    )
    .with_channels(2)
}

/// RFC 7587 format parameters (what the SDP of one side says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpusParams {
    /// `useinbandfec`: the receiver can use in-band FEC.
    pub use_inband_fec: bool,
    /// `usedtx`: the receiver prefers DTX.
    pub use_dtx: bool,
    /// `cbr`: the receiver prefers constant bit rate.
    pub cbr: bool,
    /// `maxaveragebitrate` in bit/s (6000..=510000).
    pub max_average_bitrate: Option<u32>,
    /// `maxplaybackrate` in Hz (8000..=48000).
    pub max_playback_rate: Option<u32>,
    /// `stereo`: the receiver prefers stereo.
    pub stereo: bool,
    /// `sprop-stereo`: the sender is likely to send stereo.
    pub sprop_stereo: bool,
}

impl Default for OpusParams {
    /// RFC 7587 defaults: everything off, no caps.
    fn default() -> Self {
        OpusParams {
            use_inband_fec: false,
            use_dtx: false,
            cbr: false,
            max_average_bitrate: None,
            max_playback_rate: None,
            stereo: false,
            sprop_stereo: false,
        }
    }
}

impl OpusParams {
    /// Parses `a=fmtp` parameters (`key=value` separated by `;`). Unknown
    /// keys are ignored; bad values of known keys are an error. Out-of-range
    /// rates are clamped to the RFC 7587 ranges.
    pub fn from_fmtp(fmtp: Option<&str>) -> Result<Self, CodecError> {
        let mut p = OpusParams::default();
        let Some(fmtp) = fmtp else {
            return Ok(p);
        };
        for part in fmtp.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            let flag = |v: &str| match v {
                "0" => Ok(false),
                "1" => Ok(true),
                _ => Err(CodecError::Unsupported(format!("opus fmtp {k}={v:?}"))),
            };
            let num = |v: &str| {
                v.parse::<u32>()
                    .map_err(|_| CodecError::Unsupported(format!("opus fmtp {k}={v:?}")))
            };
            match k.as_str() {
                "useinbandfec" => p.use_inband_fec = flag(v)?,
                "usedtx" => p.use_dtx = flag(v)?,
                "cbr" => p.cbr = flag(v)?,
                "stereo" => p.stereo = flag(v)?,
                "sprop-stereo" => p.sprop_stereo = flag(v)?,
                "maxaveragebitrate" => p.max_average_bitrate = Some(num(v)?.clamp(6000, 510_000)),
                "maxplaybackrate" => p.max_playback_rate = Some(num(v)?.clamp(8000, 48_000)),
                _ => {}
            }
        }
        Ok(p)
    }

    /// The parameters as an fmtp string (only those differing from the
    /// defaults), e.g. `useinbandfec=1;maxaveragebitrate=20000`.
    pub fn to_fmtp(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.max_playback_rate {
            parts.push(format!("maxplaybackrate={r}"));
        }
        if let Some(b) = self.max_average_bitrate {
            parts.push(format!("maxaveragebitrate={b}"));
        }
        for (on, name) in [
            (self.stereo, "stereo"),
            (self.sprop_stereo, "sprop-stereo"),
            (self.cbr, "cbr"),
            (self.use_inband_fec, "useinbandfec"),
            (self.use_dtx, "usedtx"),
        ] {
            if on {
                parts.push(format!("{name}=1"));
            }
        }
        parts.join(";")
    }

    /// The encoder bandwidth the peer's `maxplaybackrate` allows.
    fn bandwidth(&self) -> opus::Bandwidth {
        match self.max_playback_rate {
            Some(r) if r <= 8000 => opus::Bandwidth::Narrowband,
            Some(r) if r <= 12000 => opus::Bandwidth::Mediumband,
            Some(r) if r <= 16000 => opus::Bandwidth::Wideband,
            Some(r) if r <= 24000 => opus::Bandwidth::Superwideband,
            _ => opus::Bandwidth::Fullband,
        }
    }
}

fn lib_err(e: opus::Error) -> CodecError {
    match e.code() {
        opus::ErrorCode::InvalidPacket => CodecError::Malformed(e.to_string()),
        _ => CodecError::Library(e.to_string()),
    }
}

/// Opus encoder: mono, 48 kHz, 20 ms, VoIP application.
pub struct OpusEncoder {
    enc: opus::Encoder,
    info: CodecInfo,
}

impl std::fmt::Debug for OpusEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusEncoder")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl OpusEncoder {
    /// An encoder following the peer's (the receiver's) parameters.
    pub fn new(peer: &OpusParams) -> Result<Self, CodecError> {
        let mut enc = opus::Encoder::new(OPUS_RATE, opus::Channels::Mono, opus::Application::Voip)
            .map_err(lib_err)?;
        let bitrate = peer
            .max_average_bitrate
            .map_or(DEFAULT_BITRATE, |m| m.min(DEFAULT_BITRATE));
        enc.set_bitrate(opus::Bitrate::Bits(bitrate as i32))
            .map_err(lib_err)?;
        enc.set_max_bandwidth(peer.bandwidth()).map_err(lib_err)?;
        enc.set_vbr(!peer.cbr).map_err(lib_err)?;
        enc.set_dtx(peer.use_dtx).map_err(lib_err)?;
        enc.set_inband_fec(peer.use_inband_fec).map_err(lib_err)?;
        if peer.use_inband_fec {
            // FEC is only coded when the encoder expects losses; it costs
            // quality at low rates (it pushes the encoder towards SILK),
            // so assume a modest 5 % until told otherwise.
            enc.set_packet_loss_perc(5).map_err(lib_err)?;
        }
        Ok(OpusEncoder {
            enc,
            info: opus_info(),
        })
    }

    /// Changes the target bit rate (6000..=510000 bit/s).
    pub fn set_bitrate(&mut self, bps: u32) -> Result<(), CodecError> {
        self.enc
            .set_bitrate(opus::Bitrate::Bits(bps.clamp(6000, 510_000) as i32))
            .map_err(lib_err)
    }

    /// Tells the encoder the expected loss rate (0..=100 %), which sizes FEC.
    pub fn set_packet_loss_perc(&mut self, pct: u8) -> Result<(), CodecError> {
        self.enc
            .set_packet_loss_perc(i32::from(pct.min(100)))
            .map_err(lib_err)
    }

    /// Encoder look-ahead in samples at 48 kHz (the RFC 7845 pre-skip).
    pub fn lookahead(&mut self) -> Result<usize, CodecError> {
        let l = self.enc.get_lookahead().map_err(lib_err)?;
        Ok(usize::try_from(l).unwrap_or(0))
    }
}

impl AudioEncoder for OpusEncoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    /// Encodes 960 samples. With DTX on, a returned length of 1–2 bytes
    /// marks a DTX frame that need not be sent (RFC 7587 §3.1.3).
    fn encode(&mut self, pcm: &[i16], out: &mut [u8]) -> Result<usize, CodecError> {
        if pcm.len() != OPUS_FRAME {
            return Err(CodecError::FrameSize {
                expected: OPUS_FRAME,
                got: pcm.len(),
            });
        }
        if out.is_empty() {
            return Err(CodecError::BufferTooSmall {
                need: OPUS_MAX_PACKET,
                have: 0,
            });
        }
        let n = out.len().min(OPUS_MAX_PACKET);
        self.enc
            .encode(pcm, &mut out[..n])
            .map_err(|e| match e.code() {
                opus::ErrorCode::BufferTooSmall => CodecError::BufferTooSmall {
                    need: OPUS_MAX_PACKET,
                    have: out.len(),
                },
                _ => lib_err(e),
            })
    }
}

/// Opus decoder: mono output at 48 kHz.
pub struct OpusDecoder {
    dec: opus::Decoder,
    info: CodecInfo,
}

impl std::fmt::Debug for OpusDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpusDecoder")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl OpusDecoder {
    /// A decoder. `sender` is the peer's parameters (only informative for
    /// a mono decoder: stereo packets are down-mixed).
    pub fn new(sender: &OpusParams) -> Result<Self, CodecError> {
        let _ = sender;
        let dec = opus::Decoder::new(OPUS_RATE, opus::Channels::Mono).map_err(lib_err)?;
        Ok(OpusDecoder {
            dec,
            info: opus_info(),
        })
    }

    /// Checks a packet and returns how many samples it decodes to.
    fn packet_samples(payload: &[u8]) -> Result<usize, CodecError> {
        if payload.is_empty() || payload.len() > MAX_INPUT_BYTES {
            return Err(CodecError::Malformed(format!(
                "opus payload of {} bytes",
                payload.len()
            )));
        }
        let n = opus::packet::get_nb_samples(payload, OPUS_RATE).map_err(lib_err)?;
        if n == 0 || n > OPUS_MAX_PACKET_SAMPLES {
            return Err(CodecError::Malformed(format!("opus packet of {n} samples")));
        }
        Ok(n)
    }

    /// The range coder's final state after the last decoded packet: the
    /// RFC 6716 conformance check value (what `opusdec --save-range` prints).
    pub fn final_range(&mut self) -> Result<u32, CodecError> {
        self.dec.get_final_range().map_err(lib_err)
    }

    /// Recovers the frame *before* `payload` (which was lost) from the
    /// in-band FEC data in `payload`, writing [`OPUS_FRAME`] samples; when
    /// `payload` carries no FEC, libopus conceals instead. Call it with the
    /// packet that follows a gap, then decode that packet normally.
    pub fn decode_fec(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        Self::packet_samples(payload)?;
        let Some(dst) = out.get_mut(..OPUS_FRAME) else {
            return Err(CodecError::BufferTooSmall {
                need: OPUS_FRAME,
                have: out.len(),
            });
        };
        self.dec.decode(payload, dst, true).map_err(lib_err)
    }
}

impl AudioDecoder for OpusDecoder {
    fn info(&self) -> &CodecInfo {
        &self.info
    }

    fn decode(&mut self, payload: &[u8], out: &mut [i16]) -> Result<usize, CodecError> {
        let n = Self::packet_samples(payload)?;
        let Some(dst) = out.get_mut(..n) else {
            return Err(CodecError::BufferTooSmall {
                need: n,
                have: out.len(),
            });
        };
        self.dec.decode(payload, dst, false).map_err(lib_err)
    }

    fn conceal(&mut self, out: &mut [i16]) -> Result<usize, CodecError> {
        let Some(dst) = out.get_mut(..OPUS_FRAME) else {
            return Err(CodecError::BufferTooSmall {
                need: OPUS_FRAME,
                have: out.len(),
            });
        };
        // An empty input is libopus's "packet lost".
        self.dec.decode(&[], dst, false).map_err(lib_err)
    }

    fn recover_from_next(
        &mut self,
        next: &[u8],
        out: &mut [i16],
    ) -> Result<Option<usize>, CodecError> {
        // The inherent method: FEC when `next` carries it, PLC otherwise.
        OpusDecoder::decode_fec(self, next, out).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fmtp_round_trip_and_defaults() {
        assert_eq!(OpusParams::from_fmtp(None).unwrap(), OpusParams::default());
        let p = OpusParams::from_fmtp(Some(
            "maxplaybackrate=16000; sprop-stereo=1;stereo=0; useinbandfec=1;usedtx=1;cbr=1;maxaveragebitrate=24000;foo=bar",
        ))
        .unwrap();
        assert!(p.use_inband_fec && p.use_dtx && p.cbr && p.sprop_stereo && !p.stereo);
        assert_eq!(p.max_average_bitrate, Some(24000));
        assert_eq!(p.max_playback_rate, Some(16000));
        assert_eq!(OpusParams::from_fmtp(Some(&p.to_fmtp())).unwrap(), p);
        assert_eq!(OpusParams::default().to_fmtp(), "");
    }

    #[test]
    fn fmtp_clamps_and_rejects() {
        let p =
            OpusParams::from_fmtp(Some("maxaveragebitrate=1000;maxplaybackrate=96000")).unwrap();
        assert_eq!(p.max_average_bitrate, Some(6000));
        assert_eq!(p.max_playback_rate, Some(48000));
        assert!(OpusParams::from_fmtp(Some("useinbandfec=yes")).is_err());
        assert!(OpusParams::from_fmtp(Some("maxaveragebitrate=-5")).is_err());
        assert!(OpusParams::from_fmtp(Some("usedtx")).is_err());
    }

    #[test]
    fn registry_entry_serves_opus_48000_2() {
        use openphone_sal::CodecDescriptor;
        let e = opus_entry();
        let d = CodecDescriptor::new(111, "opus", 48000)
            .with_channels(2)
            .with_fmtp("useinbandfec=1");
        assert!(e.serves(&d));
        assert!(!e.serves(&CodecDescriptor::new(111, "opus", 48000)));
        assert_eq!((e.encoder)(&d).unwrap().info().name, "opus");
        assert!((e.encoder)(&d.clone().with_fmtp("usedtx=7")).is_err());
        assert_eq!((e.decoder)(&d).unwrap().info().frame_samples, 960);
    }

    #[test]
    fn info_is_rfc7587() {
        let i = opus_info();
        assert_eq!(
            (i.encoding, i.rtp_clock_rate, i.frame_samples),
            ("opus", 48000, 960)
        );
        assert_eq!(i.rtp_timestamp_step(), 960);
        assert_eq!(i.static_payload_type, None);
    }

    #[test]
    fn size_errors_and_malformed() {
        let mut e = OpusEncoder::new(&OpusParams::default()).unwrap();
        let mut buf = [0u8; 1500];
        assert!(matches!(
            e.encode(&[0; 480], &mut buf),
            Err(CodecError::FrameSize {
                expected: 960,
                got: 480
            })
        ));
        assert!(e.encode(&[0; 960], &mut []).is_err());
        let mut d = OpusDecoder::new(&OpusParams::default()).unwrap();
        let mut out = [0i16; 960];
        assert!(matches!(
            d.decode(&[], &mut out),
            Err(CodecError::Malformed(_))
        ));
        // Code 3 (arbitrary frame count) with count 0 is invalid (RFC 6716 R5).
        assert!(matches!(
            d.decode(&[0x03, 0x00], &mut out),
            Err(CodecError::Malformed(_))
        ));
        // A 60 ms packet does not fit 960 samples.
        let toc_60ms_silk = 3u8 << 3; // config 3: SILK NB 60 ms, frame count code 0
        assert!(matches!(
            d.decode(&[toc_60ms_silk, 0xFF, 0xFF], &mut out),
            Err(CodecError::BufferTooSmall { need: 2880, .. })
        ));
        assert!(d.conceal(&mut out[..100]).is_err());
        assert_eq!(d.conceal(&mut out).unwrap(), 960);
    }
}

//! What a session runs, built (and checked) from what was agreed: the
//! encoder, which payload types are accepted and at which rates, buffer
//! sizes. Building it is the only fallible, allocating part of `apply`, so
//! a driver can do it on the caller's thread and hand the result over.

use std::net::SocketAddr;
use std::time::Duration;

use openphone_sal::{CodecDescriptor, MediaDirection, MediaError, NegotiatedMedia};

use super::secure::SrtpPlan;
use crate::codec::{AudioEncoder, CodecRegistry};

/// Longest packet we accept, in time: covers every common ptime (10–60 ms)
/// and Opus's longest packet (120 ms).
pub(super) const MAX_PACKET_MS: u32 = 120;
/// Largest RTP payload accepted whatever the codec (an Ethernet-sized datagram).
const MAX_DATAGRAM_PAYLOAD: usize = 1500 - 12;

/// The PCM frames a session exchanges with the audio device side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioFormat {
    /// Samples per second (the codec's PCM rate: 8000 for G.711, 16000 for
    /// G.722, 48000 for Opus).
    pub sample_rate: u32,
    /// Samples in one `write_audio`/`read_audio` frame (one packet time).
    pub samples_per_packet: usize,
    /// The packet time.
    pub packet_time: Duration,
}

/// The sending half.
pub(super) struct SendPlan {
    pub remote_rtp: SocketAddr,
    pub remote_rtcp: SocketAddr,
    pub payload_type: u8,
    pub telephone_event: Option<u8>,
    pub encoder: Box<dyn AudioEncoder>,
    pub frame_samples: usize,
    pub frames_per_packet: usize,
    /// RTP timestamp units per packet.
    pub ts_step: u32,
    pub rtp_clock_rate: u32,
    /// Largest payload one packet can carry.
    pub max_payload: usize,
    pub codec: CodecDescriptor,
}

/// One payload type we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RecvCodec {
    pub pt: u8,
    pub codec: CodecDescriptor,
    /// Plays at the session's rate with a codec this build has.
    pub playable: bool,
}

/// The receiving half.
#[derive(Debug, Clone)]
pub(super) struct RecvPlan {
    pub codecs: Vec<RecvCodec>,
    pub telephone_event: Option<u8>,
    pub comfort_noise: Option<u8>,
    /// RTP clock of the main received codec (for the jitter estimate).
    pub clock_rate: u32,
    /// Largest payload stored.
    pub max_payload: usize,
    /// Most samples one packet decodes to.
    pub max_decoded: usize,
}

impl RecvPlan {
    /// The codec of a payload type we accept.
    pub fn codec(&self, pt: u8) -> Option<&RecvCodec> {
        self.codecs.iter().find(|c| c.pt == pt)
    }
}

/// A checked, ready-to-run setup for [`MediaSession::apply_plan`](super::MediaSession::apply_plan).
pub struct MediaPlan {
    pub(super) direction: MediaDirection,
    pub(super) send: Option<SendPlan>,
    pub(super) recv: Option<RecvPlan>,
    pub(super) format: AudioFormat,
    pub(super) codec_name: String,
    /// SRTP keys and contexts when SDES agreed keys.
    pub(super) srtp: Option<SrtpPlan>,
    /// The peer's `a=zrtp-hash`, for a ZRTP exchange to check its Hello.
    pub(super) zrtp_hash: Option<String>,
}

impl std::fmt::Debug for MediaPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaPlan")
            .field("direction", &self.direction)
            .field("codec", &self.codec_name)
            .field("format", &self.format)
            .field("sends", &self.send.is_some())
            .field("receives", &self.recv.is_some())
            .field("srtp", &self.srtp_suite())
            .finish()
    }
}

fn codec_err(e: impl std::fmt::Display) -> MediaError {
    MediaError::Codec(e.to_string())
}

impl MediaPlan {
    /// Checks what was agreed against the codecs of `registry` and builds
    /// the encoder and, when SDES agreed keys, the SRTP contexts. Errors:
    /// no audio stream, SRTP keys we cannot use (never turned into clear
    /// media), a send codec we cannot encode, or nothing we can decode
    /// while receiving.
    pub fn new(registry: &CodecRegistry, negotiated: &NegotiatedMedia) -> Result<Self, MediaError> {
        let s = negotiated
            .audio()
            .ok_or_else(|| MediaError::Codec("no audio stream was agreed".into()))?;
        let srtp = s.sdes.as_ref().map(SrtpPlan::new).transpose()?;
        if s.send.is_none() && s.recv.is_none() {
            return Err(MediaError::Codec("neither direction was agreed".into()));
        }
        let direction = s.direction.intersect(MediaDirection::from_flags(
            s.send.is_some(),
            s.recv.is_some(),
        ));

        let mut send = None;
        let mut format = None;
        if let Some(ch) = &s.send {
            let mut codec = ch.codec.clone();
            codec.payload_type = Some(ch.payload_type);
            let encoder = registry.encoder(&codec).map_err(codec_err)?;
            let info = encoder.info().clone();
            let frame_ms = info.frame_ms().max(1) as u128;
            let ptime_ms = ch.ptime.as_millis().clamp(10, 200);
            let frames_per_packet = (ptime_ms / frame_ms).max(1) as usize;
            let packet_time = Duration::from_millis((frames_per_packet as u128 * frame_ms) as u64);
            format = Some(AudioFormat {
                sample_rate: info.sample_rate,
                samples_per_packet: info.frame_samples * frames_per_packet,
                packet_time,
            });
            send = Some(SendPlan {
                remote_rtp: ch.remote_rtp,
                remote_rtcp: ch.remote_rtcp,
                payload_type: ch.payload_type,
                telephone_event: ch.telephone_event,
                frame_samples: info.frame_samples,
                frames_per_packet,
                ts_step: info.rtp_timestamp_step() * frames_per_packet as u32,
                rtp_clock_rate: info.rtp_clock_rate,
                max_payload: info.max_payload_bytes * frames_per_packet,
                encoder,
                codec,
            });
        }

        let mut recv = None;
        if let Some(ch) = &s.recv {
            // Without a send half, the first codec we can decode sets the rate.
            if format.is_none() {
                format = ch
                    .codecs
                    .iter()
                    .filter(|(_, c)| c.is_audio())
                    .find_map(|(_, c)| registry.find(c))
                    .map(|e| {
                        let frame_ms = e.info.frame_ms().max(1);
                        let frames = (20 / frame_ms).max(1) as usize;
                        AudioFormat {
                            sample_rate: e.info.sample_rate,
                            samples_per_packet: e.info.frame_samples * frames,
                            packet_time: Duration::from_millis((frames as u32 * frame_ms) as u64),
                        }
                    });
            }
            let rate = format.map_or(8000, |f| f.sample_rate);
            let mut codecs = Vec::new();
            let mut comfort_noise = None;
            let mut max_payload = 0;
            let mut clock_rate = None;
            for (pt, c) in &ch.codecs {
                if c.is_comfort_noise() {
                    comfort_noise.get_or_insert(*pt);
                    continue;
                }
                if c.is_telephone_event() {
                    continue;
                }
                // Received audio at another rate than ours would need a
                // second resampler chain: such payload types are accepted
                // on the wire (counted) but not played.
                let entry = registry.find(c).filter(|e| e.info.sample_rate == rate);
                if let Some(e) = entry {
                    let frames = MAX_PACKET_MS.div_ceil(e.info.frame_ms().max(1)) as usize;
                    max_payload = usize::max(max_payload, e.info.max_payload_bytes * frames);
                    clock_rate.get_or_insert(e.info.rtp_clock_rate);
                }
                codecs.push(RecvCodec {
                    pt: *pt,
                    codec: c.clone(),
                    playable: entry.is_some(),
                });
            }
            if direction.receives() && !codecs.iter().any(|c| c.playable) {
                return Err(MediaError::Codec(format!(
                    "none of the receive codecs {:?} can be decoded at {rate} Hz",
                    ch.codecs
                        .iter()
                        .map(|(_, c)| format!("{}/{}", c.encoding, c.clock_rate))
                        .collect::<Vec<_>>(),
                )));
            }
            recv = Some(RecvPlan {
                codecs,
                telephone_event: ch.telephone_event,
                comfort_noise,
                clock_rate: clock_rate.unwrap_or(8000),
                max_payload: max_payload.clamp(1, MAX_DATAGRAM_PAYLOAD),
                max_decoded: (rate * MAX_PACKET_MS / 1000) as usize,
            });
        }
        let format = format.ok_or_else(|| {
            MediaError::Codec("no codec of the agreed media is in this build".into())
        })?;
        let codec_name = s
            .main_codec()
            .map(|c| c.encoding.clone())
            .unwrap_or_default();
        Ok(MediaPlan {
            direction,
            send,
            recv,
            format,
            codec_name,
            srtp,
            zrtp_hash: s.zrtp_hash.clone(),
        })
    }

    /// The SRTP suite when the plan encrypts (`AES_CM_128_HMAC_SHA1_80`…).
    pub fn srtp_suite(&self) -> Option<&'static str> {
        self.srtp.as_ref().map(SrtpPlan::suite_name)
    }

    /// The PCM frames this plan exchanges.
    pub fn format(&self) -> AudioFormat {
        self.format
    }

    /// Which way media flows.
    pub fn direction(&self) -> MediaDirection {
        self.direction
    }

    /// The codec that names the call (the one we send, else the first we receive).
    pub fn codec_name(&self) -> &str {
        &self.codec_name
    }

    /// Whether a sending half was agreed.
    pub fn has_send(&self) -> bool {
        self.send.is_some()
    }

    /// Whether the peer takes RFC 4733 events from us.
    pub fn sends_telephone_event(&self) -> bool {
        self.send
            .as_ref()
            .is_some_and(|s| s.telephone_event.is_some())
    }
}

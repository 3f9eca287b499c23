//! What one side offers or answers: streams with codecs, addresses and keys.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::{CodecDescriptor, MediaDirection};

/// The kind of a media stream.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MediaKind {
    /// Voice.
    Audio,
    /// Video (declined by this engine, described so it can be declined cleanly).
    Video,
    /// Anything else (`text`, `application`, `image`…), by its name.
    Other(String),
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediaKind::Audio => f.write_str("audio"),
            MediaKind::Video => f.write_str("video"),
            MediaKind::Other(s) => f.write_str(s),
        }
    }
}

/// The RTP profile a stream uses (RFC 3551, 3711, 4585, 5124).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RtpProfile {
    /// RTP/AVP: plain RTP.
    #[default]
    Avp,
    /// RTP/SAVP: SRTP.
    Savp,
    /// RTP/AVPF: RTP with feedback.
    Avpf,
    /// RTP/SAVPF: SRTP with feedback.
    Savpf,
}

impl RtpProfile {
    /// True for the secure profiles.
    pub fn is_secure(self) -> bool {
        matches!(self, RtpProfile::Savp | RtpProfile::Savpf)
    }
}

impl fmt::Display for RtpProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RtpProfile::Avp => "RTP/AVP",
            RtpProfile::Savp => "RTP/SAVP",
            RtpProfile::Avpf => "RTP/AVPF",
            RtpProfile::Savpf => "RTP/SAVPF",
        })
    }
}

/// One SDES crypto attribute (RFC 4568 §9.1), as offered or answered.
///
/// ```
/// use openphone_sal::SdesCrypto;
/// let c = SdesCrypto::new(1, "AES_CM_128_HMAC_SHA1_80", "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz");
/// assert_eq!(c.suite, "AES_CM_128_HMAC_SHA1_80");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SdesCrypto {
    /// The tag that pairs an answer with its offer.
    pub tag: u32,
    /// The crypto suite name.
    pub suite: String,
    /// The key parameters (`inline:…`).
    pub key_params: String,
    /// Session parameters (`UNENCRYPTED_SRTCP`, `KDR=…`), verbatim.
    pub session_params: Vec<String>,
}

impl SdesCrypto {
    /// A crypto line without session parameters.
    pub fn new(tag: u32, suite: impl Into<String>, key_params: impl Into<String>) -> Self {
        SdesCrypto {
            tag,
            suite: suite.into(),
            key_params: key_params.into(),
            session_params: Vec::new(),
        }
    }
}

/// A DTLS certificate fingerprint (RFC 8122), kept so a DTLS-SRTP stack has a slot.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Fingerprint {
    /// Hash function name (`sha-256`).
    pub hash: String,
    /// Colon-separated hex value.
    pub value: String,
}

impl Fingerprint {
    /// A fingerprint.
    pub fn new(hash: impl Into<String>, value: impl Into<String>) -> Self {
        Fingerprint {
            hash: hash.into(),
            value: value.into(),
        }
    }
}

/// The keying material a stream description carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct StreamSecurity {
    /// SDES crypto attributes, in preference order.
    pub crypto: Vec<SdesCrypto>,
    /// The ZRTP hello hash (RFC 6189 §8.1, `a=zrtp-hash`), `version hash`.
    pub zrtp_hash: Option<String>,
    /// A DTLS fingerprint.
    pub fingerprint: Option<Fingerprint>,
}

impl StreamSecurity {
    /// True when nothing is offered.
    pub fn is_empty(&self) -> bool {
        self.crypto.is_empty() && self.zrtp_hash.is_none() && self.fingerprint.is_none()
    }
}

/// One media stream as a side describes it: where it receives, what it takes.
///
/// An SDP m-line is one encoding of it, an H.245 capability set plus logical
/// channel another.
///
/// ```
/// use openphone_sal::{CodecDescriptor, MediaDirection, StreamDescription};
/// let s = StreamDescription::audio("127.0.0.1:4000".parse().unwrap())
///     .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
///     .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"));
/// assert_eq!(s.direction, MediaDirection::SendRecv);
/// assert_eq!(s.audio_codecs().count(), 1);
/// assert_eq!(s.rtcp_addr(), Some("127.0.0.1:4001".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamDescription {
    /// What the stream carries.
    pub kind: MediaKind,
    /// Where this side receives RTP; `None` when the stream is refused (SDP port 0).
    pub rtp: Option<SocketAddr>,
    /// RTCP address when not RTP port + 1 (SDP `a=rtcp`).
    pub rtcp: Option<SocketAddr>,
    /// RTP and RTCP share the RTP port (RFC 5761).
    pub rtcp_mux: bool,
    /// RTP profile.
    pub profile: RtpProfile,
    /// Codecs in preference order, telephone-event and CN included.
    pub codecs: Vec<CodecDescriptor>,
    /// Direction.
    pub direction: MediaDirection,
    /// Packetisation time, if stated.
    pub ptime: Option<Duration>,
    /// Keys and key-agreement hints.
    pub security: StreamSecurity,
}

impl StreamDescription {
    /// An empty send-receive stream of `kind` at `rtp`.
    pub fn new(kind: MediaKind, rtp: Option<SocketAddr>) -> Self {
        StreamDescription {
            kind,
            rtp,
            rtcp: None,
            rtcp_mux: false,
            profile: RtpProfile::Avp,
            codecs: Vec::new(),
            direction: MediaDirection::SendRecv,
            ptime: None,
            security: StreamSecurity::default(),
        }
    }

    /// An empty send-receive audio stream at `rtp`.
    pub fn audio(rtp: SocketAddr) -> Self {
        StreamDescription::new(MediaKind::Audio, Some(rtp))
    }

    /// A refused stream of `kind` (SDP port 0).
    pub fn refused(kind: MediaKind) -> Self {
        StreamDescription::new(kind, None)
    }

    /// Appends a codec.
    pub fn with_codec(mut self, codec: CodecDescriptor) -> Self {
        self.codecs.push(codec);
        self
    }

    /// Sets the direction.
    pub fn with_direction(mut self, direction: MediaDirection) -> Self {
        self.direction = direction;
        self
    }

    /// Sets the packetisation time.
    pub fn with_ptime(mut self, ptime: Duration) -> Self {
        self.ptime = Some(ptime);
        self
    }

    /// True when the stream is refused.
    pub fn is_refused(&self) -> bool {
        self.rtp.is_none_or(|a| a.port() == 0)
    }

    /// Codecs that carry audio (telephone-event and comfort noise left out).
    pub fn audio_codecs(&self) -> impl Iterator<Item = &CodecDescriptor> {
        self.codecs.iter().filter(|c| c.is_audio())
    }

    /// The telephone-event entry, if offered.
    pub fn telephone_event(&self) -> Option<&CodecDescriptor> {
        self.codecs.iter().find(|c| c.is_telephone_event())
    }

    /// The RTCP address: explicit, the RTP address with rtcp-mux, or RTP port + 1.
    pub fn rtcp_addr(&self) -> Option<SocketAddr> {
        if let Some(a) = self.rtcp {
            return Some(a);
        }
        let mut a = self.rtp?;
        if !self.rtcp_mux {
            a.set_port(a.port().wrapping_add(1));
        }
        Some(a)
    }
}

impl fmt::Display for StreamDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rtp {
            None => return write!(f, "{} refused", self.kind),
            Some(a) => write!(
                f,
                "{} at {a} {} {}",
                self.kind, self.profile, self.direction
            )?,
        }
        let names: Vec<String> = self.codecs.iter().map(|c| c.to_string()).collect();
        write!(f, " [{}]", names.join(", "))
    }
}

/// A whole media description: the streams of one offer or answer, in order.
///
/// ```
/// use openphone_sal::{CodecDescriptor, MediaDescription, StreamDescription};
/// let d = MediaDescription::from(
///     StreamDescription::audio("127.0.0.1:4000".parse().unwrap())
///         .with_codec(CodecDescriptor::new(8, "PCMA", 8000)),
/// );
/// assert_eq!(d.audio().map(|s| s.codecs.len()), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MediaDescription {
    /// The streams, in the order the protocol lists them.
    pub streams: Vec<StreamDescription>,
}

impl MediaDescription {
    /// A description with these streams.
    pub fn new(streams: Vec<StreamDescription>) -> Self {
        MediaDescription { streams }
    }

    /// The index of the first audio stream that is not refused.
    pub fn audio_index(&self) -> Option<usize> {
        self.streams
            .iter()
            .position(|s| s.kind == MediaKind::Audio && !s.is_refused())
    }

    /// The first audio stream that is not refused.
    pub fn audio(&self) -> Option<&StreamDescription> {
        self.audio_index().map(|i| &self.streams[i])
    }

    /// The first audio stream, mutable.
    pub fn audio_mut(&mut self) -> Option<&mut StreamDescription> {
        let i = self.audio_index()?;
        self.streams.get_mut(i)
    }

    /// The same description with every stream's direction set to `direction`.
    pub fn with_direction(mut self, direction: MediaDirection) -> Self {
        for s in &mut self.streams {
            s.direction = direction;
        }
        self
    }
}

impl From<StreamDescription> for MediaDescription {
    fn from(s: StreamDescription) -> Self {
        MediaDescription { streams: vec![s] }
    }
}

impl fmt::Display for MediaDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.streams.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

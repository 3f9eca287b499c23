//! Protocol-neutral media descriptions: what a side offers and what was agreed.
//!
//! SIP and MGCP encode these as SDP, H.323 as H.245 capabilities; the phone
//! and the media engine only ever see these structs.

use std::net::SocketAddr;
use std::time::Duration;

/// One codec as carried in a media description (an SDP `rtpmap` + `fmtp`).
///
/// ```
/// use openphone_sal::CodecDescriptor;
/// let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
/// assert!(pcmu.same_format(&CodecDescriptor::new(0, "pcmu", 8000)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CodecDescriptor {
    /// RTP payload type (0–127).
    pub payload_type: u8,
    /// Encoding name as in SDP (`PCMU`, `GSM`, `opus`, `telephone-event`…).
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Channel count (1 unless the codec says otherwise).
    pub channels: u8,
    /// Format parameters (`a=fmtp` value), verbatim.
    pub fmtp: Option<String>,
}

impl CodecDescriptor {
    /// A mono codec without format parameters.
    pub fn new(payload_type: u8, encoding: impl Into<String>, clock_rate: u32) -> Self {
        CodecDescriptor {
            payload_type,
            encoding: encoding.into(),
            clock_rate,
            channels: 1,
            fmtp: None,
        }
    }

    /// Sets the format parameters.
    pub fn with_fmtp(mut self, fmtp: impl Into<String>) -> Self {
        self.fmtp = Some(fmtp.into());
        self
    }

    /// Sets the channel count.
    pub fn with_channels(mut self, channels: u8) -> Self {
        self.channels = channels;
        self
    }

    /// True when both describe the same format (name case-insensitively, rate, channels),
    /// whatever their payload types.
    pub fn same_format(&self, other: &CodecDescriptor) -> bool {
        self.encoding.eq_ignore_ascii_case(&other.encoding)
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
    }

    /// True for RFC 4733 `telephone-event`.
    pub fn is_telephone_event(&self) -> bool {
        self.encoding.eq_ignore_ascii_case("telephone-event")
    }
}

/// Which way media flows, from the describing side's point of view (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MediaDirection {
    /// Send and receive.
    #[default]
    SendRecv,
    /// Send only (e.g. putting the peer on hold).
    SendOnly,
    /// Receive only.
    RecvOnly,
    /// Neither.
    Inactive,
}

impl MediaDirection {
    /// The direction the other side must answer with (RFC 3264 §6.1).
    pub fn reversed(self) -> Self {
        match self {
            MediaDirection::SendOnly => MediaDirection::RecvOnly,
            MediaDirection::RecvOnly => MediaDirection::SendOnly,
            d => d,
        }
    }
    /// Whether this side sends.
    pub fn sends(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::SendOnly)
    }
    /// Whether this side receives.
    pub fn receives(self) -> bool {
        matches!(self, MediaDirection::SendRecv | MediaDirection::RecvOnly)
    }
}

/// One side's audio description: where it receives RTP and which codecs it
/// takes, in order of preference (telephone-event included as a codec).
///
/// ```
/// use openphone_sal::{CodecDescriptor, MediaDirection, MediaOffer};
/// let offer = MediaOffer::new("127.0.0.1:4000".parse().unwrap())
///     .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
///     .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"));
/// assert_eq!(offer.direction, MediaDirection::SendRecv);
/// assert_eq!(offer.audio_codecs().count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaOffer {
    /// RTP address (SDP `c=` + `m=` port). Port 0 means the stream is refused.
    pub rtp: SocketAddr,
    /// RTCP address when not RTP port + 1 (SDP `a=rtcp`), or `None` for the default.
    pub rtcp: Option<SocketAddr>,
    /// Codecs in preference order, telephone-event included.
    pub codecs: Vec<CodecDescriptor>,
    /// Direction attribute.
    pub direction: MediaDirection,
    /// Packetisation time (`a=ptime`), if stated.
    pub ptime: Option<Duration>,
}

impl MediaOffer {
    /// An empty send-receive description at `rtp`.
    pub fn new(rtp: SocketAddr) -> Self {
        MediaOffer {
            rtp,
            rtcp: None,
            codecs: Vec::new(),
            direction: MediaDirection::SendRecv,
            ptime: None,
        }
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

    /// Codecs that carry audio (telephone-event and comfort noise left out).
    pub fn audio_codecs(&self) -> impl Iterator<Item = &CodecDescriptor> {
        self.codecs
            .iter()
            .filter(|c| !c.is_telephone_event() && !c.encoding.eq_ignore_ascii_case("CN"))
    }

    /// The telephone-event entry, if offered.
    pub fn telephone_event(&self) -> Option<&CodecDescriptor> {
        self.codecs.iter().find(|c| c.is_telephone_event())
    }

    /// The RTCP address: explicit, or RTP port + 1.
    pub fn rtcp_addr(&self) -> SocketAddr {
        self.rtcp.unwrap_or_else(|| {
            let mut a = self.rtp;
            a.set_port(self.rtp.port().wrapping_add(1));
            a
        })
    }
}

/// What offer/answer agreed for one call's audio, from the local side's view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedMedia {
    /// Where we receive RTP.
    pub local_rtp: SocketAddr,
    /// Where we send RTP.
    pub remote_rtp: SocketAddr,
    /// Where we send RTCP.
    pub remote_rtcp: SocketAddr,
    /// The codec we send with (its payload type is the one the peer asked for).
    pub send_codec: CodecDescriptor,
    /// Payload types we accept, with their codecs.
    pub recv_codecs: Vec<CodecDescriptor>,
    /// Payload type for RFC 4733 events we send, if both sides support them.
    pub send_telephone_event: Option<u8>,
    /// Payload type for RFC 4733 events we receive.
    pub recv_telephone_event: Option<u8>,
    /// Our direction after negotiation.
    pub direction: MediaDirection,
    /// Packetisation time to send with.
    pub ptime: Duration,
}

/// Live quality figures of one call's media (RFC 3550 and jitter-buffer counters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MediaStats {
    /// Codec in use (SDP encoding name).
    pub codec: String,
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received.
    pub packets_received: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Packets lost on the way in (expected − received, RFC 3550 A.3).
    pub packets_lost: i64,
    /// Fraction lost in the last RTCP interval, 0.0–1.0.
    pub fraction_lost: f32,
    /// Interarrival jitter of incoming RTP, in milliseconds (RFC 3550 A.8).
    pub jitter_ms: f32,
    /// Jitter the peer reported in its last RTCP report, in milliseconds.
    pub remote_jitter_ms: Option<f32>,
    /// Round-trip time from RTCP, if measured.
    pub rtt_ms: Option<f32>,
    /// Delay the jitter buffer adds, in milliseconds, averaged over about
    /// the last second (50 packet times).
    pub jitter_buffer_delay_ms: f32,
    /// Frames that arrived too late to play.
    pub late_frames: u64,
    /// Frames concealed because they never arrived.
    pub concealed_frames: u64,
    /// RTCP packets sent / received.
    pub rtcp_sent: u64,
    /// RTCP packets received.
    pub rtcp_received: u64,
}

//! What offer/answer (or logical-channel signalling) agreed, per stream and direction.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use super::{CodecDescriptor, MediaDirection, MediaKind, SdesCrypto};

/// The sending half of a stream: what we send, to where.
///
/// SIP opens both halves with one offer/answer; H.245 opens each as its own
/// logical channel (our OpenLogicalChannel acknowledged gives this half).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendChannel {
    /// Where we send RTP.
    pub remote_rtp: SocketAddr,
    /// Where we send RTCP.
    pub remote_rtcp: SocketAddr,
    /// The codec we send with.
    pub codec: CodecDescriptor,
    /// The payload type we send it with (the one the peer asked for).
    pub payload_type: u8,
    /// Payload type for RFC 4733 events we send, if the peer takes them.
    pub telephone_event: Option<u8>,
    /// Packetisation time to send with.
    pub ptime: Duration,
}

impl SendChannel {
    /// A send channel; RTCP goes to RTP port + 1, no telephone-event, 20 ms.
    pub fn new(remote_rtp: SocketAddr, codec: CodecDescriptor, payload_type: u8) -> Self {
        let mut rtcp = remote_rtp;
        rtcp.set_port(remote_rtp.port().wrapping_add(1));
        SendChannel {
            remote_rtp,
            remote_rtcp: rtcp,
            codec,
            payload_type,
            telephone_event: None,
            ptime: Duration::from_millis(20),
        }
    }
}

/// The receiving half of a stream: which payload types we accept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RecvChannel {
    /// Codecs we accept, each with the payload type it arrives with.
    pub codecs: Vec<(u8, CodecDescriptor)>,
    /// Payload type of RFC 4733 events we accept.
    pub telephone_event: Option<u8>,
}

impl RecvChannel {
    /// A receive channel for these codecs.
    pub fn new(codecs: Vec<(u8, CodecDescriptor)>) -> Self {
        RecvChannel {
            codecs,
            telephone_event: None,
        }
    }
}

/// SRTP keys agreed by SDES: one line each way.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SdesKeys {
    /// Our key (we protect with it).
    pub local: SdesCrypto,
    /// The peer's key (we unprotect with it).
    pub remote: SdesCrypto,
}

impl SdesKeys {
    /// A key pair.
    pub fn new(local: SdesCrypto, remote: SdesCrypto) -> Self {
        SdesKeys { local, remote }
    }
}

/// One agreed stream, from the local side's view.
///
/// `send` and `recv` describe what was agreed for each direction; whether
/// media flows right now is `direction` (a held call keeps its channels).
///
/// ```
/// use openphone_sal::{CodecDescriptor, MediaDirection, NegotiatedStream, RecvChannel, SendChannel};
/// let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
/// let s = NegotiatedStream::audio("127.0.0.1:4000".parse().unwrap())
///     .with_send(SendChannel::new("127.0.0.1:5000".parse().unwrap(), pcmu.clone(), 0))
///     .with_recv(RecvChannel::new(vec![(0, pcmu)]));
/// assert_eq!(s.direction, MediaDirection::SendRecv);
/// assert_eq!(s.to_string(), "PCMU/8000 pt 0 -> 127.0.0.1:5000 sendrecv");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NegotiatedStream {
    /// What the stream carries.
    pub kind: MediaKind,
    /// Where we receive RTP.
    pub local_rtp: SocketAddr,
    /// What we send, once agreed.
    pub send: Option<SendChannel>,
    /// What we receive, once agreed.
    pub recv: Option<RecvChannel>,
    /// Which way media flows now.
    pub direction: MediaDirection,
    /// SRTP keys when SDES agreed them.
    pub sdes: Option<SdesKeys>,
    /// The peer's `a=zrtp-hash` (RFC 6189 §8.1, `version hash`), for the
    /// ZRTP endpoint to check the peer's Hello against.
    pub zrtp_hash: Option<String>,
}

impl NegotiatedStream {
    /// An audio stream with neither half agreed yet.
    pub fn audio(local_rtp: SocketAddr) -> Self {
        NegotiatedStream {
            kind: MediaKind::Audio,
            local_rtp,
            send: None,
            recv: None,
            direction: MediaDirection::Inactive,
            sdes: None,
            zrtp_hash: None,
        }
    }

    /// Adds the sending half (and sending to the direction).
    pub fn with_send(mut self, send: SendChannel) -> Self {
        self.send = Some(send);
        self.direction = MediaDirection::from_flags(true, self.direction.receives());
        self
    }

    /// Adds the receiving half (and receiving to the direction).
    pub fn with_recv(mut self, recv: RecvChannel) -> Self {
        self.recv = Some(recv);
        self.direction = MediaDirection::from_flags(self.direction.sends(), true);
        self
    }

    /// Sets the direction (e.g. a held call).
    pub fn with_direction(mut self, direction: MediaDirection) -> Self {
        self.direction = direction;
        self
    }

    /// The codec that names the call: the one we send, else the first we receive.
    pub fn main_codec(&self) -> Option<&CodecDescriptor> {
        self.send
            .as_ref()
            .map(|s| &s.codec)
            .or_else(|| self.recv.as_ref()?.codecs.first().map(|(_, c)| c))
    }
}

impl fmt::Display for NegotiatedStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.send {
            Some(s) => {
                write!(
                    f,
                    "{}/{} pt {} -> {}",
                    s.codec.encoding, s.codec.clock_rate, s.payload_type, s.remote_rtp
                )?;
            }
            None => match self.main_codec() {
                Some(c) => write!(f, "{c} (receive only)")?,
                None => write!(f, "{} (nothing agreed)", self.kind)?,
            },
        }
        write!(f, " {}", self.direction)?;
        if self.sdes.is_some() {
            f.write_str(" SRTP")?;
        }
        Ok(())
    }
}

/// What was agreed for a call's media: one entry per accepted stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NegotiatedMedia {
    /// The accepted streams (refused ones are left out).
    pub streams: Vec<NegotiatedStream>,
}

impl NegotiatedMedia {
    /// Agreed media with these streams.
    pub fn new(streams: Vec<NegotiatedStream>) -> Self {
        NegotiatedMedia { streams }
    }

    /// The audio stream, if one was agreed.
    pub fn audio(&self) -> Option<&NegotiatedStream> {
        self.streams.iter().find(|s| s.kind == MediaKind::Audio)
    }

    /// The audio stream, mutable.
    pub fn audio_mut(&mut self) -> Option<&mut NegotiatedStream> {
        self.streams.iter_mut().find(|s| s.kind == MediaKind::Audio)
    }
}

impl From<NegotiatedStream> for NegotiatedMedia {
    fn from(s: NegotiatedStream) -> Self {
        NegotiatedMedia { streams: vec![s] }
    }
}

impl fmt::Display for NegotiatedMedia {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.streams.is_empty() {
            return f.write_str("no media");
        }
        for (i, s) in self.streams.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}

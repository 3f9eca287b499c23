//! The engine's flat view of one agreed audio stream.
//!
//! The SAL describes media per stream and per direction (an H.245 peer may
//! open one direction before the other). This engine runs one audio stream
//! with both halves; a description it cannot run is an error, never a
//! silent partial start.

use std::net::SocketAddr;
use std::time::Duration;

use openphone_sal::{CodecDescriptor, MediaDirection, MediaError, NegotiatedMedia};

/// One audio stream as the task runs it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Agreed {
    pub remote_rtp: SocketAddr,
    pub remote_rtcp: SocketAddr,
    pub send_codec: CodecDescriptor,
    pub send_pt: u8,
    pub recv_codecs: Vec<(u8, CodecDescriptor)>,
    pub send_telephone_event: Option<u8>,
    pub recv_telephone_event: Option<u8>,
    pub direction: MediaDirection,
    pub ptime: Duration,
}

impl Agreed {
    pub(crate) fn from_negotiated(n: &NegotiatedMedia) -> Result<Agreed, MediaError> {
        let s = n
            .audio()
            .ok_or_else(|| MediaError::Codec("no audio stream was agreed".into()))?;
        if s.sdes.is_some() {
            return Err(MediaError::Unsupported("SRTP"));
        }
        let send = s.send.as_ref().ok_or(MediaError::Unsupported(
            "receiving before the sending half is agreed",
        ))?;
        let recv = s.recv.clone().unwrap_or_default();
        let mut send_codec = send.codec.clone();
        send_codec.payload_type = Some(send.payload_type);
        Ok(Agreed {
            remote_rtp: send.remote_rtp,
            remote_rtcp: send.remote_rtcp,
            send_codec,
            send_pt: send.payload_type,
            recv_codecs: recv.codecs,
            send_telephone_event: send.telephone_event,
            recv_telephone_event: recv.telephone_event,
            direction: if s.recv.is_some() {
                s.direction
            } else {
                s.direction.intersect(MediaDirection::SendOnly)
            },
            ptime: send.ptime,
        })
    }
}

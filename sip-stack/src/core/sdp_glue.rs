//! The SIP side of offer/answer: SDP bodies in and out through `openphone_media::sdp`.

use std::net::IpAddr;

use openphone_media::sdp::{self, SdpOrigin, SessionDescription};
use openphone_sal::{MediaOffer, NegotiatedMedia};

/// SDP origin state of one call (RFC 4566 `o=`; version bumped per new offer/answer).
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub session_id: u64,
    pub version: u64,
    pub address: IpAddr,
}

impl Origin {
    /// The body for our description; bumps the version (RFC 3264 §8).
    pub(crate) fn encode(&mut self, media: &MediaOffer) -> Vec<u8> {
        self.version = self.version.wrapping_add(1);
        let o = SdpOrigin {
            username: "openphone".to_string(),
            session_id: self.session_id,
            session_version: self.version,
            address: self.address,
        };
        sdp::sdp_from_offer(media, &o).to_string().into_bytes()
    }

    /// The body for our answer to `remote`: one m-line per offered stream, in
    /// the offer's order, non-audio streams refused with port 0 (RFC 3264 §6).
    pub(crate) fn encode_answer(
        &mut self,
        answer: &MediaOffer,
        remote: Option<&SessionDescription>,
    ) -> Vec<u8> {
        let Some(remote) = remote else {
            return self.encode(answer);
        };
        self.version = self.version.wrapping_add(1);
        let o = SdpOrigin {
            username: "openphone".to_string(),
            session_id: self.session_id,
            session_version: self.version,
            address: self.address,
        };
        sdp::sdp_answer_for(remote, answer, &o)
            .to_string()
            .into_bytes()
    }
}

/// Parses a peer's SDP body into its first audio description.
pub(crate) fn decode(body: &[u8]) -> Result<MediaOffer, String> {
    decode_with_sdp(body).map(|(o, _)| o)
}

/// Parses a peer's SDP offer, keeping the whole description for the answer's m-lines.
pub(crate) fn decode_with_sdp(body: &[u8]) -> Result<(MediaOffer, SessionDescription), String> {
    let sd = SessionDescription::parse(body).map_err(|e| e.to_string())?;
    let offer = sdp::offer_from_sdp(&sd).map_err(|e| e.to_string())?;
    Ok((offer, sd))
}

/// Answers a remote offer with our capabilities.
pub(crate) fn answer(
    local: &MediaOffer,
    remote: &MediaOffer,
) -> Result<(MediaOffer, NegotiatedMedia), String> {
    sdp::answer(local, remote).map_err(|e| e.to_string())
}

/// Completes our offer with the peer's answer.
pub(crate) fn complete(ours: &MediaOffer, theirs: &MediaOffer) -> Result<NegotiatedMedia, String> {
    sdp::complete(ours, theirs).map_err(|e| e.to_string())
}

//! The SIP side of offer/answer: SDP bodies to and from the SAL's neutral
//! [`MediaDescription`] (`openphone-sdp`), negotiated by
//! [`openphone_sal::media::negotiate`].

use std::net::IpAddr;

use std::fmt;

use openphone_sal::media::negotiate::{self, NegotiationError};
use openphone_sal::{Cause, EndReason, MediaDescription, MediaDirection, NegotiatedMedia, Reason};
use openphone_sdp::{self as sdp, SdpOrigin, SessionDescription};

/// SDP origin state of one call (RFC 8866 `o=`; version bumped per new offer/answer).
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub session_id: u64,
    pub version: u64,
    pub address: IpAddr,
}

impl Origin {
    /// The next `o=` line (RFC 3264 §8: every new description bumps the version).
    fn next(&mut self) -> SdpOrigin {
        self.version = self.version.wrapping_add(1);
        SdpOrigin {
            username: "openphone".to_string(),
            session_id: self.session_id,
            session_version: self.version,
            address: self.address,
        }
    }

    /// The body for our offer.
    pub(crate) fn encode(&mut self, media: &MediaDescription) -> Vec<u8> {
        let o = self.next();
        sdp::sdp_from_description(media, &o)
            .to_string()
            .into_bytes()
    }

    /// The body for our answer to `remote`: one m-line per offered stream, in
    /// the offer's order, the streams we do not take refused with port 0
    /// (RFC 3264 §6).
    pub(crate) fn encode_answer(
        &mut self,
        answer: &MediaDescription,
        remote: Option<&SessionDescription>,
    ) -> Vec<u8> {
        let Some(remote) = remote else {
            return self.encode(answer);
        };
        let o = self.next();
        sdp::sdp_answer_for(remote, answer, &o)
            .to_string()
            .into_bytes()
    }
}

/// Why a peer's description was not usable, with the cause a call ended by
/// it carries: keys that could not be agreed are a security failure, the
/// rest incompatible media (SIP 488 either way).
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    pub cause: Cause,
    pub text: String,
}

impl Refusal {
    /// An unusable description (no SDP, a parse error, no common codec).
    pub fn media(text: impl Into<String>) -> Self {
        Refusal {
            cause: Cause::IncompatibleMedia,
            text: text.into(),
        }
    }

    /// How a call we end because of it ends; `context` says which
    /// description (`the 2xx's answer`).
    pub fn end_reason(&self, context: &str) -> EndReason {
        EndReason::system(Reason::new(self.cause).with_text(format!("{context}: {}", self.text)))
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<NegotiationError> for Refusal {
    fn from(e: NegotiationError) -> Self {
        Refusal {
            cause: if e.is_security() {
                Cause::SecurityFailure
            } else {
                Cause::IncompatibleMedia
            },
            text: e.to_string(),
        }
    }
}

/// Parses a peer's SDP body.
pub(crate) fn decode(body: &[u8]) -> Result<MediaDescription, Refusal> {
    decode_with_sdp(body).map(|(d, _)| d)
}

/// Parses a peer's SDP offer, keeping the whole session description for the
/// answer's m-lines.
pub(crate) fn decode_with_sdp(
    body: &[u8],
) -> Result<(MediaDescription, SessionDescription), Refusal> {
    let sd = SessionDescription::parse(body).map_err(|e| Refusal::media(e.to_string()))?;
    let desc = sdp::description_from_sdp(&sd).map_err(|e| Refusal::media(e.to_string()))?;
    Ok((desc, sd))
}

/// Answers a remote offer with our description: our answer and what was agreed.
pub(crate) fn answer(
    local: &MediaDescription,
    remote: &MediaDescription,
) -> Result<(MediaDescription, NegotiatedMedia), Refusal> {
    Ok(negotiate::answer(local, remote)?)
}

/// Completes our offer with the peer's answer.
pub(crate) fn complete(
    ours: &MediaDescription,
    theirs: &MediaDescription,
) -> Result<NegotiatedMedia, Refusal> {
    Ok(negotiate::complete(ours, theirs)?)
}

/// Whether a peer's description puts us on hold: its audio stream does not
/// ask to receive (sendonly or inactive, RFC 3264 §8.4; a `c=0.0.0.0` is
/// already read as such by the SDP conversion).
pub(crate) fn holds_us(desc: &MediaDescription) -> bool {
    desc.audio().is_some_and(|s| {
        matches!(
            s.direction,
            MediaDirection::SendOnly | MediaDirection::Inactive
        )
    })
}

/// Our description as a hold offer (RFC 3264 §8.4): each stream keeps at
/// most its sending half (sendrecv becomes sendonly, recvonly inactive), so
/// the peer stops sending while we may still send, e.g. music on hold.
pub(crate) fn held(desc: &MediaDescription) -> MediaDescription {
    let mut d = desc.clone();
    for s in &mut d.streams {
        s.direction = s.direction.intersect(MediaDirection::SendOnly);
    }
    d
}

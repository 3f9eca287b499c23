//! RFC 3264 offer/answer over the neutral [`MediaDescription`] model.
//!
//! SDP is only one encoding of these descriptions: SIP and MGCP convert SDP
//! to and from the model (`openphone-sdp`), H.323 builds it from H.245
//! capabilities, and all of them negotiate here.
//!
//! **Codec order policy.** The answer lists the common codecs in the
//! *offer's* order, and each side sends with the first codec of the answer.
//! RFC 3264 §6.1 recommends that the answerer keep the offer's relative order
//! unless it has a reason not to; doing so means both directions end up on
//! the same codec (the offerer sends the answer's first codec, and so do we),
//! which many gateways and DSP-based phones require. Our own preference order
//! acts as a filter (what we accept), not as a ranking, when answering; when
//! we are the offerer, our order is the offer's order, so it does rank.
//!
//! Format parameters: iLBC answers `mode=` the larger of both sides (RFC 3952
//! §5: 30 if either side wants 30; absent means 30); G.729 drops Annex B if
//! either side says `annexb=no`; telephone-event answers the intersection of
//! both event ranges (absent means `0-15`, RFC 4733 §2.4.1); other codecs
//! answer with our own parameters (they describe what we receive), else
//! echo the offer's. G.726 bit rates and packings are told apart by their
//! encoding names (`G726-32`, `AAL2-G726-32`…), which must match.
//!
//! Streams: the first audio stream that is not refused is negotiated; every
//! other stream (video, a second audio stream) is answered refused, in
//! place, so the answer has as many streams as the offer (§6). A stream on a
//! secure profile (RTP/SAVP) is refused unless both sides agree keys; SDES
//! crypto offered on plain RTP/AVP (the common best-effort form) is agreed
//! when we have keys of our own and ignored when we have none, never turned
//! into an unencrypted "secure" call. A side that lists `a=crypto` on
//! RTP/SAVP requires encryption: an offer or answer without a usable key is
//! refused ([`NegotiationError::EncryptionRequired`]). Keys are agreed by
//! RFC 4568 §7: the answerer picks the offerer's first acceptable suite and
//! answers with its own key under the offer's tag
//! ([`NegotiatedStream::sdes`](crate::NegotiatedStream::sdes)).
//!
//! # Example
//!
//! ```
//! use openphone_sal::media::negotiate;
//! use openphone_sal::{CodecDescriptor, MediaDescription, MediaDirection, StreamDescription};
//!
//! let offer = MediaDescription::from(
//!     StreamDescription::audio("192.0.2.1:49170".parse().unwrap())
//!         .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
//!         .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
//!         .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-15"))
//!         .with_direction(MediaDirection::SendOnly),
//! );
//! let local = MediaDescription::from(
//!     StreamDescription::audio("192.0.2.2:30000".parse().unwrap())
//!         .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
//!         .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
//!         .with_codec(CodecDescriptor::new(100, "telephone-event", 8000).with_fmtp("0-16")),
//! );
//! let (answer, agreed) = negotiate::answer(&local, &offer).expect("488 otherwise");
//! let audio = agreed.audio().unwrap();
//! // The offer's order and numbers are kept; the peer is sendonly, so we only receive.
//! assert_eq!(answer.streams[0].codecs[0].encoding, "PCMU");
//! assert_eq!(audio.send.as_ref().unwrap().telephone_event, Some(101));
//! assert_eq!(audio.direction, MediaDirection::RecvOnly);
//!
//! // The offerer completes with our answer.
//! let theirs = negotiate::complete(&offer, &answer).unwrap();
//! assert_eq!(theirs.audio().unwrap().send.as_ref().unwrap().codec.encoding, "PCMU");
//! ```

mod crypto;
mod fmtp;

use std::net::SocketAddr;
use std::time::Duration;

use crate::{
    CodecDescriptor, MediaDescription, MediaKind, NegotiatedMedia, NegotiatedStream, RecvChannel,
    SendChannel, StreamDescription,
};

use fmtp::{agreed_fmtp, compatible};

/// Packetisation time when the peer states none.
pub const DEFAULT_PTIME: Duration = Duration::from_millis(20);

/// Why offer/answer failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// No audio stream, or no audio codec both sides support (SIP 488, Q.850 65/88).
    #[error("no codec in common")]
    NoCommonCodec,
    /// The peer refused every stream.
    #[error("the peer refused the audio stream")]
    Refused,
    /// The peer insists on SRTP and no keys could be agreed.
    #[error("the peer requires SRTP ({0}) and no keys could be agreed")]
    SecureProfileRequired(String),
    /// We require SRTP (our RTP/SAVP offer or policy) and the peer offered
    /// or answered no key we can use.
    #[error("SRTP is required and the peer sent no usable key")]
    EncryptionRequired,
    /// The answer's key line matches none of the lines we offered.
    #[error("the answer's SRTP key matches no offered crypto line")]
    UnknownCrypto,
}

impl NegotiationError {
    /// True when the failure is about keys, not codecs (a security cause).
    pub fn is_security(&self) -> bool {
        matches!(
            self,
            NegotiationError::SecureProfileRequired(_)
                | NegotiationError::EncryptionRequired
                | NegotiationError::UnknownCrypto
        )
    }
}

/// Answers `offer` with what `local` supports (RFC 3264 §6).
///
/// Returns our answer, one stream per offered stream in the offer's order,
/// and what was agreed from our side. The answer keeps the offerer's payload
/// type numbers and order (assigning numbers where the offer had none); its
/// direction is the offer's reversed (§6.1) intersected with ours; its
/// ptime is ours.
pub fn answer(
    local: &MediaDescription,
    offer: &MediaDescription,
) -> Result<(MediaDescription, NegotiatedMedia), NegotiationError> {
    let ours = local.audio().ok_or(NegotiationError::NoCommonCodec)?;
    let mut streams = Vec::with_capacity(offer.streams.len());
    let mut agreed = None;
    let mut last_error = NegotiationError::NoCommonCodec;
    for theirs in &offer.streams {
        if agreed.is_none() && theirs.kind == MediaKind::Audio && !theirs.is_refused() {
            match answer_stream(ours, theirs) {
                Ok((a, n)) => {
                    streams.push(a);
                    agreed = Some(n);
                    continue;
                }
                Err(e) => last_error = e,
            }
        }
        let mut refused = StreamDescription::refused(theirs.kind.clone());
        refused.profile = theirs.profile;
        refused.codecs = theirs.codecs.clone();
        streams.push(refused);
    }
    let agreed = agreed.ok_or(last_error)?;
    Ok((
        MediaDescription::new(streams),
        NegotiatedMedia::from(agreed),
    ))
}

fn answer_stream(
    ours: &StreamDescription,
    theirs: &StreamDescription,
) -> Result<(StreamDescription, NegotiatedStream), NegotiationError> {
    let keys = crypto::answer_keys(ours, theirs)?;
    let remote_rtp = theirs.rtp.ok_or(NegotiationError::Refused)?;
    let local_rtp = ours.rtp.ok_or(NegotiationError::NoCommonCodec)?;
    let mut codecs: Vec<CodecDescriptor> = Vec::new();
    for offered in &theirs.codecs {
        // One telephone-event per clock rate is enough.
        if offered.is_telephone_event() && codecs.iter().any(|c| c.same_format(offered)) {
            continue;
        }
        let Some(fmtp) = ours.codecs.iter().find_map(|o| compatible(o, offered)) else {
            continue;
        };
        let mut c = offered.clone();
        c.fmtp = fmtp;
        if c.payload_type.is_none() {
            c.payload_type = Some(free_payload_type(&c, &codecs, &theirs.codecs));
        }
        codecs.push(c);
    }
    let send_codec = codecs
        .iter()
        .find(|c| c.is_audio())
        .cloned()
        .ok_or(NegotiationError::NoCommonCodec)?;
    let te = telephone_event_for(&codecs, &send_codec);
    let direction = theirs.direction.reversed().intersect(ours.direction);

    let mut answer = StreamDescription::audio(local_rtp);
    answer.rtcp = ours.rtcp;
    answer.rtcp_mux = ours.rtcp_mux && theirs.rtcp_mux;
    answer.profile = theirs.profile;
    answer.codecs = codecs.clone();
    answer.direction = direction;
    answer.ptime = ours.ptime;
    let mut sdes = None;
    if let Some((line, agreed)) = keys {
        answer.security.crypto = vec![line];
        sdes = Some(agreed);
    }

    let mut send = SendChannel::new(remote_rtp, send_codec.clone(), pt(&send_codec));
    send.remote_rtcp = peer_rtcp(theirs, answer.rtcp_mux).unwrap_or(send.remote_rtcp);
    send.telephone_event = te;
    send.ptime = send_ptime(theirs.ptime);
    let mut recv = RecvChannel::new(
        codecs
            .iter()
            .filter(|c| !c.is_telephone_event())
            .map(|c| (pt(c), c.clone()))
            .collect(),
    );
    recv.telephone_event = te;
    let mut stream = NegotiatedStream::audio(local_rtp)
        .with_send(send)
        .with_recv(recv)
        .with_direction(direction);
    stream.sdes = sdes;
    stream.zrtp_hash = theirs.security.zrtp_hash.clone();
    Ok((answer, stream))
}

/// Completes our offer with the peer's answer (RFC 3264 §7).
///
/// The answer's codecs must come from our offer; they are matched by format,
/// not number, so an answerer that renumbered a dynamic payload type still
/// works (we send with its numbers and accept both). Codecs the answerer
/// added that we did not offer are ignored. We send with the first common
/// audio codec of the answer, using the answer's payload type.
pub fn complete(
    our_offer: &MediaDescription,
    answer: &MediaDescription,
) -> Result<NegotiatedMedia, NegotiationError> {
    let i = our_offer
        .audio_index()
        .ok_or(NegotiationError::NoCommonCodec)?;
    let ours = &our_offer.streams[i];
    // The answer has our streams in our order (RFC 3264 §6); a peer that
    // dropped streams is matched by kind instead.
    let theirs = answer
        .streams
        .get(i)
        .filter(|s| s.kind == MediaKind::Audio)
        .or_else(|| answer.streams.iter().find(|s| s.kind == MediaKind::Audio))
        .ok_or(NegotiationError::Refused)?;
    if theirs.is_refused() {
        return Err(NegotiationError::Refused);
    }
    complete_stream(ours, theirs).map(NegotiatedMedia::from)
}

fn complete_stream(
    ours: &StreamDescription,
    theirs: &StreamDescription,
) -> Result<NegotiatedStream, NegotiationError> {
    let remote_rtp = theirs.rtp.ok_or(NegotiationError::Refused)?;
    let local_rtp = ours.rtp.ok_or(NegotiationError::NoCommonCodec)?;
    let sdes = crypto::completed_keys(ours, theirs)?;
    // (our entry, their entry) for each answer codec we offered.
    let pairs: Vec<(&CodecDescriptor, &CodecDescriptor)> = theirs
        .codecs
        .iter()
        .filter_map(|a| {
            ours.codecs
                .iter()
                .find(|o| compatible(o, a).is_some())
                .map(|o| (o, a))
        })
        .collect();

    let (o, a) = pairs
        .iter()
        .find(|(_, a)| a.is_audio())
        .ok_or(NegotiationError::NoCommonCodec)?;
    let mut send_codec = (*a).clone();
    send_codec.fmtp = agreed_fmtp(o, a);
    let send_pt = a.payload_type.or(o.payload_type).unwrap_or_else(|| pt(a));

    let mut recv_codecs: Vec<(u8, CodecDescriptor)> = Vec::new();
    for (o, a) in pairs.iter().filter(|(_, a)| !a.is_telephone_event()) {
        let fmtp = agreed_fmtp(o, a);
        for entry in [*o, *a] {
            let Some(n) = entry.payload_type else {
                continue;
            };
            // Accept the answerer's renumbering too, unless the number is
            // already ours for something else.
            if recv_codecs.iter().any(|(p, _)| *p == n)
                || (entry.payload_type != o.payload_type
                    && ours.codecs.iter().any(|c| c.payload_type == Some(n)))
            {
                continue;
            }
            let mut c = entry.clone();
            c.fmtp = fmtp.clone();
            recv_codecs.push((n, c));
        }
    }

    let te_pair = pairs
        .iter()
        .find(|(_, a)| a.is_telephone_event() && a.clock_rate == send_codec.clock_rate)
        .or_else(|| pairs.iter().find(|(_, a)| a.is_telephone_event()));
    let direction = theirs.direction.reversed().intersect(ours.direction);

    let mut send = SendChannel::new(remote_rtp, send_codec, send_pt);
    let mux = ours.rtcp_mux && theirs.rtcp_mux;
    send.remote_rtcp = peer_rtcp(theirs, mux).unwrap_or(send.remote_rtcp);
    send.telephone_event = te_pair.and_then(|(_, a)| a.payload_type);
    send.ptime = send_ptime(theirs.ptime);
    let mut recv = RecvChannel::new(recv_codecs);
    // An offer without numbers (a capability list) receives with the answer's.
    recv.telephone_event = te_pair.and_then(|(o, a)| o.payload_type.or(a.payload_type));
    let mut stream = NegotiatedStream::audio(local_rtp)
        .with_send(send)
        .with_recv(recv)
        .with_direction(direction);
    stream.sdes = sdes;
    stream.zrtp_hash = theirs.security.zrtp_hash.clone();
    Ok(stream)
}

/// The payload type of a codec that negotiation has numbered.
fn pt(c: &CodecDescriptor) -> u8 {
    c.payload_type
        .or_else(|| c.static_payload_type())
        .unwrap_or(96)
}

/// A number for a codec the offer did not number: its static type, else the
/// lowest dynamic type (96–127) nobody uses yet.
fn free_payload_type(
    c: &CodecDescriptor,
    taken: &[CodecDescriptor],
    offer: &[CodecDescriptor],
) -> u8 {
    let used = |n: u8| {
        taken
            .iter()
            .chain(offer.iter())
            .any(|x| x.payload_type == Some(n))
    };
    // One number per format in an answer: the static one only while free.
    if let Some(s) = c.static_payload_type().filter(|s| !used(*s)) {
        return s;
    }
    (96..=127).find(|n| !used(*n)).unwrap_or(127)
}

/// Where the peer takes RTCP: on its RTP address when both sides agreed
/// rtcp-mux (RFC 5761 §5.1.1: without agreement nobody multiplexes), else
/// its explicit `rtcp` address, else RTP port + 1.
fn peer_rtcp(theirs: &StreamDescription, mux_agreed: bool) -> Option<SocketAddr> {
    if mux_agreed {
        return theirs.rtp;
    }
    theirs.rtcp.or_else(|| {
        let mut a = theirs.rtp?;
        a.set_port(a.port().wrapping_add(1));
        Some(a)
    })
}

/// The telephone-event at the send codec's clock rate, else any.
fn telephone_event_for(codecs: &[CodecDescriptor], send: &CodecDescriptor) -> Option<u8> {
    codecs
        .iter()
        .find(|c| c.is_telephone_event() && c.clock_rate == send.clock_rate)
        .or_else(|| codecs.iter().find(|c| c.is_telephone_event()))
        .and_then(|c| c.payload_type)
}

/// Ptime to send with: the peer's wish if sane (10–200 ms), else 20 ms.
fn send_ptime(p: Option<Duration>) -> Duration {
    p.filter(|p| (Duration::from_millis(10)..=Duration::from_millis(200)).contains(p))
        .unwrap_or(DEFAULT_PTIME)
}

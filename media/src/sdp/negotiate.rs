//! RFC 3264 offer/answer over [`MediaOffer`]s.
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

use std::time::Duration;

use openphone_sal::{CodecDescriptor, MediaDirection, MediaOffer, NegotiatedMedia};

/// Why an offer could not be answered, or an answer not used.
///
/// SIP answers an offer that fails with `488 Not Acceptable Here`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NegotiationError {
    /// No audio codec is acceptable to both sides, or the audio stream was
    /// refused (port 0).
    #[error("no common codec (or the audio stream was refused)")]
    NoCommonCodec,
}

/// Packetisation time when the peer states none.
pub const DEFAULT_PTIME: Duration = Duration::from_millis(20);

/// Answers `remote_offer` with what `local` supports (RFC 3264 §6).
///
/// Returns our answer (to be sent, e.g. with [`sdp_answer_for`](super::sdp_answer_for))
/// and the negotiated media from our side. The answer keeps the offerer's
/// payload type numbers and order; its direction is the offer's reversed
/// (§6.1) intersected with `local.direction`; its ptime is ours.
///
/// Fails with [`NegotiationError::NoCommonCodec`] when the offer refuses the
/// stream (port 0) or no audio codec is common (SIP: 488).
pub fn answer(
    local: &MediaOffer,
    remote_offer: &MediaOffer,
) -> Result<(MediaOffer, NegotiatedMedia), NegotiationError> {
    if remote_offer.rtp.port() == 0 {
        return Err(NegotiationError::NoCommonCodec);
    }
    let mut codecs: Vec<CodecDescriptor> = Vec::new();
    for theirs in &remote_offer.codecs {
        // One telephone-event per clock rate is enough.
        if theirs.is_telephone_event() && codecs.iter().any(|c| c.same_format(theirs)) {
            continue;
        }
        let Some(fmtp) = local
            .codecs
            .iter()
            .find_map(|ours| compatible(ours, theirs))
        else {
            continue;
        };
        let mut c = theirs.clone();
        c.fmtp = fmtp;
        codecs.push(c);
    }
    let send_codec = first_audio(&codecs).ok_or(NegotiationError::NoCommonCodec)?;
    let direction = intersect(remote_offer.direction.reversed(), local.direction);
    let te = telephone_event_for(&codecs, &send_codec);

    let answer = MediaOffer {
        rtp: local.rtp,
        rtcp: local.rtcp,
        codecs,
        direction,
        ptime: local.ptime,
    };
    let negotiated = NegotiatedMedia {
        local_rtp: local.rtp,
        remote_rtp: remote_offer.rtp,
        remote_rtcp: remote_offer.rtcp_addr(),
        send_codec,
        recv_codecs: answer
            .codecs
            .iter()
            .filter(|c| !c.is_telephone_event())
            .cloned()
            .collect(),
        send_telephone_event: te,
        recv_telephone_event: te,
        direction,
        ptime: send_ptime(remote_offer.ptime),
    };
    Ok((answer, negotiated))
}

/// Completes our offer with the peer's answer (RFC 3264 §7).
///
/// The answer's codecs must come from our offer; they are matched by format,
/// not number, so an answerer that renumbered a dynamic payload type still
/// works (we send with its numbers and accept both). Codecs the answerer
/// added that we did not offer are ignored. We send with the first common
/// audio codec of the answer, using the answer's payload type.
///
/// Fails with [`NegotiationError::NoCommonCodec`] when the answer refuses the
/// stream (port 0) or contains no audio codec we offered.
pub fn complete(
    our_offer: &MediaOffer,
    remote_answer: &MediaOffer,
) -> Result<NegotiatedMedia, NegotiationError> {
    if remote_answer.rtp.port() == 0 {
        return Err(NegotiationError::NoCommonCodec);
    }
    // (our entry, their entry) for each answer codec we offered.
    let pairs: Vec<(&CodecDescriptor, &CodecDescriptor)> = remote_answer
        .codecs
        .iter()
        .filter_map(|a| {
            our_offer
                .codecs
                .iter()
                .find(|o| compatible(o, a).is_some())
                .map(|o| (o, a))
        })
        .collect();

    let is_audio = |c: &CodecDescriptor| !c.is_telephone_event() && !is_cn(c);
    let (ours, theirs) = pairs
        .iter()
        .find(|(_, a)| is_audio(a))
        .ok_or(NegotiationError::NoCommonCodec)?;
    let mut send_codec = (*theirs).clone();
    send_codec.fmtp = agreed_fmtp(ours, theirs);

    let mut recv_codecs: Vec<CodecDescriptor> = Vec::new();
    for (o, a) in pairs.iter().filter(|(_, a)| !a.is_telephone_event()) {
        let fmtp = agreed_fmtp(o, a);
        for entry in [*o, *a] {
            // Accept the answerer's renumbering too, unless the number is
            // already ours for something else.
            if recv_codecs
                .iter()
                .any(|c| c.payload_type == entry.payload_type)
                || (entry.payload_type != o.payload_type
                    && our_offer
                        .codecs
                        .iter()
                        .any(|c| c.payload_type == entry.payload_type))
            {
                continue;
            }
            let mut c = entry.clone();
            c.fmtp = fmtp.clone();
            recv_codecs.push(c);
        }
    }

    let te_pair = pairs
        .iter()
        .find(|(_, a)| a.is_telephone_event() && a.clock_rate == send_codec.clock_rate)
        .or_else(|| pairs.iter().find(|(_, a)| a.is_telephone_event()));
    Ok(NegotiatedMedia {
        local_rtp: our_offer.rtp,
        remote_rtp: remote_answer.rtp,
        remote_rtcp: remote_answer.rtcp_addr(),
        send_codec,
        recv_codecs,
        send_telephone_event: te_pair.map(|(_, a)| a.payload_type),
        recv_telephone_event: te_pair.map(|(o, _)| o.payload_type),
        direction: intersect(remote_answer.direction.reversed(), our_offer.direction),
        ptime: send_ptime(remote_answer.ptime),
    })
}

/// The direction both `a` and `b` allow.
pub fn intersect(a: MediaDirection, b: MediaDirection) -> MediaDirection {
    match (a.sends() && b.sends(), a.receives() && b.receives()) {
        (true, true) => MediaDirection::SendRecv,
        (true, false) => MediaDirection::SendOnly,
        (false, true) => MediaDirection::RecvOnly,
        (false, false) => MediaDirection::Inactive,
    }
}

fn is_cn(c: &CodecDescriptor) -> bool {
    c.encoding.eq_ignore_ascii_case("CN")
}

fn first_audio(codecs: &[CodecDescriptor]) -> Option<CodecDescriptor> {
    codecs
        .iter()
        .find(|c| !c.is_telephone_event() && !is_cn(c))
        .cloned()
}

/// The telephone-event at the send codec's clock rate, else any.
fn telephone_event_for(codecs: &[CodecDescriptor], send: &CodecDescriptor) -> Option<u8> {
    codecs
        .iter()
        .find(|c| c.is_telephone_event() && c.clock_rate == send.clock_rate)
        .or_else(|| codecs.iter().find(|c| c.is_telephone_event()))
        .map(|c| c.payload_type)
}

/// Ptime to send with: the peer's wish if sane (10–200 ms), else 20 ms.
fn send_ptime(p: Option<Duration>) -> Duration {
    p.filter(|p| (Duration::from_millis(10)..=Duration::from_millis(200)).contains(p))
        .unwrap_or(DEFAULT_PTIME)
}

/// `Some(answer fmtp)` when `ours` can be used for `theirs`, else `None`.
fn compatible(ours: &CodecDescriptor, theirs: &CodecDescriptor) -> Option<Option<String>> {
    if !ours.same_format(theirs) {
        return None;
    }
    if ours.is_telephone_event() {
        let common = event_set(ours.fmtp.as_deref()) & event_set(theirs.fmtp.as_deref());
        if common == EventSet::ZERO {
            return None;
        }
        return Some(Some(format_events(common)));
    }
    Some(agreed_fmtp(ours, theirs))
}

/// The format parameters both sides use for a matched codec.
fn agreed_fmtp(ours: &CodecDescriptor, theirs: &CodecDescriptor) -> Option<String> {
    let name = ours.encoding.to_ascii_lowercase();
    match name.as_str() {
        "ilbc" => {
            let mode = ilbc_mode(ours.fmtp.as_deref()).max(ilbc_mode(theirs.fmtp.as_deref()));
            Some(format!("mode={mode}"))
        }
        "g729" => {
            let no_b =
                |f: Option<&str>| param(f, "annexb").is_some_and(|v| v.eq_ignore_ascii_case("no"));
            if no_b(ours.fmtp.as_deref()) || no_b(theirs.fmtp.as_deref()) {
                Some("annexb=no".into())
            } else {
                ours.fmtp.clone().or_else(|| theirs.fmtp.clone())
            }
        }
        "telephone-event" => {
            let common = event_set(ours.fmtp.as_deref()) & event_set(theirs.fmtp.as_deref());
            Some(format_events(common))
        }
        _ => ours.fmtp.clone().or_else(|| theirs.fmtp.clone()),
    }
}

/// The value of `key` in `k=v;k=v` parameters (keys case-insensitive).
fn param<'a>(fmtp: Option<&'a str>, key: &str) -> Option<&'a str> {
    fmtp?.split(';').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
    })
}

/// iLBC frame mode: 20 or 30 ms (absent or unknown means 30, RFC 3952 §5).
fn ilbc_mode(fmtp: Option<&str>) -> u32 {
    match param(fmtp, "mode").and_then(|m| m.parse::<u32>().ok()) {
        Some(20) => 20,
        _ => 30,
    }
}

/// RFC 4733 event list (`0-15,66,70`) as a bit set of events 0–255; absent
/// means `0-15`. Malformed items are skipped.
fn event_set(fmtp: Option<&str>) -> EventSet {
    let Some(list) = fmtp.map(str::trim).filter(|s| !s.is_empty()) else {
        return EventSet::range(0, 15);
    };
    let mut set = EventSet::ZERO;
    for item in list.split(',') {
        let item = item.trim();
        let (lo, hi) = match item.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u8>(), b.trim().parse::<u8>()),
            None => (item.parse::<u8>(), item.parse::<u8>()),
        };
        if let (Ok(lo), Ok(hi)) = (lo, hi) {
            if lo <= hi {
                set = set | EventSet::range(lo, hi);
            }
        }
    }
    set
}

/// An event set back to RFC 4733 list syntax.
fn format_events(set: EventSet) -> String {
    let mut parts = Vec::new();
    let mut e = 0u16;
    while e <= 255 {
        if set.contains(e as u8) {
            let start = e;
            while e < 255 && set.contains((e + 1) as u8) {
                e += 1;
            }
            parts.push(if start == e {
                start.to_string()
            } else {
                format!("{start}-{e}")
            });
        }
        e += 1;
    }
    parts.join(",")
}

/// A 256-bit set (events 0–255).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct EventSet([u128; 2]);

impl EventSet {
    const ZERO: EventSet = EventSet([0, 0]);

    fn range(lo: u8, hi: u8) -> EventSet {
        let mut s = EventSet::ZERO;
        for e in lo..=hi {
            s.0[usize::from(e >> 7)] |= 1u128 << (e & 127);
        }
        s
    }

    fn contains(self, e: u8) -> bool {
        self.0[usize::from(e >> 7)] & (1u128 << (e & 127)) != 0
    }
}

impl std::ops::BitAnd for EventSet {
    type Output = EventSet;
    fn bitand(self, o: EventSet) -> EventSet {
        EventSet([self.0[0] & o.0[0], self.0[1] & o.0[1]])
    }
}

impl std::ops::BitOr for EventSet {
    type Output = EventSet;
    fn bitor(self, o: EventSet) -> EventSet {
        EventSet([self.0[0] | o.0[0], self.0[1] | o.0[1]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lists() {
        assert_eq!(format_events(event_set(None)), "0-15");
        assert_eq!(format_events(event_set(Some("0-16"))), "0-16");
        assert_eq!(
            format_events(event_set(Some("0-15,66,70-72"))),
            "0-15,66,70-72"
        );
        assert_eq!(format_events(event_set(Some("255"))), "255");
        assert_eq!(
            format_events(event_set(Some("0-16")) & event_set(Some("0-11,16"))),
            "0-11,16"
        );
        assert_eq!(event_set(Some("junk,9-3")), EventSet::ZERO);
    }

    #[test]
    fn ilbc_modes() {
        assert_eq!(ilbc_mode(None), 30);
        assert_eq!(ilbc_mode(Some("mode=20")), 20);
        assert_eq!(ilbc_mode(Some("foo=1; MODE = 20")), 20);
        assert_eq!(ilbc_mode(Some("mode=25")), 30);
    }

    #[test]
    fn directions_intersect() {
        use MediaDirection::*;
        assert_eq!(intersect(SendRecv, SendOnly), SendOnly);
        assert_eq!(intersect(RecvOnly, SendOnly), Inactive);
        assert_eq!(intersect(SendRecv, SendRecv), SendRecv);
        assert_eq!(intersect(Inactive, SendRecv), Inactive);
    }
}

//! From a parsed SDP to the SAL's `MediaDescription`: pjproject's fuzz
//! seeds, SDPs in the style of common phones and servers, directions and
//! hold, refused streams, and random input through conversion and
//! negotiation (no panic, answers shaped like the offer). Parsing and
//! printing themselves are tested in openphone-sdp
//! (`media/sdp/tests/sdp_parse.rs`), on the same device files; the security
//! and RTCP attributes in `media/sdp/tests/sdp_convert_security.rs`.

use std::time::Duration;

use openphone_media::sdp::{self, SdpError, SdpOrigin, SessionDescription};
use openphone_sal::media::negotiate::{self, NegotiationError};
use openphone_sal::{
    CodecDescriptor, MediaDescription, MediaDirection, MediaKind, RtpProfile, StreamDescription,
};
use proptest::prelude::*;

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// A peer's description from SDP text with IP addresses only.
fn describe(text: &str) -> MediaDescription {
    sdp::description_from_sdp(&parse(text)).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The first usable audio stream of a peer's description.
fn audio_of(text: &str) -> StreamDescription {
    describe(text)
        .audio()
        .cloned()
        .unwrap_or_else(|| panic!("no usable audio stream in\n{text}"))
}

/// Text with LF line ends turned into CRLF.
fn crlf(text: &str) -> String {
    text.lines().map(|l| format!("{l}\r\n")).collect()
}

/// PCMU, PCMA and telephone-event 0-16 at `addr`.
fn phone(addr: &str) -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio(addr.parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
    )
}

// ---- pjproject fuzz seeds (see the corpus README; read in place) ----

/// The shared corpora folder sits next to the repository (`../shared`).
const SEEDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/corpora/pjsip-fuzz-seeds/sdp"
);

/// Seed `n`, parsed; a missing corpus fails the test rather than skipping it.
fn seed(n: u32) -> SessionDescription {
    let path = format!("{SEEDS}/input.{n}.sdp");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"));
    SessionDescription::parse(&bytes).unwrap_or_else(|e| panic!("seed {n}: {e}"))
}

#[test]
fn pjsip_seeds_need_a_resolver() {
    let resolve = |_: &str| Some("192.0.2.7".parse().unwrap());
    // Seeds 1–5 are RFC 3264 §10 style offers with host names in c=.
    for n in 1..=5 {
        let sd = seed(n);
        // Host names need a resolver: plain conversion says so.
        assert!(matches!(
            sdp::description_from_sdp(&sd),
            Err(SdpError::UnresolvedAddress(_))
        ));
        let desc = sdp::description_from_sdp_with(&sd, resolve).unwrap();
        assert_eq!(desc.streams.len(), sd.media.len(), "seed {n}");
        let audio = desc.audio().unwrap();
        assert_eq!(
            audio.rtp.unwrap().ip(),
            "192.0.2.7".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(audio.codecs[0].encoding, "PCMU");
    }
    // Seed 2 is the one-of-N example: inactive, three static codecs.
    let desc = sdp::description_from_sdp_with(&seed(2), resolve).unwrap();
    let audio = desc.audio().unwrap();
    assert_eq!(audio.direction, MediaDirection::Inactive);
    let names: Vec<_> = audio.codecs.iter().map(|c| c.encoding.as_str()).collect();
    assert_eq!(names, ["PCMU", "G723", "G729"]);
}

// ---- SDPs in the style of real devices (files kept with openphone-sdp's tests) ----

const BARESIP: &str = include_str!("../sdp/tests/devices/baresip.sdp");
const LINPHONE: &str = include_str!("../sdp/tests/devices/linphone.sdp");
const ASTERISK: &str = include_str!("../sdp/tests/devices/asterisk.sdp");
const SIPP_UAC: &str = include_str!("../sdp/tests/devices/sipp_uac.sdp");
const CISCO: &str = include_str!("../sdp/tests/devices/cisco.sdp");
const IPV6: &str = include_str!("../sdp/tests/devices/ipv6.sdp");

#[test]
fn baresip_offer() {
    let o = audio_of(BARESIP);
    assert_eq!(o.rtp, Some("192.168.1.20:34718".parse().unwrap()));
    assert_eq!(o.profile, RtpProfile::Avp);
    let c = &o.codecs[0];
    assert_eq!(
        (
            c.payload_type,
            c.encoding.as_str(),
            c.clock_rate,
            c.channels
        ),
        (Some(96), "opus", 48000, 2)
    );
    assert_eq!(c.fmtp.as_deref(), Some("stereo=1;sprop-stereo=1"));
    assert_eq!(o.codecs[1].clock_rate, 8000); // G722's RTP clock
    assert_eq!(o.telephone_event().unwrap().payload_type, Some(101));
    assert_eq!(o.ptime, Some(Duration::from_millis(20)));
    // a=rtcp-rsize is not rtcp-mux; nothing here is keying material.
    assert!(!o.rtcp_mux);
    assert!(o.security.is_empty());
}

#[test]
fn linphone_offer_picks_audio_after_video() {
    let desc = describe(LINPHONE);
    assert_eq!(desc.audio_index(), Some(1));
    assert_eq!(desc.streams[0].kind, MediaKind::Video);
    let o = desc.audio().unwrap();
    assert_eq!(o.rtp.unwrap().port(), 7078);
    // PT 18 has fmtp but no rtpmap: static table, fmtp still attached.
    let g729 = o
        .codecs
        .iter()
        .find(|c| c.payload_type == Some(18))
        .unwrap();
    assert_eq!(
        (g729.encoding.as_str(), g729.fmtp.as_deref()),
        ("G729", Some("annexb=yes"))
    );
    assert_eq!(
        o.codecs.iter().filter(|c| c.is_telephone_event()).count(),
        3
    );
    assert_eq!(o.direction, MediaDirection::SendRecv);

    // Negotiation answers the video refused in place and picks the
    // telephone-event at the send codec's clock rate.
    let (ans, agreed) = negotiate::answer(&phone("10.0.0.9:5000"), &desc).unwrap();
    assert_eq!(ans.streams.len(), 2);
    assert!(ans.streams[0].is_refused());
    assert_eq!(ans.streams[0].kind, MediaKind::Video);
    let send = agreed.audio().unwrap().send.as_ref().unwrap();
    assert_eq!(
        (send.codec.encoding.as_str(), send.payload_type),
        ("PCMU", 0)
    );
    assert_eq!(send.telephone_event, Some(100));
}

#[test]
fn asterisk_offer_sendonly() {
    let o = audio_of(ASTERISK);
    assert_eq!(o.direction, MediaDirection::SendOnly);
    assert_eq!(
        o.codecs.iter().map(|c| c.payload_type).collect::<Vec<_>>(),
        [Some(0), Some(8), Some(3), Some(101)]
    );
}

#[test]
fn sipp_default_offer_with_lf_and_crlf() {
    for text in [SIPP_UAC.to_string(), crlf(SIPP_UAC)] {
        let o = audio_of(&text);
        assert_eq!(o.rtp, Some("127.0.0.1:6000".parse().unwrap()));
        assert_eq!(o.codecs.len(), 1);
    }
}

#[test]
fn cisco_static_types_and_media_connection() {
    let o = audio_of(CISCO);
    assert_eq!(o.rtp, Some("198.51.100.9:16384".parse().unwrap()));
    let names: Vec<_> = o.codecs.iter().map(|c| c.encoding.as_str()).collect();
    assert_eq!(names, ["G729", "PCMU", "telephone-event", "CN"]);
    assert_eq!(o.audio_codecs().count(), 2);
}

#[test]
fn ipv6_savpf_stream_is_described_and_refused_without_keys() {
    let desc = describe(IPV6);
    // The SRTP stream is described (it carries a key) …
    let srtp = &desc.streams[0];
    assert_eq!(srtp.kind, MediaKind::Audio);
    assert_eq!(srtp.profile, RtpProfile::Savpf);
    assert_eq!(srtp.rtp, Some("[2001:db8::2]:54400".parse().unwrap()));
    assert_eq!(srtp.security.crypto.len(), 1);
    assert_eq!(srtp.security.crypto[0].suite, "AES_CM_128_HMAC_SHA1_80");
    // … and the plain one keeps its a=rtcp on another host and its direction.
    let plain = &desc.streams[1];
    assert_eq!(plain.profile, RtpProfile::Avp);
    assert_eq!(plain.rtp, Some("[2001:db8::2]:54402".parse().unwrap()));
    assert_eq!(plain.rtcp, Some("[2001:db8::3]:54500".parse().unwrap()));
    assert_eq!(plain.direction, MediaDirection::RecvOnly);

    // Without keys the SAVPF stream is refused in place and the plain audio
    // stream is the one used.
    let (ans, agreed) = negotiate::answer(&phone("[2001:db8::1]:6000"), &desc).unwrap();
    assert!(ans.streams[0].is_refused());
    assert_eq!(ans.streams[0].profile, RtpProfile::Savpf);
    assert!(!ans.streams[1].is_refused());
    let audio = agreed.audio().unwrap();
    let send = audio.send.as_ref().unwrap();
    assert_eq!(send.remote_rtp, "[2001:db8::2]:54402".parse().unwrap());
    assert_eq!(send.remote_rtcp, "[2001:db8::3]:54500".parse().unwrap());
    assert_eq!(send.codec.encoding, "PCMA");
    assert_eq!(audio.direction, MediaDirection::SendOnly);
    assert!(audio.sdes.is_none());
}

#[test]
fn session_level_direction_and_ptime_are_inherited() {
    let desc = describe(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=inactive\na=ptime:30\n\
         m=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=sendonly\n",
    );
    let o = desc.audio().unwrap();
    assert_eq!(o.direction, MediaDirection::Inactive);
    assert_eq!(o.ptime, Some(Duration::from_millis(30)));
    // The media attribute wins over the session's.
    assert_eq!(desc.streams[1].direction, MediaDirection::SendOnly);
    assert_eq!(desc.streams[1].ptime, Some(Duration::from_millis(30)));
}

#[test]
fn old_style_hold_address() {
    let base =
        "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n";
    assert_eq!(audio_of(base).direction, MediaDirection::SendOnly);
    assert_eq!(
        audio_of(&format!("{base}a=recvonly\n")).direction,
        MediaDirection::Inactive
    );
    assert_eq!(
        audio_of(&format!("{base}a=sendonly\n")).direction,
        MediaDirection::SendOnly
    );
    assert_eq!(
        audio_of(&format!("{base}a=inactive\n")).direction,
        MediaDirection::Inactive
    );
}

#[test]
fn refused_and_dynamic_without_rtpmap() {
    let desc = describe("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 0 RTP/AVP 96 0\n");
    let s = &desc.streams[0];
    assert!(s.is_refused());
    assert_eq!(s.rtp, None);
    assert_eq!(desc.audio(), None);
    // PT 96 has no rtpmap and cannot be used.
    assert_eq!(s.codecs.len(), 1);
    assert_eq!(s.codecs[0].payload_type, Some(0));
    // A refused stream with an unresolvable host name is still just refused.
    let desc =
        describe("v=0\no=- 1 1 IN IP4 a\ns=-\nc=IN IP4 host.invalid\nt=0 0\nm=audio 0 RTP/AVP 0\n");
    assert!(desc.streams[0].is_refused());
    // A live stream without any c= is an error.
    let sd = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(sdp::description_from_sdp(&sd), Err(SdpError::NoConnection));
    // Video only: described, but there is no audio to negotiate.
    let desc = describe(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=video 4000 RTP/AVP 31\n",
    );
    assert_eq!(desc.streams[0].kind, MediaKind::Video);
    assert_eq!(desc.streams[0].codecs[0].encoding, "H261");
    assert_eq!(desc.audio(), None);
    assert_eq!(
        negotiate::answer(&phone("192.0.2.9:5000"), &desc),
        Err(NegotiationError::NoCommonCodec)
    );
    // An IPv6 address declared IP4 is invalid.
    let sd =
        parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 ::1\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    assert!(matches!(
        sdp::description_from_sdp(&sd),
        Err(SdpError::InvalidAddress(_))
    ));
}

#[test]
fn audio_on_a_non_rtp_transport_is_not_audio() {
    // T.38 over UDPTL on an audio line (as some gateways send it), then RTP.
    let desc = describe(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
         m=audio 4000 udptl t38\nm=image 4002 udptl t38\nm=audio 4004 RTP/AVP 8\n",
    );
    assert_eq!(desc.streams[0].kind, MediaKind::Other("audio".into()));
    assert!(desc.streams[0].codecs.is_empty());
    assert_eq!(desc.streams[1].kind, MediaKind::Other("image".into()));
    assert_eq!(desc.audio_index(), Some(2));
    let (ans, agreed) = negotiate::answer(&phone("192.0.2.9:5000"), &desc).unwrap();
    assert!(ans.streams[0].is_refused() && ans.streams[1].is_refused());
    assert_eq!(
        agreed.audio().unwrap().send.as_ref().unwrap().remote_rtp,
        "192.0.2.1:4004".parse().unwrap()
    );
}

#[test]
fn decimal_ptime() {
    let o = audio_of(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
         m=audio 4000 RTP/AVP 0\na=ptime:22.5\n",
    );
    assert_eq!(o.ptime, Some(Duration::from_micros(22_500)));
}

// ---- no panics on arbitrary input ----

/// SDP-ish lines to build structured random inputs from.
fn sdp_line() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => "c=IN IP[46] [0-9.:a-z/]{1,16}",
        2 => "m=(audio|video|image) [0-9]{1,6}(/[0-9])? (RTP/AVP|RTP/AVPF|RTP/SAVP|udptl)( [0-9]{1,3}){0,4}",
        // Audio lines, rtpmaps and fmtps close to what we support, weighted
        // up so that many inputs reach an answer.
        4 => "m=audio [1-9][0-9]{0,4} RTP/AVP( (0|8|18|96|97|101)){1,4}",
        4 => "a=rtpmap:(96|97|101) (PCMU|iLBC|ilbc|telephone-event)/8000",
        3 => "a=fmtp:(0|96|97|101) (mode=20|mode=30|0-15|0-16|32-40|annexb=no)",
        2 => "a=rtpmap:[0-9]{1,3} (PCMU|PCMA|iLBC|telephone-event|[A-Za-z0-9-]{1,6})/[0-9]{1,6}(/[0-9])?",
        2 => "a=fmtp:[0-9]{1,3} [a-z0-9=;,-]{0,12}",
        2 => "a=(sendrecv|sendonly|recvonly|inactive|rtcp-mux)",
        2 => "a=(ptime|maxptime):[0-9.]{1,4}",
        2 => "a=rtcp:[0-9]{1,6}( IN IP4 [0-9.]{1,15})?",
        2 => "a=crypto:[0-9]{1,10} [A-Z_0-9]{1,12}( inline:[A-Za-z0-9+/|:^]{0,20})?( [A-Z=0-9]{1,8})?",
        2 => "a=(zrtp-hash|fingerprint):[ -~]{0,24}",
        1 => "[a-z]=[ -~]{0,20}",
    ]
}

fn local() -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio("192.0.2.9:5000".parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000)),
    )
}

fn origin() -> SdpOrigin {
    SdpOrigin {
        username: "-".into(),
        session_id: 1,
        session_version: 1,
        address: "192.0.2.9".parse().unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(sd) = SessionDescription::parse(&bytes) {
            if let Ok(remote) = sdp::description_from_sdp(&sd) {
                prop_assert_eq!(remote.streams.len(), sd.media.len());
            }
        }
    }

    #[test]
    fn structured_input_converts_and_negotiates_without_panic(
        lines in proptest::collection::vec(sdp_line(), 0..25),
    ) {
        // A session c= so that most audio lines have an address; random
        // media-level c= lines may still override it.
        let mut text =
            String::from("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n");
        for l in &lines {
            text.push_str(l);
            text.push_str("\r\n");
        }
        let Ok(sd) = SessionDescription::parse(text.as_bytes()) else {
            return Ok(());
        };
        let Ok(remote) = sdp::description_from_sdp(&sd) else {
            return Ok(());
        };
        let local = local();
        if let Ok((answer, agreed)) = negotiate::answer(&local, &remote) {
            // One answer stream per offered stream, exactly one accepted,
            // and it only uses the offer's payload types.
            prop_assert_eq!(answer.streams.len(), remote.streams.len());
            let accepted: Vec<usize> = (0..answer.streams.len())
                .filter(|&i| !answer.streams[i].is_refused())
                .collect();
            prop_assert_eq!(accepted.len(), 1);
            let k = accepted[0];
            for c in &answer.streams[k].codecs {
                prop_assert!(remote.streams[k].codecs.iter().any(|r| r.payload_type == c.payload_type));
            }
            prop_assert!(agreed.audio().is_some());
            // Our answer in SDP parses back to the same accepted stream.
            let ours = sdp::sdp_answer_for(&sd, &answer, &origin()).to_string();
            let back = SessionDescription::parse(ours.as_bytes()).unwrap();
            let back = sdp::description_from_sdp(&back).unwrap();
            prop_assert_eq!(back.streams.len(), answer.streams.len());
            prop_assert_eq!(&back.streams[k], &answer.streams[k]);
            for (b, a) in back.streams.iter().zip(&answer.streams) {
                prop_assert_eq!(&b.kind, &a.kind);
                prop_assert_eq!(b.is_refused(), a.is_refused());
            }
            // The offerer completes with it (when the accepted stream is its
            // first audio stream) and sends with a payload type we receive.
            if remote.audio_index() == Some(k) {
                let theirs = negotiate::complete(&remote, &back).unwrap();
                let pt = theirs.audio().unwrap().send.as_ref().unwrap().payload_type;
                let recv = agreed.audio().unwrap().recv.as_ref().unwrap();
                prop_assert!(recv.codecs.iter().any(|(p, _)| *p == pt));
            }
        }
        let _ = negotiate::complete(&local, &remote);
    }
}

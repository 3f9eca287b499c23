//! From a parsed SDP to a `MediaOffer`: pjproject's fuzz seeds, SDPs in the
//! style of common phones and servers, directions and hold, refused streams,
//! and random input through conversion and negotiation (no panic). Parsing
//! and printing themselves are tested in openphone-sdp
//! (`media/sdp/tests/sdp_parse.rs`), on the same device files.

use openphone_media::sdp::{self, SdpError, SessionDescription};
use openphone_sal::MediaDirection;
use proptest::prelude::*;

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Text with LF line ends turned into CRLF.
fn crlf(text: &str) -> String {
    text.lines().map(|l| format!("{l}\r\n")).collect()
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
    // Seeds 1–5 are RFC 3264 §10 style offers with host names in c=.
    for n in 1..=5 {
        let sd = seed(n);
        // Host names need a resolver: plain conversion says so.
        assert!(matches!(
            sdp::offer_from_sdp(&sd),
            Err(SdpError::UnresolvedAddress(_))
        ));
        let offer = sdp::offer_from_sdp_with(&sd, |_| Some("192.0.2.7".parse().unwrap())).unwrap();
        assert_eq!(
            offer.rtp.ip(),
            "192.0.2.7".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(offer.codecs[0].encoding, "PCMU");
    }
    // Seed 2 is the one-of-N example: inactive, three static codecs.
    let offer = sdp::offer_from_sdp_with(&seed(2), |_| Some("192.0.2.7".parse().unwrap())).unwrap();
    assert_eq!(offer.direction, MediaDirection::Inactive);
    let names: Vec<_> = offer.codecs.iter().map(|c| c.encoding.as_str()).collect();
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
    let o = sdp::offer_from_sdp(&parse(BARESIP)).unwrap();
    assert_eq!(o.rtp, "192.168.1.20:34718".parse().unwrap());
    let c = &o.codecs[0];
    assert_eq!(
        (
            c.payload_type,
            c.encoding.as_str(),
            c.clock_rate,
            c.channels
        ),
        (96, "opus", 48000, 2)
    );
    assert_eq!(c.fmtp.as_deref(), Some("stereo=1;sprop-stereo=1"));
    assert_eq!(o.codecs[1].clock_rate, 8000); // G722's RTP clock
    assert_eq!(o.telephone_event().unwrap().payload_type, 101);
    assert_eq!(o.ptime, Some(std::time::Duration::from_millis(20)));
}

#[test]
fn linphone_offer_picks_audio_after_video() {
    let sd = parse(LINPHONE);
    assert_eq!(sdp::audio_index(&sd), Some(1));
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.rtp.port(), 7078);
    // PT 18 has fmtp but no rtpmap: static table, fmtp still attached.
    let g729 = o.codecs.iter().find(|c| c.payload_type == 18).unwrap();
    assert_eq!(
        (g729.encoding.as_str(), g729.fmtp.as_deref()),
        ("G729", Some("annexb=yes"))
    );
    assert_eq!(
        o.codecs.iter().filter(|c| c.is_telephone_event()).count(),
        3
    );
    assert_eq!(o.direction, MediaDirection::SendRecv);
}

#[test]
fn asterisk_offer_sendonly() {
    let o = sdp::offer_from_sdp(&parse(ASTERISK)).unwrap();
    assert_eq!(o.direction, MediaDirection::SendOnly);
    assert_eq!(
        o.codecs.iter().map(|c| c.payload_type).collect::<Vec<_>>(),
        [0, 8, 3, 101]
    );
}

#[test]
fn sipp_default_offer_with_lf_and_crlf() {
    for text in [SIPP_UAC.to_string(), crlf(SIPP_UAC)] {
        let o = sdp::offer_from_sdp(&parse(&text)).unwrap();
        assert_eq!(o.rtp, "127.0.0.1:6000".parse().unwrap());
        assert_eq!(o.codecs.len(), 1);
    }
}

#[test]
fn cisco_static_types_and_media_connection() {
    let o = sdp::offer_from_sdp(&parse(CISCO)).unwrap();
    assert_eq!(o.rtp, "198.51.100.9:16384".parse().unwrap());
    let names: Vec<_> = o.codecs.iter().map(|c| c.encoding.as_str()).collect();
    assert_eq!(names, ["G729", "PCMU", "telephone-event", "CN"]);
    assert_eq!(o.audio_codecs().count(), 2);
}

#[test]
fn ipv6_and_savp_line_is_skipped() {
    let o = sdp::offer_from_sdp(&parse(IPV6)).unwrap();
    assert_eq!(o.rtp, "[2001:db8::2]:54402".parse().unwrap());
    assert_eq!(o.rtcp, Some("[2001:db8::3]:54500".parse().unwrap()));
    assert_eq!(o.direction, MediaDirection::RecvOnly);
}

#[test]
fn session_level_direction_and_ptime_are_inherited() {
    let sd = parse(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=inactive\na=ptime:30\n\
         m=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=sendonly\n",
    );
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.direction, MediaDirection::Inactive);
    assert_eq!(o.ptime, Some(std::time::Duration::from_millis(30)));
}

#[test]
fn old_style_hold_address() {
    let base =
        "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n";
    let o = sdp::offer_from_sdp(&parse(base)).unwrap();
    assert_eq!(o.direction, MediaDirection::SendOnly);
    let o = sdp::offer_from_sdp(&parse(&format!("{base}a=recvonly\n"))).unwrap();
    assert_eq!(o.direction, MediaDirection::Inactive);
}

#[test]
fn refused_and_dynamic_without_rtpmap() {
    let sd = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 0 RTP/AVP 96 0\n");
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.rtp.port(), 0);
    // PT 96 has no rtpmap and cannot be used.
    assert_eq!(o.codecs.len(), 1);
    // A refused stream with an unresolvable host name is still just refused.
    let sd =
        parse("v=0\no=- 1 1 IN IP4 a\ns=-\nc=IN IP4 host.invalid\nt=0 0\nm=audio 0 RTP/AVP 0\n");
    assert_eq!(sdp::offer_from_sdp(&sd).unwrap().rtp.port(), 0);
    // A live stream without any c= is an error.
    let sd = parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    assert_eq!(sdp::offer_from_sdp(&sd), Err(SdpError::NoConnection));
    let sd = parse(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=video 4000 RTP/AVP 31\n",
    );
    assert_eq!(sdp::offer_from_sdp(&sd), Err(SdpError::NoAudio));
    let sd =
        parse("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 ::1\nt=0 0\nm=audio 4000 RTP/AVP 0\n");
    assert!(matches!(
        sdp::offer_from_sdp(&sd),
        Err(SdpError::InvalidAddress(_))
    ));
}

#[test]
fn decimal_ptime() {
    let sd = parse(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
         m=audio 4000 RTP/AVP 0\na=ptime:22.5\n",
    );
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.ptime, Some(std::time::Duration::from_micros(22_500)));
}

// ---- no panics on arbitrary input ----

/// SDP-ish lines to build structured random inputs from.
fn sdp_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "c=IN IP[46] [0-9.:a-z/]{1,16}",
        "m=(audio|video) [0-9]{1,6}(/[0-9])? RTP/AVP( [0-9]{1,3}){0,4}",
        "a=rtpmap:[0-9]{1,3} [A-Za-z0-9-]{1,6}/[0-9]{1,6}(/[0-9])?",
        "a=fmtp:[0-9]{1,3} [a-z0-9=;,-]{0,12}",
        "a=(sendrecv|sendonly|recvonly|inactive|rtcp-mux)",
        "a=(ptime|maxptime):[0-9.]{1,4}",
        "a=rtcp:[0-9]{1,6}( IN IP4 [0-9.]{1,15})?",
        "[a-z]=[ -~]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(sd) = SessionDescription::parse(&bytes) {
            let _ = sdp::offer_from_sdp(&sd);
        }
    }

    #[test]
    fn structured_input_converts_and_negotiates_without_panic(
        lines in proptest::collection::vec(sdp_line(), 0..25),
    ) {
        let mut text = String::from("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n");
        for l in &lines {
            text.push_str(l);
            text.push_str("\r\n");
        }
        if let Ok(sd) = SessionDescription::parse(text.as_bytes()) {
            if let Ok(remote) = sdp::offer_from_sdp(&sd) {
                let local = openphone_sal::MediaOffer::new("192.0.2.9:5000".parse().unwrap())
                    .with_codec(openphone_sal::CodecDescriptor::new(0, "PCMU", 8000))
                    .with_codec(openphone_sal::CodecDescriptor::new(101, "telephone-event", 8000));
                if let Ok((answer, _)) = sdp::answer(&local, &remote) {
                    // The answer only uses the offer's payload types.
                    for c in &answer.codecs {
                        prop_assert!(remote.codecs.iter().any(|r| r.payload_type == c.payload_type));
                    }
                }
                let _ = sdp::complete(&local, &remote);
            }
        }
    }
}

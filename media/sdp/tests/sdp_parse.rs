//! SDP parsing and printing: fuzz seeds from pjproject, SDPs in the style of
//! common phones and servers, print/parse round trips, malformed input, and
//! random bytes (no panic). What these descriptions mean for offer/answer is
//! tested in openphone-media (`media/tests/sdp_convert.rs`), on the same
//! device files.

use openphone_sdp::{self as sdp, Direction, SdpError, SessionDescription};
use proptest::prelude::*;

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Text with LF line ends turned into CRLF.
fn crlf(text: &str) -> String {
    text.lines().map(|l| format!("{l}\r\n")).collect()
}

fn round_trip(sd: &SessionDescription) {
    let printed = sd.to_string();
    assert!(printed.ends_with("\r\n"));
    assert!(!printed.replace("\r\n", "").contains('\n'));
    let again = SessionDescription::parse(printed.as_bytes()).unwrap();
    assert_eq!(&again, sd, "{printed}");
}

// ---- pjproject fuzz seeds (see the corpus README; read in place) ----

/// The shared corpora folder sits next to the repository (`../shared`).
const SEEDS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/pjsip-fuzz-seeds/sdp"
);

/// Seed `n`; a missing corpus fails the test rather than skipping it.
fn seed(n: u32) -> Vec<u8> {
    let path = format!("{SEEDS}/input.{n}.sdp");
    std::fs::read(&path).unwrap_or_else(|e| panic!("corpus file {path}: {e}"))
}

#[test]
fn pjsip_seeds_parse_or_fail_cleanly() {
    // Seeds 1–5 are RFC 3264 §10 style offers with host names in c=.
    for n in 1..=5 {
        let sd = SessionDescription::parse(&seed(n)).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        round_trip(&sd);
        assert_eq!(sd.media[0].media, "audio");
        let c = sd.media[0].connection.as_ref().or(sd.connection.as_ref());
        assert_eq!(c.and_then(|c| c.ip()), None, "seed {n}: a host name");
    }
    // Seed 1's `s= ` is RFC 8866's "no name", stored as `-`.
    let sd = SessionDescription::parse(&seed(1)).unwrap();
    assert_eq!(sd.session_name, "-");
    assert_eq!(sd.media.len(), 3);
    // Seed 2 is the one-of-N example: inactive, three static codecs.
    let sd = SessionDescription::parse(&seed(2)).unwrap();
    assert_eq!(sd.media[0].direction(), Some(Direction::Inactive));
    assert_eq!(sd.media[0].formats, ["0", "4", "18"]);
    assert_eq!(sd.media[0].rtpmap(4).unwrap().encoding, "G723");
    // Seed 6 is a mangled baresip offer: s= swallowed c=, m= line garbled.
    let err = SessionDescription::parse(&seed(6)).unwrap_err();
    assert!(
        matches!(err, SdpError::InvalidField { line: 6, .. }),
        "{err:?}"
    );
}

// ---- SDPs in the style of real devices (files shared with media's tests) ----

/// baresip: opus with fmtp, G722, a session-level tool attribute, b=AS.
const BARESIP: &str = include_str!("devices/baresip.sdp");
/// Linphone: video before audio, three telephone-events, fmtp without rtpmap.
const LINPHONE: &str = include_str!("devices/linphone.sdp");
/// Asterisk: sendonly (hold), ptime and maxptime.
const ASTERISK: &str = include_str!("devices/asterisk.sdp");
/// SIPp's default UAC offer.
const SIPP_UAC: &str = include_str!("devices/sipp_uac.sdp");
/// Cisco gateways: static types without rtpmap, c= at media level only.
const CISCO: &str = include_str!("devices/cisco.sdp");
/// IPv6, an SRTP section with a=crypto, a=rtcp with its own address.
const IPV6: &str = include_str!("devices/ipv6.sdp");

#[test]
fn baresip_offer() {
    let sd = parse(BARESIP);
    round_trip(&sd);
    let m = &sd.media[0];
    assert_eq!(
        (m.media.as_str(), m.port, m.proto.as_str()),
        ("audio", 34718, "RTP/AVP")
    );
    assert_eq!(m.formats, ["96", "9", "0", "8", "101"]);
    let opus = m.rtpmap(96).unwrap();
    assert_eq!(
        (opus.encoding.as_str(), opus.clock_rate, opus.channels),
        ("opus", 48000, Some(2))
    );
    assert_eq!(m.fmtp("96").as_deref(), Some("stereo=1;sprop-stereo=1"));
    assert_eq!(m.rtpmap(9).unwrap().clock_rate, 8000); // G722's RTP clock
    assert_eq!(m.ptime(), Some(20.0));
    assert_eq!(m.direction(), Some(Direction::SendRecv));
    assert_eq!(m.bandwidths[0].bandwidth, 128);
    assert_eq!(sd.attributes[0].value.as_deref(), Some("baresip 3.10.1"));
    assert_eq!(
        m.attribute("ssrc").and_then(|a| a.value.as_deref()),
        Some("1234567 cname:abc@example")
    );
}

#[test]
fn linphone_offer_video_first() {
    let sd = parse(LINPHONE);
    round_trip(&sd);
    assert_eq!(sd.media[0].media, "video");
    let audio = &sd.media[1];
    assert_eq!(audio.port, 7078);
    // PT 18 has fmtp but no rtpmap: the static table names it.
    assert_eq!(audio.rtpmap(18), None);
    assert_eq!(audio.fmtp("18").as_deref(), Some("annexb=yes"));
    assert_eq!(sdp::static_payload_type(18), Some(("G729", 8000, 1)));
    assert_eq!(
        audio
            .rtpmaps()
            .filter(|m| m.encoding == "telephone-event")
            .count(),
        3
    );
    assert_eq!(audio.direction(), None);
    assert_eq!(sd.direction(), None);
}

#[test]
fn asterisk_offer_sendonly() {
    let sd = parse(ASTERISK);
    round_trip(&sd);
    let m = &sd.media[0];
    assert_eq!(m.direction(), Some(Direction::SendOnly));
    assert_eq!(m.maxptime(), Some(150.0));
    assert_eq!(m.fmtp("101").as_deref(), Some("0-16"));
}

#[test]
fn sipp_default_offer_with_lf_and_crlf() {
    for text in [SIPP_UAC.to_string(), crlf(SIPP_UAC)] {
        let sd = parse(&text);
        assert_eq!(sd.media[0].port, 6000);
        assert_eq!(sd.media[0].formats, ["0"]);
        assert_eq!(sd.origin.session_version, 2353687637);
        assert_eq!(
            sd.connection.as_ref().and_then(|c| c.ip()),
            Some("127.0.0.1".parse().unwrap())
        );
    }
    // Canonical CRLF input prints back byte for byte.
    assert_eq!(parse(&crlf(SIPP_UAC)).to_string(), crlf(SIPP_UAC));
}

#[test]
fn cisco_static_types_and_media_connection() {
    let sd = parse(CISCO);
    round_trip(&sd);
    assert!(sd.connection.is_none());
    let m = &sd.media[0];
    assert_eq!(
        m.connection.as_ref().and_then(|c| c.ip()),
        Some("198.51.100.9".parse().unwrap())
    );
    assert_eq!(m.formats, ["18", "0", "101", "19"]);
    assert!(sdp::is_static(18) && sdp::is_static(0) && !sdp::is_static(101));
    assert_eq!(m.rtpmap(19).unwrap().encoding, "CN");
    assert_eq!(sd.session_name, "SIP Call");
}

#[test]
fn ipv6_savp_and_rtcp_address() {
    let sd = parse(IPV6);
    round_trip(&sd);
    assert_eq!(sd.origin.addr_type, "IP6");
    assert_eq!(sd.media[0].proto, "RTP/SAVPF");
    assert!(sd.media[0].is_rtp());
    assert_eq!(sd.media[0].crypto().count(), 1);
    let m = &sd.media[1];
    let rtcp = m.rtcp().unwrap();
    assert_eq!(rtcp.port, 54500);
    assert_eq!(rtcp.ip(), Some("2001:db8::3".parse().unwrap()));
    assert_eq!(m.direction(), Some(Direction::RecvOnly));
    assert!(!m.rtcp_mux());
}

#[test]
fn session_level_direction_and_ptime() {
    let sd = parse(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\na=inactive\na=ptime:30\n\
         m=audio 4000 RTP/AVP 0\nm=audio 4002 RTP/AVP 0\na=sendonly\n",
    );
    assert_eq!(sd.direction(), Some(Direction::Inactive));
    assert_eq!(sd.ptime(), Some(30.0));
    assert_eq!(sd.media[0].direction(), None);
    assert_eq!(sd.media[0].ptime(), None);
    assert_eq!(sd.media[1].direction(), Some(Direction::SendOnly));
}

#[test]
fn multicast_connection_suffixes() {
    let sd = parse(
        "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=Seminar\nc=IN IP4 233.252.0.1/127/3\nt=2873397496 2873404696\n\
         r=7d 1h 0 25h\nz=2882844526 -1h 2898848070 0\nm=audio 49170/2 RTP/AVP 0\nc=IN IP6 ff15::101/3\n",
    );
    round_trip(&sd);
    let c = sd.connection.as_ref().unwrap();
    assert_eq!(
        (c.address.as_str(), c.ttl, c.num_addresses),
        ("233.252.0.1", Some(127), Some(3))
    );
    let mc = sd.media[0].connection.as_ref().unwrap();
    assert_eq!((mc.ttl, mc.num_addresses), (None, Some(3)));
    assert_eq!(sd.media[0].port_count, Some(2));
    assert_eq!(sd.times[0].repeats, ["7d 1h 0 25h"]);
}

#[test]
fn every_line_type_round_trips() {
    let text = "v=0\r\no=jdoe 3724394400 3724394405 IN IP4 198.51.100.1\r\ns=Call to John Smith\r\n\
                i=SDP Offer #1\r\nu=http://www.jdoe.example.com/home.html\r\n\
                e=Jane Doe <jane@jdoe.example.com>\r\np=+1 617 555-6011\r\nc=IN IP4 198.51.100.1\r\n\
                b=CT:128\r\nt=0 0\r\nz=2882844526 -1h\r\nk=prompt\r\na=recvonly\r\n\
                m=audio 49170 RTP/AVP 0\r\ni=voice\r\nc=IN IP4 198.51.100.2\r\nb=AS:64\r\n\
                k=prompt\r\na=rtcp-mux\r\nm=video 51372 RTP/AVP 99\r\na=rtpmap:99 h263-1998/90000\r\n";
    let sd = parse(text);
    assert_eq!(sd.to_string(), text);
    assert_eq!(sd.emails, ["Jane Doe <jane@jdoe.example.com>"]);
    assert_eq!(sd.media[0].information.as_deref(), Some("voice"));
    assert!(sd.media[0].rtcp_mux());
}

/// An input and a check of the error it must give.
type Case = (&'static str, fn(&SdpError) -> bool);

#[test]
fn strictness() {
    let ok = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\n";
    assert!(SessionDescription::parse(ok.as_bytes()).is_ok());
    let cases: &[Case] = &[
        ("", |e| matches!(e, SdpError::Missing { expected: 'v', .. })),
        ("v=1\n", |e| {
            matches!(e, SdpError::InvalidField { line: 1, .. })
        }),
        ("o=- 1 1 IN IP4 a\nv=0\n", |e| {
            matches!(e, SdpError::Missing { expected: 'v', .. })
        }),
        ("v=0\ns=-\n", |e| {
            matches!(e, SdpError::Missing { expected: 'o', .. })
        }),
        ("v=0\no=- x 1 IN IP4 a\ns=-\nt=0 0\n", |e| {
            matches!(e, SdpError::InvalidField { line: 2, .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a extra\ns=-\nt=0 0\n", |e| {
            matches!(e, SdpError::InvalidField { line: 2, .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\n", |e| {
            matches!(e, SdpError::Missing { expected: 't', .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0\n", |e| {
            matches!(e, SdpError::InvalidField { line: 4, .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\nx=1\n", |e| {
            matches!(e, SdpError::UnknownLineType { kind: 'x', .. })
        }),
        (
            "v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\nm=audio 1 RTP/AVP 0\nt=0 0\n",
            |e| matches!(e, SdpError::Misplaced { kind: 't', .. }),
        ),
        (
            "v=0\no=- 1 1 IN IP4 a\ns=-\nc=IN IP4 a\nc=IN IP4 b\nt=0 0\n",
            |e| matches!(e, SdpError::Duplicate { kind: 'c', .. }),
        ),
        (
            "v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\nm=audio 70000 RTP/AVP 0\n",
            |e| matches!(e, SdpError::InvalidField { line: 5, .. }),
        ),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\nm=audio 1\n", |e| {
            matches!(e, SdpError::InvalidField { .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\nbogus\n", |e| {
            matches!(e, SdpError::MalformedLine { line: 5 })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nr=1d 1h 0\nt=0 0\n", |e| {
            matches!(e, SdpError::Misplaced { kind: 'r', .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nb=AS\nt=0 0\n", |e| {
            matches!(e, SdpError::InvalidField { .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nc=IN IP4 a/x\nt=0 0\n", |e| {
            matches!(e, SdpError::InvalidField { .. })
        }),
        ("v=0\no=- 1 1 IN IP4 a\ns=-\nc=IN IP4\nt=0 0\n", |e| {
            matches!(e, SdpError::InvalidField { line: 4, .. })
        }),
    ];
    for (text, check) in cases {
        let err = SessionDescription::parse(text.as_bytes()).unwrap_err();
        assert!(check(&err), "{text:?} gave {err:?}");
    }
}

#[test]
fn tolerance() {
    // Blank lines, trailing spaces, an empty s=, a=ptime with decimals,
    // session lines out of the usual order, Latin-1 in free text.
    let mut text =
        b"v=0 \r\n\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=\r\nt=0 0\r\nc=IN IP4 192.0.2.1\r\ni=Caf"
            .to_vec();
    text.extend_from_slice(&[0xE9]);
    text.extend_from_slice(b"\r\nm=audio 4000 RTP/AVP 0\na=ptime:22.5  \n\n");
    let sd = SessionDescription::parse(&text).unwrap();
    assert_eq!(sd.session_name, "-");
    assert!(sd.to_string().contains("s=-\r\n"));
    assert_eq!(sd.media[0].ptime(), Some(22.5));
    assert_eq!(
        sd.media[0].attribute("ptime").unwrap().value.as_deref(),
        Some("22.5")
    );
    // The Latin-1 byte is replaced, the rest of the text kept.
    assert_eq!(sd.information.as_deref(), Some("Caf\u{FFFD}"));
}

#[test]
fn limits() {
    let mut text = String::from("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\n");
    for _ in 0..(sdp::MAX_ATTRIBUTES + 1) {
        text.push_str("a=x\n");
    }
    assert_eq!(
        SessionDescription::parse(text.as_bytes()),
        Err(SdpError::TooMany("attributes"))
    );
    let mut text = String::from("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\n");
    for _ in 0..=sdp::MAX_MEDIA {
        text.push_str("m=audio 0 RTP/AVP 0\n");
    }
    assert_eq!(
        SessionDescription::parse(text.as_bytes()),
        Err(SdpError::TooMany("media sections"))
    );
    let mut text = String::from("v=0\no=- 1 1 IN IP4 a\ns=-\nt=0 0\nm=audio 0 RTP/AVP");
    for _ in 0..=sdp::MAX_FORMATS {
        text.push_str(" 0");
    }
    assert_eq!(
        SessionDescription::parse(text.as_bytes()),
        Err(SdpError::TooMany("formats"))
    );
    let big = vec![b'\n'; sdp::MAX_SDP_BYTES + 1];
    assert!(matches!(
        SessionDescription::parse(&big),
        Err(SdpError::TooLarge(_))
    ));
    let lines = "\n".repeat(sdp::MAX_LINES + 1);
    assert_eq!(
        SessionDescription::parse(lines.as_bytes()),
        Err(SdpError::TooMany("lines"))
    );
}

// ---- no panics on arbitrary input ----

/// SDP-ish lines to build structured random inputs from.
fn sdp_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("v=0".to_string()),
        "o=[-a-z]{1,3} [0-9]{1,3} [0-9]{1,3} IN IP[46] [0-9.:a-f]{1,12}",
        Just("s=-".to_string()),
        "c=IN IP[46] [0-9.:a-z/]{1,16}",
        "t=[0-9]{1,3} [0-9]{1,3}",
        "m=(audio|video) [0-9]{1,6}(/[0-9])? RTP/AVP( [0-9]{1,3}){0,4}",
        "a=rtpmap:[0-9]{1,3} [A-Za-z0-9-]{1,6}/[0-9]{1,6}(/[0-9])?",
        "a=fmtp:[0-9]{1,3} [a-z0-9=;,-]{0,12}",
        "a=(sendrecv|sendonly|recvonly|inactive|rtcp-mux)",
        "a=(ptime|maxptime):[0-9.]{1,4}",
        "a=rtcp:[0-9]{1,6}( IN IP4 [0-9.]{1,15})?",
        "b=[A-Z]{1,4}:[0-9]{1,5}",
        "[a-z]=[ -~]{0,20}",
        "[ -~]{0,20}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(sd) = SessionDescription::parse(&bytes) {
            let printed = sd.to_string();
            prop_assert_eq!(SessionDescription::parse(printed.as_bytes()), Ok(sd));
        }
    }

    #[test]
    fn structured_input_never_panics_and_round_trips(
        lines in proptest::collection::vec(sdp_line(), 0..25),
        lf_only in any::<bool>(),
    ) {
        let mut text = String::from("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n");
        for l in &lines {
            text.push_str(l);
            text.push_str(if lf_only { "\n" } else { "\r\n" });
        }
        if let Ok(sd) = SessionDescription::parse(text.as_bytes()) {
            let printed = sd.to_string();
            let again = SessionDescription::parse(printed.as_bytes());
            prop_assert_eq!(again.as_ref(), Ok(&sd), "{}", printed);
            for m in &sd.media {
                // The typed views never panic either.
                let _ = (m.rtpmaps().count(), m.fmtps().count(), m.ptime(), m.rtcp());
                let _ = (m.direction(), m.maxptime());
            }
        }
    }
}

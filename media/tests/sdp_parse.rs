//! SDP parsing: fuzz seeds from pjproject, SDPs in the style of common
//! phones and servers, print/parse round trips, malformed input, and random
//! bytes (no panic).

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

fn round_trip(sd: &SessionDescription) {
    let printed = sd.to_string();
    assert!(printed.ends_with("\r\n"));
    assert!(!printed.replace("\r\n", "").contains('\n'));
    let again = SessionDescription::parse(printed.as_bytes()).unwrap();
    assert_eq!(&again, sd, "{printed}");
}

// ---- pjproject fuzz seeds (see the corpus README; read in place) ----

const SEEDS: &str = "/work/shared/corpora/pjsip-fuzz-seeds/sdp";

fn seed(n: u32) -> Option<Vec<u8>> {
    std::fs::read(format!("{SEEDS}/input.{n}.sdp")).ok()
}

#[test]
fn pjsip_seeds_parse_or_fail_cleanly() {
    let Some(_) = seed(1) else {
        eprintln!("corpus {SEEDS} not present; skipping");
        return;
    };
    // Seeds 1–5 are RFC 3264 §10 style offers with host names in c=.
    for n in 1..=5 {
        let bytes = seed(n).unwrap();
        let sd = SessionDescription::parse(&bytes).unwrap_or_else(|e| panic!("seed {n}: {e}"));
        round_trip(&sd);
        assert_eq!(sd.media[0].media, "audio");
        // Host names need a resolver: plain conversion says so.
        assert!(matches!(
            sdp::offer_from_sdp(&sd),
            Err(SdpError::UnresolvedAddress(_))
        ));
        let offer = sdp::offer_from_sdp_with(&sd, |_| Some("192.0.2.7".parse().unwrap())).unwrap();
        assert_eq!(offer.codecs[0].encoding, "PCMU");
    }
    // Seed 2 is the one-of-N example: inactive, three static codecs.
    let sd = SessionDescription::parse(&seed(2).unwrap()).unwrap();
    let offer = sdp::offer_from_sdp_with(&sd, |_| Some("192.0.2.7".parse().unwrap())).unwrap();
    assert_eq!(offer.direction, MediaDirection::Inactive);
    let names: Vec<_> = offer.codecs.iter().map(|c| c.encoding.as_str()).collect();
    assert_eq!(names, ["PCMU", "G723", "G729"]);
    // Seed 6 is a mangled baresip offer: s= swallowed c=, m= line garbled.
    let err = SessionDescription::parse(&seed(6).unwrap()).unwrap_err();
    assert!(
        matches!(err, SdpError::InvalidField { line: 6, .. }),
        "{err:?}"
    );
}

// ---- SDPs in the style of real devices ----

const BARESIP: &str = "v=0
o=- 3973070478 208142209 IN IP4 192.168.1.20
s=-
c=IN IP4 192.168.1.20
t=0 0
a=tool:baresip 3.10.1
m=audio 34718 RTP/AVP 96 9 0 8 101
b=AS:128
a=rtpmap:96 opus/48000/2
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=label:1
a=rtcp-rsize
a=ssrc:1234567 cname:abc@example
a=ptime:20
";

const LINPHONE: &str = "v=0
o=bob 1984 3045 IN IP4 10.0.0.8
s=Talk
c=IN IP4 10.0.0.8
t=0 0
a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics
m=video 9078 RTP/AVP 96
a=rtpmap:96 VP8/90000
a=rtcp-fb:* trr-int 1000
m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100
a=rtpmap:96 opus/48000/2
a=fmtp:96 useinbandfec=1
a=rtpmap:97 speex/16000
a=fmtp:97 vbr=on
a=rtpmap:98 speex/8000
a=fmtp:98 vbr=on
a=fmtp:18 annexb=yes
a=rtpmap:101 telephone-event/48000
a=rtpmap:99 telephone-event/16000
a=rtpmap:100 telephone-event/8000
a=rtcp-fb:* trr-int 1000
";

const ASTERISK: &str = "v=0
o=- 1600000000 1600000002 IN IP4 203.0.113.5
s=Asterisk
c=IN IP4 203.0.113.5
t=0 0
m=audio 12130 RTP/AVP 0 8 3 101
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:3 GSM/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=ptime:20
a=maxptime:150
a=sendonly
";

const SIPP_UAC: &str = "v=0
o=user1 53655765 2353687637 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio 6000 RTP/AVP 0
a=rtpmap:0 PCMU/8000
";

// Cisco gateways: static types without rtpmap, c= at media level only.
const CISCO: &str = "v=0
o=CiscoSystemsSIP-GW-UserAgent 2390 8731 IN IP4 198.51.100.9
s=SIP Call
t=0 0
m=audio 16384 RTP/AVP 18 0 101 19
c=IN IP4 198.51.100.9
a=fmtp:18 annexb=no
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=rtpmap:19 CN/8000
a=ptime:20
";

const IPV6: &str = "v=0
o=- 20518 0 IN IP6 2001:db8::2
s=-
c=IN IP6 2001:db8::2
t=0 0
m=audio 54400 RTP/SAVPF 0
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
m=audio 54402 RTP/AVP 8 0
a=rtcp:54500 IN IP6 2001:db8::3
a=recvonly
";

#[test]
fn baresip_offer() {
    let sd = parse(BARESIP);
    round_trip(&sd);
    let o = sdp::offer_from_sdp(&sd).unwrap();
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
    assert_eq!(sd.media[0].bandwidths[0].bandwidth, 128);
    assert_eq!(sd.attributes[0].value.as_deref(), Some("baresip 3.10.1"));
}

#[test]
fn linphone_offer_picks_audio_after_video() {
    let sd = parse(LINPHONE);
    round_trip(&sd);
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
    let sd = parse(ASTERISK);
    round_trip(&sd);
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.direction, MediaDirection::SendOnly);
    assert_eq!(sd.media[0].maxptime(), Some(150.0));
    assert_eq!(
        o.codecs.iter().map(|c| c.payload_type).collect::<Vec<_>>(),
        [0, 8, 3, 101]
    );
}

#[test]
fn sipp_default_offer_with_lf_and_crlf() {
    for text in [SIPP_UAC.to_string(), crlf(SIPP_UAC)] {
        let sd = parse(&text);
        let o = sdp::offer_from_sdp(&sd).unwrap();
        assert_eq!(o.rtp, "127.0.0.1:6000".parse().unwrap());
        assert_eq!(o.codecs.len(), 1);
        assert_eq!(sd.origin.session_version, 2353687637);
    }
    // Canonical CRLF input prints back byte for byte.
    assert_eq!(parse(&crlf(SIPP_UAC)).to_string(), crlf(SIPP_UAC));
}

#[test]
fn cisco_static_types_and_media_connection() {
    let sd = parse(CISCO);
    round_trip(&sd);
    assert!(sd.connection.is_none());
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.rtp, "198.51.100.9:16384".parse().unwrap());
    let names: Vec<_> = o.codecs.iter().map(|c| c.encoding.as_str()).collect();
    assert_eq!(names, ["G729", "PCMU", "telephone-event", "CN"]);
    assert_eq!(o.audio_codecs().count(), 2);
}

#[test]
fn ipv6_and_savp_line_is_skipped() {
    let sd = parse(IPV6);
    round_trip(&sd);
    assert_eq!(sd.media[0].crypto().count(), 1);
    let o = sdp::offer_from_sdp(&sd).unwrap();
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
    assert_eq!(sd.media[1].direction(), Some(MediaDirection::SendOnly));
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
        ("v=0\no=- 1 1 IN IP4 a\ns=-\n", |e| {
            matches!(e, SdpError::Missing { expected: 't', .. })
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
    let o = sdp::offer_from_sdp(&sd).unwrap();
    assert_eq!(o.ptime, Some(std::time::Duration::from_micros(22_500)));
    assert!(sd.information.unwrap().starts_with("Caf"));
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
            let _ = sdp::offer_from_sdp(&sd);
            let _ = sd.to_string();
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
            if let Ok(remote) = sdp::offer_from_sdp(&sd) {
                let local = openphone_sal::MediaOffer::new("192.0.2.9:5000".parse().unwrap())
                    .with_codec(openphone_sal::CodecDescriptor::new(0, "PCMU", 8000))
                    .with_codec(openphone_sal::CodecDescriptor::new(101, "telephone-event", 8000));
                let _ = sdp::answer(&local, &remote);
                let _ = sdp::complete(&local, &remote);
            }
        }
    }
}

//! RFC 3264 offer/answer: the RFC's §10 examples, hold and resume, 488
//! cases, format parameters, renumbered payload types, and round trips of
//! our own descriptions.

use std::net::IpAddr;
use std::time::Duration;

use openphone_media::sdp::{self, NegotiationError, SdpOrigin, SessionDescription};
use openphone_sal::{CodecDescriptor, MediaDirection, MediaOffer};

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The RFC examples use host names; map them to documentation addresses.
fn hosts(name: &str) -> Option<IpAddr> {
    match name {
        "host.anywhere.com" => Some("192.0.2.1".parse().unwrap()),
        "host.example.com" => Some("192.0.2.2".parse().unwrap()),
        _ => None,
    }
}

fn offer_of(text: &str) -> MediaOffer {
    sdp::offer_from_sdp_with(&parse(text), hosts).unwrap()
}

fn origin(address: &str) -> SdpOrigin {
    SdpOrigin {
        username: "-".into(),
        session_id: 1,
        session_version: 1,
        address: address.parse().unwrap(),
    }
}

fn pcmu() -> CodecDescriptor {
    CodecDescriptor::new(0, "PCMU", 8000)
}

fn te(pt: u8, events: &str) -> CodecDescriptor {
    CodecDescriptor::new(pt, "telephone-event", 8000).with_fmtp(events)
}

// ---- RFC 3264 §10.1 ----

const ALICE_10_1: &str = "v=0
o=alice 2890844526 2890844526 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 51372 RTP/AVP 31
a=rtpmap:31 H261/90000
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
";

const BOB_10_1: &str = "v=0
o=bob 2890844730 2890844730 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 49920 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
";

const BOB_10_1_REOFFER: &str = "v=0
o=bob 2890844730 2890844731 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 65422 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
m=audio 51434 RTP/AVP 110
a=rtpmap:110 telephone-events/8000
a=recvonly
";

const ALICE_10_1_ANSWER: &str = "v=0
o=alice 2890844526 2890844527 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 49170 RTP/AVP 0
a=rtpmap:0 PCMU/8000
m=video 0 RTP/AVP 31
a=rtpmap:31 H261/90000
m=video 53000 RTP/AVP 32
a=rtpmap:32 MPV/90000
m=audio 53122 RTP/AVP 110
a=rtpmap:110 telephone-events/8000
a=sendonly
";

#[test]
fn rfc3264_10_1_basic_exchange() {
    // We play Bob: audio only, PCMU, at his address.
    let bob = MediaOffer::new("192.0.2.2:49920".parse().unwrap()).with_codec(pcmu());
    let sd = parse(ALICE_10_1);
    let alice = sdp::offer_from_sdp_with(&sd, hosts).unwrap();
    let (ans, media) = sdp::answer(&bob, &alice).unwrap();
    assert_eq!(media.remote_rtp, "192.0.2.1:49170".parse().unwrap());
    assert_eq!(media.remote_rtcp, "192.0.2.1:49171".parse().unwrap());
    assert_eq!(media.send_codec, pcmu());
    assert_eq!(media.direction, MediaDirection::SendRecv);
    assert_eq!(media.ptime, Duration::from_millis(20));

    // Our answer keeps the three m-lines; we refuse both videos (Bob kept
    // one, but we have no video), the audio line matches Bob's.
    let text = sdp::sdp_answer_for(&sd, &ans, &origin("192.0.2.2")).to_string();
    let ours = parse(&text);
    let bob_sd = parse(BOB_10_1);
    assert_eq!(ours.media.len(), 3);
    assert_eq!(ours.media[0].port, bob_sd.media[0].port);
    assert_eq!(ours.media[0].formats, bob_sd.media[0].formats);
    assert_eq!(ours.media[0].rtpmap(0), bob_sd.media[0].rtpmap(0));
    assert_eq!(
        (ours.media[1].port, ours.media[1].formats.clone()),
        (0, vec!["31".to_string()])
    );
    assert_eq!(
        (ours.media[2].media.as_str(), ours.media[2].port),
        ("video", 0)
    );

    // Alice completes with Bob's real answer.
    let bob_answer = sdp::offer_from_sdp_with(&bob_sd, hosts).unwrap();
    let alice_media = sdp::complete(&alice, &bob_answer).unwrap();
    assert_eq!(alice_media.remote_rtp, "192.0.2.2:49920".parse().unwrap());
    assert_eq!(alice_media.send_codec.payload_type, 0);
    assert_eq!(alice_media.direction, MediaDirection::SendRecv);

    // Bob's re-offer moves audio and adds a second audio stream; the first
    // audio stream is the one used.
    let re_sd = parse(BOB_10_1_REOFFER);
    assert_eq!(sdp::audio_index(&re_sd), Some(0));
    let re = sdp::offer_from_sdp_with(&re_sd, hosts).unwrap();
    assert_eq!(re.rtp.port(), 65422);
    let alice_local = MediaOffer::new("192.0.2.1:49170".parse().unwrap()).with_codec(pcmu());
    let (alice_ans, alice_media) = sdp::answer(&alice_local, &re).unwrap();
    assert_eq!(alice_media.remote_rtp, "192.0.2.2:65422".parse().unwrap());
    let alice_text = sdp::sdp_answer_for(&re_sd, &alice_ans, &origin("192.0.2.1")).to_string();
    assert_eq!(parse(&alice_text).media.len(), 4);

    // Bob completes with Alice's RFC answer.
    let rfc_answer = sdp::offer_from_sdp_with(&parse(ALICE_10_1_ANSWER), hosts).unwrap();
    let bob_media = sdp::complete(&re, &rfc_answer).unwrap();
    assert_eq!(bob_media.remote_rtp, "192.0.2.1:49170".parse().unwrap());
    assert_eq!(bob_media.send_codec.encoding, "PCMU");
}

// ---- RFC 3264 §10.2 ----

const ALICE_10_2: &str = "v=0
o=alice 2890844526 2890844526 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 62986 RTP/AVP 0 4 18
a=rtpmap:0 PCMU/8000
a=rtpmap:4 G723/8000
a=rtpmap:18 G729/8000
a=inactive
";

const BOB_10_2: &str = "v=0
o=bob 2890844730 2890844731 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 54344 RTP/AVP 0 4
a=rtpmap:0 PCMU/8000
a=rtpmap:4 G723/8000
a=inactive
";

const ALICE_10_2_REOFFER: &str = "v=0
o=alice 2890844526 2890844527 IN IP4 host.anywhere.com
s=
c=IN IP4 host.anywhere.com
t=0 0
m=audio 62986 RTP/AVP 4
a=rtpmap:4 G723/8000
a=sendrecv
";

const BOB_10_2_ANSWER2: &str = "v=0
o=bob 2890844730 2890844732 IN IP4 host.example.com
s=
c=IN IP4 host.example.com
t=0 0
m=audio 54344 RTP/AVP 4
a=rtpmap:4 G723/8000
a=sendrecv
";

#[test]
fn rfc3264_10_2_one_of_n_codec_selection() {
    // We are Bob: PCMU and G.723 (no G.729), listed in the other order to
    // show that the answer follows the offer's order.
    let bob = MediaOffer::new("192.0.2.2:54344".parse().unwrap())
        .with_codec(CodecDescriptor::new(4, "G723", 8000))
        .with_codec(pcmu());
    let alice = offer_of(ALICE_10_2);
    let (ans, media) = sdp::answer(&bob, &alice).unwrap();
    assert_eq!(media.direction, MediaDirection::Inactive);
    let ours = parse(&sdp::sdp_from_offer(&ans, &origin("192.0.2.2")).to_string());
    let rfc = parse(BOB_10_2);
    assert_eq!(ours.media[0].formats, rfc.media[0].formats);
    assert_eq!(ours.media[0].direction(), Some(sdp::Direction::Inactive));
    assert_eq!(ours.media[0].port, 54344);

    // Alice picks from Bob's two codecs.
    let alice_media = sdp::complete(&alice, &offer_of(BOB_10_2)).unwrap();
    assert_eq!(alice_media.send_codec.encoding, "PCMU");
    assert_eq!(alice_media.direction, MediaDirection::Inactive);
    let recv: Vec<u8> = alice_media
        .recv_codecs
        .iter()
        .map(|c| c.payload_type)
        .collect();
    assert_eq!(recv, [0, 4]);

    // Second exchange locks G.723 and activates the stream.
    let re = offer_of(ALICE_10_2_REOFFER);
    let (ans2, media2) = sdp::answer(&bob, &re).unwrap();
    assert_eq!(media2.send_codec, CodecDescriptor::new(4, "G723", 8000));
    assert_eq!(media2.direction, MediaDirection::SendRecv);
    let ours2 = parse(&sdp::sdp_from_offer(&ans2, &origin("192.0.2.2")).to_string());
    let rfc2 = parse(BOB_10_2_ANSWER2);
    assert_eq!(ours2.media[0].formats, rfc2.media[0].formats);
    assert_eq!(ours2.media[0].direction(), rfc2.media[0].direction());
    let alice2 = sdp::complete(&re, &offer_of(BOB_10_2_ANSWER2)).unwrap();
    assert_eq!(alice2.send_codec.payload_type, 4);
    assert_eq!(alice2.direction, MediaDirection::SendRecv);
}

// ---- hold and resume (RFC 3264 §8.4) ----

fn phone(addr: &str) -> MediaOffer {
    MediaOffer::new(addr.parse().unwrap())
        .with_codec(pcmu())
        .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
        .with_codec(te(101, "0-16"))
}

#[test]
fn hold_and_resume() {
    let a = phone("192.0.2.1:4000");
    let b = phone("192.0.2.2:5000");
    let cases = [
        (MediaDirection::SendOnly, MediaDirection::RecvOnly),
        (MediaDirection::Inactive, MediaDirection::Inactive),
        (MediaDirection::RecvOnly, MediaDirection::SendOnly),
        (MediaDirection::SendRecv, MediaDirection::SendRecv),
    ];
    for (a_dir, b_dir) in cases {
        let a_offer = a.clone().with_direction(a_dir);
        // Through SDP text both ways, as on the wire.
        let wire = sdp::sdp_from_offer(&a_offer, &origin("192.0.2.1")).to_string();
        let (b_ans, b_media) = sdp::answer(&b, &offer_of(&wire)).unwrap();
        assert_eq!(b_media.direction, b_dir, "offer {a_dir:?}");
        let back = sdp::sdp_from_offer(&b_ans, &origin("192.0.2.2")).to_string();
        let a_media = sdp::complete(&a_offer, &offer_of(&back)).unwrap();
        assert_eq!(a_media.direction, a_dir, "offer {a_dir:?}");
    }
}

#[test]
fn we_are_on_hold_locally() {
    // Our side wants sendonly (we hold); peer offers sendrecv.
    let ours = phone("192.0.2.2:5000").with_direction(MediaDirection::SendOnly);
    let (ans, media) = sdp::answer(&ours, &phone("192.0.2.1:4000")).unwrap();
    assert_eq!(ans.direction, MediaDirection::SendOnly);
    assert_eq!(media.direction, MediaDirection::SendOnly);
    // Peer offers sendonly while we want sendonly: nobody receives.
    let (_, media) = sdp::answer(
        &ours,
        &phone("192.0.2.1:4000").with_direction(MediaDirection::SendOnly),
    )
    .unwrap();
    assert_eq!(media.direction, MediaDirection::Inactive);
}

#[test]
fn old_style_hold_answered_recvonly() {
    let text =
        "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n";
    let (_, media) = sdp::answer(&phone("192.0.2.2:5000"), &offer_of(text)).unwrap();
    assert_eq!(media.direction, MediaDirection::RecvOnly);
}

// ---- 488 ----

#[test]
fn no_common_codec_or_refused_stream() {
    let ours = phone("192.0.2.2:5000");
    let g729 = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(18, "G729", 8000))
        .with_codec(te(101, "0-15"));
    assert_eq!(
        sdp::answer(&ours, &g729),
        Err(NegotiationError::NoCommonCodec)
    );
    // Only telephone-event in common is not enough.
    assert_eq!(
        sdp::complete(&ours, &g729),
        Err(NegotiationError::NoCommonCodec)
    );
    let mut refused = phone("192.0.2.1:4000");
    refused.rtp.set_port(0);
    assert_eq!(
        sdp::answer(&ours, &refused),
        Err(NegotiationError::NoCommonCodec)
    );
    assert_eq!(
        sdp::complete(&ours, &refused),
        Err(NegotiationError::NoCommonCodec)
    );
    // Same name, different rate or packing is not the same codec.
    let mismatched = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(9, "PCMU", 16000))
        .with_codec(CodecDescriptor::new(96, "AAL2-G726-32", 8000));
    let g726 = MediaOffer::new("192.0.2.2:5000".parse().unwrap())
        .with_codec(pcmu())
        .with_codec(CodecDescriptor::new(97, "G726-32", 8000));
    assert_eq!(
        sdp::answer(&g726, &mismatched),
        Err(NegotiationError::NoCommonCodec)
    );
    // The message SIP would log.
    assert!(NegotiationError::NoCommonCodec
        .to_string()
        .contains("no common codec"));
}

// ---- codec choice, parameters, payload numbers ----

#[test]
fn answer_uses_offer_order_and_numbers() {
    let ours = MediaOffer::new("192.0.2.2:5000".parse().unwrap())
        .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
        .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=30"))
        .with_codec(pcmu())
        .with_codec(te(100, "0-16"));
    let theirs = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(18, "G729", 8000))
        .with_codec(CodecDescriptor::new(102, "iLBC", 8000).with_fmtp("mode=20"))
        .with_codec(pcmu())
        .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
        .with_codec(te(96, "0-15"));
    let (ans, media) = sdp::answer(&ours, &theirs).unwrap();
    let pts: Vec<u8> = ans.codecs.iter().map(|c| c.payload_type).collect();
    assert_eq!(pts, [102, 0, 8, 96]);
    // iLBC: the larger mode wins (RFC 3952).
    assert_eq!(ans.codecs[0].fmtp.as_deref(), Some("mode=30"));
    assert_eq!(media.send_codec.encoding, "iLBC");
    assert_eq!(media.send_codec.payload_type, 102);
    assert_eq!(media.send_codec.fmtp.as_deref(), Some("mode=30"));
    // telephone-event: the offerer's number, the common events.
    assert_eq!(ans.codecs[3].fmtp.as_deref(), Some("0-15"));
    assert_eq!(
        (media.send_telephone_event, media.recv_telephone_event),
        (Some(96), Some(96))
    );
    assert_eq!(media.recv_codecs.len(), 3);
}

#[test]
fn ilbc_mode_20_when_both_want_it_and_g729_annexb() {
    let ours = MediaOffer::new("192.0.2.2:5000".parse().unwrap())
        .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
        .with_codec(CodecDescriptor::new(18, "G729", 8000));
    let theirs = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(98, "ilbc", 8000).with_fmtp("mode=20"))
        .with_codec(CodecDescriptor::new(18, "G729", 8000).with_fmtp("annexb=no"));
    let (ans, _) = sdp::answer(&ours, &theirs).unwrap();
    assert_eq!(ans.codecs[0].fmtp.as_deref(), Some("mode=20"));
    assert_eq!(ans.codecs[1].fmtp.as_deref(), Some("annexb=no"));
    // An offer without mode means 30.
    let theirs = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(98, "iLBC", 8000));
    let (ans, _) = sdp::answer(&ours, &theirs).unwrap();
    assert_eq!(ans.codecs[0].fmtp.as_deref(), Some("mode=30"));
}

#[test]
fn disjoint_telephone_events_are_dropped() {
    let ours = phone("192.0.2.2:5000"); // events 0-16
    let theirs = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(pcmu())
        .with_codec(te(101, "32-40"));
    let (ans, media) = sdp::answer(&ours, &theirs).unwrap();
    assert!(ans.telephone_event().is_none());
    assert_eq!(media.send_telephone_event, None);
}

#[test]
fn complete_accepts_renumbered_dynamic_types() {
    let ours = MediaOffer::new("192.0.2.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
        .with_codec(pcmu())
        .with_codec(te(101, "0-16"));
    // A sloppy answerer renumbers iLBC to 98 and telephone-event to 100,
    // and adds a codec we never offered.
    let answer = MediaOffer::new("192.0.2.2:5000".parse().unwrap())
        .with_codec(CodecDescriptor::new(3, "GSM", 8000))
        .with_codec(CodecDescriptor::new(98, "iLBC", 8000).with_fmtp("mode=30"))
        .with_codec(pcmu())
        .with_codec(te(100, "0-15"));
    let media = sdp::complete(&ours, &answer).unwrap();
    assert_eq!(media.send_codec.payload_type, 98);
    assert_eq!(media.send_codec.fmtp.as_deref(), Some("mode=30"));
    let recv: Vec<u8> = media.recv_codecs.iter().map(|c| c.payload_type).collect();
    assert_eq!(recv, [97, 98, 0]);
    assert!(media
        .recv_codecs
        .iter()
        .all(|c| !c.encoding.eq_ignore_ascii_case("GSM")));
    assert_eq!(media.send_telephone_event, Some(100));
    assert_eq!(media.recv_telephone_event, Some(101));
}

#[test]
fn ptime_and_rtcp_reach_negotiated_media() {
    let ours = phone("192.0.2.2:5000");
    let text = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
                m=audio 4000 RTP/AVP 8\na=ptime:30\na=rtcp:4100 IN IP4 192.0.2.9\n";
    let (_, media) = sdp::answer(&ours, &offer_of(text)).unwrap();
    assert_eq!(media.ptime, Duration::from_millis(30));
    assert_eq!(media.remote_rtcp, "192.0.2.9:4100".parse().unwrap());
    assert_eq!(media.send_codec.encoding, "PCMA");
    // An absurd ptime falls back to 20 ms.
    let text = text.replace("ptime:30", "ptime:5000");
    let (_, media) = sdp::answer(&ours, &offer_of(&text)).unwrap();
    assert_eq!(media.ptime, Duration::from_millis(20));
}

#[test]
fn our_description_round_trips() {
    let mut offer = MediaOffer::new("[2001:db8::5]:40000".parse().unwrap())
        .with_codec(
            CodecDescriptor::new(96, "opus", 48000)
                .with_channels(2)
                .with_fmtp("useinbandfec=1"),
        )
        .with_codec(CodecDescriptor::new(9, "G722", 8000))
        .with_codec(pcmu())
        .with_codec(te(101, "0-16"))
        .with_direction(MediaDirection::RecvOnly);
    offer.ptime = Some(Duration::from_micros(22_500));
    offer.rtcp = Some("[2001:db8::6]:40009".parse().unwrap());
    let text = sdp::sdp_from_offer(&offer, &origin("2001:db8::5")).to_string();
    assert!(text.starts_with(
        "v=0\r\no=- 1 1 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\n"
    ));
    assert!(text.contains("a=rtpmap:96 opus/48000/2\r\n"));
    assert!(text.contains("a=rtpmap:0 PCMU/8000\r\n"));
    assert!(text.contains("a=ptime:22.5\r\n"));
    assert!(text.contains("a=rtcp:40009 IN IP6 2001:db8::6\r\n"));
    assert_eq!(offer_of(&text), offer);

    // Default RTCP is not written; RTCP on the same host is written without address.
    offer.rtcp = Some("[2001:db8::5]:40001".parse().unwrap());
    let text = sdp::sdp_from_offer(&offer, &origin("2001:db8::5")).to_string();
    assert!(!text.contains("a=rtcp"));
    offer.rtcp = Some("[2001:db8::5]:41000".parse().unwrap());
    let text = sdp::sdp_from_offer(&offer, &origin("2001:db8::5")).to_string();
    assert!(text.contains("a=rtcp:41000\r\n"));
    assert_eq!(offer_of(&text), offer);
}

#[test]
fn empty_offer_prints_a_refused_stream() {
    let offer = MediaOffer::new("192.0.2.1:4000".parse().unwrap());
    let text = sdp::sdp_from_offer(&offer, &origin("192.0.2.1")).to_string();
    assert!(text.contains("m=audio 0 RTP/AVP 0\r\n"));
    assert!(SessionDescription::parse(text.as_bytes()).is_ok());
}

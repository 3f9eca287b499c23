//! RFC 3264 offer/answer through SDP: the RFC's §10 examples, hold and
//! resume, 488 cases, format parameters, renumbered payload types, streams
//! we refuse in place, codecs offered without payload types, and round
//! trips of our own descriptions.

use std::net::IpAddr;
use std::time::Duration;

use openphone_media::sdp::{self, SdpOrigin, SessionDescription};
use openphone_sal::media::negotiate::{self, NegotiationError, DEFAULT_PTIME};
use openphone_sal::{
    CodecDescriptor, MediaDescription, MediaDirection, MediaKind, NegotiatedMedia,
    NegotiatedStream, RecvChannel, SendChannel, StreamDescription,
};

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

/// A description from SDP text, host names resolved by [`hosts`].
fn describe(text: &str) -> MediaDescription {
    sdp::description_from_sdp_with(&parse(text), hosts).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Our description as SDP text.
fn text_of(desc: &MediaDescription, address: &str) -> String {
    sdp::sdp_from_description(desc, &origin(address)).to_string()
}

fn origin(address: &str) -> SdpOrigin {
    SdpOrigin {
        username: "-".into(),
        session_id: 1,
        session_version: 1,
        address: address.parse().unwrap(),
    }
}

/// An audio stream at `addr` with no codecs yet.
fn stream(addr: &str) -> StreamDescription {
    StreamDescription::audio(addr.parse().unwrap())
}

fn pcmu() -> CodecDescriptor {
    CodecDescriptor::new(0, "PCMU", 8000)
}

fn te(pt: u8, events: &str) -> CodecDescriptor {
    CodecDescriptor::new(pt, "telephone-event", 8000).with_fmtp(events)
}

fn audio(m: &NegotiatedMedia) -> &NegotiatedStream {
    m.audio().expect("an agreed audio stream")
}

fn send(m: &NegotiatedMedia) -> &SendChannel {
    audio(m).send.as_ref().expect("a send channel")
}

fn recv(m: &NegotiatedMedia) -> &RecvChannel {
    audio(m).recv.as_ref().expect("a receive channel")
}

/// The payload types a receive channel accepts, in order.
fn recv_pts(m: &NegotiatedMedia) -> Vec<u8> {
    recv(m).codecs.iter().map(|(pt, _)| *pt).collect()
}

/// The payload types of the first stream's codecs.
fn pts(desc: &MediaDescription) -> Vec<Option<u8>> {
    desc.streams[0]
        .codecs
        .iter()
        .map(|c| c.payload_type)
        .collect()
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
    let bob = MediaDescription::from(stream("192.0.2.2:49920").with_codec(pcmu()));
    let sd = parse(ALICE_10_1);
    let alice = sdp::description_from_sdp_with(&sd, hosts).unwrap();
    assert_eq!(alice.streams.len(), 3);
    let (ans, media) = negotiate::answer(&bob, &alice).unwrap();
    assert_eq!(send(&media).remote_rtp, "192.0.2.1:49170".parse().unwrap());
    assert_eq!(send(&media).remote_rtcp, "192.0.2.1:49171".parse().unwrap());
    assert_eq!(send(&media).codec, pcmu());
    assert_eq!(send(&media).payload_type, 0);
    assert_eq!(audio(&media).direction, MediaDirection::SendRecv);
    assert_eq!(send(&media).ptime, Duration::from_millis(20));
    assert_eq!(send(&media).ptime, DEFAULT_PTIME);
    assert_eq!(recv_pts(&media), [0]);
    // One agreed stream; the answer keeps all three, both videos refused in place.
    assert_eq!(media.streams.len(), 1);
    assert_eq!(ans.streams.len(), 3);
    assert!(!ans.streams[0].is_refused());
    for v in &ans.streams[1..] {
        assert_eq!((v.kind.clone(), v.is_refused()), (MediaKind::Video, true));
    }

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
    // A refused line carries no attributes.
    assert!(ours.media[1].attributes.is_empty() && ours.media[2].attributes.is_empty());

    // Alice completes with Bob's real answer.
    let bob_answer = sdp::description_from_sdp_with(&bob_sd, hosts).unwrap();
    let alice_media = negotiate::complete(&alice, &bob_answer).unwrap();
    assert_eq!(
        send(&alice_media).remote_rtp,
        "192.0.2.2:49920".parse().unwrap()
    );
    assert_eq!(send(&alice_media).payload_type, 0);
    assert_eq!(audio(&alice_media).direction, MediaDirection::SendRecv);
    // And with ours, which says the same.
    let alice_media = negotiate::complete(&alice, &describe(&text)).unwrap();
    assert_eq!(
        send(&alice_media).remote_rtp,
        "192.0.2.2:49920".parse().unwrap()
    );

    // Bob's re-offer moves audio and adds a second audio stream; the first
    // audio stream is the one used.
    let re_sd = parse(BOB_10_1_REOFFER);
    let re = sdp::description_from_sdp_with(&re_sd, hosts).unwrap();
    assert_eq!(re.audio_index(), Some(0));
    assert_eq!(re.audio().unwrap().rtp.unwrap().port(), 65422);
    let alice_local = MediaDescription::from(stream("192.0.2.1:49170").with_codec(pcmu()));
    let (alice_ans, alice_media) = negotiate::answer(&alice_local, &re).unwrap();
    assert_eq!(
        send(&alice_media).remote_rtp,
        "192.0.2.2:65422".parse().unwrap()
    );
    assert_eq!(alice_ans.streams.len(), 4);
    // The second audio stream is answered refused, in place.
    assert_eq!(alice_ans.streams[3].kind, MediaKind::Audio);
    assert!(alice_ans.streams[3].is_refused());
    let alice_text = sdp::sdp_answer_for(&re_sd, &alice_ans, &origin("192.0.2.1")).to_string();
    let alice_sd = parse(&alice_text);
    assert_eq!(alice_sd.media.len(), 4);
    assert_eq!(
        (alice_sd.media[3].port, alice_sd.media[3].formats.clone()),
        (0, vec!["110".to_string()])
    );

    // Bob completes with Alice's RFC answer.
    let rfc_answer = describe(ALICE_10_1_ANSWER);
    let bob_media = negotiate::complete(&re, &rfc_answer).unwrap();
    assert_eq!(
        send(&bob_media).remote_rtp,
        "192.0.2.1:49170".parse().unwrap()
    );
    assert_eq!(send(&bob_media).codec.encoding, "PCMU");
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
    let bob = MediaDescription::from(
        stream("192.0.2.2:54344")
            .with_codec(CodecDescriptor::new(4, "G723", 8000))
            .with_codec(pcmu()),
    );
    let alice = describe(ALICE_10_2);
    let (ans, media) = negotiate::answer(&bob, &alice).unwrap();
    assert_eq!(audio(&media).direction, MediaDirection::Inactive);
    assert_eq!(pts(&ans), [Some(0), Some(4)]);
    let ours = parse(&text_of(&ans, "192.0.2.2"));
    let rfc = parse(BOB_10_2);
    assert_eq!(ours.media[0].formats, rfc.media[0].formats);
    assert_eq!(ours.media[0].direction(), Some(sdp::Direction::Inactive));
    assert_eq!(ours.media[0].port, 54344);

    // Alice picks from Bob's two codecs.
    let alice_media = negotiate::complete(&alice, &describe(BOB_10_2)).unwrap();
    assert_eq!(send(&alice_media).codec.encoding, "PCMU");
    assert_eq!(audio(&alice_media).direction, MediaDirection::Inactive);
    assert_eq!(recv_pts(&alice_media), [0, 4]);

    // Second exchange locks G.723 and activates the stream.
    let re = describe(ALICE_10_2_REOFFER);
    let (ans2, media2) = negotiate::answer(&bob, &re).unwrap();
    assert_eq!(send(&media2).codec, CodecDescriptor::new(4, "G723", 8000));
    assert_eq!(send(&media2).payload_type, 4);
    assert_eq!(audio(&media2).direction, MediaDirection::SendRecv);
    let ours2 = parse(&text_of(&ans2, "192.0.2.2"));
    let rfc2 = parse(BOB_10_2_ANSWER2);
    assert_eq!(ours2.media[0].formats, rfc2.media[0].formats);
    assert_eq!(ours2.media[0].direction(), rfc2.media[0].direction());
    let alice2 = negotiate::complete(&re, &describe(BOB_10_2_ANSWER2)).unwrap();
    assert_eq!(send(&alice2).payload_type, 4);
    assert_eq!(audio(&alice2).direction, MediaDirection::SendRecv);
}

// ---- hold and resume (RFC 3264 §8.4) ----

fn phone(addr: &str) -> MediaDescription {
    MediaDescription::from(
        stream(addr)
            .with_codec(pcmu())
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(te(101, "0-16")),
    )
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
        let wire = text_of(&a_offer, "192.0.2.1");
        let (b_ans, b_media) = negotiate::answer(&b, &describe(&wire)).unwrap();
        assert_eq!(audio(&b_media).direction, b_dir, "offer {a_dir:?}");
        assert_eq!(b_ans.streams[0].direction, b_dir, "offer {a_dir:?}");
        let back = text_of(&b_ans, "192.0.2.2");
        let a_media = negotiate::complete(&a_offer, &describe(&back)).unwrap();
        assert_eq!(audio(&a_media).direction, a_dir, "offer {a_dir:?}");
        // A held call keeps both halves agreed; only the direction says who sends.
        assert!(audio(&a_media).send.is_some() && audio(&a_media).recv.is_some());
    }
}

#[test]
fn we_are_on_hold_locally() {
    // Our side wants sendonly (we hold); peer offers sendrecv.
    let ours = phone("192.0.2.2:5000").with_direction(MediaDirection::SendOnly);
    let (ans, media) = negotiate::answer(&ours, &phone("192.0.2.1:4000")).unwrap();
    assert_eq!(ans.streams[0].direction, MediaDirection::SendOnly);
    assert_eq!(audio(&media).direction, MediaDirection::SendOnly);
    // Peer offers sendonly while we want sendonly: nobody receives.
    let (_, media) = negotiate::answer(
        &ours,
        &phone("192.0.2.1:4000").with_direction(MediaDirection::SendOnly),
    )
    .unwrap();
    assert_eq!(audio(&media).direction, MediaDirection::Inactive);
}

#[test]
fn old_style_hold_answered_recvonly() {
    let text =
        "v=0\no=- 1 2 IN IP4 192.0.2.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 0\n";
    let (ans, media) = negotiate::answer(&phone("192.0.2.2:5000"), &describe(text)).unwrap();
    assert_eq!(audio(&media).direction, MediaDirection::RecvOnly);
    let ours = parse(&text_of(&ans, "192.0.2.2"));
    assert_eq!(ours.media[0].direction(), Some(sdp::Direction::RecvOnly));
}

// ---- 488 ----

#[test]
fn no_common_codec_or_refused_stream() {
    let ours = phone("192.0.2.2:5000");
    let g729 = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(CodecDescriptor::new(18, "G729", 8000))
            .with_codec(te(101, "0-15")),
    );
    assert_eq!(
        negotiate::answer(&ours, &g729),
        Err(NegotiationError::NoCommonCodec)
    );
    // Only telephone-event in common is not enough.
    assert_eq!(
        negotiate::complete(&ours, &g729),
        Err(NegotiationError::NoCommonCodec)
    );
    // A refused stream (port 0, or no address at all) offers nothing to
    // answer; as an answer to our offer it is the peer's refusal.
    let mut port_zero = phone("192.0.2.1:4000");
    if let Some(a) = port_zero.streams[0].rtp.as_mut() {
        a.set_port(0);
    }
    let mut no_address = phone("192.0.2.1:4000");
    no_address.streams[0].rtp = None;
    for refused in [port_zero, no_address] {
        assert!(refused.streams[0].is_refused());
        assert_eq!(
            negotiate::answer(&ours, &refused),
            Err(NegotiationError::NoCommonCodec)
        );
        assert_eq!(
            negotiate::complete(&ours, &refused),
            Err(NegotiationError::Refused)
        );
    }
    // Same name, different rate or packing is not the same codec.
    let mismatched = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(CodecDescriptor::new(9, "PCMU", 16000))
            .with_codec(CodecDescriptor::new(96, "AAL2-G726-32", 8000)),
    );
    let g726 = MediaDescription::from(
        stream("192.0.2.2:5000")
            .with_codec(pcmu())
            .with_codec(CodecDescriptor::new(97, "G726-32", 8000)),
    );
    assert_eq!(
        negotiate::answer(&g726, &mismatched),
        Err(NegotiationError::NoCommonCodec)
    );
    // Without an audio stream of our own there is nothing to agree.
    let nothing = MediaDescription::default();
    assert_eq!(
        negotiate::answer(&nothing, &ours),
        Err(NegotiationError::NoCommonCodec)
    );
    assert_eq!(
        negotiate::complete(&nothing, &ours),
        Err(NegotiationError::NoCommonCodec)
    );
    // The messages SIP would log.
    assert!(NegotiationError::NoCommonCodec
        .to_string()
        .contains("no codec in common"));
    assert!(NegotiationError::Refused.to_string().contains("refused"));
}

// ---- codec choice, parameters, payload numbers ----

#[test]
fn answer_uses_offer_order_and_numbers() {
    let ours = MediaDescription::from(
        stream("192.0.2.2:5000")
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=30"))
            .with_codec(pcmu())
            .with_codec(te(100, "0-16")),
    );
    let theirs = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(CodecDescriptor::new(18, "G729", 8000))
            .with_codec(CodecDescriptor::new(102, "iLBC", 8000).with_fmtp("mode=20"))
            .with_codec(pcmu())
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(te(96, "0-15")),
    );
    let (ans, media) = negotiate::answer(&ours, &theirs).unwrap();
    assert_eq!(pts(&ans), [Some(102), Some(0), Some(8), Some(96)]);
    let codecs = &ans.streams[0].codecs;
    // iLBC: the larger mode wins (RFC 3952).
    assert_eq!(codecs[0].fmtp.as_deref(), Some("mode=30"));
    assert_eq!(send(&media).codec.encoding, "iLBC");
    assert_eq!(send(&media).payload_type, 102);
    assert_eq!(send(&media).codec.fmtp.as_deref(), Some("mode=30"));
    // telephone-event: the offerer's number, the common events.
    assert_eq!(codecs[3].fmtp.as_deref(), Some("0-15"));
    assert_eq!(
        (send(&media).telephone_event, recv(&media).telephone_event),
        (Some(96), Some(96))
    );
    assert_eq!(recv_pts(&media), [102, 0, 8]);
    // What we receive carries the agreed parameters too.
    assert_eq!(recv(&media).codecs[0].1.fmtp.as_deref(), Some("mode=30"));
}

#[test]
fn ilbc_mode_20_when_both_want_it_and_g729_annexb() {
    let ours = MediaDescription::from(
        stream("192.0.2.2:5000")
            .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
            .with_codec(CodecDescriptor::new(18, "G729", 8000)),
    );
    let theirs = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(CodecDescriptor::new(98, "ilbc", 8000).with_fmtp("mode=20"))
            .with_codec(CodecDescriptor::new(18, "G729", 8000).with_fmtp("annexb=no")),
    );
    let (ans, _) = negotiate::answer(&ours, &theirs).unwrap();
    assert_eq!(ans.streams[0].codecs[0].fmtp.as_deref(), Some("mode=20"));
    assert_eq!(ans.streams[0].codecs[1].fmtp.as_deref(), Some("annexb=no"));
    // An offer without mode means 30.
    let theirs = MediaDescription::from(
        stream("192.0.2.1:4000").with_codec(CodecDescriptor::new(98, "iLBC", 8000)),
    );
    let (ans, _) = negotiate::answer(&ours, &theirs).unwrap();
    assert_eq!(ans.streams[0].codecs[0].fmtp.as_deref(), Some("mode=30"));
}

#[test]
fn disjoint_telephone_events_are_dropped() {
    let ours = phone("192.0.2.2:5000"); // events 0-16
    let theirs = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(pcmu())
            .with_codec(te(101, "32-40")),
    );
    let (ans, media) = negotiate::answer(&ours, &theirs).unwrap();
    assert!(ans.streams[0].telephone_event().is_none());
    assert_eq!(send(&media).telephone_event, None);
    assert_eq!(recv(&media).telephone_event, None);
}

#[test]
fn complete_accepts_renumbered_dynamic_types() {
    let ours = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
            .with_codec(pcmu())
            .with_codec(te(101, "0-16")),
    );
    // A sloppy answerer renumbers iLBC to 98 and telephone-event to 100,
    // and adds a codec we never offered.
    let answer = MediaDescription::from(
        stream("192.0.2.2:5000")
            .with_codec(CodecDescriptor::new(3, "GSM", 8000))
            .with_codec(CodecDescriptor::new(98, "iLBC", 8000).with_fmtp("mode=30"))
            .with_codec(pcmu())
            .with_codec(te(100, "0-15")),
    );
    let media = negotiate::complete(&ours, &answer).unwrap();
    assert_eq!(send(&media).payload_type, 98);
    assert_eq!(send(&media).codec.fmtp.as_deref(), Some("mode=30"));
    assert_eq!(recv_pts(&media), [97, 98, 0]);
    assert!(recv(&media)
        .codecs
        .iter()
        .all(|(_, c)| !c.encoding.eq_ignore_ascii_case("GSM")));
    assert_eq!(send(&media).telephone_event, Some(100));
    assert_eq!(recv(&media).telephone_event, Some(101));
}

#[test]
fn ptime_and_rtcp_reach_negotiated_media() {
    let ours = phone("192.0.2.2:5000");
    let text = "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n\
                m=audio 4000 RTP/AVP 8\na=ptime:30\na=rtcp:4100 IN IP4 192.0.2.9\n";
    let (_, media) = negotiate::answer(&ours, &describe(text)).unwrap();
    assert_eq!(send(&media).ptime, Duration::from_millis(30));
    assert_eq!(send(&media).remote_rtcp, "192.0.2.9:4100".parse().unwrap());
    assert_eq!(send(&media).codec.encoding, "PCMA");
    // An absurd ptime falls back to 20 ms.
    let text = text.replace("ptime:30", "ptime:5000");
    let (_, media) = negotiate::answer(&ours, &describe(&text)).unwrap();
    assert_eq!(send(&media).ptime, DEFAULT_PTIME);
    // Our own ptime goes into our answer.
    let ours = MediaDescription::from(
        stream("192.0.2.2:5000")
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_ptime(Duration::from_millis(40)),
    );
    let (ans, _) = negotiate::answer(&ours, &describe(&text)).unwrap();
    assert!(text_of(&ans, "192.0.2.2").contains("a=ptime:40\r\n"));
}

// ---- streams we do not take ----

#[test]
fn video_is_answered_refused_in_place() {
    let offer_text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
                      m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f\r\n\
                      m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
                      m=video 5004 RTP/AVP 31\r\n";
    let offer_sd = parse(offer_text);
    let offer = sdp::description_from_sdp(&offer_sd).unwrap();
    assert_eq!(offer.audio_index(), Some(1));
    let (ans, media) = negotiate::answer(&phone("192.0.2.2:6000"), &offer).unwrap();
    // Three streams in the offer's order; only the audio one is agreed.
    let kinds: Vec<_> = ans.streams.iter().map(|s| s.kind.clone()).collect();
    assert_eq!(
        kinds,
        [MediaKind::Video, MediaKind::Audio, MediaKind::Video]
    );
    let refused: Vec<_> = ans.streams.iter().map(|s| s.is_refused()).collect();
    assert_eq!(refused, [true, false, true]);
    assert_eq!(media.streams.len(), 1);
    assert_eq!(audio(&media).kind, MediaKind::Audio);
    assert_eq!(send(&media).remote_rtp, "192.0.2.1:5000".parse().unwrap());
    assert_eq!(send(&media).telephone_event, Some(101));
    // The refused stream echoes the offer's formats (RFC 3264 §6) …
    assert_eq!(ans.streams[0].codecs[0].encoding, "H264");

    // … and so does its SDP line, with no attributes.
    let text = sdp::sdp_answer_for(&offer_sd, &ans, &origin("192.0.2.2")).to_string();
    assert!(
        text.contains("m=video 0 RTP/AVP 96\r\nm=audio 6000 RTP/AVP 0 101\r\n"),
        "{text}"
    );
    assert!(text.ends_with("m=video 0 RTP/AVP 31\r\n"), "{text}");
    assert!(!text.contains("H264") && !text.contains("profile-level-id"));

    // The offerer completes with it and finds its audio stream accepted.
    let theirs = negotiate::complete(&offer, &describe(&text)).unwrap();
    assert_eq!(send(&theirs).remote_rtp, "192.0.2.2:6000".parse().unwrap());
    assert_eq!(send(&theirs).payload_type, 0);
    // Were the audio stream refused, it says so.
    let refused_text = text.replace("m=audio 6000", "m=audio 0");
    assert_eq!(
        negotiate::complete(&offer, &describe(&refused_text)),
        Err(NegotiationError::Refused)
    );
}

#[test]
fn offer_codecs_without_payload_types_get_static_or_free_dynamic_ones() {
    // An offer built from capabilities (H.245 names codecs without RTP
    // numbers), except G.726-32, which already holds 96.
    let offer = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(CodecDescriptor::format("PCMA", 8000))
            .with_codec(CodecDescriptor::new(96, "G726-32", 8000))
            .with_codec(CodecDescriptor::format("iLBC", 8000))
            .with_codec(CodecDescriptor::format("telephone-event", 8000).with_fmtp("0-15")),
    );
    let ours = MediaDescription::from(
        stream("192.0.2.2:5000")
            .with_codec(CodecDescriptor::new(111, "G726-32", 8000))
            .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
            .with_codec(CodecDescriptor::new(8, "PCMA", 8000))
            .with_codec(te(101, "0-16")),
    );
    let (ans, media) = negotiate::answer(&ours, &offer).unwrap();
    // PCMA gets its static 8; iLBC and telephone-event the lowest dynamic
    // numbers nobody uses (96 is the offer's G.726).
    assert_eq!(pts(&ans), [Some(8), Some(96), Some(97), Some(98)]);
    assert_eq!(send(&media).payload_type, 8);
    assert_eq!(send(&media).codec.payload_type, Some(8));
    assert_eq!(send(&media).telephone_event, Some(98));
    assert_eq!(recv_pts(&media), [8, 96, 97]);
    // Every codec of our answer is numbered in SDP.
    let text = text_of(&ans, "192.0.2.2");
    assert!(
        text.contains("m=audio 5000 RTP/AVP 8 96 97 98\r\n"),
        "{text}"
    );
    assert!(text.contains("a=rtpmap:97 iLBC/8000\r\na=fmtp:97 mode=30\r\n"));
    assert!(text.contains("a=rtpmap:98 telephone-event/8000\r\na=fmtp:98 0-15\r\n"));

    // The offerer completes with the numbers the answer chose.
    let theirs = negotiate::complete(&offer, &ans).unwrap();
    assert_eq!(send(&theirs).payload_type, 8);
    assert_eq!(recv_pts(&theirs), [8, 96, 97]);
    assert_eq!(send(&theirs).telephone_event, Some(98));
    assert_eq!(recv(&theirs).telephone_event, Some(98));

    // A static codec gets its static number only while that is free: a
    // second, unnumbered PCMU cannot share PCMU's 0 (an answer must not
    // list one number twice).
    let offer = MediaDescription::from(
        stream("192.0.2.1:4000")
            .with_codec(pcmu())
            .with_codec(CodecDescriptor::format("PCMU", 8000)),
    );
    let (ans, _) = negotiate::answer(&phone("192.0.2.2:5000"), &offer).unwrap();
    assert_eq!(pts(&ans), [Some(0), Some(96)]);
    let text = text_of(&ans, "192.0.2.2");
    assert!(text.contains("m=audio 5000 RTP/AVP 0 96\r\n"), "{text}");
}

// ---- our own descriptions ----

#[test]
fn our_description_round_trips() {
    let mut s = stream("[2001:db8::5]:40000")
        .with_codec(
            CodecDescriptor::new(96, "opus", 48000)
                .with_channels(2)
                .with_fmtp("useinbandfec=1"),
        )
        .with_codec(CodecDescriptor::new(9, "G722", 8000))
        .with_codec(pcmu())
        .with_codec(te(101, "0-16"))
        .with_direction(MediaDirection::RecvOnly)
        .with_ptime(Duration::from_micros(22_500));
    s.rtcp = Some("[2001:db8::6]:40009".parse().unwrap());
    let mut offer = MediaDescription::from(s);
    let text = text_of(&offer, "2001:db8::5");
    assert!(text.starts_with(
        "v=0\r\no=- 1 1 IN IP6 2001:db8::5\r\ns=-\r\nc=IN IP6 2001:db8::5\r\nt=0 0\r\n"
    ));
    assert!(text.contains("m=audio 40000 RTP/AVP 96 9 0 101\r\n"));
    assert!(text.contains("a=rtpmap:96 opus/48000/2\r\n"));
    assert!(text.contains("a=rtpmap:0 PCMU/8000\r\n"));
    assert!(text.contains("a=ptime:22.5\r\n"));
    assert!(text.contains("a=rtcp:40009 IN IP6 2001:db8::6\r\n"));
    assert!(text.contains("a=recvonly\r\n"));
    assert_eq!(describe(&text), offer);

    // Default RTCP is not written; RTCP on the same host is written without address.
    offer.streams[0].rtcp = Some("[2001:db8::5]:40001".parse().unwrap());
    let text = text_of(&offer, "2001:db8::5");
    assert!(!text.contains("a=rtcp"));
    let back = describe(&text);
    assert_eq!(back.streams[0].rtcp, None);
    assert_eq!(back.streams[0].rtcp_addr(), offer.streams[0].rtcp);
    offer.streams[0].rtcp = Some("[2001:db8::5]:41000".parse().unwrap());
    let text = text_of(&offer, "2001:db8::5");
    assert!(text.contains("a=rtcp:41000\r\n"));
    assert_eq!(describe(&text), offer);
}

#[test]
fn empty_offer_prints_a_refused_stream() {
    for offer in [
        MediaDescription::from(stream("192.0.2.1:4000")),
        MediaDescription::default(),
    ] {
        let text = text_of(&offer, "192.0.2.1");
        assert!(text.contains("m=audio 0 RTP/AVP 0\r\n"), "{text}");
        let back = describe(&text);
        assert_eq!(back.streams.len(), 1);
        assert!(back.streams[0].is_refused());
    }
}

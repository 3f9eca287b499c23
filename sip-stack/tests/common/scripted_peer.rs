//! A scripted SIP peer for tests of the UA core: the peer's messages are
//! written by hand (as RFC 3261 describes them) and the core's answers read back.
#![allow(dead_code)] // each test file uses its own part

use std::net::SocketAddr;
use std::time::Instant;

use openphone_sal::{
    AccountId, Address, CallId, CodecDescriptor, MediaDescription, MediaDirection, NegotiatedMedia,
    SendChannel, StackCommand, StackEvent, StreamDescription,
};
use openphone_sip::message::{Response, SipMessage};
use openphone_sip::{CoreConfig, SipCore, Transmit};

pub const ME: &str = "127.0.0.1:5060";
pub const PEER: &str = "127.0.0.1:5070";

pub fn me() -> SocketAddr {
    ME.parse().unwrap()
}
pub fn peer() -> SocketAddr {
    PEER.parse().unwrap()
}

pub fn core() -> (SipCore, Instant) {
    let now = Instant::now();
    (
        SipCore::new(CoreConfig::new(Some(me()), None).with_seed(7), now),
        now,
    )
}

pub fn drain(core: &mut SipCore) -> Vec<Transmit> {
    std::iter::from_fn(|| core.poll_transmit()).collect()
}

pub fn events(core: &mut SipCore) -> Vec<StackEvent> {
    std::iter::from_fn(|| core.poll_event()).collect()
}

pub fn parse(t: &Transmit) -> SipMessage {
    SipMessage::parse_datagram(&t.bytes).unwrap_or_else(|e| {
        panic!(
            "core sent unparsable bytes ({e}):\n{}",
            String::from_utf8_lossy(&t.bytes)
        )
    })
}

pub fn responses(ts: &[Transmit]) -> Vec<Response> {
    ts.iter().filter_map(|t| parse(t).into_response()).collect()
}

pub fn codes(ts: &[Transmit]) -> Vec<u16> {
    responses(ts).iter().map(|r| r.status).collect()
}

pub fn text(t: &Transmit) -> String {
    String::from_utf8_lossy(&t.bytes).into_owned()
}

pub fn sdp(port: u16, direction: &str) -> String {
    format!(
        "v=0\r\no=peer 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na={direction}\r\n"
    )
}

pub fn media(port: u16) -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio(format!("127.0.0.1:{port}").parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
    )
}

/// What we send on the audio stream.
pub fn sending(m: &NegotiatedMedia) -> &SendChannel {
    m.audio()
        .and_then(|s| s.send.as_ref())
        .expect("audio is sent")
}

pub fn direction(m: &NegotiatedMedia) -> MediaDirection {
    m.audio().expect("audio agreed").direction
}

/// A request from the peer.
#[allow(clippy::too_many_arguments)]
pub fn request(
    method: &str,
    branch: &str,
    call_id: &str,
    cseq: u32,
    to_tag: Option<&str>,
    extra: &str,
    body: &str,
    ct: &str,
) -> Vec<u8> {
    let to = match to_tag {
        Some(t) => format!("<sip:ua@{ME}>;tag={t}"),
        None => format!("<sip:ua@{ME}>"),
    };
    let ctype = if body.is_empty() {
        String::new()
    } else {
        format!("Content-Type: {ct}\r\n")
    };
    format!(
        "{method} sip:ua@{ME} SIP/2.0\r\nVia: SIP/2.0/UDP {PEER};branch={branch};rport\r\n\
         Max-Forwards: 70\r\nFrom: \"Peer\" <sip:peer@{PEER}>;tag=ptag\r\nTo: {to}\r\n\
         Call-ID: {call_id}\r\nCSeq: {cseq} {method}\r\nContact: <sip:peer@{PEER}>\r\n{extra}{ctype}\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub fn invite(call_id: &str, body: &str) -> Vec<u8> {
    request(
        "INVITE",
        "z9hG4bKinv1",
        call_id,
        1,
        None,
        "",
        body,
        "application/sdp",
    )
}

/// Delivers an incoming INVITE and returns (call, to-tag of the 180).
pub fn ring(core: &mut SipCore, now: Instant, call_id: &str, body: &str) -> (CallId, String) {
    core.handle_datagram(now, me(), peer(), &invite(call_id, body));
    let out = drain(core);
    assert_eq!(codes(&out), vec![100, 180]);
    for t in &out {
        assert_eq!(t.dst, peer(), "rport: reply to the source");
    }
    let ringing = responses(&out).remove(1);
    let via = ringing.headers.top_via().unwrap();
    assert_eq!(via.rport(), Some(Some(5070)), "rport filled in");
    let tag = ringing.headers.to().unwrap().tag().unwrap().to_string();
    let call = match events(core).as_slice() {
        [StackEvent::IncomingCall { call, offer, .. }] => {
            assert_eq!(offer.is_some(), !body.is_empty());
            *call
        }
        e => panic!("expected IncomingCall, got {e:?}"),
    };
    (call, tag)
}

/// Establishes a call the peer placed and returns (core, now, call, our tag).
pub fn established(call_id: &str) -> (SipCore, Instant, CallId, String) {
    let (mut core, t0) = core();
    let (call, tag) = ring(&mut core, t0, call_id, &sdp(7000, "sendrecv"));
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: media(8000),
        },
    );
    drain(&mut core);
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("ACK", "z9hG4bKa", call_id, 1, Some(&tag), "", "", ""),
    );
    events(&mut core);
    (core, t0, call, tag)
}

pub fn answer_to(req: &str, code: u16, to_tag: Option<&str>, extra: &str, body: &str) -> Vec<u8> {
    let msg = SipMessage::parse_datagram(req.as_bytes()).unwrap();
    let req = msg.as_request().unwrap();
    let mut r = req.response(code, Response::default_reason(code));
    if let Some(t) = to_tag {
        r = r.with_to_tag(t);
    }
    let mut s = String::from_utf8(r.to_bytes()).unwrap();
    // Put extra headers and a body in (before the final CRLF).
    let cut = s.find("Content-Length: 0\r\n\r\n").unwrap();
    s.truncate(cut);
    if !body.is_empty() {
        s.push_str("Content-Type: application/sdp\r\n");
    }
    s.push_str(extra);
    s.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    s.into_bytes()
}

pub fn dial(core: &mut SipCore, now: Instant, account: Option<AccountId>) -> (CallId, String) {
    let call = CallId::next();
    let to = Address::new(format!("sip:bob@{PEER}")).unwrap();
    core.handle_command(
        now,
        StackCommand::Dial {
            call,
            account,
            to,
            offer: media(4000),
        },
    );
    let out = drain(core);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].dst, peer());
    let inv = text(&out[0]);
    assert!(inv.starts_with(&format!("INVITE sip:bob@{PEER} SIP/2.0")));
    assert!(inv.contains(";rport"));
    (call, inv)
}

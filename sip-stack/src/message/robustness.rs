//! Never-panic properties: random bytes, mutated valid messages, and
//! hostile sizes. The fuzz targets explore further; these run in `cargo test`.

use proptest::prelude::*;

use super::*;

const SEED: &[u8] = b"INVITE sip:bob@biloxi.example.com;transport=tcp SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport;received=192.0.2.1\r\n\
Max-Forwards: 70\r\n\
To: \"Bob \\\"B\\\"\" <sip:bob@biloxi.example.com>\r\n\
From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.5, sip:a2@192.0.2.9\r\n\
Route: <sip:p1.example.com;lr>, <sip:[2001:db8::1]:5080;lr>\r\n\
Authorization: Digest username=\"alice\", realm=\"atlanta.com\", nonce=\"x,y\", uri=\"sip:bob@biloxi.example.com\", response=\"abc\"\r\n\
Retry-After: 5 (nested (comment));duration=10\r\n\
Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n\
X-Unknown: a,\r\n b\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\r\nv=0\n";

/// Feeds `data` to every entry point; none may panic, and anything that
/// parses must print to something that parses again.
fn exercise(data: &[u8]) {
    if let Ok(m) = SipMessage::parse_datagram(data) {
        let printed = m.to_bytes();
        let again = SipMessage::parse_datagram(&printed);
        assert!(
            again.is_ok(),
            "reprint failed: {:?}\n{}",
            again.err(),
            String::from_utf8_lossy(&printed)
        );
    }
    if let Err(e) = SipMessage::parse_datagram(data) {
        assert!(matches!(e.response_code(), 400 | 505));
        if let Some(p) = e.partial_request() {
            if let Some(r) = p.error_response(400, "Bad Request") {
                assert!(SipMessage::parse_datagram(&r.to_bytes()).is_ok());
            }
        }
    }
    let _ = parse_stream(data);
    let mut f = StreamFramer::new();
    for chunk in data.chunks(7) {
        f.push(chunk);
        for _ in 0..4 {
            match f.next_message() {
                Ok(Some(_)) => continue,
                _ => break,
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(u) = Uri::parse(s) {
            assert_eq!(Uri::parse(&u.to_string()).as_ref(), Ok(&u));
        }
        let _ = NameAddr::parse(s);
        let _ = Via::parse(s);
    }
}

#[test]
fn seed_parses() {
    let m = SipMessage::parse_datagram(SEED).unwrap();
    assert_eq!(m.headers().contacts().count(), 2);
    assert_eq!(m.headers().routes().count(), 2);
    exercise(SEED);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&data);
    }

    #[test]
    fn mutated_messages_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8)
    ) {
        let mut m = SEED.to_vec();
        for (idx, byte, op) in edits {
            if m.is_empty() {
                break;
            }
            let i = idx.index(m.len());
            match op {
                0 => m[i] = byte,
                1 => m.insert(i, byte),
                _ => {
                    m.remove(i);
                }
            }
        }
        exercise(&m);
    }

    #[test]
    fn sip_charset_strings_never_panic(s in "[a-zA-Z0-9:;@<>\"\\\\,=?&%. \\[\\]()/+*!~-]{0,80}") {
        exercise(s.as_bytes());
        let msg = format!("OPTIONS sip:a@b SIP/2.0\r\nVia: {s}\r\nFrom: {s}\r\nTo: {s}\r\nContact: {s}\r\nCall-ID: {s}\r\nCSeq: {s}\r\nWWW-Authenticate: {s}\r\n\r\n");
        exercise(msg.as_bytes());
    }
}

#[test]
fn hostile_sizes_are_bounded() {
    // Deeply nested comment: rejected without recursion.
    let deep = format!(
        "SIP/2.0 503 Busy\r\nRetry-After: 5 {}\r\n\r\n",
        "(".repeat(20_000)
    );
    assert!(SipMessage::parse_datagram(deep.as_bytes()).is_err());
    // Too many header lines.
    let mut many = String::from("OPTIONS sip:a@b SIP/2.0\r\n");
    for i in 0..1000 {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    assert_eq!(
        SipMessage::parse_datagram(many.as_bytes())
            .unwrap_err()
            .kind(),
        &ParseErrorKind::TooManyHeaders
    );
    // One huge header line.
    let long = format!(
        "OPTIONS sip:a@b SIP/2.0\r\nX-Long: {}\r\n\r\n",
        "a".repeat(40_000)
    );
    assert_eq!(
        SipMessage::parse_datagram(long.as_bytes())
            .unwrap_err()
            .kind(),
        &ParseErrorKind::TooLarge
    );
    // A stream that never ends its headers is cut off at the limit.
    let mut f = StreamFramer::new();
    let mut err = None;
    for _ in 0..100 {
        f.push(&[b'a'; 1024]);
        if let Err(e) = f.next_message() {
            err = Some(e);
            break;
        }
    }
    let err = err.expect("limit reached");
    assert!(err.breaks_framing());
    assert_eq!(f.buffered(), 0);
    // Content-Length beyond the limit on a stream fails before buffering.
    let big = b"OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 4000000000\r\n\r\n";
    assert_eq!(
        parse_stream(big).unwrap_err().kind(),
        &ParseErrorKind::TooLarge
    );
    // Many comma-separated list elements are capped.
    let vias = format!(
        "OPTIONS sip:a@b SIP/2.0\r\nVia: {}\r\n\r\n",
        ["SIP/2.0/UDP h"; 500].join(",")
    );
    assert!(SipMessage::parse_datagram(vias.as_bytes()).is_err());
}

#[test]
fn stream_resyncs_after_a_bad_message() {
    let bad = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: x OPTIONS\r\nContent-Length: 0\r\n\r\n";
    let good = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    let mut f = StreamFramer::new();
    f.push(bad);
    f.push(good);
    let e = f.next_message().unwrap_err();
    assert_eq!(e.header_name(), Some("CSeq"));
    assert!(!e.breaks_framing());
    let m = f.next_message().unwrap().unwrap();
    assert_eq!(m.headers().cseq().unwrap().seq, 2);
    // Missing Content-Length on a stream loses framing.
    let mut f = StreamFramer::new();
    f.push(b"OPTIONS sip:a@b SIP/2.0\r\nCSeq: 2 OPTIONS\r\n\r\n");
    assert!(f.next_message().unwrap_err().breaks_framing());
}

#[test]
fn byte_by_byte_stream_is_framed() {
    // One byte per segment: exercises the resumable header search and the
    // pending-length shortcut.
    let msg = SEED;
    let mut f = StreamFramer::new();
    let mut got = 0;
    for _ in 0..3 {
        for b in msg {
            f.push(std::slice::from_ref(b));
            while let Some(m) = f.next_message().unwrap() {
                assert_eq!(&m.body()[..], b"v=0\n");
                got += 1;
            }
        }
        f.push(b"\r\n\r\n");
    }
    assert_eq!(got, 3);
    assert_eq!(f.take_pings(), 2);
}

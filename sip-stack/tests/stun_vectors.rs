//! The STUN codec against the RFC 5769 test vectors and real browser
//! messages (`shared/corpora/stun-rfc5769`, `stun-browsers`): decode each,
//! check the fields the RFC lists, re-encode byte for byte (the vectors pad
//! with 0x20), and reject every truncation and a flipped bit.

use std::net::SocketAddr;
use std::path::PathBuf;

use openphone_sip::stun::{is_stun, Attribute, Class, Message, StunError, BINDING};

fn corpus(dir: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpora")
        .join(dir)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn vector(name: &str) -> Vec<u8> {
    corpus("stun-rfc5769", name)
}

fn software(m: &Message) -> Option<&str> {
    m.attributes.iter().find_map(|a| match a {
        Attribute::Software(s) => Some(s.as_str()),
        _ => None,
    })
}

fn other(m: &Message, kind: u16) -> Option<&[u8]> {
    m.attributes.iter().find_map(|a| match a {
        Attribute::Other { kind: k, value } if *k == kind => Some(value.as_slice()),
        _ => None,
    })
}

fn tid(hex: &str) -> [u8; 12] {
    let mut t = [0u8; 12];
    for (i, b) in t.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    t
}

#[test]
fn rfc5769_2_1_request() {
    let bytes = vector("rfc5769-2.1-sample-request.bin");
    let m = Message::decode(&bytes).expect("2.1 decodes, FINGERPRINT verifies");
    assert!(m.is_binding_request());
    assert_eq!(m.transaction.0, tid("b7e7a701bc34d686fa87dfae"));
    assert_eq!(software(&m), Some("STUN test client"));
    assert_eq!(other(&m, 0x0024), Some(&[0x6e, 0x00, 0x01, 0xff][..])); // PRIORITY
    assert_eq!(
        other(&m, 0x8029),
        Some(&[0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36][..])
    ); // ICE-CONTROLLED
    assert_eq!(other(&m, 0x0006), Some(&b"evtj:h6vY"[..])); // USERNAME
    assert_eq!(other(&m, 0x0008).map(<[u8]>::len), Some(20)); // MESSAGE-INTEGRITY
    assert_eq!(m.attributes.last(), Some(&Attribute::Fingerprint));
    assert_eq!(m.encode_with_padding(0x20).unwrap(), bytes);
}

#[test]
fn rfc5769_2_2_ipv4_response() {
    let bytes = vector("rfc5769-2.2-sample-ipv4-response.bin");
    let m = Message::decode(&bytes).expect("2.2 decodes");
    assert_eq!((m.class, m.method), (Class::Success, BINDING));
    assert_eq!(software(&m), Some("test vector"));
    let want: SocketAddr = "192.0.2.1:32853".parse().unwrap();
    assert_eq!(m.mapped_address(), Some(want));
    assert_eq!(m.encode_with_padding(0x20).unwrap(), bytes);
}

#[test]
fn rfc5769_2_3_ipv6_response() {
    let bytes = vector("rfc5769-2.3-sample-ipv6-response.bin");
    let m = Message::decode(&bytes).expect("2.3 decodes");
    assert_eq!(m.class, Class::Success);
    let want: SocketAddr = "[2001:db8:1234:5678:11:2233:4455:6677]:32853"
        .parse()
        .unwrap();
    assert_eq!(m.mapped_address(), Some(want));
    assert_eq!(m.encode_with_padding(0x20).unwrap(), bytes);
}

#[test]
fn rfc5769_2_4_long_term_request() {
    let bytes = vector("rfc5769-2.4-sample-request-long-term-auth.bin");
    let m = Message::decode(&bytes).expect("2.4 decodes");
    assert!(m.is_binding_request());
    assert_eq!(m.transaction.0, tid("78ad3433c6ad72c029da412e"));
    let user = "\u{30DE}\u{30C8}\u{30EA}\u{30C3}\u{30AF}\u{30B9}";
    assert_eq!(other(&m, 0x0006), Some(user.as_bytes()));
    assert_eq!(
        other(&m, 0x0015),
        Some(&b"f//499k954d6OL34oL9FSTvy64sA"[..])
    ); // NONCE
    assert_eq!(other(&m, 0x0014), Some(&b"example.org"[..])); // REALM
    assert!(!m.attributes.contains(&Attribute::Fingerprint));
}

#[test]
fn every_truncation_and_bit_flip_is_rejected() {
    for name in [
        "rfc5769-2.1-sample-request.bin",
        "rfc5769-2.2-sample-ipv4-response.bin",
        "rfc5769-2.3-sample-ipv6-response.bin",
    ] {
        let bytes = vector(name);
        for cut in 0..bytes.len() {
            assert!(
                Message::decode(&bytes[..cut]).is_err(),
                "{name} cut at {cut}"
            );
        }
        // Any flipped bit in the covered part breaks FINGERPRINT (or the header).
        // The part FINGERPRINT covers (all but its own 8 octets).
        for i in 0..bytes.len() - 8 {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(Message::decode(&b).is_err(), "{name} bit flip at {i}");
        }
    }
    let mut b = vector("rfc5769-2.2-sample-ipv4-response.bin");
    let n = b.len();
    b[n - 1] ^= 0xFF;
    assert_eq!(Message::decode(&b), Err(StunError::Fingerprint));
}

#[test]
fn browser_message_decodes() {
    let bytes = corpus("stun-browsers", "ex1_chrome.stun");
    assert!(is_stun(&bytes));
    let m = Message::decode(&bytes).expect("Chrome's STUN message decodes");
    assert!(m.is_binding_request());
    assert_eq!(m.encode().unwrap(), bytes);
}

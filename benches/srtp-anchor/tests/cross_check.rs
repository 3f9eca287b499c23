//! OpenPhone's SRTP and libsrtp2 agree on the wire: each unprotects what the
//! other protected (SRTP and SRTCP, AES-CM-128 with both tag lengths and
//! AES-128-GCM), and a packet with one flipped bit is refused by both.

use openphone_media::srtp::{MasterKey, SrtpContext, SrtpError, SrtpSuite, MAX_OVERHEAD};
use srtp_anchor::{Direction, Error, Session, Suite, SPARE};

const SUITES: [(SrtpSuite, Suite); 3] = [
    (SrtpSuite::AesCm128HmacSha1_80, Suite::AesCm128HmacSha1_80),
    (SrtpSuite::AesCm128HmacSha1_32, Suite::AesCm128HmacSha1_32),
    (SrtpSuite::AeadAes128Gcm, Suite::AeadAes128Gcm),
];
const ROOM: usize = 400 + SPARE + MAX_OVERHEAD;

fn key(suite: Suite, seed: u8) -> Vec<u8> {
    (0..suite.key_salt_len() as u8)
        .map(|i| i.wrapping_mul(31) ^ seed)
        .collect()
}

/// An RTP packet: 12-byte header, `seq`, 160 payload bytes.
fn rtp(seq: u16) -> (Vec<u8>, usize) {
    let mut p = vec![0u8; ROOM];
    p[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 1, 0, 0x11, 0x22, 0x33, 0x44]);
    p[2..4].copy_from_slice(&seq.to_be_bytes());
    for (i, b) in p[12..172].iter_mut().enumerate() {
        *b = (i as u8) ^ (seq as u8);
    }
    (p, 172)
}

/// An RTCP sender report (no report blocks) followed by an SDES CNAME.
fn rtcp(n: u8) -> (Vec<u8>, usize) {
    let mut p = vec![0u8; ROOM];
    let sr = [
        0x80, 200, 0, 6, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, n, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0,
        0, 0, 4,
    ];
    let sdes = [
        0x81, 202, 0, 3, 0x11, 0x22, 0x33, 0x44, 1, 5, b'a', b'l', b'i', b'c', b'e', 0,
    ];
    p[..28].copy_from_slice(&sr);
    p[28..44].copy_from_slice(&sdes);
    (p, 44)
}

#[test]
fn ours_to_libsrtp2() {
    for (ours, theirs) in SUITES {
        let k = key(theirs, 0x5a);
        let mk = MasterKey::from_concatenated(ours, &k).unwrap();
        let mut tx = SrtpContext::new(&mk, &mk, 64).unwrap();
        let mut rx = Session::new(theirs, &k, Direction::Inbound).unwrap();
        for seq in [1u16, 2, 3, 0xffff, 0, 1000] {
            // The sequence wrap moves the rollover counter on both sides.
            let (mut p, len) = rtp(seq);
            let clear = p[..len].to_vec();
            let n = tx.protect_rtp(&mut p, len).unwrap();
            assert_ne!(p[12..len], clear[12..], "{ours}: payload encrypted");
            assert_eq!(rx.unprotect_rtp(&mut p, n).unwrap(), len, "{ours}");
            assert_eq!(p[..len], clear[..], "{ours} seq {seq}");
        }
        for i in 0..3 {
            let (mut p, len) = rtcp(i);
            let clear = p[..len].to_vec();
            let n = tx.protect_rtcp(&mut p, len).unwrap();
            assert_eq!(rx.unprotect_rtcp(&mut p, n).unwrap(), len, "{ours} rtcp");
            assert_eq!(p[..len], clear[..], "{ours} rtcp {i}");
        }
    }
}

#[test]
fn libsrtp2_to_ours() {
    for (ours, theirs) in SUITES {
        let k = key(theirs, 0xa5);
        let mk = MasterKey::from_concatenated(ours, &k).unwrap();
        let mut tx = Session::new(theirs, &k, Direction::Outbound).unwrap();
        let mut rx = SrtpContext::new(&mk, &mk, 64).unwrap();
        for seq in [1u16, 2, 3, 0xffff, 0, 1000] {
            let (mut p, len) = rtp(seq);
            let clear = p[..len].to_vec();
            let n = tx.protect_rtp(&mut p, len).unwrap();
            assert_eq!(n, len + ours.rtp_overhead(), "{ours}: tag length");
            assert_eq!(
                rx.unprotect(&p[..n]).unwrap(),
                &clear[..],
                "{ours} seq {seq}"
            );
        }
        for i in 0..3 {
            let (mut p, len) = rtcp(i);
            let clear = p[..len].to_vec();
            let n = tx.protect_rtcp(&mut p, len).unwrap();
            assert_eq!(
                rx.unprotect(&p[..n]).unwrap(),
                &clear[..],
                "{ours} rtcp {i}"
            );
        }
    }
}

#[test]
fn a_flipped_bit_fails_in_both() {
    for (ours, theirs) in SUITES {
        let k = key(theirs, 0x3c);
        let mk = MasterKey::from_concatenated(ours, &k).unwrap();
        let mut our_tx = SrtpContext::new(&mk, &mk, 64).unwrap();
        let mut our_rx = SrtpContext::new(&mk, &mk, 64).unwrap();
        let mut lib_rx = Session::new(theirs, &k, Direction::Inbound).unwrap();
        // One bit in the payload, then one in the tag, of RTP and of RTCP.
        for (seq, rtcp_packet) in [(10u16, false), (11, false), (12, true), (13, true)] {
            let (mut p, len) = if rtcp_packet {
                rtcp(seq as u8)
            } else {
                rtp(seq)
            };
            let n = if rtcp_packet {
                our_tx.protect_rtcp(&mut p, len).unwrap()
            } else {
                our_tx.protect_rtp(&mut p, len).unwrap()
            };
            let at = if seq % 2 == 0 { 20 } else { n - 1 };
            p[at] ^= 0x04;
            let mut q = p.clone();
            assert_eq!(
                our_rx.unprotect(&p[..n]).unwrap_err(),
                SrtpError::AuthFailed,
                "{ours} ours, byte {at} rtcp {rtcp_packet}"
            );
            let lib = if rtcp_packet {
                lib_rx.unprotect_rtcp(&mut q, n)
            } else {
                lib_rx.unprotect_rtp(&mut q, n)
            };
            assert_eq!(
                lib.unwrap_err(),
                Error::AuthFail,
                "{ours} libsrtp2, byte {at} rtcp {rtcp_packet}"
            );
            // The same packet unharmed still passes both (the failure
            // moved no replay window).
            p[at] ^= 0x04;
            let mut q = p.clone();
            assert!(our_rx.unprotect(&p[..n]).is_ok(), "{ours} clean after flip");
            let ok = if rtcp_packet {
                lib_rx.unprotect_rtcp(&mut q, n)
            } else {
                lib_rx.unprotect_rtp(&mut q, n)
            };
            assert_eq!(ok.unwrap(), len, "{ours} libsrtp2 clean after flip");
        }
    }
}

#[test]
fn wrong_key_length_is_refused() {
    assert!(matches!(
        Session::new(Suite::AeadAes128Gcm, &[0u8; 30], Direction::Inbound),
        Err(Error::KeyLength {
            want: 28,
            got: 30,
            ..
        })
    ));
}

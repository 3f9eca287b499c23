//! Two of our ZRTP endpoints against each other in memory: every key
//! agreement in both roles and in Commit contention, the retained-secret
//! cache (match, mismatch, file-backed, verified flag), tampered packets,
//! packet loss with time-driven retransmission, and `a=zrtp-hash`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone_media::srtp::{SrtpContext, SrtpSuite};
use openphone_media::zrtp::{
    error_code, parse_packet, write_packet, AuthTag, CacheStatus, CachedSecrets, Cipher,
    FailReason, FileCache, KeyAgreement, MemoryCache, Message, Role, SasType, SecretCache,
    SecureInfo, ZrtpConfig, ZrtpEvent, ZrtpSession,
};

const ZID_A: [u8; 12] = [0xa; 12];
const ZID_B: [u8; 12] = [0xb; 12];

/// Decides what happens to a packet in flight: None drops it, Some gives
/// the octets to deliver. Arguments: direction (true = A to B), the
/// packet's message type, and the packet.
type Wire<'a> = dyn FnMut(bool, &[u8; 8], Vec<u8>) -> Option<Vec<u8>> + 'a;

struct Outcome {
    a: Vec<ZrtpEvent>,
    b: Vec<ZrtpEvent>,
    elapsed: Duration,
}

impl Outcome {
    fn secure(events: &[ZrtpEvent]) -> Option<&SecureInfo> {
        events.iter().find_map(|e| match e {
            ZrtpEvent::Secure(i) => Some(i),
            _ => None,
        })
    }

    fn failed(events: &[ZrtpEvent]) -> Option<&FailReason> {
        events.iter().find_map(|e| match e {
            ZrtpEvent::Failed { reason } => Some(reason),
            _ => None,
        })
    }
}

fn kind_of(packet: &[u8]) -> [u8; 8] {
    parse_packet(packet)
        .ok()
        .and_then(|p| Message::type_block(p.message))
        .unwrap_or(*b"????????")
}

/// Runs both endpoints until both are secure or failed (or 30 s of
/// simulated time pass), delivering packets through `wire` and driving
/// the timers with a simulated clock: time jumps to the next deadline
/// whenever no packet is in flight.
fn run(a: &mut ZrtpSession, b: &mut ZrtpSession, wire: &mut Wire) -> Outcome {
    let start = Instant::now();
    let mut now = start;
    a.start(now);
    b.start(now);
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    let done = |e: &[ZrtpEvent]| {
        e.iter()
            .any(|e| matches!(e, ZrtpEvent::Secure(_) | ZrtpEvent::Failed { .. }))
    };
    while now - start < Duration::from_secs(30) {
        let mut moved = false;
        while let Some(p) = a.poll_transmit() {
            moved = true;
            if let Some(p) = wire(true, &kind_of(&p), p) {
                b.handle_packet(&p, now);
            }
        }
        while let Some(p) = b.poll_transmit() {
            moved = true;
            if let Some(p) = wire(false, &kind_of(&p), p) {
                a.handle_packet(&p, now);
            }
        }
        ea.extend(std::iter::from_fn(|| a.poll_event()));
        eb.extend(std::iter::from_fn(|| b.poll_event()));
        if done(&ea) && done(&eb) {
            break;
        }
        if !moved {
            let next = [a.poll_timeout(), b.poll_timeout()]
                .into_iter()
                .flatten()
                .min();
            let Some(next) = next else { break };
            now = now.max(next);
            a.handle_timeout(now);
            b.handle_timeout(now);
        }
    }
    Outcome {
        a: ea,
        b: eb,
        elapsed: now - start,
    }
}

fn pass(_: bool, _: &[u8; 8], p: Vec<u8>) -> Option<Vec<u8>> {
    Some(p)
}

fn endpoint(
    zid: [u8; 12],
    commit: bool,
    ka: &[KeyAgreement],
    cache: Box<dyn SecretCache + Send>,
) -> ZrtpSession {
    let mut cfg = ZrtpConfig::new(zid, u32::from(zid[0]) * 0x0101_0101);
    cfg.send_commit = commit;
    cfg.key_agreements = ka.to_vec();
    ZrtpSession::new(cfg, cache)
}

/// Both sides secure with the same SAS and algorithms, complementary roles,
/// and each side's send key the other's receive key; SRTP keyed by them
/// carries a packet both ways.
fn assert_secure_pair(a: &ZrtpSession, b: &ZrtpSession, o: &Outcome) -> (SecureInfo, SecureInfo) {
    let ia = Outcome::secure(&o.a)
        .unwrap_or_else(|| panic!("A not secure: {:?}", o.a))
        .clone();
    let ib = Outcome::secure(&o.b)
        .unwrap_or_else(|| panic!("B not secure: {:?}", o.b))
        .clone();
    assert_eq!(ia.sas, ib.sas);
    assert_eq!(
        (ia.cipher, ia.auth_tag, ia.key_agreement, ia.sas_type),
        (ib.cipher, ib.auth_tag, ib.key_agreement, ib.sas_type)
    );
    assert_ne!(ia.role, ib.role);
    assert_eq!((ia.peer_zid, ib.peer_zid), (ZID_B, ZID_A));
    let (ka, kb) = (a.srtp_keys().unwrap(), b.srtp_keys().unwrap());
    assert_eq!(ka.send, kb.receive);
    assert_eq!(ka.receive, kb.send);
    assert_ne!(ka.send, ka.receive);
    let mut sa = SrtpContext::new(&ka.send, &ka.receive, 64).unwrap();
    let mut sb = SrtpContext::new(&kb.send, &kb.receive, 64).unwrap();
    let carry = |tx: &mut SrtpContext, rx: &mut SrtpContext| {
        let mut buf = [0u8; 12 + 160 + openphone_media::srtp::MAX_OVERHEAD];
        buf[..12].copy_from_slice(&[0x80, 0, 0, 1, 0, 0, 0, 160, 1, 2, 3, 4]);
        buf[12..172].fill(0x55);
        let n = tx.protect_rtp(&mut buf, 172).unwrap();
        assert_eq!(&rx.unprotect(&buf[..n]).unwrap()[12..], &[0x55; 160][..]);
    };
    carry(&mut sa, &mut sb);
    carry(&mut sb, &mut sa);
    (ia, ib)
}

#[test]
fn every_key_agreement_in_both_roles_and_in_contention() {
    for &ka in KeyAgreement::ALL {
        for (ca, cb) in [(true, false), (false, true), (true, true)] {
            let mut a = endpoint(ZID_A, ca, &[ka], Box::new(MemoryCache::new()));
            let mut b = endpoint(ZID_B, cb, &[ka], Box::new(MemoryCache::new()));
            let o = run(&mut a, &mut b, &mut pass);
            let (ia, _) = assert_secure_pair(&a, &b, &o);
            assert_eq!(ia.key_agreement, ka);
            assert_eq!(ia.cache, CacheStatus::NoSecret);
            assert!(!ia.sas_verified);
            if ca != cb {
                let want = if ca { Role::Initiator } else { Role::Responder };
                assert_eq!(ia.role, want, "{ka} commit={ca}/{cb}");
            }
            // Default preference: AES-128, HS80, B32.
            assert_eq!(
                (ia.cipher, ia.auth_tag, ia.sas_type),
                (Cipher::Aes1, AuthTag::Hs80, SasType::B32)
            );
            assert_eq!(ia.sas.len(), 4);
            assert_eq!(
                a.srtp_keys().unwrap().send.suite(),
                SrtpSuite::AesCm128HmacSha1_80
            );
        }
    }
}

#[test]
fn the_faster_first_choice_wins_and_other_algorithms_map_to_suites() {
    let mut ca = ZrtpConfig::new(ZID_A, 1);
    ca.key_agreements = vec![KeyAgreement::Dh3k, KeyAgreement::Ec25];
    ca.ciphers = vec![Cipher::Aes3];
    ca.auth_tags = vec![AuthTag::Hs32];
    ca.sas_types = vec![SasType::B256];
    let mut cb = ZrtpConfig::new(ZID_B, 2);
    cb.key_agreements = vec![KeyAgreement::Ec25, KeyAgreement::Dh3k];
    cb.sas_types = vec![SasType::B256, SasType::B32];
    cb.send_commit = false;
    let mut a = ZrtpSession::new(ca, Box::new(MemoryCache::new()));
    let mut b = ZrtpSession::new(cb, Box::new(MemoryCache::new()));
    let o = run(&mut a, &mut b, &mut pass);
    let (ia, _) = assert_secure_pair(&a, &b, &o);
    assert_eq!(ia.key_agreement, KeyAgreement::Ec25);
    assert_eq!(
        (ia.cipher, ia.auth_tag, ia.sas_type),
        (Cipher::Aes3, AuthTag::Hs32, SasType::B256)
    );
    assert_eq!(ia.sas.split(' ').count(), 2, "{}", ia.sas);
    assert_eq!(
        a.srtp_keys().unwrap().send.suite(),
        SrtpSuite::AesCm256HmacSha1_32
    );
}

/// A cache the test keeps a handle on while a session uses it.
type Shared = Arc<Mutex<MemoryCache>>;

#[test]
fn second_call_matches_the_cache_and_a_tampered_cache_does_not() {
    let (ca, cb): (Shared, Shared) = Default::default();
    let call = || {
        let mut a = endpoint(ZID_A, true, &[KeyAgreement::X255], Box::new(ca.clone()));
        let mut b = endpoint(ZID_B, true, &[KeyAgreement::X255], Box::new(cb.clone()));
        let o = run(&mut a, &mut b, &mut pass);
        assert_secure_pair(&a, &b, &o)
    };
    let (a1, b1) = call();
    assert_eq!(
        (a1.cache, b1.cache),
        (CacheStatus::NoSecret, CacheStatus::NoSecret)
    );
    let sa = ca.clone().load(&ZID_B).unwrap().unwrap();
    let sb = cb.clone().load(&ZID_A).unwrap().unwrap();
    assert!(
        sa.rs1.is_some() && sa.rs1 == sb.rs1,
        "both sides keep the same new rs1"
    );
    let (a2, b2) = call();
    assert_eq!(
        (a2.cache, b2.cache),
        (CacheStatus::Match, CacheStatus::Match)
    );
    assert_ne!(a2.sas, a1.sas);
    // A's secrets for B replaced: neither side can match any more.
    let forged = CachedSecrets {
        rs1: Some([0x42; 32]),
        rs2: Some([0x43; 32]),
        verified: true,
    };
    ca.clone().store(&ZID_B, &forged).unwrap();
    let (a3, b3) = call();
    assert_eq!(
        (a3.cache, b3.cache),
        (CacheStatus::Mismatch, CacheStatus::Mismatch)
    );
    assert!(!a3.sas_verified && !b3.sas_verified);
    // The mismatched call still agreed a new rs1 on both sides: the next
    // call matches again.
    let (a4, b4) = call();
    assert_eq!(
        (a4.cache, b4.cache),
        (CacheStatus::Match, CacheStatus::Match)
    );
    // A lost its newest secret but kept the one before as rs2 while B's rs1
    // is that one (§4.3.2's rs2 cases): still a match.
    let sa = ca.clone().load(&ZID_B).unwrap().unwrap();
    let shifted = CachedSecrets {
        rs1: Some([0x44; 32]),
        rs2: sa.rs1,
        verified: false,
    };
    ca.clone().store(&ZID_B, &shifted).unwrap();
    let (a5, b5) = call();
    assert_eq!(
        (a5.cache, b5.cache),
        (CacheStatus::Match, CacheStatus::Match)
    );
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("op-zrtp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn file_caches_prove_continuity_and_carry_the_verified_flag() {
    let dir = tempdir("file");
    let (pa, pb) = (dir.join("a.cache"), dir.join("b.cache"));
    let call = |verify: bool| {
        let (fa, fb) = (FileCache::open(&pa).unwrap(), FileCache::open(&pb).unwrap());
        let mut a = ZrtpSession::new(ZrtpConfig::new(fa.zid(), 1), Box::new(fa));
        let mut b = ZrtpSession::new(ZrtpConfig::new(fb.zid(), 2), Box::new(fb));
        let o = run(&mut a, &mut b, &mut pass);
        let ia = Outcome::secure(&o.a).unwrap().clone();
        let ib = Outcome::secure(&o.b).unwrap().clone();
        assert_eq!(ia.sas, ib.sas);
        if verify {
            a.set_sas_verified(true).unwrap();
            b.set_sas_verified(true).unwrap();
        }
        (ia, ib)
    };
    let (a1, b1) = call(true);
    assert_eq!(
        (a1.cache, b1.cache),
        (CacheStatus::NoSecret, CacheStatus::NoSecret)
    );
    let (a2, b2) = call(false);
    assert_eq!(
        (a2.cache, b2.cache),
        (CacheStatus::Match, CacheStatus::Match)
    );
    assert!(
        a2.sas_verified && b2.sas_verified,
        "verified on call 1, cache matched"
    );
    // Third call: rs1 rotated into rs2 and still matches.
    let (a3, b3) = call(false);
    assert_eq!(
        (a3.cache, b3.cache),
        (CacheStatus::Match, CacheStatus::Match)
    );
    // A corrupt cache file is an error at open, not a panic or an empty cache.
    std::fs::write(&pa, "zrtp-cache 1\nzid nothex\n").unwrap();
    assert!(FileCache::open(&pa).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rewrites the first packet of `kind` sent in direction `a_to_b` with
/// `edit` applied to its message, CRC recomputed so only ZRTP's own checks
/// can catch it.
fn tamper<'a>(
    a_to_b: bool,
    kind: &'a [u8; 8],
    edit: impl Fn(&mut Vec<u8>) + 'a,
) -> impl FnMut(bool, &[u8; 8], Vec<u8>) -> Option<Vec<u8>> + 'a {
    let mut done = false;
    move |dir, k, p| {
        if done || dir != a_to_b || k != kind {
            return Some(p);
        }
        done = true;
        let parsed = parse_packet(&p).unwrap();
        let mut msg = parsed.message.to_vec();
        edit(&mut msg);
        Some(write_packet(parsed.sequence, parsed.ssrc, &msg))
    }
}

fn protocol_code(r: Option<&FailReason>) -> Option<u32> {
    match r {
        Some(FailReason::Protocol { code, .. }) => Some(*code),
        _ => None,
    }
}

#[test]
fn tampered_packets_abort_cleanly() {
    // A commits, B responds. (direction, message, edit, code the detector sends)
    let flip = |at: usize| move |m: &mut Vec<u8>| m[at] ^= 0x01;
    let flip_from_end = |back: usize| {
        move |m: &mut Vec<u8>| {
            let n = m.len();
            m[n - back] ^= 0x01
        }
    };
    type Case = (bool, &'static [u8; 8], Box<dyn Fn(&mut Vec<u8>)>, bool, u32);
    let cases: Vec<Case> = vec![
        // Commit's H2 does not hash to the Hello's H3 (B detects).
        (
            true,
            b"Commit  ",
            Box::new(flip(12)),
            false,
            error_code::MALFORMED,
        ),
        // DHPart2's public value altered: hvi no longer matches (B detects).
        (
            true,
            b"DHPart2 ",
            Box::new(flip(100)),
            false,
            error_code::BAD_HVI,
        ),
        // DHPart1's H1 altered: breaks the chain to B's Hello (A detects).
        (
            false,
            b"DHPart1 ",
            Box::new(flip(12)),
            true,
            error_code::MALFORMED,
        ),
        // DHPart1's MAC altered: the altered octets enter A's total_hash,
        // so A's keys differ from B's and Confirm1's MAC fails first (A).
        (
            false,
            b"DHPart1 ",
            Box::new(flip_from_end(1)),
            true,
            error_code::BAD_CONFIRM_MAC,
        ),
        // Confirm1's encrypted part altered: confirm_mac fails (A detects).
        (
            false,
            b"Confirm1",
            Box::new(flip_from_end(4)),
            true,
            error_code::BAD_CONFIRM_MAC,
        ),
        // Confirm2's MAC altered (B detects).
        (
            true,
            b"Confirm2",
            Box::new(flip(12)),
            false,
            error_code::BAD_CONFIRM_MAC,
        ),
    ];
    for (dir, kind, edit, a_detects, code) in cases {
        let mut a = endpoint(
            ZID_A,
            true,
            &[KeyAgreement::X255],
            Box::new(MemoryCache::new()),
        );
        let mut b = endpoint(
            ZID_B,
            false,
            &[KeyAgreement::X255],
            Box::new(MemoryCache::new()),
        );
        let mut wire = tamper(dir, kind, edit);
        let o = run(&mut a, &mut b, &mut wire);
        let (det, other) = if a_detects {
            (&o.a, &o.b)
        } else {
            (&o.b, &o.a)
        };
        let what = String::from_utf8_lossy(kind);
        assert_eq!(
            protocol_code(Outcome::failed(det)),
            Some(code),
            "{what}: {det:?}"
        );
        // The other side gets the Error and fails too (B is never secure
        // before A has checked Confirm1: it waits for Confirm2).
        assert_eq!(
            Outcome::failed(other),
            Some(&FailReason::PeerError(code)),
            "{what}: {other:?}"
        );
        assert!(Outcome::secure(det).is_none(), "{what}");
        assert!(a.srtp_keys().is_none() || !a_detects, "{what}");
    }
}

#[test]
fn a_bad_crc_is_dropped_and_the_retransmission_completes() {
    let mut first = true;
    let mut wire = |dir: bool, k: &[u8; 8], mut p: Vec<u8>| {
        if dir && k == b"Commit  " && first {
            first = false;
            p[20] ^= 0x80; // CRC no longer matches
        }
        Some(p)
    };
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::Ec25],
        Box::new(MemoryCache::new()),
    );
    let mut b = endpoint(
        ZID_B,
        false,
        &[KeyAgreement::Ec25],
        Box::new(MemoryCache::new()),
    );
    let o = run(&mut a, &mut b, &mut wire);
    assert!(!first);
    assert_secure_pair(&a, &b, &o);
    // The Commit went again after T2 (150 ms).
    assert!(o.elapsed >= Duration::from_millis(150), "{:?}", o.elapsed);
}

#[test]
fn packet_loss_is_repaired_by_the_timers() {
    // Drop the first copy of every message of the exchange, both ways.
    for ka in [KeyAgreement::X255, KeyAgreement::Dh3k] {
        let mut seen = std::collections::HashSet::new();
        let mut wire = |dir: bool, k: &[u8; 8], p: Vec<u8>| {
            seen.insert((dir, *k))
                .then_some(())
                .map_or(Some(p), |_| None)
        };
        let mut a = endpoint(ZID_A, true, &[ka], Box::new(MemoryCache::new()));
        let mut b = endpoint(ZID_B, false, &[ka], Box::new(MemoryCache::new()));
        let o = run(&mut a, &mut b, &mut wire);
        assert_secure_pair(&a, &b, &o);
        // Hello (50 ms), Commit, DHPart2 (via DHPart1 lost), Confirm2 (via
        // Confirm1 lost), Conf2ACK: several T2 rounds, well under the limits.
        assert!(
            o.elapsed >= Duration::from_millis(500),
            "{ka}: {:?}",
            o.elapsed
        );
        assert!(o.elapsed < Duration::from_secs(10), "{ka}: {:?}", o.elapsed);
    }
}

#[test]
fn a_silent_peer_times_out_after_the_hello_retries() {
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let now = Instant::now();
    a.start(now);
    let mut hellos = 0;
    let mut t = now;
    loop {
        while let Some(p) = a.poll_transmit() {
            assert_eq!(&kind_of(&p), b"Hello   ");
            hellos += 1;
        }
        if let Some(ZrtpEvent::Failed { reason }) = a.poll_event() {
            assert_eq!(reason, FailReason::Timeout("Hello"));
            break;
        }
        let Some(next) = a.poll_timeout() else {
            panic!("no timer and no failure")
        };
        t = next;
        a.handle_timeout(t);
    }
    // The first Hello and 20 retransmissions at 50, 100, then 200 ms apart.
    assert_eq!(hellos, 21);
    let expected = 50 + 100 + 200 * 18 + 200;
    assert_eq!((t - now).as_millis(), expected);
}

#[test]
fn zrtp_hash_attribute_is_checked_against_the_peers_hello() {
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut b = endpoint(
        ZID_B,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let (ha, hb) = (a.hello_hash(), b.hello_hash());
    assert!(ha.starts_with("1.10 ") && ha.len() == 69, "{ha}");
    assert!(a.set_peer_hello_hash(&hb));
    assert!(b.set_peer_hello_hash(&ha));
    let o = run(&mut a, &mut b, &mut pass);
    assert_secure_pair(&a, &b, &o);

    // A value that is not B's Hello: A ignores B's Hellos and never secures.
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut b = endpoint(
        ZID_B,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    assert!(a.set_peer_hello_hash(&format!("1.10 {}", "00".repeat(32))));
    assert!(!a.set_peer_hello_hash("1.10 abc"));
    assert!(!a.set_peer_hello_hash("2.00 ".to_string().as_str()));
    let o = run(&mut a, &mut b, &mut pass);
    assert!(o.a.contains(&ZrtpEvent::HelloHashMismatch));
    assert!(Outcome::secure(&o.a).is_none());
    assert!(a.srtp_keys().is_none());
}

#[test]
fn equal_zids_are_refused() {
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut b = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let o = run(&mut a, &mut b, &mut pass);
    assert_eq!(
        protocol_code(Outcome::failed(&o.a)),
        Some(error_code::EQUAL_ZID)
    );
}

#[test]
fn hello_versions_lower_refused_higher_waited_out() {
    let set_version = |v: &'static [u8; 4]| move |m: &mut Vec<u8>| m[12..16].copy_from_slice(v);
    // A lower version: B sends Error 0x30.
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut b = endpoint(
        ZID_B,
        false,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut wire = tamper(true, b"Hello   ", set_version(b"0.85"));
    let o = run(&mut a, &mut b, &mut wire);
    assert_eq!(
        protocol_code(Outcome::failed(&o.b)),
        Some(error_code::VERSION)
    );
    assert_eq!(
        Outcome::failed(&o.a),
        Some(&FailReason::PeerError(error_code::VERSION))
    );
    // A later version: B waits; A's retransmitted 1.10 Hello goes through.
    let mut a = endpoint(
        ZID_A,
        true,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut b = endpoint(
        ZID_B,
        false,
        &[KeyAgreement::X255],
        Box::new(MemoryCache::new()),
    );
    let mut wire = tamper(true, b"Hello   ", set_version(b"2.00"));
    let o = run(&mut a, &mut b, &mut wire);
    assert_secure_pair(&a, &b, &o);
}

//! ZRTP inside two `MediaSession`s carried over a simulated wire: the
//! exchange runs on the RTP path, with encryption required no RTP leaves
//! before the keys (not even the first packet), both sides then report the
//! same SAS and the audio passes SRTP-protected; best effort sends clear
//! RTP meanwhile; a second pair of sessions on the same caches reports the
//! cache match.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone_media::codec::CodecRegistry;
use openphone_media::session::{MediaSession, MediaSessionConfig, MediaSessionEvent};
use openphone_media::zrtp::{is_zrtp, MemoryCache, ZrtpConfig, ZrtpSession};
use openphone_sal::{
    CodecDescriptor, KeyExchange, NegotiatedMedia, NegotiatedStream, RecvChannel, SecureMedia,
    SecurityState, SendChannel,
};

type Cache = Arc<Mutex<MemoryCache>>;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn leg(local: SocketAddr, remote: SocketAddr, peer_hash: Option<String>) -> NegotiatedMedia {
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    let mut s = NegotiatedStream::audio(local)
        .with_send(SendChannel::new(remote, pcmu.clone(), 0))
        .with_recv(RecvChannel::new(vec![(0, pcmu)]));
    s.zrtp_hash = peer_hash;
    NegotiatedMedia::from(s)
}

struct Pair {
    a: MediaSession,
    b: MediaSession,
    a_addr: SocketAddr,
    b_addr: SocketAddr,
    /// RTP (not ZRTP) datagrams each side sent before it was secure.
    clear_before_secure: [usize; 2],
    /// Which datagrams were RTP/SRTP and ZRTP, per side.
    rtp_sent: [usize; 2],
    zrtp_sent: [usize; 2],
    states: [Option<SecurityState>; 2],
    heard: [Vec<i16>; 2],
}

fn zrtp(zid: u8, cache: &Cache) -> Box<ZrtpSession> {
    Box::new(ZrtpSession::new(
        ZrtpConfig::new([zid; 12], 0),
        Box::new(cache.clone()),
    ))
}

fn pair(caches: &[Cache; 2], required: bool, t0: Instant) -> Pair {
    let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:5000"));
    let (za, zb) = (zrtp(0xa, &caches[0]), zrtp(0xb, &caches[1]));
    // Each side signals its Hello hash; each checks the other's.
    let (ha, hb) = (za.hello_hash(), zb.hello_hash());
    let cfg = MediaSessionConfig::new("zrtp@test", Arc::new(CodecRegistry::with_builtin()));
    let mut a = MediaSession::new(cfg.clone(), &leg(a_addr, b_addr, Some(hb)), t0, 0, 1).unwrap();
    let mut b = MediaSession::new(cfg, &leg(b_addr, a_addr, Some(ha)), t0, 0, 2).unwrap();
    a.start_zrtp(t0, za, required);
    b.start_zrtp(t0, zb, required);
    Pair {
        a,
        b,
        a_addr,
        b_addr,
        clear_before_secure: [0; 2],
        rtp_sent: [0; 2],
        zrtp_sent: [0; 2],
        states: [None, None],
        heard: [Vec::new(), Vec::new()],
    }
}

fn tone(hz: f32, n: usize, start: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            let t = (start + i) as f32 / 8000.0;
            (8000.0 * (2.0 * std::f32::consts::PI * hz * t).sin()) as i16
        })
        .collect()
}

/// Runs `ms` of simulated time in 20 ms steps: audio both ways, timers,
/// every datagram delivered.
fn run(p: &mut Pair, t0: Instant, ms: u64) {
    let mut out = vec![0i16; 160];
    for step in 0..ms / 20 {
        let now = t0 + Duration::from_millis(20 * step);
        let n = step as usize * 160;
        p.a.write_audio(now, &tone(600.0, 160, n)).unwrap();
        p.b.write_audio(now, &tone(1400.0, 160, n)).unwrap();
        for side in 0..2 {
            // Several rounds: an answer may be queued by a delivery.
            for _ in 0..4 {
                let (from, to, to_addr, from_addr) = if side == 0 {
                    (&mut p.a, &mut p.b, p.b_addr, p.a_addr)
                } else {
                    (&mut p.b, &mut p.a, p.a_addr, p.b_addr)
                };
                if from.poll_timeout().is_some_and(|t| t <= now) {
                    from.handle_timeout(now);
                }
                let mut wire = Vec::new();
                while let Some(t) = from.poll_transmit() {
                    assert_eq!(t.dst.ip(), to_addr.ip());
                    wire.push(t.bytes.to_vec());
                }
                let secure = matches!(from.security(), SecurityState::Secure(_));
                for d in wire {
                    if is_zrtp(&d) {
                        p.zrtp_sent[side] += 1;
                    } else if d.get(1).is_some_and(|&pt| pt & 0x7f < 64) {
                        p.rtp_sent[side] += 1;
                        if !secure {
                            p.clear_before_secure[side] += 1;
                        }
                    }
                    to.handle_datagram(now, from_addr, &d);
                }
            }
        }
        for (i, s) in [&mut p.a, &mut p.b].into_iter().enumerate() {
            while let Some(e) = s.poll_event() {
                if let MediaSessionEvent::Security(st) = e {
                    p.states[i] = Some(st);
                }
            }
            s.read_audio(now, &mut out);
            p.heard[i].extend_from_slice(&out);
        }
    }
}

fn secure(state: &Option<SecurityState>) -> SecureMedia {
    match state {
        Some(SecurityState::Secure(m)) => m.clone(),
        other => panic!("not secure: {other:?}"),
    }
}

/// The energy of `hz` in the last second of `pcm`, relative to its total
/// energy (Goertzel).
fn tone_share(pcm: &[i16], hz: f32) -> f32 {
    let pcm = &pcm[pcm.len().saturating_sub(8000)..];
    let k = 2.0 * (2.0 * std::f32::consts::PI * hz / 8000.0).cos();
    let (mut s1, mut s2, mut total) = (0f32, 0f32, 0f32);
    for &x in pcm {
        let x = f32::from(x);
        let s = x + k * s1 - s2;
        s2 = s1;
        s1 = s;
        total += x * x;
    }
    let power = s1 * s1 + s2 * s2 - k * s1 * s2;
    if total == 0.0 {
        return 0.0;
    }
    power / (total * pcm.len() as f32 / 2.0)
}

#[test]
fn required_zrtp_sends_no_rtp_before_keys_then_both_hear_with_the_same_sas() {
    let caches = [Cache::default(), Cache::default()];
    let t0 = Instant::now();
    let mut p = pair(&caches, true, t0);
    run(&mut p, t0, 3000);
    let (sa, sb) = (secure(&p.states[0]), secure(&p.states[1]));
    assert_eq!(sa.key_exchange, KeyExchange::Zrtp);
    assert!(sa.sas.is_some());
    assert_eq!(sa.sas, sb.sas);
    assert_eq!(sa.cipher, sb.cipher);
    assert_eq!((sa.cache_match, sb.cache_match), (None, None));
    assert_eq!(p.clear_before_secure, [0, 0], "clear RTP before the keys");
    assert!(p.zrtp_sent[0] > 0 && p.zrtp_sent[1] > 0);
    assert!(p.rtp_sent[0] > 50 && p.rtp_sent[1] > 50, "{:?}", p.rtp_sent);
    assert!(tone_share(&p.heard[1], 600.0) > 0.5, "b hears a's tone");
    assert!(tone_share(&p.heard[0], 1400.0) > 0.5, "a hears b's tone");
    assert_eq!(p.a.counters().srtp_auth_failed, 0);

    // Verified, then a second call on the same caches: continuity.
    p.a.set_sas_verified(true).unwrap();
    p.b.set_sas_verified(true).unwrap();
    let t1 = t0 + Duration::from_secs(10);
    let mut q = pair(&caches, true, t1);
    run(&mut q, t1, 2000);
    let (sa, sb) = (secure(&q.states[0]), secure(&q.states[1]));
    assert_eq!(sa.sas, sb.sas);
    assert_eq!((sa.cache_match, sb.cache_match), (Some(true), Some(true)));
    assert!(sa.verified && sb.verified);
}

#[test]
fn best_effort_zrtp_sends_clear_rtp_until_keyed() {
    let caches = [Cache::default(), Cache::default()];
    let t0 = Instant::now();
    let mut p = pair(&caches, false, t0);
    // Before any ZRTP packet is delivered, audio goes clear.
    p.a.write_audio(t0, &tone(600.0, 160, 0)).unwrap();
    let mut rtp = 0;
    while let Some(t) = p.a.poll_transmit() {
        if !is_zrtp(t.bytes) {
            rtp += 1;
        }
    }
    assert_eq!(rtp, 1, "best effort: the first packet goes clear");
    let t1 = t0 + Duration::from_millis(20);
    run(&mut p, t1, 2000);
    let (sa, sb) = (secure(&p.states[0]), secure(&p.states[1]));
    assert_eq!(sa.sas, sb.sas);
    assert!(tone_share(&p.heard[1], 600.0) > 0.5);
}

#[test]
fn required_zrtp_without_a_peer_sends_nothing_but_zrtp() {
    let cache = Cache::default();
    let t0 = Instant::now();
    let cfg = MediaSessionConfig::new("zrtp@test", Arc::new(CodecRegistry::with_builtin()));
    let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:5000"));
    let mut a = MediaSession::new(cfg, &leg(a_addr, b_addr, None), t0, 0, 1).unwrap();
    a.start_zrtp(t0, zrtp(0xa, &cache), true);
    let mut zrtp_sent = 0;
    for step in 0..100u64 {
        let now = t0 + Duration::from_millis(20 * step);
        a.write_audio(now, &tone(600.0, 160, 0)).unwrap();
        if a.poll_timeout().is_some_and(|t| t <= now) {
            a.handle_timeout(now);
        }
        while let Some(t) = a.poll_transmit() {
            assert!(is_zrtp(t.bytes), "only ZRTP may leave");
            zrtp_sent += 1;
        }
    }
    assert!(zrtp_sent > 1, "Hello retransmitted");
    assert_eq!(a.counters().packets_sent, 0);
    assert_eq!(a.security(), &SecurityState::Negotiating);
}

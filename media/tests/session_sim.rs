//! Two `MediaSession`s over a simulated network in virtual time: loss,
//! jitter that reorders, duplication, both sequence numbers wrapping, an
//! SSRC change, DTMF both ways, RTCP (RTT), an RTP injector on a third
//! address, and an RTP timeout. Deterministic by seed, bounded in steps
//! (one step per simulated millisecond), no real clock or socket.
//!
//! Audio check: each side sends a tone whose 20 ms frames carry exactly
//! ten periods, with the amplitude stepping through eight levels frame by
//! frame. Every frame decoded from a packet is therefore bit-identical to
//! one of eight reference frames, which identifies it modulo 8: the
//! receiver's recording is judged frame by frame (intact, or concealed /
//! silent) and intact frames must follow each other in order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_media::codec::{AudioDecoder, AudioEncoder, CodecRegistry, Pcmu};
use openphone_media::rtp::{write_packet, RtpHeader};
use openphone_media::session::{MediaSession, MediaSessionConfig, MediaSessionEvent};
use openphone_sal::{CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel};
use rand::{Rng, SeedableRng};

const FRAME: usize = 160;
const TICK_MS: u64 = 20;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// The agreed media of one leg: PCMU both ways, telephone-event 101,
/// optionally comfort noise on 13.
fn leg(local: SocketAddr, remote: SocketAddr, cn: bool) -> NegotiatedMedia {
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    let mut send = SendChannel::new(remote, pcmu.clone(), 0);
    send.telephone_event = Some(101);
    let mut codecs = vec![(0, pcmu)];
    if cn {
        codecs.push((13, CodecDescriptor::new(13, "CN", 8000)));
    }
    let mut recv = RecvChannel::new(codecs);
    recv.telephone_event = Some(101);
    NegotiatedMedia::from(
        NegotiatedStream::audio(local)
            .with_send(send)
            .with_recv(recv),
    )
}

fn config(initial_sequence: u16) -> MediaSessionConfig {
    let mut c = MediaSessionConfig::new("sim@example", Arc::new(CodecRegistry::with_builtin()));
    c.rtcp_interval = Duration::from_secs(1);
    c.rtp_timeout = Some(Duration::from_secs(2));
    c.initial_sequence = Some(initial_sequence);
    c
}

/// Frame `k` of a tone of `period` samples (dividing 160) at level `k % 8`.
fn tone_frame(period: usize, k: u64) -> Vec<i16> {
    let amp = 3000.0 + 2500.0 * (k % 8) as f64;
    (0..FRAME)
        .map(|i| {
            let ph = 2.0 * std::f64::consts::PI * (i % period) as f64 / period as f64;
            (amp * ph.sin()) as i16
        })
        .collect()
}

/// The eight frames a tone decodes to after PCMU.
fn references(period: usize) -> Vec<Vec<i16>> {
    (0..8)
        .map(|c| {
            let mut enc = Pcmu::encoder();
            let mut dec = Pcmu::decoder();
            let mut p = [0u8; FRAME];
            let n = enc.encode(&tone_frame(period, c), &mut p).unwrap();
            let mut out = vec![0i16; FRAME];
            dec.decode(&p[..n], &mut out).unwrap();
            out
        })
        .collect()
}

/// Network impairment of one direction.
#[derive(Clone, Copy)]
struct Link {
    loss: f64,
    base_ms: u64,
    /// Extra delay uniform in [0, 2 × jitter_ms]: packets reorder.
    jitter_ms: u64,
    dup: f64,
    up: bool,
}

type Datagram = (u64, u64, SocketAddr, SocketAddr, Vec<u8>);

/// The virtual network: datagrams in flight, ordered by delivery time.
struct Net {
    rng: rand::rngs::StdRng,
    flight: BinaryHeap<Reverse<Datagram>>,
    n: u64,
    /// Audio/event RTP packets the network lost, per destination port.
    lost_rtp: Vec<(u16, u64)>,
}

impl Net {
    fn new(seed: u64) -> Self {
        Net {
            rng: rand::rngs::StdRng::seed_from_u64(seed),
            flight: BinaryHeap::new(),
            n: 0,
            lost_rtp: Vec::new(),
        }
    }

    fn send(&mut self, now_ms: u64, link: Link, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        let is_rtp = bytes.len() > 1 && !(192..=223).contains(&bytes[1]);
        if !link.up || self.rng.gen_bool(link.loss) {
            if is_rtp && link.up {
                match self.lost_rtp.iter_mut().find(|(p, _)| *p == to.port()) {
                    Some((_, c)) => *c += 1,
                    None => self.lost_rtp.push((to.port(), 1)),
                }
            }
            return;
        }
        let copies = if self.rng.gen_bool(link.dup) { 2 } else { 1 };
        for _ in 0..copies {
            let at = now_ms + link.base_ms + self.rng.gen_range(0..=2 * link.jitter_ms);
            self.n += 1;
            self.flight
                .push(Reverse((at, self.n, to, from, bytes.to_vec())));
        }
    }

    fn lost_to(&self, port: u16) -> u64 {
        self.lost_rtp
            .iter()
            .find(|(p, _)| *p == port)
            .map_or(0, |(_, c)| *c)
    }

    fn due(&mut self, now_ms: u64) -> Option<Datagram> {
        match self.flight.peek() {
            Some(Reverse((at, ..))) if *at <= now_ms => self.flight.pop().map(|Reverse(d)| d),
            _ => None,
        }
    }
}

/// One end of the call.
struct Peer {
    addr: SocketAddr,
    session: MediaSession,
    period: usize,
    /// Frames sent so far (the tone's frame index).
    k: u64,
    /// Offset of this side's 20 ms clock, ms.
    phase_ms: u64,
    talking: bool,
    recording: Vec<i16>,
    events: Vec<(u64, MediaSessionEvent)>,
}

impl Peer {
    fn owns(&self, a: SocketAddr) -> bool {
        a.ip() == self.addr.ip()
            && (a.port() == self.addr.port() || a.port() == self.addr.port() + 1)
    }

    /// Runs this side's millisecond: ticks, timers, then sends what it has.
    fn step(&mut self, t0: Instant, now_ms: u64, link: Link, net: &mut Net) {
        let now = t0 + ms(now_ms);
        if now_ms >= self.phase_ms && (now_ms - self.phase_ms) % TICK_MS == 0 {
            let frame = tone_frame(self.period, self.k);
            if self.talking {
                self.session.write_audio(now, &frame).unwrap();
            }
            self.k += 1;
            let mut out = vec![0i16; FRAME];
            self.session.read_audio(now, &mut out);
            self.recording.extend_from_slice(&out);
        }
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
        }
        self.flush(now_ms, link, net);
    }

    fn flush(&mut self, now_ms: u64, link: Link, net: &mut Net) {
        while let Some(t) = self.session.poll_transmit() {
            // RTCP leaves from our RTCP port, RTP from the RTP port.
            let mut from = self.addr;
            if t.via == openphone_media::session::Via::Rtcp {
                from.set_port(self.addr.port() + 1);
            }
            let (dst, bytes) = (t.dst, t.bytes.to_vec());
            net.send(now_ms, link, from, dst, &bytes);
        }
        while let Some(e) = self.session.poll_event() {
            self.events.push((now_ms, e));
        }
    }

    fn digits(&self) -> String {
        self.events
            .iter()
            .filter_map(|(_, e)| match e {
                MediaSessionEvent::Dtmf { digit, .. } => Some(*digit),
                _ => None,
            })
            .collect()
    }

    fn count(&self, f: impl Fn(&MediaSessionEvent) -> bool) -> usize {
        self.events.iter().filter(|(_, e)| f(e)).count()
    }
}

/// How a recording compares with the tone it should carry.
#[derive(Debug, Default)]
struct Judgement {
    frames: usize,
    intact: usize,
    silent: usize,
    /// Consecutive intact frames whose levels do not follow the number of
    /// frames between them (a skip, a repeat or a reordering).
    out_of_order: usize,
}

fn judge(recording: &[i16], refs: &[Vec<i16>], from_frame: usize, to_frame: usize) -> Judgement {
    let mut j = Judgement::default();
    let mut last: Option<(usize, usize)> = None;
    for (i, f) in recording.chunks_exact(FRAME).enumerate() {
        if i < from_frame || i >= to_frame {
            continue;
        }
        j.frames += 1;
        if f.iter().all(|&s| s == 0) {
            j.silent += 1;
            continue;
        }
        let Some(c) = refs.iter().position(|r| r.as_slice() == f) else {
            continue;
        };
        j.intact += 1;
        if let Some((li, lc)) = last {
            if (lc + (i - li)) % 8 != c {
                j.out_of_order += 1;
            }
        }
        last = Some((i, c));
    }
    j
}

/// Goertzel power of `freq` over `x` at 8 kHz, normalised by the energy.
fn tone_share(x: &[i16], freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / 8000.0;
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = v as f64 + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    let p = s1 * s1 + s2 * s2 - c * s1 * s2;
    let e: f64 = x.iter().map(|&v| (v as f64).powi(2)).sum();
    if e == 0.0 {
        0.0
    } else {
        2.0 * p / (x.len() as f64 * e)
    }
}

/// What one run of the impaired-call scenario produced.
struct Run {
    a: Peer,
    b: Peer,
    net: Net,
    injected: u64,
}

/// 40 s: A → B and B → A over a lossy, jittery, duplicating network; A's
/// sequence wraps at ~10.7 s, B's at ~4.7 s; an injector sends a 3 kHz
/// tone to B from 10 s to 13 s; A restarts with a new SSRC at 20 s; the
/// A → B direction goes dead at 36 s.
fn impaired_call(seed: u64) -> Run {
    let t0 = Instant::now();
    let (a_addr, b_addr, x_addr) = (
        addr("10.0.0.1:4000"),
        addr("10.0.0.2:6000"),
        addr("10.0.0.3:7000"),
    );
    let impaired = Link {
        loss: 0.03,
        base_ms: 20,
        jitter_ms: 30,
        dup: 0.02,
        up: true,
    };
    let (mut ab, ba) = (impaired, impaired);
    let mut a = Peer {
        addr: a_addr,
        session: MediaSession::new(
            config(65_000),
            &leg(a_addr, b_addr, false),
            t0,
            1 << 40,
            seed,
        )
        .unwrap(),
        period: 16,
        k: 0,
        phase_ms: 0,
        talking: true,
        recording: Vec::new(),
        events: Vec::new(),
    };
    let mut b = Peer {
        addr: b_addr,
        session: MediaSession::new(
            config(65_300),
            &leg(b_addr, a_addr, false),
            t0,
            7 << 40,
            seed.wrapping_add(1),
        )
        .unwrap(),
        period: 8,
        k: 0,
        phase_ms: 7,
        talking: true,
        recording: Vec::new(),
        events: Vec::new(),
    };
    let mut net = Net::new(seed);
    let mut injector_seq = 100u16;
    let mut injected = 0u64;
    let mut inj_enc = Pcmu::encoder();
    const END_MS: u64 = 40_000;
    let mut steps = 0u64;
    for now_ms in 0..=END_MS {
        steps += 1;
        let now = t0 + ms(now_ms);
        // Deliveries first: what arrived by now is there for the ticks.
        while let Some((_, _, to, from, bytes)) = net.due(now_ms) {
            if a.owns(to) {
                a.session.handle_datagram(now, from, &bytes);
            } else if b.owns(to) {
                b.session.handle_datagram(now, from, &bytes);
            }
        }
        match now_ms {
            2_000 => {
                for d in ['1', '2', '3'] {
                    a.session.send_dtmf(d, ms(100)).unwrap();
                }
            }
            3_000 => {
                for d in ['#', '9'] {
                    b.session.send_dtmf(d, ms(100)).unwrap();
                }
            }
            20_000 => {
                // A restarts (a new SSRC and sequence from the same address),
                // carrying on with its tone.
                let fresh = MediaSession::new(
                    config(30_000),
                    &leg(a_addr, b_addr, false),
                    now,
                    3 << 40,
                    seed ^ 0xDEAD_BEEF,
                )
                .unwrap();
                a.session = fresh;
            }
            36_000 => ab.up = false,
            _ => {}
        }
        // The injector: 150 packets of a 3 kHz tone (new SSRC, coherent
        // sequence) aimed at B's RTP port, from another address, plus a
        // forged RTCP BYE.
        if (10_000..13_000).contains(&now_ms) && now_ms % TICK_MS == 3 {
            let pcm: Vec<i16> = (0..FRAME)
                .map(|i| {
                    (12_000.0 * (2.0 * std::f64::consts::PI * 2750.0 * i as f64 / 8000.0).sin())
                        as i16
                })
                .collect();
            let mut payload = [0u8; FRAME];
            inj_enc.encode(&pcm, &mut payload).unwrap();
            let h = RtpHeader {
                payload_type: 0,
                marker: false,
                sequence: injector_seq,
                timestamp: injector_seq as u32 * 160,
                ssrc: 0x0BAD_CAFE,
            };
            injector_seq = injector_seq.wrapping_add(1);
            let mut buf = [0u8; 200];
            let n = write_packet(&mut buf, &h, &payload).unwrap();
            b.session.handle_datagram(now, x_addr, &buf[..n]);
            injected += 1;
            if now_ms == 10_003 {
                // RTCP BYE for B's current remote SSRC would end nothing
                // anyway; a forged RR is what could skew its RTT.
                let bye = [0x81u8, 203, 0, 1, 0, 0, 0, 0];
                b.session.handle_datagram(now, x_addr, &bye);
            }
        }
        a.step(t0, now_ms, ab, &mut net);
        b.step(t0, now_ms, ba, &mut net);
    }
    assert_eq!(steps, END_MS + 1, "bounded: one step per simulated ms");
    Run {
        a,
        b,
        net,
        injected,
    }
}

#[test]
fn impaired_call_keeps_audio_dtmf_rtcp_and_refuses_injection() {
    let run = impaired_call(42);
    let (a, b) = (&run.a, &run.b);
    let (sa, sb) = (a.session.counters(), b.session.counters());
    eprintln!("A {sa:?}\nB {sb:?}");
    eprintln!("B jitter {:?}", b.session.jitter_stats());

    // --- audio A → B, judged before the link goes down at 36 s ---
    let refs_a = references(16);
    let jb = judge(&b.recording, &refs_a, 50, 1800);
    let jst = b.session.jitter_stats();
    eprintln!("A->B {jb:?}");
    let lost_ab = run.net.lost_to(6000);
    // Nearly every frame is the tone itself: losses (3 %) are concealed,
    // the rest decoded bit-exactly.
    assert!(
        jb.intact as f64 >= jb.frames as f64 * 0.88,
        "intact {} of {}",
        jb.intact,
        jb.frames
    );
    // Silence only while (re)buffering: at the SSRC change, after the
    // digits, and when the jitter rises.
    assert!(jb.silent <= 60, "{jb:?}");
    // Order: intact frames follow each other, except where frames were
    // knowingly skipped (delay shrinking, rebuffering, the restart, the
    // digits).
    let allowance = jst.shrink_drops + jst.underflows + 3 /* digits */ + 4 /* SSRC change */;
    assert!(
        jb.out_of_order as u64 <= allowance,
        "{jb:?} allowance {allowance} ({jst:?})"
    );
    // Concealment covers the network's losses, the late packets and up to
    // three frames at each underflow (the audio is extended, not cut), no more.
    assert!(sb.concealed_frames > 0);
    assert!(
        sb.concealed_frames <= lost_ab + sb.late_frames + 3 * jst.underflows + 5,
        "concealed {} lost {} late {} underflows {}",
        sb.concealed_frames,
        lost_ab,
        sb.late_frames,
        jst.underflows
    );
    // Duplicates were recognised, not played twice.
    assert!(sb.duplicates > 10, "{sb:?}");
    // Reordering happened and was absorbed.
    assert!(jst.reordered > 100, "{jst:?}");

    // --- audio B → A over the whole run (A restarted at 20 s: judge its first part) ---
    let refs_b = references(8);
    let ja = judge(&a.recording, &refs_b, 50, 990);
    assert!(
        ja.intact as f64 >= ja.frames as f64 * 0.88,
        "B->A intact {} of {}",
        ja.intact,
        ja.frames
    );

    // --- the injector was shut out ---
    assert_eq!(run.injected, 150);
    assert_eq!(sb.foreign_dropped, 150, "{sb:?}");
    assert_eq!(sb.rtcp_foreign_dropped, 1);
    let window = &b.recording[(10_000 / 20) * FRAME..(13_500 / 20) * FRAME];
    let share_inj = tone_share(window, 2750.0);
    let share_500 = tone_share(window, 500.0);
    assert!(
        share_inj < 0.001 && share_500 > 0.5,
        "2.75 kHz share {share_inj:.5}, 500 Hz share {share_500:.3}"
    );
    assert_eq!(b.session.learned_source(), Some(a.addr));

    // --- DTMF both ways, each digit once, in order ---
    assert_eq!(b.digits(), "123");
    assert_eq!(a.digits(), "#9");

    // --- RTCP both ways, RTT from LSR/DLSR: 2 × (20..80 ms) ---
    for (name, s) in [("A", sa), ("B", sb)] {
        assert!(s.rtcp_received >= 10, "{name} {s:?}");
        let rtt = s.rtt_ms.unwrap_or_else(|| panic!("{name}: no RTT"));
        assert!((35.0..=175.0).contains(&rtt), "{name} rtt {rtt}");
    }

    // --- SSRC change seen by B; A (restarted) saw no change of B ---
    let changes = b.count(|e| matches!(e, MediaSessionEvent::RemoteSsrcChanged { .. }));
    assert!(changes >= 2, "first source and the restart: {changes}");

    // --- RTP timeout: B after A → B died at 36 s (+2 s), once; A never ---
    let timeouts: Vec<u64> = b
        .events
        .iter()
        .filter(|(_, e)| *e == MediaSessionEvent::RtpTimeout)
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(timeouts.len(), 1, "{timeouts:?}");
    assert!((37_900..=38_200).contains(&timeouts[0]), "{timeouts:?}");
    assert_eq!(a.count(|e| *e == MediaSessionEvent::RtpTimeout), 0);
}

#[test]
fn deterministic_by_seed() {
    let digest = |r: &Run| {
        (
            r.a.recording.clone(),
            r.b.recording.clone(),
            format!("{:?} {:?}", r.a.session.counters(), r.b.session.counters()),
            r.b.events.clone(),
        )
    };
    let (x, y) = (impaired_call(7), impaired_call(7));
    assert!(digest(&x) == digest(&y), "same seed, same call");
    let z = impaired_call(8);
    assert!(digest(&x) != digest(&z), "another seed, another network");
}

/// A's address changes after a silence (a NAT rebinding): B re-learns it
/// after 1 s of silence and three packets, and sends there (symmetric RTP);
/// while A still talks from its old address, the new one is refused.
#[test]
fn source_relearned_only_after_silence() {
    let t0 = Instant::now();
    let (a_addr, a_new, b_addr) = (
        addr("10.0.0.1:4000"),
        addr("10.0.0.1:4444"),
        addr("10.0.0.2:6000"),
    );
    let mut bcfg = config(1000);
    bcfg.symmetric_rtp = true;
    let mut b = MediaSession::new(bcfg, &leg(b_addr, a_addr, false), t0, 0, 5).unwrap();
    let mut a = MediaSession::new(config(500), &leg(a_addr, b_addr, false), t0, 0, 6).unwrap();
    let frame = tone_frame(16, 0);
    let mut out = vec![0i16; FRAME];
    let mut pump = |a: &mut MediaSession, b: &mut MediaSession, from: SocketAddr, i: u64| {
        let now = t0 + ms(20 * i);
        a.write_audio(now, &frame).unwrap();
        while let Some(t) = a.poll_transmit() {
            let bytes = t.bytes.to_vec();
            b.handle_datagram(now, from, &bytes);
        }
        b.read_audio(now, &mut out);
        b.write_audio(now, &frame).unwrap();
        let mut dsts = Vec::new();
        while let Some(t) = b.poll_transmit() {
            dsts.push(t.dst);
        }
        dsts
    };
    for i in 0..50 {
        pump(&mut a, &mut b, a_addr, i);
    }
    assert_eq!(b.learned_source(), Some(a_addr));
    // The new address while the old one still talks: refused.
    for i in 50..100 {
        pump(&mut a, &mut b, if i % 2 == 0 { a_new } else { a_addr }, i);
    }
    assert_eq!(b.learned_source(), Some(a_addr));
    assert_eq!(b.counters().foreign_dropped, 25);
    // 1.2 s of silence, then A from the new address.
    for i in 160..162 {
        let dsts = pump(&mut a, &mut b, a_new, i);
        assert_eq!(dsts, vec![a_addr]);
        assert_eq!(b.learned_source(), Some(a_addr));
    }
    // The third consecutive packet completes the rule.
    let dsts = pump(&mut a, &mut b, a_new, 162);
    assert_eq!(b.learned_source(), Some(a_new));
    assert_eq!(dsts, vec![a_new], "symmetric RTP follows the new source");
    assert_eq!(b.counters().relearned, 1);
    let mut relearned = false;
    while let Some(e) = b.poll_event() {
        relearned |= e
            == MediaSessionEvent::SourceRelearned {
                from: a_addr,
                to: a_new,
            };
    }
    assert!(relearned);
}

/// RFC 3389: speech, one CN packet, a second of nothing, speech again.
/// The receiver plays noise at the CN level through the silence and
/// conceals nothing.
#[test]
fn comfort_noise_is_played_not_concealed() {
    let t0 = Instant::now();
    let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:6000"));
    let mut b = MediaSession::new(config(1), &leg(b_addr, a_addr, true), t0, 0, 9).unwrap();
    let mut enc = Pcmu::encoder();
    let mut payload = [0u8; FRAME];
    enc.encode(&tone_frame(16, 3), &mut payload).unwrap();
    let send = |b: &mut MediaSession, at: u64, seq: u16, ts: u32, pt: u8, body: &[u8]| {
        let h = RtpHeader {
            payload_type: pt,
            marker: false,
            sequence: seq,
            timestamp: ts,
            ssrc: 77,
        };
        let mut buf = [0u8; 200];
        let n = write_packet(&mut buf, &h, body).unwrap();
        b.handle_datagram(t0 + ms(at), a_addr, &buf[..n]);
    };
    let mut rec = Vec::new();
    let mut out = vec![0i16; FRAME];
    for i in 0..100u64 {
        let t = i * 20;
        match i {
            0..=24 => send(&mut b, t, i as u16, i as u32 * 160, 0, &payload),
            // CN at -40 dBov, then nothing for a second.
            25 => send(&mut b, t, 25, 25 * 160, 13, &[40]),
            75..=99 => send(&mut b, t, i as u16 - 49, i as u32 * 160, 0, &payload),
            _ => {}
        }
        b.read_audio(t0 + ms(t + 5), &mut out);
        rec.extend_from_slice(&out);
    }
    let c = b.counters();
    assert_eq!(c.concealed_frames, 0, "{c:?}");
    assert_eq!(c.comfort_noise_frames, 1, "{c:?}");
    assert_eq!(b.jitter_stats().lost, 0);
    // The silence carries noise near -40 dBov (RMS ≈ 328), not zeros.
    let silence = &rec[35 * FRAME..70 * FRAME];
    let rms =
        (silence.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / silence.len() as f64).sqrt();
    let dbov = 20.0 * (rms / 32_767.0).log10();
    assert!((dbov + 40.0).abs() < 1.5, "noise at {dbov:.1} dBov");
    // Speech before and after is intact.
    let refs = references(16);
    let intact = rec
        .chunks_exact(FRAME)
        .filter(|f| refs.iter().any(|r| r.as_slice() == *f))
        .count();
    assert!(intact >= 45, "intact {intact}");
}

/// The default buffer keeps one packet of cushion: packets arriving up to
/// 12 ms late, every other one, never run it dry, so nothing is concealed.
/// With a 20 ms floor playout started on the first packet and the first
/// late one underflowed; the concealment filling that gap desynchronised
/// Speex's decoder for the rest of a call (a steady tone decoded to noise).
#[test]
fn default_buffer_rides_out_half_a_frame_of_jitter() {
    let t0 = Instant::now();
    let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:6000"));
    let cfg = MediaSessionConfig::new("sim@example", Arc::new(CodecRegistry::with_builtin()));
    let mut b = MediaSession::new(cfg, &leg(b_addr, a_addr, false), t0, 0, 9).unwrap();
    let mut enc = Pcmu::encoder();
    let mut payload = [0u8; FRAME];
    enc.encode(&tone_frame(16, 3), &mut payload).unwrap();
    let mut out = vec![0i16; FRAME];
    let mut buf = [0u8; 200];
    // (time ms, Some(packet) = arrival | None = a 20 ms read), in time order.
    let mut timeline: Vec<(u64, Option<u64>)> = Vec::new();
    for i in 0..100u64 {
        let late = if i % 2 == 1 { 12 } else { 0 };
        timeline.push((i * 20 + late, Some(i)));
        timeline.push((i * 20 + 5, None));
    }
    timeline.sort();
    for (at, arrival) in timeline {
        match arrival {
            Some(i) => {
                let h = RtpHeader {
                    payload_type: 0,
                    marker: false,
                    sequence: i as u16,
                    timestamp: i as u32 * 160,
                    ssrc: 77,
                };
                let n = write_packet(&mut buf, &h, &payload).unwrap();
                b.handle_datagram(t0 + ms(at), a_addr, &buf[..n]);
            }
            None => b.read_audio(t0 + ms(at), &mut out),
        }
    }
    let c = b.counters();
    assert_eq!(c.concealed_frames, 0, "{c:?}");
    assert_eq!(b.jitter_stats().underflows, 0, "{:?}", b.jitter_stats());
}

/// Opus with in-band FEC (RFC 7587 `useinbandfec=1`) over 10 % loss, with
/// a 40 ms buffer floor so the packet after a loss is usually there when
/// the lost one is due: lost frames are rebuilt from the next packet's FEC
/// instead of concealed, and the tone never drops out.
#[cfg(feature = "opus")]
#[test]
fn opus_fec_rebuilds_lost_frames() {
    let t0 = Instant::now();
    let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:6000"));
    let opus = CodecDescriptor::new(111, "opus", 48000)
        .with_channels(2)
        .with_fmtp("useinbandfec=1");
    let leg = |local, remote| {
        NegotiatedMedia::from(
            NegotiatedStream::audio(local)
                .with_send(SendChannel::new(remote, opus.clone(), 111))
                .with_recv(RecvChannel::new(vec![(111, opus.clone())])),
        )
    };
    let mut cfg = config(1);
    cfg.jitter_min = ms(40);
    let mut a = MediaSession::new(cfg.clone(), &leg(a_addr, b_addr), t0, 0, 3).unwrap();
    let mut b = MediaSession::new(cfg, &leg(b_addr, a_addr), t0, 0, 4).unwrap();
    assert_eq!(a.audio_format().samples_per_packet, 960);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut out = vec![0i16; 960];
    let mut quiet_frames = 0;
    let mut lost = 0;
    for i in 0..500u64 {
        let now = t0 + ms(20 * i);
        let pcm: Vec<i16> = (0..960)
            .map(|n| {
                let t = (i * 960 + n as u64) as f64 / 48_000.0;
                (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
            })
            .collect();
        a.write_audio(now, &pcm).unwrap();
        while let Some(t) = a.poll_transmit() {
            let bytes = t.bytes.to_vec();
            // Never two losses in a row: FEC covers one packet.
            if i > 20 && i % 10 == 3 && rng.gen_bool(0.9) {
                lost += 1;
                continue;
            }
            b.handle_datagram(now, a_addr, &bytes);
        }
        b.read_audio(now, &mut out);
        if i > 30 {
            let rms =
                (out.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / out.len() as f64).sqrt();
            if rms < 2000.0 {
                quiet_frames += 1;
            }
        }
    }
    let c = b.counters();
    eprintln!("lost {lost} {c:?}");
    assert!(lost > 30);
    assert!(c.fec_recovered as f64 >= lost as f64 * 0.9, "{c:?}");
    assert!(c.concealed_frames <= 3, "{c:?}");
    assert_eq!(quiet_frames, 0, "the tone never drops out");
}

/// Buffers follow the codec: a PCMU call's session holds about 11 KiB
/// (send rings, a jitter ring of 32 × 192 bytes, one frame plus the
/// longest packet of playout), far below the old engine's ~81 KiB.
#[test]
fn pcmu_session_buffers_are_small() {
    let t0 = Instant::now();
    let (a_addr, b_addr) = (addr("10.0.0.1:4000"), addr("10.0.0.2:6000"));
    let mut a = MediaSession::new(config(1), &leg(a_addr, b_addr, false), t0, 0, 1).unwrap();
    let mut b = MediaSession::new(config(2), &leg(b_addr, a_addr, false), t0, 0, 2).unwrap();
    let frame = tone_frame(16, 0);
    let mut out = vec![0i16; FRAME];
    for i in 0..100 {
        let now = t0 + ms(20 * i);
        a.write_audio(now, &frame).unwrap();
        while let Some(t) = a.poll_transmit() {
            let bytes = t.bytes.to_vec();
            b.handle_datagram(now, a_addr, &bytes);
        }
        b.read_audio(now, &mut out);
    }
    let m = b.buffer_memory();
    eprintln!("PCMU session buffers: {m} bytes");
    assert!(m <= 12 * 1024, "{m} bytes");
}

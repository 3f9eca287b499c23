//! Two `MediaSession`s with SDES-keyed SRTP in virtual time: protected
//! audio both ways judged by `openphone_hal::judge`, the wire checked for
//! clear audio, tampering, replays, the rollover counter across the
//! sequence wrap, re-keying, wrong keys, and a renegotiation without keys
//! (which must not turn the call clear).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_hal::judge::{judge_tone, Criteria, SentTone, Verdict};
use openphone_hal::{AudioSource, ToneSource};
use openphone_media::codec::{AudioDecoder, CodecRegistry, Pcmu};
use openphone_media::rtp::rtcp::is_rtcp;
use openphone_media::session::{MediaSession, MediaSessionConfig, MediaSessionEvent};
use openphone_media::srtp::{new_crypto, SrtpSuite};
use openphone_sal::{
    CodecDescriptor, NegotiatedMedia, NegotiatedStream, RecvChannel, SdesCrypto, SdesKeys,
    SecurityState, SendChannel,
};

const FRAME: usize = 160;
const A_TONE: f64 = 1000.0;
const B_TONE: f64 = 600.0;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn a_addr() -> SocketAddr {
    addr("10.0.0.1:4000")
}

fn b_addr() -> SocketAddr {
    addr("10.0.0.2:5000")
}

/// PCMU both ways, keyed with `ours` (we protect) and `theirs` (we unprotect).
fn leg(
    local: SocketAddr,
    remote: SocketAddr,
    keys: Option<(&SdesCrypto, &SdesCrypto)>,
) -> NegotiatedMedia {
    let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
    let mut s = NegotiatedStream::audio(local)
        .with_send(SendChannel::new(remote, pcmu.clone(), 0))
        .with_recv(RecvChannel::new(vec![(0, pcmu)]));
    s.sdes = keys.map(|(ours, theirs)| SdesKeys::new(ours.clone(), theirs.clone()));
    NegotiatedMedia::from(s)
}

fn config(initial_sequence: Option<u16>) -> MediaSessionConfig {
    let mut c = MediaSessionConfig::new("srtp@example", Arc::new(CodecRegistry::with_builtin()));
    c.rtcp_interval = Duration::from_millis(500);
    c.initial_sequence = initial_sequence;
    c
}

/// One datagram on the wire.
#[derive(Clone)]
struct Wire {
    from: SocketAddr,
    to: SocketAddr,
    bytes: Vec<u8>,
}

/// The two sessions, their tone sources and recordings, in virtual time.
struct Call {
    a: MediaSession,
    b: MediaSession,
    tone_a: ToneSource,
    tone_b: ToneSource,
    heard_a: Vec<i16>,
    heard_b: Vec<i16>,
    wire: Vec<Wire>,
    t0: Instant,
    tick: u64,
}

impl Call {
    fn new(a: MediaSession, b: MediaSession, t0: Instant) -> Self {
        Call {
            a,
            b,
            tone_a: ToneSource::new(8000, A_TONE as f32, 0.5),
            tone_b: ToneSource::new(8000, B_TONE as f32, 0.5),
            heard_a: Vec::new(),
            heard_b: Vec::new(),
            wire: Vec::new(),
            t0,
            tick: 0,
        }
    }

    fn keyed(suite: SrtpSuite, seq_a: Option<u16>) -> (Self, SdesCrypto, SdesCrypto) {
        let ka = new_crypto(1, suite).unwrap();
        let kb = new_crypto(1, suite).unwrap();
        let t0 = Instant::now();
        let a = MediaSession::new(
            config(seq_a),
            &leg(a_addr(), b_addr(), Some((&ka, &kb))),
            t0,
            0,
            1,
        )
        .unwrap();
        let b = MediaSession::new(
            config(None),
            &leg(b_addr(), a_addr(), Some((&kb, &ka))),
            t0,
            0,
            2,
        )
        .unwrap();
        (Call::new(a, b, t0), ka, kb)
    }

    fn now(&self) -> Instant {
        self.t0 + Duration::from_millis(20 * self.tick)
    }

    /// Runs `ticks` packet times; `tamper` sees (and may change or drop)
    /// every datagram before delivery.
    fn run(&mut self, ticks: u64, mut tamper: impl FnMut(&mut Wire) -> bool) {
        let mut frame = vec![0i16; FRAME];
        for _ in 0..ticks {
            let now = self.now();
            self.tone_a.read(&mut frame).unwrap();
            self.a.write_audio(now, &frame).unwrap();
            self.tone_b.read(&mut frame).unwrap();
            self.b.write_audio(now, &frame).unwrap();
            for s in [&mut self.a, &mut self.b] {
                if s.poll_timeout().is_some_and(|t| t <= now) {
                    s.handle_timeout(now);
                }
            }
            let mut out = Vec::new();
            for (s, from) in [(&mut self.a, a_addr()), (&mut self.b, b_addr())] {
                while let Some(t) = s.poll_transmit() {
                    out.push(Wire {
                        from,
                        to: t.dst,
                        bytes: t.bytes.to_vec(),
                    });
                }
            }
            for mut w in out {
                self.wire.push(w.clone());
                if !tamper(&mut w) {
                    continue;
                }
                let to = if w.to.ip() == a_addr().ip() {
                    &mut self.a
                } else {
                    &mut self.b
                };
                to.handle_datagram(now, w.from, &w.bytes);
            }
            self.a.read_audio(now, &mut frame);
            self.heard_a.extend_from_slice(&frame);
            self.b.read_audio(now, &mut frame);
            self.heard_b.extend_from_slice(&frame);
            self.tick += 1;
        }
    }
}

fn judged(rec: &[i16], freq: f64) -> Verdict {
    let sent = SentTone {
        freq_hz: freq,
        level_dbfs: -6.02,
    };
    judge_tone(rec, 8000, &sent, &Criteria::default())
}

fn security_events(s: &mut MediaSession) -> Vec<SecurityState> {
    let mut v = Vec::new();
    while let Some(e) = s.poll_event() {
        if let MediaSessionEvent::Security(st) = e {
            v.push(st);
        }
    }
    v
}

fn secure_suite(st: &SecurityState) -> Option<String> {
    match st {
        SecurityState::Secure(m) => Some(m.cipher.clone()),
        _ => None,
    }
}

/// The RTP payloads `from` put on the wire, read as if they were clear
/// PCMU: what an eavesdropper would hear.
fn eavesdrop(wire: &[Wire], from: SocketAddr, tag: usize) -> Vec<i16> {
    let mut dec = Pcmu::decoder();
    let mut heard = Vec::new();
    for w in wire.iter().filter(|w| w.from == from && !is_rtcp(&w.bytes)) {
        let payload = &w.bytes[12..w.bytes.len() - tag];
        let mut pcm = vec![0i16; payload.len()];
        dec.decode(payload, &mut pcm).unwrap();
        heard.extend_from_slice(&pcm);
    }
    heard
}

fn check_wire_is_protected(call: &Call, suite: SrtpSuite) {
    let tag = suite.rtp_overhead();
    let rtp: Vec<&Wire> = call.wire.iter().filter(|w| !is_rtcp(&w.bytes)).collect();
    let rtcp: Vec<&Wire> = call.wire.iter().filter(|w| is_rtcp(&w.bytes)).collect();
    assert!(rtp.len() > 100 && !rtcp.is_empty());
    for w in &rtp {
        assert_eq!(w.bytes.len(), 12 + FRAME + tag, "RTP with the {suite} tag");
    }
    for w in &rtcp {
        // SRTCP: the E flag (encrypted) on the index after the compound.
        // The tag after the index: none with GCM (it precedes the index),
        // the suite's own length with AES-CM (32 bits for the _32 suites).
        let t = match suite {
            SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm => 0,
            s => s.rtp_overhead(),
        };
        let e = w.bytes[w.bytes.len() - t - 4];
        assert!(e & 0x80 != 0, "SRTCP E flag set");
    }
    for (from, freq) in [(a_addr(), A_TONE), (b_addr(), B_TONE)] {
        let v = judged(&eavesdrop(&call.wire, from, tag), freq);
        assert!(!v.passed(), "the wire carries the clear tone: {v}");
        assert!(v.measured.tnr_db < 0.0, "{v}");
    }
}

fn exchange(suite: SrtpSuite) {
    let (mut call, _, _) = Call::keyed(suite, None);
    for s in [&mut call.a, &mut call.b] {
        let ev = security_events(s);
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(secure_suite(&ev[0]).as_deref(), Some(suite.name()));
        assert_eq!(secure_suite(s.security()).as_deref(), Some(suite.name()));
    }
    call.run(150, |_| true);
    let va = judged(&call.heard_b, A_TONE);
    let vb = judged(&call.heard_a, B_TONE);
    assert!(va.passed(), "A -> B over {suite}: {va}");
    assert!(vb.passed(), "B -> A over {suite}: {vb}");
    for s in [&call.a, &call.b] {
        let c = s.counters();
        assert_eq!(c.packets_received, 150);
        assert!(c.rtcp_received >= 2, "SRTCP reports unprotected: {c:?}");
        assert_eq!((c.srtp_auth_failed, c.srtp_replayed), (0, 0));
        assert_eq!((c.malformed, c.srtp_protect_failed), (0, 0));
    }
    check_wire_is_protected(&call, suite);
}

#[test]
fn aes_cm_80_audio_both_ways() {
    exchange(SrtpSuite::AesCm128HmacSha1_80);
}

#[test]
fn aes_cm_32_audio_both_ways() {
    exchange(SrtpSuite::AesCm128HmacSha1_32);
}

#[test]
fn aead_gcm_audio_both_ways() {
    exchange(SrtpSuite::AeadAes128Gcm);
}

#[test]
fn tampered_packets_are_rejected_and_counted() {
    let (mut call, _, _) = Call::keyed(SrtpSuite::AesCm128HmacSha1_80, None);
    call.run(10, |_| true);
    let before = call.b.counters();
    // Flip one bit in a payload, a header (the SSRC: a sequence number
    // changed backwards would be caught as a replay first), a tag, and in
    // every SRTCP report.
    let (mut rtp_flipped, mut rtcp_flipped) = (0u64, 0u64);
    call.run(40, |w| {
        if w.from != a_addr() {
            return true;
        }
        let len = w.bytes.len();
        let at = if is_rtcp(&w.bytes) {
            rtcp_flipped += 1;
            len - 3
        } else {
            rtp_flipped += 1;
            match rtp_flipped {
                1 => 40,
                2 => 9,
                3 => len - 1,
                _ => return true,
            }
        };
        w.bytes[at] ^= 0x04;
        true
    });
    assert!(rtcp_flipped >= 1);
    let c = call.b.counters();
    assert_eq!(c.srtp_auth_failed, 3 + rtcp_flipped, "{c:?}");
    assert_eq!(c.packets_received - before.packets_received, 37);
    assert_eq!(c.rtcp_received, before.rtcp_received);
    assert_eq!(c.malformed, 0);
    // The tone still passes (three packets concealed).
    let v = judged(&call.heard_b, A_TONE);
    assert!(v.measured.tnr_db > 20.0, "{v}");
}

#[test]
fn replayed_packets_are_rejected() {
    let (mut call, _, _) = Call::keyed(SrtpSuite::AesCm128HmacSha1_80, None);
    let mut kept: Vec<Wire> = Vec::new();
    call.run(100, |w| {
        if w.from == a_addr() && !is_rtcp(&w.bytes) {
            kept.push(w.clone());
        }
        true
    });
    let before = call.b.counters();
    let now = call.now();
    // The newest packet again, one inside the window, one far behind it,
    // and an SRTCP report again.
    for w in [&kept[99], &kept[80], &kept[5]] {
        call.b.handle_datagram(now, w.from, &w.bytes);
    }
    let report = call
        .wire
        .iter()
        .find(|w| w.from == a_addr() && is_rtcp(&w.bytes))
        .unwrap()
        .clone();
    call.b.handle_datagram(now, report.from, &report.bytes);
    let c = call.b.counters();
    assert_eq!(c.srtp_replayed - before.srtp_replayed, 4, "{c:?}");
    assert_eq!(c.packets_received, before.packets_received);
    assert_eq!(c.rtcp_received, before.rtcp_received);
    assert_eq!(
        c.duplicates, before.duplicates,
        "stopped before the jitter buffer"
    );
}

#[test]
fn rollover_counter_runs_across_the_sequence_wrap_and_survives_a_reinvite() {
    let (mut call, ka, kb) = Call::keyed(SrtpSuite::AesCm128HmacSha1_80, Some(65_400));
    // 200 packets: the sequence wraps after 136 of them.
    call.run(200, |_| true);
    let seqs: Vec<u16> = call
        .wire
        .iter()
        .filter(|w| w.from == a_addr() && !is_rtcp(&w.bytes))
        .map(|w| u16::from_be_bytes([w.bytes[2], w.bytes[3]]))
        .collect();
    assert!(seqs.contains(&65_535) && seqs.contains(&0) && seqs.contains(&60));
    // A re-INVITE with the same keys (hold/resume, codec unchanged) must
    // keep the contexts: rebuilt ones would restart the rollover counter
    // at 0 and fail every packet from here on.
    let now = call.now();
    call.b
        .apply(now, &leg(b_addr(), a_addr(), Some((&kb, &ka))))
        .unwrap();
    call.a
        .apply(now, &leg(a_addr(), b_addr(), Some((&ka, &kb))))
        .unwrap();
    call.run(100, |_| true);
    let c = call.b.counters();
    assert_eq!(c.packets_received, 300, "{c:?}");
    assert_eq!(c.srtp_auth_failed, 0);
    let v = judged(&call.heard_b, A_TONE);
    assert!(v.passed(), "{v}");
}

#[test]
fn rekeying_on_a_new_negotiation() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let (mut call, _, _) = Call::keyed(suite, None);
    call.run(50, |_| true);
    let _ = (security_events(&mut call.a), security_events(&mut call.b));
    // New keys both ways, to the 32-bit suite: packets already on the way
    // under the old keys are refused, new ones flow.
    let s32 = SrtpSuite::AesCm128HmacSha1_32;
    let (ka, kb) = (new_crypto(2, s32).unwrap(), new_crypto(2, s32).unwrap());
    let mut late = Vec::new();
    call.run(1, |w| {
        late.push(w.clone());
        false
    });
    let now = call.now();
    call.a
        .apply(now, &leg(a_addr(), b_addr(), Some((&ka, &kb))))
        .unwrap();
    call.b
        .apply(now, &leg(b_addr(), a_addr(), Some((&kb, &ka))))
        .unwrap();
    for w in late.iter().filter(|w| w.to == b_addr()) {
        call.b.handle_datagram(now, w.from, &w.bytes);
    }
    assert!(call.b.counters().srtp_auth_failed >= 1);
    for s in [&mut call.a, &mut call.b] {
        let ev = security_events(s);
        assert_eq!(ev.len(), 1, "{ev:?}");
        assert_eq!(secure_suite(&ev[0]).as_deref(), Some(s32.name()));
    }
    let start = call.wire.len();
    call.run(100, |_| true);
    let after = &call.wire[start..];
    assert!(after
        .iter()
        .filter(|w| !is_rtcp(&w.bytes))
        .all(|w| w.bytes.len() == 12 + FRAME + 4));
    assert_eq!(call.b.counters().packets_received, 150);
    assert!(judged(&call.heard_b, A_TONE).passed());
}

#[test]
fn wrong_keys_hear_nothing_and_nothing_is_sent_clear() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let (ka, kb) = (new_crypto(1, suite).unwrap(), new_crypto(1, suite).unwrap());
    let wrong = new_crypto(1, suite).unwrap();
    let t0 = Instant::now();
    let a = MediaSession::new(
        config(None),
        &leg(a_addr(), b_addr(), Some((&ka, &kb))),
        t0,
        0,
        1,
    )
    .unwrap();
    // B believes A's key is `wrong`.
    let b = MediaSession::new(
        config(None),
        &leg(b_addr(), a_addr(), Some((&kb, &wrong))),
        t0,
        0,
        2,
    )
    .unwrap();
    let mut call = Call::new(a, b, t0);
    call.run(100, |_| true);
    let c = call.b.counters();
    assert_eq!(c.packets_received, 0, "{c:?}");
    assert_eq!(c.rtcp_received, 0);
    assert!(c.srtp_auth_failed >= 100);
    assert!(call.heard_b.iter().all(|&s| s == 0), "B heard something");
    // A still hears B (B's key is right).
    assert!(judged(&call.heard_a, B_TONE).passed());
    check_wire_is_protected(&call, suite);
}

#[test]
fn clear_rtp_on_a_keyed_call_is_dropped() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let (ka, kb) = (new_crypto(1, suite).unwrap(), new_crypto(1, suite).unwrap());
    let t0 = Instant::now();
    // A sends clear, B expects SRTP.
    let a = MediaSession::new(config(None), &leg(a_addr(), b_addr(), None), t0, 0, 1).unwrap();
    let b = MediaSession::new(
        config(None),
        &leg(b_addr(), a_addr(), Some((&kb, &ka))),
        t0,
        0,
        2,
    )
    .unwrap();
    let mut call = Call::new(a, b, t0);
    assert_eq!(call.a.security(), &SecurityState::Clear);
    call.run(50, |_| true);
    let c = call.b.counters();
    assert_eq!((c.packets_received, c.rtcp_received), (0, 0));
    assert!(c.srtp_auth_failed >= 50);
    assert!(call.heard_b.iter().all(|&s| s == 0));
}

#[test]
fn renegotiation_without_keys_keeps_encrypting() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let (mut call, _, _) = Call::keyed(suite, None);
    call.run(20, |_| true);
    let _ = security_events(&mut call.a);
    let now = call.now();
    call.a.apply(now, &leg(a_addr(), b_addr(), None)).unwrap();
    let ev = security_events(&mut call.a);
    assert!(
        matches!(ev.as_slice(), [SecurityState::Failed(_)]),
        "{ev:?}"
    );
    let start = call.wire.len();
    call.run(50, |_| true);
    // Still protected with the old keys: B (unchanged) keeps hearing A.
    assert!(call.wire[start..]
        .iter()
        .filter(|w| w.from == a_addr() && !is_rtcp(&w.bytes))
        .all(|w| w.bytes.len() == 12 + FRAME + 10));
    assert_eq!(call.b.counters().packets_received, 70);
    assert_eq!(call.b.counters().srtp_auth_failed, 0);
}

#[test]
fn unusable_keys_are_refused_not_ignored() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let good = new_crypto(1, suite).unwrap();
    let mut unencrypted = good.clone();
    unencrypted.session_params.push("UNENCRYPTED_SRTP".into());
    let mut mki = good.clone();
    mki.key_params.push_str("|2^20|1:4");
    let short = SdesCrypto::new(1, suite.name(), "inline:QUJDREVGR0hJSktMTU5PUA==");
    let unknown = SdesCrypto::new(1, "F8_128_HMAC_SHA1_80", good.key_params.clone());
    for bad in [unencrypted, mki, short, unknown] {
        let r = MediaSession::new(
            config(None),
            &leg(a_addr(), b_addr(), Some((&good, &bad))),
            Instant::now(),
            0,
            1,
        );
        assert!(r.is_err(), "{bad:?} accepted");
    }
}

#[test]
fn a_direction_whose_key_did_not_change_keeps_its_rollover_counter() {
    let suite = SrtpSuite::AesCm128HmacSha1_80;
    let (mut call, ka, _) = Call::keyed(suite, Some(65_400));
    call.run(200, |_| true);
    assert_eq!(call.b.counters().packets_received, 200);
    // A's sequence has wrapped (ROC 1). The peer re-keys its own direction
    // only, and renumbers the tag of ours: A's sending context must go on
    // (a fresh one would restart at ROC 0, and B, whose receiving key did
    // not change, would refuse every packet).
    let mut ka_renumbered = ka.clone();
    ka_renumbered.tag = 5;
    let kb2 = new_crypto(5, suite).unwrap();
    let now = call.now();
    call.a
        .apply(now, &leg(a_addr(), b_addr(), Some((&ka_renumbered, &kb2))))
        .unwrap();
    call.run(50, |_| true);
    let c = call.b.counters();
    assert_eq!(c.packets_received, 250, "{c:?}");
    assert_eq!(c.srtp_auth_failed, 0);
    // B still sends with its old key, which A no longer accepts.
    let before = call.a.counters();
    call.run(10, |_| true);
    assert!(call.a.counters().srtp_auth_failed >= before.srtp_auth_failed + 10);
}

#[test]
fn the_closing_bye_is_protected_and_heard() {
    let (mut call, _, _) = Call::keyed(SrtpSuite::AesCm128HmacSha1_80, None);
    call.run(20, |_| true);
    while call.b.poll_event().is_some() {}
    let now = call.now();
    call.a.close(now);
    let mut bye = None;
    while let Some(t) = call.a.poll_transmit() {
        bye = Some(t.bytes.to_vec());
    }
    let bye = bye.expect("a BYE was queued");
    assert!(is_rtcp(&bye));
    // SRTCP trailer: E flag on the index, then the 80-bit tag; the
    // compound after the first 8 octets is not readable.
    assert!(bye[bye.len() - 14] & 0x80 != 0);
    assert!(!bye
        .windows(b"srtp@example".len())
        .any(|w| w == b"srtp@example"));
    call.b.handle_datagram(now, a_addr(), &bye);
    let mut heard_bye = false;
    while let Some(e) = call.b.poll_event() {
        heard_bye |= matches!(e, MediaSessionEvent::RemoteBye { .. });
    }
    assert!(heard_bye, "B did not get A's BYE");
    assert_eq!(call.b.counters().srtp_auth_failed, 0);
}

#[test]
fn the_security_event_reaches_the_sal_as_media_event_security() {
    let (mut call, _, _) = Call::keyed(SrtpSuite::AesCm128HmacSha1_80, None);
    let e = std::iter::from_fn(|| call.a.poll_event())
        .find(|e| matches!(e, MediaSessionEvent::Security(_)))
        .expect("a Security event");
    match e.to_media_event() {
        Some(openphone_sal::MediaEvent::Security(SecurityState::Secure(m))) => {
            assert_eq!(m.cipher, "AES_CM_128_HMAC_SHA1_80");
            assert_eq!(m.key_exchange, openphone_sal::KeyExchange::Sdes);
        }
        other => panic!("{other:?}"),
    }
}

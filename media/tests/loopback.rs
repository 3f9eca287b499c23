//! Two engines on 127.0.0.1 exchange real RTP for about a second: one sends
//! a 1 kHz tone, the other records; the recording's dominant frequency must
//! be the tone (Goertzel scan below), counters must agree, and RFC 4733
//! digits must arrive once each, in order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_hal::{AudioSink, AudioSource, MemorySink, NullSink, NullSource, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    CallId, CallMedia, CodecDescriptor, MediaDescription, MediaEngine, MediaEvent, MediaEventSink,
    NegotiatedMedia, NegotiatedStream, RecvChannel, SendChannel,
};
use tokio::sync::mpsc;

type Events = mpsc::UnboundedReceiver<(CallId, MediaEvent)>;

fn engine(source_tone: bool, record: Option<Arc<Mutex<Vec<i16>>>>, codecs: &[&str]) -> Engine {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(42000, 42999)
        .codecs(codecs.iter().copied())
        .audio_factory(Arc::new(move |_call| {
            let src: Box<dyn AudioSource> = if source_tone {
                Box::new(ToneSource::new(8000, 1000.0, 0.5))
            } else {
                Box::new(NullSource::new(8000))
            };
            let sink: Box<dyn AudioSink> = match &record {
                Some(buf) => Box::new(MemorySink::with_buffer(8000, buf.clone())),
                None => Box::new(NullSink::new(8000)),
            };
            Ok((src, sink))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

fn session(e: &Engine) -> (Box<dyn CallMedia>, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let call = CallId::next();
    (
        e.create_session(call, MediaEventSink::new(call, tx))
            .unwrap(),
        rx,
    )
}

/// What offer/answer would agree, for `local` talking to `remote`.
fn negotiated(local: &MediaDescription, remote: &MediaDescription, codec: &str) -> NegotiatedMedia {
    let (l, r) = (local.audio().unwrap(), remote.audio().unwrap());
    let send_codec = r
        .codecs
        .iter()
        .find(|c| c.encoding.eq_ignore_ascii_case(codec))
        .cloned()
        .unwrap();
    let pt = send_codec.payload_type.unwrap();
    let mut send = SendChannel::new(r.rtp.unwrap(), send_codec, pt);
    send.remote_rtcp = r.rtcp_addr().unwrap();
    send.telephone_event = r.telephone_event().and_then(|c| c.payload_type);
    send.ptime = Duration::from_millis(20);
    let mut recv = RecvChannel::new(
        l.codecs
            .iter()
            .filter(|c| !c.is_telephone_event())
            .map(|c| (c.payload_type.unwrap(), c.clone()))
            .collect(),
    );
    recv.telephone_event = l.telephone_event().and_then(|c| c.payload_type);
    NegotiatedMedia::from(
        NegotiatedStream::audio(l.rtp.unwrap())
            .with_send(send)
            .with_recv(recv),
    )
}

/// The sending half of what `negotiated` built, to change it.
fn send_of(n: &mut NegotiatedMedia) -> &mut SendChannel {
    n.audio_mut().unwrap().send.as_mut().unwrap()
}

/// Where a description receives RTP and RTCP.
fn rtp_of(d: &MediaDescription) -> std::net::SocketAddr {
    d.audio().unwrap().rtp.unwrap()
}

/// Goertzel power of `freq` in `x`.
fn goertzel(x: &[i16], rate: f64, freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let c = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s0 = v as f64 + c * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    s1 * s1 + s2 * s2 - c * s1 * s2
}

/// Frequency (25 Hz grid, 100–3900 Hz) with the most power.
fn dominant(x: &[i16]) -> f64 {
    (4..=156)
        .map(|k| k as f64 * 25.0)
        .map(|f| (f, goertzel(x, 8000.0, f)))
        .fold((0.0, -1.0), |a, b| if b.1 > a.1 { b } else { a })
        .0
}

async fn tone_call(codec: &str) {
    tone_call_ptime(codec, 20).await
}

async fn tone_call_ptime(codec: &str, a_ptime_ms: u64) {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let ea = engine(true, None, &[codec]);
    let eb = engine(false, Some(recorded.clone()), &[codec]);
    let (mut a, _ra) = session(&ea);
    let (mut b, _rb) = session(&eb);
    let (oa, ob) = (a.local_description(), b.local_description());
    assert_eq!(
        oa.audio().unwrap().audio_codecs().next().unwrap().encoding,
        codec
    );
    let mut na = negotiated(&oa, &ob, codec);
    send_of(&mut na).ptime = Duration::from_millis(a_ptime_ms);
    a.apply(&na).unwrap();
    b.apply(&negotiated(&ob, &oa, codec)).unwrap();
    tokio::time::sleep(Duration::from_millis(1000)).await;
    a.stop();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let sa = a.stats();
    // On a loaded machine the receiver's task may still be draining its
    // socket: give it up to 2 s to account for everything that was sent.
    let mut sb = b.stats();
    for _ in 0..100 {
        if sb.packets_received + 2 >= sa.packets_sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        sb = b.stats();
    }
    b.stop();
    eprintln!("{codec}: sender {sa:?}\nreceiver {sb:?}");
    assert_eq!(sa.codec, codec);
    // ~50 packets in 1 s at 20 ms (bounds loose: a loaded CI machine).
    let expect = 1000 / a_ptime_ms;
    assert!(
        sa.packets_sent >= expect * 7 / 10 && sa.packets_sent <= expect * 12 / 10,
        "sent {}",
        sa.packets_sent
    );
    assert!(
        sb.packets_received + 2 >= sa.packets_sent && sb.packets_received <= sa.packets_sent,
        "received {} of {}",
        sb.packets_received,
        sa.packets_sent
    );
    let bytes_per_packet = if codec == "G722" { 160 } else { 8 * a_ptime_ms };
    assert_eq!(sb.bytes_received, sb.packets_received * bytes_per_packet);
    assert!(sb.packets_lost <= 1, "lost {}", sb.packets_lost);
    assert!(sb.jitter_ms < 20.0, "jitter {} ms", sb.jitter_ms);
    assert!(
        sb.jitter_buffer_delay_ms > 0.0 && sb.jitter_buffer_delay_ms <= 300.0,
        "jitter-buffer delay {} ms",
        sb.jitter_buffer_delay_ms
    );
    let samples = recorded.lock().unwrap().clone();
    // Skip the jitter-buffer start-up silence; analyse what is loud.
    let loud: Vec<i16> = samples
        .chunks(160)
        .filter(|c| c.iter().map(|&s| (s as i64).abs()).max().unwrap_or(0) > 4000)
        .flatten()
        .copied()
        .collect();
    assert!(
        loud.len() >= 160 * 25,
        "only {} loud samples recorded",
        loud.len()
    );
    let f = dominant(&loud);
    assert_eq!(f, 1000.0, "dominant frequency {f} Hz");
    // Cross-check with hal's analysis.
    assert!(openphone_hal::analysis::tone_present(
        &loud, 8000, 1000.0, 10.0
    ));
}

#[tokio::test]
async fn pcmu_tone_loopback() {
    tone_call("PCMU").await;
}

/// The peer packs 40 ms per packet while we play 20 ms steps.
#[tokio::test]
async fn pcmu_40ms_packets_played_in_20ms_steps() {
    tone_call_ptime("PCMU", 40).await;
}

#[tokio::test]
async fn pcma_tone_loopback() {
    tone_call("PCMA").await;
}

#[tokio::test]
async fn dtmf_123_hash() {
    let ea = engine(false, None, &["PCMU"]);
    let eb = engine(false, None, &["PCMU"]);
    let (mut a, _ra) = session(&ea);
    let (mut b, mut rb) = session(&eb);
    let (oa, ob) = (a.local_description(), b.local_description());
    assert!(oa.audio().unwrap().telephone_event().is_some());
    a.apply(&negotiated(&oa, &ob, "PCMU")).unwrap();
    b.apply(&negotiated(&ob, &oa, "PCMU")).unwrap();
    for d in ['1', '2', '3', '#'] {
        a.send_dtmf(d, Duration::from_millis(100)).unwrap();
    }
    assert!(a.send_dtmf('x', Duration::from_millis(100)).is_err());
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while got.len() < 4 {
        match tokio::time::timeout_at(deadline, rb.recv()).await {
            Ok(Some((_, MediaEvent::Dtmf { digit, duration }))) => {
                assert!(
                    duration >= Duration::from_millis(80) && duration <= Duration::from_millis(140),
                    "duration {duration:?}"
                );
                got.push(digit);
            }
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    assert_eq!(got, vec!['1', '2', '3', '#']);
    // Nothing reported twice.
    tokio::time::sleep(Duration::from_millis(200)).await;
    while let Ok((_, ev)) = rb.try_recv() {
        assert!(!matches!(ev, MediaEvent::Dtmf { .. }), "duplicate {ev:?}");
    }
    // Event packets keep their start timestamp; they must not count as jitter.
    let jb = b.stats().jitter_ms;
    assert!(jb < 10.0, "receiver jitter {jb} ms after DTMF");
    a.stop();
    b.stop();
}

#[tokio::test]
async fn rtp_timeout_and_errors() {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(43000, 43999)
        .rtp_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let e = Engine::new(cfg);
    let (mut a, mut ra) = session(&e);
    let (b, _rb) = session(&e);
    assert!(
        a.send_dtmf('1', Duration::from_millis(100)).is_err(),
        "not started"
    );
    let (oa, ob) = (a.local_description(), b.local_description());
    // Unknown codec: a clear error, nothing started.
    let mut bad = negotiated(&oa, &ob, "PCMU");
    send_of(&mut bad).codec = CodecDescriptor::new(96, "NOPE", 8000);
    send_of(&mut bad).payload_type = 96;
    assert!(a.apply(&bad).is_err());
    // b never sends: a must report RtpTimeout once.
    a.apply(&negotiated(&oa, &ob, "PCMU")).unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(3), ra.recv())
        .await
        .expect("timeout event")
        .unwrap();
    assert_eq!(ev.1, MediaEvent::RtpTimeout);
    a.stop();
    assert!(a.apply(&negotiated(&oa, &ob, "PCMU")).is_err());
}

/// G.722 codes 16 kHz audio: the 8 kHz tone device is resampled up to the
/// codec and back down to the 8 kHz recorder at the device boundary.
#[tokio::test]
async fn g722_tone_loopback_through_resamplers() {
    tone_call("G722").await;
}

/// RTCP flows both ways (SR from the sender, RR back), giving RTT and the
/// peer's view of our stream; re-applying switches codec and direction.
#[tokio::test]
async fn rtcp_rtt_reinvite_and_hold() {
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let build = |tone: bool, rec: Option<Arc<Mutex<Vec<i16>>>>| {
        let cfg = EngineConfig::builder()
            .bind_ip("127.0.0.1".parse().unwrap())
            .port_range(44000, 44999)
            .rtcp_interval(Duration::from_millis(200))
            .audio_factory(Arc::new(move |_call| {
                let src: Box<dyn AudioSource> = if tone {
                    Box::new(ToneSource::new(8000, 1000.0, 0.5))
                } else {
                    Box::new(NullSource::new(8000))
                };
                let sink: Box<dyn AudioSink> = match &rec {
                    Some(b) => Box::new(MemorySink::with_buffer(8000, b.clone())),
                    None => Box::new(NullSink::new(8000)),
                };
                Ok((src, sink))
            }))
            .build()
            .unwrap();
        Engine::new(cfg)
    };
    let (ea, eb) = (build(true, None), build(false, Some(recorded.clone())));
    let (mut a, _ra) = session(&ea);
    let (mut b, _rb) = session(&eb);
    let (oa, ob) = (a.local_description(), b.local_description());
    a.apply(&negotiated(&oa, &ob, "PCMU")).unwrap();
    b.apply(&negotiated(&ob, &oa, "PCMU")).unwrap();
    tokio::time::sleep(Duration::from_millis(900)).await;
    let (sa, sb) = (a.stats(), b.stats());
    assert!(sa.rtcp_sent >= 2 && sa.rtcp_received >= 2, "{sa:?}");
    assert!(sb.rtcp_sent >= 2 && sb.rtcp_received >= 2, "{sb:?}");
    let rtt = sa.rtt_ms.expect("RTT from B's reports on A's SRs");
    assert!((0.0..50.0).contains(&rtt), "rtt {rtt} ms on loopback");
    assert!(sa.remote_jitter_ms.is_some());

    // Re-INVITE: both switch to PCMA.
    a.apply(&negotiated(&oa, &ob, "PCMA")).unwrap();
    b.apply(&negotiated(&ob, &oa, "PCMA")).unwrap();
    recorded.lock().unwrap().clear();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(a.stats().codec, "PCMA");
    let after: Vec<i16> = recorded.lock().unwrap().clone();
    let loud: Vec<i16> = after
        .chunks(160)
        .filter(|c| c.iter().map(|&s| (s as i64).abs()).max().unwrap_or(0) > 4000)
        .flatten()
        .copied()
        .collect();
    assert!(
        loud.len() >= 160 * 10,
        "tone after the switch: {} samples",
        loud.len()
    );
    assert_eq!(dominant(&loud), 1000.0);

    // Hold: A becomes inactive and stops sending RTP.
    let mut hold = negotiated(&oa, &ob, "PCMA");
    hold.audio_mut().unwrap().direction = openphone_sal::MediaDirection::Inactive;
    a.apply(&hold).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = a.stats().packets_sent;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(a.stats().packets_sent <= sent + 1, "still sending on hold");
    assert!(a.send_dtmf('1', Duration::from_millis(100)).is_err());
    a.stop();
    b.stop();
}

/// With symmetric RTP, B answers to where A's RTP really comes from even
/// though signalling gave it a dead address; `stop` releases the ports.
#[tokio::test]
async fn symmetric_rtp_latches_and_stop_releases_ports() {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(45000, 45999)
        .symmetric_rtp(true)
        .build()
        .unwrap();
    let eb = Engine::new(cfg);
    let ea = engine(true, None, &["PCMU"]);
    let (mut a, _ra) = session(&ea);
    let (mut b, _rb) = session(&eb);
    let (oa, ob) = (a.local_description(), b.local_description());
    let dead = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    drop(dead);
    let mut nb = negotiated(&ob, &oa, "PCMU");
    send_of(&mut nb).remote_rtp = dead_addr;
    a.apply(&negotiated(&oa, &ob, "PCMU")).unwrap();
    b.apply(&nb).unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    let sa = a.stats();
    assert!(
        sa.packets_received >= 10,
        "A got {} packets from B",
        sa.packets_received
    );
    a.stop();
    b.stop();
    // The sockets close when the tasks end (bounded wait).
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if std::net::UdpSocket::bind(rtp_of(&oa)).is_ok()
            && std::net::UdpSocket::bind(rtp_of(&ob)).is_ok()
        {
            ok = true;
            break;
        }
    }
    assert!(ok, "RTP ports still bound after stop");
}

/// RTP on even ports with RTCP next to it; a full range is a clear error.
#[test]
fn port_pairs_even_and_bounded() {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(46001, 46005) // pairs 46002/3 and 46004/5
        .build()
        .unwrap();
    let e = Engine::new(cfg);
    let (a, _ra) = session(&e);
    let (b, _rb) = session(&e);
    for s in [&a, &b] {
        let d = s.local_description();
        let o = d.audio().unwrap();
        assert_eq!(o.rtp.unwrap().port() % 2, 0);
        assert!((46002..=46004).contains(&o.rtp.unwrap().port()));
        assert!(o.rtcp.is_none(), "RTCP is RTP + 1");
        assert_eq!(o.ptime, Some(Duration::from_millis(20)));
    }
    assert_ne!(
        rtp_of(&a.local_description()),
        rtp_of(&b.local_description())
    );
    let (tx, _rx) = mpsc::unbounded_channel();
    let call = CallId::next();
    let third = e.create_session(call, MediaEventSink::new(call, tx));
    assert!(matches!(third, Err(openphone_sal::MediaError::Socket(_))));
    drop(a);
    let (tx, _rx) = mpsc::unbounded_channel();
    assert!(
        e.create_session(call, MediaEventSink::new(call, tx))
            .is_ok(),
        "freed pair reused"
    );
    // Bad configurations are refused up front.
    assert!(EngineConfig::builder()
        .port_range(5000, 4000)
        .build()
        .is_err());
    assert!(EngineConfig::builder()
        .ptime(Duration::from_millis(5))
        .build()
        .is_err());
    assert!(EngineConfig::builder().codecs(["nope"]).build().is_err());
}

/// Garbage and stray packets sprayed at a live session's RTP and RTCP ports
/// (random bytes, truncated and foreign-SSRC RTP, bogus RTCP) neither crash
/// it nor take over its stream: the tone still plays.
#[tokio::test]
async fn survives_garbage_during_a_call() {
    use rand::{Rng, SeedableRng};
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let ea = engine(true, None, &["PCMU"]);
    let eb = engine(false, Some(recorded.clone()), &["PCMU"]);
    let (mut a, _ra) = session(&ea);
    let (mut b, _rb) = session(&eb);
    let (oa, ob) = (a.local_description(), b.local_description());
    a.apply(&negotiated(&oa, &ob, "PCMU")).unwrap();
    b.apply(&negotiated(&ob, &oa, "PCMU")).unwrap();
    let junk = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let mut buf = [0u8; 300];
    for i in 0..2000u32 {
        let n = rng.gen_range(0..buf.len());
        rng.fill(&mut buf[..n]);
        match i % 4 {
            // Looks like RTP v2 with our PT but a foreign SSRC.
            0 if n >= 12 => {
                buf[0] = 0x80;
                buf[1] = 0;
            }
            // Looks like RTCP.
            1 if n >= 8 => {
                buf[0] = 0x81;
                buf[1] = 200 + (buf[1] % 8);
            }
            _ => {}
        }
        let _ = junk.send_to(&buf[..n], rtp_of(&ob));
        let _ = junk.send_to(&buf[..n], ob.audio().unwrap().rtcp_addr().unwrap());
        if i % 100 == 0 {
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sb = b.stats();
    a.stop();
    b.stop();
    assert!(sb.packets_received >= 30, "{sb:?}");
    let samples = recorded.lock().unwrap().clone();
    let loud: Vec<i16> = samples
        .chunks(160)
        .filter(|c| c.iter().map(|&s| (s as i64).abs()).max().unwrap_or(0) > 4000)
        .flatten()
        .copied()
        .collect();
    assert!(loud.len() >= 160 * 20, "{} loud samples", loud.len());
    assert_eq!(dominant(&loud), 1000.0);
}

/// The RTP-injection hole: during a call with a real peer, a third party
/// sends 150 PCMU packets of a 2.75 kHz tone (its own SSRC, coherent
/// sequence) to our RTP port from another source port. None of it may be
/// played: the recording carries the peer's 1 kHz tone and no 2.75 kHz
/// (not a harmonic of 1 kHz, which G.711's distortion would put there).
#[tokio::test]
async fn injected_rtp_from_another_port_is_not_played() {
    use openphone_media::codec::{AudioEncoder, Pcmu};
    use openphone_media::rtp::{write_packet, RtpHeader};
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let ea = engine(true, None, &["PCMU"]);
    let eb = engine(false, Some(recorded.clone()), &["PCMU"]);
    let (mut a, _ra) = session(&ea);
    let (mut b, _rb) = session(&eb);
    let (oa, ob) = (a.local_description(), b.local_description());
    a.apply(&negotiated(&oa, &ob, "PCMU")).unwrap();
    b.apply(&negotiated(&ob, &oa, "PCMU")).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let attacker = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut enc = Pcmu::encoder();
    let tone: Vec<i16> = (0..160)
        .map(|i| {
            (16_000.0 * (2.0 * std::f64::consts::PI * 2750.0 * i as f64 / 8000.0).sin()) as i16
        })
        .collect();
    let mut payload = [0u8; 160];
    enc.encode(&tone, &mut payload).unwrap();
    let mut buf = [0u8; 200];
    for i in 0..150u16 {
        let h = RtpHeader {
            payload_type: 0,
            marker: i == 0,
            sequence: 1000 + i,
            timestamp: 160 * i as u32,
            ssrc: 0x1234_5678,
        };
        let n = write_packet(&mut buf, &h, &payload).unwrap();
        attacker.send_to(&buf[..n], rtp_of(&ob)).unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sb = b.stats();
    a.stop();
    b.stop();
    let samples = recorded.lock().unwrap().clone();
    let energy: f64 = samples.iter().map(|&s| (s as f64).powi(2)).sum();
    let share = |f: f64| 2.0 * goertzel(&samples, 8000.0, f) / (samples.len() as f64 * energy);
    let (s_inj, s1k) = (share(2750.0), share(1000.0));
    eprintln!("2.75 kHz share {s_inj:.6}, 1 kHz share {s1k:.3}, {sb:?}");
    assert!(s1k > 0.5, "the peer's tone plays: {s1k}");
    assert!(s_inj < 1e-3, "injected tone played: share {s_inj}");
    assert!(sb.packets_received >= 100, "{sb:?}");
}

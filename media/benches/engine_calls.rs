//! How much CPU a call costs: N PCMU call pairs over 127.0.0.1 (2N media
//! sessions, each sending and receiving 50 packets/s with a tone source and
//! a discarding sink) for a few seconds on a multi-threaded tokio runtime;
//! prints process CPU time per call-second (getrusage) and packet counts.
//! Not a criterion bench: the figure of interest is CPU share, not latency.
//!
//! In the same run, the **floor**: a bare UDP loop on one thread at the
//! same packet rate, one `sendto` and one `recv` per packet per session and
//! nothing else (no RTP, no codec, no timers per call), the syscall cost
//! any engine pays; the engine's share is reported against it.
//!
//! With `srtp`, every call is keyed (SDES, AES_CM_128_HMAC_SHA1_80): the
//! engine's cost with SRTP on, against a run without.
//!
//! `cargo bench -p openphone-media --bench engine_calls -- [pairs] [seconds] [srtp]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_hal::{AudioSink, AudioSource, NullSink, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    CallId, CallMedia, MediaDescription, MediaEngine, MediaEventSink, NegotiatedMedia,
    NegotiatedStream, RecvChannel, SdesKeys, SendChannel,
};

fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct we pass.
    let mut ru: Rusage = unsafe { std::mem::zeroed() };
    unsafe { getrusage(0, &mut ru) };
    let tv = |t: Timeval| Duration::new(t.sec as u64, (t.usec as u32) * 1000);
    tv(ru.utime) + tv(ru.stime)
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Timeval {
    sec: i64,
    usec: i64,
}

#[repr(C)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    rest: [i64; 14],
}

extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
}

fn negotiated(
    local: &MediaDescription,
    remote: &MediaDescription,
    keys: Option<SdesKeys>,
) -> NegotiatedMedia {
    let (l, r) = (local.audio().unwrap(), remote.audio().unwrap());
    let codec = r.codecs[0].clone();
    let mut send = SendChannel::new(r.rtp.unwrap(), codec.clone(), 0);
    send.telephone_event = Some(101);
    let mut recv = RecvChannel::new(vec![(0, codec)]);
    recv.telephone_event = Some(101);
    let mut s = NegotiatedStream::audio(l.rtp.unwrap())
        .with_send(send)
        .with_recv(recv);
    s.sdes = keys;
    NegotiatedMedia::from(s)
}

/// The floor: `2 × pairs` UDP sockets in pairs on one thread, every 20 ms
/// each sends one 172-byte datagram (an RTP packet of 20 ms PCMU) to its
/// partner, then each receives one. Returns (CPU share of one core,
/// datagrams received).
fn udp_floor(pairs: usize, seconds: u64) -> (f64, u64) {
    use std::net::UdpSocket;
    let mut socks: Vec<UdpSocket> = Vec::with_capacity(2 * pairs);
    for _ in 0..2 * pairs {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_nonblocking(true).unwrap();
        socks.push(s);
    }
    let addrs: Vec<_> = socks.iter().map(|s| s.local_addr().unwrap()).collect();
    let packet = [0x80u8; 172];
    let mut buf = [0u8; 2048];
    let mut received = 0u64;
    let tick = Duration::from_millis(20);
    let (c0, t0) = (cpu_time(), Instant::now());
    let mut next = t0;
    while t0.elapsed() < Duration::from_secs(seconds) {
        for (i, s) in socks.iter().enumerate() {
            let _ = s.send_to(&packet, addrs[i ^ 1]);
        }
        for s in &socks {
            if s.recv_from(&mut buf).is_ok() {
                received += 1;
            }
        }
        next += tick;
        if let Some(d) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
    }
    let (cpu, wall) = (cpu_time() - c0, t0.elapsed());
    (cpu.as_secs_f64() / wall.as_secs_f64(), received)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let pairs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let srtp = args.iter().any(|a| a == "srtp");
    println!(
        "media {}",
        if srtp {
            "SRTP (SDES, AES_CM_128_HMAC_SHA1_80)"
        } else {
            "clear RTP"
        }
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let engine_share = rt.block_on(async move {
        let cfg = EngineConfig::builder()
            .bind_ip("127.0.0.1".parse().unwrap())
            .port_range(20000, 29999)
            .codecs(["PCMU"])
            .audio_factory(Arc::new(|_| {
                Ok((
                    Box::new(ToneSource::new(8000, 1000.0, 0.3)) as Box<dyn AudioSource>,
                    Box::new(NullSink::new(8000)) as Box<dyn AudioSink>,
                ))
            }))
            .build()
            .unwrap();
        let engine = Engine::new(cfg);
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let mut sessions: Vec<Box<dyn CallMedia>> = Vec::new();
        for _ in 0..pairs {
            let (c1, c2) = (CallId::next(), CallId::next());
            let mut a = engine
                .create_session(c1, MediaEventSink::new(c1, tx.clone()))
                .unwrap();
            let mut b = engine
                .create_session(c2, MediaEventSink::new(c2, tx.clone()))
                .unwrap();
            let (oa, ob) = (a.local_description(), b.local_description());
            let (ka, kb) = if srtp {
                let suite = openphone_media::srtp::SrtpSuite::AesCm128HmacSha1_80;
                let (x, y) = (
                    openphone_media::srtp::new_crypto(1, suite).unwrap(),
                    openphone_media::srtp::new_crypto(1, suite).unwrap(),
                );
                (
                    Some(SdesKeys::new(x.clone(), y.clone())),
                    Some(SdesKeys::new(y, x)),
                )
            } else {
                (None, None)
            };
            a.apply(&negotiated(&oa, &ob, ka)).unwrap();
            b.apply(&negotiated(&ob, &oa, kb)).unwrap();
            sessions.push(a);
            sessions.push(b);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (c0, t0) = (cpu_time(), Instant::now());
        tokio::time::sleep(Duration::from_secs(seconds)).await;
        let (cpu, wall) = (cpu_time() - c0, t0.elapsed());
        let (mut sent, mut recv, mut lost) = (0u64, 0u64, 0i64);
        for s in &sessions {
            let st = s.stats();
            sent += st.packets_sent;
            recv += st.packets_received;
            lost += st.packets_lost;
        }
        for s in &mut sessions {
            s.stop();
        }
        let share = cpu.as_secs_f64() / wall.as_secs_f64();
        println!(
            "{pairs} call pairs ({} sessions), {:.1} s: CPU {:.3} s = {:.1} % of one core; \
             {:.3} % of a core per session; packets sent {sent}, received {recv}, lost {lost}",
            2 * pairs,
            wall.as_secs_f64(),
            cpu.as_secs_f64(),
            share * 100.0,
            share * 100.0 / (2 * pairs) as f64
        );
        share
    });
    // Let the engine's sockets close before the floor runs.
    std::thread::sleep(Duration::from_millis(300));
    let (floor_share, floor_recv) = udp_floor(pairs, seconds);
    let sessions = (2 * pairs) as f64;
    println!(
        "UDP floor, {} sockets, one sendto + one recv per packet: {:.1} % of one core; \
         {:.4} % of a core per session ({:.0} sessions per core); received {floor_recv}",
        2 * pairs,
        floor_share * 100.0,
        floor_share * 100.0 / sessions,
        sessions / floor_share
    );
    println!(
        "engine: {:.0} sessions per core = {:.0} % of the floor's",
        sessions / engine_share,
        100.0 * floor_share / engine_share
    );
}

//! How much CPU a call costs: N PCMU call pairs over 127.0.0.1 (2N media
//! sessions, each sending and receiving 50 packets/s with a tone source and
//! a discarding sink) for a few seconds on a multi-threaded tokio runtime;
//! prints process CPU time per call-second (getrusage) and packet counts.
//! Not a criterion bench: the figure of interest is CPU share, not latency.
//!
//! `cargo bench -p openphone-media --bench engine_calls -- [pairs] [seconds]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use openphone_hal::{AudioSink, AudioSource, NullSink, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::media::negotiate;
use openphone_sal::{CallId, CallMedia, MediaEngine, MediaEventSink};

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

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let pairs: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
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
            // The real offer/answer path: b answers a's offer, a completes.
            let (oa, ob) = (a.local_description(), b.local_description());
            let (answer, nb) = negotiate::answer(&ob, &oa).unwrap();
            a.apply(&negotiate::complete(&oa, &answer).unwrap())
                .unwrap();
            b.apply(&nb).unwrap();
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
    });
}

//! The mixer thread allocates nothing per tick in steady state: two calls
//! over real UDP on 127.0.0.1 conferenced on the local engine, with the
//! call-waiting tone playing and volumes set. The local speaker is a probe
//! sink; it runs on the mixer thread, once per tick, and records that
//! thread's allocation count (a per-thread counting allocator), so the
//! difference between two writes is what one whole tick allocated.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_hal::{AudioError, AudioSink, AudioSource, NullSink, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    CallId, CallMedia, MediaDescription, MediaEngine, MediaEventSink, NegotiatedMedia,
    NegotiatedStream, RecvChannel, SendChannel,
};
use tokio::sync::mpsc;

mod counting_alloc;

use counting_alloc::allocations;

#[global_allocator]
static A: counting_alloc::Counting = counting_alloc::Counting;

const TICKS: usize = 100;

/// Records, once `armed`, the allocations its thread made since its last
/// write (into room reserved up front).
struct Probe {
    armed: Arc<AtomicBool>,
    deltas: Arc<Mutex<Vec<u64>>>,
    last: Option<u64>,
}

impl AudioSink for Probe {
    fn sample_rate(&self) -> u32 {
        8000
    }
    fn write(&mut self, _frame: &[i16]) -> Result<(), AudioError> {
        let now = allocations();
        if self.armed.load(Ordering::Relaxed) {
            if let Some(last) = self.last {
                let mut d = self.deltas.lock().unwrap();
                if d.len() < d.capacity() {
                    d.push(now - last);
                }
            }
            self.last = Some(allocations());
        }
        Ok(())
    }
}

fn negotiated(local: &MediaDescription, remote: &MediaDescription) -> NegotiatedMedia {
    let (l, r) = (local.audio().unwrap(), remote.audio().unwrap());
    let codec = r.codecs.first().cloned().unwrap();
    let pt = codec.payload_type.unwrap();
    let mut send = SendChannel::new(r.rtp.unwrap(), codec, pt);
    send.remote_rtcp = r.rtcp_addr().unwrap();
    send.ptime = Duration::from_millis(20);
    let recv = RecvChannel::new(
        l.codecs
            .iter()
            .filter(|c| !c.is_telephone_event())
            .map(|c| (c.payload_type.unwrap(), c.clone()))
            .collect(),
    );
    NegotiatedMedia::from(
        NegotiatedStream::audio(l.rtp.unwrap())
            .with_send(send)
            .with_recv(recv),
    )
}

/// The probe's switch and its record.
type ProbeState = (Arc<AtomicBool>, Arc<Mutex<Vec<u64>>>);

fn engine(sink: Option<ProbeState>) -> Engine {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(48100, 48999)
        .codecs(["PCMU"])
        .shared_device(sink.is_some())
        .audio_factory(Arc::new(move |_call| {
            let src: Box<dyn AudioSource> = Box::new(ToneSource::new(8000, 700.0, 0.2));
            let sink: Box<dyn AudioSink> = match &sink {
                Some((armed, deltas)) => Box::new(Probe {
                    armed: armed.clone(),
                    deltas: deltas.clone(),
                    last: None,
                }),
                None => Box::new(NullSink::new(8000)),
            };
            Ok((src, sink))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

fn session(e: &Engine) -> (CallId, Box<dyn CallMedia>) {
    let (tx, _rx) = mpsc::unbounded_channel();
    let call = CallId::next();
    (
        call,
        e.create_session(call, MediaEventSink::new(call, tx))
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixer_thread_ticks_do_not_allocate() {
    let before = allocations();
    drop(std::hint::black_box(vec![1u8; 10]));
    assert!(allocations() > before, "the counter counts");

    let armed = Arc::new(AtomicBool::new(false));
    let deltas = Arc::new(Mutex::new(Vec::with_capacity(TICKS)));
    let local = engine(Some((armed.clone(), deltas.clone())));
    let peers = [engine(None), engine(None)];
    let mut legs = Vec::new();
    for peer in &peers {
        let (call, mut ours) = session(&local);
        let (_, mut theirs) = session(peer);
        let (o, t) = (ours.local_description(), theirs.local_description());
        ours.apply(&negotiated(&o, &t)).unwrap();
        theirs.apply(&negotiated(&t, &o)).unwrap();
        legs.push((call, ours, theirs));
    }
    local.join(&[legs[0].0, legs[1].0]).unwrap();
    local.set_call_volume(legs[0].0, -3.0).unwrap();
    local.set_master_volume(2.0).unwrap();
    // A third call "waits": the tone plays on top of the conference.
    let (waiting, _w) = session(&local);
    local.call_waiting(waiting, true).unwrap();
    // Warm-up: the rings fill, the jitter buffers settle.
    tokio::time::sleep(Duration::from_millis(600)).await;
    armed.store(true, Ordering::Relaxed);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while deltas.lock().unwrap().len() < TICKS {
        assert!(tokio::time::Instant::now() < deadline, "ticks too slow");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let d = deltas.lock().unwrap().clone();
    assert!(
        d.iter().all(|&n| n == 0),
        "allocations per tick on the mixer thread: {d:?}"
    );
    assert!(local.is_device_shared());
}

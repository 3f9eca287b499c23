//! Maintenance loops on real RTP between two engines on 127.0.0.1
//! (`CallMedia::set_loop`, what MGCP's `netwloop` and `loopback` modes
//! use): a network loop returns the caller's tone to the caller and keeps
//! it from the looped side's speaker; a circuit loop plays the looped
//! side's capture to its own speaker and sends nothing.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_hal::judge::{judge_tone, Criteria, SentTone};
use openphone_hal::{analysis, AudioSink, AudioSource, MemorySink, ToneSource};
use openphone_media::{Engine, EngineConfig};
use openphone_sal::{
    CallId, CallMedia, MediaDescription, MediaEngine, MediaEventSink, MediaLoop, NegotiatedMedia,
    NegotiatedStream, RecvChannel, SendChannel,
};
use tokio::sync::mpsc;

type Recording = Arc<Mutex<Vec<i16>>>;

/// An engine whose calls capture a tone of `freq` (amplitude 0.5) and
/// record what they play.
fn engine(freq: f32, record: Recording, ports: (u16, u16)) -> Engine {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(ports.0, ports.1)
        .codecs(["PCMU"])
        .audio_factory(Arc::new(move |_call| {
            let src: Box<dyn AudioSource> = Box::new(ToneSource::new(8000, freq, 0.5));
            let sink: Box<dyn AudioSink> = Box::new(MemorySink::with_buffer(8000, record.clone()));
            Ok((src, sink))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

fn session(e: &Engine) -> Box<dyn CallMedia> {
    let (tx, rx) = mpsc::unbounded_channel();
    // Events are not looked at; the receiver lives as long as the test.
    std::mem::forget(rx);
    let call = CallId::next();
    e.create_session(call, MediaEventSink::new(call, tx))
        .unwrap()
}

/// PCMU both ways between `local` and `remote`.
fn negotiated(local: &MediaDescription, remote: &MediaDescription) -> NegotiatedMedia {
    let (l, r) = (local.audio().unwrap(), remote.audio().unwrap());
    let pcmu = |d: &openphone_sal::StreamDescription| {
        d.codecs
            .iter()
            .find(|c| c.encoding == "PCMU")
            .cloned()
            .unwrap()
    };
    let mut send = SendChannel::new(r.rtp.unwrap(), pcmu(r), 0);
    send.remote_rtcp = r.rtcp_addr().unwrap();
    NegotiatedMedia::from(
        NegotiatedStream::audio(l.rtp.unwrap())
            .with_send(send)
            .with_recv(RecvChannel::new(vec![(0, pcmu(l))])),
    )
}

fn tone(freq: f32) -> SentTone {
    SentTone {
        freq_hz: f64::from(freq),
        level_dbfs: -6.02,
    }
}

/// Judged after the loop's round trip (two jitter buffers) has settled.
fn criteria() -> Criteria {
    Criteria {
        settle_ms: 500.0,
        tail_ms: 100.0,
        ..Criteria::default()
    }
}

fn peak(x: &[i16]) -> i32 {
    x.iter().map(|s| i32::from(*s).abs()).max().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn network_loop_returns_the_callers_tone_to_the_caller() {
    let (heard_a, heard_b) = (Recording::default(), Recording::default());
    let ea = engine(1000.0, heard_a.clone(), (43000, 43099));
    let eb = engine(600.0, heard_b.clone(), (43100, 43199));
    let (mut a, mut b) = (session(&ea), session(&eb));
    let (da, db) = (a.local_description(), b.local_description());
    b.set_loop(MediaLoop::Network).unwrap();
    b.apply(&negotiated(&db, &da)).unwrap();
    a.apply(&negotiated(&da, &db)).unwrap();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    a.stop();
    b.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let heard_a = heard_a.lock().unwrap().clone();
    let v = judge_tone(&heard_a, 8000, &tone(1000.0), &criteria());
    assert!(v.passed(), "A hears its own tone back: {v}");
    // B's own 600 Hz never reaches A ...
    assert!(!analysis::tone_present(&heard_a, 8000, 600.0, 10.0));
    // ... and B's speaker hears nothing.
    let heard_b = heard_b.lock().unwrap().clone();
    assert!(heard_b.len() > 8000, "B played {} samples", heard_b.len());
    assert_eq!(peak(&heard_b), 0, "the looped side's speaker is silent");
    let (sa, sb) = (a.stats(), b.stats());
    assert!(
        sb.packets_sent > 50,
        "B returned {} packets",
        sb.packets_sent
    );
    assert!(sa.packets_received > 50, "{sa:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn circuit_loop_plays_the_capture_locally_and_sends_nothing() {
    let (heard_a, heard_b) = (Recording::default(), Recording::default());
    let ea = engine(1000.0, heard_a.clone(), (43200, 43299));
    let eb = engine(600.0, heard_b.clone(), (43300, 43399));
    let (mut a, mut b) = (session(&ea), session(&eb));
    let (da, db) = (a.local_description(), b.local_description());
    b.set_loop(MediaLoop::Circuit).unwrap();
    b.apply(&negotiated(&db, &da)).unwrap();
    a.apply(&negotiated(&da, &db)).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let sent_looped = b.stats().packets_sent;
    // Cleared: B talks to A again.
    b.set_loop(MediaLoop::None).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.stop();
    b.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let heard_b = heard_b.lock().unwrap().clone();
    let looped = &heard_b[..heard_b.len().min(1500 * 8)];
    let v = judge_tone(looped, 8000, &tone(600.0), &criteria());
    assert!(v.passed(), "B hears its own capture: {v}");
    assert!(
        !analysis::tone_present(looped, 8000, 1000.0, 10.0),
        "A's tone is not played while the circuit is looped"
    );
    assert_eq!(sent_looped, 0, "nothing sent while looped");
    let heard_a = heard_a.lock().unwrap().clone();
    let v = judge_tone(
        &heard_a,
        8000,
        &tone(600.0),
        &Criteria {
            settle_ms: 1800.0,
            ..criteria()
        },
    );
    assert!(v.passed(), "A hears B once the loop is cleared: {v}");
    let sb = b.stats();
    assert!(sb.packets_sent > 50, "{sb:?}");
}

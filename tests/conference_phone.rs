//! A local conference and call waiting through the whole SDK: three
//! phones with SIP and RTP on 127.0.0.1 (L, B, C, each sending a tone of
//! its own: 500, 1100, 1700 Hz), judged by tone analysis of what each
//! one's audio sink recorded.
//!
//! * `Phone::conference`: L calls B and C, then conferences them; B hears
//!   C and L but not itself, C likewise, L's speaker hears B and C; after
//!   `Call::split` B and C no longer hear each other.
//! * Call waiting: L talks to B, C calls L; the incoming call is flagged
//!   waiting and L hears the call-waiting tone over B; `answer_holding_others`
//!   holds B and connects C, the tone stops.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone::hal::analysis::tone_present;
use openphone::hal::line::{Country, Tone, TonePattern, TonePlan};
use openphone::hal::{AudioSink, AudioSource, MemoryHandle, MemorySink, ToneSource};
use openphone::media::{Engine, EngineConfig};
use openphone::sip::{SipConfig, SipStack};
use openphone::{Call, CallId, CallState, Phone, PhoneEvent};

const RATE: u32 = 8000;
const L_HZ: f32 = 500.0;
const B_HZ: f32 = 1100.0;
const C_HZ: f32 = 1700.0;
const CW_HZ: f32 = 440.0;
const TOL: f32 = 5.0;

type Opened = Arc<Mutex<Vec<(CallId, MemoryHandle)>>>;

/// `shared`: the factory's device is the one local device every call
/// shares (`EngineConfigBuilder::shared_device`).
fn engine(tone_hz: f32, opened: Opened, shared: bool) -> Engine {
    let mut cw = TonePlan::for_country(Country::Us)
        .tone(Tone::CallWaiting)
        .clone();
    // Continuous and as loud as the sources, so any window of a two-tone
    // mix can be judged.
    cw.pattern = TonePattern::Continuous;
    cw.level_dbm0 = -8.8;
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(49100, 49999)
        .codecs(["PCMU"])
        .call_waiting_tone(cw)
        .shared_device(shared)
        .audio_factory(Arc::new(move |call| {
            let src: Box<dyn AudioSource> = Box::new(ToneSource::new(RATE, tone_hz, 0.25));
            let sink = MemorySink::new(RATE);
            opened.lock().unwrap().push((call, sink.handle()));
            Ok((src, Box::new(sink) as Box<dyn AudioSink>))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

async fn phone(engine: Engine) -> (Phone, String) {
    let sip = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .user_agent("conference-test")
        .build();
    let phone = Phone::builder()
        .stack(SipStack::new(sip))
        .media_engine(engine)
        .build()
        .await
        .unwrap();
    let addr = format!("sip:user@{}", common::phones::sip_udp_address(&phone));
    (phone, addr)
}

/// Answers every call that rings on `phone`.
fn auto_answer(phone: &Phone) -> tokio::task::JoinHandle<()> {
    let phone = phone.clone();
    tokio::spawn(async move {
        while let Some(ev) = phone.next_event().await {
            if let PhoneEvent::IncomingCall { call, .. } = ev {
                phone.call_handle(call).answer().unwrap();
            }
        }
    })
}

async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn state(c: &Call) -> CallState {
    c.state().unwrap_or(CallState::Ended)
}

fn last_opened(opened: &Opened, call: Option<CallId>) -> MemoryHandle {
    let o = opened.lock().unwrap();
    o.iter()
        .rev()
        .find(|(c, _)| call.is_none_or(|x| *c == x))
        .map(|(_, h)| h.clone())
        .expect("a device was opened")
}

async fn window(handles: &[&MemoryHandle], ms: u64) -> Vec<Vec<i16>> {
    let starts: Vec<usize> = handles.iter().map(|h| h.len()).collect();
    tokio::time::sleep(Duration::from_millis(ms)).await;
    handles
        .iter()
        .zip(starts)
        .map(|(h, s)| h.samples().get(s..).unwrap_or_default().to_vec())
        .collect()
}

fn hears(who: &str, pcm: &[i16], present: &[f32], absent: &[f32]) {
    assert!(
        pcm.len() >= RATE as usize / 2,
        "{who}: only {} samples",
        pcm.len()
    );
    for &f in present {
        assert!(tone_present(pcm, RATE, f, TOL), "{who} should hear {f} Hz");
    }
    for &f in absent {
        assert!(
            !tone_present(pcm, RATE, f, TOL),
            "{who} should not hear {f} Hz"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_conference_and_split() {
    let (lo, bo, co): (Opened, Opened, Opened) = Default::default();
    let l_engine = engine(L_HZ, lo.clone(), false);
    let (l, _) = phone(l_engine.clone()).await;
    let (b, b_uri) = phone(engine(B_HZ, bo.clone(), false)).await;
    let (c, c_uri) = phone(engine(C_HZ, co.clone(), false)).await;
    let (ab, ac) = (auto_answer(&b), auto_answer(&c));

    let to_b = l.call(&b_uri).unwrap();
    let to_c = l.call(&c_uri).unwrap();
    until("both calls active", || {
        state(&to_b) == CallState::Active && state(&to_c) == CallState::Active
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (b_hears, c_hears) = (last_opened(&bo, None), last_opened(&co, None));

    l.conference(&[to_b.clone(), to_c.clone()]).unwrap();
    let mut both = vec![to_b.id(), to_c.id()];
    both.sort();
    assert_eq!(l_engine.mixed_calls(), both);
    let speaker = last_opened(&lo, Some(to_b.id()));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&b_hears, &c_hears, &speaker], 1200).await;
    hears("B", &w[0], &[C_HZ, L_HZ], &[B_HZ]);
    hears("C", &w[1], &[B_HZ, L_HZ], &[C_HZ]);
    hears("L's speaker", &w[2], &[B_HZ, C_HZ], &[L_HZ]);

    // Through the Phone API: C muted is heard by nobody; the microphone
    // muted, B hears no L; volumes are checked.
    to_c.set_muted(true).unwrap();
    l.set_microphone_muted(true).unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&b_hears], 1000).await;
    hears(
        "B, C and L's microphone muted",
        &w[0],
        &[],
        &[C_HZ, L_HZ, B_HZ],
    );
    to_c.set_muted(false).unwrap();
    l.set_microphone_muted(false).unwrap();
    assert!(
        to_b.set_volume(f32::NAN).is_err(),
        "a NaN volume is refused"
    );
    to_b.set_volume(-6.0).unwrap();
    l.set_master_volume(0.0).unwrap();

    to_c.split().unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let w = window(&[&b_hears, &c_hears], 1000).await;
    hears("B after split", &w[0], &[L_HZ], &[C_HZ, B_HZ]);
    hears("C after split", &w[1], &[L_HZ], &[B_HZ, C_HZ]);

    to_b.hangup().unwrap();
    to_c.hangup().unwrap();
    until("the mixer releases the device", || {
        !l_engine.is_device_shared()
    })
    .await;
    for p in [&l, &b, &c] {
        p.shutdown(Duration::from_millis(500)).await;
    }
    ab.abort();
    ac.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_call_waiting_tone_and_answer_holding_others() {
    let (lo, bo, co): (Opened, Opened, Opened) = Default::default();
    let l_engine = engine(L_HZ, lo.clone(), true);
    let (l, l_uri) = phone(l_engine.clone()).await;
    let (b, b_uri) = phone(engine(B_HZ, bo.clone(), false)).await;
    let (c, _) = phone(engine(C_HZ, co.clone(), false)).await;
    let ab = auto_answer(&b);

    let to_b = l.call(&b_uri).unwrap();
    until("L-B active", || state(&to_b) == CallState::Active).await;
    let from_c = c.call(&l_uri).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let incoming = loop {
        let ev = tokio::time::timeout_at(deadline.into(), l.next_event())
            .await
            .expect("C's call reaches L")
            .expect("phone alive");
        if let PhoneEvent::IncomingCall { call, waiting, .. } = ev {
            assert!(waiting, "a second call is flagged waiting");
            break l.call_handle(call);
        }
    };
    assert!(l_engine.is_device_shared());
    let speaker = last_opened(&lo, Some(to_b.id()));
    let b_hears = last_opened(&bo, None);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let w = window(&[&speaker, &b_hears], 1000).await;
    hears("L, C waiting", &w[0], &[B_HZ, CW_HZ], &[L_HZ, C_HZ]);
    hears("B, C waiting", &w[1], &[L_HZ], &[CW_HZ]);

    incoming.answer_holding_others().unwrap();
    until("B held and C active", || {
        matches!(state(&to_b), CallState::Held(_)) && state(&incoming) == CallState::Active
    })
    .await;
    let c_hears = last_opened(&co, None);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let w = window(&[&speaker, &c_hears], 1000).await;
    hears("L, C answered", &w[0], &[C_HZ], &[B_HZ, CW_HZ, L_HZ]);
    hears("C, answered", &w[1], &[L_HZ], &[B_HZ, CW_HZ]);

    to_b.hangup().unwrap();
    from_c.hangup().unwrap();
    until("the mixer releases the device", || {
        !l_engine.is_device_shared()
    })
    .await;
    for p in [&l, &b, &c] {
        p.shutdown(Duration::from_millis(500)).await;
    }
    ab.abort();
}

//! SDES-keyed SRTP through the whole SDK: two phones with SIP and RTP on
//! 127.0.0.1, each account with its own media security policy, each phone
//! sending a tone of its own (A 600 Hz, B 1400 Hz) judged in what the
//! other recorded.
//!
//! * sdes ↔ sdes: both sides report SRTP with the suite the offer put
//!   first, and hear each other.
//! * sdes (best effort, RTP/AVP with keys) → no policy: a clear call.
//! * required → no policy: the callee cannot answer RTP/SAVP (488), both
//!   calls end with `SecurityFailure` and no media session ever started.
//! * no policy → required: the callee refuses the clear offer.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone::hal::analysis::tone_present;
use openphone::hal::{AudioSink, AudioSource, MemoryHandle, MemorySink, ToneSource};
use openphone::media::{Engine, EngineConfig};
use openphone::sip::{SipConfig, SipStack};
use openphone::{
    AccountConfig, Call, CallState, Cause, EndReason, MediaEncryption, Phone, PhoneEvent,
    SecurityPolicy, SecurityState,
};

const RATE: u32 = 8000;
const A_HZ: f32 = 600.0;
const B_HZ: f32 = 1400.0;

type Opened = Arc<Mutex<Vec<MemoryHandle>>>;

fn engine(tone_hz: f32, opened: Opened) -> Engine {
    let cfg = EngineConfig::builder()
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(47000, 47999)
        .codecs(["PCMU"])
        .audio_factory(Arc::new(move |_call| {
            let src: Box<dyn AudioSource> = Box::new(ToneSource::new(RATE, tone_hz, 0.25));
            let sink = MemorySink::new(RATE);
            opened.lock().unwrap().push(sink.handle());
            Ok((src, Box::new(sink) as Box<dyn AudioSink>))
        }))
        .build()
        .unwrap();
    Engine::new(cfg)
}

struct Side {
    phone: Phone,
    addr: String,
    opened: Opened,
}

/// A phone with one non-registering account `user` under `policy`
/// (`None`: no account at all, so no policy).
async fn side(user: &str, tone_hz: f32, policy: Option<SecurityPolicy>) -> Side {
    let opened = Opened::default();
    let sip = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .user_agent("srtp-test")
        .build();
    let phone = Phone::builder()
        .stack(SipStack::new(sip))
        .media_engine(engine(tone_hz, opened.clone()))
        .build()
        .await
        .unwrap();
    let udp = phone
        .listening()
        .iter()
        .find_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            match p.as_slice() {
                ["sip", t, a, ..] if t.eq_ignore_ascii_case("udp") => a.parse().ok(),
                _ => None,
            }
        })
        .map(|a: std::net::SocketAddr| a.to_string())
        .expect("a SIP UDP listener");
    if let Some(policy) = policy {
        let aor = format!("sip:{user}@{udp}").parse().unwrap();
        phone
            .add_account(
                AccountConfig::new(aor)
                    .with_register(false)
                    .with_security(policy),
            )
            .unwrap();
    }
    Side {
        phone,
        addr: format!("sip:{user}@{udp}"),
        opened,
    }
}

fn sdes(required: bool) -> Option<SecurityPolicy> {
    Some(SecurityPolicy::new(MediaEncryption::Sdes, required))
}

/// Answers every call on `phone`; records how its calls ended.
fn answerer(phone: &Phone) -> (tokio::task::JoinHandle<()>, Arc<Mutex<Vec<EndReason>>>) {
    let ended = Arc::new(Mutex::new(Vec::new()));
    let log = ended.clone();
    let phone = phone.clone();
    let task = tokio::spawn(async move {
        while let Some(ev) = phone.next_event().await {
            match ev {
                PhoneEvent::IncomingCall { call, .. } => {
                    let _ = phone.call_handle(call).answer();
                }
                PhoneEvent::CallEnded { reason, .. } => log.lock().unwrap().push(reason),
                _ => {}
            }
        }
    });
    (task, ended)
}

/// Places a call from `a` to `b` and waits until it is active or ended;
/// returns the call and how it ended, if it did.
async fn place(a: &Side, b: &Side) -> (Call, Option<EndReason>) {
    let call = a.phone.call(&b.addr).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the call neither connected nor ended");
        let Ok(Some(ev)) = tokio::time::timeout(left, a.phone.next_event()).await else {
            panic!("no event before the deadline");
        };
        match ev {
            PhoneEvent::CallEnded { call: id, reason } if id == call.id() => {
                return (call, Some(reason))
            }
            PhoneEvent::CallState {
                call: id,
                state: CallState::Active,
            } if id == call.id() => return (call, None),
            _ => {}
        }
    }
}

/// The device a call opened last, waiting for it (the callee's media
/// starts with the ACK, a moment after the caller sees the call active).
async fn last(opened: &Opened) -> MemoryHandle {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(h) = opened.lock().unwrap().last().cloned() {
            return h;
        }
        assert!(Instant::now() < deadline, "no device was opened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn hears(who: &str, h: &MemoryHandle, hz: f32) {
    let start = h.len();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let pcm = h.samples().get(start..).unwrap_or_default().to_vec();
    assert!(
        pcm.len() >= RATE as usize / 2,
        "{who}: {} samples",
        pcm.len()
    );
    assert!(
        tone_present(&pcm, RATE, hz, 5.0),
        "{who} should hear {hz} Hz"
    );
}

fn suite_of(state: &SecurityState) -> Option<String> {
    match state {
        SecurityState::Secure(m) => Some(m.cipher.clone()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sdes_on_both_sides_encrypts_and_both_hear() {
    let a = side("alice", A_HZ, sdes(false)).await;
    let b = side("bob", B_HZ, sdes(true)).await;
    let (_t, _) = answerer(&b.phone);
    let (call, ended) = place(&a, &b).await;
    assert!(ended.is_none(), "ended: {ended:?}");
    assert_eq!(
        suite_of(&call.security().unwrap()).as_deref(),
        Some("AES_CM_128_HMAC_SHA1_80"),
        "the suite the offer lists first"
    );
    hears("bob", &last(&b.opened).await, A_HZ).await;
    hears("alice", &last(&a.opened).await, B_HZ).await;
    call.hangup().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn best_effort_sdes_falls_back_to_clear_with_a_plain_peer() {
    let a = side("alice", A_HZ, sdes(false)).await;
    let b = side("bob", B_HZ, None).await;
    let (_t, _) = answerer(&b.phone);
    let (call, ended) = place(&a, &b).await;
    assert!(ended.is_none(), "ended: {ended:?}");
    assert_eq!(call.security().unwrap(), SecurityState::Clear);
    hears("alice", &last(&a.opened).await, B_HZ).await;
    call.hangup().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_sdes_against_a_plain_peer_ends_with_a_security_cause() {
    let a = side("alice", A_HZ, sdes(true)).await;
    let b = side("bob", B_HZ, None).await;
    let (_t, b_ended) = answerer(&b.phone);
    let (_call, ended) = place(&a, &b).await;
    let ended = ended.expect("the call must not connect");
    assert_eq!(ended.reason.cause, Cause::SecurityFailure, "{ended}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b_ended = b_ended.lock().unwrap().clone();
    assert_eq!(b_ended.len(), 1, "{b_ended:?}");
    assert_eq!(b_ended[0].reason.cause, Cause::SecurityFailure);
    assert!(a.opened.lock().unwrap().is_empty(), "caller media started");
    assert!(b.opened.lock().unwrap().is_empty(), "callee media started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_sdes_callee_refuses_a_clear_offer() {
    let a = side("alice", A_HZ, None).await;
    let b = side("bob", B_HZ, sdes(true)).await;
    let (_t, b_ended) = answerer(&b.phone);
    let (_call, ended) = place(&a, &b).await;
    assert!(ended.is_some(), "a clear call must not connect");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let b_ended = b_ended.lock().unwrap().clone();
    assert_eq!(b_ended.len(), 1, "{b_ended:?}");
    assert_eq!(b_ended[0].reason.cause, Cause::SecurityFailure);
    assert!(a.opened.lock().unwrap().is_empty(), "caller media started");
    assert!(b.opened.lock().unwrap().is_empty(), "callee media started");
}

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

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::phones::{self, hears, last, place, Opened, Side};
use openphone::media::{Engine, EngineConfig};
use openphone::{
    Cause, EndReason, MediaEncryption, Phone, PhoneEvent, SecurityPolicy, SecurityState,
};

const A_HZ: f32 = 600.0;
const B_HZ: f32 = 1400.0;

fn engine(tone_hz: f32, opened: Opened) -> Engine {
    phones::tone_engine(EngineConfig::builder(), tone_hz, opened, (47000, 47999))
}

/// A phone with one non-registering account `user` under `policy`
/// (`None`: no account at all, so no policy).
async fn side(user: &str, tone_hz: f32, policy: Option<SecurityPolicy>) -> Side {
    let opened = Opened::default();
    phones::side(user, engine(tone_hz, opened.clone()), opened, policy).await
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

//! ZRTP (RFC 6189) through the whole SDK: two phones with SIP and RTP on
//! 127.0.0.1, both accounts with `SecurityPolicy::new(Zrtp, true)`, each
//! phone sending a tone of its own (A 600 Hz, B 1400 Hz) judged in what
//! the other recorded.
//!
//! * Both sides reach `Secure` with ZRTP, the same SAS and cipher, and hear
//!   each other through the ZRTP-keyed SRTP.
//! * A second call between the same two engines (same retained-secret
//!   caches: Alice's in a file, Bob's in memory) reports
//!   `cache_match == Some(true)` on both sides, and the SAS verified on the
//!   first call shows as verified.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::phones::{self, hears, last, place, Opened, Side, RATE};
use openphone::hal::analysis::tone_present;
use openphone::media::{Engine, EngineConfig};
use openphone::{
    Call, KeyExchange, MediaEncryption, Phone, PhoneEvent, SecureMedia, SecurityPolicy,
    SecurityState,
};

const A_HZ: f32 = 600.0;
const B_HZ: f32 = 1400.0;

/// Alice's ZRTP cache is a file (`EngineConfigBuilder::zrtp_cache`), Bob's
/// the default in-memory one.
fn engine(tone_hz: f32, opened: Opened, cache: Option<&std::path::Path>) -> Engine {
    let mut builder = EngineConfig::builder();
    if let Some(path) = cache {
        builder = builder.zrtp_cache(path);
    }
    phones::tone_engine(builder, tone_hz, opened, (48000, 48999))
}

/// A phone with one non-registering account `user` under `policy`
/// (`None`: no account at all, so no policy).
async fn side(
    user: &str,
    tone_hz: f32,
    policy: Option<SecurityPolicy>,
    cache: Option<&std::path::Path>,
) -> Side {
    let opened = Opened::default();
    phones::side(user, engine(tone_hz, opened.clone(), cache), opened, policy).await
}

/// Answers every call on `phone`; records the calls answered.
fn answerer(phone: &Phone) -> (tokio::task::JoinHandle<()>, Arc<Mutex<Vec<Call>>>) {
    let answered = Arc::new(Mutex::new(Vec::new()));
    let log = answered.clone();
    let phone = phone.clone();
    let task = tokio::spawn(async move {
        while let Some(ev) = phone.next_event().await {
            if let PhoneEvent::IncomingCall { call, .. } = ev {
                let handle = phone.call_handle(call);
                let _ = handle.answer();
                log.lock().unwrap().push(handle);
            }
        }
    });
    (task, answered)
}

/// Waits until `call` reports ZRTP secure; the state then.
async fn secure(who: &str, call: &Call) -> SecureMedia {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match call.security().unwrap() {
            SecurityState::Secure(m) => {
                assert_eq!(m.key_exchange, KeyExchange::Zrtp, "{who}");
                return m;
            }
            SecurityState::Failed(why) => panic!("{who}: ZRTP failed: {why}"),
            _ => {}
        }
        assert!(Instant::now() < deadline, "{who}: not secure in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The call `b` answered last, waiting for it.
async fn answered(calls: &Arc<Mutex<Vec<Call>>>, n: usize) -> Call {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(c) = calls.lock().unwrap().get(n).cloned() {
            return c;
        }
        assert!(Instant::now() < deadline, "call {n} not answered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn zrtp() -> Option<SecurityPolicy> {
    Some(SecurityPolicy::new(MediaEncryption::Zrtp, true))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zrtp_secures_both_ways_and_the_cache_matches_on_the_next_call() {
    let dir = std::env::temp_dir().join(format!("zrtp-calls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache = dir.join("alice.zrtp");
    let _ = std::fs::remove_file(&cache);
    let a = side("alice", A_HZ, zrtp(), Some(&cache)).await;
    let b = side("bob", B_HZ, zrtp(), None).await;
    let (_t, b_calls) = answerer(&b.phone);

    // First call: no retained secret yet.
    let (call, ended) = place(&a, &b).await;
    assert!(ended.is_none(), "ended: {ended:?}");
    let b_call = answered(&b_calls, 0).await;
    let (sa, sb) = (secure("alice", &call).await, secure("bob", &b_call).await);
    assert!(sa.sas.as_ref().is_some_and(|s| !s.is_empty()), "{sa:?}");
    assert_eq!(sa.sas, sb.sas, "both sides show the same SAS");
    assert_eq!(sa.cipher, sb.cipher);
    assert_eq!((sa.cache_match, sb.cache_match), (None, None));
    assert!(!sa.verified);
    hears("bob", &last(&b.opened).await, A_HZ).await;
    hears("alice", &last(&a.opened).await, B_HZ).await;
    // The users compared the SAS.
    call.set_sas_verified(true).unwrap();
    b_call.set_sas_verified(true).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    match call.security().unwrap() {
        SecurityState::Secure(m) => assert!(m.verified, "{m:?}"),
        other => panic!("{other:?}"),
    }
    call.hangup().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Second call between the same engines: the caches match.
    let (call, ended) = place(&a, &b).await;
    assert!(ended.is_none(), "ended: {ended:?}");
    let b_call = answered(&b_calls, 1).await;
    let (sa, sb) = (secure("alice", &call).await, secure("bob", &b_call).await);
    assert_eq!(sa.sas, sb.sas);
    assert_eq!(sa.cache_match, Some(true), "{sa:?}");
    assert_eq!(sb.cache_match, Some(true), "{sb:?}");
    assert!(
        sa.verified && sb.verified,
        "verified on the first call: {sa:?} {sb:?}"
    );
    hears("bob", &last(&b.opened).await, A_HZ).await;
    hears("alice", &last(&a.opened).await, B_HZ).await;
    call.hangup().unwrap();
    assert!(cache.exists(), "alice's ZRTP cache file was written");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Alice requires ZRTP; Bob's phone has no security policy (it ignores
/// `a=zrtp-hash` and never answers a ZRTP Hello). The call connects, Alice
/// sends no RTP while ZRTP waits, and when the Hello retransmissions give
/// up (about 4 s) the call ends with the security cause: Bob never hears
/// Alice's tone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn required_zrtp_against_a_peer_without_zrtp_ends_without_clear_audio() {
    let a = side("alice", A_HZ, zrtp(), None).await;
    let b = side("bob", B_HZ, None, None).await;
    let (_t, _answered) = answerer(&b.phone);
    let (call, ended) = place(&a, &b).await;
    assert!(ended.is_none(), "the signalling connects: {ended:?}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let reason = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(!left.is_zero(), "the call was not ended for lack of ZRTP");
        match tokio::time::timeout(left, a.phone.next_event()).await {
            Ok(Some(PhoneEvent::CallEnded { call: id, reason })) if id == call.id() => {
                break reason
            }
            Ok(Some(_)) => {}
            _ => panic!("no event before the deadline"),
        }
    };
    assert_eq!(
        reason.cause(),
        openphone::Cause::SecurityFailure,
        "{reason}"
    );
    let bob_heard = last(&b.opened).await.samples();
    assert!(
        bob_heard.len() >= RATE as usize,
        "Bob's device ran while ZRTP waited ({} samples)",
        bob_heard.len()
    );
    assert!(
        !tone_present(&bob_heard, RATE, A_HZ, 5.0),
        "Bob heard Alice's tone in clear ({} samples)",
        bob_heard.len()
    );
}

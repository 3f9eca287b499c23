//! Two `Phone`s calling each other over SIP on 127.0.0.1, each sending a
//! tone of its own and recording what it hears (the SRTP and ZRTP call
//! tests).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openphone::hal::analysis::tone_present;
use openphone::hal::{AudioSink, AudioSource, MemoryHandle, MemorySink, ToneSource};
use openphone::media::{Engine, EngineConfigBuilder};
use openphone::sip::{SipConfig, SipStack};
use openphone::{AccountConfig, Call, CallState, EndReason, Phone, PhoneEvent, SecurityPolicy};

/// The audio rate of the tones and recordings.
pub const RATE: u32 = 8000;

/// The recording of every call's device, in the order they were opened.
pub type Opened = Arc<Mutex<Vec<MemoryHandle>>>;

/// An engine on 127.0.0.1 (RTP in `ports`), PCMU only, whose calls send a
/// `tone_hz` tone and record into `opened`.
pub fn tone_engine(
    builder: EngineConfigBuilder,
    tone_hz: f32,
    opened: Opened,
    ports: (u16, u16),
) -> Engine {
    let cfg = builder
        .bind_ip("127.0.0.1".parse().unwrap())
        .port_range(ports.0, ports.1)
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

/// One phone of a test call.
pub struct Side {
    pub phone: Phone,
    /// Its SIP address (`sip:user@127.0.0.1:port`).
    pub addr: String,
    pub opened: Opened,
}

/// A phone on `engine` with one non-registering account `user` under
/// `policy` (`None`: no account at all, so no policy).
pub async fn side(
    user: &str,
    engine: Engine,
    opened: Opened,
    policy: Option<SecurityPolicy>,
) -> Side {
    let sip = SipConfig::builder()
        .udp_bind("127.0.0.1:0".parse().unwrap())
        .user_agent("secure-call-test")
        .build();
    let phone = Phone::builder()
        .stack(SipStack::new(sip))
        .media_engine(engine)
        .build()
        .await
        .unwrap();
    let udp = sip_udp_address(&phone);
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

/// The address `phone`'s SIP stack listens on over UDP.
pub fn sip_udp_address(phone: &Phone) -> std::net::SocketAddr {
    phone
        .listening()
        .iter()
        .find_map(|l| {
            let p: Vec<&str> = l.split_whitespace().collect();
            match p.as_slice() {
                ["sip", t, a, ..] if t.eq_ignore_ascii_case("udp") => a.parse().ok(),
                _ => None,
            }
        })
        .expect("a SIP UDP listener")
}

/// Places a call from `a` to `b` and waits until it is active or ended;
/// returns the call and how it ended, if it did.
pub async fn place(a: &Side, b: &Side) -> (Call, Option<EndReason>) {
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
pub async fn last(opened: &Opened) -> MemoryHandle {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(h) = opened.lock().unwrap().last().cloned() {
            return h;
        }
        assert!(Instant::now() < deadline, "no device was opened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts that the next 1.2 s of `h` carry an `hz` tone.
pub async fn hears(who: &str, h: &MemoryHandle, hz: f32) {
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

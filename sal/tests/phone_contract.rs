//! The phone against a scripted test stack and test media engine: routing by
//! scheme, capability checks, state changes and the event stream.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openphone_sal::*;

/// A stack that records commands and lets the test inject events.
struct ScriptedStack {
    caps: Capabilities,
    seen: Arc<Mutex<Vec<String>>>,
    sink: Arc<Mutex<Option<StackEventSink>>>,
}

impl Stack for ScriptedStack {
    fn name(&self) -> &'static str {
        "scripted"
    }
    fn schemes(&self) -> &'static [&'static str] {
        &["sip"]
    }
    fn capabilities(&self) -> Capabilities {
        self.caps
    }
    fn start(self: Box<Self>, io: StackIo) -> BoxFuture<'static, Result<StackInfo, StackError>> {
        Box::pin(async move {
            *self.sink.lock().unwrap() = Some(io.events.clone());
            let seen = self.seen.clone();
            let mut rx = io.commands;
            tokio::spawn(async move {
                while let Some(cmd) = rx.recv().await {
                    let name = format!("{cmd:?}");
                    let head = name.split([' ', '{']).next().unwrap_or("").to_string();
                    seen.lock().unwrap().push(head);
                    if matches!(cmd, StackCommand::Shutdown) {
                        break;
                    }
                }
            });
            Ok(StackInfo {
                listening: vec!["test".into()],
            })
        })
    }
}

struct TestMedia {
    applied: Arc<Mutex<Vec<NegotiatedMedia>>>,
}

struct TestCallMedia {
    applied: Arc<Mutex<Vec<NegotiatedMedia>>>,
    dtmf: Vec<char>,
}

impl MediaEngine for TestMedia {
    fn create_session(
        &self,
        _call: CallId,
        _events: MediaEventSink,
    ) -> Result<Box<dyn CallMedia>, MediaError> {
        Ok(Box::new(TestCallMedia {
            applied: self.applied.clone(),
            dtmf: Vec::new(),
        }))
    }
}

impl CallMedia for TestCallMedia {
    fn local_offer(&self) -> MediaOffer {
        MediaOffer::new("127.0.0.1:4000".parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
    }
    fn apply(&mut self, n: &NegotiatedMedia) -> Result<(), MediaError> {
        self.applied.lock().unwrap().push(n.clone());
        Ok(())
    }
    fn send_dtmf(&mut self, digit: char, _d: Duration) -> Result<(), MediaError> {
        self.dtmf.push(digit);
        Ok(())
    }
    fn stats(&self) -> MediaStats {
        MediaStats {
            codec: "PCMU".into(),
            packets_sent: self.dtmf.len() as u64,
            ..Default::default()
        }
    }
    fn stop(&mut self) {}
}

struct Rig {
    phone: Phone,
    seen: Arc<Mutex<Vec<String>>>,
    sink: StackEventSink,
    applied: Arc<Mutex<Vec<NegotiatedMedia>>>,
}

async fn rig(caps: Capabilities) -> Rig {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::new(Mutex::new(None));
    let applied = Arc::new(Mutex::new(Vec::new()));
    let phone = Phone::builder()
        .stack(ScriptedStack {
            caps,
            seen: seen.clone(),
            sink: sink.clone(),
        })
        .media_engine(TestMedia {
            applied: applied.clone(),
        })
        .build()
        .await
        .unwrap();
    let sink = sink.lock().unwrap().clone().unwrap();
    Rig {
        phone,
        seen,
        sink,
        applied,
    }
}

async fn next(phone: &Phone) -> PhoneEvent {
    tokio::time::timeout(Duration::from_secs(5), phone.next_event())
        .await
        .expect("event within 5 s")
        .expect("phone open")
}

async fn wait_for_command(seen: &Arc<Mutex<Vec<String>>>, name: &str) {
    for _ in 0..500 {
        if seen.lock().unwrap().iter().any(|s| s == name) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("stack never saw {name}: {:?}", seen.lock().unwrap());
}

fn negotiated() -> NegotiatedMedia {
    let a: SocketAddr = "127.0.0.1:4000".parse().unwrap();
    NegotiatedMedia {
        local_rtp: a,
        remote_rtp: "127.0.0.1:5000".parse().unwrap(),
        remote_rtcp: "127.0.0.1:5001".parse().unwrap(),
        send_codec: CodecDescriptor::new(0, "PCMU", 8000),
        recv_codecs: vec![CodecDescriptor::new(0, "PCMU", 8000)],
        send_telephone_event: Some(101),
        recv_telephone_event: Some(101),
        direction: MediaDirection::SendRecv,
        ptime: Duration::from_millis(20),
    }
}

#[tokio::test]
async fn outgoing_call_lifecycle() {
    let r = rig(Capabilities::default()).await;
    assert!(matches!(
        r.phone.call("h323:bob@x"),
        Err(Error::NoStackForScheme(s)) if s == "h323"
    ));
    let call = r.phone.call("sip:bob@127.0.0.1").unwrap();
    assert_eq!(call.state().unwrap(), CallState::Dialing);
    wait_for_command(&r.seen, "Dial").await;

    r.sink.send(StackEvent::Ringing {
        call: call.id(),
        early_media: false,
    });
    assert_eq!(
        next(&r.phone).await,
        PhoneEvent::CallState {
            call: call.id(),
            state: CallState::Ringing
        }
    );
    r.sink.send(StackEvent::Connected { call: call.id() });
    r.sink.send(StackEvent::MediaNegotiated {
        call: call.id(),
        media: negotiated(),
    });
    assert!(matches!(
        next(&r.phone).await,
        PhoneEvent::CallState {
            state: CallState::Active,
            ..
        }
    ));
    assert!(matches!(
        next(&r.phone).await,
        PhoneEvent::MediaStarted { .. }
    ));
    assert_eq!(r.applied.lock().unwrap().len(), 1);

    // Capabilities say no hold: a clear error, not a silent success.
    assert!(matches!(call.hold(), Err(Error::Unsupported { .. })));
    call.send_dtmf("12#").unwrap();
    assert_eq!(call.stats().unwrap().packets_sent, 3);
    assert!(call.send_dtmf("x").is_err());

    call.hangup().unwrap();
    wait_for_command(&r.seen, "Hangup").await;
    assert_eq!(
        next(&r.phone).await,
        PhoneEvent::CallEnded {
            call: call.id(),
            reason: EndReason::LocalHangup
        }
    );
    assert_eq!(call.state().unwrap(), CallState::Ended);
    // Final stats stay readable after the end.
    assert_eq!(call.stats().unwrap().packets_sent, 3);
    // A late event from the stack does not resurrect the call.
    r.sink.send(StackEvent::Connected { call: call.id() });
    assert_eq!(call.state().unwrap(), CallState::Ended);
}

#[tokio::test]
async fn incoming_call_answer_and_hold() {
    let caps = Capabilities {
        hold: true,
        ..Default::default()
    };
    let r = rig(caps).await;
    let id = CallId::next();
    r.sink.send(StackEvent::IncomingCall {
        call: id,
        account: None,
        from: "sip:alice@h".parse().unwrap(),
        to: "sip:bob@h".parse().unwrap(),
        offer: None,
    });
    assert!(matches!(next(&r.phone).await, PhoneEvent::IncomingCall { call, .. } if call == id));
    let call = r.phone.call_handle(id);
    assert!(matches!(call.hold(), Err(Error::InvalidState { .. })));
    call.answer().unwrap();
    assert!(matches!(call.answer(), Err(Error::InvalidState { .. })));
    wait_for_command(&r.seen, "Answer").await;
    r.sink.send(StackEvent::Connected { call: id });
    let _ = next(&r.phone).await; // Answering
    let _ = next(&r.phone).await; // Active
    call.hold().unwrap();
    wait_for_command(&r.seen, "UpdateMedia").await;
    assert_eq!(call.state().unwrap(), CallState::Held);
    call.resume().unwrap();
    assert_eq!(call.state().unwrap(), CallState::Active);
    r.sink.send(StackEvent::CallEnded {
        call: id,
        reason: EndReason::RemoteHangup,
    });
    loop {
        if let PhoneEvent::CallEnded { reason, .. } = next(&r.phone).await {
            assert_eq!(reason, EndReason::RemoteHangup);
            break;
        }
    }
}

#[tokio::test]
async fn registration_and_unsupported_register() {
    let r = rig(Capabilities::default()).await;
    let acc = AccountConfig::new("sip:alice@127.0.0.1".parse().unwrap());
    assert!(matches!(
        r.phone.add_account(acc.clone()),
        Err(Error::Unsupported { .. })
    ));
    let acc = r.phone.add_account(acc.with_register(false)).unwrap();
    wait_for_command(&r.seen, "AddAccount").await;
    r.sink.send(StackEvent::Registration {
        account: acc.id(),
        state: RegistrationState::Registered {
            expires: Duration::from_secs(60),
        },
    });
    let _ = next(&r.phone).await;
    assert!(matches!(
        acc.registration().unwrap(),
        RegistrationState::Registered { .. }
    ));
    r.phone.shutdown(Duration::from_secs(1)).await;
    wait_for_command(&r.seen, "Shutdown").await;
    assert_eq!(r.phone.next_event().await, None);
}

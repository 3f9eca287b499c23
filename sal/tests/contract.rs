//! The whole SAL contract over the in-memory loopback protocol
//! (`loopback/mod.rs`): no SIP and no SDP anywhere, so nothing in the
//! contract depends on them. Every wait is bounded.

mod loopback;

use std::time::Duration;

use loopback::{LoopStack, Switch, TestMedia};
use openphone_sal::*;

const WAIT: Duration = Duration::from_secs(5);

async fn phone(name: &str, switch: &Switch, media: &TestMedia) -> Phone {
    Phone::builder()
        .stack(LoopStack::new(name, switch))
        .media_engine(media.clone())
        .build()
        .await
        .expect("phone")
}

/// The next event that `pick` accepts; earlier ones are discarded. Bounded.
async fn expect<T>(phone: &Phone, what: &str, mut pick: impl FnMut(&PhoneEvent) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ev = tokio::time::timeout_at(deadline, phone.next_event())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
            .expect("phone closed");
        if let Some(v) = pick(&ev) {
            return v;
        }
    }
}

async fn state(phone: &Phone, call: CallId, want: CallState) {
    expect(phone, &format!("{call} {want}"), |e| match e {
        PhoneEvent::CallState { call: c, state } if *c == call && *state == want => Some(()),
        _ => None,
    })
    .await
}

struct Pair {
    a: Phone,
    b: Phone,
    media: TestMedia,
    a_call: Call,
    b_call: Call,
}

/// A calls B; B rings and answers; both see media. Returns the connected pair.
async fn connected_pair() -> Pair {
    connected_pair_with(AccountConfig::new("loop:bob".parse().unwrap())).await
}

/// A connected call from alice to bob, bob's account as `bob`.
async fn connected_pair_with(bob: AccountConfig) -> Pair {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    let b = phone("bob", &switch, &media).await;
    let bob_acct = b.add_account(bob).unwrap();
    expect(&b, "registered", |e| match e {
        PhoneEvent::Registration { .. } => Some(()),
        _ => None,
    })
    .await;
    let a_call = a.call("loop:bob").unwrap();
    let (b_id, account, offer) = expect(&b, "incoming call", |e| match e {
        PhoneEvent::IncomingCall {
            call,
            account,
            offer,
            waiting,
            ..
        } => {
            assert!(!waiting);
            Some((*call, *account, offer.clone()))
        }
        _ => None,
    })
    .await;
    assert_eq!(account, Some(bob_acct.id()), "the call names its account");
    let offer = offer.expect("the offer travels with the call");
    assert_eq!(offer.audio().unwrap().codecs[0].encoding, "PCMU");
    let b_call = b.call_handle(b_id);
    b_call.ring().unwrap();
    state(&a, a_call.id(), CallState::Ringing).await;
    b_call.answer().unwrap();
    for (p, c) in [(&a, &a_call), (&b, &b_call)] {
        let m = expect(p, "media", |e| match e {
            PhoneEvent::MediaStarted { call, media } if *call == c.id() => Some(media.clone()),
            _ => None,
        })
        .await;
        let audio = m.audio().expect("audio agreed");
        assert_eq!(audio.send.as_ref().unwrap().payload_type, 0);
        assert_eq!(audio.direction, MediaDirection::SendRecv);
        state(p, c.id(), CallState::Active).await;
    }
    Pair {
        a,
        b,
        media,
        a_call,
        b_call,
    }
}

#[tokio::test]
async fn a_call_runs_end_to_end_without_sip() {
    let p = connected_pair().await;
    // Media was applied through the stacks' media port on both sides.
    let applied = p.media.applied.lock().unwrap().clone();
    assert!(applied.iter().any(|(c, _)| *c == p.a_call.id()));
    assert!(applied.iter().any(|(c, _)| *c == p.b_call.id()));

    // RFC 4733 through the media session (telephone-event was agreed).
    p.a_call.send_dtmf("12#").unwrap();
    let sent: Vec<char> = p
        .media
        .digits
        .lock()
        .unwrap()
        .iter()
        .filter(|(c, _)| *c == p.a_call.id())
        .map(|(_, d)| *d)
        .collect();
    assert_eq!(sent, vec!['1', '2', '#']);
    assert_eq!(p.a_call.stats().unwrap().packets_sent, 3);

    p.a_call.hangup().unwrap();
    let reason = expect(&p.b, "end", |e| match e {
        PhoneEvent::CallEnded { call, reason } if *call == p.b_call.id() => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason, EndReason::remote(Cause::NormalClearing));
    assert_eq!(reason.to_string(), "the peer hung up");
    assert_eq!(
        p.a_call.end_reason().unwrap(),
        Some(EndReason::local(Cause::NormalClearing))
    );
    // Media released on both sides, final stats kept.
    let stopped = p.media.stopped.lock().unwrap().clone();
    assert!(stopped.contains(&p.a_call.id()) && stopped.contains(&p.b_call.id()));
    assert_eq!(p.a_call.stats().unwrap().packets_sent, 3);
}

#[tokio::test]
async fn local_and_remote_hold_are_told_apart() {
    let p = connected_pair().await;
    p.a_call.hold().unwrap();
    assert_eq!(p.a_call.state().unwrap(), CallState::Held(Hold::Local));
    state(&p.b, p.b_call.id(), CallState::Held(Hold::Remote)).await;
    p.b_call.hold().unwrap();
    assert_eq!(p.b_call.state().unwrap(), CallState::Held(Hold::Both));
    state(&p.a, p.a_call.id(), CallState::Held(Hold::Both)).await;
    p.a_call.resume().unwrap();
    state(&p.b, p.b_call.id(), CallState::Held(Hold::Local)).await;
    assert_eq!(p.a_call.hold_state().unwrap(), Some(Hold::Remote));
    // Resuming what we did not hold is a state error, named readably.
    let err = p.a_call.resume().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot resume a call that is held by the peer"
    );
}

#[tokio::test]
async fn refusals_carry_neutral_causes() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    let b = phone("bob", &switch, &media).await;
    let call = a.call("loop:bob").unwrap();
    let id = expect(&b, "incoming", |e| match e {
        PhoneEvent::IncomingCall { call, .. } => Some(*call),
        _ => None,
    })
    .await;
    b.call_handle(id).reject(Cause::Busy).unwrap();
    let reason = expect(&a, "end", |e| match e {
        PhoneEvent::CallEnded { call: c, reason } if *c == call.id() => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason.cause(), Cause::Busy);
    assert_eq!(reason.initiator, Initiator::Remote);
    assert_eq!(reason.to_string(), "refused by the peer: busy");

    // Nobody there: the stack says so as a cause, not a log line.
    let lost = a.call("loop:nobody").unwrap();
    let reason = expect(&a, "end", |e| match e {
        PhoneEvent::CallEnded { call: c, reason } if *c == lost.id() => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason.cause(), Cause::NotFound);
}

#[tokio::test]
async fn every_command_in_a_wrong_state_is_refused_at_once() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    let _b = phone("bob", &switch, &media).await;
    let call = a.call("loop:bob").unwrap();
    assert_eq!(call.state().unwrap(), CallState::Dialing);
    let wrong = |r: Result<(), Error>, op: &str| match r {
        Err(Error::InvalidState { operation, state }) => {
            assert_eq!(operation, op);
            assert_eq!(state, CallState::Dialing);
        }
        other => panic!("{op}: expected InvalidState, got {other:?}"),
    };
    wrong(call.answer(), "answer");
    wrong(call.ring(), "ring");
    wrong(call.reject(Cause::Busy), "reject");
    wrong(call.hold(), "hold");
    wrong(call.resume(), "resume");
    wrong(call.transfer("loop:carol"), "transfer");
    wrong(call.send_dtmf("1"), "send DTMF on");
    assert!(matches!(
        call.redirect(&["loop:carol"]),
        Err(Error::Unsupported {
            operation: "redirect",
            ..
        })
    ));
    assert!(matches!(call.send_dtmf("x"), Err(Error::InvalidAddress(_))));
    // Not supported by this stack at all: said before any state check.
    assert!(matches!(
        call.progress(),
        Err(Error::InvalidState { .. }) | Err(Error::Unsupported { .. })
    ));
    let other = a.call("loop:bob").unwrap();
    assert!(matches!(
        call.transfer_to(&other),
        Err(Error::Unsupported {
            operation: "attended transfer",
            stack: "loop"
        })
    ));
    // Conference needs established calls and a mixer.
    assert!(matches!(
        a.conference(&[call.clone(), other.clone()]),
        Err(Error::InvalidState { .. })
    ));
    // Unknown handles.
    call.hangup().unwrap();
    other.hangup().unwrap();
    assert_eq!(call.hangup().ok(), Some(()), "hanging up twice is harmless");
}

#[tokio::test]
async fn failed_commands_reach_the_application_as_events() {
    let p = connected_pair().await;
    p.a_call.transfer("loop:nobody").unwrap();
    let (op, reason) = expect(&p.a, "command failure", |e| match e {
        PhoneEvent::CommandFailed {
            call: Some(c),
            operation,
            reason,
        } if *c == p.a_call.id() => Some((*operation, reason.clone())),
        _ => None,
    })
    .await;
    assert_eq!(op, Operation::Transfer);
    assert_eq!(reason.cause, Cause::NotFound);
    let line = PhoneEvent::CommandFailed {
        call: Some(p.a_call.id()),
        operation: op,
        reason,
    }
    .to_string();
    assert_eq!(
        line,
        format!(
            "transfer of {} failed: not found: loop:nobody",
            p.a_call.id()
        )
    );
    // A blind transfer to a known party reaches the peer as a request.
    p.a_call.transfer("loop:bob").unwrap();
    let target = expect(&p.b, "transfer request", |e| match e {
        PhoneEvent::TransferRequested { call, target } if *call == p.b_call.id() => {
            Some(target.clone())
        }
        _ => None,
    })
    .await;
    assert_eq!(target.uri(), "loop:bob");
    // The engine has no mixer: conference is refused with the engine's error.
    let second = p.a.call("loop:bob").unwrap();
    let err = p.a.conference(&[p.a_call.clone(), second]).unwrap_err();
    assert!(matches!(err, Error::InvalidState { .. } | Error::Media(_)));
}

#[tokio::test]
async fn a_second_call_is_announced_as_waiting_and_answered_holding_the_first() {
    let p = connected_pair().await;
    let switch_media = p.media.clone();
    let _ = switch_media;
    let c = p.a.clone();
    // Bob calls Alice while their first call is up.
    let second = p.b.call("loop:alice").unwrap();
    let (id, waiting) = expect(&c, "second incoming", |e| match e {
        PhoneEvent::IncomingCall { call, waiting, .. } => Some((*call, *waiting)),
        _ => None,
    })
    .await;
    assert!(waiting, "a call while another is active is waiting");
    c.call_handle(id).answer_holding_others().unwrap();
    assert_eq!(p.a_call.state().unwrap(), CallState::Held(Hold::Local));
    state(&p.b, second.id(), CallState::Active).await;
}

/// `Phone::send_message` sends from the first account of the scheme, as
/// `Phone::call` does, not anonymously (linphonec showed our MESSAGE as
/// from `sip:openphone@…` although the phone had an account).
#[tokio::test]
async fn phone_message_goes_from_the_first_account() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    let b = phone("bob", &switch, &media).await;
    // An identity unlike the node's own name, so the test tells them apart.
    a.add_account(AccountConfig::new("loop:carol".parse().unwrap()).with_register(false))
        .unwrap();
    a.send_message("loop:bob", "text/plain", b"hi").unwrap();
    let line = expect(&b, "message", |e| match e {
        PhoneEvent::Message { .. } => Some(e.to_string()),
        _ => None,
    })
    .await;
    assert_eq!(line, "message from <loop:carol>: hi");
}

#[tokio::test]
async fn messages_presence_and_subscriptions() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    let b = phone("bob", &switch, &media).await;
    let alice = a
        .add_account(AccountConfig::new("loop:alice".parse().unwrap()))
        .unwrap();
    let bob = b
        .add_account(AccountConfig::new("loop:bob".parse().unwrap()))
        .unwrap();
    expect(&a, "registered", |e| match e {
        PhoneEvent::Registration {
            state: RegistrationState::Registered { .. },
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    assert!(matches!(
        alice.registration().unwrap(),
        RegistrationState::Registered { .. }
    ));

    alice.send_message("loop:bob", "text/plain", b"hi").unwrap();
    let line = expect(&b, "message", |e| match e {
        PhoneEvent::Message { .. } => Some(e.to_string()),
        _ => None,
    })
    .await;
    assert_eq!(line, "message from <loop:alice>: hi");

    let sub = alice.subscribe("loop:bob", EventPackage::Presence).unwrap();
    expect(&a, "subscription active", |e| match e {
        PhoneEvent::Subscription {
            subscription,
            state: SubscriptionState::Active { .. },
        } if *subscription == sub.id() => Some(()),
        _ => None,
    })
    .await;
    bob.publish(PresenceStatus::new(BasicStatus::Closed).with_note("away"))
        .unwrap();
    let content = expect(&a, "presence", |e| match e {
        PhoneEvent::Notify {
            subscription: Some(s),
            content,
            ..
        } if *s == sub.id() => Some(content.clone()),
        _ => None,
    })
    .await;
    assert_eq!(content.to_string(), "loop:bob is closed (away)");
    sub.cancel().unwrap();
    expect(&a, "terminated", |e| match e {
        PhoneEvent::Subscription {
            state: SubscriptionState::Terminated(_),
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    assert!(matches!(sub.cancel(), Err(Error::UnknownSubscription)));

    // A subscription to nobody is terminated with a cause.
    let lost = alice
        .subscribe("loop:nobody", EventPackage::MessageSummary)
        .unwrap();
    let reason = expect(&a, "terminated", |e| match e {
        PhoneEvent::Subscription {
            subscription,
            state: SubscriptionState::Terminated(r),
        } if *subscription == lost.id() => Some(r.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason.cause, Cause::NotFound);
}

#[tokio::test]
async fn media_that_cannot_be_reserved_fails_the_dial_at_once() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    *media.fail_create.lock().unwrap() = true;
    let err = a.call("loop:bob").unwrap_err();
    assert_eq!(err.to_string(), "media error: no ports left");
    assert!(a.active_calls().is_empty());
}

#[tokio::test]
async fn unsupported_capabilities_and_schemes_are_errors() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    assert!(matches!(
        a.call("sip:bob@127.0.0.1"),
        Err(Error::NoStackForScheme(s)) if s == "sip"
    ));
    let caps = a.capabilities("loop").unwrap();
    assert!(!caps.has(Capability::Redirect));
    // Encryption the engine lacks is refused when the account is added.
    *media.no_encryption.lock().unwrap() = true;
    let secure = AccountConfig::new("loop:alice".parse().unwrap())
        .with_security(SecurityPolicy::new(MediaEncryption::Zrtp, true));
    assert!(matches!(
        a.add_account(secure),
        Err(Error::Unsupported { .. })
    ));
}

#[tokio::test]
async fn an_attached_line_talks_to_the_stack_both_ways() {
    let switch = Switch::default();
    let media = TestMedia::default();
    let a = phone("alice", &switch, &media).await;
    let acct = a
        .add_account(AccountConfig::new("loop:alice".parse().unwrap()))
        .unwrap();
    let signals = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    acct.attach_line(Box::new(loopback::ScriptedLine {
        events: [
            LineEvent::Hook(HookState::OffHook),
            LineEvent::digit('5').unwrap(),
        ]
        .into(),
        signals: signals.clone(),
        refuse: false,
    }))
    .unwrap();
    let first = expect(&a, "dial tone", |e| match e {
        PhoneEvent::LineSignal { signal, .. } => Some(signal.clone()),
        _ => None,
    })
    .await;
    assert_eq!(first, LineSignal::Tone(line::Tone::Dial));
    expect(&a, "tone stopped", |e| match e {
        PhoneEvent::LineSignal {
            signal: LineSignal::StopTone,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(
        signals.lock().unwrap().clone(),
        vec![LineSignal::Tone(line::Tone::Dial), LineSignal::StopTone]
    );

    // A device that cannot produce a signal says so through an event.
    acct.attach_line(Box::new(loopback::ScriptedLine {
        events: [LineEvent::Hook(HookState::OffHook)].into(),
        signals,
        refuse: true,
    }))
    .unwrap();
    let reason = expect(&a, "line failure", |e| match e {
        PhoneEvent::CommandFailed {
            operation: Operation::Line,
            reason,
            ..
        } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason.cause, Cause::Unsupported);
}

#[tokio::test]
async fn ended_calls_are_kept_in_the_history() {
    let p = connected_pair().await;
    p.a_call.send_dtmf("1").unwrap();
    p.a_call.hangup().unwrap();
    expect(&p.b, "end", |e| match e {
        PhoneEvent::CallEnded { call, .. } if *call == p.b_call.id() => Some(()),
        _ => None,
    })
    .await;
    let a = p.a.history();
    assert_eq!(a.len(), 1, "{a:?}");
    let r = &a[0];
    assert_eq!(r.call, p.a_call.id());
    assert_eq!(r.direction, CallDirection::Outgoing);
    assert_eq!(r.remote.uri(), "loop:bob");
    assert_eq!(r.reason, EndReason::local(Cause::NormalClearing));
    let answered = r.answered.expect("answered");
    assert!(r.started <= answered && answered <= r.ended);
    assert_eq!(r.media.as_ref().map(|m| m.packets_sent), Some(1));
    assert!(
        r.to_string()
            .contains("outgoing <loop:bob>, talked 0:00, we hung up"),
        "{r}"
    );

    let b = p.b.history();
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].direction, CallDirection::Incoming);
    assert!(
        b[0].account.is_some(),
        "the incoming call names its account"
    );
    assert_eq!(b[0].reason, EndReason::remote(Cause::NormalClearing));

    // A refused call: never answered.
    let c = p.a.call("loop:nobody").unwrap();
    expect(&p.a, "end", |e| match e {
        PhoneEvent::CallEnded { call, .. } if *call == c.id() => Some(()),
        _ => None,
    })
    .await;
    let a = p.a.history();
    assert_eq!(a.len(), 2);
    assert_eq!(a[1].answered, None);
    assert_eq!(a[1].reason.cause(), Cause::NotFound);
    p.a.clear_history();
    assert!(p.a.history().is_empty());
}

#[tokio::test]
async fn a_required_policy_ends_a_call_whose_media_cannot_be_secured() {
    let policy = SecurityPolicy::new(MediaEncryption::Zrtp, true);
    let p =
        connected_pair_with(AccountConfig::new("loop:bob".parse().unwrap()).with_security(policy))
            .await;
    let failed = SecurityState::Failed("ZRTP: bad DHPart2 hash".into());
    p.media
        .report(p.b_call.id(), MediaEvent::Security(failed.clone()));
    let reason = expect(&p.b, "end", |e| match e {
        PhoneEvent::CallEnded { call, reason } if *call == p.b_call.id() => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason.cause(), Cause::SecurityFailure);
    assert!(reason.to_string().contains("bad DHPart2 hash"), "{reason}");
    expect(&p.a, "the peer hangs up", |e| match e {
        PhoneEvent::CallEnded { call, .. } if *call == p.a_call.id() => Some(()),
        _ => None,
    })
    .await;
}

#[tokio::test]
async fn a_best_effort_policy_reports_a_security_failure_and_talks_on() {
    let policy = SecurityPolicy::new(MediaEncryption::Zrtp, false);
    let p =
        connected_pair_with(AccountConfig::new("loop:bob".parse().unwrap()).with_security(policy))
            .await;
    let failed = SecurityState::Failed("ZRTP: no answer".into());
    p.media
        .report(p.b_call.id(), MediaEvent::Security(failed.clone()));
    let state = expect(&p.b, "security event", |e| match e {
        PhoneEvent::Security { call, state } if *call == p.b_call.id() => Some(state.clone()),
        _ => None,
    })
    .await;
    assert_eq!(state, failed);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(p.b_call.state().unwrap(), CallState::Active);
}

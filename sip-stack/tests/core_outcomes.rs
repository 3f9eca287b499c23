//! What the UA core reports: neutral causes with the SIP code beside them, and an
//! event for every command it cannot carry out (the SAL's "no silent failures").

use std::time::Duration;

use openphone_sal::{
    AccountConfig, AccountId, Address, BasicStatus, CallId, Cause, EndReason, EventPackage,
    Initiator, Operation, PresenceStatus, RawCause, Reason, RegistrationState, StackCommand,
    StackEvent, SubscriptionId, SubscriptionState, TransferStatus,
};
use openphone_sip::SipCore;

#[path = "common/scripted_peer.rs"]
mod scripted;
use scripted::*;

/// The one CommandFailed among `events`: (call, operation, reason).
fn failure(events: &[StackEvent]) -> (Option<CallId>, Operation, Reason) {
    match events {
        [StackEvent::CommandFailed {
            call,
            operation,
            reason,
        }] => (*call, *operation, reason.clone()),
        e => panic!("expected one CommandFailed, got {e:?}"),
    }
}

/// The one CallEnded among `events`.
fn ended(events: &[StackEvent]) -> EndReason {
    match events {
        [StackEvent::CallEnded { reason, .. }] => reason.clone(),
        e => panic!("expected one CallEnded, got {e:?}"),
    }
}

fn carol() -> Address {
    Address::new("sip:carol@127.0.0.1:5080").unwrap()
}

#[test]
fn hold_transfer_and_dtmf_need_an_established_call() {
    let (mut core, t0) = core();
    // A call still ringing at the peer, and one that never existed.
    let (ringing, _inv) = dial(&mut core, t0, None);
    for call in [ringing, CallId::next()] {
        for cmd in [
            StackCommand::Hold { call },
            StackCommand::Resume { call },
            StackCommand::Transfer { call, to: carol() },
            StackCommand::SendDtmf {
                call,
                digits: "1".into(),
            },
        ] {
            let op = cmd.operation().unwrap();
            core.handle_command(t0, cmd);
            assert!(drain(&mut core).is_empty(), "{op}: nothing sent");
            let (c, operation, reason) = failure(&events(&mut core));
            assert_eq!((c, operation), (Some(call), op));
            assert_eq!(reason.cause, Cause::NotEstablished, "{op}: {reason}");
        }
    }
}

#[test]
fn refused_hold_and_resume_are_command_failures() {
    let (mut core, t0, call, tag) = established("h1");
    core.handle_command(t0, StackCommand::Hold { call });
    let reinvite = text(&drain(&mut core)[0]);
    assert!(reinvite.contains("a=sendonly"));
    core.handle_datagram(t0, me(), peer(), &answer_to(&reinvite, 488, None, "", ""));
    assert!(text(&drain(&mut core)[0]).starts_with("ACK "));
    let (c, op, reason) = failure(&events(&mut core));
    assert_eq!((c, op), (Some(call), Operation::Hold));
    assert_eq!(reason.cause, Cause::IncompatibleMedia);
    assert_eq!(reason.raw, Some(RawCause::Sip(488)));

    // Nothing changed: a new hold is a new offer, and this one succeeds.
    core.handle_command(t0, StackCommand::Hold { call });
    let reinvite = text(&drain(&mut core)[0]);
    assert!(reinvite.contains("a=sendonly"));
    let ok = answer_to(&reinvite, 200, None, "", &sdp(7000, "recvonly"));
    core.handle_datagram(t0, me(), peer(), &ok);
    assert!(text(&drain(&mut core)[0]).starts_with("ACK "));
    match events(&mut core).as_slice() {
        [StackEvent::MediaNegotiated { media, .. }] => {
            assert_eq!(direction(media), openphone_sal::MediaDirection::SendOnly)
        }
        e => panic!("{e:?}"),
    }

    // While we hold, the peer's own re-INVITE is answered sendonly.
    let theirs = request(
        "INVITE",
        "z9hG4bKpeer",
        "h1",
        2,
        Some(&tag),
        "",
        &sdp(7000, "sendrecv"),
        "application/sdp",
    );
    core.handle_datagram(t0, me(), peer(), &theirs);
    let ok = responses(&drain(&mut core)).remove(0);
    assert!(String::from_utf8_lossy(&ok.body).contains("a=sendonly"));
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("ACK", "z9hG4bKpa", "h1", 2, Some(&tag), "", "", ""),
    );
    events(&mut core);

    // A refused resume is a Resume failure, with the peer's code.
    core.handle_command(t0, StackCommand::Resume { call });
    let reinvite = text(&drain(&mut core)[0]);
    assert!(reinvite.contains("a=sendrecv"));
    core.handle_datagram(t0, me(), peer(), &answer_to(&reinvite, 403, None, "", ""));
    drain(&mut core);
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(op, Operation::Resume);
    assert_eq!(reason.cause, Cause::Forbidden);
    assert_eq!(reason.raw, Some(RawCause::Sip(403)));
}

#[test]
fn a_second_hold_while_one_is_pending_fails() {
    let (mut core, t0, call, _tag) = established("h2");
    core.handle_command(t0, StackCommand::Hold { call });
    assert_eq!(drain(&mut core).len(), 1);
    core.handle_command(t0, StackCommand::Resume { call });
    assert!(drain(&mut core).is_empty());
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(op, Operation::Resume);
    assert_eq!(reason.cause, Cause::InvalidRequest);
}

#[test]
fn reject_sends_the_raw_sip_code_or_the_mapped_one() {
    let cases = [
        // A raw SIP failure code wins over the cause.
        (
            Reason::new(Cause::Declined).with_raw(RawCause::Sip(486)),
            486,
        ),
        (Reason::new(Cause::Declined), 603),
        (Reason::new(Cause::Busy), 486),
        (Reason::new(Cause::NotFound), 404),
        // A raw code that is not a failure, or not SIP's, is not sent.
        (Reason::new(Cause::Busy).with_raw(RawCause::Sip(200)), 486),
        (Reason::new(Cause::Busy).with_raw(RawCause::Q850(21)), 486),
        // A rejection cannot redirect: it has no targets.
        (Reason::new(Cause::Redirected), 480),
    ];
    for (n, (reason, code)) in cases.into_iter().enumerate() {
        let (mut core, t0) = core();
        let (call, _) = ring(&mut core, t0, &format!("rj{n}"), "");
        core.handle_command(
            t0,
            StackCommand::Reject {
                call,
                reason: reason.clone(),
            },
        );
        assert_eq!(codes(&drain(&mut core)), vec![code], "{reason}");
        let end = ended(&events(&mut core));
        assert_eq!(end.initiator, Initiator::Local);
        assert_eq!(end.cause(), reason.cause);
        assert_eq!(end.reason.raw, Some(RawCause::Sip(code)));
    }
}

#[test]
fn answer_reject_and_alert_need_a_ringing_call() {
    let (mut core, t0, call, _tag) = established("r1");
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: media(8000),
        },
    );
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(
        (op, reason.cause),
        (Operation::Answer, Cause::InvalidRequest)
    );
    core.handle_command(
        t0,
        StackCommand::Reject {
            call,
            reason: Reason::new(Cause::Busy),
        },
    );
    let (_, op, _) = failure(&events(&mut core));
    assert_eq!(op, Operation::Reject);
    core.handle_command(
        t0,
        StackCommand::Alert {
            call,
            early_media: None,
        },
    );
    let (_, op, _) = failure(&events(&mut core));
    assert_eq!(op, Operation::Alert);
    core.handle_command(
        t0,
        StackCommand::Redirect {
            call,
            targets: vec![carol()],
        },
    );
    let (_, op, _) = failure(&events(&mut core));
    assert_eq!(op, Operation::Redirect);
    assert!(
        drain(&mut core).is_empty(),
        "the established call is untouched"
    );

    // On a ringing call, Alert has nothing to send: 180 went out on arrival.
    let (mut core, t0) = self::core();
    let (call, _) = ring(&mut core, t0, "r2", "");
    core.handle_command(
        t0,
        StackCommand::Alert {
            call,
            early_media: None,
        },
    );
    assert!(drain(&mut core).is_empty());
    assert!(events(&mut core).is_empty());
    // A redirect without targets is refused; the call keeps ringing.
    core.handle_command(
        t0,
        StackCommand::Redirect {
            call,
            targets: vec![],
        },
    );
    assert!(drain(&mut core).is_empty());
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(
        (op, reason.cause),
        (Operation::Redirect, Cause::InvalidRequest)
    );
}

#[test]
fn commands_not_implemented_yet_fail_as_unsupported() {
    let (mut core, t0) = core();
    let (call, _) = ring(&mut core, t0, "u1", "");
    let commands = [StackCommand::Alert {
        call,
        early_media: Some(media(8000)),
    }];
    for cmd in commands {
        let op = cmd.operation().unwrap();
        core.handle_command(t0, cmd);
        let (_, operation, reason) = failure(&events(&mut core));
        assert_eq!(operation, op);
        assert_eq!(reason.cause, Cause::Unsupported);
        assert!(reason
            .text
            .as_deref()
            .unwrap()
            .contains("not implemented by the SIP stack yet"));
    }
    assert!(drain(&mut core).is_empty(), "nothing went on the wire");
}

#[test]
fn subscription_commands_for_unknown_things_fail() {
    let (mut core, t0) = core();
    core.handle_command(
        t0,
        StackCommand::Unsubscribe {
            subscription: SubscriptionId::next(),
        },
    );
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(
        (op, reason.cause),
        (Operation::Unsubscribe, Cause::InvalidRequest)
    );
    core.handle_command(
        t0,
        StackCommand::Publish {
            account: AccountId::next(),
            status: PresenceStatus::new(BasicStatus::Open),
        },
    );
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(
        (op, reason.cause),
        (Operation::Publish, Cause::InvalidRequest)
    );
    // A URI that is not SIP ends the subscription at once.
    let subscription = SubscriptionId::next();
    core.handle_command(
        t0,
        StackCommand::Subscribe {
            subscription,
            account: None,
            to: Address::new("tel:+15551234").unwrap(),
            package: EventPackage::Presence,
            expires: Duration::from_secs(600),
        },
    );
    match events(&mut core).as_slice() {
        [StackEvent::CommandFailed {
            operation: Operation::Subscribe,
            ..
        }, StackEvent::Subscription {
            subscription: s,
            state: SubscriptionState::Terminated(_),
        }] => assert_eq!(*s, subscription),
        e => panic!("{e:?}"),
    }
    assert!(drain(&mut core).is_empty(), "nothing went on the wire");
}

#[test]
fn transfer_progress_from_the_refer_answer_and_notify() {
    let (mut core, t0, call, tag) = established("t1");
    core.handle_command(t0, StackCommand::Transfer { call, to: carol() });
    let refer = text(&drain(&mut core)[0]);
    assert!(refer.starts_with("REFER "));
    core.handle_datagram(t0, me(), peer(), &answer_to(&refer, 202, None, "", ""));
    let progress = |core: &mut SipCore| match events(core).as_slice() {
        [StackEvent::TransferProgress { call: c, status }] => {
            assert_eq!(*c, call);
            status.clone()
        }
        e => panic!("{e:?}"),
    };
    assert_eq!(progress(&mut core), TransferStatus::Trying);
    let notify = |cseq: u32, frag: &str| {
        request(
            "NOTIFY",
            &format!("z9hG4bKn{cseq}"),
            "t1",
            cseq,
            Some(&tag),
            "Event: refer\r\nSubscription-State: active;expires=60\r\n",
            frag,
            "message/sipfrag;version=2.0",
        )
    };
    core.handle_datagram(t0, me(), peer(), &notify(2, "SIP/2.0 180 Ringing\r\n"));
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    assert_eq!(progress(&mut core), TransferStatus::Ringing);
    core.handle_datagram(t0, me(), peer(), &notify(3, "SIP/2.0 200 OK\r\n"));
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    assert_eq!(progress(&mut core), TransferStatus::Succeeded);
    // After success, further NOTIFYs are answered but report nothing.
    core.handle_datagram(t0, me(), peer(), &notify(4, "SIP/2.0 200 OK\r\n"));
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    assert!(events(&mut core).is_empty());

    // The target is busy: failed, with the target's code.
    core.handle_command(t0, StackCommand::Transfer { call, to: carol() });
    let refer = text(&drain(&mut core)[0]);
    core.handle_datagram(t0, me(), peer(), &answer_to(&refer, 202, None, "", ""));
    assert_eq!(progress(&mut core), TransferStatus::Trying);
    core.handle_datagram(t0, me(), peer(), &notify(5, "SIP/2.0 486 Busy Here\r\n"));
    drain(&mut core);
    match events(&mut core).as_slice() {
        [StackEvent::TransferProgress {
            status: TransferStatus::Failed(why),
            ..
        }, StackEvent::CommandFailed {
            operation: Operation::Transfer,
            reason,
            ..
        }] => {
            assert_eq!(why, reason);
            assert_eq!(why.cause, Cause::Busy);
            assert_eq!(why.raw, Some(RawCause::Sip(486)));
        }
        e => panic!("{e:?}"),
    }

    // The peer refuses the REFER itself.
    core.handle_command(t0, StackCommand::Transfer { call, to: carol() });
    let refer = text(&drain(&mut core)[0]);
    core.handle_datagram(t0, me(), peer(), &answer_to(&refer, 403, None, "", ""));
    match events(&mut core).as_slice() {
        [StackEvent::TransferProgress {
            status: TransferStatus::Failed(why),
            ..
        }, StackEvent::CommandFailed {
            operation: Operation::Transfer,
            ..
        }] => assert_eq!(why.cause, Cause::Forbidden),
        e => panic!("{e:?}"),
    }
}

#[test]
fn dtmf_failures_are_reported() {
    let (mut core, t0, call, _tag) = established("d1");
    // One digit is not DTMF: reported, the others still sent.
    core.handle_command(
        t0,
        StackCommand::SendDtmf {
            call,
            digits: "1x".into(),
        },
    );
    let out = drain(&mut core);
    assert_eq!(out.len(), 1);
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(
        (op, reason.cause),
        (Operation::SendDtmf, Cause::InvalidRequest)
    );
    // The peer does not take INFO.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&text(&out[0]), 501, None, "", ""),
    );
    let (_, op, reason) = failure(&events(&mut core));
    assert_eq!(op, Operation::SendDtmf);
    assert_eq!(reason.cause, Cause::Unsupported);
    assert_eq!(reason.raw, Some(RawCause::Sip(501)));
}

#[test]
fn message_failures_are_reported() {
    let (mut core, t0) = core();
    let send = |core: &mut SipCore, to: &str| {
        core.handle_command(
            t0,
            StackCommand::SendMessage {
                account: None,
                to: Address::new(to).unwrap(),
                content_type: "text/plain".into(),
                body: b"hi".to_vec(),
            },
        );
    };
    send(&mut core, &format!("sip:bob@{PEER}"));
    let m = text(&drain(&mut core)[0]);
    core.handle_datagram(t0, me(), peer(), &answer_to(&m, 404, Some("x"), "", ""));
    let (call, op, reason) = failure(&events(&mut core));
    assert_eq!((call, op), (None, Operation::SendMessage));
    assert_eq!(reason.cause, Cause::NotFound);
    assert_eq!(reason.raw, Some(RawCause::Sip(404)));

    // A host nobody resolved.
    send(&mut core, "sip:bob@unresolved.invalid");
    assert!(drain(&mut core).is_empty());
    let (_, _, reason) = failure(&events(&mut core));
    assert_eq!(reason.cause, Cause::NetworkError);

    // No answer at all: Timer F.
    send(&mut core, &format!("sip:bob@{PEER}"));
    let mut now = t0;
    let mut reported = Vec::new();
    while reported.is_empty() {
        now = core.poll_timeout().expect("Timer F pending");
        core.handle_timeout(now);
        drain(&mut core);
        reported = events(&mut core);
    }
    assert_eq!(now - t0, Duration::from_secs(32));
    let (_, op, reason) = failure(&reported);
    assert_eq!((op, reason.cause), (Operation::SendMessage, Cause::Timeout));
}

#[test]
fn a_media_failure_ends_the_call_as_its_state_allows() {
    // Confirmed: BYE.
    let (mut core, t0, call, _tag) = established("m1");
    core.handle_media_failure(t0, call, "codec not available: GSM");
    let out = drain(&mut core);
    assert!(text(&out[0]).starts_with("BYE "));
    let end = ended(&events(&mut core));
    assert_eq!(end.initiator, Initiator::System);
    assert_eq!(end.cause(), Cause::IncompatibleMedia);
    assert_eq!(end.reason.text.as_deref(), Some("codec not available: GSM"));
    // Once ended, another report changes nothing.
    core.handle_media_failure(t0, call, "again");
    assert!(drain(&mut core).is_empty() && events(&mut core).is_empty());

    // Early media on our call: CANCEL.
    let (mut core, t0) = self::core();
    let (call, inv) = dial(&mut core, t0, None);
    let early = answer_to(&inv, 183, Some("e1"), "", &sdp(7000, "sendrecv"));
    core.handle_datagram(t0, me(), peer(), &early);
    assert!(matches!(
        events(&mut core).as_slice(),
        [
            StackEvent::Ringing {
                early_media: true,
                ..
            },
            StackEvent::MediaNegotiated { .. }
        ]
    ));
    core.handle_media_failure(t0, call, "no audio device");
    assert!(text(&drain(&mut core)[0]).starts_with("CANCEL "));
    assert_eq!(ended(&events(&mut core)).cause(), Cause::IncompatibleMedia);
    // The INVITE ends with 487, which is ACKed and not reported again.
    core.handle_datagram(t0, me(), peer(), &answer_to(&inv, 487, Some("e1"), "", ""));
    assert!(text(&drain(&mut core)[0]).starts_with("ACK "));
    assert!(events(&mut core).is_empty());
}

#[test]
fn cancel_from_a_forking_proxy_means_answered_elsewhere() {
    let (mut core, t0) = core();
    ring(&mut core, t0, "f1", &sdp(7000, "sendrecv"));
    let cancel = request(
        "CANCEL",
        "z9hG4bKinv1",
        "f1",
        1,
        None,
        "Reason: SIP ;cause=200 ;text=\"Call completed elsewhere\"\r\n",
        "",
        "",
    );
    core.handle_datagram(t0, me(), peer(), &cancel);
    assert_eq!(codes(&drain(&mut core)), vec![200, 487]);
    assert_eq!(
        ended(&events(&mut core)),
        EndReason::remote(Cause::AnsweredElsewhere)
    );
}

#[test]
fn registration_failures_carry_their_cause() {
    let (mut core, t0) = core();
    let account = AccountId::next();
    let config = AccountConfig::new(Address::new(format!("sip:alice@{PEER}")).unwrap());
    core.handle_command(t0, StackCommand::AddAccount { account, config });
    events(&mut core);
    let reg = text(&drain(&mut core)[0]);
    core.handle_datagram(t0, me(), peer(), &answer_to(&reg, 403, Some("r"), "", ""));
    match events(&mut core).as_slice() {
        [StackEvent::Registration {
            state: RegistrationState::Failed { reason },
            ..
        }] => {
            assert_eq!(reason.cause, Cause::Forbidden);
            assert_eq!(reason.raw, Some(RawCause::Sip(403)));
        }
        e => panic!("{e:?}"),
    }
    // The retry a minute later gets no answer at all.
    let mut now = t0 + Duration::from_secs(60);
    core.handle_timeout(now);
    assert!(text(&drain(&mut core)[0]).starts_with("REGISTER "));
    let mut reported = Vec::new();
    while reported.is_empty() {
        now = core.poll_timeout().expect("timer pending");
        core.handle_timeout(now);
        drain(&mut core);
        reported = events(&mut core);
    }
    match reported.as_slice() {
        [StackEvent::Registration {
            state: RegistrationState::Failed { reason },
            ..
        }] => {
            assert_eq!(reason.cause, Cause::Timeout);
            assert_eq!(reason.raw, None);
        }
        e => panic!("{e:?}"),
    }
}

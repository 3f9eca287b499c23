//! The UA core against a scripted peer: each test writes the peer's messages by hand
//! (as RFC 3261 describes them) and checks what the core answers and reports.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use openphone_sal::{
    AccountConfig, AccountId, Address, Cause, CodecDescriptor, EndReason, Initiator,
    MediaDescription, MediaDirection, RawCause, Reason, RegistrationState, StackCommand,
    StackEvent, StreamDescription,
};
use openphone_sip::message::Method;
use openphone_sip::{CoreConfig, SipCore};

#[path = "common/scripted_peer.rs"]
mod scripted;
use scripted::*;

#[test]
fn answered_call_retransmits_2xx_until_ack_then_ends_on_bye() {
    let (mut core, t0) = core();
    let (call, tag) = ring(&mut core, t0, "c1", &sdp(7000, "sendrecv"));
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: media(8000),
        },
    );
    let out = drain(&mut core);
    let ok = responses(&out).remove(0);
    assert_eq!(ok.status, 200);
    assert!(ok.headers.contacts().next().is_some());
    assert!(String::from_utf8_lossy(&ok.body).contains("m=audio 8000 RTP/AVP 0"));
    // No ACK: the UAS core retransmits the 2xx at T1, 2·T1…
    let d = core.poll_timeout().unwrap();
    assert_eq!(d - t0, Duration::from_millis(500));
    core.handle_timeout(d);
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    // The INVITE retransmitted meanwhile gets the 2xx again, not a second call.
    core.handle_datagram(d, me(), peer(), &invite("c1", &sdp(7000, "sendrecv")));
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    assert!(events(&mut core).is_empty());
    // ACK confirms.
    core.handle_datagram(
        d,
        me(),
        peer(),
        &request("ACK", "z9hG4bKack1", "c1", 1, Some(&tag), "", "", ""),
    );
    let ev = events(&mut core);
    assert!(matches!(ev[0], StackEvent::Connected { .. }));
    match &ev[1] {
        StackEvent::MediaNegotiated { media, .. } => {
            assert_eq!(sending(media).remote_rtp.port(), 7000);
            assert_eq!(sending(media).telephone_event, Some(101));
        }
        e => panic!("{e:?}"),
    }
    core.handle_timeout(d + Duration::from_secs(2));
    assert!(
        drain(&mut core).is_empty(),
        "retransmissions stop after the ACK"
    );
    // BYE from the peer.
    core.handle_datagram(
        d,
        me(),
        peer(),
        &request("BYE", "z9hG4bKbye1", "c1", 2, Some(&tag), "", "", ""),
    );
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(*reason, EndReason::remote(Cause::NormalClearing))
        }
        e => panic!("{e:?}"),
    }
    // A second BYE: the dialog is gone.
    core.handle_datagram(
        d,
        me(),
        peer(),
        &request("BYE", "z9hG4bKbye2", "c1", 3, Some(&tag), "", "", ""),
    );
    assert_eq!(codes(&drain(&mut core)), vec![481]);
}

#[test]
fn cancel_before_answer() {
    let (mut core, t0) = core();
    let (_call, _) = ring(&mut core, t0, "c2", &sdp(7000, "sendrecv"));
    let cancel = request("CANCEL", "z9hG4bKinv1", "c2", 1, None, "", "", "");
    core.handle_datagram(t0, me(), peer(), &cancel);
    assert_eq!(codes(&drain(&mut core)), vec![200, 487]);
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(*reason, EndReason::remote(Cause::Cancelled))
        }
        e => panic!("{e:?}"),
    }
    // The 487 is retransmitted until the ACK (timer G), which the transaction absorbs.
    core.handle_timeout(t0 + Duration::from_millis(500));
    assert_eq!(codes(&drain(&mut core)), vec![487]);
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("ACK", "z9hG4bKinv1", "c2", 1, Some("x"), "", "", ""),
    );
    core.handle_timeout(t0 + Duration::from_secs(2));
    assert!(drain(&mut core).is_empty());
    // CANCEL for nothing.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("CANCEL", "z9hG4bKnone", "c9", 1, None, "", "", ""),
    );
    assert_eq!(codes(&drain(&mut core)), vec![481]);
}

#[test]
fn reject_and_redirect() {
    let (mut core, t0) = core();
    let (call, _) = ring(&mut core, t0, "c3", "");
    let reason = Reason::new(Cause::Busy).with_raw(RawCause::Sip(486));
    core.handle_command(t0, StackCommand::Reject { call, reason });
    assert_eq!(codes(&drain(&mut core)), vec![486]);
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(reason.initiator, Initiator::Local);
            assert_eq!(reason.cause(), Cause::Busy);
            assert_eq!(reason.reason.raw, Some(RawCause::Sip(486)));
        }
        e => panic!("{e:?}"),
    }
    let (mut core, t0) = self::core();
    let (call, _) = ring(&mut core, t0, "c4", "");
    let targets = vec![Address::new("sip:voicemail@127.0.0.1").unwrap()];
    core.handle_command(t0, StackCommand::Redirect { call, targets });
    let out = drain(&mut core);
    let r = responses(&out).remove(0);
    assert_eq!(r.status, 302);
    assert!(text(&out[0]).contains("Contact: <sip:voicemail@127.0.0.1>"));
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(reason.initiator, Initiator::Local);
            assert_eq!(reason.cause(), Cause::Redirected);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn no_common_codec_is_488() {
    let (mut core, t0) = core();
    let (call, _) = ring(&mut core, t0, "c5", &sdp(7000, "sendrecv"));
    let g722_only = MediaDescription::from(
        StreamDescription::audio("127.0.0.1:8000".parse().unwrap())
            .with_codec(CodecDescriptor::new(9, "G722", 8000)),
    );
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: g722_only,
        },
    );
    assert_eq!(codes(&drain(&mut core)), vec![488]);
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(reason.initiator, Initiator::Local);
            assert_eq!(reason.cause(), Cause::IncompatibleMedia);
            assert_eq!(reason.reason.raw, Some(RawCause::Sip(488)));
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn offerless_invite_gets_offer_in_200_and_answer_in_ack() {
    let (mut core, t0) = core();
    let (call, tag) = ring(&mut core, t0, "c6", "");
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: media(8000),
        },
    );
    let ok = responses(&drain(&mut core)).remove(0);
    assert!(String::from_utf8_lossy(&ok.body).contains("m=audio 8000"));
    let ack = request(
        "ACK",
        "z9hG4bKack6",
        "c6",
        1,
        Some(&tag),
        "",
        &sdp(7100, "sendrecv"),
        "application/sdp",
    );
    core.handle_datagram(t0, me(), peer(), &ack);
    match events(&mut core).as_slice() {
        [StackEvent::Connected { .. }, StackEvent::MediaNegotiated { media, .. }] => {
            assert_eq!(sending(media).remote_rtp.port(), 7100)
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn reinvite_hold_and_resume() {
    let (mut core, t0, _call, tag) = established("c7");
    let hold = request(
        "INVITE",
        "z9hG4bKre1",
        "c7",
        2,
        Some(&tag),
        "",
        &sdp(7000, "sendonly"),
        "application/sdp",
    );
    core.handle_datagram(t0, me(), peer(), &hold);
    let ok = responses(&drain(&mut core)).remove(0);
    assert_eq!(ok.status, 200);
    assert!(
        String::from_utf8_lossy(&ok.body).contains("a=recvonly"),
        "answer to sendonly is recvonly"
    );
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("ACK", "z9hG4bKa2", "c7", 2, Some(&tag), "", "", ""),
    );
    match events(&mut core).as_slice() {
        [StackEvent::MediaNegotiated { media, .. }, StackEvent::RemoteHold { held: true, .. }] => {
            assert_eq!(direction(media), MediaDirection::RecvOnly)
        }
        e => panic!("{e:?}"),
    }
    let resume = request(
        "INVITE",
        "z9hG4bKre2",
        "c7",
        3,
        Some(&tag),
        "",
        &sdp(7000, "sendrecv"),
        "application/sdp",
    );
    core.handle_datagram(t0, me(), peer(), &resume);
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("ACK", "z9hG4bKa3", "c7", 3, Some(&tag), "", "", ""),
    );
    assert!(matches!(
        events(&mut core).as_slice(),
        [
            StackEvent::MediaNegotiated { .. },
            StackEvent::RemoteHold { held: false, .. }
        ]
    ));
    // A stale CSeq is refused (§12.2.2).
    let old = request("INFO", "z9hG4bKold", "c7", 2, Some(&tag), "", "", "");
    core.handle_datagram(t0, me(), peer(), &old);
    assert_eq!(codes(&drain(&mut core)), vec![500]);
}

#[test]
fn info_dtmf_and_refer() {
    let (mut core, t0, call, tag) = established("c8");
    let info = request(
        "INFO",
        "z9hG4bKi1",
        "c8",
        2,
        Some(&tag),
        "",
        "Signal=7\r\nDuration=200\r\n",
        "application/dtmf-relay",
    );
    core.handle_datagram(t0, me(), peer(), &info);
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    match events(&mut core).as_slice() {
        [StackEvent::Dtmf {
            call: c,
            digit: '7',
            duration,
        }] => {
            assert_eq!(*c, call);
            assert_eq!(*duration, Duration::from_millis(200));
        }
        e => panic!("{e:?}"),
    }
    let refer = request(
        "REFER",
        "z9hG4bKr1",
        "c8",
        3,
        Some(&tag),
        "Refer-To: <sip:carol@127.0.0.1:5080>\r\n",
        "",
        "",
    );
    core.handle_datagram(t0, me(), peer(), &refer);
    let out = drain(&mut core);
    assert_eq!(codes(&out), vec![202]);
    let notify = out
        .iter()
        .map(parse)
        .find_map(|m| m.into_request())
        .expect("NOTIFY sent");
    assert_eq!(notify.method, Method::Notify);
    assert_eq!(
        notify.headers.event().map(|e| e.to_string()).as_deref(),
        Some("refer")
    );
    assert_eq!(&notify.body[..], b"SIP/2.0 100 Trying\r\n");
    match events(&mut core).as_slice() {
        [StackEvent::TransferRequested { target, .. }] => {
            assert_eq!(target.uri(), "sip:carol@127.0.0.1:5080")
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn options_and_unknown_method() {
    let (mut core, t0) = core();
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("OPTIONS", "z9hG4bKo", "c9", 1, None, "", "", ""),
    );
    let out = drain(&mut core);
    let r = responses(&out).remove(0);
    assert_eq!(r.status, 200);
    assert!(r.headers.allows(&Method::Invite));
    assert!(r.headers.to().unwrap().tag().is_some());
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("FROB", "z9hG4bKf", "c10", 1, None, "", "", ""),
    );
    let r = responses(&drain(&mut core)).remove(0);
    assert_eq!(r.status, 501);
    assert!(r.headers.allows(&Method::Bye));
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("PUBLISH", "z9hG4bKs", "c11", 1, None, "", "", ""),
    );
    assert_eq!(codes(&drain(&mut core)), vec![405]);
    // SUBSCRIBE is served for presence only: any other package is a 489.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("SUBSCRIBE", "z9hG4bKs2", "c12", 1, None, "", "", ""),
    );
    assert_eq!(codes(&drain(&mut core)), vec![489]);
}

#[test]
fn outgoing_call_with_proxy_auth_and_forked_2xx() {
    let (mut core, t0) = core();
    let acc = AccountId::next();
    let cfg = AccountConfig::new(Address::new(format!("sip:alice@{PEER}")).unwrap())
        .with_password("pw")
        .with_register(false);
    core.handle_command(
        t0,
        StackCommand::AddAccount {
            account: acc,
            config: cfg,
        },
    );
    let (call, inv) = dial(&mut core, t0, Some(acc));
    // 407: the transaction ACKs it, the core re-sends with credentials and CSeq 2.
    let challenge = "Proxy-Authenticate: Digest realm=\"p\", nonce=\"n1\", qop=\"auth\"\r\n";
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&inv, 407, Some("px"), challenge, ""),
    );
    let out = drain(&mut core);
    assert_eq!(out.len(), 2);
    assert!(text(&out[0]).starts_with("ACK "));
    let inv2 = text(&out[1]);
    assert!(inv2.starts_with("INVITE ") && inv2.contains("CSeq: 2 INVITE"));
    assert!(inv2.contains("Proxy-Authorization: Digest username=\"alice\""));
    // 180, then 200 from one fork, then 200 from another fork.
    core.handle_datagram(t0, me(), peer(), &answer_to(&inv2, 180, Some("f1"), "", ""));
    let contact = format!("Contact: <sip:bob@{PEER}>\r\n");
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&inv2, 200, Some("f1"), &contact, &sdp(7000, "sendrecv")),
    );
    let out = drain(&mut core);
    assert_eq!(out.len(), 1);
    assert!(text(&out[0]).starts_with(&format!("ACK sip:bob@{PEER}")));
    assert!(text(&out[0]).contains("CSeq: 2 ACK"));
    let ev = events(&mut core);
    assert!(matches!(ev[0], StackEvent::Ringing { .. }));
    assert!(matches!(ev[1], StackEvent::Connected { .. }));
    assert!(matches!(ev[2], StackEvent::MediaNegotiated { .. }));
    // The same 200 retransmitted: ACK again, nothing new for the phone.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&inv2, 200, Some("f1"), &contact, &sdp(7000, "sendrecv")),
    );
    let out = drain(&mut core);
    assert_eq!(out.len(), 1);
    assert!(text(&out[0]).starts_with("ACK "));
    // Another fork answers: ACK it, then BYE it.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&inv2, 200, Some("f2"), &contact, &sdp(7002, "sendrecv")),
    );
    let out = drain(&mut core);
    assert_eq!(out.len(), 2);
    assert!(text(&out[0]).starts_with("ACK ") && text(&out[0]).contains("tag=f2"));
    assert!(text(&out[1]).starts_with("BYE ") && text(&out[1]).contains("tag=f2"));
    assert!(events(&mut core).is_empty());
    // Our hang-up sends BYE in the first dialog.
    core.handle_command(t0, StackCommand::Hangup { call });
    let out = drain(&mut core);
    assert!(text(&out[0]).starts_with("BYE ") && text(&out[0]).contains("tag=f1"));
    assert!(text(&out[0]).contains("CSeq: 3 BYE"));
}

#[test]
fn hangup_before_provisional_cancels_after_it() {
    let (mut core, t0) = core();
    let (call, inv) = dial(&mut core, t0, None);
    core.handle_command(t0, StackCommand::Hangup { call });
    assert!(
        drain(&mut core).is_empty(),
        "§9.1: no CANCEL before a provisional response"
    );
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(*reason, EndReason::local(Cause::Cancelled))
        }
        e => panic!("{e:?}"),
    }
    core.handle_datagram(t0, me(), peer(), &answer_to(&inv, 180, Some("t"), "", ""));
    let out = drain(&mut core);
    let cancel = text(&out[0]);
    assert!(cancel.starts_with(&format!("CANCEL sip:bob@{PEER}")));
    let branch = |s: &str| {
        s.split("branch=")
            .nth(1)
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        branch(&cancel),
        branch(&inv),
        "CANCEL shares the INVITE's branch"
    );
    core.handle_datagram(t0, me(), peer(), &answer_to(&inv, 487, Some("t"), "", ""));
    let out = drain(&mut core);
    assert!(
        text(&out[0]).starts_with("ACK "),
        "the transaction ACKs the 487"
    );
    assert!(events(&mut core).is_empty(), "CallEnded was reported once");
}

#[test]
fn invite_timeout_and_rejection() {
    let (mut core, t0) = core();
    let (_call, _) = dial(&mut core, t0, None);
    let mut now = t0;
    let mut sends = 0;
    while let Some(d) = core.poll_timeout() {
        now = d;
        core.handle_timeout(now);
        sends += drain(&mut core).len();
        if !events(&mut core).is_empty() {
            break;
        }
    }
    assert_eq!(now - t0, Duration::from_secs(32), "timer B");
    assert_eq!(sends, 6, "timer A retransmissions");

    let (mut core, t0) = self::core();
    let (call, inv) = dial(&mut core, t0, None);
    core.handle_datagram(t0, me(), peer(), &answer_to(&inv, 486, Some("b"), "", ""));
    drain(&mut core);
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { call: c, reason }] => {
            assert_eq!(*c, call);
            assert_eq!(reason.initiator, Initiator::Remote);
            assert_eq!(reason.cause(), Cause::Busy);
            assert_eq!(reason.reason.raw, Some(RawCause::Sip(486)));
            assert_eq!(reason.reason.text.as_deref(), Some("Busy Here"));
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn registration_refresh_423_and_rejected_credentials() {
    let (mut core, t0) = core();
    let acc = AccountId::next();
    let cfg = AccountConfig::new(Address::new(format!("sip:alice@{PEER}")).unwrap())
        .with_password("pw")
        .with_expires(Duration::from_secs(60));
    core.handle_command(
        t0,
        StackCommand::AddAccount {
            account: acc,
            config: cfg,
        },
    );
    assert!(matches!(
        events(&mut core).as_slice(),
        [StackEvent::Registration {
            state: RegistrationState::Registering,
            ..
        }]
    ));
    let reg = text(&drain(&mut core)[0]);
    assert!(reg.contains("Expires: 60"));
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&reg, 423, Some("r"), "Min-Expires: 300\r\n", ""),
    );
    let reg = text(&drain(&mut core)[0]);
    assert!(reg.contains("Expires: 300") && reg.contains("CSeq: 2 REGISTER"));
    let ch =
        "WWW-Authenticate: Digest realm=\"r\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"\r\n";
    core.handle_datagram(t0, me(), peer(), &answer_to(&reg, 401, Some("r"), ch, ""));
    let reg = text(&drain(&mut core)[0]);
    assert!(reg.contains("Authorization: Digest") && reg.contains("algorithm=SHA-256"));
    let granted = format!("Contact: <sip:alice@{ME}>;expires=200\r\n");
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&reg, 200, Some("r"), &granted, ""),
    );
    match events(&mut core).as_slice() {
        [StackEvent::Registration {
            state: RegistrationState::Registered { expires },
            ..
        }] => {
            assert_eq!(*expires, Duration::from_secs(200))
        }
        e => panic!("{e:?}"),
    }
    // Refresh 30 s before expiry, reusing the nonce (nc=2).
    core.handle_timeout(t0 + Duration::from_secs(169));
    assert!(
        drain(&mut core).is_empty(),
        "no refresh before expires − 30 s"
    );
    core.handle_timeout(t0 + Duration::from_secs(170));
    let reg = text(&drain(&mut core)[0]);
    assert!(reg.contains("nc=00000002"));
    // The registrar now rejects the same nonce: no loop, a failure.
    core.handle_datagram(
        t0 + Duration::from_secs(170),
        me(),
        peer(),
        &answer_to(&reg, 401, Some("r"), ch, ""),
    );
    assert!(drain(&mut core).is_empty());
    match events(&mut core).as_slice() {
        [StackEvent::Registration {
            state: RegistrationState::Failed { reason },
            ..
        }] => {
            assert_eq!(reason.cause, Cause::AuthenticationFailed);
            assert_eq!(reason.raw, Some(RawCause::Sip(401)));
        }
        e => panic!("{e:?}"),
    }
    // It tries again a minute later.
    core.handle_timeout(t0 + Duration::from_secs(229));
    assert!(drain(&mut core)
        .iter()
        .all(|t| !text(t).starts_with("REGISTER")));
    core.handle_timeout(t0 + Duration::from_secs(230));
    assert!(text(&drain(&mut core)[0]).starts_with("REGISTER "));
}

#[test]
fn tcp_stream_is_framed_and_answered_on_the_connection() {
    let now = Instant::now();
    let tcp: SocketAddr = "127.0.0.1:5060".parse().unwrap();
    let mut core = SipCore::new(CoreConfig::new(None, Some(tcp)), now);
    let conn = openphone_sip::ConnId(1);
    core.handle_connection_opened(conn, peer());
    let msg = String::from_utf8(request("OPTIONS", "z9hG4bKt", "ct", 1, None, "", "", ""))
        .unwrap()
        .replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    let (a, b) = msg.as_bytes().split_at(40);
    assert!(core.handle_stream_data(now, conn, a));
    assert!(drain(&mut core).is_empty());
    assert!(core.handle_stream_data(now, conn, b));
    let out = drain(&mut core);
    assert_eq!(codes(&out), vec![200]);
    assert_eq!(out[0].transport, openphone_sip::TransportKind::Tcp);
    assert_eq!(out[0].dst, peer());
    // A negative Content-Length loses framing: close.
    let bad = msg.replace("Content-Length: 0", "Content-Length: -5");
    assert!(!core.handle_stream_data(now, conn, bad.as_bytes()));
}

#[test]
fn outgoing_dtmf_transfer_and_message() {
    let (mut core, t0) = core();
    let (call, inv) = dial(&mut core, t0, None);
    let contact = format!("Contact: <sip:bob@{PEER}>\r\nRecord-Route: <sip:proxy.invalid;lr>\r\n");
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &answer_to(&inv, 200, Some("b1"), &contact, &sdp(7000, "sendrecv")),
    );
    drain(&mut core);
    events(&mut core);
    core.handle_command(
        t0,
        StackCommand::SendDtmf {
            call,
            digits: "1#".into(),
        },
    );
    let out = drain(&mut core);
    assert_eq!(out.len(), 2);
    let info = text(&out[0]);
    assert!(info.starts_with(&format!("INFO sip:bob@{PEER}")));
    assert!(
        info.contains("Route: <sip:proxy.invalid;lr>"),
        "route set from Record-Route"
    );
    assert!(info.contains("Content-Type: application/dtmf-relay") && info.contains("Signal=1"));
    assert!(text(&out[1]).contains("Signal=#"));
    core.handle_command(
        t0,
        StackCommand::Transfer {
            call,
            to: Address::new("sip:carol@127.0.0.1").unwrap(),
        },
    );
    let refer = text(&drain(&mut core)[0]);
    assert!(refer.starts_with("REFER ") && refer.contains("Refer-To: <sip:carol@127.0.0.1>"));
    core.handle_command(
        t0,
        StackCommand::SendMessage {
            account: None,
            to: Address::new(format!("sip:bob@{PEER}")).unwrap(),
            content_type: "text/plain".into(),
            body: b"hello".to_vec(),
        },
    );
    let m = text(&drain(&mut core)[0]);
    assert!(m.starts_with("MESSAGE ") && m.ends_with("\r\n\r\nhello"));
    // Incoming MESSAGE.
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("MESSAGE", "z9hG4bKm", "cm", 1, None, "", "hi", "text/plain"),
    );
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    match events(&mut core).as_slice() {
        [StackEvent::Message {
            account,
            body,
            content_type,
            ..
        }] => {
            assert_eq!(*account, None, "no account of ours is user `ua`");
            assert_eq!(body, b"hi");
            assert_eq!(content_type, "text/plain");
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn random_datagrams_never_panic() {
    use rand::{Rng, SeedableRng};
    let (mut core, t0) = core();
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let base = invite("cf", &sdp(7000, "sendrecv"));
    for i in 0..3000 {
        let mut m = base.clone();
        for _ in 0..rng.gen_range(1..8) {
            let p = rng.gen_range(0..m.len());
            match rng.gen_range(0..3) {
                0 => m[p] = rng.gen(),
                1 => {
                    m.remove(p);
                }
                _ => m.insert(p, rng.gen()),
            }
        }
        core.handle_datagram(t0, me(), peer(), &m);
        if i % 50 == 0 {
            core.handle_timeout(t0 + Duration::from_secs(i / 50));
        }
        drain(&mut core);
        events(&mut core);
    }
}

#[test]
fn reinvite_glare_491_is_retried() {
    let (mut core, t0, call, _tag) = established("cg");
    core.handle_command(t0, StackCommand::Hold { call });
    let reinvite = text(&drain(&mut core)[0]);
    assert!(reinvite.starts_with(&format!("INVITE sip:peer@{PEER}")));
    assert!(reinvite.contains("a=sendonly"));
    core.handle_datagram(t0, me(), peer(), &answer_to(&reinvite, 491, None, "", ""));
    let out = drain(&mut core);
    assert!(
        text(&out[0]).starts_with("ACK "),
        "the 491 is ACKed by the transaction"
    );
    // We answered the call (do not own the Call-ID): retry within 0–2 s.
    let mut now = t0;
    let mut retried = None;
    while now < t0 + Duration::from_secs(2) {
        now += Duration::from_millis(100);
        core.handle_timeout(now);
        if let Some(t) = drain(&mut core)
            .into_iter()
            .find(|t| text(t).starts_with("INVITE "))
        {
            retried = Some(text(&t));
            break;
        }
    }
    let retried = retried.expect("re-INVITE retried after 491");
    assert!(retried.contains("a=sendonly"));
    let cseq = |s: &str| {
        s.split("CSeq: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    assert!(cseq(&retried) > cseq(&reinvite));
}

#[test]
fn invite_expires_unanswered() {
    let (mut core, t0) = core();
    let inv = request(
        "INVITE",
        "z9hG4bKexp",
        "ce",
        1,
        None,
        "Expires: 5\r\n",
        "",
        "",
    );
    core.handle_datagram(t0, me(), peer(), &inv);
    assert_eq!(codes(&drain(&mut core)), vec![100, 180]);
    assert!(matches!(
        events(&mut core).as_slice(),
        [StackEvent::IncomingCall { .. }]
    ));
    core.handle_timeout(t0 + Duration::from_secs(4));
    assert!(drain(&mut core).is_empty());
    core.handle_timeout(t0 + Duration::from_secs(5));
    assert_eq!(codes(&drain(&mut core)), vec![487]);
    match events(&mut core).as_slice() {
        [StackEvent::CallEnded { reason, .. }] => {
            assert_eq!(reason.initiator, Initiator::System);
            assert_eq!(reason.cause(), Cause::NoAnswer);
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn answer_mirrors_every_offered_stream_and_refuses_video() {
    let (mut core, t0) = core();
    let offer = format!(
        "{}m=video 7002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n",
        sdp(7000, "sendrecv")
    );
    let (call, _tag) = ring(&mut core, t0, "c-video", &offer);
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: media(8000),
        },
    );
    let ok = responses(&drain(&mut core)).remove(0);
    assert_eq!(ok.status, 200);
    let body = String::from_utf8_lossy(&ok.body).into_owned();
    let m_lines: Vec<&str> = body.lines().filter(|l| l.starts_with("m=")).collect();
    assert_eq!(m_lines.len(), 2, "one m-line per offered stream: {body}");
    assert!(m_lines[0].starts_with("m=audio 8000 RTP/AVP 0"), "{body}");
    assert!(
        m_lines[1].starts_with("m=video 0 "),
        "video refused: {body}"
    );
}

#[test]
fn calls_over_the_limit_get_503_with_retry_after() {
    let t0 = Instant::now();
    let mut core = SipCore::new(CoreConfig::new(Some(me()), None).with_max_calls(2), t0);
    let body = sdp(7000, "sendrecv");
    let inv = |n: usize| {
        request(
            "INVITE",
            &format!("z9hG4bKcap{n}"),
            &format!("cap{n}"),
            1,
            None,
            "",
            &body,
            "application/sdp",
        )
    };
    for n in 0..2 {
        core.handle_datagram(t0, me(), peer(), &inv(n));
        assert_eq!(codes(&drain(&mut core)), vec![100, 180]);
    }
    assert_eq!(events(&mut core).len(), 2);
    core.handle_datagram(t0, me(), peer(), &inv(2));
    let out = drain(&mut core);
    assert_eq!(codes(&out).last(), Some(&503));
    assert!(text(out.last().unwrap()).contains("Retry-After"));
    assert!(
        events(&mut core).is_empty(),
        "no IncomingCall for a refused INVITE"
    );
}

/// A full server transaction table answers new requests with a stateless
/// 503 (no new transaction), still absorbs retransmissions of the ones it
/// holds, and takes requests again once Timer J has freed room.
#[test]
fn full_transaction_table_answers_503_statelessly() {
    let t0 = Instant::now();
    let cfg = CoreConfig::new(Some(me()), None).with_max_server_transactions(2);
    let mut core = SipCore::new(cfg, t0);
    let opt = |n: usize| {
        request(
            "OPTIONS",
            &format!("z9hG4bKfull{n}"),
            "full",
            1,
            None,
            "",
            "",
            "",
        )
    };
    for n in 0..2 {
        core.handle_datagram(t0, me(), peer(), &opt(n));
        assert_eq!(codes(&drain(&mut core)), vec![200]);
    }
    core.handle_datagram(t0, me(), peer(), &opt(2));
    let out = drain(&mut core);
    assert_eq!(codes(&out), vec![503]);
    assert!(text(&out[0]).contains("Retry-After"));
    // A retransmission of a held request gets its 200 again.
    core.handle_datagram(t0, me(), peer(), &opt(1));
    assert_eq!(codes(&drain(&mut core)), vec![200]);
    // Timer J (64*T1 = 32 s) ends the two transactions; room again.
    let later = t0 + std::time::Duration::from_secs(33);
    let due = core.poll_timeout().expect("Timer J pending");
    assert!(due <= later);
    core.handle_timeout(later);
    core.handle_datagram(later, me(), peer(), &opt(3));
    assert_eq!(codes(&drain(&mut core)), vec![200]);
}

//! Attended transfer in the UA core: the REFER it sends (Refer-To with a
//! Replaces header, RFC 3891 §5) and how it matches an incoming INVITE with
//! Replaces to its dialogs (§3).

use openphone_sal::{CallId, Cause, Operation, StackCommand, StackEvent, TransferStatus};

#[path = "common/scripted_peer.rs"]
mod scripted;
use scripted::*;

/// A second call the peer places into `core` (Call-ID `call_id`), answered
/// and acknowledged: (call, our tag).
fn second_call(
    core: &mut openphone_sip::SipCore,
    t0: std::time::Instant,
    call_id: &str,
) -> (CallId, String) {
    let inv = request(
        "INVITE",
        "z9hG4bKinv2",
        call_id,
        1,
        None,
        "",
        &sdp(7002, "sendrecv"),
        "application/sdp",
    );
    core.handle_datagram(t0, me(), peer(), &inv);
    let out = drain(core);
    let tag = responses(&out)[1]
        .headers
        .to()
        .unwrap()
        .tag()
        .unwrap()
        .to_string();
    let call = match events(core).as_slice() {
        [StackEvent::IncomingCall { call, .. }] => *call,
        e => panic!("{e:?}"),
    };
    core.handle_command(
        t0,
        StackCommand::Answer {
            call,
            media: media(8002),
        },
    );
    drain(core);
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &request("ACK", "z9hG4bKa2", call_id, 1, Some(&tag), "", "", ""),
    );
    events(core);
    (call, tag)
}

/// An INVITE in a new dialog carrying `replaces` as its Replaces header.
fn replacing_invite(replaces: &str) -> Vec<u8> {
    request(
        "INVITE",
        "z9hG4bKrep",
        "new-dialog",
        1,
        None,
        &format!("Replaces: {replaces}\r\n"),
        &sdp(7004, "sendrecv"),
        "application/sdp",
    )
}

#[test]
fn invite_with_replaces_names_the_confirmed_call() {
    let (mut core, t0, call, tag) = established("r1");
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &replacing_invite(&format!("r1;to-tag={tag};from-tag=ptag")),
    );
    assert_eq!(codes(&drain(&mut core)), vec![100, 180]);
    match events(&mut core).as_slice() {
        [StackEvent::IncomingCall { replaces, .. }] => assert_eq!(*replaces, Some(call)),
        e => panic!("{e:?}"),
    }
}

#[test]
fn invite_with_replaces_refused_per_rfc_3891() {
    for (replaces, code) in [
        // No such dialog: the tags swapped, another Call-ID.
        ("r1;to-tag=ptag;from-tag=TAG".to_string(), 481),
        ("nope;to-tag=TAG;from-tag=ptag".to_string(), 481),
        // early-only, but the dialog is confirmed.
        ("r1;to-tag=TAG;from-tag=ptag;early-only".to_string(), 486),
        // Not a Replaces value.
        ("r1;to-tag=TAG".to_string(), 400),
    ] {
        let (mut core, t0, _, tag) = established("r1");
        let replaces = replaces.replace("TAG", &tag);
        core.handle_datagram(t0, me(), peer(), &replacing_invite(&replaces));
        assert_eq!(codes(&drain(&mut core)), vec![code], "{replaces}");
        assert!(events(&mut core).is_empty(), "{replaces}: no call");
    }
}

#[test]
fn invite_replacing_a_call_still_ringing_here_is_refused() {
    // §3: an early dialog the peer initiated cannot be replaced.
    let (mut core, t0) = core();
    let (_, tag) = ring(&mut core, t0, "e1", &sdp(7000, "sendrecv"));
    core.handle_datagram(
        t0,
        me(),
        peer(),
        &replacing_invite(&format!("e1;to-tag={tag};from-tag=ptag")),
    );
    assert_eq!(codes(&drain(&mut core)), vec![481]);
}

#[test]
fn attended_transfer_refers_with_replaces_for_the_consultation() {
    let (mut core, t0, a, _) = established("a1");
    let (b, b_tag) = second_call(&mut core, t0, "b1");
    core.handle_command(t0, StackCommand::AttendedTransfer { call: a, target: b });
    let out = drain(&mut core);
    assert_eq!(out.len(), 1);
    let refer = text(&out[0]);
    assert!(refer.starts_with("REFER "), "{refer}");
    assert!(
        refer.contains("Call-ID: a1\r\n"),
        "on the transferee's dialog: {refer}"
    );
    // The target (the peer of call b) sees the dialog with its own tag as
    // to-tag and ours as from-tag.
    let want =
        format!("Refer-To: <sip:peer@{PEER}?Replaces=b1%3Bto-tag%3Dptag%3Bfrom-tag%3D{b_tag}>\r\n");
    assert!(refer.contains(&want), "{refer}\nwanted {want}");
    assert!(refer.contains("Referred-By: "), "{refer}");
    core.handle_datagram(t0, me(), peer(), &answer_to(&refer, 202, None, "", ""));
    match events(&mut core).as_slice() {
        [StackEvent::TransferProgress { call, status }] => {
            assert_eq!((*call, status), (a, &TransferStatus::Trying));
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn attended_transfer_needs_two_established_calls() {
    let (mut core, t0, a, _) = established("a1");
    for (target, cause) in [
        (a, Cause::InvalidRequest),
        (CallId::next(), Cause::NotEstablished),
    ] {
        core.handle_command(t0, StackCommand::AttendedTransfer { call: a, target });
        assert!(drain(&mut core).is_empty(), "nothing sent");
        match events(&mut core).as_slice() {
            [StackEvent::CommandFailed {
                operation, reason, ..
            }] => {
                assert_eq!(*operation, Operation::AttendedTransfer);
                assert_eq!(reason.cause, cause, "{reason:?}");
            }
            e => panic!("{e:?}"),
        }
    }
}

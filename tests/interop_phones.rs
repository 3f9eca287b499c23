//! Telephony features against real, independent phones (issue 16's interop
//! matrix, second part): DTMF, MESSAGE, twinkle-console, call waiting and
//! blind transfer. Each row of INTEROP.md's feature table names its test.
//!
//! * DTMF (`tests/interop/dtmf_peer.sh`): digits both ways with linphonec,
//!   by RFC 4733 and by SIP INFO (`application/dtmf-relay`); each side must
//!   report the other's digits in order, the capture must show only the
//!   method asked for, and the judge both tones.
//! * MESSAGE (`tests/interop/message_peer.sh`): RFC 3428 both ways with
//!   linphonec, text shown on each side and answered 200.
//! * twinkle-console (`tests/interop/twinkle_peer.sh`): a call each way,
//!   both tones judged, RTP counted.
//! * Call waiting (`tests/interop/call_waiting.sh`): linphonec calls while
//!   the softphone talks to baresip; 180 and a `(waiting)` event; hold,
//!   answer (judged), hang up, resume (judged).
//! * Blind transfer (`tests/interop/blind_transfer.sh`): the softphone as
//!   transferor (baresip to linphonec, their call judged) and as transferee
//!   (linphonec's REFER, the softphone calls baresip, judged).
//! * Attended transfer (`tests/interop/attended_transfer.sh`): REFER with
//!   Replaces (RFC 3891) from the softphone to twinkle, whose replacing
//!   INVITE linphonec takes (their call judged); and the softphone as the
//!   target of twinkle's replacing INVITE after linphonec's REFER (judged).
//!
//! Every script uses its own ports, so the tests run concurrently. A missing
//! peer fails the test.

mod common;

fn run(script: &str, args: &[&str]) {
    common::run_interop_script(script, args, &[]);
}

#[test]
fn linphone_dtmf_rfc4733_both_ways() {
    run("dtmf_peer.sh", &["rfc4733"]);
}

#[test]
fn linphone_dtmf_sip_info_both_ways() {
    run("dtmf_peer.sh", &["info"]);
}

#[test]
fn linphone_message_both_ways() {
    run("message_peer.sh", &[]);
}

#[test]
fn twinkle_call_to_peer() {
    run("twinkle_peer.sh", &["to-peer"]);
}

#[test]
fn twinkle_call_from_peer() {
    run("twinkle_peer.sh", &["from-peer"]);
}

#[test]
fn call_waiting_baresip_then_linphone() {
    run("call_waiting.sh", &[]);
}

#[test]
fn blind_transfer_softphone_transferor() {
    run("blind_transfer.sh", &["transferor"]);
}

#[test]
fn blind_transfer_softphone_transferee() {
    run("blind_transfer.sh", &["transferee"]);
}

/// Both roles share RTP ports, so one test runs them in turn.
#[test]
fn attended_transfer_softphone_transferor_then_target() {
    run("attended_transfer.sh", &["transferor"]);
    run("attended_transfer.sh", &["target"]);
}

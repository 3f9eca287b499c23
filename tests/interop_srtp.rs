//! SDES-keyed SRTP against real, independent peers (`softphone
//! --media-encryption sdes --require-encryption`):
//!
//! * baresip (`srtp` module, `mediaenc=srtp-mand`) and linphonec
//!   (`media_encryption=srtp`, mandatory), both directions, PCMU: the
//!   softphone reports `encrypted (SDES, AES_CM_128_HMAC_SHA1_80)`, each side
//!   hears the other's tone (audio judge), and each captured stream decoded
//!   as clear PCMU carries no tone (`tests/interop/codec_peer.sh` with
//!   `ENC=srtp`).
//! * Against baresip without crypto, both directions: the call ends with the
//!   security cause and the capture holds not one packet from the softphone's
//!   RTP ports (`tests/interop/srtp_refused.sh`).
//!
//! * ZRTP with linphonec (bzrtp; `media_encryption=zrtp`, mandatory) against
//!   `softphone --media-encryption zrtp --require-encryption`, both
//!   directions, PCMU: the softphone reports `encrypted (ZRTP, ..., SAS ...)`,
//!   each side hears the other's tone, and each captured stream decoded as
//!   clear PCMU carries no tone, and linphonec shows the same SAS
//!   (`codec_peer.sh` with `ENC=zrtp`). A second call with both caches kept
//!   (`ZRTP_STATE`) in the same direction reports the cache match.
//!
//! A missing peer fails the test. The scripts share ports with the codec
//! rows, so everything here runs one at a time.

mod common;

use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn run(script: &str, args: &[&str], env: &[(&str, &str)]) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    common::run_interop_script(script, args, env);
}

fn srtp_call(peer: &str, direction: &str) {
    run(
        "codec_peer.sh",
        &[peer, "pcmu", direction],
        &[("ENC", "srtp")],
    );
}

#[test]
fn baresip_srtp_to_peer() {
    srtp_call("baresip", "to-peer");
}

#[test]
fn baresip_srtp_from_peer() {
    srtp_call("baresip", "from-peer");
}

#[test]
fn linphone_srtp_to_peer() {
    srtp_call("linphone", "to-peer");
}

#[test]
fn linphone_srtp_from_peer() {
    srtp_call("linphone", "from-peer");
}

#[test]
fn linphone_zrtp_to_peer() {
    run(
        "codec_peer.sh",
        &["linphone", "pcmu", "to-peer"],
        &[("ENC", "zrtp")],
    );
}

#[test]
fn linphone_zrtp_from_peer() {
    run(
        "codec_peer.sh",
        &["linphone", "pcmu", "from-peer"],
        &[("ENC", "zrtp")],
    );
}

#[test]
fn linphone_zrtp_cache_matches_on_the_second_call() {
    let state = std::env::temp_dir().join(format!("op-zrtp-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).unwrap();
    let dir = state.to_str().unwrap();
    let args = ["linphone", "pcmu", "to-peer"];
    run(
        "codec_peer.sh",
        &args,
        &[("ENC", "zrtp"), ("ZRTP_STATE", dir)],
    );
    // The same direction again: linphone keys its ZID and retained secrets
    // by the pair of SIP identities (bzrtp's cache), and as callee its
    // identity differs from the one it has as caller.
    let later = ["linphone", "pcmu", "to-peer"];
    let env = [
        ("ENC", "zrtp"),
        ("ZRTP_STATE", dir),
        ("ZRTP_EXPECT_CACHE", "1"),
    ];
    run("codec_peer.sh", &later, &env);
    let _ = std::fs::remove_dir_all(&state);
}

#[test]
fn required_srtp_refused_by_plain_baresip() {
    run("srtp_refused.sh", &["to-peer"], &[]);
}

#[test]
fn required_srtp_refuses_plain_baresip() {
    run("srtp_refused.sh", &["from-peer"], &[]);
}

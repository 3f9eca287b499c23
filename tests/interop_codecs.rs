//! Each codec against a real, independent peer: a direct call between the
//! `softphone` example and baresip or linphonec with one codec offered, tones
//! both ways, each recording and each captured stream (through ffmpeg's
//! decoders where it has one) judged by the audio judge, RTP packet counts
//! judged against the call's length (`tests/interop/codec_peer.sh`). A
//! missing peer fails the test: run `scripts/install-deps.sh` first. Every
//! row of INTEROP.md's codec table names the test here that produces it.
//!
//! Neither peer has iLBC in Debian 12 (no baresip ilbc module, no linphone
//! msilbc plugin), so iLBC is covered by `call_demo_codecs` only. G.726 checks
//! the codeword order on the wire with ffmpeg's reference decoders and
//! reports the peers' AAL2-order deviation (INTEROP.md).
//!
//! The scripts share ports, so they run one at a time.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn softphone() -> PathBuf {
    common::example("softphone")
}

/// Runs `codec_peer.sh PEER CODEC DIRECTION` and fails on a non-zero exit.
fn codec_call(peer: &str, codec: &str, direction: &str) {
    codec_call_env(peer, codec, direction, &[]);
}

/// The same with extra environment for the script (e.g. `G726_PACKING`).
fn codec_call_env(peer: &str, codec: &str, direction: &str, env: &[(&str, &str)]) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/codec_peer.sh");
    let sp = softphone();
    assert!(
        sp.exists(),
        "{} not built: run `cargo build --example softphone` (cargo test builds it)",
        sp.display()
    );
    let out = Command::new("timeout")
        .args(["-k", "5", "90", "bash"])
        .arg(&script)
        .args([peer, codec, direction])
        .env("SOFTPHONE", &sp)
        .env("TALK", "4")
        .envs(env.iter().copied())
        .output()
        .expect("run bash");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "codec_peer.sh {peer} {codec} {direction} failed ({:?})",
        out.status
    );
}

#[test]
fn baresip_pcmu_to_peer() {
    codec_call("baresip", "pcmu", "to-peer");
}

#[test]
fn baresip_pcma_to_peer() {
    codec_call("baresip", "pcma", "to-peer");
}

#[test]
fn baresip_gsm_to_peer() {
    codec_call("baresip", "gsm", "to-peer");
}

#[test]
fn baresip_g722_to_peer() {
    codec_call("baresip", "g722", "to-peer");
}

#[test]
fn baresip_g726_32_to_peer() {
    codec_call("baresip", "g726-32", "to-peer");
}

#[cfg(feature = "opus")]
#[test]
fn baresip_opus_to_peer() {
    codec_call("baresip", "opus", "to-peer");
}

#[test]
fn baresip_pcmu_from_peer() {
    codec_call("baresip", "pcmu", "from-peer");
}

#[test]
fn baresip_gsm_from_peer() {
    codec_call("baresip", "gsm", "from-peer");
}

#[test]
fn linphone_pcmu_to_peer() {
    codec_call("linphone", "pcmu", "to-peer");
}

#[test]
fn linphone_pcma_to_peer() {
    codec_call("linphone", "pcma", "to-peer");
}

#[test]
fn linphone_gsm_to_peer() {
    codec_call("linphone", "gsm", "to-peer");
}

#[test]
fn linphone_g722_to_peer() {
    codec_call("linphone", "g722", "to-peer");
}

#[test]
fn linphone_pcmu_from_peer() {
    codec_call("linphone", "pcmu", "from-peer");
}

#[test]
fn linphone_g726_32_to_peer() {
    codec_call("linphone", "g726-32", "to-peer");
}

/// Our Speex stream is judged strictly through the reference decoder
/// (speexdec); linphone's own rendering of it gets the documented allowance
/// for its dropped first packet (INTEROP.md, "Speex").
#[cfg(feature = "speex")]
#[test]
fn linphone_speex_to_peer() {
    codec_call("linphone", "speex", "to-peer");
}

#[cfg(feature = "speex")]
#[test]
fn linphone_speex_from_peer() {
    codec_call("linphone", "speex", "from-peer");
}

#[cfg(feature = "speex")]
#[test]
fn linphone_speex_wb_to_peer() {
    codec_call("linphone", "speex-wb", "to-peer");
}

/// With the softphone's `--g726-packing aal2` peer-quirk option, G.726 must be
/// clean both ways (strict: the peer's order must match ours).
#[test]
fn baresip_g726_32_aal2_option_to_peer() {
    codec_call_env(
        "baresip",
        "g726-32",
        "to-peer",
        &[("G726_PACKING", "aal2"), ("G726_STRICT", "1")],
    );
}

#[test]
fn linphone_g726_32_aal2_option_to_peer() {
    codec_call_env(
        "linphone",
        "g726-32",
        "to-peer",
        &[("G726_PACKING", "aal2"), ("G726_STRICT", "1")],
    );
}

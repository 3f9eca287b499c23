//! The `call-demo` example with each registered codec: two phones on
//! loopback call each other, the caller sends a 1000 Hz tone and DTMF, the
//! callee a 600 Hz tone, and call-demo exits 0 only if the audio judge
//! (`openphone_hal::judge`) passes both directions (frequency, tone-to-noise
//! ratio at the codec's floor, level within 6 dB, no dropout over 60 ms),
//! each direction's RTP packet count fits the call's length within 5 %, and
//! the callee received the digits. Speex and Opus exist only with the
//! `speex` / `opus` features (forwarded to openphone-media).
//!
//! Calls last 3 s: the caller's packet count is judged over the half before
//! its DTMF, and 5 % of 1.5 s (75 ms) is more than a scheduling stall that the
//! 60 ms dropout rule lets through.
//!
//! Runs are serialised: each is a real-time call, and two at once on a loaded
//! machine would only test the scheduler.

mod common;

use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `call-demo --codec CODEC --seconds 3` and fails unless it exits 0,
/// judged both directions, and the caller's media line names `encoding`.
fn demo(codec: &str, encoding: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let (stdout, status) = common::run_example("call-demo", &["--codec", codec, "--seconds", "3"]);
    assert!(
        status.success(),
        "call-demo --codec {codec} failed ({status:?})"
    );
    assert!(
        stdout.contains("PASS"),
        "call-demo --codec {codec}: no PASS line"
    );
    for direction in ["callee heard the caller", "caller heard the callee"] {
        assert!(
            stdout
                .lines()
                .any(|l| l.starts_with(direction) && l.contains("PASS:")),
            "call-demo --codec {codec}: no passing verdict for {direction:?}"
        );
    }
    // The codec asked for is the one the call used.
    // (`caller: media ENCODING/RATE pt N -> ADDR DIRECTION`)
    let want = format!("caller: media {}/", encoding.to_ascii_lowercase());
    assert!(
        stdout.to_ascii_lowercase().contains(&want),
        "call-demo --codec {codec}: no {want:?} line"
    );
}

#[test]
fn call_demo_pcmu() {
    demo("pcmu", "PCMU");
}

#[test]
fn call_demo_pcma() {
    demo("pcma", "PCMA");
}

#[test]
fn call_demo_g722() {
    demo("g722", "G722");
}

#[test]
fn call_demo_gsm() {
    demo("gsm", "GSM");
}

#[test]
fn call_demo_g726_32() {
    demo("g726-32", "G726-32");
}

#[test]
fn call_demo_g726_16() {
    demo("g726-16", "G726-16");
}

#[test]
fn call_demo_ilbc20() {
    demo("ilbc20", "iLBC");
}

#[test]
fn call_demo_ilbc30() {
    demo("ilbc30", "iLBC");
}

#[cfg(feature = "speex")]
#[test]
fn call_demo_speex_nb() {
    demo("speex-nb", "speex");
}

#[cfg(feature = "speex")]
#[test]
fn call_demo_speex_wb() {
    demo("speex-wb", "speex");
}

#[cfg(feature = "opus")]
#[test]
fn call_demo_opus() {
    demo("opus", "opus");
}

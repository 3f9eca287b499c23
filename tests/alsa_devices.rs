//! The softphone's ALSA devices in real calls with baresip, without a sound
//! card (alsa-lib `file`/`null` PCMs, a FIFO-paced microphone), through
//! `tests/interop/alsa_peer.sh`: our tone captured through ALSA is judged in
//! baresip's recording, baresip's tone in the ALSA playback file; the
//! ringer device rings; a stalled microphone does not end the call. A
//! missing peer or tool fails the test (`scripts/install-deps.sh`).
//! Needs the `alsa` feature (`Cargo.toml` makes it required).

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// The two calls share ports: one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn run(mode: &str, rate: u32) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/alsa_peer.sh");
    let sp = common::example("softphone");
    assert!(
        sp.exists(),
        "{} not built (cargo test builds it)",
        sp.display()
    );
    let out = Command::new("timeout")
        .args(["-k", "5", "180", "bash"])
        .arg(&script)
        .arg(mode)
        .env("SOFTPHONE", &sp)
        .env("DEVICE_RATE", rate.to_string())
        .output()
        .expect("run bash");
    println!("{}", String::from_utf8_lossy(&out.stdout));
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "alsa_peer.sh {mode} failed ({:?})",
        out.status
    );
}

#[test]
fn alsa_capture_and_playback_in_a_call_with_baresip() {
    run("to-peer", 8000);
}

/// The devices at 48 kHz (480-frame periods); the engine resamples to and
/// from PCMU's 8 kHz.
#[test]
fn alsa_devices_at_48_khz_in_a_call_with_baresip() {
    run("to-peer", 48000);
}

#[test]
fn alsa_ringer_and_a_stalled_microphone_in_a_call_from_baresip() {
    run("from-peer-stall", 8000);
}

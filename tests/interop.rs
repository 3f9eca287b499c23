//! Interop with real, independent peers (SIPp, Kamailio, baresip) through the
//! shell scripts in `tests/interop/`. A missing peer fails the test: run
//! `scripts/install-deps.sh` first (`scripts/test.sh` does).
//!
//! The scripts drive the `softphone` example, which `cargo test` builds
//! beside the test binary. They share ports, so they run one at a time.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

static SERIAL: Mutex<()> = Mutex::new(());

fn softphone() -> PathBuf {
    common::example("softphone")
}

fn run_script(name: &str, args: &[&str]) {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name);
    let sp = softphone();
    assert!(
        sp.exists(),
        "{} not built: run `cargo build --example softphone` (cargo test builds it)",
        sp.display()
    );
    let out = Command::new("timeout")
        .arg("-k")
        .arg("5")
        .arg("300")
        .arg("bash")
        .arg(&script)
        .args(args)
        .env("SOFTPHONE", &sp)
        .output()
        .expect("run bash");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "{name} {args:?} failed ({:?})",
        out.status
    );
}

#[test]
fn sipp_uac_500_calls_to_softphone() {
    run_script("sipp_uac_to_softphone.sh", &[]);
}

#[test]
fn softphone_calls_sipp_uas() {
    run_script("softphone_to_sipp_uas.sh", &[]);
}

#[test]
fn kamailio_auth_softphone_calls_baresip() {
    run_script("kamailio_baresip.sh", &["to-baresip", "pcmu"]);
}

#[test]
fn kamailio_auth_baresip_calls_softphone() {
    run_script("kamailio_baresip.sh", &["from-baresip", "pcmu"]);
}

#[test]
fn kamailio_wrong_password_fails_cleanly() {
    run_script("kamailio_wrong_password.sh", &[]);
}

/// SIP over TLS through Kamailio's tls module with a CA the script makes:
/// two `sips:` softphones register and call (audio judged both ways, no SIP
/// in the clear on the wire); a certificate for another host name and an
/// untrusted CA each end in a registration failure with a security cause.
/// Needs the `tls` feature (scripts/test.sh turns it on).
#[cfg(feature = "tls")]
#[test]
fn kamailio_tls_register_and_call() {
    run_script("kamailio_tls.sh", &[]);
}

/// Kamailio's tls module requiring a client certificate: without one the
/// softphone's registration fails with a security error; with
/// `--tls-client-cert`/`--tls-client-key` (or the config file's keys) it
/// registers; a certificate from another CA is refused.
/// Needs the `tls` feature (scripts/test.sh turns it on).
#[cfg(feature = "tls")]
#[test]
fn kamailio_tls_requires_client_certificate() {
    run_script("kamailio_tls_client_cert.sh", &[]);
}

/// Our MGCP call agent (`mgcp-agent`) connects two `softphone --mgcp` lines:
/// off-hook, digits, ringing with caller-ID, ringback, answer, audio both
/// ways (audio judge), on-hook; tshark finds no malformed MGCP frame.
#[test]
fn mgcp_agent_connects_two_softphone_lines() {
    run_script("mgcp_lines.sh", &[]);
}

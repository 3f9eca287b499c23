//! The softphone's trigger scripts on loopback: the callee's incoming-call
//! script answers, rejects or redirects by the dialled user; the answer
//! and release scripts see the call's details; a registration script sees
//! the caller's failed registration; a script with a typo leaves the call
//! to the phone and the phone says why. The caller is driven through its
//! control socket.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::softphone::{cmd, start};

fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// Waits (10 s at most) until `path` holds `needle`; returns the text.
fn wait_for(path: &Path, needle: &str) -> String {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < until,
            "{} never got {needle:?}:\n{text}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn trigger_scripts_decide_and_observe_calls() {
    let dir = std::env::temp_dir().join(format!("op-triggers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display();
    let incoming = script(
        &dir,
        "incoming.sh",
        &format!(
            r#"env | grep '^OPENPHONE_' | sort >> {d}/incoming.env
case "$OPENPHONE_TO" in
  *blocked@*) echo action=reject; echo cause=declined ;;
  *fwd@*) echo action=redirect; echo contact=sip:desk@127.0.0.1:26143 ;;
  *typo@*) echo acton=reject ;;
  *) echo action=answer ;;
esac"#
        ),
    );
    let answered = script(
        &dir,
        "answered.sh",
        &format!("env | grep '^OPENPHONE_' | sort >> {d}/answered.env"),
    );
    let released = script(
        &dir,
        "released.sh",
        &format!("env | grep '^OPENPHONE_' | sort >> {d}/released.env"),
    );
    let registration = script(
        &dir,
        "registration.sh",
        &format!("env | grep '^OPENPHONE_' | sort >> {d}/registration.env"),
    );
    let (callee_log, caller_log) = (dir.join("callee.log"), dir.join("caller.log"));
    let (cc, ca) = (dir.join("callee.sock"), dir.join("caller.sock"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let _callee = start(
        &[
            "--listen",
            "127.0.0.1:26141",
            "--control",
            &s(&cc),
            "--on-incoming",
            &s(&incoming),
            "--on-answer",
            &s(&answered),
            "--on-release",
            &s(&released),
        ],
        &callee_log,
    );
    // The caller registers with the callee, which refuses (405): the
    // registration script sees it fail.
    let _caller = start(
        &[
            "--listen",
            "127.0.0.1:26142",
            "--control",
            &s(&ca),
            "--account",
            "sip:alice@127.0.0.1:26141",
            "--on-registration",
            &s(&registration),
        ],
        &caller_log,
    );
    wait_for(&callee_log, "control: ");
    let reg = wait_for(&dir.join("registration.env"), "Failed");
    assert!(reg.contains("OPENPHONE_EVENT=registration"), "{reg}");
    assert!(reg.contains("OPENPHONE_ACCOUNT=account-1"), "{reg}");
    assert!(reg.contains("405"), "{reg}");

    // Answered by the script (no --auto-answer on the callee).
    let (code, out) = cmd(&ca, "call sip:ok@127.0.0.1:26141");
    assert_eq!(code, 0, "{out}");
    let env = wait_for(&dir.join("answered.env"), "OPENPHONE_EVENT=answered");
    assert!(env.contains("OPENPHONE_CALL=call-1"), "{env}");
    assert!(
        env.contains("OPENPHONE_REMOTE=") && env.contains("alice"),
        "{env}"
    );
    let inc = std::fs::read_to_string(dir.join("incoming.env")).unwrap();
    assert!(
        inc.contains("OPENPHONE_TO=<sip:ok@127.0.0.1:26141>")
            || inc.contains("OPENPHONE_TO=sip:ok@"),
        "{inc}"
    );
    assert!(inc.contains("OPENPHONE_WAITING=0"), "{inc}");
    let (code, out) = cmd(&ca, "hangup");
    assert_eq!(code, 0, "{out}");
    let rel = wait_for(&dir.join("released.env"), "OPENPHONE_REASON=");
    assert!(rel.contains("OPENPHONE_CALL=call-1"), "{rel}");

    // Rejected with the script's cause.
    cmd(&ca, "call sip:blocked@127.0.0.1:26141");
    let log = wait_for(&caller_log, "ended call-2");
    let ended = log.lines().find(|l| l.contains("ended call-2")).unwrap();
    assert!(
        ended.contains("declined") || ended.contains("603"),
        "{ended}"
    );

    // Redirected (302 to the script's contact).
    cmd(&ca, "call sip:fwd@127.0.0.1:26141");
    let log = wait_for(&caller_log, "ended call-3");
    let ended = log.lines().find(|l| l.contains("ended call-3")).unwrap();
    assert!(
        ended.contains("redirect") || ended.contains("302"),
        "{ended}"
    );

    // A script with a typo: the call is left to the phone (which rings),
    // and the phone says why.
    cmd(&ca, "call sip:typo@127.0.0.1:26141");
    let log = wait_for(&callee_log, "left to the phone");
    assert!(log.contains("unknown key \"acton\""), "{log}");
    let (code, out) = cmd(&cc, "status");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("call-4 incoming"),
        "the call still rings: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

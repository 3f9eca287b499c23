//! The softphone's user toggles through its control socket: forward on no
//! answer, do not disturb, auto-answer, mute, the live status line and the
//! call history — two softphones on loopback.

mod common;

use std::path::Path;
use std::time::Duration;

use common::softphone::{cmd, start, wait_line};

#[test]
fn toggles_forwarding_status_and_history() {
    let dir = std::env::temp_dir().join(format!("op-settings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (cc, ca) = (dir.join("callee.sock"), dir.join("caller.sock"));
    let (callee_log, caller_log) = (dir.join("callee.log"), dir.join("caller.log"));
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let _callee = start(
        &[
            "--listen",
            "127.0.0.1:26151",
            "--control",
            &s(&cc),
            "--tone",
            "600",
            "--status-every",
            "1",
            "--forward-no-answer",
            "sip:desk@127.0.0.1:26153",
            "--no-answer-secs",
            "1",
            "--history",
            &s(&dir.join("calls.log")),
        ],
        &callee_log,
    );
    let _caller = start(
        &[
            "--listen",
            "127.0.0.1:26152",
            "--control",
            &s(&ca),
            "--tone",
            "1000",
        ],
        &caller_log,
    );
    wait_line(&callee_log, "control: ");
    wait_line(&caller_log, "control: ");

    // Not answered within 1 s: forwarded (302).
    cmd(&ca, "call sip:c@127.0.0.1:26151");
    let ended = wait_line(&caller_log, "ended call-1");
    assert!(
        ended.contains("redirect") || ended.contains("302"),
        "{ended}"
    );
    wait_line(
        &callee_log,
        "forward: call-1 not answered: to sip:desk@127.0.0.1:26153",
    );

    // Do not disturb: busy.
    let (code, out) = cmd(&cc, "dnd on");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("settings: dnd on"), "{out}");
    cmd(&ca, "call sip:c@127.0.0.1:26151");
    let ended = wait_line(&caller_log, "ended call-2");
    assert!(ended.contains("busy") || ended.contains("486"), "{ended}");

    // Off again, no forwarding, auto-answer: a call with a live status.
    for c in ["dnd off", "forward off", "autoanswer on", "mute on"] {
        let (code, out) = cmd(&cc, c);
        assert_eq!(code, 0, "{c}: {out}");
    }
    let (code, out) = cmd(&cc, "forward busy desk");
    assert_eq!(code, 1, "not a URI: {out}");
    let (_, out) = cmd(&cc, "settings");
    assert!(
        out.contains("dnd off | auto-answer on | forward always off | busy off | no answer off"),
        "{out}"
    );
    cmd(&ca, "call sip:c@127.0.0.1:26151");
    let live = wait_line(&callee_log, "live: call-3 active");
    assert!(
        live.contains("PCMU") && live.contains("not encrypted"),
        "{live}"
    );
    let (_, status) = cmd(&ca, "status");
    assert!(
        status.contains("call-3 active") && status.contains(" 0:0"),
        "{status}"
    );
    std::thread::sleep(Duration::from_millis(1200));
    cmd(&ca, "hangup");
    wait_line(&callee_log, "ended call-3");

    // The callee's history has all three.
    let (code, history) = cmd(&cc, "history");
    assert_eq!(code, 0, "{history}");
    let lines: Vec<&str> = history
        .lines()
        .filter(|l| l.starts_with("history: "))
        .collect();
    assert_eq!(lines.len(), 3, "{history}");
    assert!(
        lines[0].contains("call-1 ") && lines[0].contains("not answered"),
        "{history}"
    );
    assert!(
        lines[1].contains("call-2 ") && lines[1].contains("not answered"),
        "{history}"
    );
    assert!(
        // About 1.2 s of talk: 0:01, or more on a loaded machine.
        lines[2].contains("call-3 ")
            && lines[2].contains("talked 0:0")
            && !lines[2].contains("talked 0:00"),
        "{history}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

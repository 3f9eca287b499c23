//! Presence and message waiting through the softphone: one phone watches
//! another's presence (SUBSCRIBE/NOTIFY with PIDF, RFC 6665/3856/3863) and
//! sees its `publish` changes and the end of the subscription; message
//! summaries (RFC 3842) from SIPp, both unsolicited and after a SUBSCRIBE,
//! print as MWI lines. SIPp missing is a failure, not a skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::softphone::{cmd, start, wait_line};

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("op-presence-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

fn scenario(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/sipp")
        .join(name);
    s(&p)
}

/// Runs SIPp with `args` and a 20 s limit; panics unless it exits 0.
fn sipp(args: &[&str], log: &Path) -> std::process::Child {
    let out = std::fs::File::create(log).unwrap();
    Command::new("sipp")
        .args(args)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp must be installed (scripts/install-deps.sh)")
}

fn sipp_passed(mut child: std::process::Child, log: &Path) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            assert!(st.success(), "sipp failed ({st}):\n{text}");
            return;
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            panic!(
                "sipp did not finish:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_watcher_sees_published_presence_and_unsubscribes() {
    let dir = workdir("direct");
    let (sa, sb) = (dir.join("a.sock"), dir.join("b.sock"));
    let (la, lb) = (dir.join("a.log"), dir.join("b.log"));
    // Alice has an account that talks peer to peer (no registrar): her
    // phone is her presence notifier.
    let _a = start(
        &[
            "--listen",
            "127.0.0.1:27201",
            "--control",
            &s(&sa),
            "--account",
            "sip:alice@127.0.0.1:27201",
            "--no-register",
        ],
        &la,
    );
    let _b = start(&["--listen", "127.0.0.1:27203", "--control", &s(&sb)], &lb);
    wait_line(&la, "listening:");
    wait_line(&lb, "listening:");

    let (code, out) = cmd(&sb, "subscribe sip:alice@127.0.0.1:27201 presence");
    assert_eq!(code, 0, "{out}");
    // Before any publish, a running phone says open.
    wait_line(&lb, "event: presence sip:alice@127.0.0.1:27201 open");
    wait_line(&lb, "event: subscription sip:alice@127.0.0.1:27201 active");

    let (code, out) = cmd(&sa, "publish closed in a meeting");
    assert_eq!(code, 0, "{out}");
    wait_line(&la, "publish: closed (in a meeting) on 1 account(s)");
    wait_line(
        &lb,
        "event: presence sip:alice@127.0.0.1:27201 closed (in a meeting)",
    );
    let (code, out) = cmd(&sa, "publish open back");
    assert_eq!(code, 0, "{out}");
    wait_line(&lb, "event: presence sip:alice@127.0.0.1:27201 open (back)");

    let (code, out) = cmd(&sb, "unsubscribe sip:alice@127.0.0.1:27201");
    assert_eq!(code, 0, "{out}");
    wait_line(
        &lb,
        "event: subscription sip:alice@127.0.0.1:27201 terminated",
    );
    // A package the notifier does not serve is refused (489 Bad Event).
    let (code, out) = cmd(&sb, "subscribe sip:alice@127.0.0.1:27201 mwi");
    assert_eq!(code, 0, "{out}");
    let refused = wait_line(&lb, "489");
    assert!(refused.contains("terminated"), "{refused}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sipp_unsolicited_message_summary_shows_as_mwi() {
    let dir = workdir("mwi-unsolicited");
    let (sa, la, ls) = (dir.join("a.sock"), dir.join("a.log"), dir.join("sipp.log"));
    let _a = start(&["--listen", "127.0.0.1:27211", "--control", &s(&sa)], &la);
    wait_line(&la, "listening:");
    let sf = scenario("mwi_unsolicited_notify.xml");
    let child = sipp(
        &[
            "127.0.0.1:27211",
            "-sf",
            &sf,
            "-i",
            "127.0.0.1",
            "-p",
            "27212",
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "15s",
            "-timeout_error",
        ],
        &ls,
    );
    sipp_passed(child, &ls);
    let line = wait_line(&la, "event: mwi");
    assert_eq!(
        line,
        "event: mwi 2 new / 8 old voice messages (0 / 2 urgent) for sip:alice@127.0.0.1"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sipp_voicemail_server_answers_our_mwi_subscription() {
    let dir = workdir("mwi-subscribe");
    let (sa, la, ls) = (dir.join("a.sock"), dir.join("a.log"), dir.join("sipp.log"));
    let _a = start(&["--listen", "127.0.0.1:27221", "--control", &s(&sa)], &la);
    wait_line(&la, "listening:");
    let sf = scenario("mwi_subscribe_uas.xml");
    let child = sipp(
        &[
            "-sf",
            &sf,
            "-i",
            "127.0.0.1",
            "-p",
            "27222",
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "15s",
            "-timeout_error",
        ],
        &ls,
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (code, out) = cmd(&sa, "subscribe sip:vm@127.0.0.1:27222 mwi");
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        wait_line(&la, "event: mwi"),
        "event: mwi 3 new / 1 old voice messages"
    );
    wait_line(
        &la,
        "event: subscription sip:vm@127.0.0.1:27222 active for 600 s",
    );
    let (code, out) = cmd(&sa, "unsubscribe sip:vm@127.0.0.1:27222");
    assert_eq!(code, 0, "{out}");
    wait_line(&la, "event: subscription sip:vm@127.0.0.1:27222 terminated");
    sipp_passed(child, &ls);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kamailio, killed when dropped.
struct Kamailio(std::process::Child);

impl Drop for Kamailio {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn kamailio_presence_server_relays_published_state_to_a_watcher() {
    let dir = workdir("kamailio");
    // db_text tables from Debian's kamailio package, copied: Kamailio writes them.
    let db = dir.join("db");
    let copied = Command::new("cp")
        .args(["-r", "/usr/share/kamailio/dbtext/kamailio", &s(&db)])
        .status()
        .unwrap();
    assert!(
        copied.success(),
        "kamailio's db_text tables are missing (install kamailio)"
    );
    std::fs::create_dir_all(dir.join("run")).unwrap();
    let cfg = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/kamailio-presence.cfg");
    let klog = std::fs::File::create(dir.join("kamailio.log")).unwrap();
    let _k = Kamailio(
        Command::new("kamailio")
            .args([
                "-f",
                &s(&cfg),
                "-DD",
                "-E",
                "-Y",
                &s(&dir.join("run")),
                "-P",
                &s(&dir.join("kamailio.pid")),
                "-A",
                "SIP_PORT=27260",
                "-A",
                &format!("CTL_SOCK=\"unix:{}\"", s(&dir.join("ctl"))),
                "-A",
                &format!("DBURL=\"text://{}\"", s(&db)),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(klog)
            .spawn()
            .expect("kamailio must be installed (scripts/install-deps.sh)"),
    );
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (sa, sb) = (dir.join("a.sock"), dir.join("b.sock"));
    let (la, lb) = (dir.join("a.log"), dir.join("b.log"));
    let _a = start(
        &[
            "--listen",
            "127.0.0.1:27261",
            "--control",
            &s(&sa),
            "--account",
            "sip:alice@127.0.0.1:27260",
        ],
        &la,
    );
    let _b = start(&["--listen", "127.0.0.1:27263", "--control", &s(&sb)], &lb);
    wait_line(&la, "Registered");
    wait_line(&lb, "listening:");
    let (code, out) = cmd(&sb, "subscribe sip:alice@127.0.0.1:27260");
    assert_eq!(code, 0, "{out}");
    wait_line(&lb, "event: subscription sip:alice@127.0.0.1:27260 active");
    let (code, out) = cmd(&sa, "publish closed in a meeting");
    assert_eq!(code, 0, "{out}");
    wait_line(
        &lb,
        "event: presence sip:alice@127.0.0.1:27260 closed (in a meeting)",
    );
    let (code, out) = cmd(&sa, "publish open");
    assert_eq!(code, 0, "{out}");
    wait_line(&lb, "event: presence sip:alice@127.0.0.1:27260 open");
    let (code, out) = cmd(&sb, "unsubscribe sip:alice@127.0.0.1:27260");
    assert_eq!(code, 0, "{out}");
    wait_line(
        &lb,
        "event: subscription sip:alice@127.0.0.1:27260 terminated",
    );
    // No publication failed on the way (a refused PUBLISH is an event).
    let alice = std::fs::read_to_string(&la).unwrap();
    assert!(!alice.contains("failed"), "{alice}");
    let _ = std::fs::remove_dir_all(&dir);
}

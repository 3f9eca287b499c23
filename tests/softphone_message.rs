//! Instant messages between two softphones (SIP MESSAGE, RFC 3428): `message
//! URI TEXT` on one prints on the other as `event: message from …: TEXT`;
//! a message nobody takes comes back to the sender as a failure event.

mod common;

use common::softphone::{cmd, start, wait_line};

#[test]
fn message_reaches_the_other_softphone_and_a_lost_one_is_reported() {
    let dir = std::env::temp_dir().join(format!("op-message-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let (sa, sb) = (dir.join("a.sock"), dir.join("b.sock"));
    let (la, lb) = (dir.join("a.log"), dir.join("b.log"));
    let _a = start(&["--listen", "127.0.0.1:26195", "--control", &s(&sa)], &la);
    let _b = start(&["--listen", "127.0.0.1:26197", "--control", &s(&sb)], &lb);
    wait_line(&la, "listening:");
    wait_line(&lb, "listening:");

    let (code, out) = cmd(&sa, "message sip:bob@127.0.0.1:26197 hello from alice");
    assert_eq!(code, 0, "{out}");
    let got = wait_line(&lb, "event: message from");
    assert!(got.ends_with(": hello from alice"), "{got}");
    assert!(got.contains("26195"), "the sender is named: {got}");

    // Nobody listens on 26199: over TCP the connection is refused at once
    // (over UDP the transaction would take 32 s to time out), and the
    // sender hears about it as an event, not a log line.
    let (code, out) = cmd(
        &sa,
        "message sip:nobody@127.0.0.1:26199;transport=tcp anyone?",
    );
    assert_eq!(code, 0, "{out}");
    let failed = wait_line(&la, "failed");
    assert!(failed.contains("message"), "{failed}");
    let _ = std::fs::remove_dir_all(&dir);
}

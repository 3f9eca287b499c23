//! Per-account codecs (`codecs` in a TOML `[[account]]`, the SAL's
//! `AccountConfig::codecs`): one softphone with two accounts, alice
//! (PCMA only) and bob (GSM only), and a caller that offers
//! everything. A call to each account is answered from that account's
//! list; a call from alice offers only PCMA.

mod common;

use std::path::Path;

use common::softphone::{cmd, start, wait_line};

#[test]
fn each_account_negotiates_from_its_own_codecs() {
    let dir = std::env::temp_dir().join(format!("op-acodecs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let toml = dir.join("a.toml");
    std::fs::write(
        &toml,
        r#"
listen = "127.0.0.1:27120"
rtp_ports = "24000-24099"
auto_answer = true

[[account]]
aor = "sip:alice@127.0.0.1:27120"
register = false
codecs = ["PCMA"]

[[account]]
aor = "sip:bob@127.0.0.1:27120"
register = false
codecs = ["gsm"]
"#,
    )
    .unwrap();
    let (sa, sb) = (dir.join("a.sock"), dir.join("b.sock"));
    let (la, lb) = (dir.join("a.log"), dir.join("b.log"));
    let _a = start(&["--config", &s(&toml), "--control", &s(&sa)], &la);
    let _b = start(
        &[
            "--listen",
            "127.0.0.1:27121",
            "--rtp-ports",
            "24100-24199",
            "--auto-answer",
            "--control",
            &s(&sb),
        ],
        &lb,
    );
    wait_line(&la, "control: ");
    wait_line(&lb, "control: ");

    // To alice: PCMA, though the caller prefers its own first codec.
    assert_eq!(cmd(&sb, "call sip:alice@127.0.0.1:27120").0, 0);
    let media = wait_line(&lb, "event: media call-1");
    assert!(media.contains("PCMA"), "{media}");
    let media = wait_line(&la, "event: media call-1");
    assert!(media.contains("PCMA"), "{media}");
    assert_eq!(cmd(&sb, "hangup").0, 0);
    wait_line(&la, "ended call-1");

    // To bob: GSM (the caller offers PCMU first; bob has none).
    assert_eq!(cmd(&sb, "call sip:bob@127.0.0.1:27120").0, 0);
    let media = wait_line(&lb, "event: media call-2");
    assert!(media.contains("GSM"), "{media}");
    let media = wait_line(&la, "event: media call-2");
    assert!(media.contains("GSM"), "{media}");
    assert_eq!(cmd(&sb, "hangup").0, 0);
    wait_line(&la, "ended call-2");

    // From alice (the phone's first account): only PCMA offered.
    assert_eq!(cmd(&sa, "call sip:carol@127.0.0.1:27121").0, 0);
    let media = wait_line(&lb, "event: media call-3");
    assert!(media.contains("PCMA"), "{media}");
    let _ = std::fs::remove_dir_all(&dir);
}

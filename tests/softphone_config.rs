//! The softphone's `--config` TOML file: two accounts added, the codec
//! list and auto-answer taken from it, a command-line option overriding
//! it; a typo, an empty per-account codec list and a bad DTMF mode refused before
//! the phone starts; the bundled example file loads.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::softphone::{start, wait_line};

/// Runs the softphone on `config` expecting it to refuse; its message.
fn refused(dir: &Path, name: &str, config: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, config).unwrap();
    let out = Command::new(common::example("softphone"))
        .args(["--no-control", "--config"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{name} accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn config_file_sets_accounts_codecs_and_toggles() {
    let dir = std::env::temp_dir().join(format!("op-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let callee_toml = dir.join("callee.toml");
    std::fs::write(
        &callee_toml,
        r#"
listen = "127.0.0.1:26181"
codecs = ["pcma"]
auto_answer = true
tone = 600.0

[[account]]
aor = "sip:alice@127.0.0.1:26182"
register = false
dtmf = "rfc4733"

[[account]]
aor = "sip:bob@127.0.0.1:26182"
register = false
encryption = "none"
"#,
    )
    .unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let callee_log = dir.join("callee.log");
    let _callee = start(
        &[
            "--config",
            &s(&callee_toml),
            "--control",
            &s(&dir.join("c.sock")),
        ],
        &callee_log,
    );
    wait_line(
        &callee_log,
        "account account-1 added (<sip:alice@127.0.0.1:26182>)",
    );
    wait_line(
        &callee_log,
        "account account-2 added (<sip:bob@127.0.0.1:26182>)",
    );

    // The command line overrides the file's port.
    let other_log = dir.join("other.log");
    let _other = start(
        &[
            "--config",
            &s(&callee_toml),
            "--listen",
            "127.0.0.1:26183",
            "--control",
            &s(&dir.join("o.sock")),
        ],
        &other_log,
    );
    wait_line(&other_log, "listening: sip udp 127.0.0.1:26183");

    // A call to the first: answered at once, in the file's only codec.
    let caller_sock = dir.join("a.sock");
    let caller_log = dir.join("caller.log");
    let _caller = start(
        &["--listen", "127.0.0.1:26184", "--control", &s(&caller_sock)],
        &caller_log,
    );
    wait_line(&caller_log, "control: ");
    let (out, status) = common::run_example(
        "softphone",
        &[
            "cmd",
            "--control",
            &s(&caller_sock),
            "call",
            "sip:x@127.0.0.1:26181",
        ],
    );
    assert!(status.success(), "{out}");
    let media = wait_line(&caller_log, "event: media call-1");
    assert!(media.contains("PCMA"), "{media}");
    wait_line(&caller_log, "state call-1 active");

    let typo = refused(&dir, "typo.toml", "auto_anwser = true\n");
    assert!(typo.contains("auto_anwser"), "{typo}");
    let codecs = refused(
        &dir,
        "codecs.toml",
        "[[account]]\naor = \"sip:a@127.0.0.1\"\ncodecs = []\n",
    );
    assert!(
        codecs.contains("codecs: a list of encoding names"),
        "{codecs}"
    );
    let dtmf = refused(
        &dir,
        "dtmf.toml",
        "[[account]]\naor = \"sip:a@127.0.0.1\"\ndtmf = \"info\"\n",
    );
    assert!(
        dtmf.contains("dtmf is auto, rfc4733 or out-of-band"),
        "{dtmf}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_bundled_example_config_loads() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/softphone.toml");
    let mut child = Command::new(common::example("softphone"))
        .args(["--no-control", "--listen", "127.0.0.1:26185", "--config"])
        .arg(&example)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"quit\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("account account-2 added"), "{text}");
}

//! The softphone's control socket: two softphones on loopback, the caller
//! driven only through `softphone cmd …` and `softphone URL` (no stdin):
//! status, a call handed over as a URL, hold, an unknown command, hang-up,
//! quit; a missing phone is exit status 2, a failed command 1.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use common::softphone::{self, cmd, Phone};

fn start(port: u16, control: &Path, extra: &[&str]) -> Phone {
    let listen = format!("127.0.0.1:{port}");
    let mut args = vec!["--listen", &listen, "--control", control.to_str().unwrap()];
    args.extend(extra);
    softphone::start(&args, &control.with_extension("log"))
}

/// `softphone ARGS` as a client: (exit code, output).
fn client(args: &[&str]) -> (i32, String) {
    let (out, status) = common::run_example("softphone", args);
    (status.code().unwrap_or(-1), out)
}

/// Polls `status` until `f` holds (bounded: 10 s).
fn wait_status(control: &Path, f: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let (code, out) = cmd(control, "status");
        if code == 0 && f(&out) {
            return out;
        }
        assert!(Instant::now() < until, "status never matched; last: {out}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_running_phone_is_driven_through_its_control_socket() {
    let dir = std::env::temp_dir().join(format!("op-control-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cb) = (dir.join("a.sock"), dir.join("b.sock"));
    let _callee = start(26111, &ca, &["--auto-answer", "--tone", "600"]);
    let mut caller = start(26112, &cb, &["--tone", "1000"]);
    // The phones are up once their sockets answer.
    wait_status(&cb, |o| o.contains("status: no call"));
    wait_status(&ca, |o| o.contains("status: no call"));
    let mode = std::fs::metadata(&cb).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "only the owner may drive the phone");

    // A URL handed to the running phone is called.
    let (code, out) = client(&["--control", cb.to_str().unwrap(), "sip:a@127.0.0.1:26111"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("calling sip:a@127.0.0.1:26111 as call-"),
        "{out}"
    );
    let status = wait_status(&cb, |o| o.contains(" active "));
    assert!(status.contains("codec PCMU"), "{status}");

    // Calls are named as printed, or by their bare number; an unknown
    // name is an error, never another call.
    let (code, out) = cmd(&cb, "hangup call-9");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("no call call-9"), "{out}");
    wait_status(&cb, |o| o.contains("call-1 active"));
    let (code, out) = cmd(&cb, "hold 1");
    assert_eq!(code, 0, "{out}");
    let (code, out) = cmd(&cb, "bogus words");
    assert_eq!(code, 1, "an unknown command fails: {out}");
    assert!(out.contains("error: unknown command \"bogus\""), "{out}");
    let (code, out) = cmd(&cb, "hangup call-1");
    assert_eq!(code, 0, "{out}");
    wait_status(&cb, |o| o.contains("status: no call"));
    let (code, out) = cmd(&cb, "hangup");
    assert_eq!(code, 1, "no call to hang up: {out}");

    // quit stops the phone and removes its socket.
    let (code, _) = cmd(&cb, "quit");
    assert_eq!(code, 0);
    let until = Instant::now() + Duration::from_secs(10);
    while caller.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < until, "the phone did not quit");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!cb.exists(), "socket removed at exit");
    let (code, _) = cmd(&cb, "status");
    assert_eq!(code, 2, "no phone answers any more");
    let _ = std::fs::remove_dir_all(&dir);
}

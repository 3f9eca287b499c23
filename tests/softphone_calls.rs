//! Several calls on one softphone, driven through its control socket: two
//! callers ring it, `calls` lists both, `answer call-1`, `switch 2`,
//! `answer`, then `conference` joins them: each caller now hears the other
//! (judged from the caller's recording), `split` and hang-ups end it.

mod common;

use std::path::Path;
use std::time::Duration;

use common::softphone::{cmd, start, wait_line};
use openphone::hal::judge::{judge_tone, Criteria, SentTone};

fn read_wav(path: &Path) -> (Vec<i16>, u32) {
    let mut r = hound::WavReader::open(path).expect("recording");
    let rate = r.spec().sample_rate;
    let samples = r.samples::<i16>().map(|s| s.unwrap()).collect();
    (samples, rate)
}

#[test]
fn two_calls_answered_switched_and_conferenced() {
    let dir = std::env::temp_dir().join(format!("op-calls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (sa, sb, sc) = (dir.join("a.sock"), dir.join("b.sock"), dir.join("c.sock"));
    let (la, lb, lc) = (dir.join("a.log"), dir.join("b.log"), dir.join("c.log"));
    let (wa, wb) = (dir.join("a.wav"), dir.join("b.wav"));
    let _a = start(
        &[
            "--listen",
            "127.0.0.1:26191",
            "--control",
            &s(&sa),
            "--tone",
            "1000",
            "--record",
            &s(&wa),
        ],
        &la,
    );
    let _b = start(
        &[
            "--listen",
            "127.0.0.1:26192",
            "--control",
            &s(&sb),
            "--tone",
            "600",
            "--record",
            &s(&wb),
        ],
        &lb,
    );
    let _c = start(&["--listen", "127.0.0.1:26193", "--control", &s(&sc)], &lc);
    for l in [&la, &lb, &lc] {
        wait_line(l, "control: ");
    }
    cmd(&sa, "call sip:c@127.0.0.1:26193");
    wait_line(&lc, "incoming call-1");
    cmd(&sb, "call sip:c@127.0.0.1:26193");
    wait_line(&lc, "incoming call-2");

    let (code, calls) = cmd(&sc, "calls");
    assert_eq!(code, 0, "{calls}");
    assert_eq!(
        calls.lines().filter(|l| l.starts_with("calls:")).count(),
        2,
        "{calls}"
    );
    let (code, out) = cmd(&sc, "answer call-1");
    assert_eq!(code, 0, "{out}");
    wait_line(&la, "state call-1 active");
    let (code, out) = cmd(&sc, "switch 2");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("current call call-2"), "{out}");
    let (code, out) = cmd(&sc, "answer");
    assert_eq!(code, 0, "{out}");
    wait_line(&lb, "state call-1 active");
    let (code, out) = cmd(&sc, "switch call-7");
    assert_eq!(code, 1, "{out}");

    let (code, out) = cmd(&sc, "conference");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("conference: call-1, call-2"), "{out}");
    std::thread::sleep(Duration::from_millis(2500));
    let (code, out) = cmd(&sc, "split 1");
    assert_eq!(code, 0, "{out}");
    for sock in [&sa, &sb] {
        cmd(sock, "hangup");
    }
    wait_line(&la, "ended call-1");
    wait_line(&lb, "ended call-1");
    std::thread::sleep(Duration::from_millis(300));

    // Each caller heard the other through the conference (its last
    // two seconds before the split).
    for (wav, freq) in [(&wa, 600.0), (&wb, 1000.0)] {
        let (pcm, rate) = read_wav(wav);
        let secs = pcm.len() as f64 / f64::from(rate);
        let c = Criteria {
            settle_ms: ((secs - 2.3).max(0.0) * 1000.0),
            tail_ms: 300.0,
            max_dropout_ms: 200.0,
            ..Criteria::default()
        };
        let sent = SentTone {
            freq_hz: freq,
            level_dbfs: -6.02,
        };
        let v = judge_tone(&pcm, rate, &sent, &c);
        assert!(v.passed(), "{} hears {freq} Hz: {v}", wav.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

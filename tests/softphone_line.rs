//! `softphone --line sim`: the softphone as an ATA whose handset is the
//! simulated line card, against a second softphone on loopback. What the
//! line carried is judged from the line's recording (`--record`), placed
//! in time by the `line: … at S s` lines the phone prints.
//!
//! Outgoing: off-hook, dial tone (US 350 + 440 Hz), digits dialled in-band,
//! ringback (440 + 480 Hz) while the other rings, its answer, audio both
//! ways (judged), flash to a second call (dial tone again), swap, on-hook
//! with a held call (the line rings back), off-hook takes it back.
//! Incoming: the line rings with the US cadence (2 s on, 4 s off) and the
//! caller-ID FSK between the first and second ring decodes (minimodem) to
//! the caller's number; off-hook answers.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::softphone::{cmd, start, wait_line};
use openphone::hal::analysis::tone_present;
use openphone::hal::judge::{judge_tone, Criteria, SentTone};
use openphone::hal::{AudioSink, WavSink};

const RATE: usize = 8000;

fn read_wav(path: &Path) -> Vec<i16> {
    let mut r = hound::WavReader::open(path).expect("recording");
    r.samples::<i16>().map(|s| s.unwrap()).collect()
}

/// The time (s) of the `nth` (from 0) log line containing `needle`.
fn at(log: &Path, needle: &str, nth: usize) -> f64 {
    let text = std::fs::read_to_string(log).unwrap();
    let line = text
        .lines()
        .filter(|l| l.starts_with("line: ") && l.contains(needle))
        .nth(nth)
        .unwrap_or_else(|| panic!("no {needle:?} #{nth} in:\n{text}"));
    let secs = line.rsplit_once(" at ").expect("at S s").1;
    secs.trim_end_matches(" s").parse().expect("seconds")
}

fn window(pcm: &[i16], from: f64, to: f64) -> &[i16] {
    let a = ((from * RATE as f64) as usize).min(pcm.len());
    let b = ((to * RATE as f64) as usize).clamp(a, pcm.len());
    &pcm[a..b]
}

/// Waits until `log` has `n` lines containing `needle`.
fn wait_count(log: &Path, needle: &str, n: usize) {
    for _ in 0..100 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.lines().filter(|l| l.contains(needle)).count() >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "{} never had {n} × {needle:?}:\n{}",
        log.display(),
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn judge(pcm: &[i16], freq: f64, what: &str) {
    let c = Criteria {
        settle_ms: 100.0,
        tail_ms: 100.0,
        ..Criteria::default()
    };
    let sent = SentTone {
        freq_hz: freq,
        level_dbfs: -6.02,
    };
    let v = judge_tone(pcm, 8000, &sent, &c);
    assert!(v.passed(), "{what}: {freq} Hz: {v}");
}

#[test]
fn line_sim_is_an_ata_for_sip() {
    let dir = std::env::temp_dir().join(format!("op-line-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (sa, sb) = (dir.join("a.sock"), dir.join("b.sock"));
    let (la, lb) = (dir.join("a.log"), dir.join("b.log"));
    let (wa, wb) = (dir.join("line.wav"), dir.join("b.wav"));
    let mut a = start(
        &[
            "--line",
            "sim",
            "--country",
            "us",
            "--listen",
            "127.0.0.1:27101",
            "--rtp-ports",
            "24000-24199",
            "--dial-domain",
            "127.0.0.1:27102",
            "--digit-map",
            "xxxx",
            "--control",
            &s(&sa),
            "--tone",
            "600",
            "--record",
            &s(&wa),
        ],
        &la,
    );
    let _b = start(
        &[
            "--account",
            "sip:5551234@127.0.0.1:27102",
            "--no-register",
            "--listen",
            "127.0.0.1:27102",
            "--rtp-ports",
            "24200-24399",
            "--control",
            &s(&sb),
            "--tone",
            "1000",
            "--record",
            &s(&wb),
        ],
        &lb,
    );
    for l in [&la, &lb] {
        wait_line(l, "control: ");
    }

    // Outgoing: dial tone, digits, ringback, answer.
    assert_eq!(cmd(&sa, "offhook").0, 0);
    wait_line(&la, "line: play dial tone");
    std::thread::sleep(Duration::from_millis(1000));
    let (code, out) = cmd(&sa, "dial 2001");
    assert_eq!(code, 0, "{out}");
    wait_line(&la, "dialled 2001");
    wait_line(&lb, "incoming call-1");
    wait_line(&la, "line: play ringback tone");
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(cmd(&sb, "answer call-1").0, 0);
    wait_line(&la, "talking to call-1");
    std::thread::sleep(Duration::from_millis(2500));

    // Flash: call-1 held, dial tone, a second call.
    assert_eq!(cmd(&sa, "flash").0, 0);
    wait_count(&la, "line: play dial tone", 2);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(cmd(&sa, "dial 2002").0, 0);
    wait_line(&lb, "incoming call-2");
    assert_eq!(cmd(&sb, "answer call-2").0, 0);
    wait_line(&la, "talking to call-2");
    std::thread::sleep(Duration::from_millis(1500));
    // Flash swaps back to call-1; on-hook hangs it up and call-2 rings back.
    assert_eq!(cmd(&sa, "flash").0, 0);
    wait_count(&la, "talking to call-1", 2);
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(cmd(&sa, "onhook").0, 0);
    wait_line(&lb, "ended call-1");
    wait_line(&la, "line: ring (");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(cmd(&sa, "offhook").0, 0);
    wait_count(&la, "talking to call-2", 2);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(cmd(&sa, "onhook").0, 0);
    wait_line(&lb, "ended call-2");

    // Incoming: ring cadence and caller-ID, off-hook answers.
    std::thread::sleep(Duration::from_millis(500));
    let (code, out) = cmd(&sb, "call sip:line@127.0.0.1:27101");
    assert_eq!(code, 0, "{out}");
    wait_line(&la, "with caller-ID");
    std::thread::sleep(Duration::from_millis(7500));
    assert_eq!(cmd(&sa, "offhook").0, 0);
    wait_line(&la, "talking to call-3");
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(cmd(&sa, "onhook").0, 0);
    wait_count(&lb, "event: ended", 3);
    std::thread::sleep(Duration::from_millis(300));
    let log = std::fs::read_to_string(&la).unwrap();
    assert!(log.contains("caller-ID 5551234"), "{log}");
    // `quit` completes the line's recording.
    cmd(&sa, "quit");
    for _ in 0..50 {
        if a.0.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(_b);

    let line = read_wav(&wa);
    // Dial tone: 350 + 440 Hz, no ringback's 480.
    let t = at(&la, "play dial tone", 0);
    let dial = window(&line, t + 0.1, at(&la, "digit 2", 0) - 0.05);
    assert!(dial.len() > RATE / 2, "dial tone window");
    for (f, want) in [(350.0, true), (440.0, true), (480.0, false)] {
        assert_eq!(tone_present(dial, 8000, f, 5.0), want, "dial tone {f} Hz");
    }
    // Ringback: 440 + 480 Hz (2 s on).
    let t = at(&la, "play ringback tone", 0);
    let ringback = window(&line, t + 0.1, t + 1.9);
    for (f, want) in [(440.0, true), (480.0, true), (350.0, false)] {
        assert_eq!(
            tone_present(ringback, 8000, f, 5.0),
            want,
            "ringback {f} Hz"
        );
    }
    // The far end's tone on the line while talking.
    let t = at(&la, "talking to call-1", 0);
    judge(
        window(&line, t + 0.5, at(&la, "flash", 0) - 0.1),
        1000.0,
        "line hears call-1",
    );
    // Second dial tone after the flash.
    let t = at(&la, "play dial tone", 1);
    let dial2 = window(&line, t + 0.1, t + 0.9);
    assert!(tone_present(dial2, 8000, 350.0, 5.0), "second dial tone");
    let t = at(&la, "talking to call-2", 0);
    judge(
        window(&line, t + 0.5, at(&la, "flash", 1) - 0.1),
        1000.0,
        "line hears call-2",
    );
    // The handset's tone at the far end (its first call's recording).
    let heard = read_wav(&wb);
    judge(window(&heard, 0.5, 2.5), 600.0, "far end hears the line");

    // Ringing: 20 Hz bursts of 2 s every 6 s, caller-ID in the gap.
    let t = at(&la, "with caller-ID", 0);
    let ring = window(&line, t, t + 7.5);
    let env: Vec<bool> = ring
        .chunks(RATE / 50)
        .map(|c| c.iter().map(|&s| i32::from(s).abs()).max().unwrap_or(0) > 8000)
        .collect();
    let first_on = env.iter().position(|&b| b).expect("rings");
    let first_len = env[first_on..].iter().take_while(|&&b| b).count();
    let gap = env[first_on + first_len..]
        .iter()
        .take_while(|&&b| !b)
        .count();
    assert!(
        (95..=105).contains(&first_len),
        "ring on {} ms",
        first_len * 20
    );
    assert!((195..=205).contains(&gap), "ring off {} ms", gap * 20);
    let data_from = (first_on + first_len) * (RATE / 50);
    let data = &ring[data_from..data_from + 3 * RATE];
    let cid_wav = dir.join("cid.wav");
    let mut sink = WavSink::create(&cid_wav, 8000).unwrap();
    sink.write(data).unwrap();
    sink.finish().unwrap();
    let out = Command::new("minimodem")
        .args(["--rx", "1200", "--quiet", "-f"])
        .arg(&cid_wav)
        .output()
        .expect("minimodem must be installed (apt-get install minimodem)");
    let decoded = String::from_utf8_lossy(&out.stdout);
    assert!(
        decoded.contains("5551234"),
        "caller-ID decoded: {decoded:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

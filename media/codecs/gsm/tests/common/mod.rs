//! Reference tools (libgsm's `toast`/`untoast`) and test-signal generators
//! shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

const INSTALL_HINT: &str =
    "libgsm's toast/untoast are required for these tests: install them with `apt-get install libgsm-tools`";

/// Runs `tool args` with `input` on stdin and returns stdout. Panics (the
/// test fails) when the tool is missing or fails.
fn run(tool: &str, args: &[&str], input: &[u8], hint: &str) -> Vec<u8> {
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run `{tool}` ({e}); {hint}"));
    let mut stdin = child.stdin.take().expect("stdin piped");
    let data = input.to_vec();
    // Feed stdin from a thread so a full stdout pipe cannot deadlock us.
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("tool output");
    feeder.join().expect("stdin feeder");
    assert!(
        out.status.success(),
        "`{tool} {args:?}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Encodes 16-bit linear PCM with libgsm's `toast -l` (raw host-order
/// samples in, concatenated 33-byte frames out).
pub fn toast(pcm: &[i16]) -> Vec<u8> {
    let bytes: Vec<u8> = pcm.iter().flat_map(|s| s.to_ne_bytes()).collect();
    run("toast", &["-l"], &bytes, INSTALL_HINT)
}

/// Decodes concatenated 33-byte frames with libgsm's `untoast -l`.
pub fn untoast(frames: &[u8]) -> Vec<i16> {
    let out = run("untoast", &["-l"], frames, INSTALL_HINT);
    out.chunks_exact(2)
        .map(|c| i16::from_ne_bytes([c[0], c[1]]))
        .collect()
}

/// Speech synthesised by espeak-ng and resampled to 8 kHz 16-bit by sox.
pub fn speech(text: &str, tag: &str) -> Vec<i16> {
    let dir = std::env::temp_dir().join(format!("openphone-gsm-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let wav = dir.join("speech.wav");
    let raw = dir.join("speech.raw");
    let st = Command::new("espeak-ng")
        .arg("-w")
        .arg(&wav)
        .arg(text)
        .status()
        .unwrap_or_else(|e| panic!("cannot run espeak-ng ({e}); install espeak-ng"));
    assert!(st.success(), "espeak-ng failed");
    let st = Command::new("sox")
        .arg(&wav)
        .args([
            "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", "-t", "raw",
        ])
        .arg(&raw)
        .status()
        .unwrap_or_else(|e| panic!("cannot run sox ({e}); install sox"));
    assert!(st.success(), "sox failed");
    let bytes = std::fs::read(&raw).expect("sox output");
    let _ = std::fs::remove_dir_all(&dir);
    let mut pcm: Vec<i16> = bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    pad(&mut pcm);
    assert!(pcm.len() >= 160 * 25, "speech too short: {}", pcm.len());
    pcm
}

/// Pads to a whole number of frames with zeros.
pub fn pad(pcm: &mut Vec<i16>) {
    let rem = pcm.len() % 160;
    if rem != 0 {
        pcm.resize(pcm.len() + 160 - rem, 0);
    }
}

/// Deterministic 32-bit generator (LCG) for seeded test data.
pub struct Lcg(pub u32);

impl Lcg {
    /// Next 32 random bits.
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let x = self.0;
        x ^ (x >> 16)
    }
}

/// Seeded white noise of the given peak amplitude.
pub fn noise(seed: u32, frames: usize, peak: i32) -> Vec<i16> {
    let mut r = Lcg(seed);
    (0..frames * 160)
        .map(|_| {
            let v = (r.next_u32() >> 16) as u16 as i16 as i32;
            (v * peak / 32768) as i16
        })
        .collect()
}

/// Square wave between `hi` and `lo` with the given period in samples.
pub fn square(period: usize, hi: i16, lo: i16, frames: usize) -> Vec<i16> {
    (0..frames * 160)
        .map(|n| if n % period < period / 2 { hi } else { lo })
        .collect()
}

/// Linear sine sweep from `f0` to `f1` Hz at the given amplitude.
pub fn sweep(f0: f64, f1: f64, amp: f64, frames: usize) -> Vec<i16> {
    let n = frames * 160;
    let dur = n as f64 / 8000.0;
    (0..n)
        .map(|i| {
            let t = i as f64 / 8000.0;
            let phase = 2.0 * std::f64::consts::PI * (f0 * t + (f1 - f0) * t * t / (2.0 * dur));
            (amp * phase.sin()).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

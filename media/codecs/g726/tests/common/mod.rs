//! Test signals and the external reference tools (spandsp through a small C
//! harness compiled here, ffmpeg, espeak-ng, sox). A missing tool fails the
//! test with a message saying what to install; nothing is skipped.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// spandsp reference: `g726_ref enc|dec <bit_rate> <packing> <coding>`,
/// raw bytes on stdin and stdout. Linear samples are s16 little-endian,
/// G.711 samples (coding 1 = µ-law, 2 = A-law) one octet each; codewords
/// with packing 0 are one per octet.
const HARNESS_C: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <spandsp.h>

static uint8_t *read_all(size_t *len) {
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += r;
        if (n == cap) { cap *= 2; buf = realloc(buf, cap); }
    }
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: enc|dec rate packing coding\n"); return 2; }
    int enc = strcmp(argv[1], "enc") == 0;
    int rate = atoi(argv[2]), packing = atoi(argv[3]), coding = atoi(argv[4]);
    g726_state_t *s = g726_init(NULL, rate, coding, packing);
    if (s == NULL) { fprintf(stderr, "g726_init failed\n"); return 3; }
    size_t len;
    uint8_t *in = read_all(&len);
    if (enc) {
        /* Linear: s16 samples. Companded: spandsp reads the amp[] buffer
           as an array of G.711 octets. */
        size_t n = coding == 0 ? len / 2 : len;
        int16_t *amp = malloc(n * sizeof(int16_t) + 2);
        if (coding == 0)
            for (size_t i = 0; i < n; i++)
                amp[i] = (int16_t) (in[2*i] | (in[2*i+1] << 8));
        else
            memcpy(amp, in, n);
        uint8_t *out = malloc(n + 8);
        int bytes = g726_encode(s, out, amp, (int) n);
        fwrite(out, 1, bytes, stdout);
    } else {
        int16_t *amp = malloc(len * 8 * sizeof(int16_t) + 16);
        int n = g726_decode(s, amp, in, (int) len);
        for (int i = 0; i < n; i++) {
            if (coding == 0) {
                uint8_t b[2] = { (uint8_t) amp[i], (uint8_t) ((uint16_t) amp[i] >> 8) };
                fwrite(b, 1, 2, stdout);
            } else {
                /* spandsp writes G.711 octets into amp[] as bytes. */
                fwrite((uint8_t *) amp + i, 1, 1, stdout);
            }
        }
    }
    return 0;
}
"#;

fn tmp_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
}

/// Builds the spandsp harness once per test binary.
pub fn spandsp_harness() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = tmp_dir();
        let src = dir.join(format!("g726_ref_{}.c", std::process::id()));
        let bin = dir.join(format!("g726_ref_{}", std::process::id()));
        std::fs::write(&src, HARNESS_C).expect("write harness source");
        let out = Command::new("cc")
            .arg("-O2")
            .arg("-o")
            .arg(&bin)
            .arg(&src)
            .arg("-lspandsp")
            .output()
            .unwrap_or_else(|e| panic!("cannot run `cc` to build the spandsp harness: {e}"));
        assert!(
            out.status.success(),
            "building the spandsp reference harness failed (install libspandsp-dev and a C compiler):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        bin
    })
}

/// Runs a program with `input` on stdin and returns stdout; fails the test
/// with stderr if it exits non-zero.
pub fn run(program: &Path, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e} (is it installed?)", program.display()));
    let mut stdin = child.stdin.take().expect("stdin");
    let data = input.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = feeder.join();
    assert!(
        out.status.success(),
        "{} {:?} failed: {}",
        program.display(),
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Looks a tool up on PATH, failing the test clearly when it is missing.
pub fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("reference tool `{name}` is not installed (needed for this bit-exactness test)");
}

pub fn to_bytes(pcm: &[i16]) -> Vec<u8> {
    pcm.iter().flat_map(|s| s.to_le_bytes()).collect()
}

pub fn from_bytes(b: &[u8]) -> Vec<i16> {
    b.chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// Speech: espeak-ng, resampled to 8 kHz 16-bit mono by sox, at its
/// natural level and normalized to full scale (to exercise large steps).
pub fn speech() -> Vec<i16> {
    static PCM: OnceLock<Vec<i16>> = OnceLock::new();
    PCM.get_or_init(|| {
        let dir = tmp_dir();
        let wav = dir.join(format!("g726_speech_{}.wav", std::process::id()));
        let st = Command::new(tool("espeak-ng"))
            .arg("-w")
            .arg(&wav)
            .arg("The quick brown fox jumps over the lazy dog. Adaptive differential pulse code modulation at thirty two kilobits.")
            .status()
            .expect("espeak-ng");
        assert!(st.success(), "espeak-ng failed");
        let raw = |extra: &[&str]| {
            let mut cmd = Command::new(tool("sox"));
            cmd.arg(&wav)
                .args(["-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-L", "-t", "raw", "-"])
                .args(extra);
            let out = cmd.output().expect("sox");
            assert!(out.status.success(), "sox failed: {}", String::from_utf8_lossy(&out.stderr));
            from_bytes(&out.stdout)
        };
        let mut pcm = raw(&[]);
        pcm.extend(raw(&["gain", "-n", "0"]));
        assert!(pcm.len() > 16000, "speech too short");
        pcm
    })
    .clone()
}

/// The named non-speech test signals.
pub fn synthetic() -> Vec<(&'static str, Vec<i16>)> {
    let mut rng = StdRng::seed_from_u64(0x6726);
    let noise: Vec<i16> = (0..16000).map(|_| rng.gen()).collect();
    let quiet_noise: Vec<i16> = (0..16000).map(|_| rng.gen_range(-300..300)).collect();
    let square: Vec<i16> = (0..16000)
        .map(|n| if (n / 20) % 2 == 0 { 32767 } else { -32768 })
        .collect();
    let mut dc = vec![10000i16; 4000];
    dc.extend(vec![-32768i16; 4000]);
    dc.extend(vec![32767i16; 4000]);
    // A steady tone (the tone detector fires on its a2) that then jumps in
    // frequency and level (the transition detector resets the predictor),
    // as a modem would.
    let mut tone: Vec<i16> = (0..8000)
        .map(|n| ((n as f64 * 2.0 * std::f64::consts::PI * 1800.0 / 8000.0).sin() * 12000.0) as i16)
        .collect();
    tone.extend((0..8000).map(|n| {
        ((n as f64 * 2.0 * std::f64::consts::PI * 600.0 / 8000.0).sin() * 30000.0) as i16
    }));
    let sweep: Vec<i16> = (0..16000)
        .map(|n| {
            let t = n as f64 / 8000.0;
            ((2.0 * std::f64::consts::PI * (100.0 * t + 900.0 * t * t)).sin() * 20000.0) as i16
        })
        .collect();
    vec![
        ("silence", vec![0; 8000]),
        ("square", square),
        ("dc", dc),
        ("noise", noise),
        ("quiet_noise", quiet_noise),
        ("tone", tone),
        ("sweep", sweep),
    ]
}

/// Seeded random codeword octets.
pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| rng.gen()).collect()
}

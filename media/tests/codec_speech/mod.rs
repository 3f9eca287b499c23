//! Test helpers for the Speex/Opus/resampler tests: speech from espeak-ng,
//! PESQ through python's `pesq` (ITU-T P.862), reference tools, and a
//! minimal Ogg demuxer so reference-encoded files can be fed to our decoders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh scratch directory for one test.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("openphone-h8-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs a reference tool; a missing tool fails the test with a hint.
pub fn run(tool: &str, args: &[&str]) -> std::process::Output {
    let out = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}); bash scripts/install-deps.sh"));
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Speech synthesised by espeak-ng, resampled by sox to `rate` Hz mono s16,
/// as a WAV at `dir/speech_<rate>.wav`; returns (path, samples).
pub fn speech(dir: &Path, rate: u32) -> (PathBuf, Vec<i16>) {
    let raw = dir.join("espeak.wav");
    if !raw.exists() {
        run(
            "espeak-ng",
            &[
                "-w",
                raw.to_str().unwrap(),
                "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue \
                 background. It is easy to tell the depth of a well. Four hours of steady work \
                 faced us.",
            ],
        );
    }
    let wav = dir.join(format!("speech_{rate}.wav"));
    run(
        "sox",
        &[
            raw.to_str().unwrap(),
            "-r",
            &rate.to_string(),
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed",
            wav.to_str().unwrap(),
        ],
    );
    let pcm = read_wav(&wav).1;
    (wav, pcm)
}

/// Reads a mono 16-bit WAV: (rate, samples).
pub fn read_wav(path: &Path) -> (u32, Vec<i16>) {
    let mut r = hound::WavReader::open(path).expect("wav");
    let spec = r.spec();
    assert_eq!(spec.channels, 1, "{path:?} is not mono");
    let s = r.samples::<i16>().map(|s| s.unwrap()).collect();
    (spec.sample_rate, s)
}

/// Writes a mono 16-bit WAV.
pub fn write_wav(path: &Path, rate: u32, pcm: &[i16]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("wav create");
    for &s in pcm {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

/// PESQ MOS-LQO of `deg` against `reference` (both at `rate`, 8000 → P.862
/// narrowband, 16000 → P.862.2 wideband), from python's `pesq` package.
pub fn pesq(dir: &Path, rate: u32, reference: &[i16], deg: &[i16]) -> f64 {
    let n = reference.len().min(deg.len());
    let r = dir.join("pesq_ref.wav");
    let d = dir.join("pesq_deg.wav");
    write_wav(&r, rate, &reference[..n]);
    write_wav(&d, rate, &deg[..n]);
    let mode = if rate == 8000 { "nb" } else { "wb" };
    let script = format!(
        "import sys,wave,numpy as np\nfrom pesq import pesq\n\
         def rd(p):\n  w=wave.open(p);return np.frombuffer(w.readframes(w.getnframes()),dtype=np.int16).astype(np.float64)\n\
         print(pesq({rate},rd(sys.argv[1]),rd(sys.argv[2]),'{mode}'))"
    );
    let out = run(
        "python3",
        &["-c", &script, r.to_str().unwrap(), d.to_str().unwrap()],
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("pesq output")
}

/// Segmental-free plain SNR in dB of `deg` against `reference` after the
/// best alignment within ±`max_shift` samples.
pub fn snr_db(reference: &[i16], deg: &[i16], max_shift: usize) -> (f64, usize) {
    let mut best = (f64::MIN, 0);
    for shift in 0..=max_shift {
        let n = reference.len().min(deg.len().saturating_sub(shift));
        let (mut sig, mut err) = (0.0f64, 0.0f64);
        for i in 0..n {
            let a = f64::from(reference[i]);
            let b = f64::from(deg[i + shift]);
            sig += a * a;
            err += (a - b) * (a - b);
        }
        let snr = 10.0 * (sig / err.max(1e-9)).log10();
        if snr > best.0 {
            best = (snr, shift);
        }
    }
    best
}

/// The packets of the first logical stream of an Ogg file (RFC 3533):
/// pages are `OggS`, 27-byte header, segment table; a packet ends at a
/// lacing value below 255.
pub fn ogg_packets(data: &[u8]) -> Vec<Vec<u8>> {
    let mut packets = Vec::new();
    let mut cur = Vec::new();
    let mut pos = 0;
    while pos + 27 <= data.len() {
        assert_eq!(&data[pos..pos + 4], b"OggS", "Ogg capture pattern at {pos}");
        let nseg = data[pos + 26] as usize;
        let table = &data[pos + 27..pos + 27 + nseg];
        let mut body = pos + 27 + nseg;
        for &lace in table {
            cur.extend_from_slice(&data[body..body + lace as usize]);
            body += lace as usize;
            if lace < 255 {
                packets.push(std::mem::take(&mut cur));
            }
        }
        pos = body;
    }
    packets
}

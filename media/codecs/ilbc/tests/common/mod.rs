//! Shared helpers for the corpus tests: file access, SNR and PESQ.
#![allow(dead_code)]

use openphone_ilbc::{Decoder, Encoder, IlbcMode};
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const FILES: [&str; 4] = ["F00", "F01", "F02", "F03"];
pub const MODES: [IlbcMode; 2] = [IlbcMode::Ms20, IlbcMode::Ms30];

/// The corpus directory; the tests fail when it is missing.
pub fn corpus() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/corpora/ilbc");
    assert!(
        dir.join("F00.INP").exists(),
        "iLBC corpus missing at {} (see /work/shared/corpora/ilbc/README.md)",
        dir.display()
    );
    dir
}

pub fn ms(mode: IlbcMode) -> u32 {
    mode.frame_ms()
}

pub fn read_bytes(name: &str) -> Vec<u8> {
    let p = corpus().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

pub fn read_pcm(name: &str) -> Vec<i16> {
    read_bytes(name)
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

pub fn decode_all(mode: IlbcMode, bits: &[u8]) -> Vec<i16> {
    let mut dec = Decoder::new(mode);
    let mut out = Vec::new();
    let mut pcm = vec![0i16; mode.frame_samples()];
    for frame in bits.chunks_exact(mode.frame_bytes()) {
        let n = dec.decode(frame, &mut pcm).expect("decode");
        out.extend_from_slice(&pcm[..n]);
    }
    out
}

pub fn encode_all(mode: IlbcMode, pcm: &[i16]) -> Vec<u8> {
    let mut enc = Encoder::new(mode);
    let mut out = Vec::new();
    let mut frame = vec![0u8; mode.frame_bytes()];
    for chunk in pcm.chunks_exact(mode.frame_samples()) {
        let n = enc.encode(chunk, &mut frame).expect("encode");
        out.extend_from_slice(&frame[..n]);
    }
    out
}

/// Segmental SNR (dB) over 20 ms segments whose reference is not near
/// silence (mean square above 100), each clamped to [-10, 60] dB.
pub fn seg_snr(reference: &[i16], test: &[i16]) -> f64 {
    let mut sum = 0.0;
    let mut n = 0usize;
    for (r, t) in reference.chunks_exact(160).zip(test.chunks_exact(160)) {
        let es: f64 = r.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
        if es / 160.0 < 100.0 {
            continue;
        }
        let ee: f64 = r
            .iter()
            .zip(t)
            .map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2))
            .sum();
        sum += (10.0 * ((es + 1.0) / (ee + 1.0)).log10()).clamp(-10.0, 60.0);
        n += 1;
    }
    assert!(n > 0, "no active segments");
    sum / n as f64
}

static TMP: AtomicUsize = AtomicUsize::new(0);

fn write_tmp(samples: &[i16]) -> PathBuf {
    let id = TMP.fetch_add(1, Ordering::Relaxed);
    let p = std::env::temp_dir().join(format!("ilbc-test-{}-{id}.raw", std::process::id()));
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(&p, bytes).expect("write temp file");
    p
}

/// ITU-T P.862 narrow-band PESQ via python3's `pesq` package; panics when
/// python3 or the package is missing.
pub fn pesq(reference: &[i16], degraded: &[i16]) -> f64 {
    let n = reference.len().min(degraded.len());
    let a = write_tmp(&reference[..n]);
    let b = write_tmp(&degraded[..n]);
    let script = "import sys, numpy as np\nfrom pesq import pesq\n\
        r=np.fromfile(sys.argv[1],dtype='<i2').astype(np.float32)\n\
        d=np.fromfile(sys.argv[2],dtype='<i2').astype(np.float32)\n\
        print(pesq(8000, r, d, 'nb'))\n";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&a)
        .arg(&b)
        .output()
        .expect("python3 is required for the PESQ tests");
    let _ = std::fs::remove_file(&a);
    let _ = std::fs::remove_file(&b);
    assert!(
        out.status.success(),
        "python3 pesq failed (is the `pesq` package installed?): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("pesq output")
}

/// Decodes an iLBC bitstream with ffmpeg's independent decoder (RFC 3952
/// storage format). Panics when ffmpeg is missing.
pub fn ffmpeg_decode(mode: IlbcMode, bits: &[u8]) -> Vec<i16> {
    let id = TMP.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir();
    let input = dir.join(format!("ilbc-test-{}-{id}.lbc", std::process::id()));
    let output = dir.join(format!("ilbc-test-{}-{id}.pcm", std::process::id()));
    let mut file = format!("#!iLBC{}\n", mode.frame_ms()).into_bytes();
    file.extend_from_slice(bits);
    std::fs::write(&input, file).expect("write temp file");
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-i"])
        .arg(&input)
        .args(["-f", "s16le", "-ac", "1", "-ar", "8000"])
        .arg(&output)
        .status()
        .expect("ffmpeg is required for the interoperability tests");
    assert!(status.success(), "ffmpeg failed to decode");
    let bytes = std::fs::read(&output).expect("ffmpeg output");
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&output);
    bytes
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect()
}

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

/// Ogg's CRC-32 (RFC 3533 §6: polynomial 0x04C11DB7, MSB first, no
/// reflection, initial value and final XOR 0).
fn ogg_crc(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc ^= u32::from(b) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                (crc << 1) ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// One Ogg page holding exactly one packet (< 65025 bytes).
fn ogg_page(out: &mut Vec<u8>, flags: u8, granule: u64, seq: u32, packet: &[u8]) {
    let start = out.len();
    out.extend_from_slice(b"OggS");
    out.push(0);
    out.push(flags);
    out.extend_from_slice(&granule.to_le_bytes());
    out.extend_from_slice(&0x0F0E_5E5Eu32.to_le_bytes()); // serial
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&[0; 4]); // CRC, filled below
    let mut lacing = vec![255u8; packet.len() / 255];
    lacing.push((packet.len() % 255) as u8);
    out.push(lacing.len() as u8);
    out.extend_from_slice(&lacing);
    out.extend_from_slice(packet);
    let crc = ogg_crc(&out[start..]);
    out[start + 22..start + 26].copy_from_slice(&crc.to_le_bytes());
}

/// An Ogg Opus file (RFC 7845) of mono 20 ms packets with the given
/// pre-skip, one packet per page, so reference decoders can read our packets.
pub fn ogg_opus(packets: &[Vec<u8>], pre_skip: u16) -> Vec<u8> {
    let mut head = b"OpusHead".to_vec();
    head.push(1); // version
    head.push(1); // channels
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&48000u32.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes()); // output gain
    head.push(0); // mapping family
    let mut tags = b"OpusTags".to_vec();
    let vendor = b"openphone-test";
    tags.extend_from_slice(&(vendor.len() as u32).to_le_bytes());
    tags.extend_from_slice(vendor);
    tags.extend_from_slice(&0u32.to_le_bytes());
    let mut out = Vec::new();
    ogg_page(&mut out, 0x02, 0, 0, &head);
    ogg_page(&mut out, 0x00, 0, 1, &tags);
    for (i, p) in packets.iter().enumerate() {
        let last = i + 1 == packets.len();
        let granule = (i as u64 + 1) * 960;
        ogg_page(
            &mut out,
            if last { 0x04 } else { 0 },
            granule,
            i as u32 + 2,
            p,
        );
    }
    out
}

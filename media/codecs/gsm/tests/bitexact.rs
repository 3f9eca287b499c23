//! Bit-exactness against libgsm's `toast` (encoder) and `untoast`
//! (decoder) on signals generated here: speech, silence, full-scale square
//! waves, full-scale DC, seeded noise, sweeps, impulses and random frames.

mod common;

use common::{noise, speech, square, sweep, toast, untoast, Lcg};
use openphone_gsm::{Decoder, Encoder, FRAME_BYTES, FRAME_SAMPLES};

/// Encodes with our encoder.
fn encode(pcm: &[i16]) -> Vec<u8> {
    let mut enc = Encoder::new();
    let mut out = Vec::with_capacity(pcm.len() / FRAME_SAMPLES * FRAME_BYTES);
    for f in pcm.chunks_exact(FRAME_SAMPLES) {
        out.extend_from_slice(&enc.encode(f.try_into().unwrap()));
    }
    out
}

/// Decodes with our decoder, one frame per call.
fn decode(frames: &[u8]) -> Vec<i16> {
    let mut dec = Decoder::new();
    let mut out = Vec::with_capacity(frames.len() / FRAME_BYTES * FRAME_SAMPLES);
    for f in frames.chunks_exact(FRAME_BYTES) {
        out.extend_from_slice(&dec.decode(f.try_into().unwrap()).unwrap());
    }
    out
}

/// Asserts our encoder and decoder match toast/untoast on `pcm`.
fn check(name: &str, pcm: &[i16]) {
    assert_eq!(pcm.len() % FRAME_SAMPLES, 0);
    let reference = toast(pcm);
    assert_eq!(
        reference.len(),
        pcm.len() / FRAME_SAMPLES * FRAME_BYTES,
        "{name}: toast length"
    );
    let ours = encode(pcm);
    if let Some(i) = ours.iter().zip(&reference).position(|(a, b)| a != b) {
        panic!(
            "{name}: encoder differs from toast at byte {i} (frame {}):\n ours {:02x?}\n toast {:02x?}",
            i / FRAME_BYTES,
            &ours[i / FRAME_BYTES * FRAME_BYTES..][..FRAME_BYTES],
            &reference[i / FRAME_BYTES * FRAME_BYTES..][..FRAME_BYTES]
        );
    }
    check_decode(name, &reference);
}

/// Asserts our decoder matches untoast on `frames`.
fn check_decode(name: &str, frames: &[u8]) {
    let reference = untoast(frames);
    let ours = decode(frames);
    assert_eq!(ours.len(), reference.len(), "{name}: decoded length");
    if let Some(i) = ours.iter().zip(&reference).position(|(a, b)| a != b) {
        panic!(
            "{name}: decoder differs from untoast at sample {i} (frame {}): ours {} untoast {}",
            i / FRAME_SAMPLES,
            ours[i],
            reference[i]
        );
    }
}

#[test]
fn speech_matches_libgsm() {
    let pcm = speech(
        "The quick brown fox jumps over the lazy dog. Telephony codecs must be bit exact.",
        "speech1",
    );
    check("speech", &pcm);
    // Louder speech drives the saturating paths.
    let loud: Vec<i16> = pcm.iter().map(|&s| s.saturating_mul(4)).collect();
    check("loud speech", &loud);
    let quiet: Vec<i16> = pcm.iter().map(|&s| s / 64).collect();
    check("quiet speech", &quiet);
}

#[test]
fn silence_matches_libgsm() {
    check("silence", &vec![0i16; 160 * 20]);
    check("near silence", &noise(7, 20, 16));
}

#[test]
fn square_waves_match_libgsm() {
    for &period in &[2usize, 8, 40, 57, 160, 400] {
        check(
            &format!("square {period}"),
            &square(period, i16::MAX, i16::MIN, 20),
        );
        check(
            &format!("half square {period}"),
            &square(period, 16000, -16000, 20),
        );
    }
}

#[test]
fn dc_matches_libgsm() {
    check("dc +max", &vec![i16::MAX; 160 * 20]);
    check("dc min", &vec![i16::MIN; 160 * 20]);
    let mut step = vec![0i16; 160 * 10];
    step.extend(vec![i16::MAX; 160 * 10]);
    step.extend(vec![i16::MIN; 160 * 10]);
    check("dc steps", &step);
}

#[test]
fn noise_matches_libgsm() {
    for (seed, peak) in [(1u32, 32768), (2, 8000), (3, 1000), (4, 100)] {
        check(&format!("noise {seed}/{peak}"), &noise(seed, 50, peak));
    }
}

#[test]
fn sweeps_match_libgsm() {
    check("sweep loud", &sweep(50.0, 3950.0, 32767.0, 100));
    check("sweep mid", &sweep(3900.0, 100.0, 6000.0, 100));
    check("sweep quiet", &sweep(100.0, 3000.0, 200.0, 50));
}

#[test]
fn impulses_match_libgsm() {
    let mut pcm = vec![0i16; 160 * 30];
    for (i, s) in pcm.iter_mut().enumerate() {
        if i % 97 == 0 {
            *s = if i % 2 == 0 { i16::MAX } else { i16::MIN };
        }
    }
    check("impulses", &pcm);
}

#[test]
fn random_frames_decode_like_libgsm() {
    let mut r = Lcg(0xC0DEC);
    let mut frames = vec![0u8; 5000 * FRAME_BYTES];
    for b in frames.iter_mut() {
        *b = r.next_u32() as u8;
    }
    for f in frames.chunks_exact_mut(FRAME_BYTES) {
        f[0] = 0xD0 | (f[0] & 0x0F);
    }
    check_decode("random frames", &frames);
    // All-ones and all-zero parameter frames hit the table edges.
    let mut edge = vec![0xFFu8; 10 * FRAME_BYTES];
    edge.extend(vec![0x00u8; 10 * FRAME_BYTES]);
    for f in edge.chunks_exact_mut(FRAME_BYTES) {
        f[0] = 0xD0 | (f[0] & 0x0F);
    }
    check_decode("edge frames", &edge);
}

#[test]
fn varied_voices_match_libgsm() {
    // Different pitches move the LTP lag over its whole 40..120 range.
    for (voice, pitch, tag) in [
        ("en+f3", "99", "high"),
        ("en+m1", "0", "low"),
        ("de", "50", "de"),
    ] {
        let dir =
            std::env::temp_dir().join(format!("openphone-gsm-voice-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wav = dir.join("v.wav");
        let st = std::process::Command::new("espeak-ng")
            .args(["-v", voice, "-p", pitch, "-s", "150", "-w"])
            .arg(&wav)
            .arg("Zwei Stimmen, hoch und tief: a e i o u, sieben acht neun zehn.")
            .status()
            .expect("espeak-ng (install espeak-ng)");
        assert!(st.success());
        let raw = dir.join("v.raw");
        let st = std::process::Command::new("sox")
            .arg(&wav)
            .args([
                "-r", "8000", "-c", "1", "-b", "16", "-e", "signed", "-t", "raw",
            ])
            .arg(&raw)
            .status()
            .expect("sox (install sox)");
        assert!(st.success());
        let bytes = std::fs::read(&raw).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let mut pcm: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        common::pad(&mut pcm);
        check(&format!("voice {voice} pitch {pitch}"), &pcm);
    }
}

#[test]
fn long_mixed_stream_matches_libgsm() {
    // 40 s of speech, tones and noise with a random gain per frame, so state
    // carries across very different frames.
    let base = speech(
        "Mixing speech with tones and noise for a long stream test.",
        "mixed",
    );
    let mut r = Lcg(2024);
    let mut pcm = Vec::with_capacity(2000 * 160);
    let sw = sweep(60.0, 3900.0, 20000.0, 200);
    let nz = noise(11, 200, 32768);
    for f in 0..2000usize {
        let gain = (r.next_u32() % 1000) as i32; // 0..10x in 1/100 steps
        let src: &[i16] = match r.next_u32() % 3 {
            0 => &base,
            1 => &sw,
            _ => &nz,
        };
        let off = (f * 160) % (src.len() - 160);
        pcm.extend(
            src[off..off + 160]
                .iter()
                .map(|&v| (v as i32 * gain / 100).clamp(-32768, 32767) as i16),
        );
    }
    check("mixed stream", &pcm);
}

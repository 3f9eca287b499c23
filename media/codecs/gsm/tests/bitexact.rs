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
    let mut frames = vec![0u8; 500 * FRAME_BYTES];
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

//! Bit-exactness against spandsp (`g722_encode`/`g722_decode`, 64 kbit/s,
//! 16 kHz 16-bit linear, one octet per sample pair): encoding and decoding
//! speech and synthetic signals, and decoding random octets.

mod common;

use common::*;
use openphone_g722::{Decoder, Encoder};

fn first_mismatch<T: PartialEq + std::fmt::Debug>(ours: &[T], theirs: &[T]) -> Option<String> {
    if ours.len() != theirs.len() {
        return Some(format!("length {} vs spandsp {}", ours.len(), theirs.len()));
    }
    let k = ours.iter().zip(theirs).position(|(a, b)| a != b)?;
    let lo = k.saturating_sub(3);
    let hi = (k + 4).min(ours.len());
    Some(format!(
        "first difference at {k}: ours {:?} spandsp {:?}",
        &ours[lo..hi],
        &theirs[lo..hi]
    ))
}

fn spandsp_encode(pcm: &[i16]) -> Vec<u8> {
    run(spandsp_harness(), &["enc"], &to_bytes(pcm))
}

fn spandsp_decode(codes: &[u8]) -> Vec<i16> {
    from_bytes(&run(spandsp_harness(), &["dec"], codes))
}

/// Decodes with ours and returns the samples as spandsp outputs them: the
/// receive QMF output truncated to 16 bits. Checks on the way that our
/// frame API gives the same values saturated instead.
fn ours_decode(codes: &[u8]) -> Vec<i16> {
    let mut dec = Decoder::new();
    let mut out = vec![0i16; codes.len() * 2];
    assert_eq!(dec.decode(codes, &mut out).expect("decode"), out.len());
    let mut wide = Decoder::new();
    let mut wrapped = Vec::with_capacity(out.len());
    for (&c, pair) in codes.iter().zip(out.chunks_exact(2)) {
        let (a, b) = wide.decode_octet_wide(c);
        assert_eq!(i32::from(pair[0]), a.clamp(-32768, 32767));
        assert_eq!(i32::from(pair[1]), b.clamp(-32768, 32767));
        wrapped.push(a as i16);
        wrapped.push(b as i16);
    }
    wrapped
}

fn check(name: &str, pcm: &[i16]) {
    let pcm = &pcm[..pcm.len() / 2 * 2];
    let theirs = spandsp_encode(pcm);
    let mut enc = Encoder::new();
    let mut ours = vec![0u8; pcm.len() / 2];
    enc.encode(pcm, &mut ours).expect("encode");
    if let Some(m) = first_mismatch(&ours, &theirs) {
        panic!("{name} encode: {m}");
    }
    if let Some(m) = first_mismatch(&ours_decode(&theirs), &spandsp_decode(&theirs)) {
        panic!("{name} decode: {m}");
    }
}

#[test]
fn speech_is_bit_exact_with_spandsp() {
    check("speech", &speech());
}

#[test]
fn synthetic_signals_are_bit_exact_with_spandsp() {
    for (name, pcm) in synthetic() {
        check(name, &pcm);
    }
    // Energy in the higher sub-band (4-8 kHz), loud and quiet.
    for (name, freq, amp) in [("6 kHz", 6000.0, 20000.0), ("7.5 kHz", 7500.0, 3000.0)] {
        let pcm: Vec<i16> = (0..16000)
            .map(|n| ((n as f64 * 2.0 * std::f64::consts::PI * freq / 16000.0).sin() * amp) as i16)
            .collect();
        check(name, &pcm);
    }
}

#[test]
fn random_octets_decode_bit_exact_with_spandsp() {
    for seed in 0..4u64 {
        let codes = random_bytes(seed, 40_000);
        if let Some(m) = first_mismatch(&ours_decode(&codes), &spandsp_decode(&codes)) {
            panic!("random octets (seed {seed}): {m}");
        }
    }
    // Long runs of one octet drive coefficients and scale factors to their
    // limits.
    for code in 0..=255u8 {
        let mut codes = vec![code; 1500];
        codes.extend((0..1500).map(|k| if k % 2 == 0 { code } else { !code }));
        if let Some(m) = first_mismatch(&ours_decode(&codes), &spandsp_decode(&codes)) {
            panic!("constant octet {code:#04x}: {m}");
        }
    }
}

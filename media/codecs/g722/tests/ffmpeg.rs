//! A second, independent reference: ffmpeg's G.722 encoder and decoder
//! (`-c:a g722`, raw `g722` format, 16 kHz) must agree with ours octet for
//! octet and sample for sample. ffmpeg's decoder saturates the receive
//! QMF output to 16 bits as ours does (spandsp truncates), so the
//! full-scale signals (square, noise, DC) match here without any allowance.

mod common;

use common::*;
use openphone_g722::{Decoder, Encoder};

fn ffmpeg_encode(pcm: &[i16]) -> Vec<u8> {
    run(
        &tool("ffmpeg"),
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "s16le",
            "-ar",
            "16000",
            "-ac",
            "1",
            "-i",
            "-",
            "-c:a",
            "g722",
            "-f",
            "g722",
            "-",
        ],
        &to_bytes(pcm),
    )
}

fn ffmpeg_decode(payload: &[u8]) -> Vec<i16> {
    from_bytes(&run(
        &tool("ffmpeg"),
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "g722",
            "-i",
            "-",
            "-f",
            "s16le",
            "-ar",
            "16000",
            "-",
        ],
        payload,
    ))
}

fn check(name: &str, pcm: &[i16]) {
    let pcm = &pcm[..pcm.len() / 2 * 2];
    let theirs = ffmpeg_encode(pcm);
    let mut ours = vec![0u8; pcm.len() / 2];
    Encoder::new().encode(pcm, &mut ours).expect("encode");
    assert_eq!(ours.len(), theirs.len(), "{name}: length");
    if let Some(k) = ours.iter().zip(&theirs).position(|(a, b)| a != b) {
        panic!(
            "{name}: octet {k} differs: ours {:#04x} ffmpeg {:#04x}",
            ours[k], theirs[k]
        );
    }
    let their_pcm = ffmpeg_decode(&ours);
    let mut our_pcm = vec![0i16; ours.len() * 2];
    Decoder::new().decode(&ours, &mut our_pcm).expect("decode");
    assert_eq!(our_pcm.len(), their_pcm.len(), "{name}: decoded length");
    if let Some(k) = our_pcm.iter().zip(&their_pcm).position(|(a, b)| a != b) {
        panic!(
            "{name}: sample {k} differs: ours {} ffmpeg {}",
            our_pcm[k], their_pcm[k]
        );
    }
}

#[test]
fn speech_matches_ffmpeg() {
    check("speech", &speech());
}

#[test]
fn synthetic_signals_match_ffmpeg() {
    for (name, pcm) in synthetic() {
        check(name, &pcm);
    }
}

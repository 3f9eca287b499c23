//! Codeword packing, byte for byte, against two independent references.
//!
//! * spandsp packs with `G726_PACKING_RIGHT` (first codeword in the low
//!   bits: RFC 3551 `G726-xx`) and `G726_PACKING_LEFT` (first codeword in the
//!   high bits: `AAL2-G726-xx`); its packed encoder output must equal ours.
//! * ffmpeg's `g726le` ("right-justified") and `g726` ("left-justified")
//!   formats are the same two packings. ffmpeg's G.726 arithmetic is NOT the
//!   Recommendation's, so its codewords differ from spandsp's and ours after
//!   a few hundred samples of speech: its MIX computes
//!   `(yl + (yu - yl/64) * al) >> 6`, keeping the fractional bits of `yl`
//!   that the Recommendation drops before the product (and rounds negative
//!   products differently), it keeps `sr` and the predictor sums in 32 bits
//!   where the Recommendation wraps them to 16, and its encoder takes
//!   `sig / 4` (rounding towards zero) where 14-bit input is `sig >> 2`.
//!   So ffmpeg is used here for its packing only: its two streams for the
//!   same input must be each other's repacking under our two packings, and
//!   our decoder must decode them exactly as spandsp does (bit-exact
//!   numerics, reference unpacking).

mod common;

use common::*;
use openphone_g726::{Decoder, Encoder, G726Packing, G726Rate};

fn ffmpeg_format(packing: G726Packing) -> &'static str {
    match packing {
        G726Packing::Rfc3551 => "g726le",
        G726Packing::Aal2 => "g726",
    }
}

/// spandsp's packing constant for ours.
fn spandsp_packing(packing: G726Packing) -> &'static str {
    match packing {
        G726Packing::Rfc3551 => "2",
        G726Packing::Aal2 => "1",
    }
}

fn ffmpeg_encode(rate: G726Rate, packing: G726Packing, pcm: &[i16]) -> Vec<u8> {
    let fmt = ffmpeg_format(packing);
    let br = format!("{}k", rate.kbps());
    run(
        &tool("ffmpeg"),
        &[
            "-hide_banner",
            "-loglevel",
            "error",
            "-f",
            "s16le",
            "-ar",
            "8000",
            "-ac",
            "1",
            "-i",
            "-",
            "-c:a",
            fmt,
            "-b:a",
            &br,
            "-f",
            fmt,
            "-",
        ],
        &to_bytes(pcm),
    )
}

fn spandsp_encode_packed(rate: G726Rate, packing: G726Packing, pcm: &[i16]) -> Vec<u8> {
    let r = (rate.kbps() * 1000).to_string();
    run(
        spandsp_harness(),
        &["enc", &r, spandsp_packing(packing), "0"],
        &to_bytes(pcm),
    )
}

fn spandsp_decode_packed(rate: G726Rate, packing: G726Packing, payload: &[u8]) -> Vec<i16> {
    let r = (rate.kbps() * 1000).to_string();
    from_bytes(&run(
        spandsp_harness(),
        &["dec", &r, spandsp_packing(packing), "0"],
        payload,
    ))
}

/// Whole 20 ms frames.
fn frames(pcm: &[i16]) -> &[i16] {
    &pcm[..pcm.len() / 160 * 160]
}

fn ours_encode(rate: G726Rate, packing: G726Packing, pcm: &[i16]) -> Vec<u8> {
    let mut enc = Encoder::new(rate, packing);
    let mut out = Vec::new();
    let mut buf = [0u8; 100];
    for frame in pcm.chunks_exact(160) {
        let n = enc.encode(frame, &mut buf).expect("encode");
        out.extend_from_slice(&buf[..n]);
    }
    out
}

/// Decodes `payload` with the frame API, checking on the way that it agrees
/// with unpacking plus per-codeword decoding, and returns `sr << 2`
/// truncated to 16 bits as spandsp outputs it (our linear output saturates
/// instead; `tests/spandsp.rs` checks that relation).
fn ours_decode(rate: G726Rate, packing: G726Packing, payload: &[u8]) -> Vec<i16> {
    let n = payload.len() * 8 / rate.bits_per_sample() as usize;
    let mut frame_api = Decoder::new(rate, packing);
    let mut linear = vec![0i16; n];
    assert_eq!(frame_api.decode(payload, &mut linear).expect("decode"), n);
    let mut codes = vec![0u8; n];
    assert_eq!(
        openphone_g726::unpack_codewords(packing, rate, payload, &mut codes).expect("unpack"),
        n
    );
    let mut per_code = Decoder::new(rate, packing);
    codes
        .iter()
        .zip(&linear)
        .map(|(c, l)| {
            let sr = i32::from(per_code.decode_code_sr(*c));
            assert_eq!(i32::from(*l), (sr * 4).clamp(-32768, 32767));
            (sr << 2) as i16
        })
        .collect()
}

fn same_pcm(ours: &[i16], theirs: &[i16]) -> Option<usize> {
    if ours.len() != theirs.len() {
        return Some(usize::MAX);
    }
    ours.iter().zip(theirs).position(|(a, b)| a != b)
}

fn check(name: &str, pcm: &[i16]) {
    let pcm = frames(pcm);
    let mut failures = Vec::new();
    for rate in G726Rate::ALL {
        for packing in [G726Packing::Rfc3551, G726Packing::Aal2] {
            let ours = ours_encode(rate, packing, pcm);
            let spandsp = spandsp_encode_packed(rate, packing, pcm);
            if let Some(k) = ours.iter().zip(&spandsp).position(|(a, b)| a != b) {
                failures.push(format!(
                    "{name} {rate:?} {packing:?}: octet {k} differs from spandsp: ours {:02x?} spandsp {:02x?}",
                    &ours[k..(k + 6).min(ours.len())],
                    &spandsp[k..(k + 6).min(spandsp.len())]
                ));
            }
            if ours.len() != spandsp.len() {
                failures.push(format!(
                    "{name} {rate:?} {packing:?}: length differs from spandsp"
                ));
            }

            // ffmpeg's stream in this packing: decoded by us and by spandsp.
            let ff = ffmpeg_encode(rate, packing, pcm);
            let usable = ff.len() / rate.bytes_per_group() * rate.bytes_per_group();
            let ff = &ff[..usable];
            let a = ours_decode(rate, packing, ff);
            let b = spandsp_decode_packed(rate, packing, ff);
            if let Some(k) = same_pcm(&a, &b) {
                failures.push(format!(
                    "{name} {rate:?} {packing:?}: ffmpeg's stream decodes differently from spandsp at {k}"
                ));
            }
        }
        // ffmpeg's two formats carry the same codewords: our Rfc3551
        // unpacking of `g726le` repacked as Aal2 must be ffmpeg's `g726`.
        let le = ffmpeg_encode(rate, G726Packing::Rfc3551, pcm);
        let be = ffmpeg_encode(rate, G726Packing::Aal2, pcm);
        let mut dec = Decoder::new(rate, G726Packing::Rfc3551);
        let mut enc = Encoder::new(rate, G726Packing::Aal2);
        let repacked = repack(&mut dec, &mut enc, &le);
        let usable = be.len() / rate.bytes_per_group() * rate.bytes_per_group();
        if repacked[..] != be[..usable] {
            failures.push(format!(
                "{name} {rate:?}: g726le repacked as AAL2 is not ffmpeg's g726"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Unpacks with `dec`'s packing and packs with `enc`'s.
fn repack(dec: &mut Decoder, enc: &mut Encoder, payload: &[u8]) -> Vec<u8> {
    let rate = dec.rate();
    let groups = payload.len() / rate.bytes_per_group();
    let payload = &payload[..groups * rate.bytes_per_group()];
    let mut codes = vec![0u8; groups * rate.samples_per_group()];
    openphone_g726::unpack_codewords(dec.packing(), rate, payload, &mut codes).expect("unpack");
    let mut out = vec![0u8; payload.len()];
    openphone_g726::pack_codewords(enc.packing(), rate, &codes, &mut out).expect("pack");
    out
}

#[test]
fn speech_packs_like_ffmpeg() {
    check("speech", &speech());
}

#[test]
fn synthetic_signals_pack_like_ffmpeg() {
    for (name, pcm) in synthetic() {
        check(name, &pcm);
    }
}

//! No panic on any input, payload validation, and GSM 06.11 concealment.

mod common;

use common::{speech, sweep, untoast, Lcg};
use openphone_gsm::{Decoder, Encoder, Error, FrameParams, FRAME_BYTES, FRAME_SAMPLES};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_never_panics(payload in proptest::collection::vec(any::<u8>(), 0..400),
                           out_len in 0usize..2000) {
        let mut dec = Decoder::new();
        let mut out = vec![0i16; out_len];
        match dec.decode_into(&payload, &mut out) {
            Ok(n) => prop_assert_eq!(n, payload.len() / FRAME_BYTES * FRAME_SAMPLES),
            Err(Error::PayloadLength { len }) => prop_assert_eq!(len, payload.len()),
            Err(Error::BadSignature { frame, found }) => {
                prop_assert_ne!(found, 0xD);
                prop_assert_eq!(payload[frame * FRAME_BYTES] >> 4, found);
            }
            Err(Error::BufferTooSmall { need, have }) => prop_assert!(need > have),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
        let _ = dec.conceal_into(&mut out);
    }

    #[test]
    fn valid_frames_always_decode(mut frame in proptest::array::uniform::<_, 33>(any::<u8>())) {
        frame[0] = 0xD0 | (frame[0] & 0x0F);
        let mut dec = Decoder::new();
        prop_assert!(dec.decode(&frame).is_ok());
        let p = FrameParams::unpack(&frame).unwrap();
        prop_assert_eq!(p.pack(), frame);
    }

    #[test]
    fn encode_never_panics(pcm in proptest::collection::vec(any::<i16>(), 0..400)) {
        let mut enc = Encoder::new();
        let mut out = [0u8; 40];
        match enc.encode_into(&pcm, &mut out) {
            Ok(n) => { prop_assert_eq!(n, 33); prop_assert_eq!(out[0] >> 4, 0xD); }
            Err(Error::FrameSize { expected, got }) => {
                prop_assert_eq!(expected, 160);
                prop_assert_eq!(got, pcm.len());
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

#[test]
fn seeded_random_payloads_never_panic() {
    let mut r = Lcg(99);
    let mut dec = Decoder::new();
    let mut out = [0i16; 8 * FRAME_SAMPLES];
    for _ in 0..20_000 {
        let len = (r.next_u32() % 300) as usize;
        let mut p: Vec<u8> = (0..len).map(|_| r.next_u32() as u8).collect();
        // Make most signatures valid so the decoder itself gets exercised.
        if r.next_u32() % 4 != 0 {
            for f in p.chunks_mut(FRAME_BYTES) {
                f[0] = 0xD0 | (f[0] & 0x0F);
            }
        }
        let _ = dec.decode_into(&p, &mut out);
        if r.next_u32() % 5 == 0 {
            let _ = dec.conceal_into(&mut out);
        }
    }
}

#[test]
fn extreme_pcm_encodes() {
    let mut enc = Encoder::new();
    let mut dec = Decoder::new();
    for v in [i16::MIN, i16::MAX, -1, 1] {
        for _ in 0..5 {
            let f = enc.encode(&[v; FRAME_SAMPLES]);
            dec.decode(&f).unwrap();
        }
    }
    let mut r = Lcg(5);
    for _ in 0..200 {
        let pcm: [i16; FRAME_SAMPLES] = core::array::from_fn(|_| r.next_u32() as i16);
        dec.decode(&enc.encode(&pcm)).unwrap();
    }
}

#[test]
fn payload_errors_are_clear() {
    let mut dec = Decoder::new();
    let mut out = [0i16; 480];
    assert_eq!(
        dec.decode_into(&[], &mut out),
        Err(Error::PayloadLength { len: 0 })
    );
    assert_eq!(
        dec.decode_into(&[0xD0; 32], &mut out),
        Err(Error::PayloadLength { len: 32 })
    );
    assert_eq!(
        dec.decode_into(&[0xD0; 34], &mut out),
        Err(Error::PayloadLength { len: 34 })
    );
    let mut two = [0xD0u8; 66];
    two[33] = 0x50;
    let err = dec.decode_into(&two, &mut out).unwrap_err();
    assert_eq!(err, Error::BadSignature { frame: 1, found: 5 });
    assert!(err.to_string().contains("signature"), "{err}");
    assert_eq!(
        dec.decode_into(&[0xD0; 99], &mut out[..300]),
        Err(Error::BufferTooSmall {
            need: 480,
            have: 300
        })
    );
    assert_eq!(dec.decode_into(&[0xD0; 99], &mut out), Ok(480));
}

#[test]
fn rejected_payload_leaves_state_untouched() {
    let pcm = sweep(200.0, 2000.0, 8000.0, 6);
    let mut enc = Encoder::new();
    let frames: Vec<[u8; 33]> = pcm
        .chunks_exact(160)
        .map(|f| enc.encode(f.try_into().unwrap()))
        .collect();
    let mut a = Decoder::new();
    let mut b = Decoder::new();
    let mut bad = frames[3];
    bad[0] = 0x10;
    let mut two = [0u8; 66];
    two[..33].copy_from_slice(&frames[2]);
    two[33..].copy_from_slice(&bad);
    let mut out = [0i16; 320];
    for (i, f) in frames.iter().enumerate() {
        if i == 3 {
            assert!(b.decode_into(&two, &mut out).is_err());
        }
        assert_eq!(a.decode(f).unwrap(), b.decode(f).unwrap());
    }
}

#[test]
fn multi_frame_payload_matches_untoast() {
    let pcm = speech("One two three four five six seven.", "multi");
    let mut enc = Encoder::new();
    let mut payload = Vec::new();
    for f in pcm.chunks_exact(160) {
        payload.extend_from_slice(&enc.encode(f.try_into().unwrap()));
    }
    let reference = untoast(&payload);
    let mut dec = Decoder::new();
    let mut ours = vec![0i16; reference.len()];
    // Three frames per RTP payload (60 ms packets), as the adapter sees them.
    let mut done = 0;
    for chunk in payload.chunks(3 * 33) {
        done += dec.decode_into(chunk, &mut ours[done..]).unwrap();
    }
    assert_eq!(done, reference.len());
    assert_eq!(ours, reference);
}

fn energy(x: &[i16]) -> f64 {
    x.iter().map(|&v| (v as f64) * (v as f64)).sum::<f64>() / x.len() as f64
}

#[test]
fn conceal_repeats_then_mutes() {
    let pcm = speech("Concealment of lost frames.", "conceal");
    let mut enc = Encoder::new();
    let frames: Vec<[u8; 33]> = pcm
        .chunks_exact(160)
        .map(|f| enc.encode(f.try_into().unwrap()))
        .collect();
    // Pick the loudest frame as the last good one.
    let loud = (0..frames.len())
        .max_by_key(|&i| energy(&pcm[i * 160..i * 160 + 160]) as u64)
        .unwrap();
    let mut dec = Decoder::new();
    for f in &frames[..=loud] {
        dec.decode(f).unwrap();
    }
    // First lost frame: exactly the last good frame decoded again.
    let mut twin = dec.clone();
    let expected = twin.decode(&frames[loud]).unwrap();
    let mut out = [0i16; 160];
    dec.conceal(&mut out);
    assert_eq!(out, expected);
    let first = energy(&out);
    assert!(
        first > 1e4,
        "first substituted frame is not speech-level: {first}"
    );

    // Further lost frames fade: xmaxc drops by 4 a frame, so after 16
    // frames (320 ms) the output is muted.
    let mut levels = vec![first];
    for _ in 0..24 {
        dec.conceal(&mut out);
        levels.push(energy(&out));
    }
    // The excitation shrinks every frame; the LTP loop may sustain the level
    // for a few frames, but well before 320 ms the output is down >30 dB.
    assert!(levels[12] < first / 1000.0, "not fading: {levels:?}");
    for &l in &levels[16..] {
        // The 06.11 silence frame decodes to an RMS of about 10.
        assert!(l < 200.0, "not muted after 320 ms: {levels:?}");
    }
    // A good frame after the loss decodes normally again.
    dec.decode(&frames[loud]).unwrap();
    dec.conceal(&mut out);
}

#[test]
fn conceal_before_any_frame_is_quiet() {
    let mut dec = Decoder::new();
    let mut out = [0i16; 160];
    for _ in 0..5 {
        dec.conceal(&mut out);
        assert!(out.iter().all(|&s| s.abs() < 64), "{out:?}");
    }
    assert_eq!(
        dec.conceal_into(&mut [0i16; 100]),
        Err(Error::BufferTooSmall {
            need: 160,
            have: 100
        })
    );
}

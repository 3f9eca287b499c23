//! G.711 loss concealment judged by PESQ (ITU-T P.862 through python's
//! `pesq`): espeak-ng speech, PCMU, 10 % of 20 ms frames lost (seeded).
//! The pitch-repetition concealment must score clearly better than filling
//! the gaps with silence, and close to an independent concealer on the same
//! losses (spandsp's `plc_fillin`).
//!
//! Measured (40 of 448 frames lost): no loss 4.02, ours 2.38, spandsp 2.57,
//! silence 2.08. "Close to no loss" is not what any concealer achieves at
//! 10 % loss on this sample, so it is not claimed; ours trails spandsp by
//! 0.19, and the test allows 0.25.

mod codec_speech;

use codec_speech::{pesq, scratch, speech};
use openphone_media::codec::{AudioDecoder, AudioEncoder, Pcmu};
use rand::{Rng, SeedableRng};
use std::ffi::{c_int, c_void};

// spandsp's packet loss concealer (libspandsp-dev), an independent C
// implementation of the same idea (pitch-period repetition with overlap-add).
#[link(name = "spandsp")]
extern "C" {
    fn plc_init(s: *mut c_void) -> *mut c_void;
    fn plc_rx(s: *mut c_void, amp: *mut i16, len: c_int) -> c_int;
    fn plc_fillin(s: *mut c_void, amp: *mut i16, len: c_int) -> c_int;
    fn plc_free(s: *mut c_void) -> c_int;
}

/// The same loss pattern with our decoder and spandsp's concealment.
fn run_spandsp(pcm: &[i16], lost: &[bool]) -> Vec<i16> {
    let mut enc = Pcmu::encoder();
    let mut dec = Pcmu::decoder();
    let mut out = Vec::with_capacity(pcm.len());
    let mut payload = [0u8; 160];
    let mut frame = [0i16; 160];
    // SAFETY: plc_init(NULL) allocates a state that we free below; every
    // call gets that state and a 160-sample buffer of that length.
    unsafe {
        let s = plc_init(std::ptr::null_mut());
        assert!(!s.is_null(), "spandsp plc_init failed");
        for (chunk, &gone) in pcm.chunks_exact(160).zip(lost) {
            enc.encode(chunk, &mut payload).unwrap();
            if gone {
                plc_fillin(s, frame.as_mut_ptr(), 160);
            } else {
                dec.decode(&payload, &mut frame).unwrap();
                plc_rx(s, frame.as_mut_ptr(), 160);
            }
            out.extend_from_slice(&frame);
        }
        plc_free(s);
    }
    out
}

fn run(pcm: &[i16], lost: &[bool], conceal: bool) -> Vec<i16> {
    let mut enc = Pcmu::encoder();
    let mut dec = Pcmu::decoder();
    let mut out = Vec::with_capacity(pcm.len());
    let mut payload = [0u8; 160];
    let mut frame = [0i16; 160];
    for (chunk, &gone) in pcm.chunks_exact(160).zip(lost) {
        enc.encode(chunk, &mut payload).unwrap();
        if gone {
            if conceal {
                dec.conceal(&mut frame).unwrap();
            } else {
                frame = [0; 160];
            }
        } else {
            dec.decode(&payload, &mut frame).unwrap();
        }
        out.extend_from_slice(&frame);
    }
    out
}

#[test]
fn concealment_beats_silence_under_10_percent_loss() {
    let dir = scratch("g711-plc");
    let (_, pcm) = speech(&dir, 8000);
    let frames = pcm.len() / 160;
    let pcm = &pcm[..frames * 160];
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let lost: Vec<bool> = (0..frames).map(|_| rng.gen_bool(0.10)).collect();
    let none = vec![false; frames];
    let clean = pesq(&dir, 8000, pcm, &run(pcm, &none, true));
    let plc = pesq(&dir, 8000, pcm, &run(pcm, &lost, true));
    let silence = pesq(&dir, 8000, pcm, &run(pcm, &lost, false));
    let reference = pesq(&dir, 8000, pcm, &run_spandsp(pcm, &lost));
    eprintln!(
        "PESQ (P.862 NB MOS-LQO): no loss {clean:.3}, 10% loss concealed {plc:.3}, by spandsp {reference:.3}, as silence {silence:.3} ({} of {frames} frames lost)",
        lost.iter().filter(|&&l| l).count()
    );
    assert!(clean > 3.8, "G.711 without loss scores {clean}");
    assert!(
        plc > silence + 0.15,
        "concealment {plc} vs silence {silence}"
    );
    assert!(
        plc >= reference - 0.25,
        "concealment {plc} vs spandsp's {reference} on the same losses"
    );
}

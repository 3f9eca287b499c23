//! G.711 loss concealment judged by PESQ (ITU-T P.862 through python's
//! `pesq`): espeak-ng speech, PCMU, 10 % of 20 ms frames lost (seeded).
//! The pitch-repetition concealment must score clearly better than
//! filling the gaps with silence, and close to no loss at all.

mod codec_speech;

use codec_speech::{pesq, scratch, speech};
use openphone_media::codec::{AudioDecoder, AudioEncoder, Pcmu};
use rand::{Rng, SeedableRng};

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
    eprintln!(
        "PESQ (P.862 NB MOS-LQO): no loss {clean:.3}, 10% loss concealed {plc:.3}, 10% loss as silence {silence:.3} ({} of {frames} frames lost)",
        lost.iter().filter(|&&l| l).count()
    );
    assert!(clean > 3.8, "G.711 without loss scores {clean}");
    assert!(
        plc > silence + 0.15,
        "concealment {plc} vs silence {silence}"
    );
}

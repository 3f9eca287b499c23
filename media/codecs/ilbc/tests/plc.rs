//! (e) Packet-loss concealment with 5 % of frames dropped.

mod common;
use common::*;
use openphone_ilbc::Decoder;

#[test]
fn concealment_with_five_percent_loss() {
    for file in ["F01", "F02", "F03"] {
        for mode in MODES {
            let input = read_pcm(&format!("{file}.INP"));
            let bits = read_bytes(&format!("{file}.BIT{}", ms(mode)));
            let clean = decode_all(mode, &bits);
            let n = mode.frame_samples();
            let mut dec = Decoder::new(mode);
            let mut out = Vec::new();
            let mut pcm = vec![0i16; n];
            let mut seed = 0x2545_f491u32;
            let mut lost = Vec::new();
            for (i, frame) in bits.chunks_exact(mode.frame_bytes()).enumerate() {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                if (seed >> 16) % 100 < 5 {
                    dec.conceal(&mut pcm).expect("conceal");
                    lost.push(i);
                } else {
                    dec.decode(frame, &mut pcm).expect("decode");
                }
                out.extend_from_slice(&pcm);
            }
            assert!(!lost.is_empty());
            // Continuity: no jump at a concealed frame's edges larger than the
            // largest sample-to-sample step of the loss-free decoding.
            let max_step = |x: &[i16]| {
                x.windows(2)
                    .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
                    .max()
                    .unwrap_or(0)
            };
            let clean_step = max_step(&clean);
            for &i in &lost {
                for edge in [i * n, (i + 1) * n] {
                    if edge >= 1 && edge + 1 < out.len() {
                        let step = max_step(&out[edge - 1..edge + 1]);
                        assert!(
                            step <= clean_step,
                            "{file}: jump {step} > {clean_step} at frame {i}"
                        );
                    }
                }
            }
            let q_clean = pesq(&input, &clean);
            let q_lossy = pesq(&input, &out);
            println!(
                "{file} {}ms: {} of {} frames lost; PESQ vs input {q_lossy:.3} (loss-free {q_clean:.3})",
                ms(mode),
                lost.len(),
                bits.len() / mode.frame_bytes()
            );
            assert!(q_lossy > q_clean - 0.6, "{file}: {q_lossy} vs {q_clean}");
        }
    }
}

/// A long burst fades to silence instead of buzzing on, and decoding
/// recovers afterwards.
#[test]
fn long_burst_fades_and_recovers() {
    for mode in MODES {
        let bits = read_bytes(&format!("F01.BIT{}", ms(mode)));
        let clean = decode_all(mode, &bits);
        let n = mode.frame_samples();
        let fb = mode.frame_bytes();
        let frames: Vec<&[u8]> = bits.chunks_exact(fb).collect();
        let mut dec = Decoder::new(mode);
        let mut pcm = vec![0i16; n];
        let mut out = Vec::new();
        let (lose_from, lose_to) = (60, 60 + 2000 / mode.frame_ms() as usize / 4); // 500 ms
        for (i, frame) in frames.iter().enumerate() {
            if (lose_from..lose_to).contains(&i) {
                dec.conceal(&mut pcm).expect("conceal");
            } else {
                dec.decode(frame, &mut pcm).expect("decode");
            }
            out.extend_from_slice(&pcm);
        }
        let rms = |x: &[i16]| {
            (x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
        };
        let last_lost = &out[(lose_to - 1) * n..lose_to * n];
        let before = rms(&clean[(lose_from - 3) * n..lose_from * n]);
        println!(
            "{}ms: rms before loss {before:.0}, last concealed frame {:.0}",
            ms(mode),
            rms(last_lost)
        );
        assert!(rms(last_lost) < 0.05 * before.max(100.0));
        // two frames after the burst the decoder tracks the loss-free output
        let from = (lose_to + 2) * n;
        let snr = seg_snr(&clean[from..], &out[from..]);
        println!("{}ms: segmental SNR after recovery {snr:.1} dB", ms(mode));
        assert!(snr > 20.0, "{snr}");
    }
}

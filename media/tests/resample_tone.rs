//! The resampler keeps a tone's frequency and level, reports its delay
//! truthfully, and copes with frame lengths that are not whole blocks.

use openphone_media::resample::Resampler;

/// Power of `freq` in `x` (Goertzel), normalised so a full-scale sine of
/// amplitude A gives A.
fn goertzel_amplitude(x: &[f64], rate: f64, freq: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0, 0.0);
    for &v in x {
        let s = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power.sqrt() / x.len() as f64
}

fn tone(rate: u32, freq: f64, amp: f64, n: usize) -> Vec<i16> {
    (0..n)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin()).round()
                as i16
        })
        .collect()
}

fn run(r: &mut Resampler, input: &[i16]) -> Vec<i16> {
    let mut out = Vec::with_capacity(input.len() * 8);
    for frame in input.chunks_exact(r.input_frame_len()) {
        r.process_into(frame, &mut out).unwrap();
    }
    out
}

fn to_f64(x: &[i16]) -> Vec<f64> {
    x.iter().map(|&v| f64::from(v)).collect()
}

#[test]
fn tone_8k_48k_8k_keeps_frequency_and_amplitude() {
    let amp = 10_000.0;
    let input = tone(8000, 1000.0, amp, 8000); // 1 s
    let mut up = Resampler::new(8000, 48000, 160).unwrap();
    let mut down = Resampler::new(48000, 8000, 960).unwrap();
    let mid = run(&mut up, &input);
    assert_eq!(mid.len(), 48000);
    let back = run(&mut down, &mid);
    assert_eq!(back.len(), 8000);

    // Skip the start-up transient (both delays) and measure 0.5 s.
    let mid_f = to_f64(&mid[4800..28800]);
    let a48 = goertzel_amplitude(&mid_f, 48000.0, 1000.0);
    assert!((a48 - amp).abs() < amp * 0.01, "48 kHz amplitude {a48}");
    // Energy away from 1 kHz (images of an up-sampler sit at 7 kHz, 9 kHz…).
    for f in [7000.0, 9000.0, 15000.0, 17000.0] {
        let a = goertzel_amplitude(&mid_f, 48000.0, f);
        assert!(a < amp * 0.001, "image at {f} Hz: {a}");
    }

    let back_f = to_f64(&back[800..4800]);
    let a8 = goertzel_amplitude(&back_f, 8000.0, 1000.0);
    assert!((a8 - amp).abs() < amp * 0.02, "round-trip amplitude {a8}");
    for f in [500.0, 1500.0, 3000.0] {
        let a = goertzel_amplitude(&back_f, 8000.0, f);
        assert!(a < amp * 0.003, "leak at {f} Hz: {a}");
    }
}

#[test]
fn tone_16k_48k_16k_keeps_level() {
    let amp = 8000.0;
    let input = tone(16000, 3000.0, amp, 16000);
    let mut up = Resampler::new(16000, 48000, 320).unwrap();
    let mut down = Resampler::new(48000, 16000, 960).unwrap();
    let back = run(&mut down, &run(&mut up, &input));
    assert_eq!(back.len(), 16000);
    let a = goertzel_amplitude(&to_f64(&back[1600..9600]), 16000.0, 3000.0);
    assert!((a - amp).abs() < amp * 0.02, "amplitude {a}");
}

/// The reported delay is where an impulse's peak comes out.
#[test]
fn delay_is_reported_truthfully() {
    for (from, to, frame) in [(8000, 48000, 160), (48000, 8000, 960), (16000, 48000, 320)] {
        let mut r = Resampler::new(from, to, frame).unwrap();
        let mut input = vec![0i16; frame * 4];
        input[0] = 20_000;
        let out = run(&mut r, &input);
        let peak = out
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| v.unsigned_abs())
            .map(|(i, _)| i)
            .unwrap();
        let d = r.delay_samples();
        // For downsampling the impulse lands between output samples.
        assert!(
            peak.abs_diff(d) <= 1,
            "{from}->{to}: peak at {peak}, reported {d}"
        );
        assert!(
            d * 1000 / to as usize <= 10,
            "{from}->{to}: delay {d} samples too long"
        );
    }
}

/// Frame lengths that are not a whole number of the resampler's blocks:
/// output per call varies, but the total follows the rate ratio.
#[test]
fn odd_frame_sizes_keep_the_rate() {
    for (from, to, frame) in [
        (44100, 48000, 441),
        (11025, 8000, 147),
        (8000, 48000, 100),
        (48000, 16000, 7),
    ] {
        let mut r = Resampler::new(from, to, frame).unwrap();
        let calls = 4000 / frame.min(4000) + 200;
        let input = tone(from, 440.0, 5000.0, frame * calls);
        let out = run(&mut r, &input);
        let expected = (input.len() as u64 * to as u64 / from as u64) as usize;
        // At most one block may still be inside the resampler.
        let slack = r.max_output_len();
        assert!(
            out.len() <= expected && out.len() + slack >= expected,
            "{from}->{to} frame {frame}: {} samples, expected ~{expected}",
            out.len()
        );
        let skip = r.delay_samples() + 64;
        let a = goertzel_amplitude(&to_f64(&out[skip..out.len() - 16]), to as f64, 440.0);
        assert!(
            (a - 5000.0).abs() < 150.0,
            "{from}->{to} frame {frame}: amplitude {a}"
        );
    }
}

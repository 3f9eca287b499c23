//! Tone generation and analysis on synthetic signals, positive and negative.
mod common;

use common::{noise, sine};
use openphone_hal::{analysis, AudioSource, ToneSource};

fn read_all(src: &mut impl AudioSource, len: usize) -> Vec<i16> {
    let mut out = Vec::with_capacity(len);
    let mut frame = vec![0i16; src.sample_rate() as usize / 50];
    while out.len() < len {
        src.read(&mut frame).unwrap();
        out.extend_from_slice(&frame);
    }
    out.truncate(len);
    out
}

#[test]
fn finds_pure_tones_at_several_rates() {
    for rate in [8000u32, 16000, 44100, 48000] {
        for freq in [300.0f64, 440.0, 1000.0, 1234.5, 3000.0] {
            let s = sine(rate as usize, rate, freq, 12000.0);
            let f = analysis::dominant_frequency(&s, rate).expect("tone");
            assert!(
                (f64::from(f) - freq).abs() < 1.0,
                "rate {rate} freq {freq}: got {f}"
            );
            assert!(analysis::tone_present(&s, rate, freq as f32, 2.0));
        }
    }
}

#[test]
fn tone_source_matches_independent_sine() {
    let mut t = ToneSource::new(8000, 1000.0, 0.5);
    let ours = read_all(&mut t, 800);
    let reference = sine(800, 8000, 1000.0, 0.5 * 32767.0);
    for (a, b) in ours.iter().zip(&reference) {
        assert!((i32::from(*a) - i32::from(*b)).abs() <= 1);
    }
    assert!(ours.iter().any(|&s| s > 16000));
}

#[test]
fn tone_source_phase_is_continuous_across_frames() {
    // Odd frame lengths must not restart the sine.
    let mut t = ToneSource::new(8000, 697.0, 0.4);
    let mut out = Vec::new();
    for len in [7usize, 160, 33, 1000, 1] {
        let mut frame = vec![0i16; len];
        t.read(&mut frame).unwrap();
        out.extend(frame);
    }
    let reference = sine(out.len(), 8000, 697.0, 0.4 * 32767.0);
    for (a, b) in out.iter().zip(&reference) {
        assert!((i32::from(*a) - i32::from(*b)).abs() <= 1);
    }
}

#[test]
fn dual_tone_has_both_components() {
    let mut t = ToneSource::dual(8000, 350.0, 440.0, 0.6);
    let s = read_all(&mut t, 8000);
    assert!(analysis::tone_present(&s, 8000, 350.0, 3.0));
    assert!(analysis::tone_present(&s, 8000, 440.0, 3.0));
    assert!(!analysis::tone_present(&s, 8000, 620.0, 3.0));
    let f = analysis::dominant_frequency(&s, 8000).unwrap();
    assert!((f - 350.0).abs() < 2.0 || (f - 440.0).abs() < 2.0, "{f}");
    // The sum never clips.
    assert!(s
        .iter()
        .all(|&v| f64::from(v.unsigned_abs()) <= 0.6 * 32767.0 + 1.0));
}

#[test]
fn silence_and_quiet_noise_have_no_tone() {
    let zero = vec![0i16; 16000];
    assert_eq!(analysis::dominant_frequency(&zero, 8000), None);
    assert!(!analysis::tone_present(&zero, 8000, 1000.0, 10.0));
    let hiss = noise(16000, 50, 7);
    assert_eq!(analysis::dominant_frequency(&hiss, 8000), None);
}

#[test]
fn loud_noise_is_rejected() {
    for seed in 1..20 {
        let n = noise(16000, 20000, seed);
        assert_eq!(analysis::dominant_frequency(&n, 8000), None, "seed {seed}");
        assert!(
            !analysis::tone_present(&n, 8000, 1000.0, 20.0),
            "seed {seed}"
        );
    }
}

#[test]
fn tone_in_moderate_noise_is_found() {
    // 20 dB SNR: a tone recorded through a noisy codec path.
    let s = sine(16000, 8000, 1000.0, 10000.0);
    let n = noise(16000, 1700, 3); // uniform ±1700 → rms ≈ 980; tone rms ≈ 7070
    let mixed: Vec<i16> = s
        .iter()
        .zip(&n)
        .map(|(a, b)| a.saturating_add(*b))
        .collect();
    assert!(analysis::tone_present(&mixed, 8000, 1000.0, 5.0));
    let f = analysis::dominant_frequency(&mixed, 8000).unwrap();
    assert!((f - 1000.0).abs() < 2.0);
}

#[test]
fn wrong_and_neighbouring_frequencies_are_rejected() {
    let s = sine(8000, 8000, 1000.0, 10000.0);
    assert!(!analysis::tone_present(&s, 8000, 440.0, 5.0));
    assert!(!analysis::tone_present(&s, 8000, 1020.0, 5.0));
    assert!(!analysis::tone_present(&s, 8000, 985.0, 5.0));
    assert!(analysis::tone_present(&s, 8000, 1004.0, 5.0));
}

#[test]
fn pauses_do_not_hide_a_tone_but_a_long_other_signal_does() {
    // 1 s silence, 1 s tone, 1 s silence.
    let mut s = vec![0i16; 8000];
    s.extend(sine(8000, 8000, 800.0, 9000.0));
    s.extend(vec![0i16; 8000]);
    assert!(analysis::tone_present(&s, 8000, 800.0, 3.0));
    // Tone for 0.5 s then noise for 2 s: not "the" signal any more.
    let mut t = sine(4000, 8000, 800.0, 9000.0);
    t.extend(noise(16000, 15000, 11));
    assert!(!analysis::tone_present(&t, 8000, 800.0, 3.0));
    assert_eq!(analysis::dominant_frequency(&t, 8000), None);
}

#[test]
fn limited_tone_ends() {
    let mut t =
        ToneSource::new(8000, 440.0, 0.5).with_duration(std::time::Duration::from_millis(30));
    let mut frame = [0i16; 160];
    assert!(t.read(&mut frame).unwrap());
    assert!(!t.read(&mut frame).unwrap());
    assert!(frame[80..].iter().all(|&s| s == 0));
    assert!(frame[..80].iter().any(|&s| s != 0));
}

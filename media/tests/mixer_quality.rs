//! Resampling quality through the mixer: a tone from a party at one rate
//! heard by a party at another keeps its frequency and level. Run with
//! `--nocapture` to see the measured figures.

mod mixer_common;

use mixer_common::{db, goertzel, power, run, Probe, Sine, Source};
use openphone_hal::analysis::dominant_frequency;
use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};

const AMP: f64 = 10_000.0;

/// Measures what a `to`-rate listener hears of a 1 kHz (or `freq`) tone
/// sent by a `from`-rate party: (level error dB, frequency Hz, tone to
/// residual dB).
fn measure(from: u32, to: u32, freq: f64) -> (f64, f64, f64) {
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(to, 20))).unwrap();
    let talker = m.add_party(PartyConfig::new(from, 20)).unwrap();
    let mut probes = vec![
        Probe::new(&m, m.local(), Source::Silent),
        Probe::new(&m, talker, Source::Tone(Sine::new(from, freq, AMP))),
    ];
    run(&mut m, &mut probes, 50).unwrap(); // 1 s
                                           // Skip the resamplers' start (≈10 ms); measure 0.5 s (whole periods).
    let heard = probes[0].window(200, 700);
    let amp = goertzel(heard, to, freq);
    let f = f64::from(dominant_frequency(heard, to).unwrap());
    let tone_power = amp * amp / 2.0;
    let residual = (power(heard) - tone_power).max(1e-9);
    (db(amp, AMP), f, 10.0 * (tone_power / residual).log10())
}

#[test]
fn tone_from_8k_party_heard_at_48k_keeps_frequency_and_level() {
    let (level, f, snr) = measure(8000, 48_000, 1000.0);
    println!(
        "8k -> 48k, 1 kHz: level {level:+.3} dB, frequency {f:.2} Hz, tone/residual {snr:.1} dB"
    );
    assert!(level.abs() < 1.0, "level {level} dB");
    assert!((f - 1000.0).abs() < 1.0, "frequency {f}");
    assert!(snr > 60.0, "tone/residual {snr} dB");
}

#[test]
fn tone_between_other_rate_pairs() {
    for (from, to, freq) in [
        (48_000, 8000, 1000.0),
        (16_000, 48_000, 1000.0),
        (48_000, 16_000, 3000.0),
        (8000, 16_000, 3000.0),
        (16_000, 8000, 1000.0),
    ] {
        let (level, f, snr) = measure(from, to, freq);
        println!(
            "{from} -> {to}, {freq} Hz: level {level:+.3} dB, frequency {f:.2} Hz, tone/residual {snr:.1} dB"
        );
        assert!(level.abs() < 1.0, "{from}->{to}: level {level} dB");
        assert!((f - freq).abs() < 1.0, "{from}->{to}: frequency {f}");
        assert!(snr > 50.0, "{from}->{to}: tone/residual {snr} dB");
    }
}

#[test]
fn narrowband_party_through_a_48k_mix_keeps_level() {
    // Two G.711 parties with a 48 kHz device: 8k -> 48k -> 8k.
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(48_000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let b = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let mut probes = vec![
        Probe::new(&m, m.local(), Source::Silent),
        Probe::new(&m, a, Source::Tone(Sine::new(8000, 1000.0, AMP))),
        Probe::new(&m, b, Source::Silent),
    ];
    run(&mut m, &mut probes, 50).unwrap();
    let heard = probes[2].window(200, 700);
    let level = db(goertzel(heard, 8000, 1000.0), AMP);
    println!("8k -> 48k mix -> 8k, 1 kHz: level {level:+.3} dB");
    assert!(level.abs() < 0.1, "level {level} dB");
}

#[test]
fn same_rate_mix_is_bit_exact_and_without_delay() {
    // All parties at 8 kHz: no resampling, so B hears A sample for sample.
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(8000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let b = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    assert_eq!(m.mix_rate(), 8000);
    let mut probes = vec![
        Probe::new(&m, m.local(), Source::Silent),
        Probe::new(&m, a, Source::Tone(Sine::new(8000, 1234.0, 30_000.0))),
        Probe::new(&m, b, Source::Silent),
    ];
    run(&mut m, &mut probes, 10).unwrap();
    let mut sent = vec![0i16; 1600];
    Sine::new(8000, 1234.0, 30_000.0).fill(&mut sent);
    assert_eq!(probes[2].heard, sent);
    assert_eq!(probes[0].heard, sent);
    assert!(probes[1].heard.iter().all(|&s| s == 0));
}

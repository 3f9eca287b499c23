//! Nobody hears themselves: each party sends its own tone; in what a party
//! hears, its own tone must be at least 40 dB below every other party's,
//! and every other party's tone must arrive at its set level.

mod mixer_common;

use mixer_common::{db, goertzel, run, Probe, Sine, Source};
use openphone_media::mixer::{Mixer, MixerConfig, PartyConfig};
use proptest::prelude::*;

const RATES: [u32; 3] = [8000, 16_000, 48_000];

/// One party of a generated conference: rate index, tone (×100 Hz) and
/// volume in dB.
#[derive(Debug, Clone)]
struct Spec {
    rate: usize,
    tone: u32,
    volume: f32,
}

fn conference() -> impl Strategy<Value = Vec<Spec>> {
    // Tones are distinct multiples of 100 Hz in 300..=3000 Hz, whole
    // periods in a 200 ms window at every rate (so Goertzel bins are exact).
    (2usize..=6)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(0usize..RATES.len(), n),
                proptest::sample::subsequence((3u32..=30).collect::<Vec<_>>(), n).prop_shuffle(),
                proptest::collection::vec(-6.0f32..=0.0, n),
            )
        })
        .prop_map(|(rates, tones, volumes)| {
            rates
                .into_iter()
                .zip(tones)
                .zip(volumes)
                .map(|((rate, tone), volume)| Spec { rate, tone, volume })
                .collect()
        })
}

/// Runs the conference (the first spec is the local party) and checks
/// every party's output.
fn check(specs: &[Spec]) -> Result<(), TestCaseError> {
    let n = specs.len();
    let amp = 24_000.0 / n as f64; // the sum never clips
    let local_cfg = PartyConfig::new(RATES[specs[0].rate], 20);
    let mut m = Mixer::new(MixerConfig::new(local_cfg)).unwrap();
    let mut probes = Vec::new();
    for (i, s) in specs.iter().enumerate() {
        let rate = RATES[s.rate];
        let id = if i == 0 {
            m.local()
        } else {
            m.add_party(PartyConfig::new(rate, 20)).unwrap()
        };
        m.set_volume(id, s.volume).unwrap();
        let tone = Sine::new(rate, f64::from(s.tone) * 100.0, amp);
        probes.push(Probe::new(&m, id, Source::Tone(tone)));
    }
    run(&mut m, &mut probes, 15).unwrap();
    for (p, s) in probes.iter().zip(specs) {
        // After the resamplers' start-up: 100..300 ms.
        let heard = p.window(100, 300);
        let own = goertzel(heard, p.rate, f64::from(s.tone) * 100.0);
        let mut weakest_other = f64::INFINITY;
        for (q, other) in specs.iter().enumerate() {
            if std::ptr::eq(other, s) {
                continue;
            }
            let f = f64::from(other.tone) * 100.0;
            let a = goertzel(heard, p.rate, f);
            // An 8 kHz listener hears everything up to 3 kHz; expect the
            // sender's level after its volume (±1 dB).
            let want = amp * 10f64.powf(f64::from(other.volume) / 20.0);
            prop_assert!(
                db(a, want).abs() < 1.0,
                "{} hears party {q}'s {f} Hz at {:.2} dB from expected",
                p.id,
                db(a, want)
            );
            weakest_other = weakest_other.min(a);
        }
        let margin = db(weakest_other, own.max(1e-9));
        prop_assert!(
            margin >= 40.0,
            "{} hears itself only {margin:.1} dB below the others",
            p.id
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 24,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_party_hears_itself(specs in conference()) {
        check(&specs)?;
    }
}

#[test]
fn ten_party_mixed_rate_conference() {
    let specs: Vec<Spec> = (0..10)
        .map(|i| Spec {
            rate: i % 3,
            tone: 3 + 2 * i as u32,
            volume: 0.0,
        })
        .collect();
    check(&specs).unwrap();
}

#[test]
fn own_tone_margin_is_reported() {
    // The figure for the report: how far below the others a party's own
    // tone is in a 3-party mixed-rate call.
    let mut m = Mixer::new(MixerConfig::new(PartyConfig::new(48_000, 20))).unwrap();
    let a = m.add_party(PartyConfig::new(8000, 20)).unwrap();
    let b = m.add_party(PartyConfig::new(16_000, 20)).unwrap();
    let mut probes = vec![
        Probe::new(
            &m,
            m.local(),
            Source::Tone(Sine::new(48_000, 500.0, 8000.0)),
        ),
        Probe::new(&m, a, Source::Tone(Sine::new(8000, 1000.0, 8000.0))),
        Probe::new(&m, b, Source::Tone(Sine::new(16_000, 2000.0, 8000.0))),
    ];
    run(&mut m, &mut probes, 15).unwrap();
    for (p, own) in probes.iter().zip([500.0, 1000.0, 2000.0]) {
        let heard = p.window(100, 300);
        let o = goertzel(heard, p.rate, own);
        let others: Vec<f64> = [500.0, 1000.0, 2000.0]
            .iter()
            .filter(|&&f| f != own)
            .map(|&f| goertzel(heard, p.rate, f))
            .collect();
        let margin = others
            .iter()
            .map(|&x| db(x, o.max(1e-9)))
            .fold(f64::INFINITY, f64::min);
        println!(
            "{} at {} Hz: own tone {margin:.1} dB below the others",
            p.id, p.rate
        );
        assert!(margin >= 40.0);
    }
}

//! The audio judge on synthetic recordings: each rule passes a clean tone and
//! fails the defect it is there to catch.
mod common;

use std::time::Duration;

use common::{noise, sine};
use openphone_hal::judge::{self, Criteria, Fault, SentTone};

const SENT: SentTone = SentTone {
    freq_hz: 1000.0,
    level_dbfs: -6.02,
};

/// `secs` of the sent tone (amplitude 0.5) at `rate`.
fn clean(rate: u32, secs: f64) -> Vec<i16> {
    sine((f64::from(rate) * secs) as usize, rate, 1000.0, 16384.0)
}

fn faults(samples: &[i16], rate: u32, c: &Criteria) -> Vec<Fault> {
    let v = judge::judge_tone(samples, rate, &SENT, c);
    println!("{v}");
    v.faults
}

#[test]
fn a_clean_tone_passes_at_every_rate() {
    for rate in [8000u32, 16000, 44100, 48000] {
        let v = judge::judge_tone(&clean(rate, 3.0), rate, &SENT, &Criteria::default());
        assert!(v.passed(), "{rate} Hz: {v}");
        let m = &v.measured;
        assert!(
            (m.dominant_hz.unwrap() - 1000.0).abs() < 0.5,
            "{rate}: {m:?}"
        );
        assert!(
            (m.level_dbfs - SENT.level_dbfs).abs() < 0.2,
            "{rate}: {m:?}"
        );
        assert!(m.tnr_db > 40.0, "{rate}: {m:?}");
        assert!(m.dropouts.is_empty());
    }
}

#[test]
fn another_frequency_fails() {
    let s = sine(24000, 8000, 1180.0, 16384.0);
    let f = faults(&s, 8000, &Criteria::default());
    assert!(
        f.iter().any(|f| matches!(f, Fault::WrongFrequency { found_hz, .. } if (found_hz - 1180.0).abs() < 1.0)),
        "{f:?}"
    );
    // 1180 Hz is outside the tone band, so the ratio fails too.
    assert!(f.iter().any(|f| matches!(f, Fault::Noisy { .. })), "{f:?}");
}

#[test]
fn the_tone_to_noise_ratio_separates_15_from_25_db() {
    // Uniform noise of amplitude A has RMS A/√3; the tone's RMS is 16384/√2.
    let tone_rms = 16384.0 / 2f64.sqrt();
    for (tnr, pass) in [(15.0, false), (25.0, true)] {
        let amp = tone_rms / 10f64.powf(tnr / 20.0) * 3f64.sqrt();
        let n = noise(24000, amp as i16, 7);
        let s: Vec<i16> = clean(8000, 3.0)
            .iter()
            .zip(&n)
            .map(|(&a, &b)| a.saturating_add(b))
            .collect();
        let v = judge::judge_tone(&s, 8000, &SENT, &Criteria::default());
        println!("{v}");
        // The band around the tone holds 50 Hz of the noise's 3980 Hz.
        assert!((v.measured.tnr_db - tnr).abs() < 1.0, "{tnr}: {v}");
        assert_eq!(v.passed(), pass, "{tnr}: {v}");
    }
}

#[test]
fn noise_alone_fails() {
    let f = faults(&noise(24000, 20000, 3), 8000, &Criteria::default());
    assert!(f.iter().any(|f| matches!(f, Fault::Noisy { .. })), "{f:?}");
}

#[test]
fn the_level_must_be_within_6_db() {
    for (amp, pass) in [
        (16384.0 * 0.55, true),
        (16384.0 * 0.45, false),
        (32000.0, true),
    ] {
        let s = sine(24000, 8000, 1000.0, amp);
        let v = judge::judge_tone(&s, 8000, &SENT, &Criteria::default());
        println!("{v}");
        assert_eq!(v.passed(), pass, "amplitude {amp}: {v}");
    }
    // The weakness this replaces: RMS ≥ 50 let a 40 dB loss pass.
    let s = sine(24000, 8000, 1000.0, 164.0);
    let f = faults(&s, 8000, &Criteria::default());
    assert!(f
        .iter()
        .any(|f| matches!(f, Fault::Level { .. }) || matches!(f, Fault::NoAudio)));
}

#[test]
fn silence_fails() {
    let f = faults(&[0; 24000], 8000, &Criteria::default());
    assert!(f.contains(&Fault::NoAudio), "{f:?}");
}

#[test]
fn a_gap_up_to_60_ms_passes_and_a_longer_one_fails() {
    for (gap_ms, pass) in [(20usize, true), (60, true), (80, false), (500, false)] {
        let mut s = clean(8000, 4.0);
        s[16000..16000 + gap_ms * 8].fill(0);
        let v = judge::judge_tone(&s, 8000, &SENT, &Criteria::default());
        println!("{v}");
        assert_eq!(v.passed(), pass, "{gap_ms} ms gap: {v}");
        // The gap is judged as a gap, not as noise: blocks around it are left
        // out of the spectrum.
        assert!(v.measured.tnr_db > 40.0, "{gap_ms} ms gap: {v}");
        let longest = v.measured.longest_dropout_ms();
        assert!((longest - gap_ms as f64).abs() <= 10.0, "{gap_ms}: {v}");
    }
}

#[test]
fn a_tone_that_stops_half_way_fails() {
    let mut s = clean(8000, 4.0);
    s[16000..].fill(0);
    assert!(faults(&s, 8000, &Criteria::default())
        .iter()
        .any(|f| matches!(f, Fault::Dropout { len_ms, .. } if *len_ms >= 1990.0)));
}

#[test]
fn the_start_is_not_judged_and_the_tail_only_when_asked() {
    let mut s = clean(8000, 3.0);
    s[..2000].fill(0); // 250 ms of jitter-buffer fill
    assert!(faults(&s, 8000, &Criteria::default()).is_empty());
    let n = s.len();
    s[n - 1600..].fill(0); // the last 200 ms cut by the hang-up
    assert!(!faults(&s, 8000, &Criteria::default()).is_empty());
    let c = Criteria {
        tail_ms: 200.0,
        ..Criteria::default()
    };
    assert!(faults(&s, 8000, &c).is_empty());
}

#[test]
fn an_allowed_gap_is_reported_but_passes() {
    let mut s = clean(8000, 4.0);
    s[12000..12000 + 800 * 8].fill(0); // 800 ms at 1.5 s
    let c = Criteria {
        allowed_gaps_ms: vec![1400.0..2500.0],
        ..Criteria::default()
    };
    let v = judge::judge_tone(&s, 8000, &SENT, &c);
    assert!(v.passed(), "{v}");
    assert_eq!(v.measured.dropouts.len(), 1);
    assert!(v.measured.dropouts[0].allowed);
    assert!(v.to_string().contains("allowed gap 800 ms"), "{v}");
    // A gap only partly inside the allowance is not allowed.
    let c = Criteria {
        allowed_gaps_ms: vec![1600.0..2500.0],
        ..Criteria::default()
    };
    assert!(!judge::judge_tone(&s, 8000, &SENT, &c).passed());
}

#[test]
fn packet_counts_within_5_percent_of_the_call() {
    let call = Duration::from_secs(4);
    let ptime = Duration::from_millis(20);
    for (n, pass) in [
        (200u64, true),
        (190, true),
        (210, true),
        (189, false),
        (211, false),
        (0, false),
    ] {
        let v = judge::judge_packets(n, call, ptime, 0.05);
        assert_eq!(v.passed(), pass, "{v}");
    }
    assert!(!judge::judge_packets(0, call, Duration::ZERO, 0.05).passed());
}

//! The DTMF detector against the ITU-T Q.24 acceptance limits, with tones
//! generated here (independently of `dtmf_tone`), noise, a speech-like
//! signal and G.711 µ-law companding.

mod common;

use std::f64::consts::TAU;

use openphone_hal::line::{
    dtmf_frequencies, DtmfDetector, DtmfEvent, DBM0_SINE_PEAK, FREQ_ACCEPT, FREQ_REJECT,
    NORMAL_TWIST_DB, REVERSE_TWIST_DB,
};

const RATE: u32 = 8000;
const DIGITS: &str = "0123456789*#ABCD";

/// Peak amplitude of a sine at `dbm0`.
fn amp(dbm0: f64) -> f64 {
    DBM0_SINE_PEAK * 10f64.powf(dbm0 / 20.0)
}

/// A burst of `digit`: low tone at `low_dbm0`, high at `high_dbm0`, each
/// frequency scaled by its factor, starting phases given.
struct Burst {
    digit: char,
    ms: f64,
    low_dbm0: f64,
    high_dbm0: f64,
    low_factor: f64,
    high_factor: f64,
}

impl Burst {
    fn new(digit: char, ms: f64, dbm0: f64) -> Self {
        Burst {
            digit,
            ms,
            low_dbm0: dbm0,
            high_dbm0: dbm0,
            low_factor: 1.0,
            high_factor: 1.0,
        }
    }

    fn samples(&self, phase: f64) -> Vec<f64> {
        let (low, high) = dtmf_frequencies(self.digit).expect("digit");
        let (fl, fh) = (low * self.low_factor, high * self.high_factor);
        let (al, ah) = (amp(self.low_dbm0), amp(self.high_dbm0));
        let len = (self.ms * f64::from(RATE) / 1000.0).round() as usize;
        (0..len)
            .map(|n| {
                let t = n as f64 / f64::from(RATE);
                al * (TAU * fl * t + phase).sin() + ah * (TAU * fh * t + 2.0 * phase).sin()
            })
            .collect()
    }
}

fn silence(ms: f64) -> Vec<f64> {
    vec![0.0; (ms * f64::from(RATE) / 1000.0).round() as usize]
}

fn to_pcm(x: &[f64]) -> Vec<i16> {
    x.iter()
        .map(|v| v.round().clamp(-32768.0, 32767.0) as i16)
        .collect()
}

/// Runs the detector over `pcm` in 20 ms frames and returns its events.
fn detect(pcm: &[i16]) -> Vec<DtmfEvent> {
    let mut detector = DtmfDetector::new(RATE).expect("8 kHz");
    let mut events = Vec::new();
    for frame in pcm.chunks(160) {
        detector.feed(frame, |e| events.push(e));
    }
    detector.finish(|e| events.push(e));
    events
}

fn digits(events: &[DtmfEvent]) -> String {
    events.iter().filter_map(DtmfEvent::started).collect()
}

/// `burst` after `lead` samples of silence, then 100 ms of silence.
fn detect_burst(burst: &Burst, lead: usize, phase: f64) -> Vec<DtmfEvent> {
    let mut x = vec![0.0; lead];
    x.extend(burst.samples(phase));
    x.extend(silence(100.0));
    detect(&to_pcm(&x))
}

#[test]
fn every_digit_at_every_level_once_with_its_duration() {
    for level in [-3.0, -10.0, -20.0, -28.0] {
        for (i, digit) in DIGITS.chars().enumerate() {
            let events = detect_burst(&Burst::new(digit, 60.0, level), 17 * i, i as f64);
            assert_eq!(
                digits(&events),
                digit.to_string(),
                "{digit} at {level} dBm0"
            );
            assert_eq!(events.len(), 2, "{digit} at {level}: {events:?}");
            let DtmfEvent::End { duration, .. } = events[1] else {
                panic!("{digit} at {level}: no end: {events:?}");
            };
            let ms = duration.as_secs_f64() * 1000.0;
            assert!((ms - 60.0).abs() <= 10.0, "{digit} at {level}: {ms} ms");
        }
    }
}

#[test]
fn too_quiet_is_not_a_digit() {
    for digit in DIGITS.chars() {
        let events = detect_burst(&Burst::new(digit, 80.0, -36.0), 0, 0.3);
        assert!(events.is_empty(), "{digit}: {events:?}");
    }
}

#[test]
fn twist_limits() {
    for (i, digit) in DIGITS.chars().enumerate() {
        let with = |low: f64, high: f64| {
            let mut b = Burst::new(digit, 60.0, 0.0);
            b.low_dbm0 = low;
            b.high_dbm0 = high;
            digits(&detect_burst(&b, 5 * i, 0.7))
        };
        // Inside the limits, 1 dB margin: accepted.
        let normal = NORMAL_TWIST_DB - 1.0;
        let reverse = REVERSE_TWIST_DB - 1.0;
        assert_eq!(
            with(-10.0, -10.0 - normal),
            digit.to_string(),
            "{digit} high group {normal} dB below"
        );
        assert_eq!(
            with(-15.0, -15.0 + reverse),
            digit.to_string(),
            "{digit} high group {reverse} dB above"
        );
        // Beyond them by 2 dB: rejected.
        assert_eq!(
            with(-8.0, -8.0 - NORMAL_TWIST_DB - 2.0),
            "",
            "{digit} normal"
        );
        assert_eq!(
            with(-18.0, -18.0 + REVERSE_TWIST_DB + 2.0),
            "",
            "{digit} reverse"
        );
    }
}

#[test]
fn frequency_tolerance() {
    for (i, digit) in DIGITS.chars().enumerate() {
        let with = |low: f64, high: f64| {
            let mut b = Burst::new(digit, 60.0, -10.0);
            b.low_factor = low;
            b.high_factor = high;
            digits(&detect_burst(&b, 7 * i, 1.1))
        };
        let ok = digit.to_string();
        assert_eq!(with(1.0, 1.0), ok);
        let (a, r) = (FREQ_ACCEPT, FREQ_REJECT);
        for (l, h) in [(1.0 + a, 1.0 + a), (1.0 - a, 1.0 - a), (1.0 + a, 1.0 - a)] {
            assert_eq!(with(l, h), ok, "{digit} at ×{l}, ×{h}");
        }
        for (l, h) in [
            (1.0 + r, 1.0),
            (1.0 - r, 1.0),
            (1.0, 1.0 + r),
            (1.0, 1.0 - r),
            (1.0 + r, 1.0 + r),
        ] {
            assert_eq!(with(l, h), "", "{digit} at ×{l}, ×{h}");
        }
    }
}

#[test]
fn minimum_duration() {
    // Every alignment of the burst to the analysis windows (hop 51).
    for lead in (0..51).step_by(5) {
        for digit in ['1', '5', '#', 'D'] {
            for ms in [40.0, 45.0] {
                let events = detect_burst(&Burst::new(digit, ms, -8.0), lead, 0.2);
                assert_eq!(
                    digits(&events),
                    digit.to_string(),
                    "{digit} {ms} ms +{lead}"
                );
            }
            for ms in [22.0, 15.0, 8.0] {
                let events = detect_burst(&Burst::new(digit, ms, -8.0), lead, 0.2);
                assert!(events.is_empty(), "{digit} {ms} ms +{lead}: {events:?}");
            }
        }
    }
}

#[test]
fn digit_sequences_with_40ms_pauses_and_bridged_10ms_breaks() {
    let mut x = Vec::new();
    for (i, digit) in "123456789*0#ABCD".chars().enumerate() {
        x.extend(Burst::new(digit, 45.0, -12.0).samples(i as f64));
        x.extend(silence(40.0));
    }
    assert_eq!(digits(&detect(&to_pcm(&x))), "123456789*0#ABCD");

    // The same digit twice, 40 ms apart, is two digits…
    let mut x = Burst::new('7', 60.0, -12.0).samples(0.0);
    x.extend(silence(40.0));
    x.extend(Burst::new('7', 60.0, -12.0).samples(0.4));
    assert_eq!(digits(&detect(&to_pcm(&x))), "77");
    // …a 10 ms break in one digit is not.
    let mut x = Burst::new('7', 60.0, -12.0).samples(0.0);
    x.extend(silence(10.0));
    x.extend(Burst::new('7', 60.0, -12.0).samples(0.4));
    let events = detect(&to_pcm(&x));
    assert_eq!(digits(&events), "7", "{events:?}");
}

#[test]
fn digits_in_white_noise_at_20_db_snr() {
    for (i, digit) in DIGITS.chars().enumerate() {
        let burst = Burst::new(digit, 60.0, -15.0);
        let mut x = silence(30.0);
        x.extend(burst.samples(0.5));
        x.extend(silence(100.0));
        // Signal power: two sines at -15 dBm0; noise 20 dB below it.
        // Uniform noise of peak a has power a²/3.
        let signal_power = amp(-15.0).powi(2);
        let noise_peak = (3.0 * signal_power / 100.0).sqrt();
        let noise = common::noise(x.len(), noise_peak as i16, 1 + i as u32);
        let noisy: Vec<f64> = x
            .iter()
            .zip(&noise)
            .map(|(s, n)| s + f64::from(*n))
            .collect();
        assert_eq!(
            digits(&detect(&to_pcm(&noisy))),
            digit.to_string(),
            "{digit}"
        );
    }
}

#[test]
fn ten_seconds_of_noise_give_no_digit() {
    for (seed, peak) in [(7, 2000), (8, 8000), (9, 20000)] {
        let noise = common::noise(10 * RATE as usize, peak, seed);
        let events = detect(&noise);
        assert!(events.is_empty(), "peak {peak}: {events:?}");
    }
}

/// A voiced, speech-like signal: a harmonic series on a gliding
/// fundamental (90–260 Hz), harmonics falling 6 dB/octave with two moving
/// formant peaks, and a 4 Hz syllabic envelope.
fn speech_like(seconds: f64) -> Vec<i16> {
    let rate = f64::from(RATE);
    let len = (seconds * rate) as usize;
    let mut phases = [0.0f64; 40];
    (0..len)
        .map(|n| {
            let t = n as f64 / rate;
            let f0 = 175.0 + 85.0 * (TAU * 0.7 * t).sin() * (TAU * 0.13 * t).cos();
            let formant1 = 600.0 + 250.0 * (TAU * 1.9 * t).sin();
            let formant2 = 1500.0 + 500.0 * (TAU * 1.3 * t).cos();
            let envelope = (0.5 + 0.5 * (TAU * 4.0 * t).sin()).powi(2);
            let mut v = 0.0;
            for (h, phase) in phases.iter_mut().enumerate() {
                let f = f0 * (h + 1) as f64;
                if f >= 3400.0 {
                    break;
                }
                *phase += TAU * f / rate;
                let boost = |c: f64| 1.0 + 4.0 / (1.0 + ((f - c) / 120.0).powi(2));
                let gain = boost(formant1) * boost(formant2) / (h + 1) as f64;
                v += gain * phase.sin();
            }
            (envelope * v * 2500.0).clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[test]
fn ten_seconds_of_speech_like_signal_give_no_digit() {
    let speech = speech_like(10.0);
    assert!(openphone_hal::analysis::rms(&speech) > 1000.0);
    let events = detect(&speech);
    assert!(events.is_empty(), "{events:?}");
}

#[test]
fn call_progress_tones_are_not_digits() {
    let rate = f64::from(RATE);
    let two = |a: f64, b: f64| -> Vec<i16> {
        to_pcm(
            &(0..16000)
                .map(|n| {
                    let t = n as f64 / rate;
                    amp(-10.0) * ((TAU * a * t).sin() + (TAU * b * t).sin())
                })
                .collect::<Vec<_>>(),
        )
    };
    for (a, b) in [
        (350.0, 440.0),
        (480.0, 620.0),
        (400.0, 450.0),
        (1000.0, 1000.0),
    ] {
        assert!(detect(&two(a, b)).is_empty(), "{a}+{b}");
    }
}

/// G.711 µ-law encoding of a 16-bit sample (ITU-T G.711, bias 0x84).
fn mulaw_encode(sample: i16) -> u8 {
    const BIAS: i32 = 0x84;
    let mut s = i32::from(sample);
    let sign = if s < 0 {
        s = -s;
        0x80
    } else {
        0
    };
    let s = (s.min(32635) + BIAS) as u32;
    let exponent = (31 - s.leading_zeros()).saturating_sub(7).min(7);
    let mantissa = (s >> (exponent + 3)) & 0x0F;
    !(sign | (exponent << 4) as u8 | mantissa as u8)
}

/// G.711 µ-law decoding to a 16-bit sample.
fn mulaw_decode(code: u8) -> i16 {
    let code = !code;
    let exponent = u32::from((code >> 4) & 0x07);
    let mantissa = i32::from(code & 0x0F);
    let magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
    if code & 0x80 != 0 {
        -magnitude as i16
    } else {
        magnitude as i16
    }
}

#[test]
fn mulaw_codec_is_g711() {
    // Reference points of the G.711 µ-law table.
    assert_eq!(mulaw_encode(0), 0xFF);
    assert_eq!(mulaw_encode(-1), 0x7F);
    assert_eq!(mulaw_encode(32767), 0x80);
    assert_eq!(mulaw_encode(-32768), 0x00);
    assert_eq!(mulaw_decode(0x80), 32124);
    assert_eq!(mulaw_decode(0xFF), 0);
    for s in [-20000i16, -1000, -10, 10, 1000, 20000] {
        let back = mulaw_decode(mulaw_encode(s));
        assert!((i32::from(back) - i32::from(s)).abs() <= i32::from(s).abs() / 16 + 8);
    }
}

#[test]
fn digits_through_g711_mulaw() {
    for level in [-5.0, -15.0, -25.0] {
        let mut x = Vec::new();
        for (i, digit) in DIGITS.chars().enumerate() {
            x.extend(Burst::new(digit, 50.0, level).samples(i as f64 * 0.9));
            x.extend(silence(50.0));
        }
        let coded: Vec<i16> = to_pcm(&x)
            .into_iter()
            .map(|s| mulaw_decode(mulaw_encode(s)))
            .collect();
        assert_eq!(digits(&detect(&coded)), DIGITS, "{level} dBm0");
    }
}

#[test]
fn frame_size_does_not_change_the_events() {
    let mut x = Vec::new();
    for (i, digit) in "19#D".chars().enumerate() {
        x.extend(Burst::new(digit, 50.0 + 10.0 * i as f64, -12.0).samples(0.3));
        x.extend(silence(45.0));
    }
    let pcm = to_pcm(&x);
    let run = |frame: usize| {
        let mut detector = DtmfDetector::new(RATE).expect("8 kHz");
        let mut events = Vec::new();
        for chunk in pcm.chunks(frame) {
            detector.feed(chunk, |e| events.push(e));
        }
        detector.finish(|e| events.push(e));
        events
    };
    let whole = run(pcm.len());
    assert_eq!(digits(&whole), "19#D");
    assert_eq!(whole.len(), 8);
    for frame in [1, 7, 80, 160, 333] {
        assert_eq!(run(frame), whole, "frames of {frame}");
    }
}

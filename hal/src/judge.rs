//! The audio judge: did a sent test tone arrive intact? One verdict for every
//! place that checks a call's audio (the call demo, each direction; the
//! interop scripts through the `audio-judge` example), so all of them apply
//! the same rules.
//!
//! A recording passes [`judge_tone`] when, after the first
//! [`Criteria::settle_ms`] (jitter-buffer fill, codec start-up):
//!
//! 1. **frequency** — the strongest spectral line is the sent tone, within
//!    [`Criteria::freq_tolerance`] (a share of the tone's frequency);
//! 2. **tone-to-noise ratio** — the power within [`Criteria::tone_band_hz`]
//!    of the tone is at least [`Criteria::min_tnr_db`] (20 dB by default)
//!    above all other power above 20 Hz;
//! 3. **level** — the tone's level is within [`Criteria::level_tolerance_db`]
//!    (6 dB) of the level sent;
//! 4. **no dropout** — no run of 10 ms windows more than
//!    [`Criteria::dropout_depth_db`] below the sent level is longer than
//!    [`Criteria::max_dropout_ms`] (60 ms), over the whole rest of the
//!    recording.
//!
//! Levels are in dBFS as AES17 defines them: a full-scale sine is 0 dBFS, so a
//! sine of amplitude 0.5 (16384) is −6.02 dBFS.
//!
//! The spectrum is Welch's average of Hann-windowed blocks of 125-170 ms
//! (at most 8 Hz bins, hop half a block). Blocks that touch a dropout are left out of it: a
//! 20 ms gap in a 4 s tone spreads 0.5 % of the tone's power over the whole
//! spectrum (−23 dB), and would otherwise count twice — as a gap, judged by
//! rule 4, and as noise. So the ratio says how clean the audio was where
//! there was audio, and rule 4 says where there was none.
//!
//! # Measured: no codec needs a lower floor
//!
//! A codec's own distortion could keep a clean path below 20 dB, and would
//! then need a lower, stated floor. None of ours does. Measured on our own
//! phones on loopback (`call-demo --codec X --seconds 3`: 1000 Hz at
//! −6.02 dBFS caller → callee, 600 Hz callee → caller; five runs each, debug
//! build, 2-core machine under a load average of 8; the figures varied by
//! at most 2 dB between runs):
//!
//! | codec | TNR caller → callee (dB) | TNR callee → caller (dB) | level (dBFS) |
//! |---|---|---|---|
//! | pcmu | 34.0 | 36.7 | −6.0 / −6.0 |
//! | pcma | 37.0 | 38.6 | −6.0 / −6.0 |
//! | g722 | 48.3 | 46.3 | −6.0 / −6.0 |
//! | gsm | 52.0 | 45.7 | −6.0 / −6.2 |
//! | g726-40 | 42.5 | 43.6 | −6.0 / −6.0 |
//! | g726-32 | 35.8 | 40.6 | −6.0 / −6.0 |
//! | g726-24 | 27.7 | 31.3 | −6.0 / −6.0 |
//! | g726-16 | 23.2 | 23.8 | −6.0 / −6.0 |
//! | ilbc20 | 29.0 | 32.7 | −6.2 / −6.4 |
//! | ilbc30 | 26.2 | 32.6 | −6.1 / −6.4 |
//! | speex-nb | 37.8 | 36.6 | −6.2 / −6.0 |
//! | speex-wb | 36.2 | 40.3 | −6.1 / −6.0 |
//! | opus | 33.1 | 36.8 | −6.0 / −6.0 |
//!
//! G.726-16 (2 bits a sample) is the tightest, 3 dB above the floor. Lower
//! floors exist only as *peer* allowances, stated where they are used (the
//! interop scripts and `INTEROP.md`).
//!
//! ```
//! use openphone_hal::{judge, AudioSource, ToneSource};
//! let mut tone = ToneSource::new(8000, 1000.0, 0.5);
//! let mut rec = vec![0i16; 16000];
//! tone.read(&mut rec).unwrap();
//! let sent = judge::SentTone { freq_hz: 1000.0, level_dbfs: -6.0 };
//! let verdict = judge::judge_tone(&rec, 8000, &sent, &judge::Criteria::default());
//! assert!(verdict.passed(), "{verdict}");
//!
//! // 100 ms of silence in the middle is a dropout.
//! rec[8000..8800].fill(0);
//! let verdict = judge::judge_tone(&rec, 8000, &sent, &judge::Criteria::default());
//! assert!(!verdict.passed());
//! ```

use std::fmt;
use std::ops::Range;
use std::time::Duration;

use crate::analysis::power_spectrum;

/// The tone that was sent into the call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SentTone {
    /// Its frequency in Hz.
    pub freq_hz: f64,
    /// Its level in dBFS (AES17: a full-scale sine is 0 dBFS).
    pub level_dbfs: f64,
}

/// The rules a recording is judged by. [`Default`] gives the suite's rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Criteria {
    /// The start of the recording not judged, in ms (jitter-buffer fill and
    /// codec start-up). Default 300.
    pub settle_ms: f64,
    /// The end of the recording not judged, in ms (the last packets before
    /// a hang-up may be cut). Default 0.
    pub tail_ms: f64,
    /// The dominant frequency may differ from the sent one by this share of
    /// it. Default 0.03 (30 Hz at 1 kHz): codecs do not shift a tone, so a
    /// larger error means the path is broken (e.g. Speex VBR turns 1000 Hz
    /// into noise around 1180 Hz).
    pub freq_tolerance: f64,
    /// Half-width in Hz of the band counted as the tone. Default 25; never
    /// narrower than 3 analysis bins (the Hann window's main lobe is 2).
    pub tone_band_hz: f64,
    /// Lowest tone-to-noise ratio, dB. Default 20.
    pub min_tnr_db: f64,
    /// Largest allowed difference between the tone's level and the sent
    /// level, dB. Default 6.
    pub level_tolerance_db: f64,
    /// A 10 ms window this far below the sent level is silent, dB. Default 20.
    pub dropout_depth_db: f64,
    /// Longest allowed run of silent windows, ms. Default 60.
    pub max_dropout_ms: f64,
    /// Stretches of the recording (ms from its start) where a longer gap is
    /// expected and allowed, e.g. while RFC 4733 events replace the audio.
    /// Such gaps are still reported.
    pub allowed_gaps_ms: Vec<Range<f64>>,
}

impl Default for Criteria {
    fn default() -> Self {
        Criteria {
            settle_ms: 300.0,
            tail_ms: 0.0,
            freq_tolerance: 0.03,
            tone_band_hz: 25.0,
            min_tnr_db: 20.0,
            level_tolerance_db: 6.0,
            dropout_depth_db: 20.0,
            max_dropout_ms: 60.0,
            allowed_gaps_ms: Vec::new(),
        }
    }
}

/// A run of silent 10 ms windows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dropout {
    /// Where it starts, ms from the start of the recording.
    pub start_ms: f64,
    /// How long it lasts, ms.
    pub len_ms: f64,
    /// True when it lies inside one of [`Criteria::allowed_gaps_ms`].
    pub allowed: bool,
}

/// What the judge measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Length of the judged part, ms.
    pub judged_ms: f64,
    /// The strongest frequency (Hz), if any audio was found.
    pub dominant_hz: Option<f64>,
    /// Tone-to-noise ratio, dB (−∞ when no audio was found).
    pub tnr_db: f64,
    /// The tone's level, dBFS (−∞ when no audio was found).
    pub level_dbfs: f64,
    /// Every dropout found, in order.
    pub dropouts: Vec<Dropout>,
}

impl Measurement {
    /// The longest dropout not inside an allowed gap, ms (0 if none).
    pub fn longest_dropout_ms(&self) -> f64 {
        self.dropouts
            .iter()
            .filter(|d| !d.allowed)
            .map(|d| d.len_ms)
            .fold(0.0, f64::max)
    }
}

/// One rule a recording broke.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Less than half a second left after the settle and tail times.
    TooShort {
        /// What was left, ms.
        judged_ms: f64,
    },
    /// No block free of dropouts, so no spectrum (silence, or gaps throughout).
    NoAudio,
    /// The strongest frequency is not the sent tone.
    WrongFrequency {
        /// Found, Hz.
        found_hz: f64,
        /// Sent, Hz.
        sent_hz: f64,
        /// Allowed difference, Hz.
        tolerance_hz: f64,
    },
    /// Too much power outside the tone.
    Noisy {
        /// Measured ratio, dB.
        tnr_db: f64,
        /// Required ratio, dB.
        min_db: f64,
    },
    /// The tone arrived too loud or too quiet.
    Level {
        /// Measured, dBFS.
        level_dbfs: f64,
        /// Sent, dBFS.
        sent_dbfs: f64,
        /// Allowed difference, dB.
        tolerance_db: f64,
    },
    /// A gap longer than allowed.
    Dropout {
        /// Where it starts, ms from the start of the recording.
        start_ms: f64,
        /// How long it lasts, ms.
        len_ms: f64,
        /// Longest allowed, ms.
        max_ms: f64,
    },
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::TooShort { judged_ms } => {
                write!(f, "recording too short: {judged_ms:.0} ms judged, need 500")
            }
            Fault::NoAudio => write!(f, "no audio: silent, or gaps throughout"),
            Fault::WrongFrequency {
                found_hz,
                sent_hz,
                tolerance_hz,
            } => write!(
                f,
                "wrong frequency: {found_hz:.1} Hz, sent {sent_hz:.1} ± {tolerance_hz:.1} Hz"
            ),
            Fault::Noisy { tnr_db, min_db } => write!(
                f,
                "too noisy: tone-to-noise {tnr_db:.1} dB, need {min_db:.1} dB"
            ),
            Fault::Level {
                level_dbfs,
                sent_dbfs,
                tolerance_db,
            } => write!(
                f,
                "wrong level: {level_dbfs:.1} dBFS, sent {sent_dbfs:.1} ± {tolerance_db:.1} dB"
            ),
            Fault::Dropout {
                start_ms,
                len_ms,
                max_ms,
            } => write!(
                f,
                "dropout: {len_ms:.0} ms of silence at {start_ms:.0} ms, at most {max_ms:.0} ms allowed"
            ),
        }
    }
}

/// The judge's measurement and the rules broken (none: passed).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What was measured.
    pub measured: Measurement,
    /// Rules broken, in the order of the module docs.
    pub faults: Vec<Fault>,
}

impl Verdict {
    /// True when no rule was broken.
    pub fn passed(&self) -> bool {
        self.faults.is_empty()
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.measured;
        write!(
            f,
            "{}: {} Hz, TNR {:.1} dB, level {:.1} dBFS, longest dropout {:.0} ms ({} gaps), {:.1} s judged",
            if self.passed() { "PASS" } else { "FAIL" },
            m.dominant_hz.map_or("no tone".to_string(), |h| format!("{h:.1}")),
            m.tnr_db,
            m.level_dbfs,
            m.longest_dropout_ms(),
            m.dropouts.len(),
            m.judged_ms / 1000.0,
        )?;
        for d in m.dropouts.iter().filter(|d| d.allowed) {
            write!(
                f,
                "; allowed gap {:.0} ms at {:.0} ms",
                d.len_ms, d.start_ms
            )?;
        }
        for fault in &self.faults {
            write!(f, "; {fault}")?;
        }
        Ok(())
    }
}

/// AES17 dBFS of a mean square in 16-bit units (full-scale sine = 0 dBFS).
fn dbfs(mean_square: f64) -> f64 {
    10.0 * (2.0 * mean_square / (32768.0 * 32768.0)).log10()
}

/// Judges `samples` (mono, `rate` Hz) against the tone that was sent; see
/// the module docs for the rules.
pub fn judge_tone(samples: &[i16], rate: u32, sent: &SentTone, c: &Criteria) -> Verdict {
    let rate_f = f64::from(rate.max(1));
    let to_samples = |ms: f64| ((ms.max(0.0) * rate_f / 1000.0) as usize).min(samples.len());
    let start = to_samples(c.settle_ms);
    let end = samples
        .len()
        .saturating_sub(to_samples(c.tail_ms))
        .max(start);
    let region = &samples[start..end];
    let judged_ms = region.len() as f64 * 1000.0 / rate_f;
    let mut measured = Measurement {
        judged_ms,
        dominant_hz: None,
        tnr_db: f64::NEG_INFINITY,
        level_dbfs: f64::NEG_INFINITY,
        dropouts: Vec::new(),
    };
    if rate < 1000 || judged_ms < 500.0 {
        return Verdict {
            measured,
            faults: vec![Fault::TooShort { judged_ms }],
        };
    }

    // Rule 4 first: which 10 ms windows are silent.
    let win = (rate / 100) as usize;
    let silent_below = sent.level_dbfs - c.dropout_depth_db;
    let silent: Vec<bool> = region
        .chunks_exact(win)
        .map(|w| {
            let ms = w.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / win as f64;
            dbfs(ms) < silent_below
        })
        .collect();
    let win_ms = 1000.0 / 100.0;
    let start_ms = start as f64 * 1000.0 / rate_f;
    let mut i = 0;
    while i < silent.len() {
        if !silent[i] {
            i += 1;
            continue;
        }
        let first = i;
        while i < silent.len() && silent[i] {
            i += 1;
        }
        let at = start_ms + first as f64 * win_ms;
        let len = (i - first) as f64 * win_ms;
        let allowed = c
            .allowed_gaps_ms
            .iter()
            .any(|g| g.start <= at && at + len <= g.end);
        measured.dropouts.push(Dropout {
            start_ms: at,
            len_ms: len,
            allowed,
        });
    }

    // Rules 1-3 on Welch's spectrum of the blocks clear of dropouts.
    // Blocks of at least 125 ms: bins of at most 8 Hz, so the tone band
    // spans at least three bins each side and Hann leakage beyond it stays
    // under −40 dB.
    let n = (rate as usize / 8).next_power_of_two();
    let window: Vec<f64> = (0..n)
        .map(|k| 0.5 - 0.5 * (std::f64::consts::TAU * k as f64 / n as f64).cos())
        .collect();
    let window_power: f64 = window.iter().map(|w| w * w).sum();
    let mut psd = vec![0.0f64; n / 2];
    let mut blocks = 0usize;
    let mut at = 0usize;
    while at + n <= region.len() {
        // Windows this block overlaps, with one window of margin each side.
        let w0 = (at / win).saturating_sub(1);
        let w1 = ((at + n).div_ceil(win) + 1).min(silent.len());
        if !silent.get(w0..w1).unwrap_or(&[]).iter().any(|&s| s) {
            let x: Vec<f64> = region[at..at + n]
                .iter()
                .zip(&window)
                .map(|(&s, &w)| f64::from(s) * w)
                .collect();
            for (acc, p) in psd.iter_mut().zip(power_spectrum(&x)) {
                *acc += p;
            }
            blocks += 1;
        }
        at += n / 2;
    }
    let mut faults = Vec::new();
    if blocks == 0 {
        faults.push(Fault::NoAudio);
    } else {
        let bin = rate_f / n as f64;
        // One-sided PSD → mean square: Σ over both sides of |X|² = n·Σ(xw)²,
        // and Σ(xw)² ≈ mean square · Σw².
        let scale = 2.0 / (n as f64 * window_power * blocks as f64);
        let band = c.tone_band_hz.max(3.0 * bin);
        let (mut tone, mut rest) = (0.0, 0.0);
        let (mut peak_k, mut peak_p) = (0usize, f64::MIN);
        for (k, &p) in psd.iter().enumerate() {
            let f = k as f64 * bin;
            if f <= 20.0 {
                continue;
            }
            if (f - sent.freq_hz).abs() <= band {
                tone += p;
            } else {
                rest += p;
            }
            if p > peak_p {
                peak_p = p;
                peak_k = k;
            }
        }
        measured.level_dbfs = dbfs(tone * scale);
        measured.tnr_db = 10.0 * (tone.max(1e-300) / rest.max(1e-300)).log10();
        measured.dominant_hz = (peak_p > 0.0).then(|| refine_peak(&psd, peak_k) * bin);
    }

    if let Some(found) = measured.dominant_hz {
        let tol = c.freq_tolerance * sent.freq_hz;
        if (found - sent.freq_hz).abs() > tol {
            faults.push(Fault::WrongFrequency {
                found_hz: found,
                sent_hz: sent.freq_hz,
                tolerance_hz: tol,
            });
        }
    }
    if blocks > 0 && below(measured.tnr_db, c.min_tnr_db) {
        faults.push(Fault::Noisy {
            tnr_db: measured.tnr_db,
            min_db: c.min_tnr_db,
        });
    }
    if blocks > 0
        && below(
            c.level_tolerance_db,
            (measured.level_dbfs - sent.level_dbfs).abs(),
        )
    {
        faults.push(Fault::Level {
            level_dbfs: measured.level_dbfs,
            sent_dbfs: sent.level_dbfs,
            tolerance_db: c.level_tolerance_db,
        });
    }
    for d in &measured.dropouts {
        if !d.allowed && d.len_ms > c.max_dropout_ms {
            faults.push(Fault::Dropout {
                start_ms: d.start_ms,
                len_ms: d.len_ms,
                max_ms: c.max_dropout_ms,
            });
        }
    }
    Verdict { measured, faults }
}

/// `a < b`, and true as well when either is NaN: a measurement that is not a
/// number must fail its rule, not pass it.
fn below(a: f64, b: f64) -> bool {
    !matches!(
        a.partial_cmp(&b),
        Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)
    )
}

/// The peak's position in bins, refined by a parabola through the log
/// powers of the peak bin and its neighbours (a Hann window's main lobe is
/// close to a Gaussian, for which this is exact).
fn refine_peak(psd: &[f64], k: usize) -> f64 {
    let (Some(&l), Some(&c), Some(&r)) = (
        k.checked_sub(1).and_then(|i| psd.get(i)),
        psd.get(k),
        psd.get(k + 1),
    ) else {
        return k as f64;
    };
    if l <= 0.0 || c <= 0.0 || r <= 0.0 {
        return k as f64;
    }
    let (a, b, g) = (l.ln(), c.ln(), r.ln());
    let denom = a - 2.0 * b + g;
    if denom >= 0.0 {
        return k as f64;
    }
    k as f64 + (0.5 * (a - g) / denom).clamp(-0.5, 0.5)
}

/// The RTP packet count of one direction, judged against the call's length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PacketVerdict {
    /// Packets counted.
    pub counted: u64,
    /// Packets a stream of that packet time carries over the call.
    pub expected: f64,
    /// Allowed deviation, as a share of `expected`.
    pub tolerance: f64,
}

impl PacketVerdict {
    /// True when `counted` is within the tolerance of `expected`.
    pub fn passed(&self) -> bool {
        self.expected > 0.0
            && (self.counted as f64 - self.expected).abs() <= self.tolerance * self.expected
    }
}

impl fmt::Display for PacketVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} packets, expected {:.0} ± {:.0} %",
            if self.passed() { "PASS" } else { "FAIL" },
            self.counted,
            self.expected,
            self.tolerance * 100.0
        )
    }
}

/// Judges a direction's RTP packet count: a stream with packet time
/// `ptime` carries `call / ptime` packets over a call of length `call`;
/// the count must be within `tolerance` (0.05 in the suite) of that.
pub fn judge_packets(
    counted: u64,
    call: Duration,
    ptime: Duration,
    tolerance: f64,
) -> PacketVerdict {
    let expected = if ptime.is_zero() {
        0.0
    } else {
        call.as_secs_f64() / ptime.as_secs_f64()
    };
    PacketVerdict {
        counted,
        expected,
        tolerance,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, secs: f64, freq: f64, amp: f64) -> Vec<i16> {
        (0..(rate as f64 * secs) as usize)
            .map(|i| {
                (amp * 32767.0 * (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin())
                    as i16
            })
            .collect()
    }

    #[test]
    fn refine_peak_stays_within_half_a_bin() {
        assert_eq!(refine_peak(&[0.0, 1.0, 0.0], 1), 1.0);
        let r = refine_peak(&[1.0, 4.0, 2.0], 1);
        assert!(r > 1.0 && r <= 1.5, "{r}");
        assert_eq!(refine_peak(&[1.0], 0), 0.0);
    }

    #[test]
    fn zero_rate_or_short_input_is_too_short() {
        let sent = SentTone {
            freq_hz: 1000.0,
            level_dbfs: -6.0,
        };
        let v = judge_tone(
            &tone(8000, 0.7, 1000.0, 0.5),
            8000,
            &sent,
            &Criteria::default(),
        );
        assert!(matches!(v.faults[..], [Fault::TooShort { .. }]), "{v}");
        let v = judge_tone(
            &tone(8000, 2.0, 1000.0, 0.5),
            0,
            &sent,
            &Criteria::default(),
        );
        assert!(matches!(v.faults[..], [Fault::TooShort { .. }]), "{v}");
    }
}

//! In-band DTMF detection with the acceptance limits of ITU-T Q.24.

use std::f64::consts::TAU;
use std::time::Duration;

/// The low-group (row) frequencies in Hz (ITU-T Q.23).
pub const DTMF_ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
/// The high-group (column) frequencies in Hz (ITU-T Q.23).
pub const DTMF_COLUMNS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];

/// The keypad, `[row][column]`.
const KEYPAD: [[char; 4]; 4] = [
    ['1', '2', '3', 'A'],
    ['4', '5', '6', 'B'],
    ['7', '8', '9', 'C'],
    ['*', '0', '#', 'D'],
];

/// Peak of a 0 dBm0 sine in 16-bit linear PCM. G.711 puts a full-scale sine
/// at +3.14 dBm0, so 0 dBm0 is 32767 · 10^(−3.14/20) ≈ 22 786.
pub const DBM0_SINE_PEAK: f64 = 22_786.0;

/// Q.24 frequency tolerance that must be accepted: ±1.5 %.
pub const FREQ_ACCEPT: f64 = 0.015;
/// Q.24 frequency deviation that must be rejected: beyond ±3.5 %.
pub const FREQ_REJECT: f64 = 0.035;
/// Where this detector decides between the two: ±2.5 %.
pub const FREQ_DECISION: f64 = 0.025;

/// Most the low-group tone may exceed the high-group one, in dB: "normal"
/// twist, the usual case, since a line loses more at high frequencies.
/// 8 dB, the North American receiver figure (high group between 8 dB
/// below and 4 dB above the low group) and the widest in common use.
pub const NORMAL_TWIST_DB: f64 = 8.0;
/// Most the high-group tone may exceed the low-group one ("reverse"
/// twist: only a sender's pre-emphasis makes the high group stronger),
/// in dB: 4 dB.
pub const REVERSE_TWIST_DB: f64 = 4.0;

/// Least level of each of the two tones, in dBm0. Q.24 operating ranges
/// reach down to −25 dBm0 per tone for most administrations; −30 dBm0 leaves
/// 5 dB for line loss while staying well above idle-channel noise.
pub const MIN_TONE_LEVEL_DBM0: f64 = -30.0;

/// Least share of the window's power the two tones must carry (0.75 ≈ the
/// tones at least 4.8 dB above everything else; 20 dB SNR gives 0.99).
pub const MIN_TONE_SHARE: f64 = 0.75;

/// How far, in dB, each tone's second harmonic must lie below the tone.
pub const MIN_HARMONIC_REJECTION_DB: f64 = 20.0;

/// Most the two halves of a window may differ in power, in dB.
const MAX_HALF_IMBALANCE_DB: f64 = 3.0;

/// Consecutive hits that start a digit. A window hits only if it is at
/// least ~75 % inside the burst (the steadiness check), so a burst of T
/// samples at 8 kHz gives at most ⌈(T − 52)/51⌉ hits: 3 for 23 ms
/// (184 samples); and it holds at least ⌊(T − 102)/51⌋ + 1 windows that lie
/// wholly inside it: 4 for 40 ms (320 samples). Four separates the two.
pub const START_HITS: u32 = 4;

/// Consecutive windows without the digit that end it (≈ 32 ms at any
/// rate). A 10 ms interruption spoils at most 3 windows; a 40 ms pause
/// spoils at least 7.
pub const END_MISSES: u32 = 5;

/// Window length in seconds (102 samples at 8 kHz).
const WINDOW_SECONDS: f64 = 102.0 / 8000.0;

/// Why a detector could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DtmfError {
    /// The sample rate is below 8 kHz (the DTMF second harmonics need it)
    /// or above 192 kHz.
    #[error("DTMF detection needs a sample rate of 8000 to 192000 Hz, not {0}")]
    UnsupportedRate(u32),
}

/// The (row, column) frequencies in Hz of a DTMF digit (`0`–`9`, `*`,
/// `#`, `A`–`D`, lower-case `a`–`d` too), or `None` for anything else.
///
/// ```
/// use openphone_hal::line::dtmf_frequencies;
/// assert_eq!(dtmf_frequencies('5'), Some((770.0, 1336.0)));
/// assert_eq!(dtmf_frequencies('d'), Some((941.0, 1633.0)));
/// assert_eq!(dtmf_frequencies('E'), None);
/// ```
pub fn dtmf_frequencies(digit: char) -> Option<(f64, f64)> {
    let digit = digit.to_ascii_uppercase();
    KEYPAD.iter().enumerate().find_map(|(r, row)| {
        row.iter()
            .position(|&d| d == digit)
            .map(|c| (DTMF_ROWS[r], DTMF_COLUMNS[c]))
    })
}

/// `len` samples of DTMF `digit` at `rate`, each tone at `level_dbm0`
/// (so no twist), or `None` for a symbol that is not a DTMF digit.
///
/// ```
/// use openphone_hal::line::dtmf_tone;
/// let tone = dtmf_tone('#', 8000, 400, -6.0).expect("a DTMF digit");
/// assert_eq!(tone.len(), 400);
/// assert!(dtmf_tone('x', 8000, 400, -6.0).is_none());
/// ```
pub fn dtmf_tone(digit: char, rate: u32, len: usize, level_dbm0: f64) -> Option<Vec<i16>> {
    let (low, high) = dtmf_frequencies(digit)?;
    let amp = DBM0_SINE_PEAK * 10f64.powf(level_dbm0 / 20.0);
    let rate = f64::from(rate.max(1));
    Some(
        (0..len)
            .map(|n| {
                let t = n as f64 / rate;
                let v = amp * ((TAU * low * t).sin() + (TAU * high * t).sin());
                v.round().clamp(-32768.0, 32767.0) as i16
            })
            .collect(),
    )
}

/// What the detector reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DtmfEvent {
    /// A digit was recognised. `at` is the sample index (counted from the
    /// first sample fed) where it began, to within a few milliseconds.
    Start {
        /// The digit: `0`–`9`, `*`, `#`, `A`–`D`.
        digit: char,
        /// Sample index of its start.
        at: u64,
    },
    /// The digit ended: `at` is the sample index just after its last
    /// sound, `duration` how long it lasted (to within about ±7 ms).
    End {
        /// The digit.
        digit: char,
        /// Sample index just after its end.
        at: u64,
        /// Its length.
        duration: Duration,
    },
}

impl DtmfEvent {
    /// The digit, if this is a [`DtmfEvent::Start`].
    pub fn started(&self) -> Option<char> {
        match *self {
            DtmfEvent::Start { digit, .. } => Some(digit),
            DtmfEvent::End { .. } => None,
        }
    }
}

/// Where the detector is between digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    Active {
        digit: char,
        start: u64,
        last_end: u64,
        misses: u32,
    },
}

/// A run of consecutive hits of one digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Candidate {
    digit: char,
    hits: u32,
    start: u64,
}

/// A streaming DTMF detector: feed PCM of any frame size, get
/// [`DtmfEvent`]s. No allocation after [`DtmfDetector::new`].
///
/// The detector looks at overlapping windows of 12.75 ms (102 samples at
/// 8 kHz, Hamming-weighted) every 6.375 ms and measures, for each of the
/// eight DTMF frequencies (ITU-T Q.23), the complex DFT at that frequency.
/// A window *hits* digit `d` when all of these hold:
///
/// - **level**: each of the strongest row and column tones is at least
///   [`MIN_TONE_LEVEL_DBM0`];
/// - **twist**: the high-group tone is at most [`NORMAL_TWIST_DB`] below the
///   low-group tone and at most [`REVERSE_TWIST_DB`] above it;
/// - **tone share**: the two tones carry at least [`MIN_TONE_SHARE`] of the
///   window's power (rejects noise, speech, music and three-tone mixes);
/// - **harmonics**: the second harmonic of each tone is at least
///   [`MIN_HARMONIC_REJECTION_DB`] below it (voice has strong harmonics,
///   DTMF has none). Some row harmonics (2 × 697 = 1394 Hz, 2 × 770,
///   2 × 852) fall within the window's main lobe of the column tone of the
///   pair; those are not checked, the tone-share check covers them;
/// - **steadiness**: the two halves of the window differ by at most 3 dB in
///   power, so the window lies (mostly) inside one steady burst;
/// - **frequency**: each tone's frequency, measured from the phase advance
///   of its DFT between consecutive windows (exact for a steady sine, and
///   finer than the DFT bins), is within [`FREQ_DECISION`] of nominal. Q.24
///   requires acceptance within ±1.5 % ([`FREQ_ACCEPT`]) and rejection
///   beyond ±3.5 % ([`FREQ_REJECT`]); the decision sits midway.
///
/// A digit starts after [`START_HITS`] consecutive hits of the same digit:
/// a burst of 40 ms or more always gives that many, one shorter than 23 ms
/// never does (see `START_HITS`). It ends after [`END_MISSES`] consecutive
/// windows without it (about 32 ms), which bridges interruptions of 10 ms
/// and still separates digits with the 40 ms pause Q.24 asks for.
///
/// ```
/// use openphone_hal::line::{dtmf_tone, DtmfDetector, DtmfEvent};
///
/// let mut detector = DtmfDetector::new(8000)?;
/// let mut events = Vec::new();
/// // 70 ms of '5' at -10 dBm0 per tone, then 100 ms of silence.
/// let tone = dtmf_tone('5', 8000, 560, -10.0).expect("a DTMF digit");
/// detector.feed(&tone, |e| events.push(e));
/// detector.feed(&[0; 800], |e| events.push(e));
/// let digits: Vec<char> = events.iter().filter_map(DtmfEvent::started).collect();
/// assert_eq!(digits, ['5']);
/// match events.last() {
///     Some(DtmfEvent::End { digit: '5', duration, .. }) => {
///         assert!((duration.as_millis() as i64 - 70).abs() <= 10);
///     }
///     other => panic!("expected the end of '5', got {other:?}"),
/// }
/// # Ok::<(), openphone_hal::line::DtmfError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DtmfDetector {
    rate: u32,
    /// Window length N (even) and hop N/2.
    n: usize,
    hop: usize,
    /// `w[n]·cos(ω n)` and `w[n]·sin(ω n)` per DTMF frequency (rows then
    /// columns), each `n` long.
    cos: Vec<f64>,
    sin: Vec<f64>,
    window: Vec<f64>,
    window_sum: f64,
    /// Samples of the current window and how many are filled.
    buf: Vec<i16>,
    fill: usize,
    /// Samples fed so far.
    fed: u64,
    /// DFT of each frequency in the previous window, for the phase advance.
    prev: [(f64, f64); 8],
    prev_valid: bool,
    state: State,
    candidate: Option<Candidate>,
}

impl DtmfDetector {
    /// A detector for PCM at `rate` Hz (8 kHz to 192 kHz; the window and
    /// the DFT coefficients are computed for the rate, no resampling).
    pub fn new(rate: u32) -> Result<Self, DtmfError> {
        if !(8000..=192_000).contains(&rate) {
            return Err(DtmfError::UnsupportedRate(rate));
        }
        let fs = f64::from(rate);
        let hop = ((WINDOW_SECONDS * fs / 2.0).round() as usize).max(1);
        let n = 2 * hop;
        let window: Vec<f64> = (0..n)
            .map(|i| 0.54 - 0.46 * (TAU * i as f64 / (n - 1) as f64).cos())
            .collect();
        let window_sum = window.iter().sum();
        let mut cos = Vec::with_capacity(8 * n);
        let mut sin = Vec::with_capacity(8 * n);
        for f in DTMF_ROWS.iter().chain(&DTMF_COLUMNS) {
            let omega = TAU * f / fs;
            for (i, w) in window.iter().enumerate() {
                cos.push(w * (omega * i as f64).cos());
                sin.push(w * (omega * i as f64).sin());
            }
        }
        Ok(DtmfDetector {
            rate,
            n,
            hop,
            cos,
            sin,
            window,
            window_sum,
            buf: vec![0; n],
            fill: 0,
            fed: 0,
            prev: [(0.0, 0.0); 8],
            prev_valid: false,
            state: State::Idle,
            candidate: None,
        })
    }

    /// The sample rate this detector was made for.
    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Analyses `samples` (continuing the stream fed before) and calls
    /// `on_event` for each digit start and end, in order.
    pub fn feed(&mut self, samples: &[i16], mut on_event: impl FnMut(DtmfEvent)) {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.n - self.fill).min(rest.len());
            self.buf[self.fill..self.fill + take].copy_from_slice(&rest[..take]);
            self.fill += take;
            self.fed += take as u64;
            rest = &rest[take..];
            if self.fill == self.n {
                let start = self.fed - self.n as u64;
                let hit = self.analyse();
                self.step(hit, start, &mut on_event);
                self.buf.copy_within(self.hop.., 0);
                self.fill = self.n - self.hop;
            }
        }
    }

    /// Ends the stream: reports the end of a digit still sounding.
    pub fn finish(&mut self, mut on_event: impl FnMut(DtmfEvent)) {
        if let State::Active {
            digit,
            start,
            last_end,
            ..
        } = self.state
        {
            on_event(self.end_event(digit, start, last_end));
        }
        self.state = State::Idle;
        self.candidate = None;
    }

    fn end_event(&self, digit: char, start: u64, end: u64) -> DtmfEvent {
        let samples = end.saturating_sub(start);
        DtmfEvent::End {
            digit,
            at: end,
            duration: Duration::from_secs_f64(samples as f64 / f64::from(self.rate)),
        }
    }

    /// Advances the digit state machine by one window that hit `hit`.
    fn step(&mut self, hit: Option<char>, window_start: u64, on_event: &mut impl FnMut(DtmfEvent)) {
        let window_end = window_start + self.n as u64;
        // Track the run of consecutive hits, whatever the state.
        self.candidate = match (hit, self.candidate) {
            (None, _) => None,
            (Some(d), Some(c)) if c.digit == d => Some(Candidate {
                hits: c.hits + 1,
                ..c
            }),
            (Some(d), _) => Some(Candidate {
                digit: d,
                hits: 1,
                start: window_start,
            }),
        };
        if let State::Active {
            digit,
            start,
            last_end,
            misses,
        } = self.state
        {
            if hit == Some(digit) {
                self.state = State::Active {
                    digit,
                    start,
                    last_end: window_end,
                    misses: 0,
                };
                return;
            }
            if misses + 1 < END_MISSES {
                self.state = State::Active {
                    digit,
                    start,
                    last_end,
                    misses: misses + 1,
                };
                return;
            }
            on_event(self.end_event(digit, start, last_end));
            self.state = State::Idle;
        }
        if let Some(c) = self.candidate {
            if c.hits >= START_HITS {
                on_event(DtmfEvent::Start {
                    digit: c.digit,
                    at: c.start,
                });
                self.state = State::Active {
                    digit: c.digit,
                    start: c.start,
                    last_end: window_end,
                    misses: 0,
                };
            }
        }
    }

    /// The digit the full window in `buf` hits, if any.
    fn analyse(&mut self) -> Option<char> {
        let n = self.n;
        let mut dft = [(0.0f64, 0.0f64); 8];
        for (k, out) in dft.iter_mut().enumerate() {
            let cos = &self.cos[k * n..(k + 1) * n];
            let sin = &self.sin[k * n..(k + 1) * n];
            let (mut re, mut im) = (0.0, 0.0);
            for ((&x, &c), &s) in self.buf.iter().zip(cos).zip(sin) {
                re += f64::from(x) * c;
                im -= f64::from(x) * s;
            }
            *out = (re, im);
        }
        let prev = std::mem::replace(&mut self.prev, dft);
        let prev_valid = std::mem::replace(&mut self.prev_valid, true);
        if !prev_valid {
            return None;
        }

        let energy = |xs: &[i16]| xs.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>();
        let first = energy(&self.buf[..self.hop]);
        let second = energy(&self.buf[self.hop..]);
        let mean_power = (first + second) / n as f64;
        if mean_power <= 0.0 {
            return None;
        }
        // Power of a sine (A²/2) from the windowed DFT magnitude |X| = A·Σw/2.
        let scale = 2.0 / (self.window_sum * self.window_sum);
        let power = |k: usize| scale * (dft[k].0.powi(2) + dft[k].1.powi(2));
        let strongest = |range: std::ops::Range<usize>| {
            range
                .map(|k| (k, power(k)))
                .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a })
        };
        let (row, p_row) = strongest(0..4);
        let (col, p_col) = strongest(4..8);

        let min_power = (DBM0_SINE_PEAK.powi(2) / 2.0) * db(MIN_TONE_LEVEL_DBM0);
        if p_row < min_power || p_col < min_power {
            return None;
        }
        if p_row > p_col * db(NORMAL_TWIST_DB) || p_col > p_row * db(REVERSE_TWIST_DB) {
            return None;
        }
        if p_row + p_col < MIN_TONE_SHARE * mean_power {
            return None;
        }
        let imbalance = db(MAX_HALF_IMBALANCE_DB);
        if first > second * imbalance || second > first * imbalance {
            return None;
        }
        let fs = f64::from(self.rate);
        let freq = |k: usize| {
            if k < 4 {
                DTMF_ROWS[k]
            } else {
                DTMF_COLUMNS[k - 4]
            }
        };
        // The Hamming main lobe spans ±2 bins; a harmonic closer than that
        // to the other tone of the pair cannot be told from it.
        let main_lobe = 2.0 * fs / n as f64;
        for (k, p, other) in [(row, p_row, col), (col, p_col, row)] {
            let f0 = freq(k);
            // Phase advance over one hop: ω·hop for a steady sine at ω.
            let (a, b) = (dft[k], prev[k]);
            let advance = (a.1 * b.0 - a.0 * b.1).atan2(a.0 * b.0 + a.1 * b.1);
            let expected = TAU * f0 * self.hop as f64 / fs;
            let offset = wrap_phase(advance - expected) * fs / (TAU * self.hop as f64);
            if (offset / f0).abs() > FREQ_DECISION {
                return None;
            }
            let harmonic = 2.0 * f0;
            if harmonic < fs / 2.0 && (harmonic - freq(other)).abs() > main_lobe {
                let h = scale * self.windowed_power(harmonic);
                if h * db(MIN_HARMONIC_REJECTION_DB) > p {
                    return None;
                }
            }
        }
        Some(KEYPAD[row][col - 4])
    }

    /// |DFT|² of the Hamming-windowed buffer at `freq` (Goertzel).
    fn windowed_power(&self, freq: f64) -> f64 {
        let coeff = 2.0 * (TAU * freq / f64::from(self.rate)).cos();
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for (&x, &w) in self.buf.iter().zip(&self.window) {
            let s0 = f64::from(x) * w + coeff * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0)
    }
}

/// A power ratio from dB.
fn db(value: f64) -> f64 {
    10f64.powf(value / 10.0)
}

/// `phase` wrapped into (−π, π].
fn wrap_phase(phase: f64) -> f64 {
    let p = phase.rem_euclid(TAU);
    if p > TAU / 2.0 {
        p - TAU
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(samples: &[i16], rate: u32) -> Vec<DtmfEvent> {
        let mut d = DtmfDetector::new(rate).expect("rate");
        let mut events = Vec::new();
        for frame in samples.chunks(160) {
            d.feed(frame, |e| events.push(e));
        }
        d.finish(|e| events.push(e));
        events
    }

    #[test]
    fn every_digit_at_8k() {
        for digit in "0123456789*#ABCD".chars() {
            let mut s = dtmf_tone(digit, 8000, 400, -10.0).expect("digit");
            s.extend([0; 400]);
            let events = detect(&s, 8000);
            assert_eq!(events.len(), 2, "{digit}: {events:?}");
            assert_eq!(events[0].started(), Some(digit));
        }
    }

    #[test]
    fn rates() {
        assert!(DtmfDetector::new(7999).is_err());
        for rate in [16000, 44100, 48000] {
            let len = rate as usize / 20;
            let mut s = dtmf_tone('9', rate, len, -10.0).expect("digit");
            s.extend(vec![0; len]);
            let events = detect(&s, rate);
            assert_eq!(events.len(), 2, "{rate}: {events:?}");
            assert_eq!(events[0].started(), Some('9'));
        }
    }

    #[test]
    fn wrap() {
        assert!((wrap_phase(3.5) - (3.5 - TAU)).abs() < 1e-12);
        assert!((wrap_phase(-3.5) - (TAU - 3.5)).abs() < 1e-12);
        assert!((wrap_phase(1.0) - 1.0).abs() < 1e-12);
    }
}

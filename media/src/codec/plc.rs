//! Packet-loss concealment for waveform codecs without their own (G.711),
//! after the method of ITU-T G.711 Appendix I: replace a lost frame by
//! repeating the last pitch period of the decoded history, widen the
//! repeated segment to two and then three periods as the loss goes on (a
//! single period repeated for long sounds buzzy), attenuate by 20 % per
//! 10 ms after the first 10 ms so that after 60 ms it is silent, and
//! cross-fade into the first good frame after the loss.
//!
//! Simplifications against Appendix I, because we conceal without adding
//! delay: no 3.75 ms output delay, hence no overlap-add at the very start
//! of an erasure (the repetition starts one period back, which continues
//! a periodic signal smoothly), and linear rather than tabulated ramps.

/// History kept: 48.75 ms at 8 kHz, enough for three longest periods plus
/// the correlation window. All lengths scale with the sample rate.
const HIST: usize = 390;
/// Pitch search range: 66.7–200 Hz fundamental, 40–120 samples at 8 kHz.
const PITCH_MIN: usize = 40;
const PITCH_MAX: usize = 120;
/// Correlation window: the last 20 ms.
const CORR: usize = 160;
/// 10 ms in samples.
const TEN_MS: usize = 80;

/// The lengths above at one sample rate.
#[derive(Debug, Clone, Copy)]
struct Lengths {
    hist: usize,
    pitch_min: usize,
    pitch_max: usize,
    corr: usize,
    ten_ms: usize,
}

impl Lengths {
    fn at(rate: u32) -> Self {
        // Whole multiples of 8 kHz (8, 16, 24, 32, 48 kHz); other rates
        // round, which only shifts the search range slightly.
        let k = ((rate as usize + 4000) / 8000).max(1);
        Lengths {
            hist: HIST * k,
            pitch_min: PITCH_MIN * k,
            pitch_max: PITCH_MAX * k,
            corr: CORR * k,
            ten_ms: TEN_MS * k,
        }
    }
}

/// Pitch-repetition concealment state for one stream (8 kHz unless made
/// with [`PitchPlc::with_rate`]).
#[derive(Debug, Clone)]
pub struct PitchPlc {
    len: Lengths,
    hist: Vec<i16>,
    /// Copy of the history at the start of the erasure (what we repeat).
    frozen: Vec<i16>,
    pitch: usize,
    periods: usize,
    pos: usize,
    /// Samples concealed in the current erasure (0 = not concealing).
    erased: usize,
}

impl Default for PitchPlc {
    fn default() -> Self {
        Self::new()
    }
}

impl PitchPlc {
    /// Silence history, 8 kHz.
    pub fn new() -> Self {
        Self::with_rate(8000)
    }

    /// Silence history, for audio at `rate` samples per second (the
    /// pitch range and the 10 ms fade steps scale with it).
    pub fn with_rate(rate: u32) -> Self {
        let len = Lengths::at(rate);
        PitchPlc {
            len,
            hist: vec![0; len.hist],
            frozen: vec![0; len.hist],
            pitch: len.pitch_max,
            periods: 1,
            pos: 0,
            erased: 0,
        }
    }

    fn push_history(&mut self, s: &[i16]) {
        let n = s.len().min(self.len.hist);
        let Some(tail) = s.get(s.len() - n..) else {
            return;
        };
        self.hist.copy_within(n.., 0);
        if let Some(dst) = self.hist.get_mut(self.len.hist - n..) {
            dst.copy_from_slice(tail);
        }
    }

    /// Period (in samples) that best predicts the last 20 ms from the
    /// signal one period earlier (normalised cross-correlation).
    fn find_pitch(&self) -> usize {
        let h = &self.hist;
        let Lengths {
            hist: end,
            pitch_min,
            pitch_max,
            corr,
            ..
        } = self.len;
        let mut best = pitch_max;
        let mut best_score = 0.0f64;
        for p in pitch_min..=pitch_max {
            let (mut xy, mut yy) = (0.0f64, 0.0f64);
            for i in end - corr..end {
                let x = h[i] as f64;
                let y = h[i - p] as f64;
                xy += x * y;
                yy += y * y;
            }
            if yy > 0.0 && xy > 0.0 {
                let score = xy / yy.sqrt();
                if score > best_score {
                    best_score = score;
                    best = p;
                }
            }
        }
        best
    }

    /// The next synthetic sample (with attenuation), advancing the state.
    fn next(&mut self) -> i16 {
        if self.erased == 0 {
            self.frozen.copy_from_slice(&self.hist);
            self.pitch = self.find_pitch();
            self.periods = 1;
            self.pos = 0;
        }
        // Widen the repeated segment at 10 and 20 ms, keeping the phase.
        let want = 1 + (self.erased / self.len.ten_ms).min(2);
        if want != self.periods {
            let phase = self.pos % self.pitch;
            self.periods = want;
            self.pos = (want - 1) * self.pitch + phase;
        }
        let seg = self.periods * self.pitch;
        let in_seg = self.pos % seg;
        let idx = self.len.hist - seg + in_seg;
        let mut s = self.frozen.get(idx).copied().unwrap_or(0) as f32;
        // Over the last quarter period, fade towards the samples just before
        // the segment, so that wrapping back to its start is continuous
        // (Appendix I's overlap-add of the pitch buffer's ends).
        let ov = self.pitch / 4;
        if in_seg + ov >= seg && ov > 0 {
            let j = in_seg + ov - seg;
            let w = (j + 1) as f32 / (ov + 1) as f32;
            let before = idx
                .checked_sub(seg)
                .and_then(|i| self.frozen.get(i))
                .copied()
                .unwrap_or(0) as f32;
            s = s * (1.0 - w) + before * w;
        }
        self.pos = (self.pos + 1) % seg;
        // Full level for 10 ms, then −20 % per 10 ms: silent at 60 ms.
        let gain = if self.erased < self.len.ten_ms {
            1.0
        } else {
            (1.0 - 0.2 * (self.erased - self.len.ten_ms) as f32 / self.len.ten_ms as f32).max(0.0)
        };
        self.erased = self.erased.saturating_add(1);
        (s * gain) as i16
    }

    /// Fills `out` with concealment and remembers it as history.
    pub fn conceal(&mut self, out: &mut [i16]) {
        for o in out.iter_mut() {
            *o = self.next();
        }
        self.push_history(out);
    }

    /// Takes a good decoded frame: after a loss, cross-fades its start with
    /// the continuing synthetic signal (4 ms + 4 ms per 10 ms lost, at most
    /// 10 ms), then records it as history.
    pub fn good(&mut self, out: &mut [i16]) {
        if self.erased > 0 {
            let four_ms = self.len.ten_ms * 2 / 5;
            let m = (four_ms + four_ms * (self.erased / self.len.ten_ms))
                .min(self.len.ten_ms)
                .min(out.len());
            for (i, o) in out.iter_mut().take(m).enumerate() {
                let w = (i + 1) as f32 / (m + 1) as f32;
                let synth = self.next() as f32;
                *o = (*o as f32 * w + synth * (1.0 - w)) as i16;
            }
            self.erased = 0;
        }
        self.push_history(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f64, start: usize, n: usize) -> Vec<i16> {
        (start..start + n)
            .map(|i| (8000.0 * (2.0 * std::f64::consts::PI * f * i as f64 / 8000.0).sin()) as i16)
            .collect()
    }

    fn snr(a: &[i16], b: &[i16]) -> f64 {
        let s: f64 = a.iter().map(|&x| (x as f64).powi(2)).sum();
        let e: f64 = a
            .iter()
            .zip(b)
            .map(|(&x, &y)| (x as f64 - y as f64).powi(2))
            .sum();
        10.0 * (s / e.max(1e-9)).log10()
    }

    #[test]
    fn continues_a_voiced_signal() {
        // 160 Hz: a 50-sample period, inside the search range.
        let mut plc = PitchPlc::new();
        for k in 0..5 {
            let mut f = sine(160.0, k * 160, 160);
            plc.good(&mut f);
        }
        let mut lost = vec![0i16; 160];
        plc.conceal(&mut lost);
        let truth = sine(160.0, 5 * 160, 160);
        // First 10 ms at full level: close to the true continuation.
        assert!(
            snr(&truth[..80], &lost[..80]) > 20.0,
            "snr {}",
            snr(&truth[..80], &lost[..80])
        );
        assert_eq!(plc.pitch, 50);
    }

    #[test]
    fn fades_to_silence_after_60ms_and_recovers_smoothly() {
        let mut plc = PitchPlc::new();
        for k in 0..5 {
            let mut f = sine(200.0, k * 160, 160);
            plc.good(&mut f);
        }
        let mut out = vec![0i16; 160];
        let mut all = Vec::new();
        for _ in 0..4 {
            plc.conceal(&mut out);
            all.extend_from_slice(&out);
        }
        assert!(all[480..].iter().all(|&s| s == 0), "silent after 60 ms");
        assert!(
            all[..80].iter().any(|&s| s.abs() > 7000),
            "full level first"
        );
        // A good frame after a short loss starts without a jump.
        let mut plc = PitchPlc::new();
        for k in 0..5 {
            let mut f = sine(200.0, k * 160, 160);
            plc.good(&mut f);
        }
        plc.conceal(&mut out);
        let last = out[159];
        let mut good = sine(200.0, 6 * 160, 160);
        plc.good(&mut good);
        assert!(
            (good[0] as i32 - last as i32).abs() < 2500,
            "{} -> {}",
            last,
            good[0]
        );
    }

    #[test]
    fn silence_stays_silent() {
        let mut plc = PitchPlc::new();
        let mut out = vec![1i16; 160];
        plc.conceal(&mut out);
        assert!(out.iter().all(|&s| s == 0));
    }
}

//! Call-progress tones and how one sounds.

use std::fmt;

use crate::line::Cadence;

/// A call-progress tone a line plays to the user.
///
/// These are the tones of the MGCP line package (RFC 3660 §2.9) that a
/// phone or gateway generates locally; the MGCP name is given for each.
/// There is no "silence" tone: [`LineSignal::StopTone`] stops whatever
/// plays. How each sounds depends on the country: see [`TonePlan`].
///
/// ```
/// use openphone_hal::line::Tone;
/// assert_eq!(Tone::Congestion.to_string(), "congestion (reorder) tone");
/// assert_eq!(Tone::ALL.len(), 8);
/// ```
///
/// [`LineSignal::StopTone`]: crate::line::LineSignal::StopTone
/// [`TonePlan`]: crate::line::TonePlan
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tone {
    /// Dial tone: ready for digits (`dl`).
    Dial,
    /// Stutter (interrupted) dial tone: dial tone that tells of waiting
    /// messages or an active feature (`sl`).
    StutterDial,
    /// Ringback (ringing tone): the called party is being alerted (`rt`).
    Ringback,
    /// Busy (engaged) tone: the called party is busy (`bz`).
    Busy,
    /// Congestion, also called reorder or fast busy: the network could not
    /// complete the call (`ro`).
    Congestion,
    /// Call-waiting tone: another call is waiting (`wt`).
    CallWaiting,
    /// Confirmation tone: a feature request was accepted (`cf`).
    Confirmation,
    /// Off-hook warning ("howler"): the receiver was left off-hook (`ot`).
    OffHookWarning,
}

impl Tone {
    /// Every tone, in declaration order.
    pub const ALL: [Tone; 8] = [
        Tone::Dial,
        Tone::StutterDial,
        Tone::Ringback,
        Tone::Busy,
        Tone::Congestion,
        Tone::CallWaiting,
        Tone::Confirmation,
        Tone::OffHookWarning,
    ];
}

impl fmt::Display for Tone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tone::Dial => "dial tone",
            Tone::StutterDial => "stutter dial tone",
            Tone::Ringback => "ringback tone",
            Tone::Busy => "busy tone",
            Tone::Congestion => "congestion (reorder) tone",
            Tone::CallWaiting => "call-waiting tone",
            Tone::Confirmation => "confirmation tone",
            Tone::OffHookWarning => "off-hook warning (howler) tone",
        })
    }
}

/// How a tone is switched on and off over time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TonePattern {
    /// Sounds without interruption until stopped.
    Continuous,
    /// The cadence repeats until stopped.
    Repeating(Cadence),
    /// The cadence plays `cycles` times, then the tone falls silent.
    Bursts {
        /// The burst pattern.
        cadence: Cadence,
        /// How many times it plays.
        cycles: u8,
    },
    /// The cadence plays `cycles` times, then the tone continues without
    /// interruption until stopped (stutter dial tone).
    BurstsThenSteady {
        /// The burst pattern.
        cadence: Cadence,
        /// How many times it plays before the steady part.
        cycles: u8,
    },
}

impl fmt::Display for TonePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TonePattern::Continuous => f.write_str("continuous"),
            TonePattern::Repeating(c) => write!(f, "{c}, repeating"),
            TonePattern::Bursts { cadence, cycles } => write!(f, "{cycles} × ({cadence})"),
            TonePattern::BurstsThenSteady { cadence, cycles } => {
                write!(f, "{cycles} × ({cadence}) then steady")
            }
        }
    }
}

/// What one tone sounds like: frequencies, level and on/off pattern.
///
/// Frequencies follow ITU-T E.180 notation: the listed frequencies sound
/// together (`f1+f2`); with [`modulation_hz`](ToneSpec::modulation_hz)
/// set, their sum is amplitude-modulated by it (`f1×f2`, e.g. Japan's
/// 400×16 Hz ringback).
///
/// ```
/// use openphone_hal::line::{Country, Tone, TonePattern, TonePlan};
///
/// let plan = TonePlan::for_country(Country::Us);
/// let busy = plan.tone(Tone::Busy);
/// assert_eq!(busy.frequencies, [480.0, 620.0]);
/// assert!(matches!(busy.pattern, TonePattern::Repeating(_)));
/// assert_eq!(busy.to_string(), "480+620 Hz at -24 dBm0, 0.5 s on, 0.5 s off, repeating");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToneSpec {
    /// Frequencies in hertz that sound together (one to four).
    pub frequencies: Vec<f32>,
    /// Amplitude-modulating frequency in hertz, if the tone is modulated.
    pub modulation_hz: Option<f32>,
    /// Level of each frequency component in dBm0.
    pub level_dbm0: f32,
    /// When the tone sounds.
    pub pattern: TonePattern,
    /// Where the values come from (a standard, or national practice where
    /// the standard lists nothing).
    pub source: &'static str,
}

impl ToneSpec {
    pub(crate) fn new(
        frequencies: &[f32],
        level_dbm0: f32,
        pattern: TonePattern,
        source: &'static str,
    ) -> ToneSpec {
        ToneSpec {
            frequencies: frequencies.to_vec(),
            modulation_hz: None,
            level_dbm0,
            pattern,
            source,
        }
    }

    pub(crate) fn modulated(mut self, hz: f32) -> ToneSpec {
        self.modulation_hz = Some(hz);
        self
    }
}

impl fmt::Display for ToneSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, hz) in self.frequencies.iter().enumerate() {
            if i > 0 {
                f.write_str("+")?;
            }
            write!(f, "{hz}")?;
        }
        if let Some(m) = self.modulation_hz {
            write!(f, "×{m}")?;
        }
        write!(f, " Hz at {} dBm0, {}", self.level_dbm0, self.pattern)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones_print_in_english() {
        let names: Vec<String> = Tone::ALL.iter().map(Tone::to_string).collect();
        assert_eq!(
            names,
            [
                "dial tone",
                "stutter dial tone",
                "ringback tone",
                "busy tone",
                "congestion (reorder) tone",
                "call-waiting tone",
                "confirmation tone",
                "off-hook warning (howler) tone",
            ]
        );
    }

    #[test]
    fn spec_display_shows_modulation_and_pattern() {
        let cadence = Cadence::fixed(&[(1000, 2000)]);
        let spec =
            ToneSpec::new(&[400.0], -10.0, TonePattern::Repeating(cadence), "test").modulated(16.0);
        assert_eq!(
            spec.to_string(),
            "400×16 Hz at -10 dBm0, 1 s on, 2 s off, repeating"
        );
        let stutter = ToneSpec::new(
            &[350.0, 440.0],
            -13.0,
            TonePattern::BurstsThenSteady {
                cadence: Cadence::fixed(&[(100, 100)]),
                cycles: 10,
            },
            "test",
        );
        assert_eq!(
            stutter.to_string(),
            "350+440 Hz at -13 dBm0, 10 × (0.1 s on, 0.1 s off) then steady"
        );
    }
}

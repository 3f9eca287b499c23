//! On/off cadences for ringing and call-progress tones.

use std::fmt;
use std::time::Duration;

use crate::line::Country;

/// The most (on, off) segments one cadence may have. The longest standard
/// cadences (UK double ring, the distinctive rings of RFC 3660 `r1`–`r7`)
/// need two or three.
pub const MAX_CADENCE_SEGMENTS: usize = 8;

/// The longest single on or off period. No tone or ring standard comes
/// close; the bound keeps a corrupt configuration from stalling a line.
pub const MAX_CADENCE_PERIOD: Duration = Duration::from_secs(60);

/// Why a cadence was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CadenceError {
    /// No segments at all.
    #[error("a cadence needs at least one (on, off) segment")]
    Empty,
    /// More than [`MAX_CADENCE_SEGMENTS`] segments.
    #[error("a cadence has at most {MAX_CADENCE_SEGMENTS} segments, not {0}")]
    TooManySegments(usize),
    /// A segment whose on and off periods are both zero.
    #[error("cadence segment {0} has zero length")]
    ZeroLengthSegment(usize),
    /// A period longer than [`MAX_CADENCE_PERIOD`].
    #[error("cadence segment {0} has a period longer than 60 s")]
    PeriodTooLong(usize),
    /// Every on period is zero: the cadence would never sound.
    #[error("a cadence must sound at some point (every on period is zero)")]
    Silent,
}

/// A repeating pattern of (on, off) periods: the ring of a bell or the
/// interruption of a tone. The whole list repeats until stopped.
///
/// Built only through validating constructors, so every `Cadence` has 1 to
/// [`MAX_CADENCE_SEGMENTS`] segments, no zero-length segment, no period
/// over [`MAX_CADENCE_PERIOD`], and some on time.
///
/// ```
/// use std::time::Duration;
/// use openphone_hal::line::{Cadence, Country};
///
/// let uk = Cadence::ring(Country::Uk);
/// assert_eq!(uk.to_string(), "UK: 0.4 s on, 0.2 s off, 0.4 s on, 2 s off");
/// assert_eq!(uk.cycle(), Duration::from_millis(3000));
/// assert!(uk.is_on_at(Duration::from_millis(700)));   // in the second burst
/// assert!(!uk.is_on_at(Duration::from_millis(1500)));  // in the long pause
///
/// let custom = Cadence::from_millis(&[(300, 200), (300, 3200)])?;
/// assert_eq!(custom.segments().len(), 2);
/// assert!(Cadence::from_millis(&[(0, 0)]).is_err());
/// # Ok::<(), openphone_hal::line::CadenceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cadence {
    segments: Vec<(Duration, Duration)>,
    /// The country whose standard ring this is, for display.
    country: Option<Country>,
}

impl Cadence {
    /// A cadence from (on, off) segments, checked as described on the type.
    pub fn new(segments: &[(Duration, Duration)]) -> Result<Self, CadenceError> {
        if segments.is_empty() {
            return Err(CadenceError::Empty);
        }
        if segments.len() > MAX_CADENCE_SEGMENTS {
            return Err(CadenceError::TooManySegments(segments.len()));
        }
        for (i, &(on, off)) in segments.iter().enumerate() {
            if on.is_zero() && off.is_zero() {
                return Err(CadenceError::ZeroLengthSegment(i));
            }
            if on > MAX_CADENCE_PERIOD || off > MAX_CADENCE_PERIOD {
                return Err(CadenceError::PeriodTooLong(i));
            }
        }
        if segments.iter().all(|(on, _)| on.is_zero()) {
            return Err(CadenceError::Silent);
        }
        Ok(Cadence {
            segments: segments.to_vec(),
            country: None,
        })
    }

    /// [`Cadence::new`] with periods in milliseconds.
    pub fn from_millis(segments: &[(u32, u32)]) -> Result<Self, CadenceError> {
        if segments.len() > MAX_CADENCE_SEGMENTS {
            return Err(CadenceError::TooManySegments(segments.len()));
        }
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        let converted: Vec<_> = segments
            .iter()
            .map(|&(on, off)| (ms(on), ms(off)))
            .collect();
        Cadence::new(&converted)
    }

    /// The standard ringing (bell) cadence of `country`:
    ///
    /// | country | cadence | source |
    /// |---|---|---|
    /// | US | 2 s on, 4 s off | Telcordia GR-506 / ANSI T1.401 |
    /// | UK | 0.4 on, 0.2 off, 0.4 on, 2 off | BT SIN 350 (same as its ringing tone) |
    /// | DE | 1 s on, 4 s off | Telekom 1 TR 110 (same as its ringing tone) |
    /// | FR | 1.5 s on, 3.5 s off | France Télécom (same as its ringing tone) |
    /// | JP | 1 s on, 2 s off | NTT (same as its ringing tone) |
    ///
    /// Each matches the country's ringing-tone cadence in ITU-T E.180
    /// Supplement 2, so the caller hears ringback in step with the bell.
    pub fn ring(country: Country) -> Cadence {
        let ms = Duration::from_millis;
        let segments = match country {
            Country::Us => vec![(ms(2000), ms(4000))],
            Country::Uk => vec![(ms(400), ms(200)), (ms(400), ms(2000))],
            Country::De => vec![(ms(1000), ms(4000))],
            Country::Fr => vec![(ms(1500), ms(3500))],
            Country::Jp => vec![(ms(1000), ms(2000))],
        };
        Cadence {
            segments,
            country: Some(country),
        }
    }

    /// A cadence from built-in constant tables (tone plans); the tables are
    /// checked by the tone-plan tests, so this skips the run-time checks.
    pub(crate) fn fixed(segments: &[(u64, u64)]) -> Cadence {
        let ms = Duration::from_millis;
        Cadence {
            segments: segments
                .iter()
                .map(|&(on, off)| (ms(on), ms(off)))
                .collect(),
            country: None,
        }
    }

    /// The (on, off) segments, in playing order.
    pub fn segments(&self) -> &[(Duration, Duration)] {
        &self.segments
    }

    /// The country whose standard ring this is, if it came from
    /// [`Cadence::ring`].
    pub fn country(&self) -> Option<Country> {
        self.country
    }

    /// The length of one full cycle (all segments once).
    pub fn cycle(&self) -> Duration {
        self.segments.iter().map(|(on, off)| *on + *off).sum()
    }

    /// Whether the ringer or tone sounds `elapsed` after the cadence
    /// started (the pattern repeats forever).
    pub fn is_on_at(&self, elapsed: Duration) -> bool {
        let cycle = self.cycle().as_nanos();
        if cycle == 0 {
            return false;
        }
        let mut t = elapsed.as_nanos() % cycle;
        for (on, off) in &self.segments {
            let (on, off) = (on.as_nanos(), off.as_nanos());
            if t < on {
                return true;
            }
            t -= on;
            if t < off {
                return false;
            }
            t -= off;
        }
        false
    }
}

/// Prints a duration as seconds without trailing zeros: `2 s`, `0.375 s`.
pub(crate) fn fmt_seconds(d: Duration, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let ms = d.as_millis();
    let (secs, frac) = (ms / 1000, ms % 1000);
    if frac == 0 {
        write!(f, "{secs} s")
    } else {
        let frac = format!("{frac:03}");
        write!(f, "{secs}.{} s", frac.trim_end_matches('0'))
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(country) = self.country {
            write!(f, "{country}: ")?;
        }
        for (i, (on, off)) in self.segments.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            fmt_seconds(*on, f)?;
            f.write_str(" on, ")?;
            fmt_seconds(*off, f)?;
            f.write_str(" off")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn validation_rejects_bad_cadences() {
        assert_eq!(Cadence::new(&[]), Err(CadenceError::Empty));
        assert_eq!(
            Cadence::from_millis(&[(100, 100); 9]),
            Err(CadenceError::TooManySegments(9))
        );
        assert_eq!(
            Cadence::from_millis(&[(100, 100), (0, 0)]),
            Err(CadenceError::ZeroLengthSegment(1))
        );
        assert_eq!(
            Cadence::from_millis(&[(0, 100), (0, 200)]),
            Err(CadenceError::Silent)
        );
        assert_eq!(
            Cadence::from_millis(&[(100, 60_001)]),
            Err(CadenceError::PeriodTooLong(0))
        );
    }

    #[test]
    fn validation_accepts_edge_cases() {
        assert!(Cadence::from_millis(&[(100, 100); 8]).is_ok());
        // A continuous "cadence" (no off time) and a leading pause are fine.
        assert!(Cadence::from_millis(&[(1000, 0)]).is_ok());
        assert!(Cadence::from_millis(&[(0, 500), (500, 500)]).is_ok());
        assert!(Cadence::from_millis(&[(60_000, 60_000)]).is_ok());
    }

    #[test]
    fn ring_cadences_are_valid_and_labelled() {
        for c in Country::ALL {
            let ring = Cadence::ring(c);
            let checked = Cadence::new(ring.segments()).expect("standard ring is valid");
            assert_eq!(checked.segments(), ring.segments());
            assert_eq!(ring.country(), Some(c));
            assert!(ring.to_string().starts_with(&format!("{c}: ")));
        }
        assert_eq!(
            Cadence::ring(Country::Us).to_string(),
            "US: 2 s on, 4 s off"
        );
        assert_eq!(
            Cadence::ring(Country::Fr).to_string(),
            "FR: 1.5 s on, 3.5 s off"
        );
    }

    #[test]
    fn display_trims_fractions() {
        let c = Cadence::from_millis(&[(375, 375), (1250, 50)]).expect("valid");
        assert_eq!(
            c.to_string(),
            "0.375 s on, 0.375 s off, 1.25 s on, 0.05 s off"
        );
    }

    #[test]
    fn is_on_at_follows_the_pattern_and_repeats() {
        let de = Cadence::ring(Country::De);
        assert!(de.is_on_at(MS(0)));
        assert!(de.is_on_at(MS(999)));
        assert!(!de.is_on_at(MS(1000)));
        assert!(!de.is_on_at(MS(4999)));
        assert!(de.is_on_at(MS(5000)));
        assert!(de.is_on_at(MS(5000 * 1000 + 10)));
        let lead_pause = Cadence::from_millis(&[(0, 500), (500, 500)]).expect("valid");
        assert!(!lead_pause.is_on_at(MS(0)));
        assert!(lead_pause.is_on_at(MS(600)));
    }
}

//! Gains in decibels applied in fixed point, and the final saturation.
//!
//! A gain is a Q16 integer factor; products are formed in `i64`, so no
//! gain within range can overflow a sample or a mix sum. 0 dB is exactly
//! 65 536 and leaves samples bit-exact.

use crate::mixer::MixerError;

/// Lowest gain in dB; lower values are raised to it (about −96 dB is the
/// floor of 16-bit audio, below it a party is silent; use mute for that).
pub const MIN_GAIN_DB: f32 = -96.0;
/// Highest gain in dB; higher values are lowered to it. With it, the sum of
/// [`MAX_PARTIES`](crate::mixer::MAX_PARTIES) full-scale parties still fits
/// an `i32` (256 × 32 768 × 10^(24/20) ≈ 1.3·10⁸).
pub const MAX_GAIN_DB: f32 = 24.0;

const ONE: i64 = 1 << 16;

/// A linear gain factor in Q16.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Gain(i64);

impl Gain {
    pub(crate) const UNITY: Gain = Gain(ONE);

    /// The factor for `db` decibels, clamped to
    /// [`MIN_GAIN_DB`]..=[`MAX_GAIN_DB`].
    pub(crate) fn from_db(db: f32) -> Result<Gain, MixerError> {
        if !db.is_finite() {
            return Err(MixerError::InvalidGain(db));
        }
        let db = f64::from(db.clamp(MIN_GAIN_DB, MAX_GAIN_DB));
        Ok(Gain((10f64.powf(db / 20.0) * ONE as f64).round() as i64))
    }

    /// The product of two gains (e.g. a listener's volume and the master).
    pub(crate) fn then(self, other: Gain) -> Gain {
        Gain((self.0 * other.0 + ONE / 2) >> 16)
    }

    /// `x` scaled, rounded to nearest. Exact at unity.
    #[inline]
    pub(crate) fn apply(self, x: i32) -> i64 {
        if self.0 == ONE {
            i64::from(x)
        } else {
            (i64::from(x) * self.0 + ONE / 2) >> 16
        }
    }

    /// The factor as a float (for tones, which are generated in float).
    pub(crate) fn linear(self) -> f64 {
        self.0 as f64 / ONE as f64
    }
}

/// Clamps a sum to the 16-bit range: full-scale overloads clip, never wrap.
#[inline]
pub(crate) fn saturate(x: i64) -> i16 {
    x.clamp(i64::from(i16::MIN), i64::from(i16::MAX)) as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unity_is_exact_and_db_maps_to_linear() {
        let g = Gain::from_db(0.0).unwrap();
        assert_eq!(g, Gain::UNITY);
        for x in [i32::from(i16::MIN), -1, 0, 1, i32::from(i16::MAX)] {
            assert_eq!(g.apply(x), i64::from(x));
        }
        let minus6 = Gain::from_db(-6.0206).unwrap();
        assert_eq!(minus6.apply(20_000), 10_000);
        let plus6 = Gain::from_db(6.0206).unwrap();
        assert_eq!(plus6.apply(-10_000), -20_000);
        assert!((plus6.then(minus6).linear() - 1.0).abs() < 1e-4);
    }

    #[test]
    fn out_of_range_gains_clamp_and_nan_is_refused() {
        assert_eq!(Gain::from_db(100.0), Gain::from_db(MAX_GAIN_DB));
        assert_eq!(Gain::from_db(-1000.0), Gain::from_db(MIN_GAIN_DB));
        assert!(Gain::from_db(f32::NAN).is_err());
        assert!(Gain::from_db(f32::INFINITY).is_err());
        // The largest product cannot overflow the i64 path.
        let max = Gain::from_db(MAX_GAIN_DB).unwrap();
        let big = max.then(max).apply(i32::MAX);
        assert!(big > i64::from(i32::MAX));
        assert_eq!(saturate(big), i16::MAX);
        assert_eq!(saturate(-big), i16::MIN);
    }
}

//! The Recommendation's 11-bit floating-point format (sign, 4-bit exponent,
//! 6-bit mantissa) in which the predictor keeps its delayed signals, and the
//! multiplier FMULT that works in it.
//!
//! The predictor's output must be reproduced bit for bit, so these blocks
//! follow section 4.2 (FLOATA, FLOATB, FMULT) exactly, including the quirk
//! that a zero magnitude is stored with mantissa 32 (i.e. as 1/2).

/// One delayed sample in 11-bit floating point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Float11 {
    /// Sign bit (1 = negative).
    pub sign: u8,
    /// Exponent, 0..=15.
    pub exp: u8,
    /// Mantissa, 32..=63 (32 also for a zero magnitude).
    pub mant: u8,
}

impl Float11 {
    /// The reset value of every delay element (magnitude 0 written as mantissa 32).
    pub const RESET: Float11 = Float11 {
        sign: 0,
        exp: 0,
        mant: 32,
    };

    /// Converts a sign and 15-bit magnitude (FLOATA for `DQ`, FLOATB for `SR`
    /// once its two's complement has been split).
    #[inline]
    pub fn from_sign_mag(sign: bool, mag: u32) -> Float11 {
        let mag = mag & 0x7FFF;
        // EXP = number of significant bits of MAG.
        let exp = 32 - mag.leading_zeros();
        let mant = if mag == 0 { 32 } else { (mag << 6) >> exp };
        Float11 {
            sign: u8::from(sign),
            exp: exp as u8,
            mant: mant as u8,
        }
    }

    /// FLOATB: converts `SR` (16-bit two's complement).
    #[inline]
    pub fn from_tc(sr: i32) -> Float11 {
        // (65536 - SR) & 32767 for negatives: -32768 gives magnitude 0.
        Float11::from_sign_mag(sr < 0, sr.unsigned_abs())
    }
}

/// FMULT: multiplies a predictor coefficient `an` (16-bit two's complement,
/// 14 fractional bits) by a delayed signal, giving `WAn` as a 16-bit two's
/// complement value.
#[inline]
pub(crate) fn fmult(an: i32, s: Float11) -> i32 {
    // AnMAG: 13-bit magnitude of An >> 2 (arithmetic).
    let an_mag = ((an >> 2).unsigned_abs()) & 8191;
    let an_exp = 32 - an_mag.leading_zeros();
    // Mantissa, or 32 for a zero magnitude (written without branches: the
    // shifted value is 0 exactly when the magnitude is).
    let an_mant = ((an_mag << 6) >> an_exp) | (u32::from(an_mag == 0) << 5);
    let wa_exp = u32::from(s.exp) + an_exp;
    let wa_mant = (u32::from(s.mant) * an_mant + 48) >> 4;
    // WAnMAG: (WAnMANT << 7) >> (26 - WAnEXP), or shifted left and masked
    // to 15 bits when WAnEXP > 26. WAnEXP <= 15 + 13 = 28, so one right
    // shift of (WAnMANT << 9) covers both cases (the mask is a no-op for
    // WAnEXP <= 26, where the value is below 2^15).
    let wa_mag = (((wa_mant << 9) >> (28 - wa_exp)) & 32767) as i32;
    // Conditional negation by the sign XOR.
    let neg = -(i32::from(s.sign) ^ i32::from(an < 0));
    (wa_mag ^ neg) - neg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_format_normalizes_the_mantissa() {
        let f = Float11::from_sign_mag(false, 1);
        assert_eq!((f.exp, f.mant), (1, 32));
        let f = Float11::from_sign_mag(true, 0x7FFF);
        assert_eq!((f.sign, f.exp, f.mant), (1, 15, 63));
        assert_eq!(Float11::from_sign_mag(false, 0), Float11::RESET);
        // FLOATB of -32768 has magnitude 0 in 15 bits.
        let f = Float11::from_tc(-32768);
        assert_eq!((f.sign, f.exp, f.mant), (1, 0, 32));
    }

    #[test]
    fn fmult_approximates_the_product() {
        // a = 0.5 (8192 in Q14), s = 1000 -> about 500 * 2 (WAn carries one
        // extra fractional bit that ACCUM removes).
        let w = fmult(8192, Float11::from_sign_mag(false, 1000));
        assert!((950..=1050).contains(&w), "{w}");
        let w = fmult(-8192, Float11::from_sign_mag(false, 1000));
        assert!((-1050..=-950).contains(&w), "{w}");
        let w = fmult(-8192, Float11::from_sign_mag(true, 1000));
        assert!((950..=1050).contains(&w), "{w}");
    }
}

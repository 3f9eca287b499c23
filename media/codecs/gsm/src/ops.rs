//! The basic fixed-point operators of GSM 06.10 §4.1 (table 4.1).
//!
//! Every arithmetic step of the codec is expressed with these so that the
//! output is bit-exact with the standard: 16-bit values saturate, products
//! are Q15, and 32-bit sums saturate.

/// 16-bit saturating addition (`add`).
#[inline(always)]
pub(crate) fn add(a: i16, b: i16) -> i16 {
    a.saturating_add(b)
}

/// 16-bit saturating subtraction (`sub`).
#[inline(always)]
pub(crate) fn sub(a: i16, b: i16) -> i16 {
    a.saturating_sub(b)
}

/// Q15 multiplication, truncating (`mult`); `mult(-32768, -32768) = 32767`.
#[inline(always)]
pub(crate) fn mult(a: i16, b: i16) -> i16 {
    // Only -32768 * -32768 exceeds the range; a branch-free clamp covers it.
    ((a as i32 * b as i32) >> 15).min(i16::MAX as i32) as i16
}

/// Q15 multiplication with rounding (`mult_r`); `mult_r(-32768, -32768) = 32767`.
#[inline(always)]
pub(crate) fn mult_r(a: i16, b: i16) -> i16 {
    // As in `mult`, the clamp only ever acts on -32768 * -32768.
    ((a as i32 * b as i32 + 16384) >> 15).min(i16::MAX as i32) as i16
}

/// Absolute value with `abs(-32768) = 32767`.
#[inline(always)]
pub(crate) fn abs(a: i16) -> i16 {
    a.saturating_abs()
}

/// 32-bit product of two 16-bit values, doubled (`L_mult`).
///
/// The only overflowing case, `-32768 * -32768`, saturates.
#[inline(always)]
pub(crate) fn l_mult(a: i16, b: i16) -> i32 {
    (a as i32 * b as i32).saturating_mul(2)
}

/// 32-bit saturating addition (`L_add`).
#[inline(always)]
pub(crate) fn l_add(a: i32, b: i32) -> i32 {
    a.saturating_add(b)
}

/// Number of left shifts that normalise a non-zero 32-bit value so that its
/// magnitude lies in `[2^30, 2^31)` (`norm`). Zero gives 0 here; callers
/// never pass it.
#[inline(always)]
pub(crate) fn norm(a: i32) -> i16 {
    if a == 0 {
        0
    } else if a < 0 {
        // Leading ones minus the sign bit.
        (!a).leading_zeros() as i16 - 1
    } else {
        a.leading_zeros() as i16 - 1
    }
}

/// Q15 division `num / denum` for `0 <= num <= denum`, `denum > 0` (`div`),
/// computed bit by bit as the standard specifies (15 quotient bits).
#[inline]
pub(crate) fn div(num: i16, denum: i16) -> i16 {
    if num == 0 || denum <= 0 {
        return 0;
    }
    let mut l_num = num as i32;
    let l_denum = denum as i32;
    let mut div: i16 = 0;
    for _ in 0..15 {
        div <<= 1;
        l_num <<= 1;
        if l_num >= l_denum {
            l_num -= l_denum;
            div += 1;
        }
    }
    div
}

/// Arithmetic shift right of a 16-bit value by a count that may be negative
/// (a negative count shifts left), as the standard's `>>` allows.
#[inline(always)]
pub(crate) fn shr(a: i16, n: i16) -> i16 {
    if n >= 16 {
        if a < 0 {
            -1
        } else {
            0
        }
    } else if n >= 0 {
        a >> n
    } else if n > -16 {
        ((a as i32) << (-n)) as i16
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturation() {
        assert_eq!(add(32000, 1000), 32767);
        assert_eq!(sub(-32000, 1000), -32768);
        assert_eq!(mult(-32768, -32768), 32767);
        assert_eq!(mult_r(-32768, -32768), 32767);
        assert_eq!(mult_r(16384, 3), 2);
        assert_eq!(mult_r(-32768, 32767), -32767);
        assert_eq!(mult(-32768, 32767), -32767);
        assert_eq!(mult(-1, 1), -1);
        assert_eq!(abs(-32768), 32767);
        assert_eq!(l_mult(-32768, -32768), i32::MAX);
        assert_eq!(l_add(i32::MAX, 1), i32::MAX);
    }

    #[test]
    fn norm_matches_definition() {
        assert_eq!(norm(1), 30);
        assert_eq!(norm(0x4000_0000), 0);
        assert_eq!(norm(-1), 31);
        assert_eq!(norm(-0x4000_0000), 1);
        assert_eq!(norm(-0x4000_0001), 0);
        assert_eq!(norm(i32::MIN), 0);
        assert_eq!(norm(32767 << 16), 0);
        assert_eq!(norm(1 << 16), 14);
    }

    #[test]
    fn division() {
        assert_eq!(div(1, 2), 16384);
        assert_eq!(div(5, 5), 32767);
        assert_eq!(div(0, 5), 0);
        assert_eq!(div(1, 3), 10922);
    }
}

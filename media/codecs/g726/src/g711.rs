//! The G.711 conversions G.726 needs for its A-law and µ-law interfaces
//! (blocks EXPAND, COMPRESS and the SYNC block's neighbouring PCM levels),
//! written from ITU-T G.711 (segment/mantissa encoding, even-bit inversion
//! for A-law, all-bit inversion for µ-law).

/// Which G.711 law the PCM side of the coder uses.
///
/// ```
/// use openphone_g726::G711Law;
/// assert_ne!(G711Law::ALaw, G711Law::ULaw);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G711Law {
    /// µ-law (North America, Japan); the uniform signal has 14 bits.
    ULaw,
    /// A-law (Europe and most of the world); the uniform signal has 13 bits.
    ALaw,
}

impl G711Law {
    /// EXPAND: a G.711 octet to 16-bit linear (14 or 13 significant bits).
    #[inline]
    pub fn to_linear(self, code: u8) -> i16 {
        match self {
            G711Law::ULaw => {
                let c = !code;
                let exp = u32::from((c >> 4) & 7);
                let mant = i32::from(c & 15);
                // Decoder output levels ((2m + 33) * 2^e - 33), 14-bit units.
                let mag = (((mant << 1) + 33) << exp) - 33;
                let v = mag << 2;
                (if c & 0x80 != 0 { -v } else { v }) as i16
            }
            G711Law::ALaw => {
                let c = code ^ 0x55;
                let exp = u32::from((c >> 4) & 7);
                let mant = i32::from(c & 15);
                // Mid-interval levels, 13-bit units.
                let mag = if exp == 0 {
                    (mant << 1) + 1
                } else {
                    ((mant << 1) + 33) << (exp - 1)
                };
                let v = mag << 3;
                (if c & 0x80 != 0 { v } else { -v }) as i16
            }
        }
    }

    /// COMPRESS: 16-bit linear to a G.711 octet.
    ///
    /// µ-law takes the sign-magnitude of the input, A-law the ones'
    /// complement magnitude of negative inputs (`-x - 1`); the two differ
    /// only for inputs exactly on a decision level, and these are the
    /// choices with which G.726's synchronous coding adjustment reproduces
    /// the reference (spandsp) output.
    #[inline]
    pub fn from_linear(self, x: i16) -> u8 {
        let x = i32::from(x);
        match self {
            G711Law::ULaw => {
                let (positive, mag) = if x < 0 { (false, -x) } else { (true, x) };
                let biased = ((mag >> 2) + 33).min(0x1FFF);
                // Segment: bit length of the value above bit 5 (0..=7).
                let seg = (32 - (biased as u32 >> 6).leading_zeros()) as i32;
                let low = 0x0F - ((biased >> (seg + 1)) & 0x0F);
                let code = (((7 - seg) << 4) | low) as u8;
                if positive {
                    code | 0x80
                } else {
                    code
                }
            }
            G711Law::ALaw => {
                let (positive, mag) = if x < 0 { (false, !x) } else { (true, x) };
                let mut ix = mag >> 4;
                if ix > 15 {
                    let mut exp = 1;
                    while ix > 16 + 15 {
                        ix >>= 1;
                        exp += 1;
                    }
                    ix = ix - 16 + (exp << 4);
                }
                let code = (ix as u8) | if positive { 0x80 } else { 0 };
                code ^ 0x55
            }
        }
    }

    /// The code of the next more negative output level (SYNC), or `code`
    /// itself at the most negative level; the two zeros of µ-law count as
    /// one level.
    #[inline]
    pub fn next_lower(self, code: u8) -> u8 {
        match self {
            G711Law::ULaw => match code {
                0xFF => 0x7E,
                0x80..=0xFE => code + 1,
                0x00 => 0x00,
                _ => code - 1,
            },
            G711Law::ALaw => {
                let c = code ^ 0x55;
                let next = match c {
                    0x80 => 0x00,
                    0x81..=0xFF => c - 1,
                    0x7F => 0x7F,
                    _ => c + 1,
                };
                next ^ 0x55
            }
        }
    }

    /// The code of the next more positive output level (SYNC), or `code`
    /// itself at the most positive level.
    #[inline]
    pub fn next_higher(self, code: u8) -> u8 {
        match self {
            G711Law::ULaw => match code {
                0x7F => 0xFE,
                0x00..=0x7E => code + 1,
                0x80 => 0x80,
                _ => code - 1,
            },
            G711Law::ALaw => {
                let c = code ^ 0x55;
                let next = match c {
                    0x00 => 0x80,
                    0x01..=0x7F => c - 1,
                    0xFF => 0xFF,
                    _ => c + 1,
                };
                next ^ 0x55
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_then_compress_is_identity() {
        for law in [G711Law::ULaw, G711Law::ALaw] {
            for code in 0..=255u8 {
                let back = law.from_linear(law.to_linear(code));
                // µ-law's negative zero compresses to positive zero.
                if law == G711Law::ULaw && code == 0x7F {
                    assert_eq!(back, 0xFF);
                } else {
                    assert_eq!(back, code, "{law:?} {code:#04x}");
                }
            }
        }
    }

    #[test]
    fn neighbours_are_monotonic() {
        for law in [G711Law::ULaw, G711Law::ALaw] {
            for code in 0..=255u8 {
                let v = law.to_linear(code);
                let lo = law.to_linear(law.next_lower(code));
                let hi = law.to_linear(law.next_higher(code));
                assert!(lo <= v && v <= hi, "{law:?} {code:#04x}");
            }
        }
        // The extremes stay put.
        assert_eq!(G711Law::ULaw.next_higher(0x80), 0x80);
        assert_eq!(G711Law::ULaw.next_lower(0x00), 0x00);
        assert_eq!(G711Law::ALaw.next_higher(0xAA), 0xAA);
        assert_eq!(G711Law::ALaw.next_lower(0x2A), 0x2A);
    }
}

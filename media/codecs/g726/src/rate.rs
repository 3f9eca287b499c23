//! The four G.726 bit rates and their per-rate quantizer tables.
//!
//! Every number here is a value of the Recommendation, in the fixed-point
//! units of its section 4 ("Computational details"):
//! * quantizer decision levels and reconstruction levels are in the log
//!   domain of block LOG, 128 units per octave (`DLN`, `DQLN`);
//! * `W(I)` (block FUNCTW) is the scale factor multiplier in units of 1/16;
//! * `F(I)` (block FUNCTF) is the 3-bit adaptation speed function.

/// A G.726 bit rate; it fixes the codeword size (2 to 5 bits per sample).
///
/// ```
/// use openphone_g726::G726Rate;
/// assert_eq!(G726Rate::Kbps24.bits_per_sample(), 3);
/// assert_eq!(G726Rate::from_kbps(40), Some(G726Rate::Kbps40));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G726Rate {
    /// 16 kbit/s, 2-bit codewords.
    Kbps16,
    /// 24 kbit/s, 3-bit codewords.
    Kbps24,
    /// 32 kbit/s, 4-bit codewords (the former G.721).
    Kbps32,
    /// 40 kbit/s, 5-bit codewords.
    Kbps40,
}

impl G726Rate {
    /// All rates, slowest first.
    pub const ALL: [G726Rate; 4] = [Self::Kbps16, Self::Kbps24, Self::Kbps32, Self::Kbps40];

    /// The rate for a bit rate in kbit/s (16, 24, 32 or 40).
    pub fn from_kbps(kbps: u32) -> Option<Self> {
        match kbps {
            16 => Some(Self::Kbps16),
            24 => Some(Self::Kbps24),
            32 => Some(Self::Kbps32),
            40 => Some(Self::Kbps40),
            _ => None,
        }
    }

    /// The bit rate in kbit/s.
    pub fn kbps(self) -> u32 {
        self.bits_per_sample() * 8
    }

    /// Bits in one codeword.
    pub fn bits_per_sample(self) -> u32 {
        match self {
            Self::Kbps16 => 2,
            Self::Kbps24 => 3,
            Self::Kbps32 => 4,
            Self::Kbps40 => 5,
        }
    }

    /// Samples in the smallest whole-octet group of codewords (8 bits' worth
    /// of codewords rounded up to whole octets): 4, 8, 2 and 8.
    pub fn samples_per_group(self) -> usize {
        match self {
            Self::Kbps16 => 4,
            Self::Kbps24 => 8,
            Self::Kbps32 => 2,
            Self::Kbps40 => 8,
        }
    }

    /// Octets in one such group: 1, 3, 1 and 5.
    pub fn bytes_per_group(self) -> usize {
        match self {
            Self::Kbps16 => 1,
            Self::Kbps24 => 3,
            Self::Kbps32 => 1,
            Self::Kbps40 => 5,
        }
    }

    pub(crate) fn tables(self) -> &'static RateTables {
        match self {
            Self::Kbps16 => &T16,
            Self::Kbps24 => &T24,
            Self::Kbps32 => &T32,
            Self::Kbps40 => &T40,
        }
    }
}

/// The per-rate constants of blocks QUAN, RECONST, FUNCTW, FUNCTF and UPB.
#[derive(Debug)]
pub(crate) struct RateTables {
    /// Lower edges of the decision intervals `|I| = 1, 2, …` in `DLN` units.
    pub decision: &'static [i32],
    /// `2^bits - 1`: mask of a codeword, and the codeword of the negative
    /// "1's complement" mapping.
    pub mask: u8,
    /// True where the positive lowest interval maps to the all-ones
    /// codeword (the quantizers with an odd number of levels: 24, 32 and
    /// 40 kbit/s); the 16 kbit/s quantizer has no zero level.
    pub zero_to_mask: bool,
    /// `DQLN` for each codeword `I` (block RECONST).
    pub dqln: &'static [i32],
    /// `W(I)` × 16 for each codeword (block FUNCTW).
    pub wi: &'static [i32],
    /// `F(I)` for each codeword (block FUNCTF).
    pub fi: &'static [i32],
    /// Leak shift of block UPB: the zeros decay by 2^-8, or 2^-9 at 40 kbit/s.
    pub b_leak_shift: u32,
}

/// Tables 11/G.726 (16 kbit/s).
static T16: RateTables = RateTables {
    decision: &[261],
    mask: 3,
    zero_to_mask: false,
    dqln: &[116, 365, 365, 116],
    wi: &[-22, 439, 439, -22],
    fi: &[0, 7, 7, 0],
    b_leak_shift: 8,
};

/// Tables 9/G.726 (24 kbit/s).
static T24: RateTables = RateTables {
    decision: &[8, 218, 331],
    mask: 7,
    zero_to_mask: true,
    dqln: &[-2048, 135, 273, 373, 373, 273, 135, -2048],
    wi: &[-4, 30, 137, 582, 582, 137, 30, -4],
    fi: &[0, 1, 2, 7, 7, 2, 1, 0],
    b_leak_shift: 8,
};

/// Tables 7/G.726 (32 kbit/s).
static T32: RateTables = RateTables {
    decision: &[-124, 80, 178, 246, 300, 349, 400],
    mask: 15,
    zero_to_mask: true,
    dqln: &[
        -2048, 4, 135, 213, 273, 323, 373, 425, 425, 373, 323, 273, 213, 135, 4, -2048,
    ],
    wi: &[
        -12, 18, 41, 64, 112, 198, 355, 1122, 1122, 355, 198, 112, 64, 41, 18, -12,
    ],
    fi: &[0, 0, 0, 1, 1, 1, 3, 7, 7, 3, 1, 1, 1, 0, 0, 0],
    b_leak_shift: 8,
};

/// Tables 13/G.726 (40 kbit/s).
static T40: RateTables = RateTables {
    decision: &[
        -122, -16, 68, 139, 198, 250, 298, 339, 378, 413, 445, 475, 502, 528, 553,
    ],
    mask: 31,
    zero_to_mask: true,
    dqln: &[
        -2048, -66, 28, 104, 169, 224, 274, 318, 358, 395, 429, 459, 488, 514, 539, 566, 566, 539,
        514, 488, 459, 429, 395, 358, 318, 274, 224, 169, 104, 28, -66, -2048,
    ],
    wi: &[
        14, 14, 24, 39, 40, 41, 58, 100, 141, 179, 219, 280, 358, 440, 529, 696, 696, 529, 440,
        358, 280, 219, 179, 141, 100, 58, 41, 40, 39, 24, 14, 14,
    ],
    fi: &[
        0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 0, 0, 0,
        0, 0,
    ],
    b_leak_shift: 9,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_one_entry_per_codeword() {
        for rate in G726Rate::ALL {
            let t = rate.tables();
            let n = 1usize << rate.bits_per_sample();
            assert_eq!(t.dqln.len(), n, "{rate:?}");
            assert_eq!(t.wi.len(), n, "{rate:?}");
            assert_eq!(t.fi.len(), n, "{rate:?}");
            assert_eq!(usize::from(t.mask) + 1, n);
            // Decision levels strictly increase.
            assert!(t.decision.windows(2).all(|w| w[0] < w[1]));
            // One group is whole octets.
            let bits = rate.samples_per_group() as u32 * rate.bits_per_sample();
            assert_eq!(bits as usize, rate.bytes_per_group() * 8);
        }
    }
}

//! Case-blind compares against constant lowercase names (header and
//! parameter names), folded at compile time into word compares.

/// A lowercase name (letters and `-`: a header or parameter name)
/// prepared for a case-blind compare as at most three overlapping words
/// with their case-bit masks.
/// Built in a `const`, the compare of a received name is a length test
/// and one to three word compares.
pub(crate) struct Folded {
    len: usize,
    size: usize,
    count: usize,
    at: [usize; 3],
    fold: [u64; 3],
    word: [u64; 3],
}

impl Folded {
    pub(crate) const fn new(lower: &[u8]) -> Folded {
        let len = lower.len();
        let size = if len >= 8 {
            8
        } else if len >= 4 {
            4
        } else {
            1
        };
        let count = len.div_ceil(size);
        assert!(count <= 3, "header name too long for three words");
        let mut f = Folded {
            len,
            size,
            count,
            at: [0; 3],
            fold: [0; 3],
            word: [0; 3],
        };
        let mut k = 0;
        while k < count {
            // The last word overlaps the one before it rather than run
            // past the end.
            let at = if size * k + size > len {
                len - size
            } else {
                size * k
            };
            f.at[k] = at;
            let mut j = 0;
            while j < size {
                let c = lower[at + j];
                // Only a letter position may differ by the case bit; `-`
                // and any other byte must match exactly (`\r` | 0x20 would
                // be `-`).
                if c.is_ascii_lowercase() {
                    f.fold[k] |= 0x20 << (8 * j);
                }
                f.word[k] |= (c as u64) << (8 * j);
                j += 1;
            }
            k += 1;
        }
        f
    }

    /// `n` equals the name ignoring ASCII case, exactly as
    /// `to_ascii_lowercase` would compare it.
    #[inline(always)]
    pub(crate) fn matches(&self, n: &[u8]) -> bool {
        if n.len() != self.len {
            return false;
        }
        let mut k = 0;
        while k < self.count {
            let at = self.at[k];
            let rest = n.get(at..).unwrap_or_default();
            let v = match self.size {
                8 => rest.first_chunk::<8>().map(|c| u64::from_le_bytes(*c)),
                4 => rest
                    .first_chunk::<4>()
                    .map(|c| u64::from(u32::from_le_bytes(*c))),
                _ => rest.first().map(|&c| u64::from(c)),
            };
            match v {
                Some(v) if v | self.fold[k] == self.word[k] => {}
                _ => return false,
            }
            k += 1;
        }
        true
    }
}

/// `eq_lower!(n, b"name")`: `n` is that lowercase name in any case.
macro_rules! eq_lower {
    ($n:expr, $lower:literal) => {{
        const F: $crate::message::folded::Folded = $crate::message::folded::Folded::new($lower);
        F.matches($n)
    }};
}
pub(crate) use eq_lower;

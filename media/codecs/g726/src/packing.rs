//! Codeword packing: how consecutive 2- to 5-bit codewords share octets.

use crate::{G726Error, G726Rate};

/// The order in which codewords fill an octet.
///
/// ```
/// use openphone_g726::G726Packing;
/// // Two 4-bit codewords 0x1 then 0x2:
/// assert_eq!(G726Packing::Rfc3551.pack_pair_32(1, 2), 0x21);
/// assert_eq!(G726Packing::Aal2.pack_pair_32(1, 2), 0x12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum G726Packing {
    /// RFC 3551 section 4.5.4 (`G726-16/24/32/40`): the first codeword goes
    /// into the least significant bits of the first octet ("little-endian";
    /// ffmpeg's `g726le`, spandsp's `G726_PACKING_RIGHT`).
    Rfc3551,
    /// ITU-T I.366.2 style (`AAL2-G726-xx`, RFC 3551 section 4.5.4 note):
    /// the first codeword goes into the most significant bits
    /// ("big-endian"; ffmpeg's `g726`, spandsp's `G726_PACKING_LEFT`).
    Aal2,
}

impl G726Packing {
    /// Packs two 32 kbit/s codewords into one octet (a small illustration of
    /// the bit order; the codec packs any rate).
    pub fn pack_pair_32(self, first: u8, second: u8) -> u8 {
        let (first, second) = (first & 15, second & 15);
        match self {
            Self::Rfc3551 => first | (second << 4),
            Self::Aal2 => (first << 4) | second,
        }
    }
}

/// Packs codewords (one per octet, low bits) into `out` for `rate`,
/// returning the number of octets written. Useful to convert between the
/// two packings without decoding.
///
/// ```
/// use openphone_g726::{pack_codewords, unpack_codewords, G726Packing, G726Rate};
/// let codes = [1, 2, 3, 4, 5, 6, 7, 0];
/// let mut aal2 = [0u8; 3];
/// pack_codewords(G726Packing::Aal2, G726Rate::Kbps24, &codes, &mut aal2)?;
/// assert_eq!(aal2, [0b001_010_01, 0b1_100_101_1, 0b10_111_000]);
/// let mut back = [0u8; 8];
/// unpack_codewords(G726Packing::Aal2, G726Rate::Kbps24, &aal2, &mut back)?;
/// assert_eq!(back, codes);
/// # Ok::<(), openphone_g726::G726Error>(())
/// ```
pub fn pack_codewords(
    packing: G726Packing,
    rate: G726Rate,
    codes: &[u8],
    out: &mut [u8],
) -> Result<usize, G726Error> {
    let group = rate.samples_per_group();
    if codes.len() % group != 0 {
        return Err(G726Error::PartialGroup {
            samples: codes.len(),
            group,
        });
    }
    let need = codes.len() / group * rate.bytes_per_group();
    let have = out.len();
    let out = out
        .get_mut(..need)
        .ok_or(G726Error::BufferTooSmall { need, have })?;
    pack(packing, rate.bits_per_sample(), codes, out);
    Ok(need)
}

/// Unpacks a payload into codewords (one per octet) in `out`, returning
/// their number. The payload must be whole codeword groups.
pub fn unpack_codewords(
    packing: G726Packing,
    rate: G726Rate,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, G726Error> {
    let bytes = rate.bytes_per_group();
    if payload.len() % bytes != 0 {
        return Err(G726Error::PartialPayload {
            len: payload.len(),
            group: bytes,
        });
    }
    let need = payload.len() / bytes * rate.samples_per_group();
    let have = out.len();
    let out = out
        .get_mut(..need)
        .ok_or(G726Error::BufferTooSmall { need, have })?;
    let mut slots = out.iter_mut();
    unpack(packing, rate.bits_per_sample(), payload, |c| {
        if let Some(slot) = slots.next() {
            *slot = c;
        }
    });
    Ok(need)
}

/// Packs `codes` (each `bits` wide) into `out`, which must hold exactly
/// `codes.len() * bits / 8` octets; `codes.len() * bits` must be a multiple
/// of 8 (the caller checks both).
#[inline]
pub(crate) fn pack(packing: G726Packing, bits: u32, codes: &[u8], out: &mut [u8]) {
    let mask = (1u32 << bits) - 1;
    let mut acc: u32 = 0;
    let mut nbits: u32 = 0;
    let mut outs = out.iter_mut();
    for &c in codes {
        let c = u32::from(c) & mask;
        match packing {
            G726Packing::Rfc3551 => {
                acc |= c << nbits;
                nbits += bits;
                if nbits >= 8 {
                    if let Some(o) = outs.next() {
                        *o = acc as u8;
                    }
                    acc >>= 8;
                    nbits -= 8;
                }
            }
            G726Packing::Aal2 => {
                acc = (acc << bits) | c;
                nbits += bits;
                if nbits >= 8 {
                    nbits -= 8;
                    if let Some(o) = outs.next() {
                        *o = (acc >> nbits) as u8;
                    }
                    acc &= (1 << nbits) - 1;
                }
            }
        }
    }
}

/// Calls `f` with each codeword of `bytes`, in order; trailing bits that do
/// not form a whole codeword are ignored (the caller rejects such lengths).
#[inline]
pub(crate) fn unpack(packing: G726Packing, bits: u32, bytes: &[u8], mut f: impl FnMut(u8)) {
    let mask = (1u32 << bits) - 1;
    let mut acc: u32 = 0;
    let mut nbits: u32 = 0;
    for &byte in bytes {
        match packing {
            G726Packing::Rfc3551 => {
                acc |= u32::from(byte) << nbits;
                nbits += 8;
                while nbits >= bits {
                    f((acc & mask) as u8);
                    acc >>= bits;
                    nbits -= bits;
                }
            }
            G726Packing::Aal2 => {
                acc = (acc << 8) | u32::from(byte);
                nbits += 8;
                while nbits >= bits {
                    nbits -= bits;
                    f(((acc >> nbits) & mask) as u8);
                }
                acc &= (1 << nbits) - 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3551_24k_puts_first_codeword_in_low_bits() {
        // Codewords 0..8 at 3 bits, LSB first: bit stream 000 100 010 110 ...
        let codes = [1u8, 2, 3, 4, 5, 6, 7, 0];
        let mut out = [0u8; 3];
        pack(G726Packing::Rfc3551, 3, &codes, &mut out);
        let mut v = 0u32;
        for (k, c) in codes.iter().enumerate() {
            v |= u32::from(*c) << (3 * k);
        }
        assert_eq!(out, [v as u8, (v >> 8) as u8, (v >> 16) as u8]);
        let mut back = Vec::new();
        unpack(G726Packing::Rfc3551, 3, &out, |c| back.push(c));
        assert_eq!(back, codes);
    }

    #[test]
    fn aal2_40k_puts_first_codeword_in_high_bits() {
        let codes = [31u8, 0, 1, 2, 3, 4, 5, 6];
        let mut out = [0u8; 5];
        pack(G726Packing::Aal2, 5, &codes, &mut out);
        let mut v = 0u64;
        for c in codes {
            v = (v << 5) | u64::from(c);
        }
        let expect: Vec<u8> = (0..5).rev().map(|k| (v >> (8 * k)) as u8).collect();
        assert_eq!(out.to_vec(), expect);
        let mut back = Vec::new();
        unpack(G726Packing::Aal2, 5, &out, |c| back.push(c));
        assert_eq!(back, codes);
    }
}

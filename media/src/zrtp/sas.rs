//! The short authentication string (RFC 6189 §5.1.6, §7): rendered from
//! the leftmost bits of sashash for the users to compare by voice.

use super::algo::SasType;
use super::pgp_words;

/// z-base-32 alphabet (§5.1.6, "B32 ").
const ZBASE32: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

/// The SAS as shown: B32 renders the leftmost 20 bits of sasvalue as four
/// z-base-32 characters; B256 renders the leftmost 16 bits as two PGP
/// words (even list, then odd list).
pub fn render(sas_type: SasType, sas_hash: &[u8; 32]) -> String {
    match sas_type {
        SasType::B32 => {
            let v = u32::from_be_bytes([sas_hash[0], sas_hash[1], sas_hash[2], sas_hash[3]]);
            (0..4)
                .map(|i| ZBASE32[((v >> (27 - 5 * i)) & 0x1f) as usize] as char)
                .collect()
        }
        SasType::B256 => format!(
            "{} {}",
            pgp_words::EVEN[usize::from(sas_hash[0])],
            pgp_words::ODD[usize::from(sas_hash[1])]
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b32_takes_the_leftmost_20_bits() {
        let mut h = [0u8; 32];
        assert_eq!(render(SasType::B32, &h), "yyyy");
        // 0b00001_00010_00011_11111 then 12 bits that must not show.
        h[..4].copy_from_slice(&(0b00001_00010_00011_11111u32 << 12 | 0xfff).to_be_bytes());
        assert_eq!(render(SasType::B32, &h), "bnd9");
    }

    /// The PGP word list's own published example: E5 82 -> "topmost Istanbul".
    #[test]
    fn b256_uses_even_then_odd_words() {
        let mut h = [0u8; 32];
        h[0] = 0xe5;
        h[1] = 0x82;
        assert_eq!(render(SasType::B256, &h), "topmost Istanbul");
        h[0] = 0;
        h[1] = 0xff;
        assert_eq!(render(SasType::B256, &h), "aardvark Yucatan");
    }
}

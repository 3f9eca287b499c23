//! The 76 coded parameters of one GSM 06.10 frame and their RTP packing
//! (RFC 3551 §4.5.8): a 0xD signature nibble followed by the 260 parameter
//! bits, most significant bit first, in the order of GSM 06.10 table 1.1.

use crate::Error;

/// Size of one packed frame in bytes.
pub const FRAME_BYTES: usize = 33;

/// The signature nibble that starts every RTP/libgsm frame.
pub const SIGNATURE: u8 = 0xD;

/// Bit widths of the eight log-area-ratio codes LARc\[1..8\].
const LAR_BITS: [u32; 8] = [6, 6, 5, 5, 4, 4, 3, 3];

/// Parameters of one 5 ms sub-segment (40 samples).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SubframeParams {
    /// LTP lag `Nc`, 7 bits (40..=120 when produced by an encoder).
    pub nc: u8,
    /// LTP gain code `bc`, 2 bits.
    pub bc: u8,
    /// RPE grid position `Mc`, 2 bits.
    pub mc: u8,
    /// Block amplitude code `xmaxc`, 6 bits.
    pub xmaxc: u8,
    /// RPE pulse codes `xMc`, 3 bits each.
    pub xmc: [u8; 13],
}

/// All coded parameters of one 20 ms frame.
///
/// ```
/// use openphone_gsm::FrameParams;
/// let p = FrameParams::unpack(&[0xD0; 33]).unwrap();
/// assert_eq!(p.pack(), [0xD0; 33]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameParams {
    /// Log-area-ratio codes LARc\[1..8\] (6, 6, 5, 5, 4, 4, 3, 3 bits).
    pub larc: [u8; 8],
    /// The four sub-segments.
    pub sub: [SubframeParams; 4],
}

/// MSB-first bit writer over a fixed 33-byte frame.
struct BitWriter {
    out: [u8; FRAME_BYTES],
    pos: usize,
    acc: u32,
    nbits: u32,
}

impl BitWriter {
    #[inline(always)]
    fn put(&mut self, value: u8, bits: u32) {
        self.acc = (self.acc << bits) | (value as u32 & ((1 << bits) - 1));
        self.nbits += bits;
        while self.nbits >= 8 {
            self.nbits -= 8;
            if let Some(b) = self.out.get_mut(self.pos) {
                *b = (self.acc >> self.nbits) as u8;
            }
            self.pos += 1;
        }
    }
}

/// MSB-first bit reader over a 33-byte frame.
struct BitReader<'a> {
    bytes: &'a [u8; FRAME_BYTES],
    pos: usize,
    acc: u32,
    nbits: u32,
}

impl BitReader<'_> {
    #[inline(always)]
    fn get(&mut self, bits: u32) -> u8 {
        while self.nbits < bits {
            let b = self.bytes.get(self.pos).copied().unwrap_or(0);
            self.pos += 1;
            self.acc = (self.acc << 8) | b as u32;
            self.nbits += 8;
        }
        self.nbits -= bits;
        ((self.acc >> self.nbits) & ((1 << bits) - 1)) as u8
    }
}

impl FrameParams {
    /// Packs the parameters into a 33-byte RTP frame. Values wider than their
    /// field are truncated to the field width.
    pub fn pack(&self) -> [u8; FRAME_BYTES] {
        let mut w = BitWriter {
            out: [0; FRAME_BYTES],
            pos: 0,
            acc: 0,
            nbits: 0,
        };
        w.put(SIGNATURE, 4);
        for (&v, &bits) in self.larc.iter().zip(LAR_BITS.iter()) {
            w.put(v, bits);
        }
        for s in &self.sub {
            w.put(s.nc, 7);
            w.put(s.bc, 2);
            w.put(s.mc, 2);
            w.put(s.xmaxc, 6);
            for &x in &s.xmc {
                w.put(x, 3);
            }
        }
        w.out
    }

    /// Unpacks a 33-byte frame, checking the 0xD signature nibble.
    pub fn unpack(frame: &[u8; FRAME_BYTES]) -> Result<Self, Error> {
        let mut r = BitReader {
            bytes: frame,
            pos: 0,
            acc: 0,
            nbits: 0,
        };
        let sig = r.get(4);
        if sig != SIGNATURE {
            return Err(Error::BadSignature {
                frame: 0,
                found: sig,
            });
        }
        let mut p = FrameParams::default();
        for (v, &bits) in p.larc.iter_mut().zip(LAR_BITS.iter()) {
            *v = r.get(bits);
        }
        for s in &mut p.sub {
            s.nc = r.get(7);
            s.bc = r.get(2);
            s.mc = r.get(2);
            s.xmaxc = r.get(6);
            for x in &mut s.xmc {
                *x = r.get(3);
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_all_fields() {
        let mut p = FrameParams::default();
        let mut seed = 12345u32;
        let mut next = |max: u8| {
            seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
            ((seed >> 16) % (max as u32 + 1)) as u8
        };
        for (i, v) in p.larc.iter_mut().enumerate() {
            *v = next(((1u16 << LAR_BITS[i]) - 1) as u8);
        }
        for s in &mut p.sub {
            s.nc = next(127);
            s.bc = next(3);
            s.mc = next(3);
            s.xmaxc = next(63);
            for x in &mut s.xmc {
                *x = next(7);
            }
        }
        let bytes = p.pack();
        assert_eq!(bytes[0] >> 4, SIGNATURE);
        assert_eq!(FrameParams::unpack(&bytes), Ok(p));
    }

    #[test]
    fn rejects_bad_signature() {
        assert_eq!(
            FrameParams::unpack(&[0x20; FRAME_BYTES]),
            Err(Error::BadSignature { frame: 0, found: 2 })
        );
    }
}

//! RTP packets (RFC 3550 §5.1) on top of the webrtc-rs `rtp` crate's header
//! codec (chosen over `rtc-rtp` by `benches/rtp.rs`, see BENCHMARKS.md).
//!
//! The payload is never copied: [`RtpPacket::parse`] borrows it from the
//! receive buffer and [`write_packet`] writes header and payload into a
//! caller-owned send buffer, so the per-packet path allocates nothing (a
//! header without CSRCs or extensions allocates no `Vec`).
//!
//! ```
//! use openphone_media::rtp::packet::{write_packet, RtpHeader, RtpPacket};
//! let h = RtpHeader { payload_type: 0, marker: true, sequence: 7, timestamp: 160, ssrc: 42 };
//! let mut buf = [0u8; 200];
//! let n = write_packet(&mut buf, &h, &[0xFF; 160]).unwrap();
//! let p = RtpPacket::parse(&buf[..n]).unwrap();
//! assert_eq!(p.header, h);
//! assert_eq!(p.payload.len(), 160);
//! ```

use webrtc_util::marshal::{MarshalSize, Unmarshal};

/// Errors from RTP parsing and writing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtpError {
    /// Not version 2.
    #[error("RTP version {0} (expected 2)")]
    BadVersion(u8),
    /// Header, CSRC list, extension or padding exceed the datagram.
    #[error("RTP packet malformed: {0}")]
    Malformed(String),
    /// The output buffer cannot hold the packet.
    #[error("RTP output buffer too small: need {need}, have {have}")]
    BufferTooSmall {
        /// Bytes needed.
        need: usize,
        /// Bytes available.
        have: usize,
    },
}

/// The RTP header fields the media path uses (no CSRCs or extensions on send).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RtpHeader {
    /// Payload type (0–127).
    pub payload_type: u8,
    /// Marker bit (start of a talkspurt / of a DTMF event).
    pub marker: bool,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

/// A parsed packet borrowing its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Header fields.
    pub header: RtpHeader,
    /// Payload with padding removed.
    pub payload: &'a [u8],
    /// Number of CSRCs the header carried.
    pub csrc_count: u8,
}

/// Fixed RTP header length.
pub const HEADER_LEN: usize = 12;

impl<'a> RtpPacket<'a> {
    /// Parses a datagram. Never panics; rejects versions other than 2 and
    /// lengths (CSRC list, extension, padding) that exceed the datagram.
    pub fn parse(buf: &'a [u8]) -> Result<RtpPacket<'a>, RtpError> {
        let first = *buf
            .first()
            .ok_or_else(|| RtpError::Malformed("empty datagram".into()))?;
        let version = first >> 6;
        if version != 2 {
            return Err(RtpError::BadVersion(version));
        }
        check_extension(buf)?;
        let mut rest: &[u8] = buf;
        let h = rtp::header::Header::unmarshal(&mut rest)
            .map_err(|e| RtpError::Malformed(e.to_string()))?;
        // The crate consumed header + CSRCs + extension; re-derive the offset
        // from its own size computation rather than trusting `rest` blindly.
        let header_len = h.marshal_size();
        let after_header = buf.get(header_len..).ok_or_else(|| {
            RtpError::Malformed(format!("header of {header_len} bytes exceeds datagram"))
        })?;
        let payload = if h.padding {
            let pad = *after_header
                .last()
                .ok_or_else(|| RtpError::Malformed("padding bit set without payload".into()))?
                as usize;
            if pad == 0 || pad > after_header.len() {
                return Err(RtpError::Malformed(format!("padding length {pad}")));
            }
            &after_header[..after_header.len() - pad]
        } else {
            after_header
        };
        Ok(RtpPacket {
            header: RtpHeader {
                payload_type: h.payload_type,
                marker: h.marker,
                sequence: h.sequence_number,
                timestamp: h.timestamp,
                ssrc: h.ssrc,
            },
            payload,
            csrc_count: h.csrc.len() as u8,
        })
    }
}

/// Writes a 12-byte header and `payload` into `buf`, returning the length.
pub fn write_packet(buf: &mut [u8], h: &RtpHeader, payload: &[u8]) -> Result<usize, RtpError> {
    let need = HEADER_LEN + payload.len();
    let have = buf.len();
    let out = buf
        .get_mut(..need)
        .ok_or(RtpError::BufferTooSmall { need, have })?;
    write_header(out, h)?;
    out[HEADER_LEN..].copy_from_slice(payload);
    Ok(need)
}

/// Writes the 12-byte header at the start of `buf` (no CSRCs, no
/// extension), for a payload already encoded in place after it; returns 12.
pub fn write_header(buf: &mut [u8], h: &RtpHeader) -> Result<usize, RtpError> {
    let have = buf.len();
    let out = buf.get_mut(..HEADER_LEN).ok_or(RtpError::BufferTooSmall {
        need: HEADER_LEN,
        have,
    })?;
    // Written by hand: the fixed header is 12 bytes and this avoids building
    // the crate's `Header` (with its Vecs) for every packet we send.
    out[0] = 0x80;
    out[1] = (h.payload_type & 0x7F) | if h.marker { 0x80 } else { 0 };
    out[2..4].copy_from_slice(&h.sequence.to_be_bytes());
    out[4..8].copy_from_slice(&h.timestamp.to_be_bytes());
    out[8..12].copy_from_slice(&h.ssrc.to_be_bytes());
    Ok(HEADER_LEN)
}

/// Checks an RFC 8285 header-extension block before the `rtp` crate parses
/// it: the crate (0.17) copies each element's bytes without checking them
/// against the block or the datagram, and panics on a hostile length
/// (fuzz/regressions/rtp_packet). The walk mirrors the crate's own loops, so
/// everything the crate would read is known to be inside the datagram.
fn check_extension(buf: &[u8]) -> Result<(), RtpError> {
    let bad = |why: &str| Err(RtpError::Malformed(why.into()));
    let Some(&first) = buf.first() else {
        return bad("empty datagram");
    };
    if first & 0x10 == 0 {
        return Ok(());
    }
    let at = 12 + 4 * usize::from(first & 0x0f);
    let Some(head) = buf.get(at..at + 4) else {
        return bad("header extension runs past the datagram");
    };
    let profile = u16::from_be_bytes([head[0], head[1]]);
    let words = usize::from(u16::from_be_bytes([head[2], head[3]]));
    let Some(block) = buf.get(at + 4..at + 4 + 4 * words) else {
        return bad("header extension runs past the datagram");
    };
    let mut i = 0;
    match profile {
        0xBEDE => {
            while i < block.len() {
                let b = block[i];
                i += 1;
                if b == 0 {
                    continue; // padding
                }
                if b >> 4 == 15 {
                    break; // RFC 8285 §4.2: stop at id 15
                }
                i += usize::from(b & 0x0f) + 1;
                if i > block.len() {
                    return bad("one-byte header extension element overruns its block");
                }
            }
        }
        0x1000 => {
            while i < block.len() {
                let b = block[i];
                i += 1;
                if b == 0 {
                    continue; // padding
                }
                let Some(&len) = block.get(i) else {
                    return bad("two-byte header extension element without a length");
                };
                i += 1 + usize::from(len);
                if i > block.len() {
                    return bad("two-byte header extension element overruns its block");
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn hostile_header_extension_lengths_are_errors_not_panics() {
        // V=2, X=1, CC=0; one-byte profile, 1 word: an element claiming 16 bytes.
        let mut one = vec![0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1];
        one.extend_from_slice(&[0x1F, 1, 2, 3, 0xAA, 0xBB]);
        assert!(RtpPacket::parse(&one).is_err());
        // Two-byte profile: an element claiming 200 bytes in a 4-byte block.
        let mut two = vec![0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0x10, 0x00, 0, 1];
        two.extend_from_slice(&[0x01, 200, 0, 0, 0xAA]);
        assert!(RtpPacket::parse(&two).is_err());
        // A well-formed one-byte element still parses.
        let mut ok = vec![0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1];
        ok.extend_from_slice(&[0x12, 1, 2, 3, 0xAA]);
        let p = RtpPacket::parse(&ok).unwrap();
        assert_eq!(p.payload, &[0xAA]);
    }

    use super::*;

    #[test]
    fn csrc_extension_padding() {
        // V=2 P=1 X=1 CC=1, PT 8 with marker, one CSRC, a one-word extension,
        // 3 payload bytes and 2 bytes of padding.
        let mut p = vec![0xB1, 0x88, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
        p.extend([0, 0, 0, 9]); // CSRC
        p.extend([0xAB, 0xCD, 0, 1, 1, 2, 3, 4]); // extension: profile, 1 word
        p.extend([7, 8, 9]);
        p.extend([0, 2]);
        let r = RtpPacket::parse(&p).unwrap();
        assert_eq!(r.header.payload_type, 8);
        assert!(r.header.marker);
        assert_eq!(r.csrc_count, 1);
        assert_eq!(r.payload, &[7, 8, 9]);
    }

    #[test]
    fn rejects_bad() {
        assert!(RtpPacket::parse(&[]).is_err());
        assert!(matches!(
            RtpPacket::parse(&[0x40; 12]),
            Err(RtpError::BadVersion(1))
        ));
        assert!(RtpPacket::parse(&[0x80, 0, 0]).is_err());
        // CC=15 without CSRCs.
        assert!(RtpPacket::parse(&[0x8F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        // Padding larger than payload.
        assert!(RtpPacket::parse(&[0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9]).is_err());
        // Padding bit with nothing after the header.
        assert!(RtpPacket::parse(&[0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        let mut small = [0u8; 11];
        assert!(write_packet(&mut small, &RtpHeader::default(), &[]).is_err());
    }

    proptest::proptest! {
        #[test]
        fn write_parse_roundtrip(
            pt in 0u8..128, marker: bool, sequence: u16, timestamp: u32, ssrc: u32,
            payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let h = RtpHeader { payload_type: pt, marker, sequence, timestamp, ssrc };
            let mut buf = [0u8; 400];
            let n = write_packet(&mut buf, &h, &payload).unwrap();
            let p = RtpPacket::parse(&buf[..n]).unwrap();
            proptest::prop_assert_eq!(p.header, h);
            proptest::prop_assert_eq!(p.payload, &payload[..]);
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            if let Ok(p) = RtpPacket::parse(&data) {
                proptest::prop_assert!(p.payload.len() + HEADER_LEN <= data.len());
            }
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut buf = [0u8; 128];
        for i in 0..100_000 {
            let n = rng.gen_range(0..buf.len());
            rng.fill(&mut buf[..n]);
            if i % 2 == 0 && n > 0 {
                buf[0] = 0x80 | (buf[0] & 0x3F);
            }
            if let Ok(p) = RtpPacket::parse(&buf[..n]) {
                assert!(p.payload.len() <= n);
            }
        }
    }
}

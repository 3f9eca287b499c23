//! The ZRTP packet (RFC 6189 §5, Figure 2): a 12-octet header, one ZRTP
//! message, and a CRC-32C trailer (RFC 3309, as SCTP computes and stores it).
//!
//! ```text
//! |0 0 0 1|  not used (0)  |       sequence number         |
//! |              magic cookie 'ZRTP' (0x5a525450)            |
//! |                    source identifier                     |
//! |                 ZRTP message (words) ...                 |
//! |                       CRC (1 word)                       |
//! ```
//!
//! The fragmented form (first 16 bits 0x1001, from the ZRTP update draft
//! that bzrtp implements) adds four 16-bit fields after the source
//! identifier: message id, message total length, fragment offset and
//! fragment length (lengths and offset in 32-bit words). It is parsed here;
//! reassembly is not done (see [`ZrtpPacket::fragment`]).

use super::ZrtpPacketError;

/// The magic cookie, 'ZRTP' in ASCII.
pub const MAGIC_COOKIE: u32 = 0x5a52_5450;
/// Header octets of an unfragmented packet.
pub const HEADER_LEN: usize = 12;
/// Header octets of a fragment.
pub const FRAGMENT_HEADER_LEN: usize = 20;
/// CRC trailer octets.
pub const CRC_LEN: usize = 4;
/// The largest packet accepted. The largest message we can meet is a DHPart
/// for DH-3072 (484 octets with its packet header); signatures in Confirm
/// stay well under this too. Anything larger is refused before any work.
pub const MAX_PACKET_LEN: usize = 3072;

/// Where one fragment sits in its message (0x1001 packets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fragment {
    /// Identifies the message the fragment belongs to.
    pub message_id: u16,
    /// Length of the whole message, 32-bit words.
    pub total_words: u16,
    /// Where this fragment starts, 32-bit words.
    pub offset_words: u16,
    /// Length of this fragment, 32-bit words.
    pub fragment_words: u16,
}

/// A parsed packet: header fields and the message octets it carries
/// (borrowed from the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZrtpPacket<'a> {
    /// Sequence number (for the sender's own retransmission bookkeeping).
    pub sequence: u16,
    /// Source identifier: the sender's RTP SSRC.
    pub ssrc: u32,
    /// Present when the packet is a fragment (0x1001).
    pub fragment: Option<Fragment>,
    /// The ZRTP message (or the fragment of one), without header and CRC.
    pub message: &'a [u8],
}

/// True when `data` looks like ZRTP rather than RTP/RTCP/STUN: first nibble
/// 0001 (RTP has version 2 in the top bits) and the magic cookie at octet 4
/// (RFC 6189 §5). Cheap; the CRC is checked by [`parse_packet`].
pub fn is_zrtp(data: &[u8]) -> bool {
    data.len() >= HEADER_LEN
        && data[0] >> 4 == 1
        && u32::from_be_bytes([data[4], data[5], data[6], data[7]]) == MAGIC_COOKIE
}

/// The CRC-32C of a packet body as the trailer stores it.
fn crc_of(body: &[u8]) -> u32 {
    crc32c::crc32c(body)
}

/// Parses and checks one packet: length bounds, header form, cookie, CRC.
/// The message inside is not decoded (see [`super::Message::parse`]).
pub fn parse_packet(data: &[u8]) -> Result<ZrtpPacket<'_>, ZrtpPacketError> {
    if data.len() > MAX_PACKET_LEN {
        return Err(ZrtpPacketError::TooLong(data.len()));
    }
    if data.len() < HEADER_LEN + CRC_LEN {
        return Err(ZrtpPacketError::TooShort(data.len()));
    }
    if data.len() % 4 != 0 {
        return Err(ZrtpPacketError::NotWordAligned(data.len()));
    }
    let first = u16::from_be_bytes([data[0], data[1]]);
    if u32::from_be_bytes([data[4], data[5], data[6], data[7]]) != MAGIC_COOKIE {
        return Err(ZrtpPacketError::NotZrtp);
    }
    let header_len = match first {
        0x1000 => HEADER_LEN,
        0x1001 => FRAGMENT_HEADER_LEN,
        other => return Err(ZrtpPacketError::BadHeader(other)),
    };
    if data.len() < header_len + CRC_LEN {
        return Err(ZrtpPacketError::TooShort(data.len()));
    }
    let (body, trailer) = data.split_at(data.len() - CRC_LEN);
    // The CRC goes on the wire in SCTP's order: the CRC-32C register value
    // least significant octet first (RFC 3309 §2, RFC 6189 §5).
    let stored = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let computed = crc_of(body);
    if stored != computed {
        return Err(ZrtpPacketError::BadCrc { stored, computed });
    }
    let be16 = |i: usize| u16::from_be_bytes([data[i], data[i + 1]]);
    let fragment = (header_len == FRAGMENT_HEADER_LEN).then(|| Fragment {
        message_id: be16(12),
        total_words: be16(14),
        offset_words: be16(16),
        fragment_words: be16(18),
    });
    if let Some(f) = fragment {
        let have = (body.len() - header_len) / 4;
        if usize::from(f.fragment_words) != have
            || u32::from(f.offset_words) + u32::from(f.fragment_words) > u32::from(f.total_words)
        {
            return Err(ZrtpPacketError::BadFragment);
        }
    }
    Ok(ZrtpPacket {
        sequence: be16(2),
        ssrc: u32::from_be_bytes([data[8], data[9], data[10], data[11]]),
        fragment,
        message: &body[header_len..],
    })
}

/// Frames one message in an unfragmented packet, CRC included.
pub fn write_packet(sequence: u16, ssrc: u32, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + message.len() + CRC_LEN);
    out.extend_from_slice(&0x1000u16.to_be_bytes());
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    out.extend_from_slice(&ssrc.to_be_bytes());
    out.extend_from_slice(message);
    let crc = crc_of(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let msg = [
            0x50, 0x5a, 0, 3, b'H', b'e', b'l', b'l', b'o', b'A', b'C', b'K',
        ];
        let pkt = write_packet(7, 0xdead_beef, &msg);
        assert!(is_zrtp(&pkt));
        let p = parse_packet(&pkt).unwrap();
        assert_eq!((p.sequence, p.ssrc, p.message), (7, 0xdead_beef, &msg[..]));
        for i in 0..pkt.len() {
            let mut bad = pkt.clone();
            bad[i] ^= 0x04;
            assert!(parse_packet(&bad).is_err(), "flip at {i} accepted");
        }
        assert_eq!(parse_packet(&pkt[..12]), Err(ZrtpPacketError::TooShort(12)));
        assert!(matches!(
            parse_packet(&vec![0u8; MAX_PACKET_LEN + 4]),
            Err(ZrtpPacketError::TooLong(_))
        ));
    }
}

//! RTCP (RFC 3550 §6) compound packets: parsing and building.
//!
//! Our own parser rather than a crate's, because it must accept anything a
//! peer sends without panicking or allocating more than the datagram implies:
//! every length is checked against what remains, unknown packet types (APP,
//! feedback…) are skipped by their length word, XR goes to [`super::xr`],
//! and a malformed packet
//! ends the walk with an error while keeping what was parsed before it.
//!
//! ```
//! use openphone_media::rtp::rtcp::{self, ReportBlock, RtcpPacket, RtcpWriter};
//! let mut buf = [0u8; 256];
//! let mut w = RtcpWriter::new(&mut buf);
//! w.receiver_report(0x1234, &[ReportBlock { ssrc: 7, ..Default::default() }]).unwrap();
//! w.sdes_cname(0x1234, "alice@example").unwrap();
//! let n = w.len();
//! let parsed = rtcp::parse_compound(&buf[..n]).unwrap();
//! assert!(matches!(&parsed[0], RtcpPacket::ReceiverReport { ssrc: 0x1234, reports } if reports.len() == 1));
//! ```

/// RTCP packet types (RFC 3550 §12.1, RFC 4585, RFC 3611).
pub mod pt {
    /// Sender report.
    pub const SR: u8 = 200;
    /// Receiver report.
    pub const RR: u8 = 201;
    /// Source description.
    pub const SDES: u8 = 202;
    /// Goodbye.
    pub const BYE: u8 = 203;
    /// Application-defined.
    pub const APP: u8 = 204;
    /// Extended report (RFC 3611).
    pub const XR: u8 = 207;
}

/// Errors from RTCP parsing and building.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RtcpError {
    /// Fewer bytes than a header or than the length word promises.
    #[error("RTCP packet truncated at byte {0}")]
    Truncated(usize),
    /// Version field is not 2.
    #[error("RTCP version {0} (expected 2)")]
    BadVersion(u8),
    /// Report count or padding inconsistent with the length.
    #[error("RTCP packet malformed: {0}")]
    Malformed(&'static str),
    /// Nothing to parse.
    #[error("empty RTCP datagram")]
    Empty,
    /// The output buffer is too small for what was to be written.
    #[error("RTCP output buffer too small")]
    BufferTooSmall,
    /// A value cannot be represented (too many reports, SDES text too long).
    #[error("RTCP value out of range: {0}")]
    OutOfRange(&'static str),
}

/// Sender information of an SR (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderInfo {
    /// NTP timestamp (64-bit fixed point, seconds since 1900).
    pub ntp: u64,
    /// RTP timestamp corresponding to `ntp`.
    pub rtp_timestamp: u32,
    /// Packets sent so far.
    pub packet_count: u32,
    /// Payload octets sent so far.
    pub octet_count: u32,
}

/// One reception report block (RFC 3550 §6.4.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Cumulative packets lost (24-bit signed).
    pub cumulative_lost: i32,
    /// Extended highest sequence number received.
    pub extended_highest_seq: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last SR received from the source.
    pub last_sr: u32,
    /// Delay since that SR, in 1/65536 s.
    pub delay_since_last_sr: u32,
}

/// One SDES chunk: a source and its CNAME (other items are counted, not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdesChunk {
    /// The source described.
    pub ssrc: u32,
    /// Its canonical name, if present (lossy UTF-8).
    pub cname: Option<String>,
    /// How many other items it carried.
    pub other_items: usize,
}

/// One packet of a compound RTCP datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RtcpPacket {
    /// SR.
    SenderReport {
        /// Sender's SSRC.
        ssrc: u32,
        /// Its sender information.
        info: SenderInfo,
        /// Reception reports.
        reports: Vec<ReportBlock>,
    },
    /// RR.
    ReceiverReport {
        /// Reporter's SSRC.
        ssrc: u32,
        /// Reception reports.
        reports: Vec<ReportBlock>,
    },
    /// SDES.
    SourceDescription(Vec<SdesChunk>),
    /// BYE.
    Goodbye {
        /// Sources leaving.
        ssrcs: Vec<u32>,
        /// Reason, if given (lossy UTF-8).
        reason: Option<String>,
    },
    /// XR (RFC 3611), see [`super::xr`].
    ExtendedReport(super::xr::ExtendedReport),
    /// A packet type we do not interpret (APP, RTPFB, PSFB, …).
    Other {
        /// Its packet type.
        packet_type: u8,
        /// Its count/subtype field.
        count: u8,
        /// Body length in bytes (after the 4-byte header).
        len: usize,
    },
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn report_block(b: &[u8], at: usize) -> Option<ReportBlock> {
    let lost_word = be32(b, at + 4)?;
    // 24-bit two's complement cumulative loss.
    let cumulative_lost = ((lost_word & 0x00FF_FFFF) << 8) as i32 >> 8;
    Some(ReportBlock {
        ssrc: be32(b, at)?,
        fraction_lost: (lost_word >> 24) as u8,
        cumulative_lost,
        extended_highest_seq: be32(b, at + 8)?,
        jitter: be32(b, at + 12)?,
        last_sr: be32(b, at + 16)?,
        delay_since_last_sr: be32(b, at + 20)?,
    })
}

fn report_blocks(body: &[u8], at: usize, count: u8) -> Result<Vec<ReportBlock>, RtcpError> {
    let need = at + count as usize * 24;
    if body.len() < need {
        return Err(RtcpError::Malformed("report count exceeds packet length"));
    }
    (0..count as usize)
        .map(|i| report_block(body, at + i * 24).ok_or(RtcpError::Malformed("report block")))
        .collect()
}

fn parse_sdes(body: &[u8], count: u8) -> Result<Vec<SdesChunk>, RtcpError> {
    let mut chunks = Vec::with_capacity((count as usize).min(body.len() / 8 + 1));
    let mut at = 0usize;
    for _ in 0..count {
        let ssrc = be32(body, at).ok_or(RtcpError::Malformed("SDES chunk"))?;
        at += 4;
        let mut cname = None;
        let mut other_items = 0;
        loop {
            let Some(&item) = body.get(at) else {
                return Err(RtcpError::Malformed("SDES item list not terminated"));
            };
            if item == 0 {
                // END, then pad to the next 32-bit boundary.
                at += 1;
                at = at.div_ceil(4) * 4;
                break;
            }
            let len = *body
                .get(at + 1)
                .ok_or(RtcpError::Malformed("SDES item length"))? as usize;
            let text = body
                .get(at + 2..at + 2 + len)
                .ok_or(RtcpError::Malformed("SDES item exceeds packet"))?;
            if item == 1 {
                cname = Some(String::from_utf8_lossy(text).into_owned());
            } else {
                other_items += 1;
            }
            at += 2 + len;
        }
        chunks.push(SdesChunk {
            ssrc,
            cname,
            other_items,
        });
    }
    Ok(chunks)
}

fn parse_bye(body: &[u8], count: u8) -> Result<RtcpPacket, RtcpError> {
    let n = count as usize;
    if body.len() < n * 4 {
        return Err(RtcpError::Malformed(
            "BYE source count exceeds packet length",
        ));
    }
    let ssrcs = (0..n).filter_map(|i| be32(body, i * 4)).collect();
    let reason = body.get(n * 4).and_then(|&len| {
        body.get(n * 4 + 1..n * 4 + 1 + len as usize)
            .map(|t| String::from_utf8_lossy(t).into_owned())
    });
    Ok(RtcpPacket::Goodbye { ssrcs, reason })
}

/// Parses one packet at the start of `buf`; returns it and its total length.
fn parse_one(buf: &[u8], offset: usize) -> Result<(RtcpPacket, usize), RtcpError> {
    if buf.len() < 4 {
        return Err(RtcpError::Truncated(offset));
    }
    let version = buf[0] >> 6;
    if version != 2 {
        return Err(RtcpError::BadVersion(version));
    }
    let padding = buf[0] & 0x20 != 0;
    let count = buf[0] & 0x1F;
    let packet_type = buf[1];
    let total = (u16::from_be_bytes([buf[2], buf[3]]) as usize + 1) * 4;
    let packet = buf
        .get(..total)
        .ok_or(RtcpError::Truncated(offset + buf.len()))?;
    let mut body = &packet[4..];
    if padding {
        let pad = *body
            .last()
            .ok_or(RtcpError::Malformed("padding on empty packet"))? as usize;
        if pad == 0 || pad > body.len() {
            return Err(RtcpError::Malformed("padding length"));
        }
        body = &body[..body.len() - pad];
    }
    let p = match packet_type {
        pt::SR => {
            let ssrc = be32(body, 0).ok_or(RtcpError::Malformed("SR too short"))?;
            let hi = be32(body, 4).ok_or(RtcpError::Malformed("SR too short"))?;
            let lo = be32(body, 8).ok_or(RtcpError::Malformed("SR too short"))?;
            let info = SenderInfo {
                ntp: ((hi as u64) << 32) | lo as u64,
                rtp_timestamp: be32(body, 12).ok_or(RtcpError::Malformed("SR too short"))?,
                packet_count: be32(body, 16).ok_or(RtcpError::Malformed("SR too short"))?,
                octet_count: be32(body, 20).ok_or(RtcpError::Malformed("SR too short"))?,
            };
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports: report_blocks(body, 24, count)?,
            }
        }
        pt::RR => RtcpPacket::ReceiverReport {
            ssrc: be32(body, 0).ok_or(RtcpError::Malformed("RR too short"))?,
            reports: report_blocks(body, 4, count)?,
        },
        pt::SDES => RtcpPacket::SourceDescription(parse_sdes(body, count)?),
        pt::BYE => parse_bye(body, count)?,
        // The count field is reserved in XR (RFC 3611 §2): ignored.
        pt::XR => RtcpPacket::ExtendedReport(super::xr::parse(body)?),
        _ => RtcpPacket::Other {
            packet_type,
            count,
            len: body.len(),
        },
    };
    Ok((p, total))
}

/// Walks a compound RTCP datagram. Errors if the first packet is malformed;
/// a malformed later packet ends the walk, keeping the packets before it
/// (see [`parse_compound_lenient`] for the error too).
pub fn parse_compound(buf: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
    let (packets, err) = parse_compound_lenient(buf);
    match (packets.is_empty(), err) {
        (true, Some(e)) => Err(e),
        (true, None) => Err(RtcpError::Empty),
        (false, _) => Ok(packets),
    }
}

/// Like [`parse_compound`], returning what parsed and the first error, if any.
pub fn parse_compound_lenient(buf: &[u8]) -> (Vec<RtcpPacket>, Option<RtcpError>) {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < buf.len() {
        match parse_one(&buf[at..], at) {
            Ok((p, len)) => {
                out.push(p);
                at += len;
            }
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// True when the datagram looks like RTCP rather than RTP (RFC 5761 §4:
/// second byte 192–223 once the marker bit is included).
pub fn is_rtcp(buf: &[u8]) -> bool {
    buf.len() >= 4 && buf[0] >> 6 == 2 && (192..=223).contains(&buf[1])
}

/// Writes a compound RTCP packet into a caller-owned buffer.
#[derive(Debug)]
pub struct RtcpWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> RtcpWriter<'a> {
    /// Starts writing at the beginning of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        RtcpWriter { buf, len: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True before anything was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn reserve(&mut self, n: usize) -> Result<&mut [u8], RtcpError> {
        let start = self.len;
        let s = self
            .buf
            .get_mut(start..start + n)
            .ok_or(RtcpError::BufferTooSmall)?;
        self.len += n;
        Ok(s)
    }

    fn header(&mut self, count: u8, packet_type: u8, body_len: usize) -> Result<(), RtcpError> {
        debug_assert!(body_len % 4 == 0);
        let words = body_len / 4;
        let h = self.reserve(4)?;
        h[0] = 0x80 | (count & 0x1F);
        h[1] = packet_type;
        h[2..4].copy_from_slice(&(words as u16).to_be_bytes());
        Ok(())
    }

    fn put32(&mut self, v: u32) -> Result<(), RtcpError> {
        self.reserve(4)?.copy_from_slice(&v.to_be_bytes());
        Ok(())
    }

    fn blocks(&mut self, reports: &[ReportBlock]) -> Result<(), RtcpError> {
        for r in reports {
            self.put32(r.ssrc)?;
            let lost = (r.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF;
            self.put32(((r.fraction_lost as u32) << 24) | lost)?;
            self.put32(r.extended_highest_seq)?;
            self.put32(r.jitter)?;
            self.put32(r.last_sr)?;
            self.put32(r.delay_since_last_sr)?;
        }
        Ok(())
    }

    /// Appends an SR.
    pub fn sender_report(
        &mut self,
        ssrc: u32,
        info: &SenderInfo,
        reports: &[ReportBlock],
    ) -> Result<(), RtcpError> {
        if reports.len() > 31 {
            return Err(RtcpError::OutOfRange("more than 31 report blocks"));
        }
        self.header(reports.len() as u8, pt::SR, 24 + 24 * reports.len())?;
        self.put32(ssrc)?;
        self.put32((info.ntp >> 32) as u32)?;
        self.put32(info.ntp as u32)?;
        self.put32(info.rtp_timestamp)?;
        self.put32(info.packet_count)?;
        self.put32(info.octet_count)?;
        self.blocks(reports)
    }

    /// Appends an RR.
    pub fn receiver_report(&mut self, ssrc: u32, reports: &[ReportBlock]) -> Result<(), RtcpError> {
        if reports.len() > 31 {
            return Err(RtcpError::OutOfRange("more than 31 report blocks"));
        }
        self.header(reports.len() as u8, pt::RR, 4 + 24 * reports.len())?;
        self.put32(ssrc)?;
        self.blocks(reports)
    }

    /// Appends an SDES with one chunk carrying a CNAME.
    pub fn sdes_cname(&mut self, ssrc: u32, cname: &str) -> Result<(), RtcpError> {
        let text = cname.as_bytes();
        if text.len() > 255 {
            return Err(RtcpError::OutOfRange("CNAME longer than 255 bytes"));
        }
        // ssrc + type + len + text + END, padded to 32 bits.
        let chunk = (4 + 2 + text.len() + 1).div_ceil(4) * 4;
        self.header(1, pt::SDES, chunk)?;
        let body = self.reserve(chunk)?;
        body.fill(0);
        body[0..4].copy_from_slice(&ssrc.to_be_bytes());
        body[4] = 1;
        body[5] = text.len() as u8;
        body[6..6 + text.len()].copy_from_slice(text);
        Ok(())
    }

    /// Appends an XR packet (RFC 3611).
    pub fn extended_report(&mut self, xr: &super::xr::ExtendedReport) -> Result<(), RtcpError> {
        let body_len = super::xr::body_len(xr)?;
        if body_len / 4 > u16::MAX as usize {
            return Err(RtcpError::OutOfRange("XR packet longer than 65535 words"));
        }
        // Check room for header and body before writing either.
        if self.buf.len() < self.len + 4 + body_len {
            return Err(RtcpError::BufferTooSmall);
        }
        let start = self.len;
        self.header(0, pt::XR, body_len)?;
        let body = self.reserve(body_len)?;
        let written = super::xr::write_body(xr, body);
        if written.is_err() {
            // A value that cannot be encoded: leave nothing half-written.
            self.len = start;
        }
        written
    }

    /// Appends a BYE for `ssrcs` with an optional reason.
    pub fn bye(&mut self, ssrcs: &[u32], reason: Option<&str>) -> Result<(), RtcpError> {
        if ssrcs.len() > 31 {
            return Err(RtcpError::OutOfRange("more than 31 sources"));
        }
        let reason = reason.map(str::as_bytes).unwrap_or(&[]);
        if reason.len() > 255 {
            return Err(RtcpError::OutOfRange("BYE reason longer than 255 bytes"));
        }
        let reason_len = if reason.is_empty() {
            0
        } else {
            (1 + reason.len()).div_ceil(4) * 4
        };
        self.header(ssrcs.len() as u8, pt::BYE, 4 * ssrcs.len() + reason_len)?;
        for &s in ssrcs {
            self.put32(s)?;
        }
        if reason_len > 0 {
            let r = self.reserve(reason_len)?;
            r.fill(0);
            r[0] = reason.len() as u8;
            r[1..1 + reason.len()].copy_from_slice(reason);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_compound() {
        let mut buf = [0u8; 512];
        let mut w = RtcpWriter::new(&mut buf);
        let info = SenderInfo {
            ntp: 0x0102_0304_0506_0708,
            rtp_timestamp: 160,
            packet_count: 10,
            octet_count: 1600,
        };
        let rb = ReportBlock {
            ssrc: 9,
            fraction_lost: 25,
            cumulative_lost: -3,
            extended_highest_seq: 70000,
            jitter: 12,
            last_sr: 0x0304_0506,
            delay_since_last_sr: 65536,
        };
        w.sender_report(1, &info, &[rb]).unwrap();
        w.sdes_cname(1, "user@host").unwrap();
        w.bye(&[1], Some("done")).unwrap();
        let n = w.len();
        assert_eq!(n % 4, 0);
        let p = parse_compound(&buf[..n]).unwrap();
        assert_eq!(
            p[0],
            RtcpPacket::SenderReport {
                ssrc: 1,
                info,
                reports: vec![rb]
            }
        );
        assert_eq!(
            p[1],
            RtcpPacket::SourceDescription(vec![SdesChunk {
                ssrc: 1,
                cname: Some("user@host".into()),
                other_items: 0
            }])
        );
        assert_eq!(
            p[2],
            RtcpPacket::Goodbye {
                ssrcs: vec![1],
                reason: Some("done".into())
            }
        );
    }

    #[test]
    fn truncated_and_bad() {
        assert_eq!(parse_compound(&[]), Err(RtcpError::Empty));
        assert!(parse_compound(&[0x80, 201, 0, 1]).is_err());
        assert!(matches!(
            parse_compound(&[0x40, 201, 0, 0]),
            Err(RtcpError::BadVersion(1))
        ));
        // RC=1 but no room for the block.
        assert!(parse_compound(&[0x81, 201, 0, 1, 0, 0, 0, 1]).is_err());
        // Padding byte larger than the body.
        assert!(parse_compound(&[0xA0, 201, 0, 1, 0, 0, 0, 9]).is_err());
    }

    #[test]
    fn buffer_too_small() {
        let mut buf = [0u8; 10];
        let mut w = RtcpWriter::new(&mut buf);
        assert_eq!(
            w.receiver_report(1, &[ReportBlock::default()]),
            Err(RtcpError::BufferTooSmall)
        );
    }

    fn block() -> impl proptest::strategy::Strategy<Value = ReportBlock> {
        use proptest::prelude::*;
        (
            any::<u32>(),
            any::<u8>(),
            -0x80_0000i32..=0x7F_FFFF,
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
        )
            .prop_map(
                |(
                    ssrc,
                    fraction_lost,
                    cumulative_lost,
                    extended_highest_seq,
                    jitter,
                    last_sr,
                    delay_since_last_sr,
                )| ReportBlock {
                    ssrc,
                    fraction_lost,
                    cumulative_lost,
                    extended_highest_seq,
                    jitter,
                    last_sr,
                    delay_since_last_sr,
                },
            )
    }

    proptest::proptest! {
        #[test]
        fn compound_roundtrip(
            ssrc: u32, ntp: u64, ts: u32,
            blocks in proptest::collection::vec(block(), 0..31),
            cname in "[a-z0-9@.]{0,60}",
            reason in proptest::option::of("[ -~]{0,40}"),
        ) {
            let info = SenderInfo { ntp, rtp_timestamp: ts, packet_count: 1, octet_count: 2 };
            let mut buf = vec![0u8; 2048];
            let mut w = RtcpWriter::new(&mut buf);
            w.sender_report(ssrc, &info, &blocks).unwrap();
            w.receiver_report(ssrc, &blocks).unwrap();
            w.sdes_cname(ssrc, &cname).unwrap();
            w.bye(&[ssrc], reason.as_deref()).unwrap();
            let n = w.len();
            let p = parse_compound(&buf[..n]).unwrap();
            proptest::prop_assert_eq!(p.len(), 4);
            proptest::prop_assert_eq!(&p[0], &RtcpPacket::SenderReport { ssrc, info, reports: blocks.clone() });
            proptest::prop_assert_eq!(&p[1], &RtcpPacket::ReceiverReport { ssrc, reports: blocks });
            proptest::prop_assert_eq!(&p[2], &RtcpPacket::SourceDescription(vec![SdesChunk { ssrc, cname: Some(cname), other_items: 0 }]));
            let want_reason = reason.filter(|r| !r.is_empty());
            proptest::prop_assert_eq!(&p[3], &RtcpPacket::Goodbye { ssrcs: vec![ssrc], reason: want_reason });
        }

        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = parse_compound_lenient(&data);
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut buf = [0u8; 256];
        for i in 0..50_000 {
            let n = rng.gen_range(0..buf.len());
            rng.fill(&mut buf[..n]);
            if i % 2 == 0 && n >= 4 {
                // Make it look like RTCP so parsing goes deep.
                buf[0] = 0x80 | (buf[0] & 0x3F);
                buf[1] = 200 + (buf[1] % 8);
                let words = ((n / 4) as u16).saturating_sub(1);
                buf[2..4].copy_from_slice(&words.to_be_bytes());
            }
            let _ = parse_compound_lenient(&buf[..n]);
        }
    }
}

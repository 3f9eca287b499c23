//! RTCP Extended Reports (XR, RFC 3611, packet type 207): the Receiver
//! Reference Time (BT=4), DLRR (BT=5) and VoIP Metrics (BT=7) report
//! blocks, parsed and written. Other block types are kept as raw bytes so a
//! report passes through unchanged.
//!
//! XR packets are reached through [`rtcp::parse_compound`](super::rtcp::parse_compound)
//! (as [`RtcpPacket::ExtendedReport`](super::rtcp::RtcpPacket::ExtendedReport))
//! and written with [`RtcpWriter::extended_report`](super::rtcp::RtcpWriter::extended_report).
//! Every length is checked against what remains: a block whose length
//! word runs past its packet, or a fixed-size block (BT=4, BT=7) of the
//! wrong size, makes the packet malformed; nothing allocates more than the
//! datagram implies.
//!
//! ```
//! use openphone_media::rtp::rtcp::{self, RtcpPacket, RtcpWriter};
//! use openphone_media::rtp::xr::{ExtendedReport, VoipMetrics, XrBlock};
//! let xr = ExtendedReport {
//!     ssrc: 0x1234,
//!     blocks: vec![XrBlock::VoipMetrics(VoipMetrics { ssrc: 7, r_factor: 80, ..VoipMetrics::unavailable() })],
//! };
//! let mut buf = [0u8; 128];
//! let mut w = RtcpWriter::new(&mut buf);
//! w.extended_report(&xr).unwrap();
//! let n = w.len();
//! assert_eq!(rtcp::parse_compound(&buf[..n]).unwrap(), vec![RtcpPacket::ExtendedReport(xr)]);
//! ```

use std::time::Duration;

use super::rtcp::RtcpError;

/// XR block types (RFC 3611 §4, IANA "RTCP XR Block Type" registry).
pub mod bt {
    /// Loss RLE (§4.1), kept raw.
    pub const LOSS_RLE: u8 = 1;
    /// Duplicate RLE (§4.2), kept raw.
    pub const DUPLICATE_RLE: u8 = 2;
    /// Packet receipt times (§4.3), kept raw.
    pub const RECEIPT_TIMES: u8 = 3;
    /// Receiver Reference Time (§4.4).
    pub const RECEIVER_REFERENCE_TIME: u8 = 4;
    /// DLRR (§4.5).
    pub const DLRR: u8 = 5;
    /// Statistics summary (§4.6), kept raw.
    pub const STATISTICS_SUMMARY: u8 = 6;
    /// VoIP Metrics (§4.7).
    pub const VOIP_METRICS: u8 = 7;
}

/// One XR packet: the reporter and its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedReport {
    /// SSRC of the packet's originator.
    pub ssrc: u32,
    /// Report blocks, in packet order.
    pub blocks: Vec<XrBlock>,
}

/// One XR report block.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum XrBlock {
    /// BT=4: the sender's wall clock, so non-senders can measure RTT.
    ReceiverReferenceTime {
        /// NTP timestamp (64-bit fixed point, seconds since 1900).
        ntp: u64,
    },
    /// BT=5: replies to Receiver Reference Time blocks.
    Dlrr(Vec<DlrrItem>),
    /// BT=7: VoIP call quality metrics.
    VoipMetrics(VoipMetrics),
    /// Any other block type, kept verbatim.
    Other {
        /// Block type.
        block_type: u8,
        /// The type-specific byte of its header.
        type_specific: u8,
        /// Contents after the 4-byte block header (a multiple of 4 bytes).
        body: Vec<u8>,
    },
}

/// One sub-block of a DLRR block (RFC 3611 §4.5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DlrrItem {
    /// The receiver whose Receiver Reference Time block this answers.
    pub ssrc: u32,
    /// Middle 32 bits of that block's NTP timestamp (0: none received).
    pub last_rr: u32,
    /// Delay since receiving it, in 1/65536 s.
    pub delay_since_last_rr: u32,
}

impl DlrrItem {
    /// Round-trip time per RFC 3611 §4.5: A − LRR − DLRR, where `arrival`
    /// is the middle 32 bits of our NTP clock when the DLRR arrived. `None`
    /// when no reference time was received (LRR = 0) or the result is
    /// negative (clock trouble or a forged block).
    pub fn round_trip(&self, arrival: u32) -> Option<Duration> {
        if self.last_rr == 0 {
            return None;
        }
        let rtt = arrival
            .wrapping_sub(self.last_rr)
            .wrapping_sub(self.delay_since_last_rr);
        // A "negative" result wraps to a huge value: more than half the
        // 16.16 range (~9 hours) is not a round trip.
        if rtt > 0x8000_0000 {
            return None;
        }
        Some(Duration::from_nanos((rtt as u64 * 1_000_000_000) >> 16))
    }
}

/// Packet loss concealment in use (RFC 3611 §4.7.6, RX config bits 0–1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PlcKind {
    /// 0: not specified.
    #[default]
    Unspecified,
    /// 1: none.
    Disabled,
    /// 2: an enhanced, e.g. codec-internal, method.
    Enhanced,
    /// 3: a standard method such as ITU-T G.711 Appendix I.
    Standard,
}

/// Jitter buffer adaptivity (RFC 3611 §4.7.6, RX config bits 2–3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum JitterBufferKind {
    /// 0: not known.
    #[default]
    Unknown,
    /// 1: reserved value, kept as received.
    Reserved,
    /// 2: fixed size.
    NonAdaptive,
    /// 3: adaptive.
    Adaptive,
}

/// The receiver configuration byte of a VoIP Metrics block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RxConfig {
    /// Concealment method.
    pub plc: PlcKind,
    /// Jitter buffer kind.
    pub jba: JitterBufferKind,
    /// Jitter buffer adjustment rate, 0–15 (§4.7.6).
    pub jb_rate: u8,
}

impl RxConfig {
    fn from_byte(b: u8) -> Self {
        RxConfig {
            plc: match b >> 6 {
                1 => PlcKind::Disabled,
                2 => PlcKind::Enhanced,
                3 => PlcKind::Standard,
                _ => PlcKind::Unspecified,
            },
            jba: match (b >> 4) & 3 {
                1 => JitterBufferKind::Reserved,
                2 => JitterBufferKind::NonAdaptive,
                3 => JitterBufferKind::Adaptive,
                _ => JitterBufferKind::Unknown,
            },
            jb_rate: b & 0x0F,
        }
    }

    fn to_byte(self) -> Result<u8, RtcpError> {
        if self.jb_rate > 15 {
            return Err(RtcpError::OutOfRange("XR jitter buffer rate above 15"));
        }
        let plc = match self.plc {
            PlcKind::Unspecified => 0,
            PlcKind::Disabled => 1,
            PlcKind::Enhanced => 2,
            PlcKind::Standard => 3,
        };
        let jba = match self.jba {
            JitterBufferKind::Unknown => 0,
            JitterBufferKind::Reserved => 1,
            JitterBufferKind::NonAdaptive => 2,
            JitterBufferKind::Adaptive => 3,
        };
        Ok((plc << 6) | (jba << 4) | self.jb_rate)
    }
}

/// The VoIP Metrics report block (RFC 3611 §4.7), in its wire units.
/// Rates and densities are fractions ×256; times are milliseconds;
/// [`VoipMetrics::UNAVAILABLE`] (127) marks signal/noise levels, RERL,
/// R factors and MOS values the reporter cannot provide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VoipMetrics {
    /// The source reported on.
    pub ssrc: u32,
    /// Fraction of packets lost in the network since the start, ×256.
    pub loss_rate: u8,
    /// Fraction of packets discarded by the jitter buffer since the start, ×256.
    pub discard_rate: u8,
    /// Fraction of packets lost or discarded within bursts, ×256.
    pub burst_density: u8,
    /// Fraction of packets lost or discarded within gaps, ×256.
    pub gap_density: u8,
    /// Mean burst duration, ms.
    pub burst_duration_ms: u16,
    /// Mean gap duration, ms.
    pub gap_duration_ms: u16,
    /// Latest round-trip time between RTP interfaces, ms (0: not measured).
    pub round_trip_delay_ms: u16,
    /// End-system delay (packetisation, encoding, jitter buffer, decoding,
    /// playout), ms (0: not provided).
    pub end_system_delay_ms: u16,
    /// Speech level, dBm0 (127: unavailable).
    pub signal_level: i8,
    /// Noise level in silence, dBm0 (127: unavailable).
    pub noise_level: i8,
    /// Residual echo return loss, dB (127: unavailable).
    pub rerl: u8,
    /// Gap threshold used for the burst metrics (16 recommended).
    pub gmin: u8,
    /// R factor on the narrowband scale, 0–100 (127: unavailable).
    pub r_factor: u8,
    /// External R factor, 0–100 (127: unavailable).
    pub ext_r_factor: u8,
    /// Listening-quality MOS ×10, 10–50 (127: unavailable).
    pub mos_lq: u8,
    /// Conversational-quality MOS ×10, 10–50 (127: unavailable).
    pub mos_cq: u8,
    /// Receiver configuration.
    pub rx_config: RxConfig,
    /// Nominal jitter buffer delay, ms.
    pub jb_nominal_ms: u16,
    /// Maximum jitter buffer delay, ms.
    pub jb_maximum_ms: u16,
    /// Absolute maximum the jitter buffer can reach, ms.
    pub jb_abs_max_ms: u16,
}

impl VoipMetrics {
    /// The RFC 3611 marker for a value the reporter cannot provide.
    pub const UNAVAILABLE: u8 = 127;
    /// The recommended gap threshold (RFC 3611 §4.7.2).
    pub const GMIN: u8 = 16;
    /// Body length after the block header.
    const BODY: usize = 32;

    /// A block with every optional measure marked unavailable and the
    /// counters at zero (what RFC 3611 requires before anything was received).
    pub fn unavailable() -> Self {
        VoipMetrics {
            signal_level: Self::UNAVAILABLE as i8,
            noise_level: Self::UNAVAILABLE as i8,
            rerl: Self::UNAVAILABLE,
            gmin: Self::GMIN,
            r_factor: Self::UNAVAILABLE,
            ext_r_factor: Self::UNAVAILABLE,
            mos_lq: Self::UNAVAILABLE,
            mos_cq: Self::UNAVAILABLE,
            ..Default::default()
        }
    }

    /// The conversational MOS as a number (1.0–5.0), if provided.
    pub fn mos_cq(&self) -> Option<f32> {
        (self.mos_cq != Self::UNAVAILABLE).then(|| self.mos_cq as f32 / 10.0)
    }

    /// The R factor, if provided.
    pub fn r_factor(&self) -> Option<u8> {
        (self.r_factor != Self::UNAVAILABLE).then_some(self.r_factor)
    }

    fn parse(b: &[u8]) -> Option<Self> {
        if b.len() != Self::BODY {
            return None;
        }
        let u16at = |i: usize| u16::from_be_bytes([b[i], b[i + 1]]);
        Some(VoipMetrics {
            ssrc: u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
            loss_rate: b[4],
            discard_rate: b[5],
            burst_density: b[6],
            gap_density: b[7],
            burst_duration_ms: u16at(8),
            gap_duration_ms: u16at(10),
            round_trip_delay_ms: u16at(12),
            end_system_delay_ms: u16at(14),
            signal_level: b[16] as i8,
            noise_level: b[17] as i8,
            rerl: b[18],
            gmin: b[19],
            r_factor: b[20],
            ext_r_factor: b[21],
            mos_lq: b[22],
            mos_cq: b[23],
            rx_config: RxConfig::from_byte(b[24]),
            // b[25] is reserved: ignored.
            jb_nominal_ms: u16at(26),
            jb_maximum_ms: u16at(28),
            jb_abs_max_ms: u16at(30),
        })
    }

    fn write(&self, out: &mut [u8]) -> Result<(), RtcpError> {
        let out = out.get_mut(..Self::BODY).ok_or(RtcpError::BufferTooSmall)?;
        out[0..4].copy_from_slice(&self.ssrc.to_be_bytes());
        out[4] = self.loss_rate;
        out[5] = self.discard_rate;
        out[6] = self.burst_density;
        out[7] = self.gap_density;
        out[8..10].copy_from_slice(&self.burst_duration_ms.to_be_bytes());
        out[10..12].copy_from_slice(&self.gap_duration_ms.to_be_bytes());
        out[12..14].copy_from_slice(&self.round_trip_delay_ms.to_be_bytes());
        out[14..16].copy_from_slice(&self.end_system_delay_ms.to_be_bytes());
        out[16] = self.signal_level as u8;
        out[17] = self.noise_level as u8;
        out[18] = self.rerl;
        out[19] = self.gmin;
        out[20] = self.r_factor;
        out[21] = self.ext_r_factor;
        out[22] = self.mos_lq;
        out[23] = self.mos_cq;
        out[24] = self.rx_config.to_byte()?;
        out[25] = 0;
        out[26..28].copy_from_slice(&self.jb_nominal_ms.to_be_bytes());
        out[28..30].copy_from_slice(&self.jb_maximum_ms.to_be_bytes());
        out[30..32].copy_from_slice(&self.jb_abs_max_ms.to_be_bytes());
        Ok(())
    }
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Parses an XR packet body (everything after the 4-byte RTCP header,
/// padding already removed).
pub(crate) fn parse(body: &[u8]) -> Result<ExtendedReport, RtcpError> {
    let ssrc = be32(body, 0).ok_or(RtcpError::Malformed("XR too short"))?;
    let mut rest = &body[4..];
    // Every block takes at least its 4-byte header: this bounds the Vec.
    let mut blocks = Vec::with_capacity((rest.len() / 4).min(64));
    while !rest.is_empty() {
        let header = rest
            .get(..4)
            .ok_or(RtcpError::Malformed("XR block header truncated"))?;
        let (block_type, type_specific) = (header[0], header[1]);
        let words = u16::from_be_bytes([header[2], header[3]]) as usize;
        let content = rest
            .get(4..4 + words * 4)
            .ok_or(RtcpError::Malformed("XR block exceeds packet"))?;
        blocks.push(parse_block(block_type, type_specific, content)?);
        rest = &rest[4 + words * 4..];
    }
    Ok(ExtendedReport { ssrc, blocks })
}

fn parse_block(block_type: u8, type_specific: u8, b: &[u8]) -> Result<XrBlock, RtcpError> {
    Ok(match block_type {
        bt::RECEIVER_REFERENCE_TIME => {
            if b.len() != 8 {
                return Err(RtcpError::Malformed(
                    "XR receiver reference time length is not 2",
                ));
            }
            let hi = be32(b, 0).ok_or(RtcpError::Malformed("XR RRT"))?;
            let lo = be32(b, 4).ok_or(RtcpError::Malformed("XR RRT"))?;
            XrBlock::ReceiverReferenceTime {
                ntp: ((hi as u64) << 32) | lo as u64,
            }
        }
        bt::DLRR => {
            if b.len() % 12 != 0 {
                return Err(RtcpError::Malformed(
                    "XR DLRR length is not a multiple of 3",
                ));
            }
            XrBlock::Dlrr(
                b.chunks_exact(12)
                    .map(|c| DlrrItem {
                        ssrc: u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                        last_rr: u32::from_be_bytes([c[4], c[5], c[6], c[7]]),
                        delay_since_last_rr: u32::from_be_bytes([c[8], c[9], c[10], c[11]]),
                    })
                    .collect(),
            )
        }
        bt::VOIP_METRICS => XrBlock::VoipMetrics(
            VoipMetrics::parse(b).ok_or(RtcpError::Malformed("XR VoIP metrics length is not 8"))?,
        ),
        _ => XrBlock::Other {
            block_type,
            type_specific,
            body: b.to_vec(),
        },
    })
}

/// Body length in bytes (after the RTCP header) of `xr` once written.
pub(crate) fn body_len(xr: &ExtendedReport) -> Result<usize, RtcpError> {
    let mut n = 4usize;
    for b in &xr.blocks {
        n += 4 + block_content_len(b)?;
    }
    Ok(n)
}

fn block_content_len(b: &XrBlock) -> Result<usize, RtcpError> {
    let n = match b {
        XrBlock::ReceiverReferenceTime { .. } => 8,
        XrBlock::Dlrr(items) => items.len() * 12,
        XrBlock::VoipMetrics(_) => VoipMetrics::BODY,
        XrBlock::Other { body, .. } => {
            if body.len() % 4 != 0 {
                return Err(RtcpError::OutOfRange(
                    "XR block body not a multiple of 4 bytes",
                ));
            }
            body.len()
        }
    };
    if n / 4 > u16::MAX as usize {
        return Err(RtcpError::OutOfRange("XR block longer than 65535 words"));
    }
    Ok(n)
}

/// Writes the body of `xr` into `out`, which must be exactly
/// [`body_len`] bytes long.
pub(crate) fn write_body(xr: &ExtendedReport, out: &mut [u8]) -> Result<(), RtcpError> {
    let mut at = 0usize;
    let mut put = |bytes: &[u8], at: &mut usize| -> Result<(), RtcpError> {
        out.get_mut(*at..*at + bytes.len())
            .ok_or(RtcpError::BufferTooSmall)?
            .copy_from_slice(bytes);
        *at += bytes.len();
        Ok(())
    };
    put(&xr.ssrc.to_be_bytes(), &mut at)?;
    for b in &xr.blocks {
        let len = block_content_len(b)?;
        let (block_type, type_specific) = match b {
            XrBlock::ReceiverReferenceTime { .. } => (bt::RECEIVER_REFERENCE_TIME, 0),
            XrBlock::Dlrr(_) => (bt::DLRR, 0),
            XrBlock::VoipMetrics(_) => (bt::VOIP_METRICS, 0),
            XrBlock::Other {
                block_type,
                type_specific,
                ..
            } => (*block_type, *type_specific),
        };
        let words = (len / 4) as u16;
        let w = words.to_be_bytes();
        put(&[block_type, type_specific, w[0], w[1]], &mut at)?;
        match b {
            XrBlock::ReceiverReferenceTime { ntp } => put(&ntp.to_be_bytes(), &mut at)?,
            XrBlock::Dlrr(items) => {
                for i in items {
                    put(&i.ssrc.to_be_bytes(), &mut at)?;
                    put(&i.last_rr.to_be_bytes(), &mut at)?;
                    put(&i.delay_since_last_rr.to_be_bytes(), &mut at)?;
                }
            }
            XrBlock::VoipMetrics(m) => {
                let mut body = [0u8; VoipMetrics::BODY];
                m.write(&mut body)?;
                put(&body, &mut at)?;
            }
            XrBlock::Other { body, .. } => put(body, &mut at)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

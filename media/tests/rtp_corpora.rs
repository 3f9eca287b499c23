//! RTCP/RTP parsers against outside inputs: the Asterisk AST-2017-012
//! regression packets and pjproject's fuzz seeds (see
//! `shared/corpora/*/README.md` for their origin). The corpora live beside
//! the repository (`../shared/corpora`); the tests fail, naming the path,
//! if they are missing.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use openphone_media::rtp::rtcp::{self, RtcpPacket};
use openphone_media::rtp::xr::{DlrrItem, JitterBufferKind, PlcKind, XrBlock};
use openphone_media::rtp::{RtpPacket, RtpSession, SessionConfig};

fn corpora() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora");
    assert!(
        p.is_dir(),
        "test corpora not found at {} (the shared/ folder must sit beside the repository)",
        p.display()
    );
    p
}

fn read(rel: &str) -> Vec<u8> {
    let p = corpora().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn kinds(packets: &[RtcpPacket]) -> Vec<String> {
    packets
        .iter()
        .map(|p| match p {
            RtcpPacket::SenderReport { reports, .. } => format!("SR{}", reports.len()),
            RtcpPacket::ReceiverReport { reports, .. } => format!("RR{}", reports.len()),
            RtcpPacket::SourceDescription(c) => format!("SDES{}", c.len()),
            RtcpPacket::Goodbye { ssrcs, .. } => format!("BYE{}", ssrcs.len()),
            RtcpPacket::ExtendedReport(xr) => format!("XR{}", xr.blocks.len()),
            RtcpPacket::Other { packet_type, .. } => format!("PT{packet_type}"),
            _ => "?".into(),
        })
        .collect()
}

fn feed_session(buf: &[u8]) {
    let now = Instant::now();
    let mut s = RtpSession::new(now, 0, SessionConfig::new("t", 8000), 5);
    let from: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let _ = s.receive_rtcp(now, from, buf);
    // The session stays usable: it still writes a report.
    let mut out = [0u8; 512];
    assert!(s
        .poll_rtcp(now + Duration::from_secs(10), &mut out)
        .is_some());
}

#[test]
fn asterisk_ast_2017_012_compounds() {
    // README: frame122 = SR(RC=1) + RR(RC=1) + SDES; frame276 = SR(RC=1) + RR(RC=0) + SDES.
    for (file, want) in [
        (
            "asterisk-regressions/ast-2017-012-rtcp-frame122.bin",
            ["SR1", "RR1", "SDES1"],
        ),
        (
            "asterisk-regressions/ast-2017-012-rtcp-frame276.bin",
            ["SR1", "RR0", "SDES1"],
        ),
    ] {
        let buf = read(file);
        let (packets, err) = rtcp::parse_compound_lenient(&buf);
        assert_eq!(err, None, "{file}");
        assert_eq!(kinds(&packets), want, "{file}");
        let RtcpPacket::SenderReport {
            ssrc,
            info,
            reports,
        } = &packets[0]
        else {
            unreachable!()
        };
        assert_eq!(*ssrc, 0x6a1b_26d7);
        // The sender put Unix seconds (2017-10-30, the capture date) where NTP
        // seconds belong; we parse the field verbatim.
        assert_eq!(info.ntp >> 40, 0x59f70a);
        assert_eq!(reports[0].ssrc, 0x197f_4b44);
        feed_session(&buf);
    }
}

#[test]
fn pjsip_rtcp_seeds() {
    let expect = [
        ("1.rtcp", "SR"),
        ("2.rtcp", "RR1"),
        ("3.rtcp", "SDES1"),
        ("4.rtcp", "BYE1"),
        ("5.rtcp", "PT205"),
        ("6.rtcp", "PT206"),
        ("7.rtcp", "XR4"),
        ("seed-rtcp-fb-nack.bin", "PT205"),
        ("seed-rtcp-fb-pli.bin", "PT206"),
        ("seed-rtcp-fb-rpsi.bin", "PT206"),
        ("seed-rtcp-fb-sli.bin", "PT206"),
    ];
    let dir = corpora().join("pjsip-fuzz-seeds/rtcp");
    let count = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(
        count,
        expect.len(),
        "new seeds in {}: add them here",
        dir.display()
    );
    for (file, first) in expect {
        let buf = read(&format!("pjsip-fuzz-seeds/rtcp/{file}"));
        let packets = rtcp::parse_compound(&buf).unwrap_or_else(|e| panic!("{file}: {e}"));
        let k = kinds(&packets);
        assert!(k[0].starts_with(first), "{file}: {k:?}");
        feed_session(&buf);
        // Every truncation of a seed is handled without panicking.
        for n in 0..buf.len() {
            let _ = rtcp::parse_compound_lenient(&buf[..n]);
            feed_session(&buf[..n]);
        }
    }
    // The SDES seed carries a CNAME.
    let sdes = rtcp::parse_compound(&read("pjsip-fuzz-seeds/rtcp/3.rtcp")).unwrap();
    let RtcpPacket::SourceDescription(chunks) = &sdes[0] else {
        unreachable!()
    };
    assert!(chunks[0].cname.as_deref().is_some_and(|c| !c.is_empty()));
    // The XR seed (pjmedia's own writer): RRT, DLRR, statistics summary
    // (kept raw) and VoIP metrics, with the values its bytes spell.
    let xr = rtcp::parse_compound(&read("pjsip-fuzz-seeds/rtcp/7.rtcp")).unwrap();
    let RtcpPacket::ExtendedReport(xr) = &xr[0] else {
        panic!("7.rtcp: {xr:?}")
    };
    assert_eq!(xr.ssrc, 0x0eb9_f2b8);
    let [XrBlock::ReceiverReferenceTime { ntp }, XrBlock::Dlrr(dlrr), XrBlock::Other {
        block_type: 6,
        type_specific: 0xe0,
        body,
    }, XrBlock::VoipMetrics(m)] = &xr.blocks[..]
    else {
        panic!("7.rtcp blocks: {:?}", xr.blocks)
    };
    assert_eq!(*ntp, 0xe79f_16df_e97f_e8ee);
    assert_eq!(
        dlrr[..],
        [DlrrItem {
            ssrc: 0x540d_f5a9,
            last_rr: 0x16dd_d0ab,
            delay_since_last_rr: 0x0002_290b
        }]
    );
    assert_eq!(body.len(), 36);
    assert_eq!(m.ssrc, 0x540d_f5a9);
    assert_eq!(
        (m.loss_rate, m.discard_rate, m.round_trip_delay_ms),
        (0, 0, 0)
    );
    assert_eq!(m.end_system_delay_ms, 290);
    assert_eq!(
        (m.signal_level, m.noise_level, m.rerl, m.gmin),
        (127, 127, 127, 16)
    );
    assert_eq!((m.r_factor(), m.mos_cq()), (None, None));
    assert_eq!(m.rx_config.plc, PlcKind::Enhanced);
    assert_eq!(m.rx_config.jba, JitterBufferKind::Adaptive);
    assert_eq!(m.rx_config.jb_rate, 7);
    assert_eq!(
        (m.jb_nominal_ms, m.jb_maximum_ms, m.jb_abs_max_ms),
        (20, 20, 500)
    );
}

#[test]
fn pjsip_rtp_seeds() {
    // Harness format: bytes 5..17 and 17..29 are two RTP headers, 36.. packets.
    for file in [
        "jitter_outoforder.rtp",
        "minimal_working.rtp",
        "sequence_gaps.rtp",
    ] {
        let buf = read(&format!("pjsip-fuzz-seeds/rtp/{file}"));
        let h1 = RtpPacket::parse(&buf[5..17]).unwrap_or_else(|e| panic!("{file}: {e}"));
        let h2 = RtpPacket::parse(&buf[17..29]).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            h2.header.sequence,
            h1.header.sequence.wrapping_add(1),
            "{file}"
        );
        assert_eq!(h1.header.ssrc, h2.header.ssrc);
        // Any window of the file: parse never panics, payload stays inside.
        for start in 0..buf.len() {
            for end in start..buf.len().min(start + 64) {
                if let Ok(p) = RtpPacket::parse(&buf[start..end]) {
                    assert!(p.payload.len() <= end - start);
                }
            }
        }
    }
}

use proptest::prelude::*;

use super::*;
use crate::rtp::rtcp::{parse_compound, parse_compound_lenient, RtcpPacket, RtcpWriter};

fn sample_metrics() -> VoipMetrics {
    VoipMetrics {
        ssrc: 0x0A0B_0C0D,
        loss_rate: 5,
        discard_rate: 2,
        burst_density: 85,
        gap_density: 3,
        burst_duration_ms: 240,
        gap_duration_ms: 5360,
        round_trip_delay_ms: 84,
        end_system_delay_ms: 95,
        signal_level: -18,
        noise_level: -60,
        rerl: 127,
        gmin: 16,
        r_factor: 82,
        ext_r_factor: 127,
        mos_lq: 127,
        mos_cq: 41,
        rx_config: RxConfig {
            plc: PlcKind::Standard,
            jba: JitterBufferKind::Adaptive,
            jb_rate: 4,
        },
        jb_nominal_ms: 60,
        jb_maximum_ms: 120,
        jb_abs_max_ms: 300,
    }
}

fn write(xr: &ExtendedReport) -> Vec<u8> {
    let mut buf = vec![0u8; 2048];
    let mut w = RtcpWriter::new(&mut buf);
    w.extended_report(xr).unwrap();
    let n = w.len();
    buf.truncate(n);
    buf
}

#[test]
fn voip_metrics_wire_layout_matches_rfc3611_figure() {
    // Built by hand from the §4.7 diagram, not by our writer.
    #[rustfmt::skip]
    let pkt: [u8; 44] = [
        0x80, 207, 0, 10,             // V=2, PT=XR, 11 words
        0xCA, 0xFE, 0xF0, 0x0D,       // reporter SSRC
        7, 0, 0, 8,                   // BT=7, reserved, block length 8
        0x0A, 0x0B, 0x0C, 0x0D,       // SSRC of source
        5, 2, 85, 3,                  // loss, discard, burst density, gap density
        0, 240, 0x14, 0xF0,           // burst duration 240, gap duration 5360
        0, 84, 0, 95,                 // round trip 84, end system 95
        0xEE, 0xC4, 127, 16,          // signal −18, noise −60, RERL n/a, Gmin 16
        82, 127, 127, 41,             // R, ext R, MOS-LQ, MOS-CQ
        0b1111_0100, 0, 0, 60,        // PLC standard, JBA adaptive, rate 4; reserved; JB nominal 60
        0, 120, 1, 44,                // JB max 120, JB abs max 300
    ];
    let p = parse_compound(&pkt).unwrap();
    assert_eq!(
        p,
        vec![RtcpPacket::ExtendedReport(ExtendedReport {
            ssrc: 0xCAFE_F00D,
            blocks: vec![XrBlock::VoipMetrics(sample_metrics())],
        })]
    );
    // And our writer produces exactly those bytes.
    let RtcpPacket::ExtendedReport(xr) = &p[0] else {
        unreachable!()
    };
    assert_eq!(write(xr), pkt);
}

#[test]
fn rrt_and_dlrr_wire_layout() {
    #[rustfmt::skip]
    let pkt: [u8; 48] = [
        0x80, 207, 0, 11,
        0, 0, 0, 9,                   // reporter
        4, 0, 0, 2,                   // BT=4, length 2
        0xE8, 0x00, 0x00, 0x01, 0x80, 0x00, 0x00, 0x00,
        5, 0, 0, 6,                   // BT=5, two sub-blocks
        0, 0, 0, 1, 0x00, 0x01, 0x80, 0x00, 0, 0, 0x40, 0,
        0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    let p = parse_compound(&pkt).unwrap();
    let want = ExtendedReport {
        ssrc: 9,
        blocks: vec![
            XrBlock::ReceiverReferenceTime {
                ntp: 0xE800_0001_8000_0000,
            },
            XrBlock::Dlrr(vec![
                DlrrItem {
                    ssrc: 1,
                    last_rr: 0x0001_8000,
                    delay_since_last_rr: 0x4000,
                },
                DlrrItem {
                    ssrc: 2,
                    last_rr: 0,
                    delay_since_last_rr: 0,
                },
            ]),
        ],
    };
    assert_eq!(p, vec![RtcpPacket::ExtendedReport(want.clone())]);
    assert_eq!(write(&want), pkt);
}

#[test]
fn dlrr_round_trip_time() {
    let item = DlrrItem {
        ssrc: 1,
        last_rr: 0x0001_0000,             // 1.0 s
        delay_since_last_rr: 0x0000_8000, // 0.5 s held by the peer
    };
    // Arrives at 1.75 s: RTT = 0.25 s.
    assert_eq!(
        item.round_trip(0x0001_C000),
        Some(Duration::from_millis(250))
    );
    // Arrival before LRR + DLRR: negative, rejected.
    assert_eq!(item.round_trip(0x0001_4000), None);
    let none = DlrrItem { last_rr: 0, ..item };
    assert_eq!(none.round_trip(0x0001_C000), None);
}

#[test]
fn unknown_blocks_pass_through() {
    let xr = ExtendedReport {
        ssrc: 1,
        blocks: vec![
            XrBlock::Other {
                block_type: bt::STATISTICS_SUMMARY,
                type_specific: 0xE0,
                body: (0..36).collect(),
            },
            XrBlock::Other {
                block_type: 200,
                type_specific: 1,
                body: vec![],
            },
            XrBlock::VoipMetrics(VoipMetrics::unavailable()),
        ],
    };
    let bytes = write(&xr);
    assert_eq!(
        parse_compound(&bytes).unwrap(),
        vec![RtcpPacket::ExtendedReport(xr)]
    );
}

#[test]
fn malformed_blocks_are_errors() {
    let ok = write(&ExtendedReport {
        ssrc: 1,
        blocks: vec![XrBlock::VoipMetrics(sample_metrics())],
    });
    // Block length word larger than the packet.
    let mut b = ok.clone();
    b[11] = 9;
    assert!(parse_compound(&b).is_err());
    // VoIP metrics with a length other than 8 (shrink packet and block by one word).
    let mut b = ok.clone();
    b.truncate(b.len() - 4);
    b[3] -= 1;
    b[11] = 7;
    assert_eq!(
        parse_compound(&b),
        Err(RtcpError::Malformed("XR VoIP metrics length is not 8"))
    );
    // RRT with length 1.
    let b = [0x80, 207, 0, 3, 0, 0, 0, 1, 4, 0, 0, 1, 0, 0, 0, 0];
    assert!(parse_compound(&b).is_err());
    // DLRR with 2 words.
    let b = [
        0x80, 207, 0, 4, 0, 0, 0, 1, 5, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0,
    ];
    assert!(parse_compound(&b).is_err());
    // No room for the reporter SSRC.
    assert!(parse_compound(&[0x80, 207, 0, 0]).is_err());
    // An empty XR (reporter only) is valid.
    assert_eq!(
        parse_compound(&[0x80, 207, 0, 1, 0, 0, 0, 5]).unwrap(),
        vec![RtcpPacket::ExtendedReport(ExtendedReport {
            ssrc: 5,
            blocks: vec![]
        })]
    );
}

#[test]
fn writer_rejects_what_cannot_be_encoded() {
    let mut buf = [0u8; 256];
    let mut w = RtcpWriter::new(&mut buf);
    let bad_rate = ExtendedReport {
        ssrc: 1,
        blocks: vec![XrBlock::VoipMetrics(VoipMetrics {
            rx_config: RxConfig {
                jb_rate: 16,
                ..Default::default()
            },
            ..VoipMetrics::unavailable()
        })],
    };
    assert!(matches!(
        w.extended_report(&bad_rate),
        Err(RtcpError::OutOfRange(_))
    ));
    let odd = ExtendedReport {
        ssrc: 1,
        blocks: vec![XrBlock::Other {
            block_type: 99,
            type_specific: 0,
            body: vec![1, 2, 3],
        }],
    };
    assert!(w.extended_report(&odd).is_err());
    // Nothing was written by the failed attempts.
    assert_eq!(w.len(), 0);
    let mut small = [0u8; 40];
    let mut w = RtcpWriter::new(&mut small);
    let one = ExtendedReport {
        ssrc: 1,
        blocks: vec![XrBlock::VoipMetrics(VoipMetrics::unavailable())],
    };
    assert_eq!(w.extended_report(&one), Err(RtcpError::BufferTooSmall));
    assert_eq!(w.len(), 0);
}

fn rx_config() -> impl Strategy<Value = RxConfig> {
    (0u8..=255).prop_map(RxConfig::from_byte)
}

fn metrics() -> impl Strategy<Value = VoipMetrics> {
    (
        (any::<u32>(), any::<[u8; 4]>(), any::<[u16; 4]>()),
        (any::<[i8; 2]>(), any::<[u8; 6]>()),
        (rx_config(), any::<[u16; 3]>()),
    )
        .prop_map(|((ssrc, r, d), (lv, q), (rx, jb))| VoipMetrics {
            ssrc,
            loss_rate: r[0],
            discard_rate: r[1],
            burst_density: r[2],
            gap_density: r[3],
            burst_duration_ms: d[0],
            gap_duration_ms: d[1],
            round_trip_delay_ms: d[2],
            end_system_delay_ms: d[3],
            signal_level: lv[0],
            noise_level: lv[1],
            rerl: q[0],
            gmin: q[1],
            r_factor: q[2],
            ext_r_factor: q[3],
            mos_lq: q[4],
            mos_cq: q[5],
            rx_config: rx,
            jb_nominal_ms: jb[0],
            jb_maximum_ms: jb[1],
            jb_abs_max_ms: jb[2],
        })
}

fn block() -> impl Strategy<Value = XrBlock> {
    prop_oneof![
        any::<u64>().prop_map(|ntp| XrBlock::ReceiverReferenceTime { ntp }),
        proptest::collection::vec(any::<(u32, u32, u32)>(), 0..5).prop_map(|v| {
            XrBlock::Dlrr(
                v.into_iter()
                    .map(|(ssrc, last_rr, delay_since_last_rr)| DlrrItem {
                        ssrc,
                        last_rr,
                        delay_since_last_rr,
                    })
                    .collect(),
            )
        }),
        metrics().prop_map(XrBlock::VoipMetrics),
        (
            prop_oneof![1u8..=3, Just(6u8), 8u8..=255],
            any::<u8>(),
            proptest::collection::vec(any::<[u8; 4]>(), 0..6)
        )
            .prop_map(|(block_type, type_specific, words)| XrBlock::Other {
                block_type,
                type_specific,
                body: words.concat(),
            }),
    ]
}

proptest! {
    #[test]
    fn xr_roundtrip_in_a_compound(
        ssrc: u32,
        blocks in proptest::collection::vec(block(), 0..6),
    ) {
        let xr = ExtendedReport { ssrc, blocks };
        let mut buf = vec![0u8; 4096];
        let mut w = RtcpWriter::new(&mut buf);
        w.receiver_report(ssrc, &[]).unwrap();
        w.extended_report(&xr).unwrap();
        w.sdes_cname(ssrc, "x@y").unwrap();
        let n = w.len();
        let p = parse_compound(&buf[..n]).unwrap();
        prop_assert_eq!(p.len(), 3);
        prop_assert_eq!(&p[1], &RtcpPacket::ExtendedReport(xr));
    }

    #[test]
    fn xr_shaped_garbage_never_panics(
        words in 0u16..80,
        body in proptest::collection::vec(any::<u8>(), 0..320),
        blocks in proptest::collection::vec((any::<u8>(), 0u16..12), 0..8),
    ) {
        // An XR header, a reporter, then block headers whose lengths may lie.
        let mut pkt = vec![0x80, 207];
        pkt.extend(words.to_be_bytes());
        pkt.extend([0, 0, 0, 1]);
        for (bt, len) in blocks {
            pkt.extend([bt, 0]);
            pkt.extend(len.to_be_bytes());
            pkt.extend(body.iter().take(len as usize * 4));
        }
        pkt.extend(&body);
        let (packets, _) = parse_compound_lenient(&pkt);
        // Whatever XR parsed writes back and reads back the same.
        for p in packets {
            if let RtcpPacket::ExtendedReport(xr) = p {
                let again = write(&xr);
                prop_assert_eq!(
                    parse_compound(&again).unwrap(),
                    vec![RtcpPacket::ExtendedReport(xr)]
                );
            }
        }
    }
}

//! Our RTCP XR packets (RFC 3611: VoIP Metrics, Receiver Reference Time,
//! DLRR) as Wireshark's RTCP dissector (tshark, an independent
//! implementation) reads them: written into a pcap (raw IPv4/UDP), every
//! field compared, and no malformed-packet or expert warning allowed.
//! tshark must be installed; the test fails, naming it, if not.

use std::path::{Path, PathBuf};
use std::process::Command;

use openphone_media::rtp::rtcp::RtcpWriter;
use openphone_media::rtp::xr::{
    DlrrItem, ExtendedReport, JitterBufferKind, PlcKind, RxConfig, VoipMetrics, XrBlock,
};

const RTCP_PORT: u16 = 5005;

mod pcap_file;

use pcap_file::pcap;

/// One row per frame, one column per field (multiple values comma-joined).
fn tshark(file: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<String> = vec![
        "-r".into(),
        file.to_str().unwrap().into(),
        "-d".into(),
        format!("udp.port=={RTCP_PORT},rtcp"),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "separator=|".into(),
    ];
    for f in fields {
        args.push("-e".into());
        args.push((*f).into());
    }
    // UTC so the NTP timestamp prints the same everywhere.
    let out = Command::new("tshark")
        .env("TZ", "UTC")
        .args(&args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "tshark is required for this test but could not be run: {e} (apt-get install tshark)"
            )
        });
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('|').map(str::to_string).collect())
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("openphone-xr-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

fn compound(reporter: u32, xr: &ExtendedReport) -> Vec<u8> {
    let mut buf = vec![0u8; 1500];
    let mut w = RtcpWriter::new(&mut buf);
    w.receiver_report(reporter, &[]).unwrap();
    w.sdes_cname(reporter, "xr@127.0.0.1").unwrap();
    w.extended_report(xr).unwrap();
    let n = w.len();
    buf.truncate(n);
    buf
}

#[test]
fn xr_blocks_as_tshark_reads_them() {
    let reporter = 0xCAFE_F00D;
    let metrics = VoipMetrics {
        ssrc: 0x0A0B_0C0D,
        loss_rate: 13,
        discard_rate: 2,
        burst_density: 85,
        gap_density: 3,
        burst_duration_ms: 240,
        gap_duration_ms: 5360,
        round_trip_delay_ms: 84,
        end_system_delay_ms: 95,
        signal_level: -18,
        noise_level: -60,
        rerl: VoipMetrics::UNAVAILABLE,
        gmin: 16,
        r_factor: 82,
        ext_r_factor: VoipMetrics::UNAVAILABLE,
        mos_lq: VoipMetrics::UNAVAILABLE,
        mos_cq: 41,
        rx_config: RxConfig {
            plc: PlcKind::Standard,
            jba: JitterBufferKind::Adaptive,
            jb_rate: 4,
        },
        jb_nominal_ms: 60,
        jb_maximum_ms: 120,
        jb_abs_max_ms: 300,
    };
    let voip = ExtendedReport {
        ssrc: reporter,
        blocks: vec![XrBlock::VoipMetrics(metrics)],
    };
    // 2023-05-05 22:21:53.5 UTC in NTP format.
    let ntp = 0xE800_0001_8000_0000u64;
    let rtt = ExtendedReport {
        ssrc: reporter,
        blocks: vec![
            XrBlock::ReceiverReferenceTime { ntp },
            XrBlock::Dlrr(vec![
                DlrrItem {
                    ssrc: 0x1111_2222,
                    last_rr: 0x0001_8000,
                    delay_since_last_rr: 0x4000,
                },
                DlrrItem {
                    ssrc: 0x3333_4444,
                    last_rr: 7,
                    delay_since_last_rr: 9,
                },
            ]),
        ],
    };
    let file = scratch("xr.pcap");
    std::fs::write(
        &file,
        pcap(&[
            (RTCP_PORT, compound(reporter, &voip)),
            (RTCP_PORT, compound(reporter, &rtt)),
        ]),
    )
    .unwrap();
    let rows = tshark(
        &file,
        &[
            "rtcp.pt",                           // 0
            "rtcp.senderssrc",                   // 1
            "rtcp.xr.bt",                        // 2
            "rtcp.xr.bl",                        // 3
            "rtcp.ssrc.identifier",              // 4
            "rtcp.ssrc.fraction",                // 5 loss rate
            "rtcp.ssrc.discarded",               // 6 discard rate
            "rtcp.xr.voipmetrics.burstdensity",  // 7
            "rtcp.xr.voipmetrics.gapdensity",    // 8
            "rtcp.xr.voipmetrics.burstduration", // 9
            "rtcp.xr.voipmetrics.gapduration",   // 10
            "rtcp.xr.voipmetrics.rtdelay",       // 11
            "rtcp.xr.voipmetrics.esdelay",       // 12
            "rtcp.xr.voipmetrics.signallevel",   // 13
            "rtcp.xr.voipmetrics.noiselevel",    // 14
            "rtcp.xr.voipmetrics.rerl",          // 15
            "rtcp.xr.voipmetrics.gmin",          // 16
            "rtcp.xr.voipmetrics.rfactor",       // 17
            "rtcp.xr.voipmetrics.extrfactor",    // 18
            "rtcp.xr.voipmetrics.moslq",         // 19
            "rtcp.xr.voipmetrics.moscq",         // 20
            "rtcp.xr.voipmetrics.plc",           // 21
            "rtcp.xr.voipmetrics.jba",           // 22
            "rtcp.xr.voipmetrics.jbrate",        // 23
            "rtcp.xr.voipmetrics.jbnominal",     // 24
            "rtcp.xr.voipmetrics.jbmax",         // 25
            "rtcp.xr.voipmetrics.jbabsmax",      // 26
            "rtcp.xr.timestamp",                 // 27
            "rtcp.xr.lrr",                       // 28
            "rtcp.xr.dlrr",                      // 29
            "rtcp.length_check",                 // 30
            "_ws.malformed",                     // 31
            "_ws.expert",                        // 32
        ],
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in &rows {
        assert_eq!(r[0], "201,202,207", "{r:?}");
        assert!(r[1].split(',').all(|s| s == "0xcafef00d"), "{r:?}");
        assert_eq!(r[30], "1", "length check: {r:?}");
        assert_eq!(r[31], "", "malformed: {r:?}");
        assert_eq!(r[32], "", "expert info: {r:?}");
    }
    let v = &rows[0];
    let want = [
        (2, "7"),
        (3, "8"),
        // The SDES chunk's source comes first under the same field name.
        (4, "0xcafef00d,0x0a0b0c0d"),
        (5, "13"),
        (6, "2"),
        (7, "85"),
        (8, "3"),
        (9, "240"),
        (10, "5360"),
        (11, "84"),
        (12, "95"),
        (13, "-18"),
        (14, "-60"),
        (15, "127"),
        (16, "16"),
        (17, "82"),
        (18, "127"),
        (19, "127"),
        (20, "4.1"),
        (21, "3"), // Standard
        (22, "3"), // Adaptive
        (23, "4"),
        (24, "60"),
        (25, "120"),
        (26, "300"),
    ];
    for (col, value) in want {
        assert_eq!(v[col], value, "column {col}: {v:?}");
    }
    let t = &rows[1];
    assert_eq!(t[2], "4,5");
    assert_eq!(t[3], "2,6");
    assert_eq!(t[4], "0xcafef00d,0x11112222,0x33334444");
    assert_eq!(t[27], "May  5, 2023 22:21:53.500000000 UTC");
    assert_eq!(t[28], format!("{},7", 0x0001_8000));
    assert_eq!(t[29], format!("{},9", 0x4000));
}

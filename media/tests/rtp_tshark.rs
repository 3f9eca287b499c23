//! Our RTP, RFC 4733 event and RTCP packets as Wireshark's dissectors
//! (tshark, an independent implementation) read them. The packets are
//! written into a pcap (raw IPv4/UDP) and every field is compared. tshark
//! must be installed; the test fails, naming it, if not.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use openphone_media::dtmf::{DtmfSender, EventPayload};
use openphone_media::rtp::rtcp::{ReportBlock, RtcpWriter, SenderInfo};
use openphone_media::rtp::{write_packet, RtpSession, SessionConfig};

const RTP_PORT: u16 = 5004;
const RTCP_PORT: u16 = 5005;

mod pcap_file;

use pcap_file::pcap;

fn tshark(file: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<String> = vec![
        "-r".into(),
        file.to_str().unwrap().into(),
        "-d".into(),
        format!("udp.port=={RTP_PORT},rtp"),
        "-d".into(),
        format!("udp.port=={RTCP_PORT},rtcp"),
        "-o".into(),
        "rtpevent.event_payload_type_value:101".into(),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "separator=|".into(),
    ];
    for f in fields {
        args.push("-e".into());
        args.push((*f).into());
    }
    let out = Command::new("tshark").args(&args).output().unwrap_or_else(|e| {
        panic!("tshark is required for this test but could not be run: {e} (apt-get install tshark)")
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
    let d = std::env::temp_dir().join(format!("openphone-rtp-tshark-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn rtp_and_dtmf_packets_as_tshark_reads_them() {
    let t0 = Instant::now();
    let mut s = RtpSession::new(t0, 0, SessionConfig::new("a@b", 8000), 11);
    let mut dgrams = Vec::new();
    let mut expect = Vec::new();
    let mut buf = [0u8; 400];
    for i in 0..3u32 {
        let h = s.outgoing(t0, 8, i == 0, i * 160, 160);
        let n = write_packet(&mut buf, &h, &[0xD5; 160]).unwrap();
        dgrams.push((RTP_PORT, buf[..n].to_vec()));
        expect.push((h, None));
    }
    let mut tx = DtmfSender::new(8000);
    tx.start(t0, '#', Duration::from_millis(100), 480).unwrap();
    while let Some(t) = tx.poll_timeout() {
        while let Some(p) = tx.poll_packet(t) {
            let h = s.outgoing(t, 101, p.marker, p.timestamp_offset, 4);
            let n = write_packet(&mut buf, &h, &p.payload).unwrap();
            dgrams.push((RTP_PORT, buf[..n].to_vec()));
            expect.push((h, EventPayload::parse(&p.payload)));
        }
    }
    let file = scratch("rtp.pcap");
    std::fs::write(&file, pcap(&dgrams)).unwrap();
    let rows = tshark(
        &file,
        &[
            "rtp.version",
            "rtp.p_type",
            "rtp.marker",
            "rtp.seq",
            "rtp.timestamp",
            "rtp.ssrc",
            "rtpevent.event_id",
            "rtpevent.end_of_event",
            "rtpevent.volume",
            "rtpevent.duration",
        ],
    );
    assert_eq!(rows.len(), expect.len());
    for (row, (h, ev)) in rows.iter().zip(&expect) {
        assert_eq!(row[0], "2");
        assert_eq!(row[1], h.payload_type.to_string());
        assert_eq!(row[2] == "1" || row[2] == "True", h.marker, "{row:?}");
        assert_eq!(row[3], h.sequence.to_string());
        assert_eq!(row[4], h.timestamp.to_string());
        assert_eq!(row[5], format!("0x{:08x}", h.ssrc), "{row:?}");
        match ev {
            Some(e) => {
                assert_eq!(row[6], e.event.to_string(), "{row:?}");
                assert_eq!(row[7] == "1" || row[7] == "True", e.end, "{row:?}");
                assert_eq!(row[8], e.volume.to_string());
                assert_eq!(row[9], e.duration.to_string());
            }
            None => assert_eq!(row[6], ""),
        }
    }
}

#[test]
fn rtcp_compounds_as_tshark_reads_them() {
    let block = ReportBlock {
        ssrc: 0x0102_0304,
        fraction_lost: 64,
        cumulative_lost: 1234,
        extended_highest_seq: 0x0001_0010,
        jitter: 77,
        last_sr: 0x1122_3344,
        delay_since_last_sr: 0x0002_8000,
    };
    let info = SenderInfo {
        ntp: 0xE5A1_0000_8000_0000,
        rtp_timestamp: 123_456,
        packet_count: 500,
        octet_count: 80_000,
    };
    let mut buf = vec![0u8; 1500];
    let mut w = RtcpWriter::new(&mut buf);
    w.sender_report(0xCAFE_F00D, &info, &[block]).unwrap();
    w.sdes_cname(0xCAFE_F00D, "openphone@127.0.0.1").unwrap();
    let n1 = w.len();
    let sr = buf[..n1].to_vec();
    // The session's own hang-up compound: RR (nothing sent) + SDES + BYE.
    let t0 = Instant::now();
    let mut s = RtpSession::new(t0, 0, SessionConfig::new("bob@host", 8000), 3);
    let n2 = s.bye(t0, &mut buf).unwrap();
    let bye = buf[..n2].to_vec();
    let file = scratch("rtcp.pcap");
    std::fs::write(&file, pcap(&[(RTCP_PORT, sr), (RTCP_PORT, bye)])).unwrap();
    let rows = tshark(
        &file,
        &[
            "rtcp.pt",
            "rtcp.senderssrc",
            "rtcp.timestamp.ntp.msw",
            "rtcp.timestamp.ntp.lsw",
            "rtcp.timestamp.rtp",
            "rtcp.sender.packetcount",
            "rtcp.sender.octetcount",
            "rtcp.ssrc.identifier",
            "rtcp.ssrc.fraction",
            "rtcp.ssrc.cum_nr",
            "rtcp.ssrc.ext_high",
            "rtcp.ssrc.jitter",
            "rtcp.ssrc.lsr",
            "rtcp.ssrc.dlsr",
            "rtcp.sdes.text",
            "rtcp.length_check",
        ],
    );
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r[0], "200,202");
    assert_eq!(r[1], "0xcafef00d");
    assert_eq!(r[2], (info.ntp >> 32).to_string());
    assert_eq!(r[3], (info.ntp as u32).to_string());
    assert_eq!(r[4], "123456");
    assert_eq!(r[5], "500");
    assert_eq!(r[6], "80000");
    assert!(r[7].contains("0x01020304"), "{r:?}");
    assert_eq!(r[8], "64");
    assert_eq!(r[9], "1234");
    assert_eq!(r[10], 0x0001_0010u32.to_string());
    assert_eq!(r[11], "77");
    assert_eq!(r[12], 0x1122_3344u32.to_string());
    assert_eq!(r[13], 0x0002_8000u32.to_string());
    assert_eq!(r[14], "openphone@127.0.0.1");
    assert!(
        r[15].split(',').all(|v| v == "1" || v == "True"),
        "length check: {r:?}"
    );
    let b = &rows[1];
    assert_eq!(b[0], "201,202,203");
    assert_eq!(b[1], format!("0x{:08x}", s.local_ssrc()));
    assert_eq!(b[14], "bob@host");
    assert!(
        b[15].split(',').all(|v| v == "1" || v == "True"),
        "length check: {b:?}"
    );
}

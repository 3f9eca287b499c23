//! Fuzzes the RTCP compound parser and the session's RTCP input: never a
//! panic, and whatever parsed re-serialises where our writer supports it
//! (XR: always, and to the same value).
#![no_main]

use std::net::SocketAddr;
use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use openphone_media::rtp::rtcp::{self, RtcpPacket, RtcpWriter};
use openphone_media::rtp::{RtpSession, SessionConfig};

fuzz_target!(|data: &[u8]| {
    let (packets, _err) = rtcp::parse_compound_lenient(data);
    let mut out = vec![0u8; 4096];
    let mut w = RtcpWriter::new(&mut out);
    for p in &packets {
        match p {
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports,
            } => {
                let _ = w.sender_report(*ssrc, info, reports);
            }
            RtcpPacket::ReceiverReport { ssrc, reports } => {
                let _ = w.receiver_report(*ssrc, reports);
            }
            RtcpPacket::Goodbye { ssrcs, .. } => {
                let _ = w.bye(ssrcs, None);
            }
            RtcpPacket::ExtendedReport(xr) => {
                // Everything an XR parse yields can be written back, and
                // reads back the same.
                let mut one = vec![0u8; 4 + data.len()];
                let mut w1 = RtcpWriter::new(&mut one);
                w1.extended_report(xr).expect("parsed XR re-serialises");
                let n = w1.len();
                assert_eq!(
                    rtcp::parse_compound(&one[..n]).ok(),
                    Some(vec![RtcpPacket::ExtendedReport(xr.clone())])
                );
                let _ = w.extended_report(xr);
            }
            _ => {}
        }
    }
    let n = w.len();
    if n > 0 {
        // What we wrote must parse back.
        assert!(rtcp::parse_compound(&out[..n]).is_ok());
    }
    let now = Instant::now();
    let from: SocketAddr = "127.0.0.1:5001".parse().unwrap();
    let mut s = RtpSession::new(now, 0, SessionConfig::new("fuzz", 8000), 2);
    let _ = s.receive_rtcp(now, from, data);
    while s.poll_event().is_some() {}
});

//! Fuzzes the RTCP compound parser and the session's RTCP input: never a
//! panic, and whatever parsed re-serialises where our writer supports it.
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

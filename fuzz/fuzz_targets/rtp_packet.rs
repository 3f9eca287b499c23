//! Fuzzes RTP parsing and the receive path of the RTP session and jitter
//! buffer: any datagram is parsed or rejected without panicking, a parsed
//! payload lies inside the datagram, and session/jitter state stays sane.
#![no_main]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use openphone_media::jitter::{JitterBuffer, JitterConfig};
use openphone_media::rtp::{RtpPacket, RtpSession, RtpVerdict, SessionConfig};

fuzz_target!(|data: &[u8]| {
    let t0 = Instant::now();
    let from: SocketAddr = "127.0.0.1:5000".parse().unwrap();
    let mut session = RtpSession::new(t0, 0, SessionConfig::new("fuzz", 8000), 1);
    let mut jb = JitterBuffer::new(JitterConfig::default());
    // The input is a sequence of datagrams, each prefixed by a length byte.
    let mut rest = data;
    let mut i = 0u64;
    while let Some((&len, tail)) = rest.split_first() {
        let n = (len as usize).min(tail.len());
        let (dgram, next) = tail.split_at(n);
        rest = next;
        i += 1;
        let now = t0 + Duration::from_millis(20 * i);
        if let Ok(p) = RtpPacket::parse(dgram) {
            assert!(p.payload.len() <= dgram.len());
            if session.receive_rtp(now, from, &p, Some(8000)) == RtpVerdict::Accept {
                jb.push(
                    now,
                    p.header.sequence,
                    p.header.timestamp,
                    p.header.payload_type,
                    p.payload,
                );
            }
        }
        let _ = jb.pop(now);
    }
    let s = session.stats();
    assert!(s.packets_received <= i);
    let _ = jb.stats();
});

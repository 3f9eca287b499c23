//! Fuzz the ZRTP packet layer and state machine (media::zrtp).
//! Input: a datagram. It is parsed as a ZRTP packet and, to reach past the
//! CRC check, also wrapped as the message of a packet with a valid CRC.
//! Properties: no panic; any message that decodes encodes to octets that
//! decode to the same message; a session fed the input (in discovery, and
//! after our Hello) neither panics nor reports Secure from one packet.
#![no_main]

use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use openphone_media::zrtp::{
    parse_packet, write_packet, MemoryCache, Message, ZrtpConfig, ZrtpEvent, ZrtpSession,
};

fn round_trip(message: &[u8]) {
    if let Ok(m) = Message::parse(message) {
        let again = Message::parse(&m.to_bytes());
        assert_eq!(again.as_ref(), Ok(&m), "re-encoded message decodes differently");
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse_packet(data) {
        round_trip(p.message);
    }
    let framed = write_packet(1, 0x0102_0304, data);
    if let Ok(p) = parse_packet(&framed) {
        assert_eq!(p.message, data);
        round_trip(p.message);
    }
    let now = Instant::now();
    let mut s = ZrtpSession::new(ZrtpConfig::new([7; 12], 9), Box::new(MemoryCache::new()));
    s.start(now);
    s.handle_packet(data, now);
    s.handle_packet(&framed, now);
    s.handle_timeout(now);
    while s.poll_transmit().is_some() {}
    while let Some(e) = s.poll_event() {
        assert!(!matches!(e, ZrtpEvent::Secure(_)), "secure from one packet");
    }
    assert!(s.srtp_keys().is_none());
});

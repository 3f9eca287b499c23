//! Fuzz the SIP message parser (datagram and stream entry points).
//! Properties: no panic; whatever parses prints to something that parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::message::{parse_stream, SipMessage};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = SipMessage::parse_datagram(data) {
        let printed = m.to_bytes();
        assert!(SipMessage::parse_datagram(&printed).is_ok());
    } else if let Err(e) = SipMessage::parse_datagram(data) {
        let _ = e.response_code();
        if let Some(p) = e.partial_request() {
            let _ = p.error_response(400, "Bad Request").map(|r| r.to_bytes());
        }
    }
    let _ = parse_stream(data);
});

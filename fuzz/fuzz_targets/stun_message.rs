//! Fuzzes the STUN (RFC 5389) decoder: never a panic; whatever decodes
//! re-encodes, and the re-encoding decodes to the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::stun::{BindingClient, Message, TransactionId};

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::decode(data) {
        let again = m.encode().expect("a decoded message encodes");
        assert_eq!(Message::decode(&again).as_ref(), Ok(&m));
    }
    // The client must take any datagram as a possible answer without panicking.
    let mut c = BindingClient::new(TransactionId([0; 12]), std::time::Instant::now());
    let _ = c.handle_response(data);
});

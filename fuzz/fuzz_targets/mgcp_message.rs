//! Fuzz the MGCP message parser (single messages and piggy-backed datagrams).
//! Properties: no panic; whatever parses prints to something that parses to
//! the same message; every error of a command with a transaction id has a
//! return code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_mgcp::message::{parse_datagram, print_datagram, Message};

fuzz_target!(|data: &[u8]| {
    match Message::parse(data) {
        Ok(m) => {
            let printed = m.to_bytes();
            assert_eq!(Message::parse(&printed).as_ref(), Ok(&m));
        }
        Err(e) => {
            let _ = e.to_string();
            if e.is_command() && e.transaction_id().is_some() {
                assert!(e.error_response_code().is_some());
            }
        }
    }
    if let Ok(parts) = parse_datagram(data) {
        let ok: Vec<Message> = parts.into_iter().flatten().collect();
        let printed = print_datagram(&ok);
        let again: Vec<Message> = parse_datagram(&printed)
            .expect("printed datagram parses")
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(again, ok);
    }
});

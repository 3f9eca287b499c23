//! Fuzz the message-summary reader (RFC 3842). Property: no panic, and a
//! summary read says whether messages wait.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::event::parse_message_summary;

fuzz_target!(|data: &[u8]| {
    let _ = parse_message_summary(data);
});

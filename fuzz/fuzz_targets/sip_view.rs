//! Fuzz `MessageView` against `SipMessage::parse_datagram`: both accept
//! or both reject, with equal errors, and an accepted view describes the
//! typed message exactly (the contract in
//! `sip-stack/tests/common/view_contract.rs`, shared with
//! `sip-stack/tests/view_differential.rs` so the two cannot drift apart).
//! A panic inside the view aborts here before the contract's
//! `catch_unwind` sees it (libfuzzer-sys' panic hook); libFuzzer then
//! saves the input itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::message::ParseLimits;

#[path = "../../sip-stack/tests/common/view_contract.rs"]
mod view_contract;

fuzz_target!(|data: &[u8]| {
    if let Err(m) = view_contract::check(data, &ParseLimits::default()) {
        panic!("{m}");
    }
    // The default limits (64 KiB, 256 lines, 16 KiB per line) are beyond
    // what the fuzzer usually generates; limits derived from the input
    // size put the size and count checks next to the data it does
    // generate, at and around their boundaries.
    let n = data.len();
    let tight = ParseLimits {
        max_message: n.saturating_sub(n % 3),
        max_headers: n % 17,
        max_header_line: n / 5,
    };
    if let Err(m) = view_contract::check(data, &tight) {
        panic!("{m}\nlimits: {tight:?}");
    }
});

//! Fuzz URI and name-addr parsing. Properties: no panic; a parsed URI
//! prints to a string that parses back to the same URI and compares equal
//! under RFC 3261 §19.1.4.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sip::message::{NameAddr, Uri};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(u) = Uri::parse(s) {
        let back = Uri::parse(&u.to_string()).expect("printed URI parses");
        assert!(back.rfc_eq(&u));
    }
    if let Ok(na) = NameAddr::parse(s) {
        assert!(NameAddr::parse(&na.to_string()).is_ok());
    }
});

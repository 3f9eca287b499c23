//! Fuzz the aligned-PER decoding of H.323's `MultimediaSystemControlMessage`. Properties: no
//! panic; whatever decodes re-encodes, and that encoding decodes to the
//! same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_h323::per;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = per::decode_h245(data) {
        let bytes = per::encode_h245(&m).expect("a decoded message encodes");
        assert_eq!(per::decode_h245(&bytes).as_ref(), Ok(&m));
    }
});

//! Fuzz the aligned-PER decoding of H.323's `H323-UserInformation`. Properties: no
//! panic; whatever decodes re-encodes, and that encoding decodes to the
//! same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_h323::per;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = per::decode_user_information(data) {
        let bytes = per::encode_user_information(&m).expect("a decoded message encodes");
        assert_eq!(per::decode_user_information(&bytes).as_ref(), Ok(&m));
    }
});

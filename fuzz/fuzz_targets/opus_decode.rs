//! Opus packets into libopus through our wrapper: normal decode, FEC
//! decode, and concealment must reject or decode, never crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_media::codec::opus::{OpusDecoder, OpusParams};
use openphone_media::codec::AudioDecoder;

fuzz_target!(|data: &[u8]| {
    let mut dec = OpusDecoder::new(&OpusParams::default()).expect("decoder");
    let mut out = vec![0i16; 5760];
    if let Ok(n) = dec.decode(data, &mut out) {
        assert!(n <= out.len());
    }
    let _ = dec.decode_fec(data, &mut out[..960]);
    let _ = dec.conceal(&mut out);
});

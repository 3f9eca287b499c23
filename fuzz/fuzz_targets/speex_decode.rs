//! Speex RFC 5574 payloads into libspeex through our safe wrapper: first
//! byte picks the band, the rest is the payload; then one concealed frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_media::codec::speex::{SpeexBand, SpeexDecoder};
use openphone_media::codec::AudioDecoder;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, payload)) = data.split_first() else {
        return;
    };
    let band = if sel & 1 == 0 {
        SpeexBand::Narrow
    } else {
        SpeexBand::Wide
    };
    let mut dec = SpeexDecoder::new(band).expect("decoder");
    let mut out = vec![0i16; band.frame_samples() * 24];
    if let Ok(n) = dec.decode(payload, &mut out) {
        assert!(n % band.frame_samples() == 0 && n <= out.len());
    }
    let _ = dec.conceal(&mut out);
});

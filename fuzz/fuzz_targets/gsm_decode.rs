//! Fuzz the GSM 06.10 payload decoder: arbitrary bytes must never panic,
//! whole valid frames must always decode, and packing must round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_gsm::{Decoder, FrameParams, FRAME_BYTES, FRAME_SAMPLES};

fuzz_target!(|data: &[u8]| {
    let mut dec = Decoder::new();
    let mut out = [0i16; 8 * FRAME_SAMPLES];
    let _ = dec.decode_into(data, &mut out);
    let _ = dec.conceal_into(&mut out);
    for chunk in data.chunks_exact(FRAME_BYTES) {
        let mut frame = [0u8; FRAME_BYTES];
        frame.copy_from_slice(chunk);
        frame[0] = 0xD0 | (frame[0] & 0x0F);
        let p = FrameParams::unpack(&frame).expect("valid signature");
        assert_eq!(p.pack(), frame);
        dec.decode(&frame).expect("whole frame with signature decodes");
    }
});

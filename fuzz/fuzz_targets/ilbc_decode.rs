//! Fuzz the iLBC decoder: arbitrary bytes must never panic, frame-sized
//! pieces must decode (or be concealed), and the RTP adapter must accept or
//! refuse any payload cleanly. The first byte picks the mode.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_ilbc::{is_valid_frame, Decoder, IlbcMode};
use openphone_media::codec::{AudioDecoder, IlbcDecoder};

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let mode = if sel & 1 == 0 {
        IlbcMode::Ms20
    } else {
        IlbcMode::Ms30
    };
    let mut dec = Decoder::new(mode);
    let mut pcm = [0i16; 240];
    let _ = dec.decode(rest, &mut pcm);
    for frame in rest.chunks_exact(mode.frame_bytes()) {
        let _ = is_valid_frame(mode, frame);
        assert_eq!(dec.decode(frame, &mut pcm), Ok(mode.frame_samples()));
        if sel & 2 != 0 {
            assert_eq!(dec.conceal(&mut pcm), Ok(mode.frame_samples()));
        }
    }
    let mut adapter = IlbcDecoder::new(mode);
    let mut out = vec![0i16; 16 * 240];
    let _ = adapter.decode(rest, &mut out);
    let _ = adapter.conceal(&mut out);
});

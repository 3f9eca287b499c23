//! Decoding into a buffer larger than one frame (as the engine does) must
//! give the same audio as decoding frame by frame: a packet's padding bits
//! are not a frame.
#![cfg(feature = "speex")]

use openphone_media::codec::speex::{SpeexBand, SpeexDecoder, SpeexEncoder, SpeexParams};
use openphone_media::codec::{AudioDecoder, AudioEncoder};

fn tone(n: usize, rate: f32, hz: f32) -> Vec<i16> {
    (0..n)
        .map(|i| ((i as f32 * hz * std::f32::consts::TAU / rate).sin() * 12000.0) as i16)
        .collect()
}

fn check(band: SpeexBand, rate: f32) {
    let frame = band.frame_samples();
    let mut enc =
        SpeexEncoder::with_params(band, 8, &SpeexParams::from_fmtp(None).unwrap()).unwrap();
    let mut exact = SpeexDecoder::new(band).unwrap();
    let mut roomy = SpeexDecoder::new(band).unwrap();
    let pcm = tone(frame * 100, rate, 800.0);
    let mut payload = [0u8; 512];
    let mut a = vec![0i16; frame];
    let mut b = vec![0i16; 4096];
    for (i, chunk) in pcm.chunks_exact(frame).enumerate() {
        let n = enc.encode(chunk, &mut payload).unwrap();
        let na = exact.decode(&payload[..n], &mut a).unwrap();
        let nb = roomy.decode(&payload[..n], &mut b).unwrap();
        assert_eq!(na, frame, "frame {i}");
        assert_eq!(nb, frame, "frame {i}: padding decoded as a frame");
        assert_eq!(&a[..], &b[..frame], "frame {i}");
    }
}

#[test]
fn narrowband_padding_is_not_a_frame() {
    check(SpeexBand::Narrow, 8000.0);
}

#[test]
fn wideband_padding_is_not_a_frame() {
    check(SpeexBand::Wide, 16000.0);
}

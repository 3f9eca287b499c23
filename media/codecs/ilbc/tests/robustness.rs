//! (d) Arbitrary payloads never panic; wrong sizes are errors.

use openphone_ilbc::{is_valid_frame, Decoder, Encoder, Error, IlbcMode};
use proptest::prelude::*;

const MODES: [IlbcMode; 2] = [IlbcMode::Ms20, IlbcMode::Ms30];

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u8 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 56) as u8
    }
}

#[test]
fn random_frames_decode_without_panic() {
    for mode in MODES {
        let mut dec = Decoder::new(mode);
        let mut rng = Lcg(0x1234_5678 + mode.frame_bytes() as u64);
        let mut pcm = vec![0i16; mode.frame_samples()];
        let mut valid = 0;
        for i in 0..5000 {
            let frame: Vec<u8> = (0..mode.frame_bytes()).map(|_| rng.next()).collect();
            valid += usize::from(is_valid_frame(mode, &frame));
            assert_eq!(dec.decode(&frame, &mut pcm), Ok(mode.frame_samples()));
            if i % 7 == 0 {
                assert_eq!(dec.conceal(&mut pcm), Ok(mode.frame_samples()));
            }
        }
        // most random frames are decodable, some are rejected (start position)
        assert!(valid > 1000 && valid < 5000, "{valid}");
    }
}

#[test]
fn wrong_sizes_are_errors() {
    for mode in MODES {
        let mut dec = Decoder::new(mode);
        let mut enc = Encoder::new(mode);
        let mut pcm = vec![0i16; mode.frame_samples()];
        for len in [0, 1, 37, 39, 49, 51, 76, 100] {
            if len == mode.frame_bytes() {
                continue;
            }
            let got = dec.decode(&vec![0u8; len], &mut pcm);
            assert!(
                matches!(got, Err(Error::FrameLength { .. })),
                "{len}: {got:?}"
            );
        }
        let mut small = vec![0i16; 10];
        assert!(matches!(
            dec.decode(&vec![0u8; mode.frame_bytes()], &mut small),
            Err(Error::BufferTooSmall { .. })
        ));
        assert!(matches!(
            dec.conceal(&mut small),
            Err(Error::BufferTooSmall { .. })
        ));
        let mut out = vec![0u8; 60];
        assert!(matches!(
            enc.encode(&[0i16; 100], &mut out),
            Err(Error::FrameSamples { .. })
        ));
        assert!(matches!(
            enc.encode(&pcm, &mut [0u8; 5]),
            Err(Error::BufferTooSmall { .. })
        ));
    }
}

#[test]
fn encoder_handles_extreme_input() {
    for mode in MODES {
        let n = mode.frame_samples();
        let mut enc = Encoder::new(mode);
        let mut dec = Decoder::new(mode);
        let mut frame = vec![0u8; mode.frame_bytes()];
        let mut out = vec![0i16; n];
        let mut rng = Lcg(99);
        let inputs: Vec<Vec<i16>> = vec![
            vec![0; n],
            vec![i16::MAX; n],
            vec![i16::MIN; n],
            (0..n)
                .map(|i| if i % 2 == 0 { i16::MAX } else { i16::MIN })
                .collect(),
            (0..n)
                .map(|_| i16::from_le_bytes([rng.next(), rng.next()]))
                .collect(),
            (0..n).map(|i| if i == 7 { 30000 } else { 0 }).collect(),
        ];
        for pcm in inputs.iter().cycle().take(60) {
            enc.encode(pcm, &mut frame).expect("encode");
            assert!(is_valid_frame(mode, &frame));
            dec.decode(&frame, &mut out).expect("decode");
        }
    }
}

proptest! {
    #[test]
    fn arbitrary_payloads(data in proptest::collection::vec(any::<u8>(), 0..120), twenty in any::<bool>()) {
        let mode = if twenty { IlbcMode::Ms20 } else { IlbcMode::Ms30 };
        let mut dec = Decoder::new(mode);
        let mut pcm = vec![0i16; 240];
        let r = dec.decode(&data, &mut pcm);
        prop_assert_eq!(r.is_ok(), data.len() == mode.frame_bytes());
        // also feed the payload in frame-sized pieces
        for chunk in data.chunks_exact(mode.frame_bytes()) {
            prop_assert!(dec.decode(chunk, &mut pcm).is_ok());
        }
    }
}

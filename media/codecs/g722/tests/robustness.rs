//! Arbitrary input never panics (the property of
//! `fuzz/fuzz_targets/g722_decode.rs`, run here on stable Rust).

use openphone_g722::{Decoder, Encoder, G722Error};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_payload_decodes_or_errors(
        payload in proptest::collection::vec(any::<u8>(), 0..400),
        out_len in 0usize..1000,
    ) {
        let mut dec = Decoder::new();
        let mut out = vec![0i16; out_len];
        match dec.decode(&payload, &mut out) {
            Ok(n) => {
                prop_assert_eq!(n, payload.len() * 2);
                prop_assert!(n <= out_len);
            }
            Err(G722Error::BufferTooSmall { need, have }) => {
                prop_assert_eq!(need, payload.len() * 2);
                prop_assert!(need > have);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
        prop_assert_eq!(dec.conceal(&mut out), out_len / 2 * 2);
    }

    #[test]
    fn any_pcm_encodes_or_errors(
        pcm in proptest::collection::vec(any::<i16>(), 0..400),
        out_len in 0usize..300,
    ) {
        let mut enc = Encoder::new();
        let mut out = vec![0u8; out_len];
        match enc.encode(&pcm, &mut out) {
            Ok(n) => prop_assert_eq!(n * 2, pcm.len()),
            Err(G722Error::OddSamples(k)) => prop_assert!(k % 2 == 1),
            Err(G722Error::BufferTooSmall { need, .. }) => prop_assert!(need > out_len),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

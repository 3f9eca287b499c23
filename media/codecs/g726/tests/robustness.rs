//! Arbitrary input never panics (the same property as
//! `fuzz/fuzz_targets/g726_decode.rs`, run here on stable Rust).

use openphone_g726::{
    pack_codewords, unpack_codewords, Decoder, Encoder, G711Law, G726Error, G726Packing, G726Rate,
};
use proptest::prelude::*;

fn rate_and_packing(selector: u8) -> (G726Rate, G726Packing) {
    let rate = G726Rate::ALL[usize::from(selector & 3)];
    let packing = if selector & 4 == 0 {
        G726Packing::Rfc3551
    } else {
        G726Packing::Aal2
    };
    (rate, packing)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_payload_decodes_or_errors(
        selector in any::<u8>(),
        payload in proptest::collection::vec(any::<u8>(), 0..400),
        out_len in 0usize..1200,
    ) {
        let (rate, packing) = rate_and_packing(selector);
        let mut dec = Decoder::new(rate, packing);
        let mut out = vec![0i16; out_len];
        let whole = payload.len() % rate.bytes_per_group() == 0;
        let samples = payload.len() * 8 / rate.bits_per_sample() as usize;
        match dec.decode(&payload, &mut out) {
            Ok(n) => {
                prop_assert!(whole);
                prop_assert_eq!(n, samples);
                prop_assert!(n <= out_len);
            }
            Err(G726Error::PartialPayload { .. }) => prop_assert!(!whole),
            Err(G726Error::BufferTooSmall { need, have }) => {
                prop_assert_eq!(need, samples);
                prop_assert_eq!(have, out_len);
                prop_assert!(need > have);
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
        prop_assert_eq!(dec.conceal(&mut out), out_len);
        // The G.711 output path accepts exactly the same payloads.
        let mut octets = vec![0u8; out_len];
        let law = if selector & 8 == 0 { G711Law::ULaw } else { G711Law::ALaw };
        let r = dec.decode_g711(law, &payload, &mut octets);
        prop_assert_eq!(r.is_ok(), whole && samples <= out_len);
    }

    #[test]
    fn any_pcm_encodes_or_errors(
        selector in any::<u8>(),
        pcm in proptest::collection::vec(any::<i16>(), 0..400),
        out_len in 0usize..300,
    ) {
        let (rate, packing) = rate_and_packing(selector);
        let mut enc = Encoder::new(rate, packing);
        let mut out = vec![0u8; out_len];
        match enc.encode(&pcm, &mut out) {
            Ok(n) => {
                prop_assert_eq!(n * 8, pcm.len() * rate.bits_per_sample() as usize);
                // Round trip through the codeword helpers.
                let mut codes = vec![0u8; pcm.len()];
                prop_assert_eq!(unpack_codewords(packing, rate, &out[..n], &mut codes), Ok(pcm.len()));
                let mut again = vec![0u8; n];
                prop_assert_eq!(pack_codewords(packing, rate, &codes, &mut again), Ok(n));
                prop_assert_eq!(&again[..], &out[..n]);
            }
            Err(G726Error::PartialGroup { .. }) => {
                prop_assert!(pcm.len() % rate.samples_per_group() != 0)
            }
            Err(G726Error::BufferTooSmall { need, .. }) => prop_assert!(need > out_len),
            Err(e) => prop_assert!(false, "unexpected error {e}"),
        }
    }
}

//! Fuzzes the G.726 decoder: any payload, any rate and packing, must decode
//! or return an error without panicking, and never write past `out`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_g726::{unpack_codewords, Decoder, G711Law, G726Packing, G726Rate};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else {
        return;
    };
    let rate = G726Rate::ALL[usize::from(selector & 3)];
    let packing = if selector & 4 == 0 {
        G726Packing::Rfc3551
    } else {
        G726Packing::Aal2
    };
    // Output sized from the selector so short buffers are exercised too.
    let mut out = vec![0i16; usize::from(selector >> 3) * 64];
    let mut dec = Decoder::new(rate, packing);
    if let Ok(n) = dec.decode(payload, &mut out) {
        assert!(n <= out.len());
        assert_eq!(n, payload.len() * 8 / rate.bits_per_sample() as usize);
    }
    let mut codes = vec![0u8; payload.len() * 4];
    let _ = unpack_codewords(packing, rate, payload, &mut codes);
    let _ = dec.conceal(&mut out);
    let law = if selector & 0x80 == 0 {
        G711Law::ULaw
    } else {
        G711Law::ALaw
    };
    let mut octets = vec![0u8; out.len()];
    let _ = dec.decode_g711(law, payload, &mut octets);
});

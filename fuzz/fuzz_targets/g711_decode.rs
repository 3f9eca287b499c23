//! Fuzzes the G.711 decoders: any payload decodes sample for sample (every
//! octet is a valid code) or reports a too-small buffer; encoding the
//! decoded samples gives the codes back (µ-law's −0 aside).
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_media::codec::{g711, AudioDecoder, Pcma, Pcmu};

fuzz_target!(|data: &[u8]| {
    let Some((&room, payload)) = data.split_first() else {
        return;
    };
    let mut out = vec![0i16; usize::from(room) * 8];
    for mut dec in [Pcmu::decoder(), Pcma::decoder()] {
        match dec.decode(payload, &mut out) {
            Ok(n) => assert_eq!(n, payload.len()),
            Err(_) => assert!(payload.len() > out.len()),
        }
        let _ = dec.conceal(&mut out);
    }
    for &c in payload {
        assert_eq!(g711::linear_to_alaw(g711::alaw_to_linear(c)), c);
        if c != 0x7F {
            assert_eq!(g711::linear_to_ulaw(g711::ulaw_to_linear(c)), c);
        }
    }
});

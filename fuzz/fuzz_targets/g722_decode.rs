//! Fuzzes the G.722 decoder: any payload decodes (every octet is valid) or
//! reports a too-small buffer, without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_g722::Decoder;

fuzz_target!(|data: &[u8]| {
    let Some((&room, payload)) = data.split_first() else {
        return;
    };
    let mut out = vec![0i16; usize::from(room) * 4];
    let mut dec = Decoder::new();
    match dec.decode(payload, &mut out) {
        Ok(n) => assert_eq!(n, payload.len() * 2),
        Err(_) => assert!(payload.len() * 2 > out.len()),
    }
    let _ = dec.conceal(&mut out);
});

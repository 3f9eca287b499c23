//! Fuzz H.225.0 call signalling as it arrives on TCP: TPKT deframing (the
//! input cut in two at its first byte's value), then Q.931 and the PER
//! `H323-UserInformation` of its User-user element. Properties: no panic;
//! a decoded Q.931 message encodes to bytes that decode to the same
//! message; a decoded UUIE re-encodes and decodes to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_h323::q931::Message;
use openphone_h323::{per, tpkt};

fuzz_target!(|data: &[u8]| {
    let cut = usize::from(data.first().copied().unwrap_or(0)).min(data.len());
    let mut d = tpkt::Deframer::new(tpkt::MAX_PAYLOAD);
    let mut frames = Vec::new();
    for part in [&data[..cut], &data[cut..]] {
        d.push(part);
        while let Ok(Some(f)) = d.next_frame() {
            frames.push(f);
        }
    }
    // The raw input as one Q.931 message too (no TPKT).
    frames.push(data.to_vec());
    for f in frames {
        let Ok(m) = Message::decode(&f) else { continue };
        let bytes = m.encode().expect("a decoded message encodes");
        assert_eq!(Message::decode(&bytes).as_ref(), Ok(&m));
        if let Some(Ok(uu)) = m.h323_user_information() {
            let again = per::encode_user_information(&uu).expect("a decoded UUIE encodes");
            assert_eq!(per::decode_user_information(&again).as_ref(), Ok(&uu));
        }
    }
});

//! Fuzz the SDP parser and printer (openphone-sdp): arbitrary bytes must
//! never panic, and whatever parses must print and re-parse to the same
//! model. Conversion and offer/answer are fuzzed by `sdp_offer_answer`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sdp::SessionDescription;

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse(data) else {
        return;
    };
    let printed = sd.to_string();
    let again = SessionDescription::parse(printed.as_bytes()).expect("printed SDP re-parses");
    assert_eq!(again, sd);
    for m in &sd.media {
        // The typed attribute views must not panic on whatever parsed.
        let _ = (m.rtpmaps().count(), m.fmtps().count(), m.rtcp());
        let _ = (m.ptime(), m.maxptime(), m.direction());
    }
});

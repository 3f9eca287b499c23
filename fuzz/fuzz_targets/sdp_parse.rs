//! Fuzz the SDP parser and offer/answer: arbitrary bytes must never panic;
//! whatever parses must print and re-parse to the same model; negotiation
//! on whatever converts must never panic and must answer only with the
//! offer's payload types.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_media::sdp::{self, SdpOrigin, SessionDescription};
use openphone_sal::{CodecDescriptor, MediaOffer};

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse(data) else {
        return;
    };
    let printed = sd.to_string();
    let again = SessionDescription::parse(printed.as_bytes()).expect("printed SDP re-parses");
    assert_eq!(again, sd);

    let Ok(remote) = sdp::offer_from_sdp(&sd) else {
        return;
    };
    let local = MediaOffer::new("127.0.0.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
        .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
        .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"));
    if let Ok((answer, _)) = sdp::answer(&local, &remote) {
        for c in &answer.codecs {
            assert!(remote
                .codecs
                .iter()
                .any(|r| r.payload_type == c.payload_type));
        }
        let origin = SdpOrigin {
            username: "-".into(),
            session_id: 1,
            session_version: 1,
            address: "127.0.0.1".parse().unwrap(),
        };
        let text = sdp::sdp_answer_for(&sd, &answer, &origin).to_string();
        SessionDescription::parse(text.as_bytes()).expect("our answer parses");
    }
    let _ = sdp::complete(&local, &remote);
});

//! Fuzz SDP offer/answer (openphone-media's `sdp` module over a parsed
//! description): conversion and negotiation of whatever parses must never
//! panic, must answer only with the offer's payload types, and our answer
//! must parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_media::sdp::{self, SdpOrigin};
use openphone_sal::{CodecDescriptor, MediaOffer};
use openphone_sdp::SessionDescription;

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse(data) else {
        return;
    };
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

//! Fuzz SDP offer/answer: openphone-sdp's conversion of whatever parses to
//! the SAL's media description, then RFC 3264 negotiation on it. Nothing
//! may panic; an answer has one stream per offered stream with exactly one
//! accepted, uses only the offer's payload types, prints to SDP that parses
//! back to the same accepted stream, and the offerer can complete with it.
//! We hold SDES keys (best-effort RTP/AVP form), so `a=crypto` offers are
//! negotiated too: agreed keys pair our line for the offered suite with the
//! offered line under the same tag, and the offerer completes with the same
//! keys seen from its side.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_sal::media::negotiate;
use openphone_sal::{CodecDescriptor, MediaDescription, SdesCrypto, StreamDescription};
use openphone_sdp::{description_from_sdp, sdp_answer_for, SdpOrigin, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(sd) = SessionDescription::parse(data) else {
        return;
    };
    let Ok(remote) = description_from_sdp(&sd) else {
        return;
    };
    assert_eq!(remote.streams.len(), sd.media.len());
    let mut stream = StreamDescription::audio("127.0.0.1:4000".parse().unwrap())
        .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
        .with_codec(CodecDescriptor::new(97, "iLBC", 8000).with_fmtp("mode=20"))
        .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16"));
    stream.security.crypto = vec![
        SdesCrypto::new(1, "AES_CM_128_HMAC_SHA1_80", "inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJDREVG"),
        SdesCrypto::new(2, "AES_CM_128_HMAC_SHA1_32", "inline:QUJDREUwMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5"),
    ];
    let local = MediaDescription::from(stream);
    // As the offerer's side: the peer's description taken as an answer.
    let _ = negotiate::complete(&local, &remote);
    let Ok((answer, agreed)) = negotiate::answer(&local, &remote) else {
        return;
    };
    assert_eq!(answer.streams.len(), remote.streams.len());
    let accepted: Vec<usize> = (0..answer.streams.len())
        .filter(|&i| !answer.streams[i].is_refused())
        .collect();
    assert_eq!(accepted.len(), 1, "{answer}");
    let k = accepted[0];
    for c in &answer.streams[k].codecs {
        assert!(remote.streams[k]
            .codecs
            .iter()
            .any(|r| r.payload_type == c.payload_type));
    }
    let ours = agreed.audio().expect("an agreed audio stream");
    if let Some(keys) = &ours.sdes {
        assert_eq!(answer.streams[k].security.crypto, vec![keys.local.clone()]);
        assert_eq!(keys.local.tag, keys.remote.tag);
        assert_eq!(keys.local.suite, keys.remote.suite);
        assert!(remote.streams[k].security.crypto.contains(&keys.remote));
    } else {
        assert!(!remote.streams[k].profile.is_secure(), "RTP/SAVP answered without keys");
        assert!(answer.streams[k].security.crypto.is_empty());
    }

    // Our answer on the wire, and back.
    let origin = SdpOrigin {
        username: "-".into(),
        session_id: 1,
        session_version: 1,
        address: "127.0.0.1".parse().unwrap(),
    };
    let text = sdp_answer_for(&sd, &answer, &origin).to_string();
    let back = SessionDescription::parse(text.as_bytes()).expect("our answer parses");
    assert_eq!(back.media.len(), sd.media.len());
    let back = description_from_sdp(&back).expect("our answer converts");
    assert_eq!(back.streams[k], answer.streams[k]);
    for (b, a) in back.streams.iter().zip(&answer.streams) {
        assert_eq!((&b.kind, b.is_refused()), (&a.kind, a.is_refused()));
    }

    // The offerer completes with it when the accepted stream is its first
    // audio stream, and sends with a payload type we receive.
    if remote.audio_index() == Some(k) {
        let theirs = negotiate::complete(&remote, &back).expect("the offerer completes");
        let their_keys = theirs.audio().and_then(|s| s.sdes.as_ref());
        assert_eq!(
            their_keys.map(|k| (&k.local, &k.remote)),
            ours.sdes.as_ref().map(|k| (&k.remote, &k.local)),
            "both sides see the same keys"
        );
        let pt = theirs
            .audio()
            .and_then(|s| s.send.as_ref())
            .map(|s| s.payload_type)
            .expect("the offerer sends");
        let recv = ours.recv.as_ref().expect("we receive");
        assert!(recv.codecs.iter().any(|(p, _)| *p == pt));
    }
});

//! Conversion of the keying and RTCP attributes between SDP and the SAL's
//! media model: `a=crypto` (RFC 4568), `a=zrtp-hash` (RFC 6189),
//! `a=fingerprint` (RFC 8122), `a=rtcp-mux` (RFC 5761) and the RTP
//! profiles, read from peers and written by us; and what offer/answer does
//! with a secure profile when we hold no keys. Codec and address conversion
//! is tested in openphone-media (`media/tests/sdp_convert.rs`).
#![cfg(feature = "sal")]

use openphone_sal::media::negotiate::{self, NegotiationError};
use openphone_sal::{
    CodecDescriptor, Fingerprint, MediaDescription, MediaKind, RtpProfile, SdesCrypto,
    StreamDescription,
};
use openphone_sdp::{
    description_from_sdp, sdp_answer_for, sdp_from_description, SdpOrigin, SessionDescription,
};

const HEAD: &str = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n";

const KEY_80: &str = "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32";
const KEY_32: &str = "inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj";
const ZRTP_HASH: &str = "1.10 fe30efd02423cb054e50efd0248742ac7a52c8f91bc2df881ae642c371ba46df";
const FINGERPRINT: &str =
    "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF";

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The streams of `HEAD` followed by `media`.
fn describe(media: &str) -> MediaDescription {
    let text = format!("{HEAD}{media}");
    description_from_sdp(&parse(&text)).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn origin() -> SdpOrigin {
    SdpOrigin {
        username: "-".into(),
        session_id: 1,
        session_version: 1,
        address: "192.0.2.2".parse().unwrap(),
    }
}

/// PCMU and telephone-event at 192.0.2.2:6000, no keys.
fn local() -> MediaDescription {
    MediaDescription::from(
        StreamDescription::audio("192.0.2.2:6000".parse().unwrap())
            .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
            .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-16")),
    )
}

#[test]
fn crypto_lines_are_parsed_in_order() {
    let desc = describe(&format!(
        "m=audio 4000 RTP/SAVP 0\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n\
         a=CRYPTO:2  AES_CM_128_HMAC_SHA1_32   {KEY_32} KDR=1 UNENCRYPTED_SRTCP\r\n"
    ));
    let s = &desc.streams[0];
    assert_eq!(s.profile, RtpProfile::Savp);
    assert!(s.profile.is_secure());
    let c = &s.security.crypto;
    assert_eq!(c.len(), 2);
    assert_eq!(
        (c[0].tag, c[0].suite.as_str(), c[0].key_params.as_str()),
        (1, "AES_CM_128_HMAC_SHA1_80", KEY_80)
    );
    assert!(c[0].session_params.is_empty());
    assert_eq!(
        (c[1].tag, c[1].suite.as_str(), c[1].key_params.as_str()),
        (2, "AES_CM_128_HMAC_SHA1_32", KEY_32)
    );
    assert_eq!(c[1].session_params, ["KDR=1", "UNENCRYPTED_SRTCP"]);
    assert!(s.security.zrtp_hash.is_none() && s.security.fingerprint.is_none());
    assert!(!s.security.is_empty());
}

#[test]
fn malformed_crypto_lines_are_skipped() {
    let desc = describe(&format!(
        "m=audio 4000 RTP/SAVP 0\r\n\
         a=crypto:x AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n\
         a=crypto:2 AES_CM_128_HMAC_SHA1_80 PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n\
         a=crypto:1000000000 AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n\
         a=crypto:-1 AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n\
         a=crypto\r\n\
         a=crypto:\r\n\
         a=crypto:7 AES_CM_128_HMAC_SHA1_80 INLINE:{}\r\n\
         a=crypto:999999999 F8_128_HMAC_SHA1_80 {KEY_32}\r\n",
        &KEY_80["inline:".len()..]
    ));
    let tags: Vec<u32> = desc.streams[0]
        .security
        .crypto
        .iter()
        .map(|c| c.tag)
        .collect();
    // A non-numeric or out-of-range tag, a missing or non-inline key, an
    // empty line: all skipped; "inline:" is matched case-insensitively and
    // the largest tag (nine digits, RFC 4568 §9.1) is kept.
    assert_eq!(tags, [7, 999_999_999]);
    // Nothing usable at all is simply no crypto.
    let desc = describe("m=audio 4000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80\r\n");
    assert!(desc.streams[0].security.is_empty());
}

#[test]
fn zrtp_hash_fingerprint_and_rtcp_mux() {
    let desc = describe(&format!(
        "m=audio 4000 RTP/AVP 0\r\na=zrtp-hash:{ZRTP_HASH}\r\n\
         a=fingerprint:sha-256 {FINGERPRINT}\r\na=rtcp-mux\r\na=rtcp:4000\r\n"
    ));
    let s = &desc.streams[0];
    assert_eq!(s.security.zrtp_hash.as_deref(), Some(ZRTP_HASH));
    assert_eq!(
        s.security.fingerprint,
        Some(Fingerprint::new("sha-256", FINGERPRINT))
    );
    assert!(s.security.crypto.is_empty());
    // With rtcp-mux, RTCP shares the RTP port: the a=rtcp naming that same
    // port is the default, not an explicit address.
    assert!(s.rtcp_mux);
    assert_eq!(s.rtcp, None);
    assert_eq!(s.rtcp_addr(), s.rtp);
    // Without it, RTCP goes to RTP port + 1.
    let plain = describe("m=audio 4000 RTP/AVP 0\r\n");
    assert!(!plain.streams[0].rtcp_mux);
    assert_eq!(
        plain.streams[0].rtcp_addr(),
        Some("192.0.2.1:4001".parse().unwrap())
    );
}

#[test]
fn session_level_fingerprint_applies_to_every_stream() {
    let text = format!(
        "{HEAD}a=fingerprint:SHA-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB\r\n\
         m=audio 4000 UDP/TLS/RTP/SAVPF 0\r\nm=audio 4002 RTP/AVP 0\r\n\
         a=fingerprint:sha-256 {FINGERPRINT}\r\n"
    );
    let desc = description_from_sdp(&parse(&text)).unwrap();
    assert_eq!(desc.streams[0].profile, RtpProfile::Savpf);
    let f0 = desc.streams[0].security.fingerprint.as_ref().unwrap();
    assert_eq!(f0.hash, "SHA-1");
    assert_eq!(f0.value.len(), 59);
    // The media attribute wins over the session's.
    let f1 = desc.streams[1].security.fingerprint.as_ref().unwrap();
    assert_eq!(
        (f1.hash.as_str(), f1.value.as_str()),
        ("sha-256", FINGERPRINT)
    );
    // A fingerprint without a hash name is malformed and left out.
    let desc = describe("m=audio 4000 RTP/AVP 0\r\na=fingerprint:sha-256\r\n");
    assert_eq!(desc.streams[0].security.fingerprint, None);
}

#[test]
fn profiles_and_non_rtp_transports() {
    let desc = describe(
        "m=audio 4000 RTP/AVP 0\r\nm=audio 4002 RTP/AVPF 0\r\nm=audio 4004 rtp/savp 0\r\n\
         m=audio 4006 RTP/SAVPF 0\r\nm=video 4008 UDP/TLS/RTP/SAVPF 96\r\n\
         m=image 4010 udptl t38\r\nm=audio 4012 TCP/RTP/AVP 0\r\n",
    );
    let profiles: Vec<_> = desc.streams[..5].iter().map(|s| s.profile).collect();
    assert_eq!(
        profiles,
        [
            RtpProfile::Avp,
            RtpProfile::Avpf,
            RtpProfile::Savp,
            RtpProfile::Savpf,
            RtpProfile::Savpf
        ]
    );
    assert_eq!(desc.streams[4].kind, MediaKind::Video);
    assert_eq!(desc.streams[5].kind, MediaKind::Other("image".into()));
    // RTP over TCP is not a profile we speak: not audio for negotiation.
    assert_eq!(desc.streams[6].kind, MediaKind::Other("audio".into()));
    assert!(desc.streams[6].codecs.is_empty());
}

#[test]
fn our_secure_stream_prints_and_reads_back() {
    let mut s = StreamDescription::audio("192.0.2.2:40000".parse().unwrap())
        .with_codec(CodecDescriptor::new(0, "PCMU", 8000))
        .with_codec(CodecDescriptor::new(101, "telephone-event", 8000).with_fmtp("0-15"));
    s.profile = RtpProfile::Savp;
    s.rtcp_mux = true;
    let mut c80 = SdesCrypto::new(1, "AES_CM_128_HMAC_SHA1_80", KEY_80);
    c80.session_params = vec!["KDR=1".into(), "UNENCRYPTED_SRTCP".into()];
    s.security.crypto = vec![c80, SdesCrypto::new(2, "AES_CM_128_HMAC_SHA1_32", KEY_32)];
    s.security.zrtp_hash = Some(ZRTP_HASH.into());
    s.security.fingerprint = Some(Fingerprint::new("sha-256", FINGERPRINT));
    let ours = MediaDescription::from(s);
    let text = sdp_from_description(&ours, &origin()).to_string();
    assert!(text.contains("m=audio 40000 RTP/SAVP 0 101\r\n"), "{text}");
    assert!(text.contains("a=rtcp-mux\r\n"));
    assert!(text.contains(&format!(
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY_80} KDR=1 UNENCRYPTED_SRTCP\r\n\
         a=crypto:2 AES_CM_128_HMAC_SHA1_32 {KEY_32}\r\n"
    )));
    assert!(text.contains(&format!("a=zrtp-hash:{ZRTP_HASH}\r\n")));
    assert!(text.contains(&format!("a=fingerprint:sha-256 {FINGERPRINT}\r\n")));
    assert_eq!(description_from_sdp(&parse(&text)).unwrap(), ours);
}

#[test]
fn secure_profile_is_refused_without_keys() {
    let offer_text = format!(
        "{HEAD}m=audio 4000 RTP/SAVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n\
         a=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n"
    );
    let offer = description_from_sdp(&parse(&offer_text)).unwrap();
    assert_eq!(
        negotiate::answer(&local(), &offer),
        Err(NegotiationError::SecureProfileRequired("RTP/SAVP".into()))
    );
    assert!(NegotiationError::SecureProfileRequired("RTP/SAVP".into())
        .to_string()
        .contains("RTP/SAVP"));
    // So is SAVPF, and a secure profile with no crypto line at all.
    let savpf = describe("m=audio 4000 RTP/SAVPF 0\r\n");
    assert_eq!(
        negotiate::answer(&local(), &savpf),
        Err(NegotiationError::SecureProfileRequired("RTP/SAVPF".into()))
    );
}

#[test]
fn secure_stream_refused_in_place_when_plain_audio_follows() {
    // The common "SRTP if you can" offer written as two streams.
    let offer_text = format!(
        "{HEAD}m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n\
         m=audio 4002 RTP/AVP 0\r\n"
    );
    let offer_sd = parse(&offer_text);
    let offer = description_from_sdp(&offer_sd).unwrap();
    let (answer, agreed) = negotiate::answer(&local(), &offer).unwrap();
    assert!(answer.streams[0].is_refused());
    assert_eq!(answer.streams[0].profile, RtpProfile::Savp);
    assert!(!answer.streams[1].is_refused());
    let audio = agreed.audio().unwrap();
    assert_eq!(
        audio.send.as_ref().unwrap().remote_rtp,
        "192.0.2.1:4002".parse().unwrap()
    );
    assert!(audio.sdes.is_none());
    let text = sdp_answer_for(&offer_sd, &answer, &origin()).to_string();
    assert!(
        text.contains("m=audio 0 RTP/SAVP 0\r\nm=audio 6000 RTP/AVP 0\r\n"),
        "{text}"
    );
    assert!(!text.contains("a=crypto"));
}

#[test]
fn crypto_on_plain_rtp_is_answered_in_clear() {
    // Best-effort SRTP (keys offered on RTP/AVP): without keys of our own we
    // answer plain RTP, with no crypto line and no SRTP agreed.
    let offer_text =
        format!("{HEAD}m=audio 4000 RTP/AVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 {KEY_80}\r\n");
    let offer_sd = parse(&offer_text);
    let offer = description_from_sdp(&offer_sd).unwrap();
    assert_eq!(offer.streams[0].security.crypto.len(), 1);
    let (answer, agreed) = negotiate::answer(&local(), &offer).unwrap();
    assert_eq!(answer.streams[0].profile, RtpProfile::Avp);
    assert!(answer.streams[0].security.is_empty());
    assert!(agreed.audio().unwrap().sdes.is_none());
    let text = sdp_answer_for(&offer_sd, &answer, &origin()).to_string();
    assert!(text.contains("m=audio 6000 RTP/AVP 0\r\n"), "{text}");
    assert!(!text.contains("a=crypto"));
}

#[test]
fn rtcp_mux_is_used_only_when_both_sides_want_it() {
    let offer = describe("m=audio 4000 RTP/AVP 0\r\na=rtcp-mux\r\n");
    let peer_rtcp = |agreed: &openphone_sal::NegotiatedMedia| {
        agreed.audio().unwrap().send.as_ref().unwrap().remote_rtcp
    };
    // We do not multiplex: the answer says nothing, and RFC 5761 §5.1.1
    // then has the peer keep RTCP on RTP port + 1, so we send it there.
    let (answer, agreed) = negotiate::answer(&local(), &offer).unwrap();
    assert!(!answer.streams[0].rtcp_mux);
    assert_eq!(peer_rtcp(&agreed), "192.0.2.1:4001".parse().unwrap());
    // We do: the answer says so and prints it, and RTCP shares the RTP port.
    let mut ours = local();
    ours.streams[0].rtcp_mux = true;
    let (answer, agreed) = negotiate::answer(&ours, &offer).unwrap();
    assert!(answer.streams[0].rtcp_mux);
    assert_eq!(peer_rtcp(&agreed), "192.0.2.1:4000".parse().unwrap());
    let text = sdp_from_description(&answer, &origin()).to_string();
    assert!(text.contains("a=rtcp-mux\r\n"));
    // A peer that does not offer it gets no mux from us.
    let (answer, agreed) =
        negotiate::answer(&ours, &describe("m=audio 4000 RTP/AVP 0\r\n")).unwrap();
    assert!(!answer.streams[0].rtcp_mux);
    assert_eq!(peer_rtcp(&agreed), "192.0.2.1:4001".parse().unwrap());

    // As the offerer: an answer without rtcp-mux means no multiplexing.
    let (answer, _) = negotiate::answer(&local(), &offer).unwrap();
    let back = description_from_sdp(&parse(
        &sdp_from_description(&answer, &origin()).to_string(),
    ))
    .unwrap();
    let completed = negotiate::complete(&ours, &back).unwrap();
    assert_eq!(peer_rtcp(&completed), "192.0.2.2:6001".parse().unwrap());
    let (answer, _) = negotiate::answer(&ours, &offer).unwrap();
    let completed = negotiate::complete(&ours, &answer).unwrap();
    assert_eq!(peer_rtcp(&completed), "192.0.2.2:6000".parse().unwrap());
    // An answer may only accept a mux that was offered (§5.1.1): one we
    // did not offer is not used.
    let completed = negotiate::complete(&local(), &answer).unwrap();
    assert_eq!(peer_rtcp(&completed), "192.0.2.2:6001".parse().unwrap());
}

#[test]
fn video_stream_is_answered_refused_in_place() {
    let offer_text = format!(
        "{HEAD}m=audio 4000 RTP/AVP 0\r\nm=video 4002 RTP/AVPF 96 97\r\n\
         a=rtpmap:96 VP8/90000\r\na=rtpmap:97 H264/90000\r\na=rtcp-fb:* nack\r\n"
    );
    let offer_sd = parse(&offer_text);
    let offer = description_from_sdp(&offer_sd).unwrap();
    assert_eq!(offer.streams[1].kind, MediaKind::Video);
    assert_eq!(offer.streams[1].profile, RtpProfile::Avpf);
    let (answer, agreed) = negotiate::answer(&local(), &offer).unwrap();
    assert_eq!(answer.streams.len(), 2);
    assert_eq!(answer.streams[1].kind, MediaKind::Video);
    assert!(answer.streams[1].is_refused());
    assert_eq!(agreed.streams.len(), 1);
    let text = sdp_answer_for(&offer_sd, &answer, &origin()).to_string();
    assert!(text.ends_with("m=video 0 RTP/AVPF 96 97\r\n"), "{text}");
}

//! SDES crypto lines (RFC 4568) into SRTP keys: what is accepted, what is
//! refused, and that fresh lines round-trip.

use openphone_media::srtp::{new_crypto, SdesKey, SrtpContext, SrtpError, SrtpSuite};
use openphone_sal::{SdesCrypto, SdesKeys};

/// RFC 4568 §4's example key (30 octets: 16 key, 14 salt).
const RFC_KEY: &str = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

fn line(suite: &str, params: &str) -> SdesCrypto {
    SdesCrypto::new(1, suite, params)
}

#[test]
fn rfc4568_example_key_with_a_lifetime_parses() {
    for params in [
        format!("inline:{RFC_KEY}"),
        format!("inline:{RFC_KEY}|2^20"),
        format!("inline:{RFC_KEY}|1048576"),
    ] {
        let k = SdesKey::parse(&line("AES_CM_128_HMAC_SHA1_80", &params)).unwrap();
        assert_eq!(k.key.suite(), SrtpSuite::AesCm128HmacSha1_80);
        assert_eq!(k.key.key().len(), 16);
        assert_eq!(k.key.salt().len(), 14);
        // "PS1u" is 0x3d 0x2d 0x6e.
        assert_eq!(&k.key.key()[..3], &[0x3d, 0x2d, 0x6e]);
        assert_eq!(k.replay_window, 64);
    }
}

#[test]
fn refused_lines_name_the_reason() {
    let suite = "AES_CM_128_HMAC_SHA1_80";
    let unsupported = |c: SdesCrypto| {
        assert!(
            matches!(SdesKey::parse(&c), Err(SrtpError::Unsupported(_))),
            "{c:?}"
        );
    };
    let bad_key = |c: SdesCrypto| {
        assert!(
            matches!(SdesKey::parse(&c), Err(SrtpError::Keys(_))),
            "{c:?}"
        );
    };
    // An MKI (the RFC's own example), two keys, unknown suites.
    unsupported(line(suite, &format!("inline:{RFC_KEY}|2^20|1:32")));
    unsupported(line(
        suite,
        &format!("inline:{RFC_KEY}|2^20|1:4;inline:{RFC_KEY}|2^20|2:4"),
    ));
    unsupported(line("F8_128_HMAC_SHA1_80", &format!("inline:{RFC_KEY}")));
    unsupported(line(
        "aes_cm_128_hmac_sha1_80",
        &format!("inline:{RFC_KEY}"),
    ));
    // Session parameters that would weaken protection, or that we cannot honour.
    for p in [
        "UNENCRYPTED_SRTP",
        "UNENCRYPTED_SRTCP",
        "UNAUTHENTICATED_SRTP",
        "KDR=10",
        "FEC_KEY=inline:x",
        "NEW_THING",
    ] {
        let mut c = line(suite, &format!("inline:{RFC_KEY}"));
        c.session_params.push(p.into());
        unsupported(c);
    }
    // Wrong lengths, not base64, not inline, bad lifetime.
    bad_key(line(suite, "inline:QUJDREVGR0hJSktMTU5PUA=="));
    bad_key(line("AEAD_AES_128_GCM", &format!("inline:{RFC_KEY}")));
    bad_key(line(
        suite,
        "inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB!",
    ));
    bad_key(line(suite, &format!("uri:{RFC_KEY}")));
    bad_key(line(suite, &format!("inline:{RFC_KEY}|2^x")));
    let mut wsh = line(suite, &format!("inline:{RFC_KEY}"));
    wsh.session_params.push("WSH=lots".into());
    bad_key(wsh);
}

#[test]
fn window_size_hint_widens_the_replay_window() {
    let mut c = line("AES_CM_128_HMAC_SHA1_80", &format!("inline:{RFC_KEY}"));
    c.session_params.push("WSH=256".into());
    assert_eq!(SdesKey::parse(&c).unwrap().replay_window, 256);
    // Smaller than RFC 3711's minimum: the minimum.
    c.session_params = vec!["WSH=8".into()];
    assert_eq!(SdesKey::parse(&c).unwrap().replay_window, 64);
}

#[test]
fn fresh_lines_round_trip_for_every_suite() {
    for suite in SrtpSuite::ALL {
        let a = new_crypto(7, suite).unwrap();
        let b = new_crypto(7, suite).unwrap();
        assert_eq!(a.suite, suite.name());
        assert_eq!(a.tag, 7);
        assert_ne!(a.key_params, b.key_params, "keys are random");
        let k = SdesKey::parse(&a).unwrap();
        assert_eq!(k.key.suite(), suite);
        assert_eq!(
            k.key.concatenated().len(),
            suite.key_len() + suite.salt_len()
        );
        let ctx = SrtpContext::from_sdes(&SdesKeys::new(a, b)).unwrap();
        assert_eq!(ctx.suite(), suite);
    }
}

#[test]
fn the_two_directions_must_agree_on_the_suite() {
    let a = new_crypto(1, SrtpSuite::AesCm128HmacSha1_80).unwrap();
    let b = new_crypto(1, SrtpSuite::AesCm128HmacSha1_32).unwrap();
    assert!(matches!(
        SrtpContext::from_sdes(&SdesKeys::new(a, b)),
        Err(SrtpError::Keys(_))
    ));
}

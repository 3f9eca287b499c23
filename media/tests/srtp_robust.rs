//! Hostile input never panics the SRTP layer and never gets through it:
//! arbitrary datagrams (RTP- and RTCP-shaped, every suite) and arbitrary
//! SDES lines.

use openphone_media::srtp::{MasterKey, SdesKey, SrtpContext, SrtpSuite};
use openphone_sal::SdesCrypto;
use proptest::prelude::*;

fn datagram() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        // RTP-shaped: version 2, a payload type that is not RTCP.
        (0u8..128, proptest::collection::vec(any::<u8>(), 0..240)).prop_map(|(pt, mut v)| {
            v.splice(0..0, [0x80, pt & 0x3f]);
            v
        }),
        // RTCP-shaped: version 2, SR/RR/SDES/BYE, with the E flag set or not.
        (200u8..=203, proptest::collection::vec(any::<u8>(), 0..120)).prop_map(|(pt, mut v)| {
            v.splice(0..0, [0x80, pt]);
            v
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_datagrams_are_refused_without_panic(data in datagram(), suite in 0usize..6) {
        let suite = SrtpSuite::ALL[suite];
        let key = MasterKey::random(suite).unwrap();
        let mut ctx = SrtpContext::new(&key, &key, 64).unwrap();
        prop_assert!(ctx.unprotect(&data).is_err());
    }

    #[test]
    fn random_sdes_lines_parse_or_fail_without_panic(
        suite in "[A-Z0-9_]{0,30}",
        params in "(inline:)?[A-Za-z0-9+/=|:^;]{0,80}",
        session in proptest::collection::vec("[A-Z_]{0,12}(=[0-9a-z]{0,6})?", 0..3),
    ) {
        let mut c = SdesCrypto::new(1, suite, params);
        c.session_params = session;
        let _ = SdesKey::parse(&c);
    }
}

//! Fuzz the SRTP layer: SDES `a=crypto` parsing and SRTP/SRTCP unprotect.
//! Input: a selector byte, then either an `a=crypto` value (`TAG SUITE
//! KEY-PARAMS [SESSION-PARAMS…]`, selector bit 0 set) or a datagram to
//! unprotect. Properties: no panic; a parsed line asks for a replay window
//! of at least 64; no datagram built from
//! arbitrary bytes authenticates (the keys are fixed and secret to the
//! fuzzer, so a pass would mean the check was skipped); a packet we
//! protected ourselves always unprotects back to the original, and one
//! with any byte changed never does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use openphone_media::srtp::{MasterKey, SdesKey, SrtpContext, SrtpSuite};
use openphone_sal::SdesCrypto;

fn context(suite: SrtpSuite) -> Option<(SrtpContext, SrtpContext)> {
    let n = suite.key_len() + suite.salt_len();
    let a: Vec<u8> = (0..n as u8).collect();
    let b: Vec<u8> = (0..n as u8).map(|x| x.wrapping_mul(7).wrapping_add(3)).collect();
    let ka = MasterKey::new(suite, &a[..suite.key_len()], &a[suite.key_len()..]).ok()?;
    let kb = MasterKey::new(suite, &b[..suite.key_len()], &b[suite.key_len()..]).ok()?;
    let tx = SrtpContext::new(&ka, &kb, 64).ok()?;
    let rx = SrtpContext::new(&kb, &ka, 64).ok()?;
    Some((tx, rx))
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if sel & 1 == 1 {
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let mut words = text.split_ascii_whitespace();
        let (Some(tag), Some(suite), Some(key)) = (words.next(), words.next(), words.next()) else {
            return;
        };
        let Ok(tag) = tag.parse() else {
            return;
        };
        let mut c = SdesCrypto::new(tag, suite, key);
        c.session_params = words.map(str::to_string).collect();
        if let Ok(k) = SdesKey::parse(&c) {
            assert!(k.replay_window >= 64);
        }
        return;
    }
    let suite = SrtpSuite::ALL[usize::from(sel >> 1) % SrtpSuite::ALL.len()];
    let Some((mut tx, mut rx)) = context(suite) else {
        return;
    };
    // Arbitrary bytes never authenticate.
    assert!(rx.unprotect(rest).is_err(), "forged datagram accepted");
    // A packet of ours round-trips; with one byte changed it fails.
    if rest.len() >= 12 && rest.len() <= 1200 {
        let mut pkt = rest.to_vec();
        pkt[0] = 0x80;
        pkt[1] &= 0x7f; // payload type 0..127, not RTCP's 200..204
        if (72..=76).contains(&pkt[1]) {
            pkt[1] = 0;
        }
        let len = pkt.len();
        let original = pkt.clone();
        pkt.resize(len + 32, 0);
        let Ok(n) = tx.protect_rtp(&mut pkt, len) else {
            return;
        };
        let wire = pkt[..n].to_vec();
        let flip = usize::from(sel) % n;
        let mut bad = wire.clone();
        bad[flip] ^= 0x01;
        // Flipping a header bit may make it look like RTCP or another
        // SSRC: any error is fine, success is not.
        assert!(rx.unprotect(&bad).is_err(), "tampered packet accepted");
        let clear = rx.unprotect(&wire).map(<[u8]>::to_vec);
        assert_eq!(clear.as_deref(), Ok(&original[..]), "round trip");
    }
});

//! A flood of forged SRTP/SRTCP packets, each naming a new SSRC, costs no
//! memory: they are refused before any per-SSRC state is made (for the
//! AES-CM suites, see `srtp::preauth`). Checked by counting allocations:
//! per-SSRC state would allocate for every packet.

#[allow(dead_code)]
mod counting_alloc;

use counting_alloc::allocations;
use openphone_media::srtp::{MasterKey, SrtpContext, SrtpError, SrtpSuite, MAX_OVERHEAD};

#[global_allocator]
static A: counting_alloc::Counting = counting_alloc::Counting;

#[test]
fn forged_packets_with_new_ssrcs_allocate_nothing() {
    for suite in [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
        SrtpSuite::AesCm256HmacSha1_80,
        SrtpSuite::AeadAes128Gcm,
        SrtpSuite::AeadAes256Gcm,
    ] {
        let key = MasterKey::random(suite).unwrap();
        let mut ctx = SrtpContext::new(&key, &key, 64).unwrap();
        // One genuine packet first, so the context is warm.
        let mut buf = [0u8; 12 + 160 + MAX_OVERHEAD];
        buf[..12].copy_from_slice(&[0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
        let n = ctx.protect_rtp(&mut buf, 172).unwrap();
        ctx.unprotect(&buf[..n]).unwrap();

        let mut rtp = buf[..n].to_vec();
        // An SR-shaped SRTCP packet with the E flag set where the suite
        // puts it (after the tag with GCM, before it with AES-CM).
        let mut rtcp = vec![0x80, 200, 0, 6];
        rtcp.resize(28 + 4 + 16, 0x5a);
        let e_at = match suite.rtp_overhead() {
            16 => 48 - 4,     // GCM: ... || tag || E+index
            4 => 48 - 4 - 4,  // _32: ... || E+index || 32-bit tag
            _ => 48 - 10 - 4, // _80: ... || E+index || 80-bit tag
        };
        rtcp[e_at] = 0x80;
        let before = allocations();
        for ssrc in 2..2002u32 {
            rtp[8..12].copy_from_slice(&ssrc.to_be_bytes());
            assert_eq!(ctx.unprotect(&rtp).map(|_| ()), Err(SrtpError::AuthFailed));
            rtcp[4..8].copy_from_slice(&ssrc.to_be_bytes());
            assert_eq!(ctx.unprotect(&rtcp).map(|_| ()), Err(SrtpError::AuthFailed));
        }
        assert_eq!(
            allocations() - before,
            0,
            "{suite}: forged packets allocated"
        );
    }
}

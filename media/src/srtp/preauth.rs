//! Authentication before `rtc-srtp` sees a packet (the AES-CM suites), for
//! two reasons.
//!
//! **Forged packets must not cost memory.** `rtc-srtp` 0.21 creates its
//! per-SSRC state (rollover counter, replay window) for every SSRC a packet
//! names *before* checking the tag, so a flood of forged packets with
//! random SSRCs would grow it without bound. Here a packet from an SSRC
//! that never authenticated is checked first (HMAC-SHA1 with the session
//! authentication key, RFC 3711 §4.2, rollover counter 0 as for any new
//! SSRC); only packets that pass, and packets of SSRCs that already did,
//! reach the crate. SRTCP is always checked here. (The GCM suites are not
//! covered: their tag is the AEAD's.)
//!
//! **32-bit SRTCP tags.** RFC 4568 §6.2 gives each suite one tag length,
//! and the SDES peers we meet (libre/baresip, ffmpeg, reSIProcate) put the
//! 32-bit tag of the `_32` suites on SRTCP too; `rtc-srtp` follows
//! DTLS-SRTP (RFC 5764 §4.1.2) and always uses 80 bits on SRTCP. Both are
//! the same HMAC output truncated, so sending cuts the crate's tag to 4
//! octets, and receiving checks the 4 octets here and hands the crate the
//! packet with its 80-bit tag recomputed.

use rtc_srtp::crypto::{
    constant_time_eq, CryptoError, HmacAlgorithm, Mac, RTCCrypto, StreamCipherAlgorithm,
};

use super::{MasterKey, SrtpError, SrtpSuite};

/// RFC 3711 §4.3.2: the SRTP and SRTCP authentication key labels.
const LABEL_SRTP_AUTH: u8 = 0x01;
const LABEL_SRTCP_AUTH: u8 = 0x04;
/// HMAC-SHA1 key length (RFC 3711 §4.2.1: n_a = 160).
const AUTH_KEY_LEN: usize = 20;
/// The SRTCP tag the crate writes and checks.
pub(super) const LONG: usize = 10;
/// The SRTCP tag of the `_32` suites on the wire.
pub(super) const SHORT: usize = 4;
/// SSRCs remembered as authenticated (more are checked here each time).
const MAX_KNOWN: usize = 16;

/// Whether SDES `suite` carries the 32-bit tag on SRTCP.
pub(super) fn short_rtcp(suite: SrtpSuite) -> bool {
    matches!(
        suite,
        SrtpSuite::AesCm128HmacSha1_32 | SrtpSuite::AesCm256HmacSha1_32
    )
}

/// Receive-side checks for one remote key.
pub(super) struct PreAuth {
    rtp_mac: Box<dyn Mac>,
    rtcp_mac: Box<dyn Mac>,
    rtp_tag: usize,
    rtcp_tag: usize,
    /// SSRCs whose packets authenticated in the crate.
    known: Vec<u32>,
    /// A lengthened SRTCP packet handed to the crate (reused).
    scratch: Vec<u8>,
}

/// One authentication key (§4.3.1, key derivation rate 0): AES-CM
/// keystream from IV = ((label << 48) XOR master salt) * 2^16.
fn auth_mac(
    remote: &MasterKey,
    label: u8,
    crypto: &dyn RTCCrypto,
) -> Result<Box<dyn Mac>, SrtpError> {
    let err = |e: CryptoError| SrtpError::Crypto(e.to_string());
    let algorithm = match remote.suite().key_len() {
        16 => StreamCipherAlgorithm::Aes128Ctr,
        _ => StreamCipherAlgorithm::Aes256Ctr,
    };
    let mut iv = [0u8; 16];
    let salt = remote.salt();
    iv.get_mut(..salt.len())
        .ok_or_else(|| SrtpError::Keys("salt longer than 14 octets".into()))?
        .copy_from_slice(salt);
    iv[7] ^= label;
    let mut key = [0u8; AUTH_KEY_LEN];
    crypto
        .new_stream_cipher(algorithm, remote.key())
        .map_err(err)?
        .apply_keystream(&iv, &mut key)
        .map_err(err)?;
    let mac = crypto.new_hmac(HmacAlgorithm::Sha1, &key).map_err(err);
    key.fill(0);
    mac
}

impl PreAuth {
    /// For packets protected with `remote`'s key; `None` for the GCM suites.
    pub fn new(remote: &MasterKey, crypto: &dyn RTCCrypto) -> Result<Option<Self>, SrtpError> {
        let suite = remote.suite();
        if matches!(suite, SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm) {
            return Ok(None);
        }
        Ok(Some(PreAuth {
            rtp_mac: auth_mac(remote, LABEL_SRTP_AUTH, crypto)?,
            rtcp_mac: auth_mac(remote, LABEL_SRTCP_AUTH, crypto)?,
            rtp_tag: suite.rtp_overhead(),
            rtcp_tag: if short_rtcp(suite) { SHORT } else { LONG },
            known: Vec::with_capacity(MAX_KNOWN),
            scratch: Vec::new(),
        }))
    }

    /// The SRTCP tag length on the wire.
    pub fn rtcp_tag(&self) -> usize {
        self.rtcp_tag
    }

    /// Checks an SRTP packet of an SSRC not yet authenticated; `Ok(ssrc)`
    /// when it may go to the crate.
    pub fn check_rtp(&mut self, data: &[u8]) -> Result<u32, SrtpError> {
        let ssrc = data
            .get(8..12)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| SrtpError::Malformed("SRTP packet too short".into()))?;
        if self.known.contains(&ssrc) {
            return Ok(ssrc);
        }
        let body_len = data
            .len()
            .checked_sub(self.rtp_tag)
            .filter(|&n| n >= 12)
            .ok_or_else(|| SrtpError::Malformed("SRTP packet too short".into()))?;
        let (body, tag) = data.split_at(body_len);
        let mut full = [0u8; 20];
        self.rtp_mac
            .sign(&[body, &0u32.to_be_bytes()], &mut full)
            .map_err(|e| SrtpError::Crypto(e.to_string()))?;
        if !constant_time_eq(tag, full.get(..self.rtp_tag).unwrap_or_default()) {
            return Err(SrtpError::AuthFailed);
        }
        Ok(ssrc)
    }

    /// Remembers an SSRC whose packet the crate accepted.
    pub fn authenticated(&mut self, ssrc: u32) {
        if !self.known.contains(&ssrc) && self.known.len() < MAX_KNOWN {
            self.known.push(ssrc);
        }
    }

    /// Checks an SRTCP packet's tag; gives the packet as the crate takes
    /// it (with an 80-bit tag).
    pub fn check_rtcp<'a>(&'a mut self, data: &'a [u8]) -> Result<&'a [u8], SrtpError> {
        let body_len = data
            .len()
            .checked_sub(self.rtcp_tag)
            .ok_or_else(|| SrtpError::Malformed("SRTCP packet too short".into()))?;
        let (body, tag) = data.split_at(body_len);
        let mut full = [0u8; 20];
        self.rtcp_mac
            .sign(&[body], &mut full)
            .map_err(|e| SrtpError::Crypto(e.to_string()))?;
        if !constant_time_eq(tag, full.get(..self.rtcp_tag).unwrap_or_default()) {
            return Err(SrtpError::AuthFailed);
        }
        if self.rtcp_tag == LONG {
            return Ok(data);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(body);
        self.scratch
            .extend_from_slice(full.get(..LONG).unwrap_or_default());
        Ok(&self.scratch)
    }
}

//! SRTCP with a 32-bit tag for the SDES `*_HMAC_SHA1_32` suites.
//!
//! RFC 4568 §6.2 gives each suite one authentication tag length, and the
//! SDES peers we meet (libre/baresip, ffmpeg, reSIProcate) use the 32-bit
//! tag for SRTCP too; `rtc-srtp` follows DTLS-SRTP (RFC 5764 §4.1.2) and
//! always puts 80 bits on SRTCP. Both tags are the same HMAC-SHA1 output,
//! truncated, so sending cuts the crate's tag to 4 octets, and receiving
//! checks the 4 octets here (the SRTCP authentication key derived as RFC
//! 3711 §4.3.1 says, label 0x04), then hands the crate the packet with its
//! 80-bit tag recomputed, so decryption and the replay window stay the
//! crate's.

use rtc_srtp::crypto::{constant_time_eq, HmacAlgorithm, Mac, RTCCrypto, StreamCipherAlgorithm};

use super::{MasterKey, SrtpError, SrtpSuite};

/// RFC 3711 §4.3.2: the SRTCP authentication key label.
const LABEL_SRTCP_AUTH: u8 = 0x04;
/// HMAC-SHA1 key length (RFC 3711 §4.2.1: n_a = 160).
const AUTH_KEY_LEN: usize = 20;
/// The tag the crate writes and checks.
pub(super) const LONG: usize = 10;
/// The tag on the wire.
pub(super) const SHORT: usize = 4;

/// Whether SDES `suite` carries the 32-bit tag on SRTCP.
pub(super) fn applies(suite: SrtpSuite) -> bool {
    matches!(
        suite,
        SrtpSuite::AesCm128HmacSha1_32 | SrtpSuite::AesCm256HmacSha1_32
    )
}

/// Checks and re-extends received 32-bit SRTCP tags.
pub(super) struct ShortRtcpTag {
    mac: Box<dyn Mac>,
    /// The packet handed to the crate (kept to avoid allocating each time).
    scratch: Vec<u8>,
}

impl ShortRtcpTag {
    /// For packets protected with `remote`'s key.
    pub fn new(remote: &MasterKey, crypto: &dyn RTCCrypto) -> Result<Self, SrtpError> {
        let algorithm = match remote.suite().key_len() {
            16 => StreamCipherAlgorithm::Aes128Ctr,
            _ => StreamCipherAlgorithm::Aes256Ctr,
        };
        let err = |e: rtc_srtp::crypto::CryptoError| SrtpError::Crypto(e.to_string());
        // Key derivation (§4.3.1, rate 0): x = (label << 48) XOR master
        // salt, in 112 bits; the key is AES-CM keystream from x * 2^16.
        let mut iv = [0u8; 16];
        let salt = remote.salt();
        iv.get_mut(..salt.len())
            .ok_or_else(|| SrtpError::Keys("salt longer than 14 octets".into()))?
            .copy_from_slice(salt);
        iv[7] ^= LABEL_SRTCP_AUTH;
        let mut key = [0u8; AUTH_KEY_LEN];
        crypto
            .new_stream_cipher(algorithm, remote.key())
            .map_err(err)?
            .apply_keystream(&iv, &mut key)
            .map_err(err)?;
        let mac = crypto.new_hmac(HmacAlgorithm::Sha1, &key).map_err(err)?;
        key.fill(0);
        Ok(ShortRtcpTag {
            mac,
            scratch: Vec::new(),
        })
    }

    /// Checks the 4-octet tag of `data`; gives the packet with the 80-bit
    /// tag for the crate.
    pub fn lengthen(&mut self, data: &[u8]) -> Result<&[u8], SrtpError> {
        let body_len = data
            .len()
            .checked_sub(SHORT)
            .ok_or_else(|| SrtpError::Malformed("SRTCP packet too short".into()))?;
        let (body, tag) = data.split_at(body_len);
        let mut full = [0u8; 20];
        self.mac
            .sign(&[body], &mut full)
            .map_err(|e| SrtpError::Crypto(e.to_string()))?;
        if !constant_time_eq(tag, &full[..SHORT]) {
            return Err(SrtpError::AuthFailed);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(body);
        self.scratch.extend_from_slice(&full[..LONG]);
        Ok(&self.scratch)
    }
}

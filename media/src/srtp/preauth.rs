//! Authentication before `rtc-srtp` sees a packet, for two reasons.
//!
//! **Forged packets must not cost memory.** `rtc-srtp` 0.21 creates its
//! per-SSRC state (rollover counter, replay window) for every SSRC a packet
//! names *before* checking the tag, so a flood of forged packets with
//! random SSRCs would grow it without bound. Here a packet from an SSRC
//! that never authenticated is checked first (rollover counter 0, as for
//! any new SSRC): HMAC-SHA1 with the session authentication key (RFC 3711
//! §4.2), or for the GCM suites the AEAD itself (RFC 7714 §8, opened into
//! a scratch buffer). Only packets that pass, and packets of SSRCs that
//! already did, reach the crate. SRTCP is always checked here.
//!
//! **32-bit SRTCP tags.** RFC 4568 §6.2 gives each suite one tag length,
//! and the SDES peers we meet (libre/baresip, ffmpeg, reSIProcate) put the
//! 32-bit tag of the `_32` suites on SRTCP too; `rtc-srtp` follows
//! DTLS-SRTP (RFC 5764 §4.1.2) and always uses 80 bits on SRTCP. Both are
//! the same HMAC output truncated, so sending cuts the crate's tag to 4
//! octets, and receiving checks the 4 octets here and hands the crate the
//! packet with its 80-bit tag recomputed.

use rtc_srtp::crypto::{
    constant_time_eq, AeadAlgorithm, AeadCipher, CryptoError, HmacAlgorithm, Mac, RTCCrypto,
    StreamCipherAlgorithm,
};

use super::{MasterKey, SrtpError, SrtpSuite};

/// RFC 3711 §4.3.2: key derivation labels.
pub(super) const LABEL_SRTP_KEY: u8 = 0x00;
pub(super) const LABEL_SRTP_AUTH: u8 = 0x01;
pub(super) const LABEL_SRTP_SALT: u8 = 0x02;
const LABEL_SRTCP_KEY: u8 = 0x03;
const LABEL_SRTCP_AUTH: u8 = 0x04;
const LABEL_SRTCP_SALT: u8 = 0x05;
/// HMAC-SHA1 key length (RFC 3711 §4.2.1: n_a = 160).
const AUTH_KEY_LEN: usize = 20;
/// The GCM tag (RFC 7714 §4.2: 16 octets).
const GCM_TAG: usize = 16;
/// The SRTCP tag the crate writes and checks.
pub(super) const LONG: usize = 10;
/// The SRTCP tag of the `_32` suites on the wire.
pub(super) const SHORT: usize = 4;
/// SSRCs remembered as authenticated (more are checked here each time).
const MAX_KNOWN: usize = 16;
/// Scratch room for one datagram (grown only for larger ones).
const SCRATCH: usize = 1500;

/// Whether SDES `suite` carries the 32-bit tag on SRTCP.
pub(super) fn short_rtcp(suite: SrtpSuite) -> bool {
    matches!(
        suite,
        SrtpSuite::AesCm128HmacSha1_32 | SrtpSuite::AesCm256HmacSha1_32
    )
}

/// How packets are authenticated, by suite family.
enum Check {
    /// AES-CM with HMAC-SHA1 (RFC 3711 §4.2).
    Hmac {
        rtp_mac: Box<dyn Mac>,
        rtcp_mac: Box<dyn Mac>,
        rtp_tag: usize,
        rtcp_tag: usize,
    },
    /// AEAD AES-GCM (RFC 7714).
    Gcm {
        rtp: Box<dyn AeadCipher>,
        rtcp: Box<dyn AeadCipher>,
        rtp_salt: [u8; 12],
        rtcp_salt: [u8; 12],
    },
}

/// Receive-side checks for one remote key.
pub(super) struct PreAuth {
    check: Check,
    /// SSRCs whose packets authenticated in the crate.
    known: Vec<u32>,
    /// A lengthened SRTCP packet for the crate, or GCM plaintext (reused).
    scratch: Vec<u8>,
}

fn crypto_err(e: CryptoError) -> SrtpError {
    SrtpError::Crypto(e.to_string())
}

/// Session key material for `label` (§4.3.1, key derivation rate 0):
/// AES-CM keystream from IV = ((label << 48) XOR master salt) * 2^16, the
/// master salt zero-padded on the right to 112 bits (the GCM suites' salt
/// is 96).
pub(super) fn derive(
    remote: &MasterKey,
    label: u8,
    crypto: &dyn RTCCrypto,
    out: &mut [u8],
) -> Result<(), SrtpError> {
    let algorithm = match remote.suite().key_len() {
        16 => StreamCipherAlgorithm::Aes128Ctr,
        _ => StreamCipherAlgorithm::Aes256Ctr,
    };
    let salt = remote.salt();
    let mut iv = [0u8; 16];
    iv.get_mut(..salt.len())
        .filter(|_| salt.len() <= 14)
        .ok_or_else(|| SrtpError::Keys("salt longer than 14 octets".into()))?
        .copy_from_slice(salt);
    iv[7] ^= label;
    out.fill(0);
    crypto
        .new_stream_cipher(algorithm, remote.key())
        .map_err(crypto_err)?
        .apply_keystream(&iv, out)
        .map_err(crypto_err)
}

fn auth_mac(
    remote: &MasterKey,
    label: u8,
    crypto: &dyn RTCCrypto,
) -> Result<Box<dyn Mac>, SrtpError> {
    let mut key = [0u8; AUTH_KEY_LEN];
    derive(remote, label, crypto, &mut key)?;
    let mac = crypto
        .new_hmac(HmacAlgorithm::Sha1, &key)
        .map_err(crypto_err);
    key.fill(0);
    mac
}

fn gcm(
    remote: &MasterKey,
    key_label: u8,
    salt_label: u8,
    crypto: &dyn RTCCrypto,
) -> Result<(Box<dyn AeadCipher>, [u8; 12]), SrtpError> {
    let (algorithm, len) = match remote.suite().key_len() {
        16 => (AeadAlgorithm::Aes128Gcm, 16),
        _ => (AeadAlgorithm::Aes256Gcm, 32),
    };
    let mut key = [0u8; 32];
    derive(remote, key_label, crypto, &mut key[..len])?;
    let aead = crypto.new_aead(algorithm, &key[..len]).map_err(crypto_err);
    key.fill(0);
    let mut salt = [0u8; 12];
    derive(remote, salt_label, crypto, &mut salt)?;
    Ok((aead?, salt))
}

/// The RTP header length (fixed part, CSRCs, extension), if it fits.
pub(super) fn rtp_header_len(data: &[u8]) -> Option<usize> {
    let first = *data.first()?;
    let mut n = 12 + 4 * usize::from(first & 0x0f);
    if first & 0x10 != 0 {
        let ext = data.get(n + 2..n + 4)?;
        n += 4 + 4 * usize::from(u16::from_be_bytes([ext[0], ext[1]]));
    }
    (n <= data.len()).then_some(n)
}

impl PreAuth {
    /// For packets protected with `remote`'s key.
    pub fn new(remote: &MasterKey, crypto: &dyn RTCCrypto) -> Result<Self, SrtpError> {
        let suite = remote.suite();
        let check = if matches!(suite, SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm) {
            let (rtp, rtp_salt) = gcm(remote, LABEL_SRTP_KEY, LABEL_SRTP_SALT, crypto)?;
            let (rtcp, rtcp_salt) = gcm(remote, LABEL_SRTCP_KEY, LABEL_SRTCP_SALT, crypto)?;
            Check::Gcm {
                rtp,
                rtcp,
                rtp_salt,
                rtcp_salt,
            }
        } else {
            Check::Hmac {
                rtp_mac: auth_mac(remote, LABEL_SRTP_AUTH, crypto)?,
                rtcp_mac: auth_mac(remote, LABEL_SRTCP_AUTH, crypto)?,
                rtp_tag: suite.rtp_overhead(),
                rtcp_tag: if short_rtcp(suite) { SHORT } else { LONG },
            }
        };
        Ok(PreAuth {
            check,
            known: Vec::with_capacity(MAX_KNOWN),
            scratch: Vec::with_capacity(SCRATCH),
        })
    }

    /// The SRTCP tag length after the index on the wire (none with GCM,
    /// whose tag precedes the index).
    pub fn rtcp_tag(&self) -> usize {
        match &self.check {
            Check::Hmac { rtcp_tag, .. } => *rtcp_tag,
            Check::Gcm { .. } => 0,
        }
    }

    /// Checks an SRTP packet of an SSRC not yet authenticated; `Ok(ssrc)`
    /// when it may go to the crate.
    pub fn check_rtp(&mut self, data: &[u8]) -> Result<u32, SrtpError> {
        let short = || SrtpError::Malformed("SRTP packet too short".into());
        let ssrc = data
            .get(8..12)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(short)?;
        if self.known.contains(&ssrc) {
            return Ok(ssrc);
        }
        // A new SSRC starts with rollover counter 0.
        let ok = match &mut self.check {
            Check::Hmac {
                rtp_mac, rtp_tag, ..
            } => {
                let body_len = data
                    .len()
                    .checked_sub(*rtp_tag)
                    .filter(|&n| n >= 12)
                    .ok_or_else(short)?;
                let (body, tag) = data.split_at(body_len);
                let mut full = [0u8; 20];
                rtp_mac
                    .sign(&[body, &0u32.to_be_bytes()], &mut full)
                    .map_err(crypto_err)?;
                constant_time_eq(tag, full.get(..*rtp_tag).unwrap_or_default())
            }
            Check::Gcm { rtp, rtp_salt, .. } => {
                // RFC 7714 §8.1: IV = (00 00 || SSRC || ROC || SEQ) XOR
                // salt; the header is the associated data.
                let head = rtp_header_len(data).ok_or_else(short)?;
                let end = data
                    .len()
                    .checked_sub(GCM_TAG)
                    .filter(|&e| e >= head)
                    .ok_or_else(short)?;
                let mut iv = *rtp_salt;
                for (v, b) in iv[2..6].iter_mut().zip(ssrc.to_be_bytes()) {
                    *v ^= b;
                }
                for (v, b) in iv[10..12].iter_mut().zip(&data[2..4]) {
                    *v ^= b;
                }
                self.scratch.clear();
                self.scratch.extend_from_slice(&data[head..end]);
                rtp.open_in_place(&iv, &data[..head], &mut self.scratch, &data[end..])
                    .is_ok()
            }
        };
        if !ok {
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
    /// it (with an 80-bit tag when AES-CM).
    pub fn check_rtcp<'a>(&'a mut self, data: &'a [u8]) -> Result<&'a [u8], SrtpError> {
        let short = || SrtpError::Malformed("SRTCP packet too short".into());
        let (rtcp_mac, rtcp_tag) = match &mut self.check {
            Check::Hmac {
                rtcp_mac, rtcp_tag, ..
            } => (rtcp_mac, *rtcp_tag),
            Check::Gcm {
                rtcp, rtcp_salt, ..
            } => {
                // RFC 7714 §9: header(8) || ciphertext || tag || E+index;
                // IV = (00 00 || SSRC || 00 00 || 0 || index) XOR salt, the
                // associated data the header and the E+index word.
                let len = data.len();
                let tag_at = len
                    .checked_sub(4 + GCM_TAG)
                    .filter(|&t| t >= 8)
                    .ok_or_else(short)?;
                let word = &data[len - 4..];
                let mut iv = *rtcp_salt;
                for (v, b) in iv[2..6].iter_mut().zip(&data[4..8]) {
                    *v ^= b;
                }
                for (v, b) in iv[8..12].iter_mut().zip(word) {
                    *v ^= b;
                }
                // The index only: the E flag is not part of the IV.
                iv[8] ^= word[0] & 0x80;
                let mut aad = [0u8; 12];
                aad[..8].copy_from_slice(&data[..8]);
                aad[8..].copy_from_slice(word);
                self.scratch.clear();
                self.scratch.extend_from_slice(&data[8..tag_at]);
                rtcp.open_in_place(&iv, &aad, &mut self.scratch, &data[tag_at..len - 4])
                    .map_err(|_| SrtpError::AuthFailed)?;
                return Ok(data);
            }
        };
        let body_len = data.len().checked_sub(rtcp_tag).ok_or_else(short)?;
        let (body, tag) = data.split_at(body_len);
        let mut full = [0u8; 20];
        rtcp_mac.sign(&[body], &mut full).map_err(crypto_err)?;
        if !constant_time_eq(tag, full.get(..rtcp_tag).unwrap_or_default()) {
            return Err(SrtpError::AuthFailed);
        }
        if rtcp_tag == LONG {
            return Ok(data);
        }
        self.scratch.clear();
        self.scratch.extend_from_slice(body);
        self.scratch
            .extend_from_slice(full.get(..LONG).unwrap_or_default());
        Ok(&self.scratch)
    }
}

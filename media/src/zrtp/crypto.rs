//! ZRTP's cryptographic building blocks over SHA-256 (RFC 6189 §4.4–§4.5,
//! §5.7, §9): hashes, the 64-bit message MACs, the hash chain H0..H3, the
//! KDF, s0 and the keys derived from it, and AES-CFB for Confirm.

use cfb_mode::cipher::{AsyncStreamCipher, KeyIvInit};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::algo::Cipher;
use super::message::Zid;

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 over the concatenation of `parts`.
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-SHA-256 over the concatenation of `parts`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length; new_from_slice cannot fail for it.
    let mut m = match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts any key length"),
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// The 64-bit MAC ZRTP messages carry: HMAC-SHA-256 truncated (§5.2, §9).
pub fn mac64(key: &[u8], data: &[u8]) -> [u8; 8] {
    let full = hmac_sha256(key, &[data]);
    let mut out = [0u8; 8];
    out.copy_from_slice(&full[..8]);
    out
}

/// Constant-time equality for MACs and hashes.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// 32 random octets from the OS.
pub fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

/// The hash chain of one session (§9): H0 random, H(i+1) = SHA-256(H(i)).
/// H3 goes in Hello, H2 in Commit, H1 in DHPart, H0 in Confirm; each
/// revealed image keys the MAC of the previous message.
#[derive(Clone)]
pub struct HashChain {
    /// H0..H3.
    pub h: [[u8; 32]; 4],
}

impl HashChain {
    /// A chain from a given H0.
    pub fn from_h0(h0: [u8; 32]) -> Self {
        let h1 = sha256(&[&h0]);
        let h2 = sha256(&[&h1]);
        let h3 = sha256(&[&h2]);
        HashChain {
            h: [h0, h1, h2, h3],
        }
    }

    /// A chain from a fresh random H0.
    pub fn random() -> Self {
        Self::from_h0(random32())
    }
}

/// The KDF of §4.5.1 (NIST SP 800-108 counter mode, one HMAC block):
/// HMAC(KI, 0x00000001 || Label || 0x00 || Context || L) cut to L bits.
/// `bits` is at most 256 (every ZRTP use); larger requests are cut there.
pub fn kdf(ki: &[u8], label: &[u8], context: &[u8], bits: u32) -> Vec<u8> {
    let bits = bits.min(256);
    let out = hmac_sha256(
        ki,
        &[
            &1u32.to_be_bytes(),
            label,
            &[0],
            context,
            &bits.to_be_bytes(),
        ],
    );
    out[..(bits as usize).div_ceil(8)].to_vec()
}

/// KDF_Context = ZIDi || ZIDr || total_hash (§4.4.1.4).
pub fn kdf_context(zidi: &Zid, zidr: &Zid, total_hash: &[u8; 32]) -> Vec<u8> {
    [&zidi[..], &zidr[..], &total_hash[..]].concat()
}

/// total_hash = hash(responder's Hello || Commit || DHPart1 || DHPart2),
/// over the messages as sent (§4.4.1.4).
pub fn total_hash(hello_r: &[u8], commit: &[u8], dhpart1: &[u8], dhpart2: &[u8]) -> [u8; 32] {
    sha256(&[hello_r, commit, dhpart1, dhpart2])
}

/// s0 in DH mode (§4.4.1.4):
/// hash(counter || DHResult || "ZRTP-HMAC-KDF" || ZIDi || ZIDr ||
/// total_hash || len(s1) || s1 || len(s2) || s2 || len(s3) || s3),
/// each absent secret sent as a zero length and no octets.
pub fn s0_dh(
    dh_result: &[u8],
    zidi: &Zid,
    zidr: &Zid,
    total_hash: &[u8; 32],
    s1: Option<&[u8]>,
    s2: Option<&[u8]>,
    s3: Option<&[u8]>,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(1u32.to_be_bytes());
    h.update(dh_result);
    h.update(b"ZRTP-HMAC-KDF");
    h.update(zidi);
    h.update(zidr);
    h.update(total_hash);
    for s in [s1, s2, s3] {
        let s = s.unwrap_or(&[]);
        h.update((s.len() as u32).to_be_bytes());
        h.update(s);
    }
    h.finalize().into()
}

/// Everything derived from s0 for one session (§4.5.3, §4.6, §7).
#[derive(Clone)]
pub struct SessionKeys {
    /// ZRTPSess, the session key (for Multistream and exported keys).
    pub zrtp_sess: [u8; 32],
    /// sashash; its leftmost 32 bits are sasvalue.
    pub sas_hash: [u8; 32],
    /// The new rs1 to cache after a successful exchange.
    pub new_rs1: [u8; 32],
    /// mackeyi and mackeyr.
    pub mac_key_i: [u8; 32],
    /// Responder's HMAC key.
    pub mac_key_r: [u8; 32],
    /// zrtpkeyi (Confirm2 cipher key).
    pub zrtp_key_i: Vec<u8>,
    /// zrtpkeyr (Confirm1 cipher key).
    pub zrtp_key_r: Vec<u8>,
    /// SRTP master key and salt of the initiator's stream.
    pub srtp_key_i: Vec<u8>,
    /// Initiator's salt (112 bits).
    pub srtp_salt_i: Vec<u8>,
    /// SRTP master key of the responder's stream.
    pub srtp_key_r: Vec<u8>,
    /// Responder's salt (112 bits).
    pub srtp_salt_r: Vec<u8>,
}

fn arr32(v: Vec<u8>) -> [u8; 32] {
    let mut a = [0u8; 32];
    let n = v.len().min(32);
    a[..n].copy_from_slice(&v[..n]);
    a
}

impl SessionKeys {
    /// Derives every key from s0 and KDF_Context with the negotiated cipher.
    pub fn derive(s0: &[u8; 32], context: &[u8], cipher: Cipher) -> SessionKeys {
        let k = |label: &str, bits: u32| kdf(s0, label.as_bytes(), context, bits);
        let key_bits = cipher.key_len() as u32 * 8;
        SessionKeys {
            zrtp_sess: arr32(k("ZRTP Session Key", 256)),
            sas_hash: arr32(k("SAS", 256)),
            new_rs1: arr32(k("retained secret", 256)),
            mac_key_i: arr32(k("Initiator HMAC key", 256)),
            mac_key_r: arr32(k("Responder HMAC key", 256)),
            zrtp_key_i: k("Initiator ZRTP key", key_bits),
            zrtp_key_r: k("Responder ZRTP key", key_bits),
            srtp_key_i: k("Initiator SRTP master key", key_bits),
            srtp_salt_i: k("Initiator SRTP master salt", 112),
            srtp_key_r: k("Responder SRTP master key", key_bits),
            srtp_salt_r: k("Responder SRTP master salt", 112),
        }
    }
}

/// AES-CFB (128-bit feedback) over `data` in place, key 16 or 32 octets.
/// Returns false for another key length (never produced by [`kdf`] here).
pub fn aes_cfb(key: &[u8], iv: &[u8; 16], data: &mut [u8], encrypt: bool) -> bool {
    macro_rules! run {
        ($aes:ty) => {{
            if encrypt {
                match cfb_mode::Encryptor::<$aes>::new_from_slices(key, iv) {
                    Ok(c) => c.encrypt(data),
                    Err(_) => return false,
                }
            } else {
                match cfb_mode::Decryptor::<$aes>::new_from_slices(key, iv) {
                    Ok(c) => c.decrypt(data),
                    Err(_) => return false,
                }
            }
            true
        }};
    }
    match key.len() {
        16 => run!(aes::Aes128),
        32 => run!(aes::Aes256),
        _ => false,
    }
}

/// rs1ID/rs2ID/pbxsecretID: MAC(secret, "Initiator" or "Responder") (§4.3.1).
pub fn secret_id(secret: &[u8], initiator: bool) -> [u8; 8] {
    mac64(
        secret,
        if initiator {
            b"Initiator"
        } else {
            b"Responder"
        },
    )
}

/// A random 64-bit ID, sent in place of a secret we do not have (§4.3.1).
pub fn random_id() -> [u8; 8] {
    let mut b = [0u8; 8];
    OsRng.fill_bytes(&mut b);
    b
}

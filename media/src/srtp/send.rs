//! SRTP protect in place for the AES-CM suites (RFC 3711 §3.3, §4.1.1,
//! §4.2), so sending costs no allocation, no copy back and no key schedule
//! per packet. `rtc-srtp` 0.21 returns a new buffer for every packet and
//! expands the AES key again on each one (its stream cipher keeps the raw
//! key); here the session keys are derived and the AES key schedule and
//! the keyed HMAC state are built once, and each packet only clones them.
//! The primitives are the RustCrypto `aes`, `ctr`, `hmac` and `sha1`
//! crates, the same ones `rtc-srtp`'s provider uses. SRTCP and the GCM
//! suites stay with `rtc-srtp`. `srtp-anchor`'s cross-check test has
//! libsrtp2 unprotect what this protects, across the sequence wrap.

use aes::{Aes128, Aes256};
use ctr::cipher::{InnerIvInit, KeyInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::preauth::{derive, rtp_header_len, LABEL_SRTP_AUTH, LABEL_SRTP_KEY, LABEL_SRTP_SALT};
use super::{MasterKey, SrtpError};

/// The SSRCs one sender keeps a rollover counter for (we choose our SSRCs;
/// more is a bug, refused rather than grown without bound).
const MAX_STREAMS: usize = 16;

/// The AES key schedule, expanded once. One per key and never moved per
/// packet, so the variants' size difference costs nothing worth a box.
#[derive(Clone)]
#[allow(clippy::large_enum_variant)]
pub(super) enum Aes {
    A128(Aes128),
    A256(Aes256),
}

/// One SSRC's sending index (RFC 3711 §3.3.1).
struct Stream {
    ssrc: u32,
    roc: u32,
    /// The highest sequence number sent (s_l).
    last: u16,
}

/// Protects outgoing SRTP with our key, in the caller's buffer.
pub(super) struct AesCmSender {
    aes: Aes,
    /// The session salt (k_s, 112 bits).
    salt: [u8; 14],
    /// HMAC-SHA1 keyed with the session authentication key.
    mac: Hmac<Sha1>,
    /// Tag length on the wire (10 or 4).
    tag: usize,
    streams: Vec<Stream>,
}

/// The SRTP session keys of `key` (§4.3, labels 0–2): the AES key
/// schedule, the session salt and the keyed HMAC-SHA1, built once.
pub(super) fn session_keys(
    key: &MasterKey,
    crypto: &dyn rtc_srtp::crypto::RTCCrypto,
) -> Result<(Aes, [u8; 14], Hmac<Sha1>), SrtpError> {
    let mut raw = [0u8; 32];
    let key_len = key.suite().key_len();
    let key_part = raw
        .get_mut(..key_len)
        .ok_or_else(|| SrtpError::Keys("AES key longer than 256 bits".into()))?;
    derive(key, LABEL_SRTP_KEY, crypto, key_part)?;
    let aes = match key_len {
        16 => Aes128::new_from_slice(key_part).map(Aes::A128),
        _ => Aes256::new_from_slice(key_part).map(Aes::A256),
    };
    raw.fill(0);
    let aes = aes.map_err(|e| SrtpError::Keys(e.to_string()))?;
    let mut auth = [0u8; 20];
    derive(key, LABEL_SRTP_AUTH, crypto, &mut auth)?;
    let mac = <Hmac<Sha1> as Mac>::new_from_slice(&auth);
    auth.fill(0);
    let mac = mac.map_err(|e| SrtpError::Keys(e.to_string()))?;
    let mut salt = [0u8; 14];
    derive(key, LABEL_SRTP_SALT, crypto, &mut salt)?;
    Ok((aes, salt, mac))
}

/// XORs the AES-CM keystream of packet (SSRC, ROC, SEQ) into `payload`
/// (§4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i = ROC || SEQ).
pub(super) fn keystream(
    aes: &Aes,
    salt: &[u8; 14],
    ssrc: u32,
    roc: u32,
    seq: u16,
    payload: &mut [u8],
) {
    let mut iv = [0u8; 16];
    iv[..14].copy_from_slice(salt);
    for (v, b) in iv[4..8].iter_mut().zip(ssrc.to_be_bytes()) {
        *v ^= b;
    }
    for (v, b) in iv[8..12].iter_mut().zip(roc.to_be_bytes()) {
        *v ^= b;
    }
    for (v, b) in iv[12..14].iter_mut().zip(seq.to_be_bytes()) {
        *v ^= b;
    }
    match aes {
        Aes::A128(k) => {
            ctr::Ctr128BE::<Aes128>::from_core(ctr::CtrCore::inner_iv_init(k.clone(), &iv.into()))
                .apply_keystream(payload)
        }
        Aes::A256(k) => {
            ctr::Ctr128BE::<Aes256>::from_core(ctr::CtrCore::inner_iv_init(k.clone(), &iv.into()))
                .apply_keystream(payload)
        }
    }
}

impl AesCmSender {
    /// The sender for `local` (an AES-CM suite).
    pub fn new(
        local: &MasterKey,
        crypto: &dyn rtc_srtp::crypto::RTCCrypto,
    ) -> Result<Self, SrtpError> {
        let (aes, salt, mac) = session_keys(local, crypto)?;
        Ok(AesCmSender {
            aes,
            salt,
            mac,
            tag: local.suite().rtp_overhead(),
            streams: Vec::new(),
        })
    }

    /// Protects `buf[..len]` in place; returns the protected length.
    pub fn protect(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let packet = buf
            .get(..len)
            .ok_or_else(|| SrtpError::Malformed("length beyond the buffer".into()))?;
        let head = rtp_header_len(packet)
            .ok_or_else(|| SrtpError::Malformed("RTP header beyond the packet".into()))?;
        if buf.len() < len + self.tag {
            return Err(SrtpError::BufferTooSmall);
        }
        let seq = u16::from_be_bytes([buf[2], buf[3]]);
        let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
        let roc = self.index(ssrc, seq)?;

        keystream(&self.aes, &self.salt, ssrc, roc, seq, &mut buf[head..len]);

        // §4.2: the tag covers the header, the encrypted payload and the ROC.
        let mut mac = self.mac.clone();
        mac.update(&buf[..len]);
        mac.update(&roc.to_be_bytes());
        let full = mac.finalize().into_bytes();
        buf[len..len + self.tag].copy_from_slice(&full[..self.tag]);
        Ok(len + self.tag)
    }

    /// The rollover counter for `seq` (RFC 3711 §3.3.1 and Appendix A,
    /// as the sender keeps it), advancing the stream's state.
    fn index(&mut self, ssrc: u32, seq: u16) -> Result<u32, SrtpError> {
        let at = match self.streams.iter().position(|s| s.ssrc == ssrc) {
            Some(at) => at,
            None if self.streams.len() < MAX_STREAMS => {
                self.streams.push(Stream {
                    ssrc,
                    roc: 0,
                    last: seq,
                });
                return Ok(0);
            }
            None => {
                return Err(SrtpError::Unsupported(format!(
                    "more than {MAX_STREAMS} sending SSRCs on one key"
                )))
            }
        };
        let s = &mut self.streams[at];
        // Appendix A: guess the ROC the packet belongs to.
        let roc = if s.last < 0x8000 {
            if seq > s.last && seq - s.last > 0x8000 {
                s.roc.saturating_sub(1)
            } else {
                s.roc
            }
        } else if seq < s.last - 0x8000 {
            // §9.2: 2^48 packets on one key, then no more.
            s.roc.checked_add(1).ok_or_else(|| {
                SrtpError::Crypto("the key protected 2^48 packets: re-key (RFC 3711 §9.2)".into())
            })?
        } else {
            s.roc
        };
        if roc > s.roc || (roc == s.roc && seq > s.last) {
            s.roc = roc;
            s.last = seq;
        }
        Ok(roc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srtp::SrtpSuite;

    /// Byte for byte what `rtc-srtp` writes, for both AES-CM tag lengths
    /// and key sizes, across the sequence wrap (ROC 0 → 1) and with a
    /// packet sent late, out of order.
    #[test]
    fn matches_rtc_srtp_across_the_wrap() {
        let provider = rtc_srtp::crypto::default_provider().unwrap();
        for suite in [
            SrtpSuite::AesCm128HmacSha1_80,
            SrtpSuite::AesCm128HmacSha1_32,
            SrtpSuite::AesCm256HmacSha1_80,
        ] {
            let key = MasterKey::random(suite).unwrap();
            let mut ours = AesCmSender::new(&key, provider.crypto()).unwrap();
            let mut theirs = rtc_srtp::context::Context::new(
                key.key(),
                key.salt(),
                suite.profile(),
                None,
                None,
                provider.crypto(),
            )
            .unwrap();
            let seqs = (65530u16..=65535).chain(0..4).chain([65534, 4, 5]);
            for seq in seqs {
                let mut buf = [0u8; 12 + 50 + 10];
                buf[..12].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3, 4]);
                buf[2..4].copy_from_slice(&seq.to_be_bytes());
                buf[12..62].fill(seq as u8);
                let want = theirs.encrypt_rtp(&buf[..62]).unwrap();
                let n = ours.protect(&mut buf, 62).unwrap();
                assert_eq!(&buf[..n], &want[..], "{suite} seq {seq}");
            }
        }
    }

    #[test]
    fn refuses_short_buffers_and_headers() {
        let provider = rtc_srtp::crypto::default_provider().unwrap();
        let key = MasterKey::random(SrtpSuite::AesCm128HmacSha1_80).unwrap();
        let mut s = AesCmSender::new(&key, provider.crypto()).unwrap();
        let mut buf = [0x80u8; 20];
        assert_eq!(s.protect(&mut buf, 20), Err(SrtpError::BufferTooSmall));
        assert!(matches!(
            s.protect(&mut buf, 8),
            Err(SrtpError::Malformed(_))
        ));
        assert!(matches!(
            s.protect(&mut buf, 30),
            Err(SrtpError::Malformed(_))
        ));
    }
}

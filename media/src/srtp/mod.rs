//! SRTP and SRTCP (RFC 3711) for one call leg, keyed by SDES (RFC 4568).
//!
//! [`SrtpContext`] holds both directions: our key protects what we send,
//! the peer's key unprotects what we receive. The cipher work is done by
//! `rtc-srtp` (webrtc-rs), except AES-CM RTP protect and unprotect (see **Buffers**); this module adds what a telephone call needs
//! around it: SDES key lines ([`SdesKey`], [`new_crypto`]), suite names
//! ([`SrtpSuite`]), protecting inside the session's own send buffers, and
//! receive errors sorted into authentication failures and replays so the
//! session can count them.
//!
//! **Buffers.** `rtc-srtp` returns a new buffer for every packet and has no
//! in-place call. [`protect_rtp`](SrtpContext::protect_rtp) works in the
//! caller's buffer (which must have [`MAX_OVERHEAD`] bytes to spare): for
//! the AES-CM suites it protects in place itself (`send`: no allocation,
//! AES key schedule and HMAC key built once), for GCM it copies the
//! crate's output back; [`protect_rtcp`](SrtpContext::protect_rtcp) copies
//! back too. [`unprotect`](SrtpContext::unprotect) lends the clear packet
//! until the next call: for AES-CM SRTP from our own reused buffer (`recv`:
//! ROC, replay window and authentication kept here, no allocation), for
//! SRTCP and GCM the crate's output.
//!
//! **Replay and rollover.** The receiving side keeps a replay window per
//! SSRC (64 packets, or the peer's `WSH=` hint) and the rollover counter
//! (RFC 3711 §3.3.1), both advanced only by packets that authenticate, so a
//! forged packet can move neither.
//!
//! **Around the crate** (`rtc-srtp` 0.21), three things are done here: SRTCP
//! with the E flag clear is refused (the crate would pass it unchecked);
//! every SRTCP packet, and every SRTP packet of an
//! SSRC not yet authenticated, is authenticated before the crate makes
//! per-SSRC state for it (a flood of forged SSRCs would otherwise grow
//! memory); and the `_32` suites carry a 32-bit SRTCP
//! tag as SDES peers expect (the crate writes 80 bits). See `preauth`.
//!
//! ```
//! use openphone_media::srtp::{MasterKey, SrtpContext, SrtpSuite};
//! let suite = SrtpSuite::AesCm128HmacSha1_80;
//! let (ours, theirs) = (MasterKey::random(suite).unwrap(), MasterKey::random(suite).unwrap());
//! let mut a = SrtpContext::new(&ours, &theirs, 64).unwrap();
//! let mut b = SrtpContext::new(&theirs, &ours, 64).unwrap();
//! let mut buf = [0u8; 12 + 160 + openphone_media::srtp::MAX_OVERHEAD];
//! buf[..12].copy_from_slice(&[0x80, 0, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe]);
//! buf[12..172].fill(0xff);
//! let n = a.protect_rtp(&mut buf, 172).unwrap();
//! assert_eq!(n, 182); // 80-bit tag
//! assert_ne!(&buf[12..172], &[0xff; 160][..]);
//! let clear = b.unprotect(&buf[..n]).unwrap();
//! assert_eq!(&clear[12..], &[0xff; 160][..]);
//! ```

mod base64;
mod preauth;
mod recv;
mod sdes;
mod send;

pub use sdes::{new_crypto, SdesKey};

use std::fmt;

use bytes::BytesMut;
use openphone_sal::SdesKeys;
use rtc_srtp::context::Context;
use rtc_srtp::crypto::SecretVec;
use rtc_srtp::option::{srtcp_replay_protection, srtp_replay_protection};
use rtc_srtp::protection_profile::ProtectionProfile;
use shared::error::Error as CrateError;

use crate::rtp::rtcp;
use preauth::PreAuth;

/// The most bytes protection adds to a packet: a 16-octet GCM tag, plus
/// the 4-octet SRTCP index for RTCP.
pub const MAX_OVERHEAD: usize = 16 + 4;

/// An SRTP crypto suite as SDES names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SrtpSuite {
    /// `AES_CM_128_HMAC_SHA1_80` (RFC 4568 §6.2.1).
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32` (RFC 4568 §6.2.2): 32-bit tags, on SRTCP too
    /// as SDES peers use it (see `short_tag`).
    AesCm128HmacSha1_32,
    /// `AES_256_CM_HMAC_SHA1_80` (RFC 6188).
    AesCm256HmacSha1_80,
    /// `AES_256_CM_HMAC_SHA1_32` (RFC 6188).
    AesCm256HmacSha1_32,
    /// `AEAD_AES_128_GCM` (RFC 7714): 16-octet tag, 12-octet salt.
    AeadAes128Gcm,
    /// `AEAD_AES_256_GCM` (RFC 7714).
    AeadAes256Gcm,
}

impl SrtpSuite {
    /// Every suite, in the order we offer them (the common 80-bit suite first).
    pub const ALL: [SrtpSuite; 6] = [
        SrtpSuite::AesCm128HmacSha1_80,
        SrtpSuite::AesCm128HmacSha1_32,
        SrtpSuite::AeadAes128Gcm,
        SrtpSuite::AesCm256HmacSha1_80,
        SrtpSuite::AesCm256HmacSha1_32,
        SrtpSuite::AeadAes256Gcm,
    ];

    /// The suite of an SDES name (case as registered).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The SDES name.
    pub fn name(self) -> &'static str {
        match self {
            SrtpSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            SrtpSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
            SrtpSuite::AesCm256HmacSha1_80 => "AES_256_CM_HMAC_SHA1_80",
            SrtpSuite::AesCm256HmacSha1_32 => "AES_256_CM_HMAC_SHA1_32",
            SrtpSuite::AeadAes128Gcm => "AEAD_AES_128_GCM",
            SrtpSuite::AeadAes256Gcm => "AEAD_AES_256_GCM",
        }
    }

    fn profile(self) -> ProtectionProfile {
        match self {
            SrtpSuite::AesCm128HmacSha1_80 => ProtectionProfile::Aes128CmHmacSha1_80,
            SrtpSuite::AesCm128HmacSha1_32 => ProtectionProfile::Aes128CmHmacSha1_32,
            SrtpSuite::AesCm256HmacSha1_80 => ProtectionProfile::Aes256CmHmacSha1_80,
            SrtpSuite::AesCm256HmacSha1_32 => ProtectionProfile::Aes256CmHmacSha1_32,
            SrtpSuite::AeadAes128Gcm => ProtectionProfile::AeadAes128Gcm,
            SrtpSuite::AeadAes256Gcm => ProtectionProfile::AeadAes256Gcm,
        }
    }

    /// Master key length, octets.
    pub fn key_len(self) -> usize {
        self.profile().key_len()
    }

    /// Master salt length, octets (14, or 12 for the GCM suites).
    pub fn salt_len(self) -> usize {
        self.profile().salt_len()
    }

    /// Octets protection adds to an RTP packet (the tag).
    pub fn rtp_overhead(self) -> usize {
        let p = self.profile();
        p.rtp_auth_tag_len() + p.aead_auth_tag_len()
    }
}

impl fmt::Display for SrtpSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What SRTP refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SrtpError {
    /// A received packet failed authentication (forged, damaged, or wrong key).
    #[error("SRTP authentication failed")]
    AuthFailed,
    /// A received packet was already seen, or is older than the replay window.
    #[error("SRTP packet replayed")]
    Replayed,
    /// A packet too short or not RTP/RTCP.
    #[error("malformed SRTP packet: {0}")]
    Malformed(String),
    /// Key material of the wrong length or form.
    #[error("bad SRTP key: {0}")]
    Keys(String),
    /// A suite or key parameter we cannot honour.
    #[error("unsupported SRTP parameter: {0}")]
    Unsupported(String),
    /// The output buffer has no room for the tag.
    #[error("no room for the SRTP tag")]
    BufferTooSmall,
    /// The cipher failed (including key exhaustion, RFC 3711 §9.2).
    #[error("SRTP cipher error: {0}")]
    Crypto(String),
}

impl SrtpError {
    /// Sorts a receive-side error of the crate.
    fn from_receive(e: CrateError) -> Self {
        match e {
            CrateError::SrtpSsrcDuplicated(..)
            | CrateError::SrtcpSsrcDuplicated(..)
            | CrateError::ErrDuplicated => SrtpError::Replayed,
            CrateError::RtpFailedToVerifyAuthTag
            | CrateError::RtcpFailedToVerifyAuthTag
            | CrateError::ErrFailedToVerifyAuthTag => SrtpError::AuthFailed,
            other => SrtpError::Malformed(other.to_string()),
        }
    }
}

/// A master key and salt for one direction (secret: `Debug` shows
/// neither, and the memory is zeroed when dropped).
#[derive(Clone)]
pub struct MasterKey {
    suite: SrtpSuite,
    /// key || salt, as SDES carries them.
    bytes: SecretVec,
}

impl PartialEq for MasterKey {
    fn eq(&self, other: &Self) -> bool {
        self.suite == other.suite
            && rtc_srtp::crypto::constant_time_eq(self.bytes.as_ref(), other.bytes.as_ref())
    }
}

impl Eq for MasterKey {}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl MasterKey {
    /// A key for `suite` from its parts.
    pub fn new(suite: SrtpSuite, key: &[u8], salt: &[u8]) -> Result<Self, SrtpError> {
        if key.len() != suite.key_len() || salt.len() != suite.salt_len() {
            return Err(SrtpError::Keys(format!(
                "{suite} takes a {}-octet key and {}-octet salt, got {} and {}",
                suite.key_len(),
                suite.salt_len(),
                key.len(),
                salt.len()
            )));
        }
        let mut bytes = SecretVec::new(vec![0u8; key.len() + salt.len()]);
        let (k, s) = bytes.as_mut().split_at_mut(key.len());
        k.copy_from_slice(key);
        s.copy_from_slice(salt);
        Ok(MasterKey { suite, bytes })
    }

    /// A key from key || salt (the SDES inline form).
    pub fn from_concatenated(suite: SrtpSuite, bytes: &[u8]) -> Result<Self, SrtpError> {
        let want = suite.key_len() + suite.salt_len();
        if bytes.len() != want {
            return Err(SrtpError::Keys(format!(
                "{suite} takes {want} octets of key and salt, got {}",
                bytes.len()
            )));
        }
        Ok(MasterKey {
            suite,
            bytes: SecretVec::new(bytes.to_vec()),
        })
    }

    /// A fresh key from the crypto provider's secure random source.
    pub fn random(suite: SrtpSuite) -> Result<Self, SrtpError> {
        let provider = provider()?;
        let mut bytes = SecretVec::new(vec![0u8; suite.key_len() + suite.salt_len()]);
        provider
            .random()
            .fill(bytes.as_mut())
            .map_err(|e| SrtpError::Crypto(e.to_string()))?;
        Ok(MasterKey { suite, bytes })
    }

    /// The suite.
    pub fn suite(&self) -> SrtpSuite {
        self.suite
    }

    /// The master key.
    pub fn key(&self) -> &[u8] {
        self.bytes
            .as_ref()
            .get(..self.suite.key_len())
            .unwrap_or_default()
    }

    /// The master salt.
    pub fn salt(&self) -> &[u8] {
        self.bytes
            .as_ref()
            .get(self.suite.key_len()..)
            .unwrap_or_default()
    }

    /// key || salt.
    pub fn concatenated(&self) -> &[u8] {
        self.bytes.as_ref()
    }
}

fn provider() -> Result<std::sync::Arc<dyn rtc_srtp::crypto::RTCCryptoProvider>, SrtpError> {
    rtc_srtp::crypto::default_provider().map_err(|e| SrtpError::Crypto(e.to_string()))
}

/// Both directions of one call leg's SRTP. See the [module docs](self).
pub struct SrtpContext {
    suite: SrtpSuite,
    tx: Context,
    /// In-place RTP protect (AES-CM suites; GCM goes through `tx`).
    tx_rtp: Option<send::AesCmSender>,
    rx: Context,
    /// In-place SRTP unprotect (AES-CM suites; GCM and SRTCP go through `rx`).
    rx_rtp: Option<recv::AesCmReceiver>,
    /// The last unprotected packet, lent by `unprotect`.
    clear: BytesMut,
    /// Authentication ahead of the crate (see `preauth`).
    pre: PreAuth,
    /// Cut SRTCP tags to 32 bits (the SDES `_32` suites).
    short_rtcp: bool,
}

impl fmt::Debug for SrtpContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpContext")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl SrtpContext {
    /// Protects with `local`, unprotects with `remote` (same suite), with a
    /// receive replay window of `replay_window` packets (at least 64).
    pub fn new(
        local: &MasterKey,
        remote: &MasterKey,
        replay_window: usize,
    ) -> Result<Self, SrtpError> {
        let suite = local.suite;
        if remote.suite != suite {
            return Err(SrtpError::Keys(format!(
                "the two directions use different suites ({suite}, {})",
                remote.suite
            )));
        }
        let provider = provider()?;
        let crypto = provider.crypto();
        let window = replay_window.max(sdes::MIN_REPLAY_WINDOW);
        let err = |e: CrateError| SrtpError::Keys(e.to_string());
        let tx = Context::new(
            local.key(),
            local.salt(),
            suite.profile(),
            None,
            None,
            crypto,
        )
        .map_err(err)?;
        let rx = Context::new(
            remote.key(),
            remote.salt(),
            suite.profile(),
            Some(srtp_replay_protection(window)),
            Some(srtcp_replay_protection(window)),
            crypto,
        )
        .map_err(err)?;
        let tx_rtp = match suite {
            SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm => None,
            _ => Some(send::AesCmSender::new(local, crypto)?),
        };
        let rx_rtp = match suite {
            SrtpSuite::AeadAes128Gcm | SrtpSuite::AeadAes256Gcm => None,
            _ => Some(recv::AesCmReceiver::new(remote, crypto, window)?),
        };
        Ok(SrtpContext {
            suite,
            tx,
            tx_rtp,
            rx,
            rx_rtp,
            clear: BytesMut::new(),
            pre: PreAuth::new(remote, crypto)?,
            short_rtcp: preauth::short_rtcp(suite),
        })
    }

    /// The contexts for keys SDES agreed: our line protects, the peer's unprotects.
    pub fn from_sdes(keys: &SdesKeys) -> Result<Self, SrtpError> {
        let local = SdesKey::parse(&keys.local)?;
        let remote = SdesKey::parse(&keys.remote)?;
        Self::new(&local.key, &remote.key, remote.replay_window)
    }

    /// The suite in use.
    pub fn suite(&self) -> SrtpSuite {
        self.suite
    }

    /// Takes over `old`'s sending and/or receiving state (the direction
    /// whose key did not change in a renegotiation), so its rollover
    /// counters, SRTCP index and replay window run on: a fresh context
    /// would restart the rollover counter at 0 while the peer's goes on.
    /// Refused (false) when the suites differ.
    pub fn keep_from(&mut self, old: &mut SrtpContext, send: bool, receive: bool) -> bool {
        if old.suite != self.suite {
            return false;
        }
        if send {
            std::mem::swap(&mut self.tx, &mut old.tx);
            std::mem::swap(&mut self.tx_rtp, &mut old.tx_rtp);
        }
        if receive {
            std::mem::swap(&mut self.rx, &mut old.rx);
            std::mem::swap(&mut self.rx_rtp, &mut old.rx_rtp);
            std::mem::swap(&mut self.pre, &mut old.pre);
        }
        true
    }

    /// Protects the RTP packet in `buf[..len]` in place; returns the
    /// protected length (`buf` needs the suite's tag length to spare).
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        if let Some(sender) = &mut self.tx_rtp {
            return sender.protect(buf, len);
        }
        let clear = buf
            .get(..len)
            .ok_or_else(|| SrtpError::Malformed("length beyond the buffer".into()))?;
        let out = self
            .tx
            .encrypt_rtp(clear)
            .map_err(|e| SrtpError::Crypto(e.to_string()))?;
        copy_back(buf, &out)
    }

    /// Protects the RTCP compound in `buf[..len]` in place (SRTCP, always
    /// encrypted); returns the protected length (`buf` needs [`MAX_OVERHEAD`] to spare).
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, SrtpError> {
        let clear = buf
            .get(..len)
            .ok_or_else(|| SrtpError::Malformed("length beyond the buffer".into()))?;
        let out = self
            .tx
            .encrypt_rtcp(clear)
            .map_err(|e| SrtpError::Crypto(e.to_string()))?;
        let keep = if self.short_rtcp {
            // The crate's 80-bit tag, cut to the suite's 32 bits.
            out.len().saturating_sub(preauth::LONG - preauth::SHORT)
        } else {
            out.len()
        };
        copy_back(buf, out.get(..keep).unwrap_or_default())
    }

    /// Authenticates and decrypts a received SRTP or SRTCP packet (told
    /// apart as RFC 5761 §4 does); the clear packet is lent until the next call.
    pub fn unprotect(&mut self, data: &[u8]) -> Result<&[u8], SrtpError> {
        let out = if rtcp::is_rtcp(data) {
            self.check_srtcp_e_flag(data)?;
            let checked = self.pre.check_rtcp(data)?;
            self.rx.decrypt_rtcp(checked)
        } else if let Some(receiver) = &mut self.rx_rtp {
            return receiver.unprotect(data);
        } else {
            let ssrc = self.pre.check_rtp(data)?;
            let out = self.rx.decrypt_rtp(data);
            if out.is_ok() {
                self.pre.authenticated(ssrc);
            }
            out
        };
        self.clear = out.map_err(SrtpError::from_receive)?;
        Ok(&self.clear)
    }
}

impl SrtpContext {
    /// Refuses SRTCP whose E flag says "not encrypted". We never agree to
    /// `UNENCRYPTED_SRTCP`, and `rtc-srtp` 0.21 returns such a packet from
    /// its AES-CM path without checking its tag, so without this anyone
    /// could inject RTCP (a BYE, a forged report) and push the SRTCP replay
    /// window past the real reports.
    fn check_srtcp_e_flag(&self, data: &[u8]) -> Result<(), SrtpError> {
        // AES-CM: ... || E+index || tag; GCM: ... || tag || E+index.
        let trailer = 4 + self.pre.rtcp_tag();
        let e = data
            .len()
            .checked_sub(trailer)
            .filter(|&at| at >= 8)
            .and_then(|at| data.get(at))
            .ok_or_else(|| SrtpError::Malformed("SRTCP packet too short".into()))?;
        if e & 0x80 == 0 {
            return Err(SrtpError::AuthFailed);
        }
        Ok(())
    }
}

fn copy_back(buf: &mut [u8], out: &[u8]) -> Result<usize, SrtpError> {
    buf.get_mut(..out.len())
        .ok_or(SrtpError::BufferTooSmall)?
        .copy_from_slice(out);
    Ok(out.len())
}

//! libsrtp2 (the system library) behind a small safe wrapper, as the
//! reference OpenPhone's own SRTP (`openphone_media::srtp`) is measured and
//! cross-checked against: `benches/srtp_vs_libsrtp2.rs` runs both on the
//! same key and payload, and `tests/cross_check.rs` has each side
//! unprotect what the other protected.
//!
//! One [`Session`] is one direction of one key, as libsrtp2 keys a stream
//! (`ssrc_any_outbound` to protect, `ssrc_any_inbound` to unprotect).
//! Everything works in place in the caller's buffer, as libsrtp2 does.
//!
//! ```
//! use srtp_anchor::{Direction, Session, Suite, SPARE};
//! let key = [7u8; 30];
//! let mut tx = Session::new(Suite::AesCm128HmacSha1_80, &key, Direction::Outbound).unwrap();
//! let mut rx = Session::new(Suite::AesCm128HmacSha1_80, &key, Direction::Inbound).unwrap();
//! let mut buf = [0u8; 12 + 160 + SPARE];
//! buf[..12].copy_from_slice(&[0x80, 0, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0xba, 0xbe]);
//! let n = tx.protect_rtp(&mut buf, 172).unwrap();
//! assert_eq!(n, 182);
//! assert_eq!(rx.unprotect_rtp(&mut buf, n).unwrap(), 172);
//! ```

#![warn(missing_docs)]

mod ffi;

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

/// Bytes a buffer must have to spare after the packet for protection:
/// libsrtp2 assumes it may write `SRTP_MAX_TRAILER_LEN` (a 16-octet tag
/// plus a 128-octet MKI), and 4 more for the SRTCP index.
pub const SPARE: usize = 16 + 128 + 4;

/// The suites compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Suite {
    /// `AES_CM_128_HMAC_SHA1_80`: 16-octet key, 14-octet salt.
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`, with the 32-bit tag on SRTCP too (as SDES
    /// peers use it).
    AesCm128HmacSha1_32,
    /// `AEAD_AES_128_GCM` (RFC 7714): 16-octet key, 12-octet salt.
    AeadAes128Gcm,
}

impl Suite {
    /// key || salt length, octets.
    pub fn key_salt_len(self) -> usize {
        match self {
            Suite::AesCm128HmacSha1_80 | Suite::AesCm128HmacSha1_32 => 30,
            Suite::AeadAes128Gcm => 28,
        }
    }

    fn policy(self) -> ffi::CryptoPolicy {
        let mut p = ffi::CryptoPolicy::default();
        // SAFETY: each setter only writes the fields of the struct it is given.
        unsafe {
            match self {
                Suite::AesCm128HmacSha1_80 => ffi::srtp_crypto_policy_set_rtp_default(&mut p),
                Suite::AesCm128HmacSha1_32 => {
                    ffi::srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&mut p)
                }
                Suite::AeadAes128Gcm => ffi::srtp_crypto_policy_set_aes_gcm_128_16_auth(&mut p),
            }
        }
        p
    }
}

/// Which way a session works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Protects what we send (any SSRC).
    Outbound,
    /// Unprotects what we receive (any SSRC).
    Inbound,
}

/// What libsrtp2 refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Authentication failed.
    #[error("libsrtp2: authentication failed")]
    AuthFail,
    /// A replayed or too old packet.
    #[error("libsrtp2: replayed packet")]
    Replay,
    /// The key is not key || salt of the suite.
    #[error("libsrtp2: {suite:?} takes {want} octets of key and salt, got {got}")]
    KeyLength {
        /// The suite.
        suite: Suite,
        /// Octets it takes.
        want: usize,
        /// Octets given.
        got: usize,
    },
    /// The buffer cannot hold the packet plus [`SPARE`].
    #[error("buffer of {buf} octets too small for a {len}-octet packet")]
    BufferTooSmall {
        /// The buffer length.
        buf: usize,
        /// The packet length.
        len: usize,
    },
    /// Any other `srtp_err_status_t`.
    #[error("libsrtp2 status {0}")]
    Status(i32),
}

fn check(status: ffi::Status) -> Result<(), Error> {
    match status {
        ffi::STATUS_OK => Ok(()),
        ffi::STATUS_AUTH_FAIL => Err(Error::AuthFail),
        ffi::STATUS_REPLAY_FAIL | ffi::STATUS_REPLAY_OLD => Err(Error::Replay),
        other => Err(Error::Status(other)),
    }
}

/// `srtp_init`, once per process.
fn init() -> Result<(), Error> {
    static INIT: OnceLock<ffi::Status> = OnceLock::new();
    // SAFETY: no arguments; OnceLock runs it once.
    check(*INIT.get_or_init(|| unsafe { ffi::srtp_init() }))
}

/// One libsrtp2 session: one key, one direction. See the [crate docs](crate).
pub struct Session {
    ctx: *mut ffi::Ctx,
    direction: Direction,
}

// SAFETY: a libsrtp2 session has no thread affinity; `&mut self` on every
// call keeps it used by one thread at a time.
unsafe impl Send for Session {}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("direction", &self.direction)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A session for `suite` keyed with `key_salt` (master key || master
    /// salt, as SDES carries them); replay window 128 packets.
    pub fn new(suite: Suite, key_salt: &[u8], direction: Direction) -> Result<Self, Error> {
        init()?;
        if key_salt.len() != suite.key_salt_len() {
            return Err(Error::KeyLength {
                suite,
                want: suite.key_salt_len(),
                got: key_salt.len(),
            });
        }
        // libsrtp2 copies the key into the stream in srtp_create; this copy
        // only has to outlive the call.
        let mut key = key_salt.to_vec();
        let policy = ffi::Policy {
            ssrc: ffi::Ssrc {
                kind: match direction {
                    Direction::Outbound => ffi::SSRC_ANY_OUTBOUND,
                    Direction::Inbound => ffi::SSRC_ANY_INBOUND,
                },
                value: 0,
            },
            rtp: suite.policy(),
            rtcp: suite.policy(),
            key: key.as_mut_ptr(),
            keys: std::ptr::null_mut(),
            num_master_keys: 0,
            deprecated_ekt: std::ptr::null_mut(),
            window_size: 128,
            allow_repeat_tx: 0,
            enc_xtn_hdr: std::ptr::null_mut(),
            enc_xtn_hdr_count: 0,
            next: std::ptr::null_mut(),
        };
        let mut ctx = std::ptr::null_mut();
        // SAFETY: the policy and key are valid for the call; libsrtp2 keeps neither pointer.
        let status = unsafe { ffi::srtp_create(&mut ctx, &policy) };
        key.fill(0);
        check(status)?;
        Ok(Session { ctx, direction })
    }

    /// Protects the RTP packet `buf[..len]` in place; returns the new length.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.call(ffi::srtp_protect, buf, len, SPARE)
    }

    /// Authenticates and decrypts the SRTP packet `buf[..len]` in place;
    /// returns the clear length.
    pub fn unprotect_rtp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.call(ffi::srtp_unprotect, buf, len, 0)
    }

    /// Protects the RTCP compound `buf[..len]` in place (SRTCP).
    pub fn protect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.call(ffi::srtp_protect_rtcp, buf, len, SPARE)
    }

    /// Authenticates and decrypts the SRTCP packet `buf[..len]` in place.
    pub fn unprotect_rtcp(&mut self, buf: &mut [u8], len: usize) -> Result<usize, Error> {
        self.call(ffi::srtp_unprotect_rtcp, buf, len, 0)
    }

    fn call(
        &mut self,
        f: unsafe extern "C" fn(*mut ffi::Ctx, *mut c_void, *mut c_int) -> ffi::Status,
        buf: &mut [u8],
        len: usize,
        spare: usize,
    ) -> Result<usize, Error> {
        let too_small = Error::BufferTooSmall {
            buf: buf.len(),
            len,
        };
        if len.checked_add(spare).is_none_or(|need| need > buf.len()) {
            return Err(too_small);
        }
        let mut n = c_int::try_from(len).map_err(|_| too_small)?;
        // SAFETY: `buf` holds `len` packet octets and `spare` writable octets after them.
        check(unsafe { f(self.ctx, buf.as_mut_ptr().cast(), &mut n) })?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // SAFETY: `ctx` came from srtp_create and is freed once, here.
        unsafe { ffi::srtp_dealloc(self.ctx) };
    }
}

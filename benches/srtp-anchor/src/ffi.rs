//! The few libsrtp2 declarations this crate calls, written by hand from
//! `<srtp2/srtp.h>` (libsrtp 2.x; the layouts below are that header's).

use std::ffi::{c_int, c_uchar, c_uint, c_ulong, c_void};

/// `srtp_err_status_t`: 0 is success.
pub type Status = c_int;
pub const STATUS_OK: Status = 0;
pub const STATUS_AUTH_FAIL: Status = 7;
pub const STATUS_REPLAY_FAIL: Status = 9;
pub const STATUS_REPLAY_OLD: Status = 10;

/// `srtp_ssrc_type_t` values used here.
pub const SSRC_ANY_INBOUND: c_int = 2;
pub const SSRC_ANY_OUTBOUND: c_int = 3;

/// `srtp_crypto_policy_t`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct CryptoPolicy {
    pub cipher_type: u32,
    pub cipher_key_len: c_int,
    pub auth_type: u32,
    pub auth_key_len: c_int,
    pub auth_tag_len: c_int,
    pub sec_serv: c_int,
}

/// `srtp_ssrc_t`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
pub struct Ssrc {
    pub kind: c_int,
    pub value: c_uint,
}

/// `srtp_policy_t`.
#[repr(C)]
pub struct Policy {
    pub ssrc: Ssrc,
    pub rtp: CryptoPolicy,
    pub rtcp: CryptoPolicy,
    pub key: *mut c_uchar,
    pub keys: *mut *mut c_void,
    pub num_master_keys: c_ulong,
    pub deprecated_ekt: *mut c_void,
    pub window_size: c_ulong,
    pub allow_repeat_tx: c_int,
    pub enc_xtn_hdr: *mut c_int,
    pub enc_xtn_hdr_count: c_int,
    pub next: *mut Policy,
}

/// `srtp_ctx_t` (opaque).
#[repr(C)]
pub struct Ctx {
    _private: [u8; 0],
}

#[link(name = "srtp2")]
extern "C" {
    pub fn srtp_init() -> Status;
    pub fn srtp_create(session: *mut *mut Ctx, policy: *const Policy) -> Status;
    pub fn srtp_dealloc(session: *mut Ctx) -> Status;
    pub fn srtp_protect(ctx: *mut Ctx, rtp_hdr: *mut c_void, len: *mut c_int) -> Status;
    pub fn srtp_unprotect(ctx: *mut Ctx, srtp_hdr: *mut c_void, len: *mut c_int) -> Status;
    pub fn srtp_protect_rtcp(ctx: *mut Ctx, rtcp_hdr: *mut c_void, len: *mut c_int) -> Status;
    pub fn srtp_unprotect_rtcp(ctx: *mut Ctx, srtcp_hdr: *mut c_void, len: *mut c_int) -> Status;
    /// AES_CM_128_HMAC_SHA1_80 (the header names it `srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80` through a macro).
    pub fn srtp_crypto_policy_set_rtp_default(p: *mut CryptoPolicy);
    pub fn srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(p: *mut CryptoPolicy);
    pub fn srtp_crypto_policy_set_aes_gcm_128_16_auth(p: *mut CryptoPolicy);
}

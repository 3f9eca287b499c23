//! What a [`super::ZrtpSession`] is configured with and what it reports:
//! configuration, roles, cache status, results, failures, events, keys,
//! and the Error codes of RFC 6189 §5.9.

use super::algo::{AuthTag, Cipher, KeyAgreement, SasType};
use super::message::Zid;
use crate::srtp::MasterKey;

/// Error codes of the Error message (§5.9).
pub mod error_code {
    /// Malformed packet (CRC OK, but wrong structure).
    pub const MALFORMED: u32 = 0x10;
    /// Critical software error.
    pub const SOFTWARE: u32 = 0x20;
    /// Unsupported ZRTP version.
    pub const VERSION: u32 = 0x30;
    /// Hello components mismatch.
    pub const HELLO_MISMATCH: u32 = 0x40;
    /// Hash type not supported.
    pub const HASH: u32 = 0x51;
    /// Cipher type not supported.
    pub const CIPHER: u32 = 0x52;
    /// Public key exchange not supported.
    pub const KEY_AGREEMENT: u32 = 0x53;
    /// SRTP auth tag not supported.
    pub const AUTH_TAG: u32 = 0x54;
    /// SAS rendering scheme not supported.
    pub const SAS: u32 = 0x55;
    /// No shared secret available, DH mode required.
    pub const NO_SHARED_SECRET: u32 = 0x56;
    /// DH error: bad pvi or pvr.
    pub const BAD_PV: u32 = 0x61;
    /// DH error: hvi != hashed data.
    pub const BAD_HVI: u32 = 0x62;
    /// Relayed SAS from an untrusted MiTM.
    pub const UNTRUSTED_MITM: u32 = 0x63;
    /// Auth error: bad Confirm MAC.
    pub const BAD_CONFIRM_MAC: u32 = 0x70;
    /// Nonce reuse.
    pub const NONCE_REUSE: u32 = 0x80;
    /// Equal ZIDs in Hello.
    pub const EQUAL_ZID: u32 = 0x90;
    /// SSRC collision.
    pub const SSRC_COLLISION: u32 = 0x91;
    /// Service unavailable.
    pub const UNAVAILABLE: u32 = 0xa0;
    /// Protocol timeout.
    pub const TIMEOUT: u32 = 0xb0;
    /// GoClear received but not allowed.
    pub const GOCLEAR_NOT_ALLOWED: u32 = 0x100;
}

/// How an endpoint is configured.
#[derive(Debug, Clone)]
pub struct ZrtpConfig {
    /// Our ZID (persistent; see [`super::FileCache::zid`]).
    pub zid: Zid,
    /// The SSRC our ZRTP packets carry (that of our RTP stream).
    pub ssrc: u32,
    /// Client identifier in Hello (16 octets, space padded).
    pub client_id: [u8; 16],
    /// Ciphers, preferred first.
    pub ciphers: Vec<Cipher>,
    /// SRTP auth tags, preferred first.
    pub auth_tags: Vec<AuthTag>,
    /// Key agreements, preferred first.
    pub key_agreements: Vec<KeyAgreement>,
    /// SAS renderings, preferred first.
    pub sas_types: Vec<SasType>,
    /// Whether we send Commit ourselves once Hellos are exchanged. An
    /// endpoint that does not waits to be the responder.
    pub send_commit: bool,
}

impl ZrtpConfig {
    /// Every algorithm we implement, in our preference order, and
    /// `send_commit` on.
    pub fn new(zid: Zid, ssrc: u32) -> Self {
        ZrtpConfig {
            zid,
            ssrc,
            client_id: *b"OpenPhone       ",
            ciphers: Cipher::ALL.to_vec(),
            auth_tags: vec![AuthTag::Hs80, AuthTag::Hs32],
            key_agreements: vec![KeyAgreement::X255, KeyAgreement::Ec25, KeyAgreement::Dh3k],
            sas_types: SasType::ALL.to_vec(),
            send_commit: true,
        }
    }
}

/// Our role in the exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// We sent the Commit that was accepted.
    Initiator,
    /// We answered the peer's Commit.
    Responder,
}

/// What the retained-secret cache said about this peer (§4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheStatus {
    /// We had no secret for this peer: first call, compare the SAS.
    NoSecret,
    /// A cached secret matched: the peer is the one of earlier calls.
    Match,
    /// We had a secret but the peer proved none: a new device or a man in
    /// the middle. The users must compare the SAS.
    Mismatch,
}

/// The result of a successful exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureInfo {
    /// The SAS as rendered for `sas_type`.
    pub sas: String,
    /// SAS rendering.
    pub sas_type: SasType,
    /// SRTP cipher.
    pub cipher: Cipher,
    /// SRTP auth tag.
    pub auth_tag: AuthTag,
    /// Key agreement used.
    pub key_agreement: KeyAgreement,
    /// Cache result.
    pub cache: CacheStatus,
    /// The SAS was verified on an earlier call, both sides say so (our
    /// cache flag and the peer's V flag), and the cache matched.
    pub sas_verified: bool,
    /// Our role.
    pub role: Role,
    /// The peer's ZID.
    pub peer_zid: Zid,
}

/// Why the exchange failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailReason {
    /// A message was retransmitted to its limit unanswered.
    Timeout(&'static str),
    /// The peer sent Error with this code.
    PeerError(u32),
    /// We found a protocol violation and sent Error with this code.
    Protocol {
        /// Code sent (see [`error_code`]).
        code: u32,
        /// What was wrong.
        detail: String,
    },
    /// The retained-secret cache failed.
    Cache(String),
}

/// What the state machine reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZrtpEvent {
    /// The peer's Hello was accepted.
    PeerHello {
        /// Its ZID.
        zid: Zid,
        /// Its client identifier, trimmed.
        client_id: String,
    },
    /// A Hello did not hash to the `a=zrtp-hash` value signalled; it was
    /// ignored (§8.1: a possible attack, or a stale SDP).
    HelloHashMismatch,
    /// Keys are ready: SRTP may start (see [`super::ZrtpSession::srtp_keys`]).
    Secure(SecureInfo),
    /// The peer asked to go clear; refused with Error 0x100, SRTP goes on.
    GoClearRefused,
    /// The exchange failed; no keys will come.
    Failed {
        /// Why.
        reason: FailReason,
    },
}

/// The SRTP master keys of a secured call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SrtpKeys {
    /// Protects what we send.
    pub send: MasterKey,
    /// Unprotects what we receive.
    pub receive: MasterKey,
}

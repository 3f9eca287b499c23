//! ZRTP (RFC 6189): media-path key agreement for SRTP, with a short
//! authentication string the two users compare, and retained secrets that
//! let a later call prove it talks to the same peer.
//!
//! Written from the RFC as a sans-IO state machine: [`ZrtpSession`] takes
//! received ZRTP packets and the current time, and hands back packets to
//! send, [`ZrtpEvent`]s and, once secure, the SRTP master keys of both
//! directions ([`SrtpKeys`], ready for [`crate::srtp::SrtpContext::new`]). It
//! opens no socket, starts no timer and reads no clock: the caller polls
//! [`ZrtpSession::poll_timeout`] and calls [`ZrtpSession::handle_timeout`].
//!
//! Implemented: DH mode with DH-3072, EC-256 and X25519; SHA-256; AES-128
//! and AES-256 (CFB for Confirm); HS32 and HS80 tags; B32 and B256 SAS;
//! the hash chain and every message MAC; Commit contention (§4.2); Hello
//! (T1) and Commit/DHPart2/Confirm2/Error (T2) retransmission (§6);
//! rs1/rs2 retained secrets through a [`SecretCache`] (file-backed
//! [`FileCache`]); `a=zrtp-hash` (§8.1); Error/ErrorACK; GoClear refused
//! (Error 0x100); Ping answered. Not implemented: Preshared and Multistream
//! modes, S384, signatures, PBX enrollment and SAS relay (SASrelay is parsed
//! and ignored), fragment reassembly (0x1001 packets are parsed only).
//!
//! **Driving it from a media session** (as [`crate::session::MediaSession::start_zrtp`]
//! and the engine do):
//!
//! 1. At offer/answer time, open the shared cache once per process
//!    (`Arc<Mutex<FileCache>>`, which is a [`SecretCache`]), build
//!    [`ZrtpConfig::new`]`(cache.zid(), local_ssrc)` and a [`ZrtpSession`];
//!    put [`ZrtpSession::hello_hash`] in `a=zrtp-hash` and hand the peer's
//!    value to [`ZrtpSession::set_peer_hello_hash`]. Call
//!    [`ZrtpSession::start`] when media starts.
//! 2. In the datagram path, before SRTP: [`is_zrtp`] picks ZRTP out of the
//!    RTP port (first nibble 1, 'ZRTP' cookie) for
//!    [`ZrtpSession::handle_packet`]. Send [`ZrtpSession::poll_transmit`]
//!    packets to the RTP destination; merge [`ZrtpSession::poll_timeout`]
//!    into the session's own deadline and call
//!    [`ZrtpSession::handle_timeout`].
//! 3. On [`ZrtpEvent::Secure`], build
//!    `SrtpContext::new(&keys.send, &keys.receive, 64)` from
//!    [`ZrtpSession::srtp_keys`] and report the SAS, cipher and cache
//!    status; on [`ZrtpEvent::Failed`] with encryption required, end the
//!    call having sent no RTP. The first SRTP packet from the peer that
//!    authenticates should be reported with
//!    [`ZrtpSession::srtp_authenticated`] (it stands for a lost Conf2ACK).
//!    The user's "SAS verified" goes to [`ZrtpSession::set_sas_verified`].
//!
//! ```
//! use std::time::Instant;
//! use openphone_media::zrtp::{MemoryCache, ZrtpConfig, ZrtpEvent, ZrtpSession};
//! let now = Instant::now();
//! let mut a = ZrtpSession::new(ZrtpConfig::new([1; 12], 0x1111), Box::new(MemoryCache::new()));
//! let mut b = ZrtpSession::new(ZrtpConfig::new([2; 12], 0x2222), Box::new(MemoryCache::new()));
//! a.start(now);
//! b.start(now);
//! // Carry packets both ways until both sides are secure.
//! for _ in 0..20 {
//!     while let Some(p) = a.poll_transmit() { b.handle_packet(&p, now); }
//!     while let Some(p) = b.poll_transmit() { a.handle_packet(&p, now); }
//! }
//! let sas = |s: &mut ZrtpSession| loop {
//!     match s.poll_event() {
//!         Some(ZrtpEvent::Secure(info)) => break info.sas,
//!         Some(_) => continue,
//!         None => panic!("not secure"),
//!     }
//! };
//! assert_eq!(sas(&mut a), sas(&mut b));
//! let (ka, kb) = (a.srtp_keys().unwrap(), b.srtp_keys().unwrap());
//! assert_eq!(ka.send, kb.receive);
//! ```

mod algo;
mod cache;
pub mod crypto;
mod events;
mod keyagreement;
mod message;
mod packet;
mod pgp_words;
mod sas;
mod session;

pub use algo::{srtp_suite, AlgoId, AuthTag, Cipher, HashAlgo, KeyAgreement, SasType};
pub use cache::{CacheError, CachedSecrets, FileCache, MemoryCache, SecretCache};
pub use events::{
    error_code, CacheStatus, FailReason, Role, SecureInfo, SrtpKeys, ZrtpConfig, ZrtpEvent,
};
pub use keyagreement::{KeyAgreementError, KeyPair};
pub use message::{
    Commit, CommitKind, Confirm, ConfirmBody, DhPart, Hello, Message, Ping, PingAck, SasRelay, Zid,
    MAX_ALGOS, VERSION,
};
pub use packet::{
    is_zrtp, parse_packet, write_packet, Fragment, ZrtpPacket, CRC_LEN, HEADER_LEN, MAGIC_COOKIE,
    MAX_PACKET_LEN,
};
pub use sas::render as render_sas;
pub use session::ZrtpSession;

/// Why a ZRTP packet or message could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZrtpPacketError {
    /// Shorter than a header and a CRC.
    #[error("ZRTP packet too short ({0} octets)")]
    TooShort(usize),
    /// Longer than [`MAX_PACKET_LEN`].
    #[error("ZRTP packet too long ({0} octets)")]
    TooLong(usize),
    /// Not a whole number of 32-bit words.
    #[error("ZRTP packet of {0} octets is not word aligned")]
    NotWordAligned(usize),
    /// No 'ZRTP' magic cookie.
    #[error("not a ZRTP packet (no magic cookie)")]
    NotZrtp,
    /// First 16 bits neither 0x1000 nor 0x1001.
    #[error("bad ZRTP header word {0:#06x}")]
    BadHeader(u16),
    /// CRC-32C mismatch.
    #[error("ZRTP CRC mismatch (stored {stored:#010x}, computed {computed:#010x})")]
    BadCrc {
        /// CRC in the trailer.
        stored: u32,
        /// CRC of the octets received.
        computed: u32,
    },
    /// Fragment fields inconsistent.
    #[error("bad ZRTP fragment header")]
    BadFragment,
    /// The message preamble is not 0x505a.
    #[error("bad ZRTP message preamble {0:#06x}")]
    BadPreamble(u16),
    /// The length field disagrees with the octets received.
    #[error("ZRTP message length {declared} declared, {actual} received")]
    LengthMismatch {
        /// Octets the length field gives.
        declared: usize,
        /// Octets present.
        actual: usize,
    },
    /// A length impossible for the message type.
    #[error("bad length for {message}: {words} words")]
    BadLength {
        /// Message type.
        message: &'static str,
        /// Its length, words.
        words: usize,
    },
    /// A message shorter than its fields.
    #[error("truncated ZRTP message")]
    Truncated,
    /// An unknown type block.
    #[error("unknown ZRTP message type {0:?}")]
    UnknownType([u8; 8]),
}

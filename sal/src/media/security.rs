//! A call's media security as the user sees it.

use std::fmt;

/// How the media keys were agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyExchange {
    /// SDES: keys in the signalling (RFC 4568); only as safe as the signalling path.
    Sdes,
    /// ZRTP: Diffie-Hellman in the media path, checked by the short authentication string.
    Zrtp,
    /// DTLS-SRTP (RFC 5764).
    Dtls,
}

impl fmt::Display for KeyExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyExchange::Sdes => "SDES",
            KeyExchange::Zrtp => "ZRTP",
            KeyExchange::Dtls => "DTLS",
        })
    }
}

/// Encrypted media: how keyed, which cipher, and for ZRTP the SAS.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecureMedia {
    /// How the keys were agreed.
    pub key_exchange: KeyExchange,
    /// The SRTP crypto suite (`AES_CM_128_HMAC_SHA1_80`…).
    pub cipher: String,
    /// The short authentication string to read aloud (ZRTP).
    pub sas: Option<String>,
    /// The user confirmed the SAS with the peer.
    pub verified: bool,
    /// ZRTP retained secrets: `Some(true)` when the cache matched (continuity
    /// with an earlier call), `Some(false)` on a mismatch (possible man in the
    /// middle), `None` when there was nothing to compare.
    pub cache_match: Option<bool>,
}

impl SecureMedia {
    /// Encrypted media keyed by `key_exchange` with `cipher`.
    pub fn new(key_exchange: KeyExchange, cipher: impl Into<String>) -> Self {
        SecureMedia {
            key_exchange,
            cipher: cipher.into(),
            sas: None,
            verified: false,
            cache_match: None,
        }
    }
}

/// A call's media security.
///
/// ```
/// use openphone_sal::{KeyExchange, SecureMedia, SecurityState};
/// assert_eq!(SecurityState::Clear.to_string(), "not encrypted");
/// let s = SecurityState::Secure(SecureMedia::new(KeyExchange::Sdes, "AES_CM_128_HMAC_SHA1_80"));
/// assert_eq!(s.to_string(), "encrypted (SDES, AES_CM_128_HMAC_SHA1_80)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SecurityState {
    /// Media is not encrypted.
    #[default]
    Clear,
    /// Key agreement is in progress; nothing is sent in clear meanwhile when required.
    Negotiating,
    /// Media is encrypted.
    Secure(SecureMedia),
    /// Securing failed.
    Failed(String),
}

impl fmt::Display for SecurityState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityState::Clear => f.write_str("not encrypted"),
            SecurityState::Negotiating => f.write_str("negotiating keys"),
            SecurityState::Failed(why) => write!(f, "security failed: {why}"),
            SecurityState::Secure(s) => {
                write!(f, "encrypted ({}, {}", s.key_exchange, s.cipher)?;
                if let Some(sas) = &s.sas {
                    write!(f, ", SAS {sas}")?;
                    f.write_str(if s.verified {
                        " verified"
                    } else {
                        " not verified"
                    })?;
                }
                match s.cache_match {
                    Some(true) => f.write_str(", cache match")?,
                    Some(false) => f.write_str(", CACHE MISMATCH")?,
                    None => {}
                }
                f.write_str(")")
            }
        }
    }
}

/// Which media encryption an account asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum MediaEncryption {
    /// Plain RTP.
    #[default]
    None,
    /// SRTP keyed by SDES.
    Sdes,
    /// SRTP keyed by ZRTP.
    Zrtp,
}

impl fmt::Display for MediaEncryption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MediaEncryption::None => "none",
            MediaEncryption::Sdes => "sdes",
            MediaEncryption::Zrtp => "zrtp",
        })
    }
}

/// An account's media security policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct SecurityPolicy {
    /// The method to use.
    pub method: MediaEncryption,
    /// End a call that cannot be secured instead of falling back to clear media.
    pub required: bool,
}

impl SecurityPolicy {
    /// A policy.
    pub fn new(method: MediaEncryption, required: bool) -> Self {
        SecurityPolicy { method, required }
    }
}

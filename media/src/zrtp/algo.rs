//! Algorithm names as Hello and Commit carry them (RFC 6189 §5.1.2–§5.1.6):
//! four ASCII characters each, and the subset this implementation runs.

use std::fmt;

use crate::srtp::SrtpSuite;

/// A 4-character algorithm name as carried on the wire (any value).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlgoId(pub [u8; 4]);

impl fmt::Debug for AlgoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AlgoId({self})")
    }
}

impl fmt::Display for AlgoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            let c = if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '?'
            };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

macro_rules! algo_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $var:ident = $id:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vdoc])* $var),+ }

        impl $name {
            /// Every value we implement, in our default preference order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// The wire name.
            pub fn id(self) -> AlgoId {
                match self { $($name::$var => AlgoId(*$id)),+ }
            }

            /// The value of a wire name we implement.
            pub fn from_id(id: AlgoId) -> Option<Self> {
                match &id.0 { $($id => Some($name::$var),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.id().fmt(f)
            }
        }
    };
}

algo_enum!(
    /// Hash algorithm (§5.1.2). Only the mandatory SHA-256 is implemented.
    HashAlgo {
        /// SHA-256, "S256" (mandatory).
        S256 = b"S256",
    }
);

algo_enum!(
    /// Block cipher for SRTP and the Confirm messages (§5.1.3).
    Cipher {
        /// AES with a 128-bit key, "AES1" (mandatory).
        Aes1 = b"AES1",
        /// AES with a 256-bit key, "AES3".
        Aes3 = b"AES3",
    }
);

algo_enum!(
    /// SRTP authentication tag (§5.1.4).
    AuthTag {
        /// HMAC-SHA1 with a 32-bit tag, "HS32" (mandatory).
        Hs32 = b"HS32",
        /// HMAC-SHA1 with an 80-bit tag, "HS80" (mandatory).
        Hs80 = b"HS80",
    }
);

algo_enum!(
    /// Key agreement (§5.1.5; X25519 as "X255" from the ZRTP update draft,
    /// which linphone's bzrtp offers).
    KeyAgreement {
        /// Elliptic-curve DH on NIST P-256, "EC25".
        Ec25 = b"EC25",
        /// Finite-field DH, 3072-bit MODP group of RFC 3526, "DH3k" (mandatory).
        Dh3k = b"DH3k",
        /// X25519 (RFC 7748), "X255".
        X255 = b"X255",
    }
);

algo_enum!(
    /// How the SAS is shown (§5.1.6).
    SasType {
        /// Four characters of z-base-32, "B32 " (mandatory).
        B32 = b"B32 ",
        /// Two words of the PGP word list, "B256".
        B256 = b"B256",
    }
);

impl Cipher {
    /// Key length, octets.
    pub fn key_len(self) -> usize {
        match self {
            Cipher::Aes1 => 16,
            Cipher::Aes3 => 32,
        }
    }
}

impl KeyAgreement {
    /// Length of a public value, octets (§5.1.5).
    pub fn pv_len(self) -> usize {
        match self {
            KeyAgreement::Dh3k => 384,
            KeyAgreement::Ec25 => 64,
            KeyAgreement::X255 => 32,
        }
    }

    /// Relative cost, lowest first. §4.1.2 has both sides settle on the
    /// faster algorithm of their two first choices so they agree without a
    /// round trip; this order ranks them.
    pub fn cost(self) -> u8 {
        match self {
            KeyAgreement::X255 => 0,
            KeyAgreement::Ec25 => 1,
            KeyAgreement::Dh3k => 2,
        }
    }
}

/// The SRTP suite a negotiated cipher and tag select.
pub fn srtp_suite(cipher: Cipher, tag: AuthTag) -> SrtpSuite {
    match (cipher, tag) {
        (Cipher::Aes1, AuthTag::Hs32) => SrtpSuite::AesCm128HmacSha1_32,
        (Cipher::Aes1, AuthTag::Hs80) => SrtpSuite::AesCm128HmacSha1_80,
        (Cipher::Aes3, AuthTag::Hs32) => SrtpSuite::AesCm256HmacSha1_32,
        (Cipher::Aes3, AuthTag::Hs80) => SrtpSuite::AesCm256HmacSha1_80,
    }
}

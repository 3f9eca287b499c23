//! Identifiers carried in MGCP messages: the transaction identifier of
//! every command and response (RFC 3435 §3.2.1), and the hexadecimal call,
//! connection and request identifiers of the `C`, `I`, `I2` and `X`
//! parameters (§3.2.2).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// The largest transaction identifier: at most nine decimal digits.
pub const MAX_TRANSACTION_ID: u32 = 999_999_999;

/// The longest call, connection or request identifier: 32 hex digits.
pub const MAX_HEX_ID_LEN: usize = 32;

/// A transaction identifier (RFC 3435 §3.2.1): one to nine decimal digits,
/// correlating a command with its responses.
///
/// ```
/// use openphone_mgcp::message::TransactionId;
/// let id: TransactionId = "1203".parse()?;
/// assert_eq!(id.get(), 1203);
/// assert_eq!(id.next().get(), 1204);
/// assert_eq!(TransactionId::new(999_999_999)?.next().get(), 1); // wraps, skipping 0
/// assert!("1234567890".parse::<TransactionId>().is_err());
/// # Ok::<(), openphone_mgcp::message::InvalidId>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TransactionId(u32);

impl TransactionId {
    /// The lowest identifier generated, 1.
    pub const FIRST: TransactionId = TransactionId(1);

    /// A transaction identifier; fails above [`MAX_TRANSACTION_ID`].
    pub fn new(value: u32) -> Result<Self, InvalidId> {
        if value > MAX_TRANSACTION_ID {
            return Err(InvalidId::TransactionId);
        }
        Ok(TransactionId(value))
    }

    /// The numeric value.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The identifier after this one, wrapping from 999,999,999 to 1 (0 is
    /// never generated: RFC 3435 gives identifiers from 1).
    pub fn next(self) -> Self {
        if self.0 >= MAX_TRANSACTION_ID {
            TransactionId(1)
        } else {
            TransactionId(self.0 + 1)
        }
    }
}

impl fmt::Display for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for TransactionId {
    type Err = InvalidId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidId::TransactionId);
        }
        s.parse::<u32>()
            .map(TransactionId)
            .map_err(|_| InvalidId::TransactionId)
    }
}

/// Why an identifier was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidId {
    /// Not one to nine decimal digits.
    #[error("a transaction identifier is 1 to 9 decimal digits")]
    TransactionId,
    /// Not one to 32 hexadecimal digits.
    #[error("an identifier is 1 to {MAX_HEX_ID_LEN} hexadecimal digits")]
    Hex,
}

fn valid_hex(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_HEX_ID_LEN && s.bytes().all(|b| b.is_ascii_hexdigit())
}

macro_rules! hex_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// One to 32 hexadecimal digits. The text is kept as received (it is
        /// echoed back to the peer), but comparison and hashing ignore case.
        #[derive(Debug, Clone)]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps an identifier.
            pub fn new(value: impl Into<String>) -> Result<Self, InvalidId> {
                let value = value.into();
                if valid_hex(&value) {
                    Ok($name(value))
                } else {
                    Err(InvalidId::Hex)
                }
            }

            /// The identifier for a number, in upper-case hexadecimal.
            pub fn from_u128(value: u128) -> Self {
                $name(format!("{value:X}"))
            }

            /// A random identifier of 16 upper-case hex digits (64 bits).
            pub fn random() -> Self {
                use rand::Rng;
                $name(format!("{:016X}", rand::thread_rng().gen::<u64>()))
            }

            /// The text as received.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.0.eq_ignore_ascii_case(&other.0)
            }
        }

        impl Eq for $name {}

        impl Hash for $name {
            fn hash<H: Hasher>(&self, state: &mut H) {
                for b in self.0.bytes() {
                    state.write_u8(b.to_ascii_uppercase());
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::new(s)
            }
        }
    };
}

hex_id!(
    /// A call identifier (`C:`), naming the call a connection belongs to.
    ///
    /// ```
    /// use openphone_mgcp::message::CallId;
    /// assert_eq!(CallId::new("a3c47f21456789F0")?, CallId::new("A3C47F21456789f0")?);
    /// assert!(CallId::new("not-hex").is_err());
    /// # Ok::<(), openphone_mgcp::message::InvalidId>(())
    /// ```
    CallId
);

hex_id!(
    /// A connection identifier (`I:`, `I2:`), chosen by the gateway in its
    /// CreateConnection response.
    ///
    /// ```
    /// use openphone_mgcp::message::ConnectionId;
    /// assert_eq!(ConnectionId::from_u128(0xFDE234C8).as_str(), "FDE234C8");
    /// ```
    ConnectionId
);

hex_id!(
    /// A request identifier (`X:`), tying a Notify to the
    /// NotificationRequest that asked for it.
    ///
    /// ```
    /// use openphone_mgcp::message::RequestId;
    /// assert_eq!(RequestId::new("0123456789AC")?.to_string(), "0123456789AC");
    /// # Ok::<(), openphone_mgcp::message::InvalidId>(())
    /// ```
    RequestId
);

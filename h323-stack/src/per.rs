//! Aligned PER encoding and decoding of the H.323 messages, bounded.
//!
//! A decoder is only ever given one message whose length the transport
//! already bounded (a UDP datagram for RAS, a Q.931 user-user element or a
//! TPKT for H.225.0 and H.245); [`MAX_PER_MESSAGE`] refuses anything larger
//! before `rasn` sees it, so a hostile length cannot make us allocate more
//! than the input itself.

use crate::asn::{h225, h245};
use rasn::{Decode, Encode};

/// The largest PER message accepted or produced: the largest TPKT payload
/// (RFC 1006 length is 16 bits) and above any UDP datagram a gatekeeper sends.
pub const MAX_PER_MESSAGE: usize = 65_535;

/// A PER message that could not be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PerError {
    /// The input (or the encoding) is larger than [`MAX_PER_MESSAGE`].
    #[error("PER message of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not a valid aligned-PER encoding of the type.
    #[error("invalid PER {what}: {detail}")]
    Decode {
        /// The ASN.1 type expected.
        what: &'static str,
        /// The decoder's explanation.
        detail: String,
    },
    /// The value violates a constraint of its type (a size or range).
    #[error("cannot encode {what}: {detail}")]
    Encode {
        /// The ASN.1 type being encoded.
        what: &'static str,
        /// The encoder's explanation.
        detail: String,
    },
}

/// Encodes `value` in aligned PER.
pub fn encode<T: Encode>(what: &'static str, value: &T) -> Result<Vec<u8>, PerError> {
    let bytes = rasn::aper::encode(value).map_err(|e| PerError::Encode {
        what,
        detail: e.to_string(),
    })?;
    if bytes.len() > MAX_PER_MESSAGE {
        return Err(PerError::TooLarge {
            len: bytes.len(),
            max: MAX_PER_MESSAGE,
        });
    }
    Ok(bytes)
}

/// Decodes one aligned-PER `T` from `bytes` (trailing padding is ignored,
/// as PER pads the last octet).
pub fn decode<T: Decode>(what: &'static str, bytes: &[u8]) -> Result<T, PerError> {
    if bytes.len() > MAX_PER_MESSAGE {
        return Err(PerError::TooLarge {
            len: bytes.len(),
            max: MAX_PER_MESSAGE,
        });
    }
    rasn::aper::decode(bytes).map_err(|e| PerError::Decode {
        what,
        detail: e.to_string(),
    })
}

/// Encodes a RAS message (one UDP datagram).
pub fn encode_ras(msg: &h225::RasMessage) -> Result<Vec<u8>, PerError> {
    encode("RasMessage", msg)
}

/// Decodes a RAS message from one UDP datagram.
pub fn decode_ras(bytes: &[u8]) -> Result<h225::RasMessage, PerError> {
    decode("RasMessage", bytes)
}

/// Encodes the H.225.0 `H323-UserInformation` carried in Q.931's user-user
/// information element.
pub fn encode_user_information(msg: &h225::H323UserInformation) -> Result<Vec<u8>, PerError> {
    encode("H323-UserInformation", msg)
}

/// Decodes the H.225.0 `H323-UserInformation` of a Q.931 user-user element.
pub fn decode_user_information(bytes: &[u8]) -> Result<h225::H323UserInformation, PerError> {
    decode("H323-UserInformation", bytes)
}

/// Encodes an H.245 message (one TPKT, one tunnelled `h245Control` octet
/// string, or one fast-start element's container).
pub fn encode_h245(msg: &h245::MultimediaSystemControlMessage) -> Result<Vec<u8>, PerError> {
    encode("MultimediaSystemControlMessage", msg)
}

/// Decodes an H.245 message.
pub fn decode_h245(bytes: &[u8]) -> Result<h245::MultimediaSystemControlMessage, PerError> {
    decode("MultimediaSystemControlMessage", bytes)
}

/// Encodes one fast-start proposal: a bare `OpenLogicalChannel`, as the
/// `fastStart` octet strings of Setup and Connect carry it (H.323 §8.1.7).
pub fn encode_fast_start(olc: &h245::OpenLogicalChannel) -> Result<Vec<u8>, PerError> {
    encode("OpenLogicalChannel", olc)
}

/// Decodes one fast-start proposal (a bare `OpenLogicalChannel`).
pub fn decode_fast_start(bytes: &[u8]) -> Result<h245::OpenLogicalChannel, PerError> {
    decode("OpenLogicalChannel", bytes)
}

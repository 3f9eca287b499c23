//! STUN message format (RFC 5389 §6 and §15): header, attributes,
//! XOR-MAPPED-ADDRESS / MAPPED-ADDRESS and FINGERPRINT. Attributes this
//! codec does not interpret (MESSAGE-INTEGRITY, USERNAME…) are kept as
//! octets, so a message decodes and re-encodes unchanged.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::crc32::crc32;

/// The fixed magic cookie of RFC 5389 §6.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// The Binding method.
pub const BINDING: u16 = 0x001;

const HEADER_LEN: usize = 20;
const ATTR_MAPPED_ADDRESS: u16 = 0x0001;
const ATTR_ERROR_CODE: u16 = 0x0009;
const ATTR_XOR_MAPPED_ADDRESS: u16 = 0x0020;
const ATTR_SOFTWARE: u16 = 0x8022;
const ATTR_FINGERPRINT: u16 = 0x8028;
/// FINGERPRINT is the CRC-32 XORed with this ("STUN"), §15.5.
const FINGERPRINT_XOR: u32 = 0x5354_554E;

/// Why octets are not a valid STUN message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StunError {
    /// Shorter than the 20-octet header or than its length field says.
    #[error("STUN message truncated")]
    Truncated,
    /// The two leading bits are not zero or the magic cookie is wrong.
    #[error("not a STUN message (leading bits or magic cookie)")]
    NotStun,
    /// The length field is not a multiple of 4 or disagrees with the size.
    #[error("STUN length field {0} is invalid")]
    BadLength(usize),
    /// An attribute runs past the end of the message.
    #[error("STUN attribute 0x{0:04x} runs past the message")]
    BadAttribute(u16),
    /// An address attribute with an unknown family or a wrong size.
    #[error("malformed address attribute 0x{0:04x}")]
    BadAddress(u16),
    /// FINGERPRINT is not the last attribute or does not match.
    #[error("STUN FINGERPRINT mismatch")]
    Fingerprint,
    /// The message is too large to encode (length over 65535).
    #[error("STUN message too large")]
    TooLarge,
}

/// The 96-bit transaction ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TransactionId(pub [u8; 12]);

impl TransactionId {
    /// A random transaction ID (RFC 5389 §6: uniformly random).
    pub fn random() -> Self {
        TransactionId(rand::random())
    }
}

/// The class bits of the message type (§6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A request.
    Request,
    /// An indication.
    Indication,
    /// A success response.
    Success,
    /// An error response.
    Error,
}

/// One attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attribute {
    /// XOR-MAPPED-ADDRESS (§15.2), already un-XORed.
    XorMappedAddress(SocketAddr),
    /// MAPPED-ADDRESS (§15.1), from servers of RFC 3489's age.
    MappedAddress(SocketAddr),
    /// SOFTWARE (§15.10).
    Software(String),
    /// ERROR-CODE (§15.6).
    ErrorCode {
        /// 300..699.
        code: u16,
        /// Reason phrase.
        reason: String,
    },
    /// FINGERPRINT (§15.5); verified on decode, computed on encode.
    Fingerprint,
    /// Any other attribute, as octets (without padding).
    Other {
        /// Attribute type.
        kind: u16,
        /// Value.
        value: Vec<u8>,
    },
}

/// A STUN message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Class.
    pub class: Class,
    /// Method (12 bits; [`BINDING`]).
    pub method: u16,
    /// Transaction ID.
    pub transaction: TransactionId,
    /// Attributes in order.
    pub attributes: Vec<Attribute>,
}

/// Whether `data` looks like a STUN message (RFC 5389 §8 / RFC 7983
/// demultiplexing): first two bits zero and the magic cookie in place. SIP
/// text never starts with an octet below 2.
pub fn is_stun(data: &[u8]) -> bool {
    data.len() >= HEADER_LEN
        && data.first().is_some_and(|b| b & 0xC0 == 0)
        && data.get(4..8) == Some(&MAGIC_COOKIE.to_be_bytes()[..])
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(at..at + 2)?.try_into().ok()?))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?))
}

impl Message {
    /// A Binding request with a transaction ID and nothing else.
    pub fn binding_request(transaction: TransactionId) -> Self {
        Message {
            class: Class::Request,
            method: BINDING,
            transaction,
            attributes: Vec::new(),
        }
    }

    /// Whether this is a Binding request.
    pub fn is_binding_request(&self) -> bool {
        self.class == Class::Request && self.method == BINDING
    }

    /// The mapped address: XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS (§7.3.3).
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        let xor = self.attributes.iter().find_map(|a| match a {
            Attribute::XorMappedAddress(s) => Some(*s),
            _ => None,
        });
        xor.or_else(|| {
            self.attributes.iter().find_map(|a| match a {
                Attribute::MappedAddress(s) => Some(*s),
                _ => None,
            })
        })
    }

    /// Decodes one message (the whole datagram). A FINGERPRINT, if present,
    /// must be the last attribute and must match.
    pub fn decode(data: &[u8]) -> Result<Self, StunError> {
        if data.len() < HEADER_LEN {
            return Err(StunError::Truncated);
        }
        if !is_stun(data) {
            return Err(StunError::NotStun);
        }
        let kind = be16(data, 0).ok_or(StunError::Truncated)?;
        let len = usize::from(be16(data, 2).ok_or(StunError::Truncated)?);
        if len % 4 != 0 || HEADER_LEN + len != data.len() {
            return Err(StunError::BadLength(len));
        }
        let mut tid = [0u8; 12];
        tid.copy_from_slice(data.get(8..20).ok_or(StunError::Truncated)?);
        let transaction = TransactionId(tid);
        // Method bits M0-M11 are split by the class bits C0 (bit 4) and C1 (bit 8).
        let method = (kind & 0x000F) | ((kind & 0x00E0) >> 1) | ((kind & 0x3E00) >> 2);
        let class = match (kind >> 4 & 1, kind >> 8 & 1) {
            (0, 0) => Class::Request,
            (1, 0) => Class::Indication,
            (0, _) => Class::Success,
            _ => Class::Error,
        };
        let mut attributes = Vec::new();
        let mut at = HEADER_LEN;
        while at < data.len() {
            let t = be16(data, at).ok_or(StunError::Truncated)?;
            let l = usize::from(be16(data, at + 2).ok_or(StunError::Truncated)?);
            let start = at + 4;
            let value = data
                .get(start..start + l)
                .ok_or(StunError::BadAttribute(t))?;
            let padded = start + l.div_ceil(4) * 4;
            if padded > data.len() {
                return Err(StunError::BadAttribute(t));
            }
            let attr = match t {
                ATTR_XOR_MAPPED_ADDRESS => {
                    Attribute::XorMappedAddress(decode_address(t, value, Some(&tid))?)
                }
                ATTR_MAPPED_ADDRESS => Attribute::MappedAddress(decode_address(t, value, None)?),
                ATTR_SOFTWARE => Attribute::Software(String::from_utf8_lossy(value).into_owned()),
                ATTR_ERROR_CODE if l >= 4 => {
                    let class = u16::from(value.get(2).copied().unwrap_or(0) & 0x07);
                    let number = u16::from(value.get(3).copied().unwrap_or(0));
                    Attribute::ErrorCode {
                        code: class * 100 + number,
                        reason: String::from_utf8_lossy(value.get(4..).unwrap_or(&[])).into_owned(),
                    }
                }
                ATTR_FINGERPRINT => {
                    let got = be32(value, 0).ok_or(StunError::Fingerprint)?;
                    if l != 4 || padded != data.len() {
                        return Err(StunError::Fingerprint);
                    }
                    let covered = data.get(..at).ok_or(StunError::Truncated)?;
                    if crc32(covered) ^ FINGERPRINT_XOR != got {
                        return Err(StunError::Fingerprint);
                    }
                    Attribute::Fingerprint
                }
                _ => Attribute::Other {
                    kind: t,
                    value: value.to_vec(),
                },
            };
            attributes.push(attr);
            at = padded;
        }
        Ok(Message {
            class,
            method,
            transaction,
            attributes,
        })
    }

    /// Encodes the message, padding variable-length values with `pad`
    /// (RFC 5389 allows any padding value; zero is usual). An
    /// [`Attribute::Fingerprint`] is computed over what precedes it.
    pub fn encode_with_padding(&self, pad: u8) -> Result<Vec<u8>, StunError> {
        let m = self.method & 0x0FFF;
        let (c0, c1) = match self.class {
            Class::Request => (0, 0),
            Class::Indication => (1, 0),
            Class::Success => (0, 1),
            Class::Error => (1, 1),
        };
        let kind = (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | c0 << 4 | c1 << 8;
        let mut out = Vec::with_capacity(64);
        out.extend_from_slice(&kind.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        out.extend_from_slice(&self.transaction.0);
        for a in &self.attributes {
            let (t, value) = match a {
                Attribute::XorMappedAddress(s) => (
                    ATTR_XOR_MAPPED_ADDRESS,
                    encode_address(*s, Some(&self.transaction.0)),
                ),
                Attribute::MappedAddress(s) => (ATTR_MAPPED_ADDRESS, encode_address(*s, None)),
                Attribute::Software(s) => (ATTR_SOFTWARE, s.as_bytes().to_vec()),
                Attribute::ErrorCode { code, reason } => {
                    let mut v = vec![0, 0, (code / 100) as u8 & 0x07, (code % 100) as u8];
                    v.extend_from_slice(reason.as_bytes());
                    (ATTR_ERROR_CODE, v)
                }
                Attribute::Fingerprint => {
                    // The length field must already count the FINGERPRINT (§15.5).
                    let len = out.len() + 8 - HEADER_LEN;
                    set_length(&mut out, len)?;
                    let fp = crc32(&out) ^ FINGERPRINT_XOR;
                    (ATTR_FINGERPRINT, fp.to_be_bytes().to_vec())
                }
                Attribute::Other { kind, value } => (*kind, value.clone()),
            };
            let l = u16::try_from(value.len()).map_err(|_| StunError::TooLarge)?;
            out.extend_from_slice(&t.to_be_bytes());
            out.extend_from_slice(&l.to_be_bytes());
            out.extend_from_slice(&value);
            while out.len() % 4 != 0 {
                out.push(pad);
            }
        }
        let len = out.len() - HEADER_LEN;
        set_length(&mut out, len)?;
        Ok(out)
    }

    /// Encodes the message with zero padding.
    pub fn encode(&self) -> Result<Vec<u8>, StunError> {
        self.encode_with_padding(0)
    }
}

fn set_length(out: &mut [u8], len: usize) -> Result<(), StunError> {
    let l = u16::try_from(len).map_err(|_| StunError::TooLarge)?;
    if let Some(field) = out.get_mut(2..4) {
        field.copy_from_slice(&l.to_be_bytes());
    }
    Ok(())
}

/// The XOR mask for an address: the magic cookie, then (IPv6) the transaction ID.
fn xor_mask(tid: &[u8; 12]) -> [u8; 16] {
    let mut mask = [0u8; 16];
    mask[..4].copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
    mask[4..].copy_from_slice(tid);
    mask
}

fn decode_address(t: u16, v: &[u8], xor: Option<&[u8; 12]>) -> Result<SocketAddr, StunError> {
    let bad = StunError::BadAddress(t);
    let family = *v.get(1).ok_or(bad.clone())?;
    let mut port = be16(v, 2).ok_or(bad.clone())?;
    let mask = xor.map(xor_mask);
    if mask.is_some() {
        port ^= (MAGIC_COOKIE >> 16) as u16;
    }
    let mut raw = v.get(4..).ok_or(bad.clone())?.to_vec();
    if let Some(mask) = mask {
        for (b, m) in raw.iter_mut().zip(mask.iter()) {
            *b ^= m;
        }
    }
    let ip = match (family, raw.len()) {
        (0x01, 4) => {
            let o: [u8; 4] = raw.try_into().map_err(|_| bad.clone())?;
            IpAddr::V4(Ipv4Addr::from(o))
        }
        (0x02, 16) => {
            let o: [u8; 16] = raw.try_into().map_err(|_| bad.clone())?;
            IpAddr::V6(Ipv6Addr::from(o))
        }
        _ => return Err(bad),
    };
    Ok(SocketAddr::new(ip, port))
}

fn encode_address(s: SocketAddr, xor: Option<&[u8; 12]>) -> Vec<u8> {
    let mut port = s.port();
    let (family, mut raw) = match s.ip() {
        IpAddr::V4(a) => (0x01u8, a.octets().to_vec()),
        IpAddr::V6(a) => (0x02u8, a.octets().to_vec()),
    };
    if let Some(tid) = xor {
        port ^= (MAGIC_COOKIE >> 16) as u16;
        for (b, m) in raw.iter_mut().zip(xor_mask(tid).iter()) {
            *b ^= m;
        }
    }
    let mut v = vec![0, family];
    v.extend_from_slice(&port.to_be_bytes());
    v.extend_from_slice(&raw);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_success_with_fingerprint() {
        let m = Message {
            class: Class::Success,
            method: BINDING,
            transaction: TransactionId([9; 12]),
            attributes: vec![
                Attribute::XorMappedAddress("203.0.113.9:40000".parse().unwrap()),
                Attribute::Software("x".into()),
                Attribute::Fingerprint,
            ],
        };
        let bytes = m.encode().unwrap();
        assert_eq!(Message::decode(&bytes).unwrap(), m);
        let mut broken = bytes.clone();
        broken[21] ^= 1;
        assert!(Message::decode(&broken).is_err());
    }

    #[test]
    fn class_bits() {
        for class in [
            Class::Request,
            Class::Indication,
            Class::Success,
            Class::Error,
        ] {
            let m = Message {
                class,
                method: 0x0ABC,
                transaction: TransactionId([1; 12]),
                attributes: vec![],
            };
            let d = Message::decode(&m.encode().unwrap()).unwrap();
            assert_eq!((d.class, d.method), (class, 0x0ABC));
        }
    }

    #[test]
    fn rejects_sip_and_garbage() {
        assert!(!is_stun(b"REGISTER sip:x SIP/2.0\r\n\r\n"));
        assert_eq!(Message::decode(&[0; 3]), Err(StunError::Truncated));
    }
}

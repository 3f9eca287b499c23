//! Builders of the minimal valid messages an H.323 endpoint sends, and of
//! the small values they share (protocol identifiers, addresses, aliases).
//!
//! The generated types carry every optional field of H.225.0 v8 and H.245
//! v17; these builders fill what an endpoint of this stack sends and leave
//! the rest absent, so the cores and tests do not repeat forty-field
//! literals.

pub mod call;
pub mod control;
pub mod ras;

use crate::asn::{h225, h245};
use rasn::types::{BmpString, Ia5String, ObjectIdentifier};
use std::net::SocketAddrV4;

/// H.225.0 version 8's protocol identifier, `{ itu-t(0) recommendation(0)
/// h(8) 2250 0 8 }` (H.225.0 §7.6).
pub fn h225_protocol_identifier() -> h225::ProtocolIdentifier {
    h225::ProtocolIdentifier(ObjectIdentifier::new_unchecked(
        (&[0u32, 0, 8, 2250, 0, 8][..]).into(),
    ))
}

/// H.245 version 17's protocol identifier, `{ itu-t(0) recommendation(0)
/// h(8) 245 version(0) 17 }`, sent in TerminalCapabilitySet.
pub fn h245_protocol_identifier() -> ObjectIdentifier {
    ObjectIdentifier::new_unchecked((&[0u32, 0, 8, 245, 0, 17][..]).into())
}

/// A value that does not fit the ASN.1 type it is meant for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// An alias string is empty, too long (over 128 characters) or uses a
    /// character its type does not allow.
    #[error("invalid {kind} alias {value:?}")]
    Alias {
        /// `h323-ID`, `dialedDigits` or `url-ID`.
        kind: &'static str,
        /// The rejected text.
        value: String,
    },
}

/// An H.225.0 IPv4 transport address.
pub fn transport_address(addr: SocketAddrV4) -> h225::TransportAddress {
    h225::TransportAddress::ipAddress(h225::TransportAddressIpAddress::new(
        addr.ip().octets().to_vec().into(),
        addr.port(),
    ))
}

/// The IPv4 socket address of an H.225.0 transport address, if it is one.
pub fn socket_address(addr: &h225::TransportAddress) -> Option<SocketAddrV4> {
    match addr {
        h225::TransportAddress::ipAddress(ip) => {
            let octets: [u8; 4] = ip.ip.as_ref().try_into().ok()?;
            Some(SocketAddrV4::new(octets.into(), ip.port))
        }
        _ => None,
    }
}

/// An H.245 unicast IPv4 transport address (media and media control
/// channels of a logical channel).
pub fn h245_transport_address(addr: SocketAddrV4) -> h245::TransportAddress {
    h245::TransportAddress::unicastAddress(h245::UnicastAddress::iPAddress(
        h245::UnicastAddressIPAddress::new(addr.ip().octets().to_vec().into(), addr.port()),
    ))
}

/// The longest alias string H.225.0 allows (`SIZE(1..128)`).
const MAX_ALIAS: usize = 128;

/// An `h323-ID` alias (BMPString, 1 to 128 characters of the Basic
/// Multilingual Plane).
pub fn h323_id(name: &str) -> Result<h225::AliasAddress, BuildError> {
    let err = || BuildError::Alias {
        kind: "h323-ID",
        value: name.to_owned(),
    };
    let count = name.chars().count();
    if count == 0 || count > MAX_ALIAS {
        return Err(err());
    }
    bmp_string(name)
        .map(h225::AliasAddress::h323_ID)
        .ok_or_else(err)
}

/// A BMPString (UCS-2) from text, `None` if a character lies outside the
/// Basic Multilingual Plane. Gatekeeper and endpoint identifiers are
/// BMPStrings too.
pub fn bmp_string(text: &str) -> Option<BmpString> {
    // rasn builds a BMPString from its UTF-16BE bytes; a surrogate means a
    // character beyond the BMP, which UCS-2 cannot carry.
    let units: Vec<u16> = text.encode_utf16().collect();
    if units.iter().any(|u| (0xD800..=0xDFFF).contains(u)) {
        return None;
    }
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    BmpString::try_from(bytes).ok()
}

/// A `dialedDigits` alias (E.164 digits, `0-9`, `#`, `*`, `,`).
pub fn dialed_digits(digits: &str) -> Result<h225::AliasAddress, BuildError> {
    let err = || BuildError::Alias {
        kind: "dialedDigits",
        value: digits.to_owned(),
    };
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, '#' | '*' | ',');
    if digits.is_empty() || digits.len() > MAX_ALIAS || !digits.chars().all(allowed) {
        return Err(err());
    }
    Ia5String::try_from(digits)
        .map(h225::AliasAddress::dialedDigits)
        .map_err(|_| err())
}

/// The text of an `h323-ID` or `dialedDigits` alias, if it is one of those.
pub fn alias_text(alias: &h225::AliasAddress) -> Option<String> {
    match alias {
        h225::AliasAddress::h323_ID(s) => Some(
            char::decode_utf16(s.clone().into_vec())
                .map(|c| c.unwrap_or('\u{fffd}'))
                .collect(),
        ),
        h225::AliasAddress::dialedDigits(s) => Some(String::from(s.clone())),
        _ => None,
    }
}

/// OpenPhone's vendor identifier: no T.35 manufacturer code of its own
/// (country and manufacturer 0), the product and version as text.
pub fn vendor() -> h225::VendorIdentifier {
    h225::VendorIdentifier::new(
        h225::H221NonStandard::new(0, 0, 0),
        Some(b"OpenPhone".to_vec().into()),
        Some(env!("CARGO_PKG_VERSION").as_bytes().to_vec().into()),
        None,
    )
}

/// The endpoint type of a terminal (H.225.0 `EndpointType` with `terminal`
/// and our vendor).
pub fn terminal_endpoint_type() -> h225::EndpointType {
    h225::EndpointType::new(
        None,
        Some(vendor()),
        None,
        None,
        None,
        Some(h225::TerminalInfo::new(None)),
        false,
        false,
        None,
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_are_checked() {
        assert!(h323_id("alice").is_ok());
        assert!(h323_id("").is_err());
        assert!(h323_id(&"x".repeat(129)).is_err());
        assert!(h323_id("emoji \u{1F600}").is_err(), "outside the BMP");
        assert!(dialed_digits("0049*#,1").is_ok());
        assert!(dialed_digits("12a").is_err());
        assert_eq!(
            alias_text(&h323_id("Grüße").unwrap()).as_deref(),
            Some("Grüße")
        );
        assert_eq!(
            alias_text(&dialed_digits("1002").unwrap()).as_deref(),
            Some("1002")
        );
        assert_eq!(
            bmp_string("GK1").map(|b| b.to_bytes()),
            Some(vec![0, b'G', 0, b'K', 0, b'1'])
        );
    }

    #[test]
    fn transport_addresses_round_trip() {
        let a: SocketAddrV4 = "192.0.2.7:1720".parse().unwrap();
        assert_eq!(socket_address(&transport_address(a)), Some(a));
    }
}

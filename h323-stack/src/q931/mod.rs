//! Q.931 messages as H.225.0 uses them (H.225.0 §7.2–7.4, ITU-T Q.931 §4):
//! a bounded, sans-IO codec of the call-signalling messages and the
//! information elements H.323 carries, with the H.225.0 `H323-UserInformation`
//! in the User-user element.
//!
//! A message is: protocol discriminator 0x08, a call reference (H.225.0:
//! two octets, the top bit saying which side allocated it), the message
//! type, then information elements. Unknown elements are kept and ignored
//! (Q.931 §5.8.7.1); an unknown message type is an error so the caller can
//! answer with Status, cause 97.

mod ie;

pub use ie::{Cause, InformationElement, PartyNumber, UserUser};

/// The Q.931 protocol discriminator.
pub const PROTOCOL_DISCRIMINATOR: u8 = 0x08;
/// The largest message accepted (one TPKT payload).
pub const MAX_MESSAGE: usize = crate::tpkt::MAX_PAYLOAD;

/// A Q.931 message that cannot be decoded or encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Q931Error {
    /// The message ends inside a field.
    #[error("Q.931 message truncated in {0}")]
    Truncated(&'static str),
    /// Not a Q.931 message.
    #[error("protocol discriminator {0:#04x} (expected 0x08)")]
    ProtocolDiscriminator(u8),
    /// A call reference longer than two octets (H.225.0 uses two).
    #[error("call reference of {0} octets")]
    CallReferenceLength(u8),
    /// A message type outside the H.225.0 set (answer: Status, cause 97).
    #[error("unknown message type {0:#04x}")]
    UnknownMessageType(u8),
    /// An information element whose content is not valid.
    #[error("invalid information element {id:#04x}: {why}")]
    InvalidElement {
        /// The element identifier.
        id: u8,
        /// What is wrong.
        why: &'static str,
    },
    /// An element or message larger than its length field or limit allows.
    #[error("{what} of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// What is too large.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
}

/// The message types of H.225.0's Q.931 subset (Q.931 Table 4-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MessageType {
    /// Alerting (0x01).
    Alerting,
    /// Call Proceeding (0x02).
    CallProceeding,
    /// Progress (0x03).
    Progress,
    /// Setup (0x05).
    Setup,
    /// Connect (0x07).
    Connect,
    /// Setup Acknowledge (0x0d), overlap sending.
    SetupAcknowledge,
    /// Release Complete (0x5a).
    ReleaseComplete,
    /// Facility (0x62).
    Facility,
    /// Notify (0x6e).
    Notify,
    /// Status Enquiry (0x75).
    StatusEnquiry,
    /// Information (0x7b).
    Information,
    /// Status (0x7d).
    Status,
}

impl MessageType {
    /// The message type octet.
    pub fn code(self) -> u8 {
        match self {
            MessageType::Alerting => 0x01,
            MessageType::CallProceeding => 0x02,
            MessageType::Progress => 0x03,
            MessageType::Setup => 0x05,
            MessageType::Connect => 0x07,
            MessageType::SetupAcknowledge => 0x0d,
            MessageType::ReleaseComplete => 0x5a,
            MessageType::Facility => 0x62,
            MessageType::Notify => 0x6e,
            MessageType::StatusEnquiry => 0x75,
            MessageType::Information => 0x7b,
            MessageType::Status => 0x7d,
        }
    }

    /// The message type of an octet, if H.225.0 uses it.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x01 => MessageType::Alerting,
            0x02 => MessageType::CallProceeding,
            0x03 => MessageType::Progress,
            0x05 => MessageType::Setup,
            0x07 => MessageType::Connect,
            0x0d => MessageType::SetupAcknowledge,
            0x5a => MessageType::ReleaseComplete,
            0x62 => MessageType::Facility,
            0x6e => MessageType::Notify,
            0x75 => MessageType::StatusEnquiry,
            0x7b => MessageType::Information,
            0x7d => MessageType::Status,
            _ => return None,
        })
    }
}

/// A call reference (Q.931 §4.3): a value chosen by the side that sent the
/// Setup, and the flag every message from the other side sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallReference {
    /// The value, 15 bits (0 is the global call reference).
    pub value: u16,
    /// Set in messages sent by the side that received the Setup.
    pub from_destination: bool,
}

/// One Q.931 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The call reference.
    pub call_reference: CallReference,
    /// The message type.
    pub message_type: MessageType,
    /// The information elements, in order.
    pub elements: Vec<InformationElement>,
}

impl Message {
    /// A message with no elements yet.
    pub fn new(message_type: MessageType, call_reference: CallReference) -> Self {
        Self {
            call_reference,
            message_type,
            elements: Vec::new(),
        }
    }

    /// Adds an element (builder style).
    pub fn with(mut self, element: InformationElement) -> Self {
        self.elements.push(element);
        self
    }

    /// The first Cause element.
    pub fn cause(&self) -> Option<&Cause> {
        self.elements.iter().find_map(|e| match e {
            InformationElement::Cause(c) => Some(c),
            _ => None,
        })
    }

    /// The User-user element.
    pub fn user_user(&self) -> Option<&UserUser> {
        self.elements.iter().find_map(|e| match e {
            InformationElement::UserUser(u) => Some(u),
            _ => None,
        })
    }

    /// The H.225.0 `H323-UserInformation` of the User-user element, if any.
    pub fn h323_user_information(
        &self,
    ) -> Option<Result<crate::asn::h225::H323UserInformation, crate::per::PerError>> {
        self.user_user()
            .map(|u| crate::per::decode_user_information(&u.data))
    }

    /// Decodes one message (one TPKT payload).
    pub fn decode(bytes: &[u8]) -> Result<Self, Q931Error> {
        if bytes.len() > MAX_MESSAGE {
            return Err(Q931Error::TooLarge {
                what: "message",
                len: bytes.len(),
                max: MAX_MESSAGE,
            });
        }
        let mut r = ie::Reader::new(bytes);
        let pd = r.u8("protocol discriminator")?;
        if pd != PROTOCOL_DISCRIMINATOR {
            return Err(Q931Error::ProtocolDiscriminator(pd));
        }
        let cr_len = r.u8("call reference length")? & 0x0f;
        if cr_len > 2 {
            return Err(Q931Error::CallReferenceLength(cr_len));
        }
        let cr = r.take(usize::from(cr_len), "call reference")?;
        let call_reference = match cr {
            [] => CallReference {
                value: 0,
                from_destination: false,
            },
            [a] => CallReference {
                value: u16::from(a & 0x7f),
                from_destination: a & 0x80 != 0,
            },
            [a, b, ..] => CallReference {
                value: u16::from_be_bytes([a & 0x7f, *b]),
                from_destination: a & 0x80 != 0,
            },
        };
        let code = r.u8("message type")?;
        let message_type =
            MessageType::from_code(code).ok_or(Q931Error::UnknownMessageType(code))?;
        let mut elements = Vec::new();
        while !r.is_empty() {
            elements.push(InformationElement::decode(&mut r)?);
        }
        Ok(Self {
            call_reference,
            message_type,
            elements,
        })
    }

    /// Encodes the message (the call reference always in two octets, as
    /// H.225.0 §7.2.2.2 asks).
    pub fn encode(&self) -> Result<Vec<u8>, Q931Error> {
        let mut out = vec![PROTOCOL_DISCRIMINATOR, 2];
        let [hi, lo] = (self.call_reference.value & 0x7fff).to_be_bytes();
        out.push(
            hi | if self.call_reference.from_destination {
                0x80
            } else {
                0
            },
        );
        out.push(lo);
        out.push(self.message_type.code());
        for e in &self.elements {
            e.encode(&mut out)?;
        }
        if out.len() > MAX_MESSAGE {
            return Err(Q931Error::TooLarge {
                what: "message",
                len: out.len(),
                max: MAX_MESSAGE,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;

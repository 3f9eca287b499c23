//! Q.931 information elements (Q.931 §4.5) used by H.225.0, and the byte
//! reader that never reads past its input.

use super::Q931Error;

/// A cursor over the input; every read checks what remains.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }
    pub(crate) fn u8(&mut self, what: &'static str) -> Result<u8, Q931Error> {
        let (b, rest) = self.rest.split_first().ok_or(Q931Error::Truncated(what))?;
        self.rest = rest;
        Ok(*b)
    }
    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], Q931Error> {
        if self.rest.len() < n {
            return Err(Q931Error::Truncated(what));
        }
        let (head, rest) = self.rest.split_at(n);
        self.rest = rest;
        Ok(head)
    }
}

const BEARER_CAPABILITY: u8 = 0x04;
const CAUSE: u8 = 0x08;
const DISPLAY: u8 = 0x28;
const CALLING_PARTY_NUMBER: u8 = 0x6c;
const CALLED_PARTY_NUMBER: u8 = 0x70;
const USER_USER: u8 = 0x7e;

/// The longest User-user content: H.225.0 §7.2.2.x gives the element a
/// two-octet length, minus the protocol discriminator octet.
pub const MAX_USER_USER: usize = u16::MAX as usize - 1;

/// An information element.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InformationElement {
    /// Bearer capability (0x04), kept as its octets 3 onwards (H.225.0
    /// §7.2.2.3: information transfer capability, rate, layer 1 protocol).
    BearerCapability(Vec<u8>),
    /// Cause (0x08).
    Cause(Cause),
    /// Display (0x28), IA5 text (decoded leniently: peers send Latin-1 and
    /// UTF-8 too).
    Display(String),
    /// Calling party number (0x6c).
    CallingPartyNumber(PartyNumber),
    /// Called party number (0x70).
    CalledPartyNumber(PartyNumber),
    /// User-user (0x7e), carrying `H323-UserInformation`.
    UserUser(UserUser),
    /// A single-octet element (identifier ≥ 0x80: shift, sending complete…).
    SingleOctet(u8),
    /// Any other variable-length element, kept verbatim.
    Other {
        /// Its identifier.
        id: u8,
        /// Its contents.
        data: Vec<u8>,
    },
}

/// The Cause element (Q.931 §4.5.12, Q.850 §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    /// Coding standard (0: ITU-T).
    pub coding_standard: u8,
    /// Location (0: user, 1: private network serving the local user…).
    pub location: u8,
    /// The Q.850 cause value, 0..=127.
    pub value: u8,
    /// Diagnostics, verbatim.
    pub diagnostics: Vec<u8>,
}

impl Cause {
    /// An ITU-T cause from the user (location 0) with no diagnostics.
    pub fn new(value: u8) -> Self {
        Self {
            coding_standard: 0,
            location: 0,
            value: value & 0x7f,
            diagnostics: Vec::new(),
        }
    }
}

/// A calling or called party number (Q.931 §4.5.8, §4.5.10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartyNumber {
    /// Type of number (0: unknown, 1: international, 2: national…).
    pub type_of_number: u8,
    /// Numbering plan (0: unknown, 1: ISDN/E.164, 9: private).
    pub numbering_plan: u8,
    /// Octet 3a of a calling number: presentation (bits 7–6) and screening
    /// (bits 2–1) indicators; `None` when absent.
    pub presentation_screening: Option<u8>,
    /// The digits (IA5).
    pub digits: String,
}

impl PartyNumber {
    /// An E.164 number of unknown type without octet 3a.
    pub fn e164(digits: &str) -> Self {
        Self {
            type_of_number: 0,
            numbering_plan: 1,
            presentation_screening: None,
            digits: digits.to_owned(),
        }
    }
}

/// The User-user element (Q.931 §4.5.30) with H.225.0's two-octet length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUser {
    /// Protocol discriminator (5: X.208/X.209 coded user information, which
    /// H.225.0 uses for PER).
    pub protocol_discriminator: u8,
    /// The PER-encoded `H323-UserInformation`.
    pub data: Vec<u8>,
}

impl UserUser {
    /// The H.225.0 user-user protocol discriminator.
    pub const H225: u8 = 0x05;

    /// The element carrying an encoded `H323-UserInformation`.
    pub fn h225(data: Vec<u8>) -> Self {
        Self {
            protocol_discriminator: Self::H225,
            data,
        }
    }
}

fn invalid(id: u8, why: &'static str) -> Q931Error {
    Q931Error::InvalidElement { id, why }
}

impl InformationElement {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, Q931Error> {
        let id = r.u8("element identifier")?;
        if id & 0x80 != 0 {
            return Ok(InformationElement::SingleOctet(id));
        }
        let len = if id == USER_USER {
            let hi = r.u8("user-user length")?;
            let lo = r.u8("user-user length")?;
            usize::from(u16::from_be_bytes([hi, lo]))
        } else {
            usize::from(r.u8("element length")?)
        };
        let data = r.take(len, "element contents")?;
        Ok(match id {
            BEARER_CAPABILITY => {
                if data.len() < 2 {
                    return Err(invalid(id, "shorter than octets 3 and 4"));
                }
                InformationElement::BearerCapability(data.to_vec())
            }
            CAUSE => InformationElement::Cause(decode_cause(data)?),
            DISPLAY => InformationElement::Display(String::from_utf8_lossy(data).into_owned()),
            CALLING_PARTY_NUMBER => {
                InformationElement::CallingPartyNumber(decode_number(id, data, true)?)
            }
            CALLED_PARTY_NUMBER => {
                InformationElement::CalledPartyNumber(decode_number(id, data, false)?)
            }
            USER_USER => {
                let (pd, rest) = data.split_first().ok_or(invalid(id, "empty"))?;
                InformationElement::UserUser(UserUser {
                    protocol_discriminator: *pd,
                    data: rest.to_vec(),
                })
            }
            _ => InformationElement::Other {
                id,
                data: data.to_vec(),
            },
        })
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) -> Result<(), Q931Error> {
        let mut body = Vec::new();
        let id = match self {
            InformationElement::SingleOctet(b) => {
                if b & 0x80 == 0 {
                    return Err(invalid(*b, "single-octet identifier without bit 8"));
                }
                out.push(*b);
                return Ok(());
            }
            InformationElement::BearerCapability(b) => {
                body.extend_from_slice(b);
                BEARER_CAPABILITY
            }
            InformationElement::Cause(c) => {
                body.push(0x80 | ((c.coding_standard & 0x03) << 5) | (c.location & 0x0f));
                body.push(0x80 | (c.value & 0x7f));
                body.extend_from_slice(&c.diagnostics);
                CAUSE
            }
            InformationElement::Display(s) => {
                body.extend_from_slice(s.as_bytes());
                DISPLAY
            }
            InformationElement::CallingPartyNumber(n) => {
                encode_number(CALLING_PARTY_NUMBER, n, &mut body)?;
                CALLING_PARTY_NUMBER
            }
            InformationElement::CalledPartyNumber(n) => {
                let n = PartyNumber {
                    presentation_screening: None,
                    ..n.clone()
                };
                encode_number(CALLED_PARTY_NUMBER, &n, &mut body)?;
                CALLED_PARTY_NUMBER
            }
            InformationElement::UserUser(u) => {
                if u.data.len() > MAX_USER_USER {
                    return Err(Q931Error::TooLarge {
                        what: "user-user element",
                        len: u.data.len(),
                        max: MAX_USER_USER,
                    });
                }
                out.push(USER_USER);
                let len =
                    u16::try_from(u.data.len() + 1).map_err(|_| invalid(USER_USER, "too long"))?;
                out.extend_from_slice(&len.to_be_bytes());
                out.push(u.protocol_discriminator);
                out.extend_from_slice(&u.data);
                return Ok(());
            }
            InformationElement::Other { id, data } => {
                if id & 0x80 != 0 || *id == USER_USER {
                    return Err(invalid(*id, "not a variable-length identifier"));
                }
                body.extend_from_slice(data);
                *id
            }
        };
        let len = u8::try_from(body.len()).map_err(|_| Q931Error::TooLarge {
            what: "information element",
            len: body.len(),
            max: 255,
        })?;
        out.push(id);
        out.push(len);
        out.extend_from_slice(&body);
        Ok(())
    }
}

fn decode_cause(data: &[u8]) -> Result<Cause, Q931Error> {
    let mut r = Reader::new(data);
    let o3 = r.u8("cause octet 3").map_err(|_| invalid(CAUSE, "empty"))?;
    if o3 & 0x80 == 0 {
        // Octet 3a (recommendation) follows; Q.850 §2.2.3.
        r.u8("cause octet 3a")
            .map_err(|_| invalid(CAUSE, "octet 3a missing"))?;
    }
    let o4 = r
        .u8("cause value")
        .map_err(|_| invalid(CAUSE, "no cause value"))?;
    let diagnostics = r.rest.to_vec();
    Ok(Cause {
        coding_standard: (o3 >> 5) & 0x03,
        location: o3 & 0x0f,
        value: o4 & 0x7f,
        diagnostics,
    })
}

fn rest_len(r: &Reader<'_>) -> usize {
    r.rest.len()
}

fn decode_number(id: u8, data: &[u8], calling: bool) -> Result<PartyNumber, Q931Error> {
    let mut r = Reader::new(data);
    let o3 = r.u8("number octet 3").map_err(|_| invalid(id, "empty"))?;
    let presentation_screening = if o3 & 0x80 == 0 {
        let o3a = r
            .u8("number octet 3a")
            .map_err(|_| invalid(id, "octet 3a missing"))?;
        if !calling {
            return Err(invalid(id, "called party number with octet 3a"));
        }
        Some(o3a & 0x7f)
    } else {
        None
    };
    let digits = r.take(rest_len(&r), "digits")?;
    if !digits.iter().all(|b| b.is_ascii() && !b.is_ascii_control()) {
        return Err(invalid(id, "digits not IA5"));
    }
    Ok(PartyNumber {
        type_of_number: (o3 >> 4) & 0x07,
        numbering_plan: o3 & 0x0f,
        presentation_screening,
        digits: String::from_utf8_lossy(digits).into_owned(),
    })
}

fn encode_number(id: u8, n: &PartyNumber, body: &mut Vec<u8>) -> Result<(), Q931Error> {
    if !n
        .digits
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_control())
    {
        return Err(invalid(id, "digits not IA5"));
    }
    let o3 = ((n.type_of_number & 0x07) << 4) | (n.numbering_plan & 0x0f);
    match n.presentation_screening {
        Some(ps) => {
            body.push(o3);
            body.push(0x80 | (ps & 0x7f));
        }
        None => body.push(0x80 | o3),
    }
    body.extend_from_slice(n.digits.as_bytes());
    Ok(())
}

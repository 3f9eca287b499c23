//! One codec as both sides describe it.

use std::fmt;

/// One codec: encoding name, clock rate, channels, format parameters and,
/// where the protocol carries one, the RTP payload type.
///
/// The payload type is optional because not every protocol states one in a
/// capability list (an H.245 capability set names G.711 without a number;
/// SDP always numbers its formats). Negotiation assigns a number where one
/// is missing: the static type for static codecs, else a free dynamic one.
///
/// `fmtp` holds the codec's media-type parameters (RFC 4855 syntax, e.g.
/// `mode=30` for iLBC or `0-16` for telephone-event). They are the codec's
/// own parameters, not SDP's: SDP carries them in `a=fmtp`, H.245 in
/// generic-capability fields.
///
/// ```
/// use openphone_sal::CodecDescriptor;
/// let pcmu = CodecDescriptor::new(0, "PCMU", 8000);
/// assert!(pcmu.same_format(&CodecDescriptor::format("pcmu", 8000)));
/// assert_eq!(pcmu.to_string(), "PCMU/8000 pt 0");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CodecDescriptor {
    /// RTP payload type (0–127), when the protocol carries one.
    pub payload_type: Option<u8>,
    /// Encoding name as registered for RTP (`PCMU`, `GSM`, `opus`, `telephone-event`…).
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Channel count (1 unless the codec says otherwise).
    pub channels: u8,
    /// Media-type format parameters, if any.
    pub fmtp: Option<String>,
}

impl CodecDescriptor {
    /// A mono codec with a payload type and no format parameters.
    pub fn new(payload_type: u8, encoding: impl Into<String>, clock_rate: u32) -> Self {
        CodecDescriptor {
            payload_type: Some(payload_type),
            ..CodecDescriptor::format(encoding, clock_rate)
        }
    }

    /// A mono codec without a payload type (a capability).
    pub fn format(encoding: impl Into<String>, clock_rate: u32) -> Self {
        CodecDescriptor {
            payload_type: None,
            encoding: encoding.into(),
            clock_rate,
            channels: 1,
            fmtp: None,
        }
    }

    /// Sets the format parameters.
    pub fn with_fmtp(mut self, fmtp: impl Into<String>) -> Self {
        self.fmtp = Some(fmtp.into());
        self
    }

    /// Sets the channel count.
    pub fn with_channels(mut self, channels: u8) -> Self {
        self.channels = channels;
        self
    }

    /// Sets the payload type.
    pub fn with_payload_type(mut self, pt: u8) -> Self {
        self.payload_type = Some(pt);
        self
    }

    /// True when both describe the same format (name case-insensitively, rate, channels),
    /// whatever their payload types.
    pub fn same_format(&self, other: &CodecDescriptor) -> bool {
        self.encoding.eq_ignore_ascii_case(&other.encoding)
            && self.clock_rate == other.clock_rate
            && self.channels == other.channels
    }

    /// True for RFC 4733 `telephone-event`.
    pub fn is_telephone_event(&self) -> bool {
        self.encoding.eq_ignore_ascii_case("telephone-event")
    }

    /// True for RFC 3389 comfort noise (`CN`).
    pub fn is_comfort_noise(&self) -> bool {
        self.encoding.eq_ignore_ascii_case("CN")
    }

    /// True for a codec that carries audio (not telephone-event, not comfort noise).
    pub fn is_audio(&self) -> bool {
        !self.is_telephone_event() && !self.is_comfort_noise()
    }

    /// The RTP/AVP static payload type for this format (RFC 3551 §6), if it has one.
    pub fn static_payload_type(&self) -> Option<u8> {
        static_payload_type(&self.encoding, self.clock_rate, self.channels)
    }
}

/// RFC 3551 §6 static payload types (audio), by format.
fn static_payload_type(encoding: &str, rate: u32, channels: u8) -> Option<u8> {
    const TABLE: &[(&str, u32, u8, u8)] = &[
        ("PCMU", 8000, 1, 0),
        ("GSM", 8000, 1, 3),
        ("G723", 8000, 1, 4),
        ("DVI4", 8000, 1, 5),
        ("DVI4", 16000, 1, 6),
        ("LPC", 8000, 1, 7),
        ("PCMA", 8000, 1, 8),
        ("G722", 8000, 1, 9),
        ("L16", 44100, 2, 10),
        ("L16", 44100, 1, 11),
        ("QCELP", 8000, 1, 12),
        ("CN", 8000, 1, 13),
        ("MPA", 90000, 1, 14),
        ("G728", 8000, 1, 15),
        ("DVI4", 11025, 1, 16),
        ("DVI4", 22050, 1, 17),
        ("G729", 8000, 1, 18),
    ];
    TABLE
        .iter()
        .find(|(n, r, c, _)| n.eq_ignore_ascii_case(encoding) && *r == rate && *c == channels)
        .map(|t| t.3)
}

impl fmt::Display for CodecDescriptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.encoding, self.clock_rate)?;
        if self.channels != 1 {
            write!(f, "/{}", self.channels)?;
        }
        if let Some(pt) = self.payload_type {
            write!(f, " pt {pt}")?;
        }
        Ok(())
    }
}

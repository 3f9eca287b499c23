//! Typed views of the attributes offer/answer uses (rtpmap, fmtp, rtcp,
//! ptime). Unparseable values are treated as absent (and kept verbatim in
//! the model). Directions are in `direction.rs`.

use std::fmt;
use std::net::IpAddr;

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]`.
///
/// ```
/// use openphone_sdp::RtpMap;
/// let m = RtpMap::parse("111 opus/48000/2").unwrap();
/// assert_eq!((m.payload_type, m.encoding.as_str(), m.clock_rate, m.channels), (111, "opus", 48000, Some(2)));
/// assert_eq!(m.to_string(), "111 opus/48000/2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpMap {
    /// Payload type (0–127).
    pub payload_type: u8,
    /// Encoding name as written.
    pub encoding: String,
    /// RTP clock rate.
    pub clock_rate: u32,
    /// Channel count, when stated.
    pub channels: Option<u8>,
}

impl RtpMap {
    /// Parses an rtpmap value; `None` if it is malformed.
    pub fn parse(value: &str) -> Option<Self> {
        let (pt, rest) = value.trim().split_once(char::is_whitespace)?;
        let payload_type = parse_payload_type(pt)?;
        let mut parts = rest.trim().split('/');
        let encoding = parts.next()?.trim();
        if encoding.is_empty() || encoding.contains(char::is_whitespace) {
            return None;
        }
        let clock_rate: u32 = parts.next()?.trim().parse().ok()?;
        if clock_rate == 0 {
            return None;
        }
        let channels = match parts.next() {
            None => None,
            Some(c) => Some(c.trim().parse::<u8>().ok().filter(|&c| c > 0)?),
        };
        if parts.next().is_some() {
            return None;
        }
        Some(RtpMap {
            payload_type,
            encoding: encoding.to_string(),
            clock_rate,
            channels,
        })
    }
}

impl fmt::Display for RtpMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}/{}",
            self.payload_type, self.encoding, self.clock_rate
        )?;
        if let Some(c) = self.channels {
            write!(f, "/{c}")?;
        }
        Ok(())
    }
}

/// A payload type number (0–127), as an `m=` format or an rtpmap/fmtp
/// field is written; `None` for anything else.
///
/// ```
/// use openphone_sdp::parse_payload_type;
/// assert_eq!(parse_payload_type("101"), Some(101));
/// assert_eq!(parse_payload_type("128"), None);
/// assert_eq!(parse_payload_type("t38"), None);
/// ```
pub fn parse_payload_type(s: &str) -> Option<u8> {
    s.trim().parse::<u8>().ok().filter(|&pt| pt <= 127)
}

/// `a=fmtp:<format> <parameters>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    /// The format (payload type number for RTP) as written.
    pub format: String,
    /// Parameters, verbatim (trimmed).
    pub params: String,
}

impl Fmtp {
    /// Parses an fmtp value; `None` if it has no format.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let (format, params) = match value.split_once(char::is_whitespace) {
            Some((f, p)) => (f, p.trim()),
            None => (value, ""),
        };
        if format.is_empty() {
            return None;
        }
        Some(Fmtp {
            format: format.to_string(),
            params: params.to_string(),
        })
    }
}

/// `a=rtcp:<port> [<nettype> <addrtype> <address>]` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpAttr {
    /// RTCP port.
    pub port: u16,
    /// The address, when given: `(nettype, addrtype, address)`.
    pub address: Option<(String, String, String)>,
}

impl RtcpAttr {
    /// Parses an rtcp value; `None` if it is malformed.
    pub fn parse(value: &str) -> Option<Self> {
        let mut it = value.split_whitespace();
        let port: u16 = it.next()?.parse().ok()?;
        let address = match (it.next(), it.next(), it.next()) {
            (None, _, _) => None,
            (Some(n), Some(t), Some(a)) => Some((n.to_string(), t.to_string(), a.to_string())),
            _ => return None,
        };
        if it.next().is_some() {
            return None;
        }
        Some(RtcpAttr { port, address })
    }

    /// The address as an IP, if one is given as a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.as_ref().and_then(|(_, _, a)| a.parse().ok())
    }
}

impl fmt::Display for RtcpAttr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.port)?;
        if let Some((n, t, a)) = &self.address {
            write!(f, " {n} {t} {a}")?;
        }
        Ok(())
    }
}

/// A millisecond value such as `20` or `20.0`; `None` unless in (0, 10 000].
pub(crate) fn parse_ms(value: &str) -> Option<f64> {
    let v: f64 = value.trim().parse().ok()?;
    (v.is_finite() && v > 0.0 && v <= 10_000.0).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtpmap_variants() {
        assert_eq!(
            RtpMap::parse("0 PCMU/8000"),
            Some(RtpMap {
                payload_type: 0,
                encoding: "PCMU".into(),
                clock_rate: 8000,
                channels: None
            })
        );
        assert!(RtpMap::parse("128 X/8000").is_none());
        assert!(RtpMap::parse("96 X").is_none());
        assert!(RtpMap::parse("96 X/0").is_none());
        assert!(RtpMap::parse("96 X/8000/0").is_none());
        assert!(RtpMap::parse("96 X/8000/1/2").is_none());
        assert!(RtpMap::parse("96 /8000").is_none());
        assert!(RtpMap::parse("").is_none());
        assert_eq!(RtpMap::parse(" 97  iLBC/8000 ").unwrap().encoding, "iLBC");
    }

    #[test]
    fn rtcp_variants() {
        let r = RtcpAttr::parse("53020 IN IP4 126.16.64.4").unwrap();
        assert_eq!(r.port, 53020);
        assert_eq!(r.ip(), Some("126.16.64.4".parse().unwrap()));
        assert_eq!(RtcpAttr::parse("53020").unwrap().address, None);
        assert!(RtcpAttr::parse("53020 IN IP4").is_none());
        assert!(RtcpAttr::parse("70000").is_none());
    }

    #[test]
    fn ms_values() {
        assert_eq!(parse_ms("20"), Some(20.0));
        assert_eq!(parse_ms("22.5"), Some(22.5));
        assert_eq!(parse_ms("0"), None);
        assert_eq!(parse_ms("NaN"), None);
        assert_eq!(parse_ms("-5"), None);
    }
}

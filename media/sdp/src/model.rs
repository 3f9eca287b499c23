//! The typed SDP model (RFC 8866, which obsoletes RFC 4566). The parser is
//! in `parse.rs`, the printer in `print.rs`.
//!
//! Fields we use are typed; everything else is kept verbatim so that a
//! parsed description prints back with nothing lost.

use std::net::IpAddr;

use super::attributes::{self, Fmtp, RtcpAttr, RtpMap};
use super::direction::{self, Direction};

/// A whole session description (`v=` to the last media section).
///
/// ```
/// use openphone_sdp::SessionDescription;
/// let sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
///            m=audio 4000 RTP/AVP 0\r\n";
/// let sd = SessionDescription::parse(sdp.as_bytes()).unwrap();
/// assert_eq!(sd.media[0].port, 4000);
/// assert_eq!(sd.to_string(), sdp);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// `v=`: protocol version, always 0.
    pub version: u32,
    /// `o=`: origin.
    pub origin: Origin,
    /// `s=`: session name (`-` when there is none).
    pub session_name: String,
    /// `i=`: session information.
    pub information: Option<String>,
    /// `u=`: URI of a description.
    pub uri: Option<String>,
    /// `e=` lines.
    pub emails: Vec<String>,
    /// `p=` lines.
    pub phones: Vec<String>,
    /// Session-level `c=`: the default for media sections without one.
    pub connection: Option<Connection>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `t=` lines, each with its `r=` lines.
    pub times: Vec<Timing>,
    /// `z=` value, verbatim.
    pub time_zones: Option<String>,
    /// `k=` value, verbatim (obsolete, kept for printing).
    pub key: Option<String>,
    /// Session-level `a=` lines; media sections inherit some (direction, ptime).
    pub attributes: Vec<Attribute>,
    /// `m=` sections in order.
    pub media: Vec<MediaDescription>,
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Username, `-` when none.
    pub username: String,
    /// Session id (numeric).
    pub session_id: u64,
    /// Version, increased by each new description of the session (RFC 3264 §8).
    pub session_version: u64,
    /// Network type, `IN`.
    pub net_type: String,
    /// Address type, `IP4` or `IP6`.
    pub addr_type: String,
    /// Address or host name, verbatim.
    pub address: String,
}

/// `c=<nettype> <addrtype> <connection-address>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Network type, `IN`.
    pub net_type: String,
    /// Address type, `IP4` or `IP6`.
    pub addr_type: String,
    /// The address (IP literal or host name) without the multicast suffixes.
    pub address: String,
    /// Multicast TTL (`/ttl`, IPv4 only).
    pub ttl: Option<u8>,
    /// Number of multicast addresses (`/n`).
    pub num_addresses: Option<u32>,
}

impl Connection {
    /// An `IN IP4`/`IN IP6` connection for `ip`.
    pub fn from_ip(ip: IpAddr) -> Self {
        Connection {
            net_type: "IN".into(),
            addr_type: addr_type_of(ip).into(),
            address: ip.to_string(),
            ttl: None,
            num_addresses: None,
        }
    }

    /// The address as an IP, if it is an IP literal (not a host name).
    pub fn ip(&self) -> Option<IpAddr> {
        self.address.parse().ok()
    }
}

/// `IP4` or `IP6`, the `<addrtype>` of `o=` and `c=` lines, for an address.
pub fn addr_type_of(ip: IpAddr) -> &'static str {
    match ip {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// `b=<bwtype>:<bandwidth>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// `CT`, `AS`, `TIAS`, `RS`, `RR`…
    pub bw_type: String,
    /// The value (kbit/s for CT and AS).
    pub bandwidth: u64,
}

/// `t=<start> <stop>` and its `r=` lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Timing {
    /// Start time (NTP seconds), 0 for unbounded.
    pub start: u64,
    /// Stop time (NTP seconds), 0 for unbounded.
    pub stop: u64,
    /// `r=` values, verbatim.
    pub repeats: Vec<String>,
}

/// `a=<name>[:<value>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name.
    pub name: String,
    /// Value after the colon, verbatim; `None` for a property attribute.
    pub value: Option<String>,
}

impl Attribute {
    /// A property attribute (`a=name`).
    pub fn property(name: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: None,
        }
    }

    /// A value attribute (`a=name:value`).
    pub fn value(name: impl Into<String>, value: impl Into<String>) -> Self {
        Attribute {
            name: name.into(),
            value: Some(value.into()),
        }
    }
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// `audio`, `video`, `text`, `application`, `message`, `image`.
    pub media: String,
    /// Transport port; 0 means the stream is refused or disabled.
    pub port: u16,
    /// `/<number of ports>`, if given.
    pub port_count: Option<u16>,
    /// Transport protocol (`RTP/AVP`, `RTP/SAVP`, `udptl`…).
    pub proto: String,
    /// Formats (RTP payload type numbers for RTP profiles), verbatim.
    pub formats: Vec<String>,
    /// `i=` media title.
    pub information: Option<String>,
    /// Media-level `c=`, overriding the session's.
    pub connection: Option<Connection>,
    /// Media-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// `k=` value, verbatim.
    pub key: Option<String>,
    /// Media-level `a=` lines.
    pub attributes: Vec<Attribute>,
}

impl MediaDescription {
    /// A section with no attributes.
    pub fn new(media: impl Into<String>, port: u16, proto: impl Into<String>) -> Self {
        MediaDescription {
            media: media.into(),
            port,
            port_count: None,
            proto: proto.into(),
            formats: Vec::new(),
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            key: None,
            attributes: Vec::new(),
        }
    }

    /// True for an RTP transport (`RTP/AVP`, `RTP/SAVP`, `RTP/AVPF`,
    /// `UDP/TLS/RTP/SAVPF`…), whose formats are payload type numbers.
    pub fn is_rtp(&self) -> bool {
        self.proto.to_ascii_uppercase().contains("RTP/")
    }

    /// The first value of attribute `name` (name compared case-insensitively).
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// Every `a=rtpmap` that parses.
    pub fn rtpmaps(&self) -> impl Iterator<Item = RtpMap> + '_ {
        self.values("rtpmap").filter_map(RtpMap::parse)
    }

    /// The `a=rtpmap` for payload type `pt`.
    pub fn rtpmap(&self, pt: u8) -> Option<RtpMap> {
        self.rtpmaps().find(|m| m.payload_type == pt)
    }

    /// Every `a=fmtp` that parses.
    pub fn fmtps(&self) -> impl Iterator<Item = Fmtp> + '_ {
        self.values("fmtp").filter_map(Fmtp::parse)
    }

    /// The `a=fmtp` parameters for format `format`.
    pub fn fmtp(&self, format: &str) -> Option<String> {
        self.fmtps().find(|f| f.format == format).map(|f| f.params)
    }

    /// `a=ptime` in milliseconds, if present and valid.
    pub fn ptime(&self) -> Option<f64> {
        self.values("ptime").find_map(attributes::parse_ms)
    }

    /// `a=maxptime` in milliseconds, if present and valid.
    pub fn maxptime(&self) -> Option<f64> {
        self.values("maxptime").find_map(attributes::parse_ms)
    }

    /// The direction attribute of this section, if it has one.
    pub fn direction(&self) -> Option<Direction> {
        direction::direction_of(&self.attributes)
    }

    /// `a=rtcp` (RFC 3605), if present and valid.
    pub fn rtcp(&self) -> Option<RtcpAttr> {
        self.values("rtcp").find_map(RtcpAttr::parse)
    }

    /// Whether `a=rtcp-mux` (RFC 5761) is present.
    pub fn rtcp_mux(&self) -> bool {
        self.attribute("rtcp-mux").is_some()
    }

    /// `a=crypto` values (RFC 4568), verbatim.
    pub fn crypto(&self) -> impl Iterator<Item = &str> {
        self.values("crypto")
    }

    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.attributes
            .iter()
            .filter(move |a| a.name.eq_ignore_ascii_case(name))
            .filter_map(|a| a.value.as_deref())
    }
}

impl SessionDescription {
    /// The session-level direction attribute, if any.
    pub fn direction(&self) -> Option<Direction> {
        direction::direction_of(&self.attributes)
    }

    /// The session-level `a=ptime`, which some devices put there.
    pub fn ptime(&self) -> Option<f64> {
        self.attributes
            .iter()
            .filter(|a| a.name.eq_ignore_ascii_case("ptime"))
            .filter_map(|a| a.value.as_deref())
            .find_map(attributes::parse_ms)
    }
}

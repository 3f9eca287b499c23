//! The Via header field (RFC 3261 §20.42, §18.2.1; RFC 3581 rport).

use std::fmt;

use crate::message::params::{parse_generic_params, Params};
use crate::message::scan::{is_token, parse_u32, Scanner};
use crate::message::uri::{parse_port, Host};

/// A transport named in Via or a `transport=` URI parameter.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Sctp,
    Ws,
    Wss,
    /// Any other token, as received.
    Other(String),
}

impl Transport {
    /// Case-insensitive parse of a transport token.
    pub fn parse(s: &str) -> Transport {
        // Length first: one case-insensitive compare at most.
        let known = match s.len() {
            2 => Some(("WS", Transport::Ws)),
            3 => match s.as_bytes().get(1).map(u8::to_ascii_uppercase) {
                Some(b'D') => Some(("UDP", Transport::Udp)),
                Some(b'C') => Some(("TCP", Transport::Tcp)),
                Some(b'L') => Some(("TLS", Transport::Tls)),
                _ => Some(("WSS", Transport::Wss)),
            },
            4 => Some(("SCTP", Transport::Sctp)),
            _ => None,
        };
        if let Some((name, t)) = known {
            if s.eq_ignore_ascii_case(name) {
                return t;
            }
        }
        Transport::Other(s.to_owned())
    }

    /// Upper-case wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Transport::Udp => "UDP",
            Transport::Tcp => "TCP",
            Transport::Tls => "TLS",
            Transport::Sctp => "SCTP",
            Transport::Ws => "WS",
            Transport::Wss => "WSS",
            Transport::Other(s) => s,
        }
    }

    /// Whether the transport is reliable (stream or SCTP).
    pub fn is_reliable(&self) -> bool {
        !matches!(self, Transport::Udp)
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One Via value: `SIP/2.0/UDP host:port;branch=...`.
///
/// ```
/// use openphone_sip::message::{Via, Transport};
/// let v = Via::parse("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;rport").unwrap();
/// assert_eq!(v.transport, Transport::Udp);
/// assert_eq!(v.branch(), Some("z9hG4bK776asdhds"));
/// assert_eq!(v.rport(), Some(None));
/// assert_eq!(v.to_string(), "SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds;rport");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Via {
    /// Protocol name, normally `SIP`.
    pub protocol: String,
    /// Protocol version, normally `2.0`.
    pub version: String,
    /// Transport.
    pub transport: Transport,
    /// sent-by host.
    pub host: Host,
    /// sent-by port.
    pub port: Option<u16>,
    /// Parameters in wire order (branch, received, rport, maddr, ttl, ...).
    pub params: Params,
}

impl Via {
    /// A `SIP/2.0/<transport> host[:port];branch=<branch>` value.
    pub fn new(transport: Transport, host: Host, port: Option<u16>, branch: &str) -> Self {
        let mut params = Params::new();
        params.set("branch", Some(branch));
        Via {
            protocol: "SIP".into(),
            version: "2.0".into(),
            transport,
            host,
            port,
            params,
        }
    }

    /// Parses one via-parm.
    pub fn parse(s: &str) -> Result<Via, &'static str> {
        let mut sc = Scanner::new(s);
        sc.skip_ws();
        let protocol = sc.token().ok_or("missing protocol name")?.to_owned();
        if !sc.eat_sep(b'/') {
            return Err("missing '/' after protocol name");
        }
        let version = sc.token().ok_or("missing protocol version")?.to_owned();
        if !sc.eat_sep(b'/') {
            return Err("missing '/' after protocol version");
        }
        let transport = Transport::parse(sc.token().ok_or("missing transport")?);
        if !sc.skip_ws() {
            return Err("missing space before sent-by");
        }
        let start = sc.pos();
        if sc.peek() == Some(b'[') {
            sc.take_while(|b| b != b']');
            sc.eat(b']');
        } else {
            sc.take_while(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        }
        let host_end = sc.pos();
        let port = if sc.eat_sep(b':') {
            Some(parse_port(sc.take_while(|b| b.is_ascii_digit())).ok_or("invalid sent-by port")?)
        } else {
            None
        };
        // The scan above stopped at ':' (or after ']'), so this is the
        // host alone.
        let host = Host::parse(sc.slice(start, host_end)).map_err(|_| "invalid sent-by host")?;
        let params = parse_generic_params(&mut sc)?;
        sc.skip_ws();
        if !sc.at_end() {
            return Err("unexpected characters in Via");
        }
        for p in params.iter() {
            let v = p.value.as_deref();
            let n = p.name.as_str();
            let ok = match n.len() {
                6 if n.eq_ignore_ascii_case("branch") => v.is_some_and(|v| v.bytes().all(is_token)),
                8 if n.eq_ignore_ascii_case("received") => {
                    v.is_some_and(|v| v.parse::<std::net::IpAddr>().is_ok())
                }
                5 if n.eq_ignore_ascii_case("rport") => v.is_none_or(|v| parse_port(v).is_some()),
                3 if n.eq_ignore_ascii_case("ttl") => {
                    v.and_then(parse_u32).is_some_and(|t| t <= 255)
                }
                5 if n.eq_ignore_ascii_case("maddr") => v.is_some_and(|v| Host::parse(v).is_ok()),
                _ => true,
            };
            if !ok {
                return Err("invalid Via parameter value");
            }
        }
        Ok(Via {
            protocol,
            version,
            transport,
            host,
            port,
            params,
        })
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// Whether the branch carries the RFC 3261 magic cookie `z9hG4bK`.
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with("z9hG4bK"))
    }

    /// The `received` parameter as an address.
    pub fn received(&self) -> Option<std::net::IpAddr> {
        self.params.value("received").and_then(|v| v.parse().ok())
    }

    /// `None`: no rport; `Some(None)`: bare `rport` flag; `Some(Some(p))`.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|p| p.value.as_deref().and_then(parse_port))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.params.value("maddr")
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|v| v.parse().ok())
    }

    /// Sets `received=` (RFC 3261 §18.2.1).
    pub fn set_received(&mut self, ip: std::net::IpAddr) {
        self.params.set("received", Some(&ip.to_string()));
    }

    /// Sets `rport=<port>` (RFC 3581 §4).
    pub fn set_rport(&mut self, port: u16) {
        self.params.set("rport", Some(&port.to_string()));
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{} {}",
            self.protocol, self.version, self.transport, self.host
        )?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lws_everywhere() {
        let v = Via::parse("SIP  /   2.0 /UDP    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(v.transport, Transport::Udp);
        assert_eq!(v.branch(), Some("390skdjuw"));
        let v =
            Via::parse("SIP  / 2.0  / TCP     spindle.example.com   ;  branch  =   z9hG4bK9ikj8  ")
                .unwrap();
        assert_eq!(v.host, Host::Domain("spindle.example.com".into()));
        assert_eq!(v.branch(), Some("z9hG4bK9ikj8"));
    }

    #[test]
    fn transports_any_case() {
        for t in [
            Transport::Udp,
            Transport::Tcp,
            Transport::Tls,
            Transport::Sctp,
            Transport::Ws,
            Transport::Wss,
        ] {
            assert_eq!(Transport::parse(t.as_str()), t);
            assert_eq!(Transport::parse(&t.as_str().to_lowercase()), t);
        }
        assert_eq!(Transport::parse("UDX"), Transport::Other("UDX".into()));
        assert_eq!(Transport::parse("WSX"), Transport::Other("WSX".into()));
        assert_eq!(Transport::parse("DTLS"), Transport::Other("DTLS".into()));
    }

    #[test]
    fn params_validated() {
        assert!(Via::parse("SIP/2.0/UDP 192.0.2.15;;").is_err());
        assert!(Via::parse("SIP/2.0/UDP h;received=foo").is_err());
        let v =
            Via::parse("SIP/2.0/UDP [2001:db8::1]:5060;received=2001:db8::2;rport=5062").unwrap();
        assert_eq!(v.port, Some(5060));
        assert_eq!(v.rport(), Some(Some(5062)));
        assert_eq!(v.received(), Some("2001:db8::2".parse().unwrap()));
        assert!(Via::parse("SIP/2.0/UDP h:70000").is_err());
    }
}

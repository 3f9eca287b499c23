//! Endpoint names (RFC 3435 §2.1.1, §3.2.1.3) and the notified entity
//! (`N:`, §3.2.2): `local/name@domain`, with the `*` ("all") and `$`
//! ("any") wildcards in the local name.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::IpAddr;
use std::str::FromStr;

/// The longest domain name accepted (RFC 3435: 1 to 255 characters).
pub const MAX_DOMAIN_LEN: usize = 255;

/// The most `/`-separated terms in a local endpoint name.
pub const MAX_NAME_TERMS: usize = 16;

/// Why an endpoint name or notified entity was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidName {
    /// No `@` between the local name and the domain.
    #[error("an endpoint name is local-name@domain")]
    MissingAt,
    /// An empty term (`a//b`), or a term with a character names cannot hold.
    #[error("invalid term in the local name")]
    Term,
    /// More than [`MAX_NAME_TERMS`] terms.
    #[error("more than {MAX_NAME_TERMS} terms in the local name")]
    TooManyTerms,
    /// Not a host name, `#number` or a bracketed IP address.
    #[error("invalid domain name")]
    Domain,
    /// A port that is not a number from 0 to 65535.
    #[error("invalid port")]
    Port,
}

/// One `/`-separated term of a local endpoint name.
#[derive(Debug, Clone)]
pub enum NameTerm {
    /// A name, as in `aaln` or `1`.
    Name(String),
    /// `*`: every endpoint matching the rest of the name.
    All,
    /// `$`: any one endpoint matching the rest, chosen by the gateway.
    Any,
}

impl NameTerm {
    fn parse(s: &str) -> Result<Self, InvalidName> {
        match s {
            "*" => Ok(NameTerm::All),
            "$" => Ok(NameTerm::Any),
            _ if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b'@' | b'*' | b'$')) =>
            {
                Ok(NameTerm::Name(s.to_string()))
            }
            _ => Err(InvalidName::Term),
        }
    }

    /// Whether this term is `*` or `$`.
    pub fn is_wildcard(&self) -> bool {
        !matches!(self, NameTerm::Name(_))
    }
}

impl PartialEq for NameTerm {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (NameTerm::Name(a), NameTerm::Name(b)) => a.eq_ignore_ascii_case(b),
            (NameTerm::All, NameTerm::All) | (NameTerm::Any, NameTerm::Any) => true,
            _ => false,
        }
    }
}

impl Eq for NameTerm {}

impl Hash for NameTerm {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            NameTerm::Name(n) => {
                state.write_u8(0);
                for b in n.bytes() {
                    state.write_u8(b.to_ascii_lowercase());
                }
            }
            NameTerm::All => state.write_u8(1),
            NameTerm::Any => state.write_u8(2),
        }
    }
}

impl fmt::Display for NameTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameTerm::Name(n) => f.write_str(n),
            NameTerm::All => f.write_str("*"),
            NameTerm::Any => f.write_str("$"),
        }
    }
}

/// The domain part of an endpoint name or notified entity.
#[derive(Debug, Clone)]
pub enum Domain {
    /// A host name such as `gw1.example.net`.
    Host(String),
    /// `#number`: a gateway named by a number.
    Number(u32),
    /// `[192.0.2.1]` or `[2001:db8::1]`.
    Ip(IpAddr),
}

impl Domain {
    fn parse(s: &str) -> Result<Self, InvalidName> {
        if let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            return inner
                .parse::<IpAddr>()
                .map(Domain::Ip)
                .map_err(|_| InvalidName::Domain);
        }
        if let Some(n) = s.strip_prefix('#') {
            if n.is_empty() || n.len() > 9 || !n.bytes().all(|b| b.is_ascii_digit()) {
                return Err(InvalidName::Domain);
            }
            return n
                .parse()
                .map(Domain::Number)
                .map_err(|_| InvalidName::Domain);
        }
        if s.is_empty()
            || s.len() > MAX_DOMAIN_LEN
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')
        {
            return Err(InvalidName::Domain);
        }
        Ok(Domain::Host(s.to_string()))
    }
}

impl PartialEq for Domain {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Domain::Host(a), Domain::Host(b)) => a.eq_ignore_ascii_case(b),
            (Domain::Number(a), Domain::Number(b)) => a == b,
            (Domain::Ip(a), Domain::Ip(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Domain {}

impl Hash for Domain {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Domain::Host(h) => {
                state.write_u8(0);
                for b in h.bytes() {
                    state.write_u8(b.to_ascii_lowercase());
                }
            }
            Domain::Number(n) => {
                state.write_u8(1);
                n.hash(state);
            }
            Domain::Ip(ip) => {
                state.write_u8(2);
                ip.hash(state);
            }
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Domain::Host(h) => f.write_str(h),
            Domain::Number(n) => write!(f, "#{n}"),
            Domain::Ip(IpAddr::V4(ip)) => write!(f, "[{ip}]"),
            Domain::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
        }
    }
}

impl From<IpAddr> for Domain {
    fn from(ip: IpAddr) -> Self {
        Domain::Ip(ip)
    }
}

/// An endpoint name: `aaln/1@[192.0.2.1]`, `ds/ds1-1/*@gw.example.net`.
///
/// Names compare case-insensitively (RFC 3435 §3.2.1.3). A name with a
/// wildcard term addresses several endpoints (`*`) or lets the gateway
/// pick one (`$`); [`matches`](Self::matches) applies it to a concrete
/// name.
///
/// ```
/// use openphone_mgcp::message::EndpointName;
/// let all: EndpointName = "aaln/*@gw.example.net".parse()?;
/// let one: EndpointName = "AALN/2@GW.example.net".parse()?;
/// assert!(all.is_wildcard());
/// assert!(all.matches(&one));
/// assert_eq!(one.local_name(), "AALN/2");
/// let ip: EndpointName = "aaln/1@[127.0.0.1]".parse()?;
/// assert_eq!(ip.to_string(), "aaln/1@[127.0.0.1]");
/// assert!("aaln//1@gw".parse::<EndpointName>().is_err());
/// # Ok::<(), openphone_mgcp::message::InvalidName>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EndpointName {
    terms: Vec<NameTerm>,
    domain: Domain,
}

impl EndpointName {
    /// A name from its terms and domain; fails on an empty or over-long
    /// list of terms.
    pub fn new(terms: Vec<NameTerm>, domain: Domain) -> Result<Self, InvalidName> {
        if terms.is_empty() {
            return Err(InvalidName::Term);
        }
        if terms.len() > MAX_NAME_TERMS {
            return Err(InvalidName::TooManyTerms);
        }
        Ok(EndpointName { terms, domain })
    }

    /// The `/`-separated terms of the local name.
    pub fn terms(&self) -> &[NameTerm] {
        &self.terms
    }

    /// The domain.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }

    /// The local name as text (`aaln/1`).
    pub fn local_name(&self) -> String {
        let mut s = String::new();
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                s.push('/');
            }
            s.push_str(&t.to_string());
        }
        s
    }

    /// Whether any term is `*` or `$`.
    pub fn is_wildcard(&self) -> bool {
        self.terms.iter().any(NameTerm::is_wildcard)
    }

    /// Whether the `*` wildcard ("all of") appears.
    pub fn is_all_wildcard(&self) -> bool {
        self.terms.iter().any(|t| matches!(t, NameTerm::All))
    }

    /// Whether the `$` wildcard ("any of") appears.
    pub fn is_any_wildcard(&self) -> bool {
        self.terms.iter().any(|t| matches!(t, NameTerm::Any))
    }

    /// Whether the concrete name `other` is one this (possibly wildcarded)
    /// name designates. A wildcard term matches any one term, except that
    /// a final wildcard also matches any number of further terms (RFC 3435
    /// §2.1.2: "aaln/*" covers every line, whatever its depth).
    pub fn matches(&self, other: &EndpointName) -> bool {
        if self.domain != other.domain {
            return false;
        }
        let mut i = 0;
        for (n, t) in self.terms.iter().enumerate() {
            let last = n + 1 == self.terms.len();
            match t {
                NameTerm::Name(_) => {
                    if other.terms.get(i) != Some(t) {
                        return false;
                    }
                }
                NameTerm::All | NameTerm::Any => {
                    if i >= other.terms.len() {
                        return false;
                    }
                    if last {
                        return true;
                    }
                }
            }
            i += 1;
        }
        i == other.terms.len()
    }
}

impl fmt::Display for EndpointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, t) in self.terms.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{t}")?;
        }
        write!(f, "@{}", self.domain)
    }
}

impl FromStr for EndpointName {
    type Err = InvalidName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // The local name cannot hold '@', so the first one separates.
        let (local, domain) = s.split_once('@').ok_or(InvalidName::MissingAt)?;
        let mut terms = Vec::new();
        for part in local.split('/') {
            if terms.len() == MAX_NAME_TERMS {
                return Err(InvalidName::TooManyTerms);
            }
            terms.push(NameTerm::parse(part)?);
        }
        EndpointName::new(terms, Domain::parse(domain)?)
    }
}

/// The notified entity (`N:`): where an endpoint sends its Notify and
/// RestartInProgress commands, `[local@]domain[:port]`, as in
/// `ca@ca1.example.net:5678` or `[192.0.2.5]:2727`.
///
/// ```
/// use openphone_mgcp::message::NotifiedEntity;
/// let n: NotifiedEntity = "ca@[192.0.2.5]:2727".parse()?;
/// assert_eq!(n.local.as_deref(), Some("ca"));
/// assert_eq!(n.port, Some(2727));
/// assert_eq!(n.to_string(), "ca@[192.0.2.5]:2727");
/// # Ok::<(), openphone_mgcp::message::InvalidName>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotifiedEntity {
    /// The part before `@`, if any.
    pub local: Option<String>,
    /// The host.
    pub domain: Domain,
    /// The UDP port, when not the default 2727 (call agent) / 2427 (gateway).
    pub port: Option<u16>,
}

impl NotifiedEntity {
    /// An entity at an IP address and port.
    pub fn at(addr: std::net::SocketAddr) -> Self {
        NotifiedEntity {
            local: None,
            domain: Domain::Ip(addr.ip()),
            port: Some(addr.port()),
        }
    }

    /// The socket address, when the domain is an IP address (the port
    /// defaulting to `default_port`).
    pub fn socket_addr(&self, default_port: u16) -> Option<std::net::SocketAddr> {
        match self.domain {
            Domain::Ip(ip) => Some(std::net::SocketAddr::new(
                ip,
                self.port.unwrap_or(default_port),
            )),
            _ => None,
        }
    }
}

impl fmt::Display for NotifiedEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.local {
            write!(f, "{l}@")?;
        }
        write!(f, "{}", self.domain)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl FromStr for NotifiedEntity {
    type Err = InvalidName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (local, rest) = match s.rsplit_once('@') {
            Some((l, r)) => {
                if l.is_empty()
                    || !l
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && !matches!(b, b'@' | b',' | b'[' | b']'))
                {
                    return Err(InvalidName::Term);
                }
                (Some(l.to_string()), r)
            }
            None => (None, s),
        };
        // An IPv6 literal holds colons: the port follows the bracket.
        let (host, port) = if rest.starts_with('[') {
            match rest.find(']') {
                Some(end) => {
                    let (h, p) = rest.split_at(end + 1);
                    match p.strip_prefix(':') {
                        Some(p) => (h, Some(p)),
                        None if p.is_empty() => (h, None),
                        None => return Err(InvalidName::Domain),
                    }
                }
                None => return Err(InvalidName::Domain),
            }
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (rest, None),
            }
        };
        let port = match port {
            Some(p) => {
                if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(InvalidName::Port);
                }
                Some(p.parse::<u16>().map_err(|_| InvalidName::Port)?)
            }
            None => None,
        };
        Ok(NotifiedEntity {
            local,
            domain: Domain::parse(host)?,
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matching() {
        let name = |s: &str| s.parse::<EndpointName>().unwrap();
        assert!(name("aaln/*@gw").matches(&name("aaln/1@gw")));
        assert!(name("aaln/$@gw").matches(&name("aaln/1@GW")));
        assert!(name("ds/*@gw").matches(&name("ds/ds1-3/4@gw")));
        assert!(!name("ds/*/1@gw").matches(&name("ds/ds1-3/4@gw")));
        assert!(name("ds/*/4@gw").matches(&name("ds/ds1-3/4@gw")));
        assert!(!name("aaln/*@gw").matches(&name("aaln/1@gw2")));
        assert!(!name("aaln/1@gw").matches(&name("aaln/2@gw")));
        assert!(!name("aaln/1@gw").matches(&name("aaln/1/2@gw")));
        assert!(!name("aaln/*@gw").matches(&name("aaln@gw")));
    }

    #[test]
    fn domains() {
        assert!("a@#12".parse::<EndpointName>().is_ok());
        assert!("a@[2001:db8::1]".parse::<EndpointName>().is_ok());
        assert!("a@[999.1.1.1]".parse::<EndpointName>().is_err());
        assert!("a@".parse::<EndpointName>().is_err());
        assert!("a@b c".parse::<EndpointName>().is_err());
        assert!("a*b@gw".parse::<EndpointName>().is_err());
        let v6: NotifiedEntity = "[2001:db8::1]:2727".parse().unwrap();
        assert_eq!(
            v6.socket_addr(1),
            Some("[2001:db8::1]:2727".parse().unwrap())
        );
        assert!("ca@host:99999".parse::<NotifiedEntity>().is_err());
    }
}

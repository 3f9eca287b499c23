//! SIP, SIPS and other absolute URIs (RFC 3261 §19.1, §25.1).
//!
//! Components are stored in their escaped wire form so that printing is
//! lossless; accessors offer the unescaped view where RFC 3261 compares by
//! value. Unknown schemes parse as [`Uri::Other`] so the stack, not the
//! parser, can answer 416.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use super::params::{Param, Params, MAX_PARAMS};
use super::scan::{
    class, unescape, valid_escaped, write_escaped, C_HNV, C_PARAM, C_PASSWORD, C_RESERVED,
    C_UNRESERVED, C_USER,
};

/// Why a URI did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// Missing or malformed `scheme:`.
    #[error("invalid URI scheme")]
    Scheme,
    /// Bad characters in the user or password part.
    #[error("invalid URI user info")]
    UserInfo,
    /// Host is not a hostname, IPv4 address or bracketed IPv6 address.
    #[error("invalid URI host")]
    Host,
    /// Port is not a number in 0..=65535.
    #[error("invalid URI port")]
    Port,
    /// Bad `;name=value` parameter.
    #[error("invalid URI parameter")]
    Param,
    /// Bad `?name=value` header component.
    #[error("invalid URI header")]
    Header,
    /// Characters not allowed in an absolute URI.
    #[error("invalid characters in URI")]
    Chars,
}

/// A host: domain name, IPv4 address or IPv6 reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// A DNS name as received (compare with [`Host::eq_host`]).
    Domain(String),
    /// An IPv4 literal.
    Ipv4(Ipv4Addr),
    /// An IPv6 literal (printed in brackets).
    Ipv6(Ipv6Addr),
}

impl Host {
    /// Parses `hostname / IPv4address / IPv6reference` (RFC 3261 §25.1).
    pub fn parse(s: &str) -> Result<Host, UriError> {
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(UriError::Host)?;
            return inner.parse().map(Host::Ipv6).map_err(|_| UriError::Host);
        }
        if s.as_bytes().first().is_some_and(u8::is_ascii_digit)
            && s.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        {
            return s.parse().map(Host::Ipv4).map_err(|_| UriError::Host);
        }
        if is_hostname(s) {
            Ok(Host::Domain(s.to_owned()))
        } else {
            Err(UriError::Host)
        }
    }

    /// Host comparison of RFC 3261 §19.1.4: domain names ignore case.
    pub fn eq_host(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Domain(a), Host::Domain(b)) => a
                .trim_end_matches('.')
                .eq_ignore_ascii_case(b.trim_end_matches('.')),
            _ => self == other,
        }
    }

    /// The IP address, when the host is a literal.
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        match self {
            Host::Ipv4(a) => Some((*a).into()),
            Host::Ipv6(a) => Some((*a).into()),
            Host::Domain(_) => None,
        }
    }
}

impl From<std::net::IpAddr> for Host {
    fn from(ip: std::net::IpAddr) -> Self {
        match ip {
            std::net::IpAddr::V4(a) => Host::Ipv4(a),
            std::net::IpAddr::V6(a) => Host::Ipv6(a),
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Domain(d) => f.write_str(d),
            Host::Ipv4(a) => write!(f, "{a}"),
            Host::Ipv6(a) => write!(f, "[{a}]"),
        }
    }
}

/// `hostname = *( domainlabel "." ) toplabel [ "." ]`.
pub(crate) fn is_hostname(s: &str) -> bool {
    let b = s.as_bytes();
    let b = b.strip_suffix(b".").unwrap_or(b);
    if b.is_empty() || b.len() > 255 {
        return false;
    }
    // One pass, one table load per byte: each label starts and ends
    // alphanumeric; the last (toplabel) starts with a letter, which tells
    // a name from a malformed IPv4 address.
    let mut prev = H_DOT;
    for &c in b {
        let k = HOST_KIND[c as usize];
        if k != H_ALNUM {
            let ok = match k {
                H_DASH => prev != H_DOT,
                H_DOT => prev == H_ALNUM,
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        prev = k;
    }
    let top = memchr::memrchr(b'.', b).map_or(0, |i| i + 1);
    prev == H_ALNUM && b.get(top).is_some_and(u8::is_ascii_alphabetic)
}

pub(crate) const H_BAD: u8 = 0;
pub(crate) const H_ALNUM: u8 = 1;
pub(crate) const H_DASH: u8 = 2;
pub(crate) const H_DOT: u8 = 3;

/// Hostname byte kinds for [`is_hostname`].
pub(crate) static HOST_KIND: [u8; 256] = {
    let mut t = [H_BAD; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        t[i] = if c.is_ascii_alphanumeric() {
            H_ALNUM
        } else if c == b'-' {
            H_DASH
        } else if c == b'.' {
            H_DOT
        } else {
            H_BAD
        };
        i += 1;
    }
    t
};

/// Host plus optional port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// The host.
    pub host: Host,
    /// The port, when given explicitly.
    pub port: Option<u16>,
}

impl fmt::Display for HostPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

/// Parses `host [ ":" port ]`.
pub(crate) fn parse_host_port(s: &str) -> Result<HostPort, UriError> {
    let (host, port) = if s.starts_with('[') {
        match s.find(']') {
            Some(i) => {
                let (h, rest) = s.split_at(i + 1);
                (h, rest)
            }
            None => return Err(UriError::Host),
        }
    } else {
        match memchr::memchr(b':', s.as_bytes()) {
            Some(i) => s.split_at(i),
            None => (s, ""),
        }
    };
    let port = if port.is_empty() {
        None
    } else {
        let p = port.strip_prefix(':').ok_or(UriError::Host)?;
        Some(parse_port(p).ok_or(UriError::Port)?)
    };
    Ok(HostPort {
        host: Host::parse(host)?,
        port,
    })
}

/// `port = 1*DIGIT`, limited to u16.
pub(crate) fn parse_port(p: &str) -> Option<u16> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

pub(crate) fn is_user_char(b: u8) -> bool {
    class(b, C_USER)
}

fn is_password_char(b: u8) -> bool {
    class(b, C_PASSWORD)
}

fn is_param_char(b: u8) -> bool {
    class(b, C_PARAM)
}

fn is_hnv_char(b: u8) -> bool {
    class(b, C_HNV)
}

/// `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )` (RFC 3986).
pub(crate) fn valid_scheme(scheme: &str) -> bool {
    let sb = scheme.as_bytes();
    sb.first().is_some_and(|b| b.is_ascii_alphabetic())
        && sb
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
}

pub(crate) fn is_uric(b: u8) -> bool {
    class(b, C_UNRESERVED | C_RESERVED)
}

/// A `sip:` or `sips:` URI.
///
/// ```
/// use openphone_sip::message::{SipUri, Uri};
/// let uri: Uri = "sip:alice@atlanta.example.com:5070;transport=tcp;lr".parse().unwrap();
/// let sip = uri.as_sip().unwrap();
/// assert_eq!(sip.user.as_deref(), Some("alice"));
/// assert_eq!(sip.port, Some(5070));
/// assert_eq!(sip.transport(), Some("tcp"));
/// assert!(sip.lr());
/// assert_eq!(uri.to_string(), "sip:alice@atlanta.example.com:5070;transport=tcp;lr");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SipUri {
    /// `sips:` rather than `sip:`.
    pub secure: bool,
    /// User part in escaped form (may contain `;` — see RFC 4475 §3.1.1.9).
    pub user: Option<String>,
    /// Password in escaped form.
    pub password: Option<String>,
    /// Host.
    pub host: Host,
    /// Explicit port.
    pub port: Option<u16>,
    /// `uri-parameters` in wire order, escaped form.
    pub params: Params,
    /// `?name=value&...` header components, escaped form.
    pub headers: Vec<(String, String)>,
}

impl SipUri {
    /// `sip:host`.
    pub fn new(host: Host) -> Self {
        SipUri {
            secure: false,
            user: None,
            password: None,
            host,
            port: None,
            params: Params::new(),
            headers: Vec::new(),
        }
    }

    /// Sets the user part (escaping characters not allowed there).
    pub fn with_user(mut self, user: &str) -> Self {
        let mut s = String::new();
        let _ = write_escaped(&mut s, user, is_user_char);
        self.user = Some(s);
        self
    }

    /// Sets the port.
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Adds or replaces a URI parameter.
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> Self {
        self.params.set(name, value);
        self
    }

    /// The scheme name.
    pub fn scheme(&self) -> &'static str {
        if self.secure {
            "sips"
        } else {
            "sip"
        }
    }

    /// The user part with `%HH` escapes decoded (lossy for non-UTF-8).
    pub fn user_unescaped(&self) -> Option<String> {
        self.user
            .as_deref()
            .map(|u| String::from_utf8_lossy(&unescape(u)).into_owned())
    }

    /// Host and port together.
    pub fn host_port(&self) -> HostPort {
        HostPort {
            host: self.host.clone(),
            port: self.port,
        }
    }

    /// The `transport` parameter.
    pub fn transport(&self) -> Option<&str> {
        self.params.value("transport")
    }

    /// Whether the `lr` (loose routing) flag is present.
    pub fn lr(&self) -> bool {
        self.params.has("lr")
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.params.value("maddr")
    }

    /// The `user` parameter (`phone`, `ip`, ...).
    pub fn user_param(&self) -> Option<&str> {
        self.params.value("user")
    }

    /// The `method` parameter.
    pub fn method_param(&self) -> Option<&str> {
        self.params.value("method")
    }

    /// The `ttl` parameter, when it is a valid 0..=255 number.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|v| v.parse().ok())
    }

    /// URI equality of RFC 3261 §19.1.4.
    pub fn rfc_eq(&self, other: &SipUri) -> bool {
        if self.secure != other.secure
            || !opt_unescaped_eq(&self.user, &other.user, false)
            || !opt_unescaped_eq(&self.password, &other.password, false)
            || !self.host.eq_host(&other.host)
            || self.port != other.port
        {
            return false;
        }
        // These parameters must match when either side has them.
        for name in ["transport", "user", "ttl", "method", "maddr"] {
            let a = self.params.get(name);
            let b = other.params.get(name);
            match (a, b) {
                (None, None) => {}
                (Some(a), Some(b)) => {
                    if !opt_unescaped_eq(&a.value, &b.value, true) {
                        return false;
                    }
                }
                _ => return false,
            }
        }
        // Any other parameter present on both sides must match. A name that
        // appears twice counts by its first occurrence, as `params.get` does,
        // so the comparison stays reflexive (fuzz/regressions/sip_uri).
        for (i, a) in self.params.iter().enumerate() {
            if self.params.iter().take(i).any(|e| param_name_eq(e, a)) {
                continue;
            }
            if let Some(b) = other.params.iter().find(|b| param_name_eq(a, b)) {
                if !opt_unescaped_eq(&a.value, &b.value, true) {
                    return false;
                }
            }
        }
        // Header components are never ignored.
        if self.headers.len() != other.headers.len() {
            return false;
        }
        self.headers.iter().all(|(n, v)| {
            other.headers.iter().any(|(n2, v2)| {
                unescape(n).eq_ignore_ascii_case(&unescape(n2)) && unescape(v) == unescape(v2)
            })
        })
    }
}

fn param_name_eq(a: &Param, b: &Param) -> bool {
    unescape(&a.name).eq_ignore_ascii_case(&unescape(&b.name))
}

fn opt_unescaped_eq(a: &Option<String>, b: &Option<String>, ignore_case: bool) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let (a, b) = (unescape(a), unescape(b));
            if ignore_case {
                a.eq_ignore_ascii_case(&b)
            } else {
                a == b
            }
        }
        _ => false,
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.scheme())?;
        f.write_str(":")?;
        if let Some(u) = &self.user {
            write_escaped(f, u, is_user_char)?;
            if let Some(p) = &self.password {
                f.write_str(":")?;
                write_escaped(f, p, is_password_char)?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}", self.host)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        for p in self.params.iter() {
            f.write_str(";")?;
            write_escaped(f, &p.name, is_param_char)?;
            if let Some(v) = &p.value {
                f.write_str("=")?;
                write_escaped(f, v, is_param_char)?;
            }
        }
        for (i, (n, v)) in self.headers.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            write_escaped(f, n, is_hnv_char)?;
            f.write_str("=")?;
            write_escaped(f, v, is_hnv_char)?;
        }
        Ok(())
    }
}

/// Any URI: SIP/SIPS are parsed into parts, everything else is kept as
/// validated text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Uri {
    /// `sip:` or `sips:`.
    Sip(SipUri),
    /// Any other `absoluteURI` (tel:, http:, urn:, ...).
    Other {
        /// Scheme as received.
        scheme: String,
        /// Everything after `scheme:`.
        text: String,
    },
}

impl Uri {
    /// Parses a URI. The input must not contain whitespace or `<>`.
    pub fn parse(s: &str) -> Result<Uri, UriError> {
        let colon = memchr::memchr(b':', s.as_bytes()).ok_or(UriError::Scheme)?;
        let (scheme, rest) = (
            s.get(..colon).unwrap_or(""),
            s.get(colon + 1..).unwrap_or(""),
        );
        if !valid_scheme(scheme) {
            return Err(UriError::Scheme);
        }
        if scheme.eq_ignore_ascii_case("sip") {
            parse_sip(rest, false).map(Uri::Sip)
        } else if scheme.eq_ignore_ascii_case("sips") {
            parse_sip(rest, true).map(Uri::Sip)
        } else {
            if rest.is_empty() || !valid_escaped(rest, is_uric) {
                return Err(UriError::Chars);
            }
            Ok(Uri::Other {
                scheme: scheme.to_owned(),
                text: rest.to_owned(),
            })
        }
    }

    /// The scheme (`sip`, `sips`, `tel`, ...).
    pub fn scheme(&self) -> &str {
        match self {
            Uri::Sip(u) => u.scheme(),
            Uri::Other { scheme, .. } => scheme,
        }
    }

    /// The SIP URI, if this is one.
    pub fn as_sip(&self) -> Option<&SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            Uri::Other { .. } => None,
        }
    }

    /// Mutable SIP URI, if this is one.
    pub fn as_sip_mut(&mut self) -> Option<&mut SipUri> {
        match self {
            Uri::Sip(u) => Some(u),
            Uri::Other { .. } => None,
        }
    }

    /// RFC 3261 §19.1.4 comparison; other schemes compare scheme
    /// case-insensitively and the rest exactly.
    pub fn rfc_eq(&self, other: &Uri) -> bool {
        match (self, other) {
            (Uri::Sip(a), Uri::Sip(b)) => a.rfc_eq(b),
            (
                Uri::Other {
                    scheme: s1,
                    text: t1,
                },
                Uri::Other {
                    scheme: s2,
                    text: t2,
                },
            ) => s1.eq_ignore_ascii_case(s2) && t1 == t2,
            _ => false,
        }
    }
}

impl From<SipUri> for Uri {
    fn from(u: SipUri) -> Self {
        Uri::Sip(u)
    }
}

impl FromStr for Uri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<Self, UriError> {
        Uri::parse(s)
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Uri::Sip(u) => u.fmt(f),
            Uri::Other { scheme, text } => {
                f.write_str(scheme)?;
                f.write_str(":")?;
                write_escaped(f, text, is_uric)
            }
        }
    }
}

/// Parses what follows `sip:` / `sips:`.
fn parse_sip(s: &str, secure: bool) -> Result<SipUri, UriError> {
    // '@' can only appear as the userinfo terminator: no other component
    // allows it unescaped, while the user part may hold ';' and '?'.
    let (userinfo, rest) = match memchr::memchr(b'@', s.as_bytes()) {
        Some(i) => (Some(s.get(..i).unwrap_or("")), s.get(i + 1..).unwrap_or("")),
        None => (None, s),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(ui) => {
            let (u, p) = match memchr::memchr(b':', ui.as_bytes()) {
                Some(i) => (
                    ui.get(..i).unwrap_or(""),
                    Some(ui.get(i + 1..).unwrap_or("")),
                ),
                None => (ui, None),
            };
            if u.is_empty() || !valid_escaped(u, is_user_char) {
                return Err(UriError::UserInfo);
            }
            if let Some(p) = p {
                if !valid_escaped(p, is_password_char) {
                    return Err(UriError::UserInfo);
                }
            }
            (Some(u.to_owned()), p.map(str::to_owned))
        }
    };
    let (rest, headers_part) = match memchr::memchr(b'?', rest.as_bytes()) {
        Some(i) => (
            rest.get(..i).unwrap_or(""),
            Some(rest.get(i + 1..).unwrap_or("")),
        ),
        None => (rest, None),
    };
    let (hostport, mut more) = match memchr::memchr(b';', rest.as_bytes()) {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i + 1..)),
        None => (rest, None),
    };
    let hp = parse_host_port(hostport)?;
    let mut params = Params::new();
    if let Some(m) = more {
        // One allocation of the final size.
        let n = 1 + memchr::memchr_iter(b';', m.as_bytes()).count();
        params.0.reserve_exact(n.min(MAX_PARAMS));
    }
    while let Some(m) = more {
        let p = match memchr::memchr(b';', m.as_bytes()) {
            Some(i) => {
                more = m.get(i + 1..);
                m.get(..i).unwrap_or("")
            }
            None => {
                more = None;
                m
            }
        };
        if params.len() >= MAX_PARAMS {
            return Err(UriError::Param);
        }
        let (name, value) = match memchr::memchr(b'=', p.as_bytes()) {
            Some(i) => (p.get(..i).unwrap_or(""), Some(p.get(i + 1..).unwrap_or(""))),
            None => (p, None),
        };
        if name.is_empty() || !valid_escaped(name, is_param_char) {
            return Err(UriError::Param);
        }
        if let Some(v) = value {
            if v.is_empty() || !valid_escaped(v, is_param_char) {
                return Err(UriError::Param);
            }
        }
        params.0.push(Param {
            name: name.to_owned(),
            value: value.map(str::to_owned),
        });
    }
    let mut headers = Vec::new();
    if let Some(h) = headers_part {
        for kv in h.split('&') {
            if headers.len() >= MAX_PARAMS {
                return Err(UriError::Header);
            }
            let i = kv.find('=').ok_or(UriError::Header)?;
            let (n, v) = (kv.get(..i).unwrap_or(""), kv.get(i + 1..).unwrap_or(""));
            if n.is_empty() || !valid_escaped(n, is_hnv_char) || !valid_escaped(v, is_hnv_char) {
                return Err(UriError::Header);
            }
            headers.push((n.to_owned(), v.to_owned()));
        }
    }
    Ok(SipUri {
        secure,
        user,
        password,
        host: hp.host,
        port: hp.port,
        params,
        headers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sip(s: &str) -> SipUri {
        Uri::parse(s).unwrap().as_sip().unwrap().clone()
    }

    #[test]
    fn semicolon_in_user_part() {
        let u = sip("sip:user;par=u%40example.net@example.com");
        assert_eq!(u.user.as_deref(), Some("user;par=u%40example.net"));
        assert_eq!(
            u.user_unescaped().as_deref(),
            Some("user;par=u@example.net")
        );
        assert!(u.params.is_empty());
        assert_eq!(u.host, Host::Domain("example.com".into()));
    }

    #[test]
    fn hosts() {
        assert_eq!(
            sip("sip:[::1]:5060").host,
            Host::Ipv6("::1".parse().unwrap())
        );
        assert_eq!(sip("sip:[::1]:5060").port, Some(5060));
        assert_eq!(
            sip("sip:192.0.2.1").host,
            Host::Ipv4("192.0.2.1".parse().unwrap())
        );
        assert!(Uri::parse("sip:192.0.2.999").is_err());
        assert!(Uri::parse("sip:host:99999").is_err());
        assert!(Uri::parse("sip:-bad.com").is_err());
        assert!(Uri::parse("sip:a b").is_err());
    }

    #[test]
    fn other_schemes() {
        let u = Uri::parse("tel:+1-201-555-0123").unwrap();
        assert_eq!(u.scheme(), "tel");
        assert_eq!(u.to_string(), "tel:+1-201-555-0123");
        assert!(Uri::parse("soap.beep://192.0.2.103:3002").is_ok());
        assert!(Uri::parse("<sip:x>").is_err());
    }

    #[test]
    fn rfc3261_comparison_examples() {
        let eq = |a: &str, b: &str| Uri::parse(a).unwrap().rfc_eq(&Uri::parse(b).unwrap());
        assert!(eq(
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp"
        ));
        assert!(eq(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(eq(
            "sip:carol@chicago.com;security=on",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(eq(
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"
        ));
        assert!(eq(
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x"
        ));
        assert!(!eq(
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP"
        ));
        assert!(!eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
        assert!(!eq(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com;transport=udp"
        ));
        assert!(!eq(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting"
        ));
        assert!(!eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
    }

    #[test]
    fn escaped_param_name_is_lr() {
        let u = sip("sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31");
        assert!(u.lr());
        assert_eq!(
            u.to_string(),
            "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31"
        );
    }

    #[test]
    fn a_uri_with_a_repeated_parameter_equals_itself() {
        for text in [
            "sip:a@b;x=1;x=2",
            "sip:a@b;transport=tcp;transport=udp",
            "sip:a@b;x=1;X=2",
            "sip:a@b;x;x=2",
        ] {
            let u = Uri::parse(text).unwrap();
            assert!(u.rfc_eq(&u), "{text}");
            let again = Uri::parse(&u.to_string()).unwrap();
            assert!(u.rfc_eq(&again) && again.rfc_eq(&u), "{text}");
        }
    }

    #[test]
    fn builder_escapes_user() {
        let u = SipUri::new(Host::Domain("example.com".into()))
            .with_user("a b@c")
            .with_port(5080);
        assert_eq!(u.to_string(), "sip:a%20b%40c@example.com:5080");
        assert!(Uri::parse(&u.to_string()).unwrap().rfc_eq(&Uri::Sip(u)));
    }
}

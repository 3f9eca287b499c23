//! WWW-Authenticate / Proxy-Authenticate challenges and Authorization /
//! Proxy-Authorization credentials (RFC 3261 §20.7, §20.27, §20.44,
//! RFC 2617 syntax). Unknown schemes are kept with their parameters so the
//! stack can ignore them (RFC 4475 §3.3.7).

use std::fmt;

use crate::message::params::{unquote, Param, Params};
use crate::message::scan::{is_token, split_commas, Scanner};

/// Parses `scheme LWS auth-param *(COMMA auth-param)`.
fn parse_scheme_params(s: &str) -> Result<(String, Params), &'static str> {
    let mut sc = Scanner::new(s);
    sc.skip_ws();
    let scheme = sc.token().ok_or("missing auth scheme")?.to_owned();
    let mut params = Params::new();
    let rest = sc.rest();
    if crate::message::scan::trim_ws(rest).is_empty() {
        return Ok((scheme, params));
    }
    if !sc.skip_ws() {
        return Err("missing space after auth scheme");
    }
    let items = split_commas(sc.rest(), 64).ok_or("unbalanced quotes in auth parameters")?;
    for item in items {
        let mut p = Scanner::new(item);
        p.skip_ws();
        let name = p.token().ok_or("empty auth parameter")?;
        if !p.eat_sep(b'=') {
            return Err("auth parameter without '='");
        }
        let value = match p.peek() {
            Some(b'"') => p.quoted_raw().ok_or("bad quoted auth parameter")?.0,
            _ => p.token().ok_or("empty auth parameter value")?,
        };
        p.skip_ws();
        if !p.at_end() {
            return Err("unexpected characters in auth parameter");
        }
        params.0.push(Param::new(name, value));
    }
    Ok((scheme, params))
}

fn write_scheme_params(f: &mut fmt::Formatter<'_>, scheme: &str, params: &Params) -> fmt::Result {
    f.write_str(scheme)?;
    for (i, p) in params.iter().enumerate() {
        f.write_str(if i == 0 { " " } else { ", " })?;
        f.write_str(&p.name)?;
        if let Some(v) = &p.value {
            write!(f, "={v}")?;
        }
    }
    Ok(())
}

/// Sets a parameter, quoting the value unless it is a plain token and the
/// parameter is one RFC 2617 sends unquoted.
fn set_param(params: &mut Params, name: &str, value: &str, quoted: bool) {
    let wire = if quoted || value.is_empty() || !value.bytes().all(is_token) {
        let mut s = String::new();
        let _ = crate::message::scan::write_quoted(&mut s, value);
        s
    } else {
        value.to_owned()
    };
    params.set(name, Some(&wire));
}

macro_rules! accessors {
    ($($(#[$m:meta])* $fn:ident => $name:literal),* $(,)?) => {
        $( $(#[$m])* pub fn $fn(&self) -> Option<String> { self.params.get($name).and_then(Param::unquoted) } )*
    };
}

/// A challenge from WWW-Authenticate or Proxy-Authenticate.
///
/// ```
/// use openphone_sip::message::Challenge;
/// let c = Challenge::parse(r#"Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth", stale=FALSE, algorithm=MD5"#).unwrap();
/// assert_eq!(c.realm().as_deref(), Some("atlanta.com"));
/// assert!(!c.stale());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Challenge {
    /// Auth scheme (`Digest`).
    pub scheme: String,
    /// Parameters, wire form (quoted values keep quotes).
    pub params: Params,
}

impl Challenge {
    /// Parses a challenge.
    pub fn parse(s: &str) -> Result<Challenge, &'static str> {
        let (scheme, params) = parse_scheme_params(s)?;
        Ok(Challenge { scheme, params })
    }

    /// Whether the scheme is Digest.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    accessors! {
        /// `realm`.
        realm => "realm",
        /// `nonce`.
        nonce => "nonce",
        /// `opaque`.
        opaque => "opaque",
        /// `algorithm`.
        algorithm => "algorithm",
        /// `qop` options (comma-separated list).
        qop => "qop",
        /// `domain`.
        domain => "domain",
    }

    /// `stale=true` (case-insensitive).
    pub fn stale(&self) -> bool {
        self.params
            .value("stale")
            .is_some_and(|v| unquote(v).eq_ignore_ascii_case("true"))
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scheme_params(f, &self.scheme, &self.params)
    }
}

/// Credentials from Authorization or Proxy-Authorization.
///
/// ```
/// use openphone_sip::message::Credentials;
/// let mut c = Credentials::new("Digest");
/// c.set("username", "bob", true);
/// c.set("nc", "00000001", false);
/// assert_eq!(c.to_string(), r#"Digest username="bob", nc=00000001"#);
/// assert_eq!(c.username().as_deref(), Some("bob"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// Auth scheme (`Digest`).
    pub scheme: String,
    /// Parameters, wire form.
    pub params: Params,
}

impl Credentials {
    /// Empty credentials for `scheme`.
    pub fn new(scheme: &str) -> Self {
        Credentials {
            scheme: scheme.to_owned(),
            params: Params::new(),
        }
    }

    /// Parses credentials.
    pub fn parse(s: &str) -> Result<Credentials, &'static str> {
        let (scheme, params) = parse_scheme_params(s)?;
        Ok(Credentials { scheme, params })
    }

    /// Sets a parameter; `quoted` forces a quoted-string.
    pub fn set(&mut self, name: &str, value: &str, quoted: bool) {
        set_param(&mut self.params, name, value, quoted);
    }

    accessors! {
        /// `username`.
        username => "username",
        /// `realm`.
        realm => "realm",
        /// `nonce`.
        nonce => "nonce",
        /// `uri`.
        uri => "uri",
        /// `response`.
        response => "response",
        /// `algorithm`.
        algorithm => "algorithm",
        /// `cnonce`.
        cnonce => "cnonce",
        /// `opaque`.
        opaque => "opaque",
        /// `qop`.
        qop => "qop",
        /// `nc`.
        nc => "nc",
    }
}

impl Challenge {
    /// Sets a parameter; `quoted` forces a quoted-string.
    pub fn set(&mut self, name: &str, value: &str, quoted: bool) {
        set_param(&mut self.params, name, value, quoted);
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_scheme_params(f, &self.scheme, &self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_scheme() {
        let c = Credentials::parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert_eq!(c.scheme, "NoOneKnowsThisScheme");
        assert_eq!(c.params.value("opaque-data"), Some("here"));
    }

    #[test]
    fn digest_roundtrip() {
        let s = r#"Digest username="bob", realm="biloxi.com", nonce="dcd98b,7102dd2f0e8b1d0c600b", uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        let c = Credentials::parse(s).unwrap();
        assert_eq!(c.nonce().as_deref(), Some("dcd98b,7102dd2f0e8b1d0c600b"));
        assert_eq!(c.to_string(), s);
        assert!(Credentials::parse("Digest realm=").is_err());
        assert!(Credentials::parse("Digest realm=\"x").is_err());
    }
}

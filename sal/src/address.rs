//! Protocol-neutral party addresses (`sip:alice@example.com`, `tel:+1555…`, `h323:…`).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// A party: a URI with an optional display name.
///
/// The phone only looks at the scheme (to pick a stack); the stack parses the
/// rest with its own grammar.
///
/// ```
/// use openphone_sal::Address;
/// let a: Address = "\"Alice\" <sip:alice@127.0.0.1:5070>".parse().unwrap();
/// assert_eq!(a.scheme(), "sip");
/// assert_eq!(a.display_name(), Some("Alice"));
/// assert_eq!(a.uri(), "sip:alice@127.0.0.1:5070");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    display_name: Option<String>,
    uri: String,
}

impl Address {
    /// Builds an address from a bare URI, checking that it has a scheme.
    pub fn new(uri: impl Into<String>) -> Result<Self, Error> {
        let uri = uri.into();
        validate_scheme(&uri)?;
        Ok(Address {
            display_name: None,
            uri,
        })
    }

    /// Adds or replaces the display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// The URI text, e.g. `sip:alice@example.com`.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// The display name, if any.
    pub fn display_name(&self) -> Option<&str> {
        self.display_name.as_deref()
    }

    /// The URI scheme in lower case (`sip`, `sips`, `tel`, `h323`, …).
    pub fn scheme(&self) -> String {
        self.uri
            .split_once(':')
            .map(|(s, _)| s.to_ascii_lowercase())
            .unwrap_or_default()
    }
}

fn validate_scheme(uri: &str) -> Result<(), Error> {
    let Some((scheme, rest)) = uri.split_once(':') else {
        return Err(Error::InvalidAddress(format!("no scheme in {uri:?}")));
    };
    let ok = !scheme.is_empty()
        && scheme.as_bytes()[0].is_ascii_alphabetic()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && !rest.is_empty();
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidAddress(format!("bad URI {uri:?}")))
    }
}

impl FromStr for Address {
    type Err = Error;

    /// Accepts `uri`, `<uri>`, `Name <uri>` and `"Quoted Name" <uri>`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let s = s.trim();
        if let Some(lt) = s.find('<') {
            let gt = s[lt..]
                .find('>')
                .map(|i| i + lt)
                .ok_or_else(|| Error::InvalidAddress(format!("unclosed '<' in {s:?}")))?;
            let name = s[..lt].trim().trim_matches('"').trim();
            let mut addr = Address::new(&s[lt + 1..gt])?;
            if !name.is_empty() {
                addr.display_name = Some(name.to_string());
            }
            Ok(addr)
        } else {
            Address::new(s)
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.display_name {
            Some(n) => write!(f, "\"{n}\" <{}>", self.uri),
            None => write!(f, "<{}>", self.uri),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        assert_eq!(Address::from_str("sip:a@b").unwrap().uri(), "sip:a@b");
        assert_eq!(Address::from_str("<tel:+123>").unwrap().scheme(), "tel");
        let a = Address::from_str("Bob <SIP:bob@h>").unwrap();
        assert_eq!(a.display_name(), Some("Bob"));
        assert_eq!(a.scheme(), "sip");
        assert!(Address::from_str("nocolon").is_err());
        assert!(Address::from_str("<sip:a@b").is_err());
        assert!(Address::from_str("1x:foo").is_err());
    }
}

//! `name-addr` / `addr-spec` with header parameters (RFC 3261 §20.10,
//! §20.20, §20.39): the value of From, To, Contact, Route, Record-Route,
//! Refer-To.

use std::fmt;

use super::params::{parse_generic_params, Params};
use super::scan::{is_token, is_ws, write_quoted, Scanner};
use super::uri::Uri;

/// A display name, URI and header parameters.
///
/// ```
/// use openphone_sip::message::NameAddr;
/// let na = NameAddr::parse("\"Alice\" <sip:alice@example.com>;tag=1928301774").unwrap();
/// assert_eq!(na.display_name.as_deref(), Some("Alice"));
/// assert_eq!(na.tag(), Some("1928301774"));
/// assert_eq!(na.to_string(), "\"Alice\" <sip:alice@example.com>;tag=1928301774");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NameAddr {
    /// Display name, unquoted (escapes removed).
    pub display_name: Option<String>,
    /// The address.
    pub uri: Uri,
    /// Header parameters (`tag`, `expires`, `q`, ...), not URI parameters.
    pub params: Params,
}

impl NameAddr {
    /// A bare address without display name or parameters.
    pub fn new(uri: Uri) -> Self {
        NameAddr {
            display_name: None,
            uri,
            params: Params::new(),
        }
    }

    /// Parses a From/To/Contact-style value; `addr-spec` (no `<>`) allowed.
    pub fn parse(s: &str) -> Result<NameAddr, &'static str> {
        parse_name_addr(s, false)
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// Sets the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }

    /// The `expires` parameter (Contact), when a valid number.
    pub fn expires(&self) -> Option<u32> {
        self.params
            .value("expires")
            .and_then(super::scan::parse_u32)
    }

    /// The `q` parameter (Contact) in thousandths (`q=0.7` → 700).
    pub fn q(&self) -> Option<u16> {
        self.params.value("q").and_then(parse_qvalue)
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display_name {
            write_quoted(f, d)?;
            f.write_str(" ")?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in
/// thousandths.
pub(crate) fn parse_qvalue(s: &str) -> Option<u16> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut thousandths: u16 = 0;
    for (i, b) in frac.bytes().enumerate() {
        thousandths += u16::from(b - b'0') * [100, 10, 1].get(i).copied().unwrap_or(0);
    }
    match int {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// Parses `( name-addr / addr-spec ) *( SEMI param )`. With
/// `require_brackets` (Route, Record-Route) only `name-addr` is accepted.
pub(crate) fn parse_name_addr(s: &str, require_brackets: bool) -> Result<NameAddr, &'static str> {
    let mut sc = Scanner::new(s);
    sc.skip_ws();
    let mut display_name = None;
    let uri;
    match sc.peek() {
        Some(b'"') => {
            let (_, text) = sc
                .quoted()
                .ok_or("unterminated or invalid quoted display name")?;
            display_name = Some(text);
            sc.skip_ws();
            uri = bracketed_uri(&mut sc)?;
        }
        Some(b'<') => uri = bracketed_uri(&mut sc)?,
        _ => {
            // Either `*(token LWS) <uri>` or an addr-spec; look ahead over
            // tokens and see whether a '<' follows.
            let start = sc.pos();
            let mut end = start;
            let mut is_display = false;
            while sc.token().is_some() {
                end = sc.pos();
                sc.skip_ws();
                match sc.peek() {
                    Some(b'<') => {
                        is_display = true;
                        break;
                    }
                    Some(b) if is_token(b) => continue,
                    _ => break,
                }
            }
            if is_display {
                display_name = Some(sc.slice(start, end).to_owned());
                uri = bracketed_uri(&mut sc)?;
            } else {
                if require_brackets {
                    return Err("address must be enclosed in <>");
                }
                sc.set_pos(start);
                // In addr-spec form the URI ends at the first ';' or LWS;
                // what follows are header parameters (RFC 3261 §20.10), and
                // the URI may not contain ',', ';' or '?'.
                let text = sc.take_while(|b| b != b';' && !is_ws(b));
                if text.contains('?')
                    || text.contains(',')
                    || text.contains('<')
                    || text.contains('>')
                {
                    return Err("URI with headers or brackets must be enclosed in <>");
                }
                uri = Uri::parse(text).map_err(|_| "invalid URI")?;
            }
        }
    }
    let params = parse_generic_params(&mut sc)?;
    sc.skip_ws();
    if !sc.at_end() {
        return Err("unexpected characters after address");
    }
    for p in params.iter() {
        // What `Param::is` does for each of q/expires/tag, with one '%'
        // check per parameter.
        let name = if p.name.as_bytes().contains(&b'%') {
            super::scan::unescape(&p.name)
        } else {
            std::borrow::Cow::Borrowed(p.name.as_bytes())
        };
        let v = p.value.as_deref();
        let bad = match name.len() {
            1 if name.eq_ignore_ascii_case(b"q") => v
                .and_then(parse_qvalue)
                .is_none()
                .then_some("invalid q value"),
            7 if name.eq_ignore_ascii_case(b"expires") => v
                .and_then(super::scan::parse_u32)
                .is_none()
                .then_some("invalid expires parameter"),
            3 if name.eq_ignore_ascii_case(b"tag") => {
                (!v.is_some_and(|v| v.bytes().all(is_token))).then_some("invalid tag parameter")
            }
            _ => None,
        };
        if let Some(reason) = bad {
            return Err(reason);
        }
    }
    Ok(NameAddr {
        display_name,
        uri,
        params,
    })
}

/// `LAQUOT addr-spec RAQUOT` with no whitespace inside the brackets
/// (RFC 4475 §3.1.2.14).
fn bracketed_uri(sc: &mut Scanner<'_>) -> Result<Uri, &'static str> {
    if !sc.eat(b'<') {
        return Err("expected '<'");
    }
    let rest = sc.rest();
    let len = memchr::memchr2(b'>', b'<', rest.as_bytes()).unwrap_or(rest.len());
    let text = rest.get(..len).unwrap_or("");
    sc.set_pos(sc.pos() + len);
    if !sc.eat(b'>') {
        return Err("missing '>'");
    }
    if memchr::memchr2(b' ', b'\t', text.as_bytes()).is_some() {
        return Err("whitespace inside <>");
    }
    Uri::parse(text).map_err(|_| "invalid URI")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let a = NameAddr::parse("sip:+19725552222@gw1.example.net;unknownparam").unwrap();
        assert!(a.params.has("unknownparam"));
        assert!(a.uri.as_sip().unwrap().params.is_empty());
        let b = NameAddr::parse("<sip:+19725552222@gw1.example.net;unknownparam>").unwrap();
        assert!(b.params.is_empty());
        assert!(b.uri.as_sip().unwrap().params.has("unknownparam"));
        let c = NameAddr::parse("token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=x")
            .unwrap();
        assert_eq!(
            c.display_name.as_deref(),
            Some("token1~` token2'+_ token3*%!.-")
        );
        let d = NameAddr::parse("\"caller\"<sip:caller@example.com>;tag=323").unwrap();
        assert_eq!(d.display_name.as_deref(), Some("caller"));
    }

    #[test]
    fn rejects() {
        assert!(NameAddr::parse("\"Mr. J. User <sip:j.user@example.com>").is_err());
        assert!(NameAddr::parse("Bell, Alexander <sip:a@example.com>").is_err());
        assert!(NameAddr::parse("\"W\" < sip:t.watson@example.org >").is_err());
        assert!(NameAddr::parse("sip:user@example.com?Route=%3Csip:sip.example.com%3E").is_err());
        assert!(parse_name_addr("sip:a@b", true).is_err());
        assert!(NameAddr::parse("<sip:a@b>;q=2").is_err());
    }

    #[test]
    fn qvalues() {
        assert_eq!(parse_qvalue("0.33"), Some(330));
        assert_eq!(parse_qvalue("1"), Some(1000));
        assert_eq!(parse_qvalue("1.000"), Some(1000));
        assert_eq!(parse_qvalue("1.5"), None);
        assert_eq!(parse_qvalue("0.1234"), None);
    }
}

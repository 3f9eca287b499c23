//! Parsing of `WWW-Authenticate` / `Proxy-Authenticate` challenges (RFC 3261 §25.1
//! `challenge`, RFC 7616 §3.3) and rendering of `Authorization` credentials.
//!
//! This is a small, dedicated parser for the `auth-param` list: `token "=" (token /
//! quoted-string)` items separated by commas. It never panics and never allocates more
//! than the input length.

use super::digest::Algorithm;
use super::AuthError;

/// One `Digest` challenge from a 401/407 response.
///
/// ```
/// use openphone_sip::auth::Challenge;
/// let c = Challenge::parse(r#"Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth,auth-int", stale=TRUE"#).unwrap();
/// assert_eq!(c.realm, "atlanta.com");
/// assert!(c.stale);
/// assert!(c.qop_auth());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Protection realm.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Opaque value to echo back.
    pub opaque: Option<String>,
    /// Hash algorithm (MD5 when absent).
    pub algorithm: Algorithm,
    /// Offered quality-of-protection values, lower case (`auth`, `auth-int`).
    pub qop: Vec<String>,
    /// The previous nonce was merely stale: retry with the new one without asking the user.
    pub stale: bool,
    /// `userhash=true` was requested (RFC 7616 §3.4.4); we do not hash user names, which
    /// the RFC permits (the server then falls back to the plain name).
    pub userhash: bool,
}

impl Challenge {
    /// Parses a header value such as `Digest realm="x", nonce="y"`.
    ///
    /// Returns [`AuthError::UnsupportedScheme`] for non-Digest schemes and
    /// [`AuthError::UnsupportedAlgorithm`] for algorithms we cannot compute.
    pub fn parse(value: &str) -> Result<Challenge, AuthError> {
        let value = value.trim();
        let (scheme, rest) = match value.find(|c: char| c.is_ascii_whitespace()) {
            Some(i) => (&value[..i], &value[i..]),
            None => (value, ""),
        };
        if !scheme.eq_ignore_ascii_case("digest") {
            return Err(AuthError::UnsupportedScheme(scheme.to_string()));
        }
        let params = parse_auth_params(rest)?;
        let mut realm = None;
        let mut nonce = None;
        let mut opaque = None;
        let mut algorithm = Algorithm::Md5;
        let mut qop = Vec::new();
        let mut stale = false;
        let mut userhash = false;
        for (name, val) in params {
            match name.to_ascii_lowercase().as_str() {
                "realm" => realm = Some(val),
                "nonce" => nonce = Some(val),
                "opaque" => opaque = Some(val),
                "algorithm" => {
                    algorithm = Algorithm::from_name(&val)
                        .ok_or_else(|| AuthError::UnsupportedAlgorithm(val.clone()))?
                }
                "qop" => {
                    qop = val
                        .split(',')
                        .map(|q| q.trim().to_ascii_lowercase())
                        .filter(|q| !q.is_empty())
                        .collect()
                }
                "stale" => stale = val.eq_ignore_ascii_case("true"),
                "userhash" => userhash = val.eq_ignore_ascii_case("true"),
                _ => {} // domain and extensions: not needed by a UAC
            }
        }
        Ok(Challenge {
            realm: realm.ok_or(AuthError::MissingParam("realm"))?,
            nonce: nonce.ok_or(AuthError::MissingParam("nonce"))?,
            opaque,
            algorithm,
            qop,
            stale,
            userhash,
        })
    }

    /// Whether `qop=auth` was offered.
    pub fn qop_auth(&self) -> bool {
        self.qop.iter().any(|q| q == "auth")
    }

    /// Whether `qop=auth-int` was offered.
    pub fn qop_auth_int(&self) -> bool {
        self.qop.iter().any(|q| q == "auth-int")
    }
}

/// Splits `a=b, c="d,e"` into name/value pairs, unquoting quoted strings.
pub(crate) fn parse_auth_params(s: &str) -> Result<Vec<(String, String)>, AuthError> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\t' | b'\r' | b'\n') {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        while i < b.len() && b[i] == b',' {
            i += 1;
            skip_ws(&mut i);
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && is_token_char(b[i]) {
            i += 1;
        }
        if i == start {
            return Err(AuthError::Malformed("expected parameter name"));
        }
        let name = &s[start..i];
        skip_ws(&mut i);
        if i >= b.len() || b[i] != b'=' {
            return Err(AuthError::Malformed("expected '=' after parameter name"));
        }
        i += 1;
        skip_ws(&mut i);
        let value = if i < b.len() && b[i] == b'"' {
            i += 1;
            let mut v = String::new();
            let mut closed = false;
            while i < b.len() {
                match b[i] {
                    b'"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    b'\\' if i + 1 < b.len() => {
                        // quoted-pair: keep the escaped octet (ASCII only, so char-safe)
                        if b[i + 1].is_ascii() {
                            v.push(b[i + 1] as char);
                            i += 2;
                        } else {
                            return Err(AuthError::Malformed("non-ASCII quoted-pair"));
                        }
                    }
                    _ => {
                        // copy one UTF-8 character
                        let ch = s[i..]
                            .chars()
                            .next()
                            .ok_or(AuthError::Malformed("bad text"))?;
                        v.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            if !closed {
                return Err(AuthError::Malformed("unterminated quoted string"));
            }
            v
        } else {
            let vs = i;
            while i < b.len() && is_token_char(b[i]) {
                i += 1;
            }
            if i == vs {
                return Err(AuthError::Malformed("empty parameter value"));
            }
            s[vs..i].to_string()
        };
        out.push((name.to_string(), value));
        skip_ws(&mut i);
        if i < b.len() && b[i] != b',' {
            return Err(AuthError::Malformed("expected ',' between parameters"));
        }
    }
    Ok(out)
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~' | b'/' | b':'
        )
}

/// Quotes a string for a header parameter (escapes `"` and `\`).
pub(crate) fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            o.push('\\');
        }
        o.push(c);
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc7616_challenge() {
        let v = r#"Digest
       realm="http-auth@example.org",
       qop="auth, auth-int",
       algorithm=SHA-256,
       nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
       opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#;
        let c = Challenge::parse(v).unwrap();
        assert_eq!(c.realm, "http-auth@example.org");
        assert_eq!(c.algorithm, Algorithm::Sha256);
        assert_eq!(c.qop, vec!["auth", "auth-int"]);
        assert!(!c.stale);
        assert_eq!(
            c.opaque.as_deref(),
            Some("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
        );
    }

    #[test]
    fn rejects_other_schemes_and_garbage() {
        assert!(matches!(
            Challenge::parse("Basic realm=\"x\""),
            Err(AuthError::UnsupportedScheme(_))
        ));
        assert!(Challenge::parse("Digest realm=\"x").is_err());
        assert!(Challenge::parse("Digest realm=").is_err());
        assert!(Challenge::parse("Digest nonce=\"n\"").is_err());
        assert!(matches!(
            Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1"),
            Err(AuthError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn quoted_pairs_and_quote_roundtrip() {
        let p = parse_auth_params(r#"a="x\"y", b=tok"#).unwrap();
        assert_eq!(p[0].1, "x\"y");
        assert_eq!(p[1].1, "tok");
        assert_eq!(quote("x\"y"), r#""x\"y""#);
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = Challenge::parse(&s);
            let _ = Challenge::parse(&format!("Digest {s}"));
        }
    }
}

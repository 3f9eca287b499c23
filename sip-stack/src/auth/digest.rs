//! Digest response computation (RFC 2617 §3.2.2, RFC 7616 §3.4.1, RFC 8760 §2).
//!
//! The hash functions come from the `md-5` and `sha2` crates; the digest construction
//! (A1/A2, `-sess`, qop) is written here from the RFCs.

use md5::{Digest as _, Md5};
use sha2::{Sha256, Sha512_256};

/// Digest hash algorithm (`algorithm=` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// `MD5` (RFC 2617; the default when the parameter is absent).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256` (RFC 7616, RFC 8760).
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
    /// `SHA-512-256` (RFC 7616, RFC 8760).
    Sha512_256,
    /// `SHA-512-256-sess`.
    Sha512_256Sess,
}

impl Algorithm {
    /// Parses the parameter value, case-insensitively.
    pub fn from_name(s: &str) -> Option<Algorithm> {
        let s = s.trim();
        let a = if s.eq_ignore_ascii_case("MD5") {
            Algorithm::Md5
        } else if s.eq_ignore_ascii_case("MD5-sess") {
            Algorithm::Md5Sess
        } else if s.eq_ignore_ascii_case("SHA-256") {
            Algorithm::Sha256
        } else if s.eq_ignore_ascii_case("SHA-256-sess") {
            Algorithm::Sha256Sess
        } else if s.eq_ignore_ascii_case("SHA-512-256") {
            Algorithm::Sha512_256
        } else if s.eq_ignore_ascii_case("SHA-512-256-sess") {
            Algorithm::Sha512_256Sess
        } else {
            return None;
        };
        Some(a)
    }

    /// The parameter value as sent.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
        }
    }

    /// Whether this is a `-sess` variant (A1 includes nonce and cnonce).
    pub fn is_sess(self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// Preference when a response carries several challenges: stronger first.
    pub fn strength(self) -> u8 {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => 1,
            Algorithm::Sha256 | Algorithm::Sha256Sess => 2,
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => 3,
        }
    }

    /// `H(data)` as lower-case hex.
    pub fn hash_hex(self, data: &[u8]) -> String {
        match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex(&Md5::digest(data)),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex(&Sha256::digest(data)),
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => hex(&Sha512_256::digest(data)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Everything that goes into one digest `response` value.
#[derive(Debug, Clone)]
pub struct DigestInput<'a> {
    /// Algorithm.
    pub algorithm: Algorithm,
    /// User name.
    pub username: &'a str,
    /// Password.
    pub password: &'a str,
    /// Realm from the challenge.
    pub realm: &'a str,
    /// Nonce from the challenge.
    pub nonce: &'a str,
    /// Request method (`REGISTER`, `INVITE`, …).
    pub method: &'a str,
    /// `digest-uri` (the Request-URI as sent).
    pub uri: &'a str,
    /// `qop` chosen (`auth`, `auth-int`) or `None` for RFC 2069 compatibility.
    pub qop: Option<&'a str>,
    /// Nonce count (printed as 8 hex digits).
    pub nc: u32,
    /// Client nonce (needed with qop or `-sess`).
    pub cnonce: &'a str,
    /// Message body, for `auth-int`.
    pub body: &'a [u8],
}

impl DigestInput<'_> {
    /// The `response` value (RFC 7616 §3.4.1).
    ///
    /// ```
    /// use openphone_sip::auth::{Algorithm, DigestInput};
    /// // RFC 2617 §3.5
    /// let r = DigestInput {
    ///     algorithm: Algorithm::Md5, username: "Mufasa", password: "Circle Of Life",
    ///     realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
    ///     method: "GET", uri: "/dir/index.html", qop: Some("auth"), nc: 1,
    ///     cnonce: "0a4f113b", body: b"",
    /// }.response();
    /// assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    /// ```
    pub fn response(&self) -> String {
        let h = |s: &str| self.algorithm.hash_hex(s.as_bytes());
        let mut ha1 = h(&format!(
            "{}:{}:{}",
            self.username, self.realm, self.password
        ));
        if self.algorithm.is_sess() {
            ha1 = h(&format!("{ha1}:{}:{}", self.nonce, self.cnonce));
        }
        let ha2 = if self.qop == Some("auth-int") {
            let body_hash = self.algorithm.hash_hex(self.body);
            h(&format!("{}:{}:{body_hash}", self.method, self.uri))
        } else {
            h(&format!("{}:{}", self.method, self.uri))
        };
        match self.qop {
            Some(qop) => h(&format!(
                "{ha1}:{}:{:08x}:{}:{qop}:{ha2}",
                self.nonce, self.nc, self.cnonce
            )),
            None => h(&format!("{ha1}:{}:{ha2}", self.nonce)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rfc7616(algorithm: Algorithm) -> String {
        // RFC 7616 §3.9.1: Mufasa / "Circle of Life", GET /dir/index.html
        DigestInput {
            algorithm,
            username: "Mufasa",
            password: "Circle of Life",
            realm: "http-auth@example.org",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            method: "GET",
            uri: "/dir/index.html",
            qop: Some("auth"),
            nc: 1,
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            body: b"",
        }
        .response()
    }

    #[test]
    fn rfc7616_md5_vector() {
        assert_eq!(rfc7616(Algorithm::Md5), "8ca523f5e9506fed4657c9700eebdbec");
    }

    #[test]
    fn rfc7616_sha256_vector() {
        assert_eq!(
            rfc7616(Algorithm::Sha256),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc2617_vector() {
        let r = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            password: "Circle Of Life",
            realm: "testrealm@host.com",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            method: "GET",
            uri: "/dir/index.html",
            qop: Some("auth"),
            nc: 1,
            cnonce: "0a4f113b",
            body: b"",
        }
        .response();
        assert_eq!(r, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn hash_primitives_match_known_values() {
        // FIPS 180-4 / RFC 1321 "abc" digests.
        assert_eq!(
            Algorithm::Md5.hash_hex(b"abc"),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            Algorithm::Sha512_256.hash_hex(b"abc"),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
    }

    #[test]
    fn names_roundtrip() {
        for a in [
            Algorithm::Md5,
            Algorithm::Md5Sess,
            Algorithm::Sha256,
            Algorithm::Sha256Sess,
            Algorithm::Sha512_256,
            Algorithm::Sha512_256Sess,
        ] {
            assert_eq!(Algorithm::from_name(a.name()), Some(a));
        }
        assert_eq!(Algorithm::from_name("md5"), Some(Algorithm::Md5));
        assert_eq!(Algorithm::from_name("SHA-1"), None);
    }
}

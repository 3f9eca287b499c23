//! Digest authentication as a UAC (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760).
//!
//! [`DigestClient`] remembers the challenges of one account or call, answers them
//! (`Authorization` / `Proxy-Authorization`), counts nonces, and refuses to loop: a
//! second challenge for a realm whose nonce we already answered, without `stale=true`,
//! means the credentials were rejected.
//!
//! As a UAS this stack never challenges (it has no user database); requests carrying
//! `Authorization` are accepted as if it were absent.

mod challenge;
mod digest;

pub use challenge::Challenge;
pub use digest::{Algorithm, DigestInput};

pub(crate) use challenge::quote;

/// Why a challenge could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Not a `Digest` challenge.
    #[error("unsupported authentication scheme {0:?}")]
    UnsupportedScheme(String),
    /// An algorithm we cannot compute.
    #[error("unsupported digest algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// A required parameter is missing.
    #[error("challenge lacks {0}")]
    MissingParam(&'static str),
    /// The header value is not a valid parameter list.
    #[error("malformed challenge: {0}")]
    Malformed(&'static str),
    /// The server challenged again although we answered with these credentials.
    #[error("credentials rejected for realm {0:?}")]
    Rejected(String),
    /// No credentials are configured.
    #[error("no credentials configured")]
    NoCredentials,
    /// Only `qop` values we do not support were offered.
    #[error("no supported qop offered")]
    UnsupportedQop,
}

/// User name and password for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Authentication user name.
    pub username: String,
    /// Password.
    pub password: String,
}

#[derive(Debug, Clone)]
struct Cached {
    challenge: Challenge,
    /// From `Proxy-Authenticate` (answer with `Proxy-Authorization`).
    proxy: bool,
    /// Last nonce count used with this nonce.
    nc: u32,
    /// We have sent credentials computed from this nonce.
    answered: bool,
}

/// Challenge memory and response generator for one account (or one call without account).
///
/// ```
/// use openphone_sip::auth::{Credentials, DigestClient};
/// let mut c = DigestClient::new(Credentials { username: "alice".into(), password: "pw".into() });
/// c.on_challenge(&[r#"Digest realm="r", nonce="n1", qop="auth""#], &[]).unwrap();
/// let headers = c.authorize("REGISTER", "sip:example.com", b"", "cnonce1");
/// assert_eq!(headers.len(), 1);
/// assert_eq!(headers[0].0, "Authorization");
/// // The same nonce challenged again without stale=true: the password is wrong.
/// assert!(c.on_challenge(&[r#"Digest realm="r", nonce="n1", qop="auth""#], &[]).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct DigestClient {
    credentials: Credentials,
    cache: Vec<Cached>,
}

impl DigestClient {
    /// A client with no challenge remembered yet.
    pub fn new(credentials: Credentials) -> Self {
        DigestClient {
            credentials,
            cache: Vec::new(),
        }
    }

    /// Records the challenges of a 401 (`www`) or 407 (`proxy`) response.
    ///
    /// Returns `Ok(())` when the request should be re-sent with [`authorize`](Self::authorize),
    /// or an error when it must fail (credentials rejected, nothing we can answer).
    pub fn on_challenge(&mut self, www: &[&str], proxy: &[&str]) -> Result<(), AuthError> {
        let mut usable: Vec<(Challenge, bool)> = Vec::new();
        let mut last_err = AuthError::MissingParam("challenge");
        for (values, is_proxy) in [(www, false), (proxy, true)] {
            for v in values {
                match Challenge::parse(v) {
                    Ok(c) if !c.qop.is_empty() && !c.qop_auth() && !c.qop_auth_int() => {
                        last_err = AuthError::UnsupportedQop
                    }
                    Ok(c) => usable.push((c, is_proxy)),
                    Err(e) => last_err = e,
                }
            }
        }
        if usable.is_empty() {
            return Err(last_err);
        }
        // One challenge per realm: the strongest algorithm offered (RFC 8760 §2.4).
        let mut chosen: Vec<(Challenge, bool)> = Vec::new();
        for (c, p) in usable {
            match chosen.iter_mut().find(|(x, _)| x.realm == c.realm) {
                Some(slot) if c.algorithm.strength() > slot.0.algorithm.strength() => {
                    *slot = (c, p)
                }
                Some(_) => {}
                None => chosen.push((c, p)),
            }
        }
        for (c, proxy) in chosen {
            if let Some(old) = self.cache.iter_mut().find(|x| x.challenge.realm == c.realm) {
                if old.answered && !c.stale && old.challenge.nonce == c.nonce {
                    return Err(AuthError::Rejected(c.realm));
                }
                if old.answered && !c.stale && old.nc > 0 && old.challenge.nonce != c.nonce {
                    // A fresh nonce right after a fresh answer (nc == 1) is also a rejection;
                    // a fresh nonce after reusing an old one (nc > 1) just means it expired.
                    if old.nc == 1 {
                        return Err(AuthError::Rejected(c.realm));
                    }
                }
                *old = Cached {
                    challenge: c,
                    proxy,
                    nc: 0,
                    answered: false,
                };
            } else {
                self.cache.push(Cached {
                    challenge: c,
                    proxy,
                    nc: 0,
                    answered: false,
                });
            }
        }
        Ok(())
    }

    /// Whether any challenge is remembered (so requests can carry credentials up front).
    pub fn has_challenges(&self) -> bool {
        !self.cache.is_empty()
    }

    /// Header fields (`Authorization` / `Proxy-Authorization`, value) answering every
    /// remembered challenge for a request. `cnonce` should be fresh random text.
    pub fn authorize(
        &mut self,
        method: &str,
        uri: &str,
        body: &[u8],
        cnonce: &str,
    ) -> Vec<(&'static str, String)> {
        let creds = &self.credentials;
        let mut out = Vec::new();
        for entry in &mut self.cache {
            entry.nc = entry.nc.saturating_add(1);
            entry.answered = true;
            let c = &entry.challenge;
            let qop = if c.qop_auth() {
                Some("auth")
            } else if c.qop_auth_int() {
                Some("auth-int")
            } else {
                None
            };
            let response = DigestInput {
                algorithm: c.algorithm,
                username: &creds.username,
                password: &creds.password,
                realm: &c.realm,
                nonce: &c.nonce,
                method,
                uri,
                qop,
                nc: entry.nc,
                cnonce,
                body,
            }
            .response();
            let mut v = format!(
                "Digest username={}, realm={}, nonce={}, uri={}, response={}, algorithm={}",
                quote(&creds.username),
                quote(&c.realm),
                quote(&c.nonce),
                quote(uri),
                quote(&response),
                c.algorithm.name()
            );
            if let Some(q) = qop {
                v.push_str(&format!(
                    ", qop={q}, nc={:08x}, cnonce={}",
                    entry.nc,
                    quote(cnonce)
                ));
            } else if c.algorithm.is_sess() {
                v.push_str(&format!(", cnonce={}", quote(cnonce)));
            }
            if let Some(o) = &c.opaque {
                v.push_str(&format!(", opaque={}", quote(o)));
            }
            let name = if entry.proxy {
                "Proxy-Authorization"
            } else {
                "Authorization"
            };
            out.push((name, v));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> DigestClient {
        DigestClient::new(Credentials {
            username: "Mufasa".into(),
            password: "Circle of Life".into(),
        })
    }

    #[test]
    fn answers_rfc7616_challenge_with_matching_response() {
        let mut c = client();
        c.on_challenge(
            &[
                r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
                r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
            ],
            &[],
        )
        .unwrap();
        let h = c.authorize(
            "GET",
            "/dir/index.html",
            b"",
            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
        );
        assert_eq!(h.len(), 1, "one answer per realm, strongest algorithm");
        assert!(h[0].1.contains(
            r#"response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1""#
        ));
        assert!(h[0].1.contains("algorithm=SHA-256"));
        assert!(h[0].1.contains("nc=00000001"));
        assert!(h[0]
            .1
            .contains(r#"opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#));
    }

    #[test]
    fn stale_retries_and_counts() {
        let mut c = client();
        c.on_challenge(&[], &[r#"Digest realm="p", nonce="a", qop="auth""#])
            .unwrap();
        let h = c.authorize("INVITE", "sip:b@x", b"", "c");
        assert_eq!(h[0].0, "Proxy-Authorization");
        let h = c.authorize("INVITE", "sip:b@x", b"", "c");
        assert!(h[0].1.contains("nc=00000002"));
        // stale: accept the new nonce
        c.on_challenge(
            &[],
            &[r#"Digest realm="p", nonce="b", qop="auth", stale=true"#],
        )
        .unwrap();
        let h = c.authorize("INVITE", "sip:b@x", b"", "c");
        assert!(h[0].1.contains("nc=00000001"));
        // same nonce again, not stale: rejected
        assert!(matches!(
            c.on_challenge(&[], &[r#"Digest realm="p", nonce="b", qop="auth""#]),
            Err(AuthError::Rejected(_))
        ));
    }

    #[test]
    fn fresh_nonce_after_fresh_answer_is_rejection() {
        let mut c = client();
        c.on_challenge(&[r#"Digest realm="r", nonce="a""#], &[])
            .unwrap();
        let h = c.authorize("REGISTER", "sip:x", b"", "c");
        assert!(!h[0].1.contains("qop="), "legacy RFC 2069 mode without qop");
        assert!(c
            .on_challenge(&[r#"Digest realm="r", nonce="z""#], &[])
            .is_err());
    }

    #[test]
    fn expired_reused_nonce_is_retried() {
        let mut c = client();
        c.on_challenge(&[r#"Digest realm="r", nonce="a", qop="auth""#], &[])
            .unwrap();
        c.authorize("REGISTER", "sip:x", b"", "c");
        c.authorize("REGISTER", "sip:x", b"", "c"); // a refresh reusing the nonce
        c.on_challenge(&[r#"Digest realm="r", nonce="new", qop="auth""#], &[])
            .unwrap();
    }

    #[test]
    fn unusable_challenges_error() {
        let mut c = client();
        assert!(c.on_challenge(&["Basic realm=\"x\""], &[]).is_err());
        assert_eq!(
            c.on_challenge(&[r#"Digest realm="r", nonce="a", qop="weird""#], &[]),
            Err(AuthError::UnsupportedQop)
        );
        assert!(c.on_challenge(&[], &[]).is_err());
    }
}

//! SDES key lines (RFC 4568 `a=crypto`) to master keys, and fresh lines to offer.
//!
//! Only what can be honoured is accepted: one inline key without MKI, no
//! key-derivation rate, and none of the session parameters that would turn
//! encryption or authentication off (`UNENCRYPTED_SRTP`, `UNENCRYPTED_SRTCP`,
//! `UNAUTHENTICATED_SRTP`): a line asking for those is refused, never
//! half-applied. The key lifetime is not enforced (a call would need
//! 2^31 packets, about 15 months at 50 packets/s, to reach the default).

use openphone_sal::SdesCrypto;

use super::{base64, MasterKey, SrtpError, SrtpSuite};

/// The smallest replay window (RFC 3711 §3.3.2 asks for at least 64).
pub(crate) const MIN_REPLAY_WINDOW: usize = 64;
/// The largest replay window we honour from a `WSH=` hint.
const MAX_REPLAY_WINDOW: usize = 1024;

/// One side's parsed crypto line.
#[derive(Clone, PartialEq, Eq)]
pub struct SdesKey {
    /// The master key and salt.
    pub key: MasterKey,
    /// The replay window the line asks for (`WSH=`, RFC 4568 §6.3.7), at least 64.
    pub replay_window: usize,
}

impl std::fmt::Debug for SdesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdesKey")
            .field("suite", &self.key.suite())
            .field("replay_window", &self.replay_window)
            .finish_non_exhaustive()
    }
}

impl SdesKey {
    /// Parses `crypto` (suite, `inline:` key parameters, session parameters).
    pub fn parse(crypto: &SdesCrypto) -> Result<Self, SrtpError> {
        let suite = SrtpSuite::from_name(&crypto.suite)
            .ok_or_else(|| SrtpError::Unsupported(format!("crypto suite {}", crypto.suite)))?;
        let mut replay_window = MIN_REPLAY_WINDOW;
        for p in &crypto.session_params {
            let (name, value) = p.split_once('=').unwrap_or((p.as_str(), ""));
            match name {
                "WSH" => {
                    let n: usize = value
                        .parse()
                        .map_err(|_| SrtpError::Keys(format!("bad window size hint {p}")))?;
                    replay_window = n.clamp(MIN_REPLAY_WINDOW, MAX_REPLAY_WINDOW);
                }
                // Only meaningful with FEC, which we do not send.
                "FEC_ORDER" => {}
                _ => {
                    return Err(SrtpError::Unsupported(format!("session parameter {p}")));
                }
            }
        }
        let params = crypto.key_params.trim();
        if params.contains(';') {
            return Err(SrtpError::Unsupported("more than one key (MKI)".into()));
        }
        let inline = params
            .strip_prefix("inline:")
            .ok_or_else(|| SrtpError::Keys("key method is not inline".into()))?;
        let mut parts = inline.split('|');
        let material = parts.next().unwrap_or_default();
        for extra in parts {
            // `|2^31` or `|1048576` is a lifetime; `|1:4` is an MKI.
            if extra.contains(':') {
                return Err(SrtpError::Unsupported("MKI".into()));
            }
            if !is_lifetime(extra) {
                return Err(SrtpError::Keys(format!("bad key lifetime {extra}")));
            }
        }
        let bytes = base64::decode(material)
            .map(rtc_srtp::crypto::SecretVec::new)
            .ok_or_else(|| SrtpError::Keys("key is not valid base64".into()))?;
        let key = MasterKey::from_concatenated(suite, bytes.as_ref())?;
        Ok(SdesKey { key, replay_window })
    }
}

fn is_lifetime(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.len() <= 20 && t.bytes().all(|b| b.is_ascii_digit());
    match s.strip_prefix("2^") {
        Some(exp) => digits(exp),
        None => digits(s),
    }
}

/// A crypto line for `suite` with a fresh random key, to offer or answer with.
pub fn new_crypto(tag: u32, suite: SrtpSuite) -> Result<SdesCrypto, SrtpError> {
    let key = MasterKey::random(suite)?;
    Ok(SdesCrypto::new(
        tag,
        suite.name(),
        format!("inline:{}", base64::encode(key.concatenated())),
    ))
}

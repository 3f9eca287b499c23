//! A call's media security on the engine side: the account's policy, our
//! SDES keys to offer or our ZRTP endpoint (whose Hello hash we offer), and
//! the check that a required policy never starts clear media.
//!
//! With ZRTP the keys come later, in the media path: the media task
//! publishes the state it reaches ([`CallSecurity::shared`]).

use std::sync::{Arc, Mutex};

use openphone_sal::{
    KeyExchange, MediaEncryption, MediaError, NegotiatedMedia, RtpProfile, SdesCrypto, SecureMedia,
    SecurityPolicy, SecurityState, StreamDescription,
};

use super::zrtp_cache::ZrtpCache;
use crate::srtp::{new_crypto, SrtpSuite};
use crate::zrtp::{ZrtpConfig, ZrtpSession};

/// Policy, keys and the last state of one call.
#[derive(Debug, Default)]
pub(super) struct CallSecurity {
    policy: SecurityPolicy,
    /// Our key lines, one per suite; fixed for the call so a re-offer
    /// (hold, codec change) keeps the same sending key.
    crypto: Vec<SdesCrypto>,
    /// Our ZRTP endpoint until media starts (then the session's), and its
    /// Hello hash, offered in every description of the call.
    zrtp: Option<Box<ZrtpSession>>,
    zrtp_hash: Option<String>,
    state: SecurityState,
    /// With ZRTP, the state the media task reached.
    shared: Arc<Mutex<SecurityState>>,
}

impl CallSecurity {
    /// Takes the account's policy; SDES draws our keys now, ZRTP creates
    /// our endpoint (its Hello hash goes in the description).
    pub fn set_policy(
        &mut self,
        policy: SecurityPolicy,
        cache: &ZrtpCache,
    ) -> Result<(), MediaError> {
        self.zrtp = None;
        self.zrtp_hash = None;
        if policy.method == MediaEncryption::Zrtp {
            // The SSRC is set when media starts (it is drawn then).
            let cfg = ZrtpConfig::new(cache.zid(), 0);
            let z = ZrtpSession::new(cfg, Box::new(cache.clone()));
            self.zrtp_hash = Some(z.hello_hash());
            self.zrtp = Some(Box::new(z));
        }
        let crypto = match policy.method {
            MediaEncryption::None => Vec::new(),
            // Every suite we can run, the common 80-bit tag first (the
            // answerer follows the offer's order, RFC 4568 §7.1).
            MediaEncryption::Sdes => (1..)
                .zip(SrtpSuite::ALL)
                .map(|(tag, suite)| new_crypto(tag, suite))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| MediaError::Security(e.to_string()))?,
            MediaEncryption::Zrtp => Vec::new(),
            _ => return Err(MediaError::Unsupported("this media encryption method")),
        };
        self.policy = policy;
        self.crypto = crypto;
        Ok(())
    }

    /// Adds our keys to `audio`: RTP/SAVP when encryption is required (a
    /// peer without SRTP refuses it), else the best-effort RTP/AVP form.
    pub fn describe(&self, audio: &mut StreamDescription) {
        // ZRTP runs on RTP/AVP whatever the policy (RFC 6189 §8.1).
        audio.security.zrtp_hash.clone_from(&self.zrtp_hash);
        if self.crypto.is_empty() {
            return;
        }
        audio.security.crypto = self.crypto.clone();
        if self.policy.required {
            audio.profile = RtpProfile::Savp;
        }
    }

    /// Refuses media a required policy forbids: no agreed keys means no
    /// packet at all.
    pub fn check(&self, negotiated: &NegotiatedMedia) -> Result<(), MediaError> {
        let keyed = negotiated.audio().is_some_and(|s| s.sdes.is_some());
        // ZRTP keys come in the media path; until then the session sends
        // nothing when required.
        let zrtp = self.policy.method == MediaEncryption::Zrtp;
        if self.policy.required && !keyed && !zrtp {
            return Err(MediaError::Security(format!(
                "{} encryption is required and the peer agreed no SRTP keys",
                self.policy.method
            )));
        }
        Ok(())
    }

    /// Follows an applied plan's SRTP suite (as the session's own
    /// `Secure` does): renegotiating without keys keeps the old keys.
    pub fn applied(&mut self, suite: Option<&'static str>) {
        if self.policy.method == MediaEncryption::Zrtp {
            return;
        }
        self.state = match suite {
            Some(s) => SecurityState::Secure(SecureMedia::new(KeyExchange::Sdes, s)),
            None if matches!(self.state, SecurityState::Secure(_)) => SecurityState::Failed(
                "the peer renegotiated without encryption; media stays encrypted with the previous keys"
                    .into(),
            ),
            None => SecurityState::Clear,
        };
    }

    pub fn state(&self) -> SecurityState {
        if self.policy.method == MediaEncryption::Zrtp {
            return self
                .shared
                .lock()
                .map(|s| s.clone())
                .unwrap_or_else(|_| SecurityState::Failed("security state lost".into()));
        }
        self.state.clone()
    }

    /// The ZRTP endpoint for the media session (once, when media starts)
    /// and whether encryption is required.
    pub fn take_zrtp(&mut self) -> Option<(Box<ZrtpSession>, bool)> {
        Some((self.zrtp.take()?, self.policy.required))
    }

    /// Whether this call runs ZRTP.
    pub fn is_zrtp(&self) -> bool {
        self.policy.method == MediaEncryption::Zrtp
    }

    /// Where the media task publishes the ZRTP state.
    pub fn shared(&self) -> Arc<Mutex<SecurityState>> {
        self.shared.clone()
    }
}

//! A call's media security on the engine side: the account's policy, our
//! SDES keys to offer, and the check that a required policy never starts
//! clear media.

use openphone_sal::{
    KeyExchange, MediaEncryption, MediaError, NegotiatedMedia, RtpProfile, SdesCrypto, SecureMedia,
    SecurityPolicy, SecurityState, StreamDescription,
};

use crate::srtp::{new_crypto, SrtpSuite};

/// Policy, keys and the last state of one call.
#[derive(Debug, Default)]
pub(super) struct CallSecurity {
    policy: SecurityPolicy,
    /// Our key lines, one per suite; fixed for the call so a re-offer
    /// (hold, codec change) keeps the same sending key.
    crypto: Vec<SdesCrypto>,
    state: SecurityState,
}

impl CallSecurity {
    /// Takes the account's policy; SDES draws our keys now.
    pub fn set_policy(&mut self, policy: SecurityPolicy) -> Result<(), MediaError> {
        let crypto = match policy.method {
            MediaEncryption::None => Vec::new(),
            // Every suite we can run, the common 80-bit tag first (the
            // answerer follows the offer's order, RFC 4568 §7.1).
            MediaEncryption::Sdes => (1..)
                .zip(SrtpSuite::ALL)
                .map(|(tag, suite)| new_crypto(tag, suite))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| MediaError::Security(e.to_string()))?,
            _ => return Err(MediaError::Unsupported("this media encryption method")),
        };
        self.policy = policy;
        self.crypto = crypto;
        Ok(())
    }

    /// Adds our keys to `audio`: RTP/SAVP when encryption is required (a
    /// peer without SRTP refuses it), else the best-effort RTP/AVP form.
    pub fn describe(&self, audio: &mut StreamDescription) {
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
        if self.policy.required && !keyed {
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
        self.state.clone()
    }
}

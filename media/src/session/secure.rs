//! The session's SRTP step: every packet we send is protected before it
//! enters the send ring, every one received is unprotected before anything
//! else looks at it.
//!
//! **No clear fallback.** Once keys were agreed the session never sends a
//! clear packet again: a packet that cannot be protected is dropped
//! (counted), and a later negotiation without keys keeps the old keys in
//! force and reports [`SecurityState::Failed`] instead of going clear. A
//! negotiation with the same keys keeps the contexts (rollover counters and
//! replay windows run on), per direction; a new key replaces its
//! direction's context (re-keying).
//!
//! **ZRTP** keys come from the media path instead ([`Secure::apply_zrtp`]);
//! while the exchange runs, a required policy ([`Secure::forbid_clear`])
//! lets no clear packet out and none in, and once keyed, negotiations
//! (which carry no keys with ZRTP) leave the ZRTP keys in force.

use openphone_sal::{KeyExchange, MediaError, SdesCrypto, SdesKeys, SecureMedia, SecurityState};

use crate::srtp::{SrtpContext, SrtpError};
use crate::zrtp::{CacheStatus, SecureInfo};

/// Keys agreed for a plan, with their contexts built (the fallible,
/// allocating part, done with the rest of the plan).
pub(super) struct SrtpPlan {
    keys: SdesKeys,
    ctx: Box<SrtpContext>,
}

impl SrtpPlan {
    pub fn new(keys: &SdesKeys) -> Result<Self, MediaError> {
        let ctx = SrtpContext::from_sdes(keys)
            .map_err(|e| MediaError::Other(format!("SRTP keys refused: {e}")))?;
        Ok(SrtpPlan {
            keys: keys.clone(),
            ctx: Box::new(ctx),
        })
    }

    pub fn suite_name(&self) -> &'static str {
        self.ctx.suite().name()
    }
}

/// The same key material (the tag may be renumbered in a new offer).
fn same_key(a: &SdesCrypto, b: &SdesCrypto) -> bool {
    a.suite == b.suite && a.key_params == b.key_params && a.session_params == b.session_params
}

/// The session's SRTP state and counters.
#[derive(Default)]
pub(super) struct Secure {
    keys: Option<SdesKeys>,
    ctx: Option<Box<SrtpContext>>,
    state: SecurityState,
    /// ZRTP runs on this call: plans without SDES keys do not change the
    /// state, and once ZRTP keyed, nothing goes clear.
    zrtp: bool,
    /// Encryption is required and not keyed yet: nothing goes out clear,
    /// and clear packets received are dropped.
    clear_forbidden: bool,
    pub auth_failed: u64,
    pub replayed: u64,
    pub protect_failed: u64,
}

impl Secure {
    /// Takes a new plan's keys; returns the state to report when it changed.
    pub fn apply(&mut self, plan: Option<SrtpPlan>) -> Option<SecurityState> {
        if plan.is_none() && self.zrtp {
            // ZRTP keys travel in the media path, never in a negotiation.
            return None;
        }
        let state = match plan {
            Some(mut p) => {
                let state =
                    SecurityState::Secure(SecureMedia::new(KeyExchange::Sdes, p.suite_name()));
                // A direction whose key did not change (a re-INVITE for
                // hold, a codec change, or only the peer re-keyed) keeps
                // its context: the rollover counter and replay window run on.
                let (same_local, same_remote) = match &self.keys {
                    Some(k) => (
                        same_key(&k.local, &p.keys.local),
                        same_key(&k.remote, &p.keys.remote),
                    ),
                    None => (false, false),
                };
                if let Some(old) = self.ctx.as_mut() {
                    if same_local || same_remote {
                        p.ctx.keep_from(old, same_local, same_remote);
                    }
                    if !(same_local && same_remote) {
                        tracing::info!(
                            suite = p.suite_name(),
                            send = !same_local,
                            receive = !same_remote,
                            "SRTP re-keyed"
                        );
                    }
                } else {
                    tracing::debug!(suite = p.suite_name(), "SRTP on");
                }
                self.keys = Some(p.keys);
                self.ctx = Some(p.ctx);
                state
            }
            None if self.ctx.is_some() => {
                tracing::warn!("new negotiation without SRTP keys: keeping the old keys");
                SecurityState::Failed(
                    "the peer renegotiated without encryption; media stays encrypted with the previous keys"
                        .into(),
                )
            }
            None => SecurityState::Clear,
        };
        if state == self.state {
            return None;
        }
        self.state = state.clone();
        Some(state)
    }

    pub fn state(&self) -> &SecurityState {
        &self.state
    }

    /// ZRTP starts: the state is `Negotiating` until it ends; with
    /// `required`, no clear packet passes meanwhile.
    pub fn start_zrtp(&mut self, required: bool) -> SecurityState {
        self.zrtp = true;
        self.clear_forbidden = required;
        self.state = SecurityState::Negotiating;
        self.state.clone()
    }

    /// Installs the SRTP context ZRTP keyed; returns the state to report.
    pub fn apply_zrtp(&mut self, ctx: SrtpContext, info: &SecureInfo) -> SecurityState {
        let mut media = SecureMedia::new(KeyExchange::Zrtp, ctx.suite().name());
        media.sas = Some(info.sas.clone());
        media.verified = info.sas_verified;
        media.cache_match = match info.cache {
            CacheStatus::NoSecret => None,
            CacheStatus::Match => Some(true),
            CacheStatus::Mismatch => Some(false),
        };
        tracing::info!(cipher = %media.cipher, sas = %info.sas, cache = ?info.cache, "ZRTP secure");
        self.ctx = Some(Box::new(ctx));
        self.state = SecurityState::Secure(media);
        self.state.clone()
    }

    /// Records the user's SAS verdict in the reported state.
    pub fn set_verified(&mut self, verified: bool) -> Option<SecurityState> {
        let SecurityState::Secure(m) = &mut self.state else {
            return None;
        };
        m.verified = verified;
        Some(self.state.clone())
    }

    /// ZRTP failed; returns the state to report. Without keys from an
    /// earlier exchange and with a required policy, nothing is ever sent.
    pub fn zrtp_failed(&mut self, why: String) -> SecurityState {
        self.state = SecurityState::Failed(why);
        self.state.clone()
    }

    /// Whether sending is held back: encryption required and no keys yet
    /// (no packet is even built, so no sequence number is spent).
    pub fn sending_held(&self) -> bool {
        self.clear_forbidden && self.ctx.is_none() && self.keys.is_none()
    }

    /// Whether a clear packet received must be dropped: keys are in force,
    /// or encryption is required and not keyed yet.
    pub fn clear_refused(&self) -> bool {
        self.clear_forbidden || self.keys.is_some()
    }

    /// Protects the RTP packet in `buf[..len]`; `None` (counted) means it
    /// must not be sent. Without keys the packet goes as it is.
    pub fn protect_rtp(&mut self, buf: &mut [u8], len: usize) -> Option<usize> {
        let Some(ctx) = self.ctx.as_mut() else {
            return self.clear_allowed().then_some(len);
        };
        let r = ctx.protect_rtp(buf, len);
        self.counted(r)
    }

    /// Lets `fill` write an RTCP compound into `buf`, leaving room for the
    /// SRTCP index and tag, then protects it.
    pub fn protect_rtcp_with(
        &mut self,
        buf: &mut [u8],
        fill: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> Option<usize> {
        let Some(ctx) = self.ctx.as_mut() else {
            if self.sending_held() {
                // Written and dropped, so the RTCP timer still moves on.
                let _ = fill(buf);
                return None;
            }
            return if self.clear_allowed() {
                fill(buf)
            } else {
                None
            };
        };
        let room = buf.len().checked_sub(crate::srtp::MAX_OVERHEAD)?;
        let n = fill(buf.get_mut(..room)?)?;
        let r = ctx.protect_rtcp(buf, n);
        self.counted(r)
    }

    /// Whether a packet may go out clear: only when no keys were ever
    /// agreed. With keys but no context (lent to the receive path while a
    /// packet is handled), sending fails closed, counted.
    fn clear_allowed(&mut self) -> bool {
        if self.clear_forbidden {
            // Required ZRTP not keyed yet (or failed): held back, not an
            // error, so not counted.
            tracing::trace!("encryption required and not keyed: packet not sent");
            return false;
        }
        if self.keys.is_none() && !self.zrtp {
            return true;
        }
        if self.keys.is_none() && !matches!(self.state, SecurityState::Secure(_)) {
            // Best-effort ZRTP before (or without) keys: clear, as other
            // phones do.
            return true;
        }
        self.protect_failed += 1;
        tracing::warn!("SRTP context busy: packet not sent");
        false
    }

    fn counted(&mut self, r: Result<usize, SrtpError>) -> Option<usize> {
        match r {
            Ok(n) => Some(n),
            Err(e) => {
                self.protect_failed += 1;
                tracing::warn!(error = %e, "SRTP protect failed: packet not sent");
                None
            }
        }
    }

    /// Lends the receive context out (the session gives it back with
    /// [`put_back`](Self::put_back)); `None` without keys.
    pub fn take(&mut self) -> Option<Box<SrtpContext>> {
        self.ctx.take()
    }

    pub fn put_back(&mut self, ctx: Box<SrtpContext>) {
        self.ctx = Some(ctx);
    }

    /// Counts a packet that failed unprotection (it is dropped).
    pub fn count_failure(&mut self, e: &SrtpError) {
        match e {
            SrtpError::Replayed => self.replayed += 1,
            _ => self.auth_failed += 1,
        }
        tracing::trace!(error = %e, "SRTP packet dropped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::srtp::{new_crypto, SrtpSuite};

    fn keys() -> SdesKeys {
        let s = SrtpSuite::AesCm128HmacSha1_80;
        SdesKeys::new(new_crypto(1, s).unwrap(), new_crypto(1, s).unwrap())
    }

    fn packet() -> [u8; 12 + 160 + crate::srtp::MAX_OVERHEAD] {
        let mut b = [0u8; 12 + 160 + crate::srtp::MAX_OVERHEAD];
        b[..12].copy_from_slice(&[0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9]);
        b
    }

    #[test]
    fn without_keys_packets_go_as_they_are() {
        let mut s = Secure::default();
        assert_eq!(s.apply(None), None);
        let mut b = packet();
        assert_eq!(s.protect_rtp(&mut b, 172), Some(172));
        assert_eq!(s.protect_rtcp_with(&mut b, |_| Some(28)), Some(28));
    }

    #[test]
    fn with_keys_nothing_goes_clear_even_while_the_context_is_lent() {
        let mut s = Secure::default();
        let state = s.apply(Some(SrtpPlan::new(&keys()).unwrap()));
        assert!(matches!(state, Some(SecurityState::Secure(_))));
        let mut b = packet();
        assert_eq!(s.protect_rtp(&mut b, 172), Some(182));
        let lent = s.take().unwrap();
        assert_eq!(s.protect_rtp(&mut b, 172), None);
        assert_eq!(s.protect_rtcp_with(&mut b, |_| Some(28)), None);
        assert_eq!(s.protect_failed, 2);
        s.put_back(lent);
        // A renegotiation without keys keeps them.
        assert!(matches!(s.apply(None), Some(SecurityState::Failed(_))));
        assert_eq!(s.protect_rtp(&mut b, 172), Some(182));
    }
}

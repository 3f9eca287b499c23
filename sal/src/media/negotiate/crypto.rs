//! SDES key agreement (RFC 4568 §7) inside offer/answer.
//!
//! The answerer takes the first offered `a=crypto` line (the offerer's
//! preference) whose suite it also lists and whose parameters it can honour,
//! and answers with its own key for that suite under the offer's tag. The
//! offerer pairs the answer's line with its own by tag and suite. Lines
//! that would weaken the protection (`UNENCRYPTED_SRTP`, `UNAUTHENTICATED_SRTP`
//! …), several keys (MKI) or a key-derivation rate are passed over, never
//! half-honoured; the media engine validates the key material itself.

use crate::{SdesCrypto, SdesKeys, StreamDescription};

use super::NegotiationError;

/// Session parameters a line may carry and still be honoured: a replay
/// window hint and the FEC order (meaningless without FEC).
const HONOURED_PARAMS: [&str; 2] = ["WSH", "FEC_ORDER"];

/// Whether we could use `line`'s parameters (not its key bytes).
fn honourable(line: &SdesCrypto) -> bool {
    let params_ok = line.session_params.iter().all(|p| {
        let name = p.split_once('=').map_or(p.as_str(), |(n, _)| n);
        HONOURED_PARAMS.contains(&name)
    });
    let key = line.key_params.trim();
    // `inline:key|lifetime` only: no second key (`;`), no MKI (`|n:len`).
    let single_key = key.starts_with("inline:")
        && !key.contains(';')
        && key.split('|').skip(1).all(|part| !part.contains(':'));
    params_ok && single_key
}

/// The keys to answer `theirs` with from our lines `ours`: our line for
/// the first acceptable offered suite, carrying the offer's tag.
///
/// `Ok(None)`: no keys on either side, or the best-effort form (plain
/// RTP/AVP with crypto) without a usable line, which is a clear call.
pub(super) fn answer_keys(
    ours: &StreamDescription,
    theirs: &StreamDescription,
) -> Result<Option<(SdesCrypto, SdesKeys)>, NegotiationError> {
    let required = ours.profile.is_secure() || theirs.profile.is_secure();
    if ours.security.crypto.is_empty() {
        return if theirs.profile.is_secure() {
            Err(NegotiationError::SecureProfileRequired(
                theirs.profile.to_string(),
            ))
        } else {
            Ok(None)
        };
    }
    // Tags pair an answer with its offer (RFC 4568 §9.1), so a tag used
    // twice names no line: both are passed over.
    let unique_tag = |t: u32| theirs.security.crypto.iter().filter(|c| c.tag == t).count() == 1;
    let chosen = theirs.security.crypto.iter().find_map(|offered| {
        if !unique_tag(offered.tag) {
            return None;
        }
        let mine = ours
            .security
            .crypto
            .iter()
            .find(|m| m.suite == offered.suite)?;
        honourable(offered).then_some((mine, offered))
    });
    match chosen {
        Some((mine, offered)) => {
            let mut answer = mine.clone();
            answer.tag = offered.tag;
            let keys = SdesKeys::new(answer.clone(), offered.clone());
            Ok(Some((answer, keys)))
        }
        None if required => Err(NegotiationError::EncryptionRequired),
        None => Ok(None),
    }
}

/// The keys of a completed offer: the answer's line paired with ours by
/// tag and suite.
pub(super) fn completed_keys(
    ours: &StreamDescription,
    theirs: &StreamDescription,
) -> Result<Option<SdesKeys>, NegotiationError> {
    let Some(answered) = theirs.security.crypto.first() else {
        return if ours.profile.is_secure() {
            // Our RTP/SAVP offer accepted without keys: not a secure call.
            Err(NegotiationError::EncryptionRequired)
        } else {
            Ok(None)
        };
    };
    let mine = ours
        .security
        .crypto
        .iter()
        .find(|m| m.tag == answered.tag && m.suite == answered.suite)
        .ok_or(NegotiationError::UnknownCrypto)?;
    if !honourable(answered) {
        return Err(NegotiationError::UnknownCrypto);
    }
    Ok(Some(SdesKeys::new(mine.clone(), answered.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{RtpProfile, StreamDescription};

    fn line(tag: u32, suite: &str, key: &str) -> SdesCrypto {
        SdesCrypto::new(tag, suite, format!("inline:{key}"))
    }

    fn stream(profile: RtpProfile, crypto: Vec<SdesCrypto>) -> StreamDescription {
        let mut s = StreamDescription::audio("192.0.2.1:4000".parse().unwrap());
        s.profile = profile;
        s.security.crypto = crypto;
        s
    }

    const S80: &str = "AES_CM_128_HMAC_SHA1_80";
    const S32: &str = "AES_CM_128_HMAC_SHA1_32";

    #[test]
    fn answer_takes_the_offerers_first_common_suite_under_its_tag() {
        let ours = stream(
            RtpProfile::Avp,
            vec![line(1, S80, "OUR80"), line(2, S32, "OUR32")],
        );
        let theirs = stream(
            RtpProfile::Savp,
            vec![line(7, S32, "T32"), line(9, S80, "T80")],
        );
        let (answer, keys) = answer_keys(&ours, &theirs).unwrap().unwrap();
        assert_eq!((answer.tag, answer.suite.as_str()), (7, S32));
        assert_eq!(answer.key_params, "inline:OUR32");
        assert_eq!(keys.remote.key_params, "inline:T32");
    }

    #[test]
    fn lines_we_cannot_honour_are_passed_over() {
        let ours = stream(RtpProfile::Avp, vec![line(1, S80, "OUR80")]);
        let mut weak = line(1, S80, "WEAK");
        weak.session_params.push("UNENCRYPTED_SRTP".into());
        let mki = line(2, S80, "MKI|2^20|1:4");
        let good = line(3, S80, "GOOD|2^31");
        let twin_a = line(4, S80, "TWIN_A");
        let twin_b = line(4, S80, "TWIN_B");
        let theirs = stream(RtpProfile::Savp, vec![twin_a, weak, mki, twin_b, good]);
        let (answer, _) = answer_keys(&ours, &theirs).unwrap().unwrap();
        assert_eq!(answer.tag, 3);
    }

    #[test]
    fn secure_offer_without_usable_keys_is_refused_and_best_effort_is_clear() {
        let ours = stream(RtpProfile::Avp, vec![line(1, S80, "OUR80")]);
        let gcm_only = vec![line(1, "AEAD_AES_256_GCM", "X")];
        let savp = stream(RtpProfile::Savp, gcm_only.clone());
        assert_eq!(
            answer_keys(&ours, &savp).unwrap_err(),
            NegotiationError::EncryptionRequired
        );
        let best_effort = stream(RtpProfile::Avp, gcm_only);
        assert_eq!(answer_keys(&ours, &best_effort).unwrap(), None);
        // We require SRTP (RTP/SAVP): a plain offer is refused.
        let required = stream(RtpProfile::Savp, vec![line(1, S80, "OUR80")]);
        let plain = stream(RtpProfile::Avp, vec![]);
        assert_eq!(
            answer_keys(&required, &plain).unwrap_err(),
            NegotiationError::EncryptionRequired
        );
        // Without keys of our own a secure profile cannot be answered.
        let clear = stream(RtpProfile::Avp, vec![]);
        assert!(matches!(
            answer_keys(&clear, &savp_offer()).unwrap_err(),
            NegotiationError::SecureProfileRequired(_)
        ));
    }

    fn savp_offer() -> StreamDescription {
        stream(RtpProfile::Savp, vec![line(1, S80, "T80")])
    }

    #[test]
    fn completion_pairs_by_tag_and_suite() {
        let ours = stream(
            RtpProfile::Savp,
            vec![line(1, S80, "OUR80"), line(2, S32, "OUR32")],
        );
        let answer = stream(RtpProfile::Savp, vec![line(2, S32, "T32")]);
        let keys = completed_keys(&ours, &answer).unwrap().unwrap();
        assert_eq!(keys.local.key_params, "inline:OUR32");
        assert_eq!(keys.remote.key_params, "inline:T32");
        // A tag we never offered, or a suite swapped under our tag.
        let bad_tag = stream(RtpProfile::Savp, vec![line(5, S32, "T32")]);
        assert_eq!(
            completed_keys(&ours, &bad_tag).unwrap_err(),
            NegotiationError::UnknownCrypto
        );
        let swapped = stream(RtpProfile::Savp, vec![line(1, S32, "T32")]);
        assert_eq!(
            completed_keys(&ours, &swapped).unwrap_err(),
            NegotiationError::UnknownCrypto
        );
        // RTP/SAVP accepted without keys is not a secure call.
        let keyless = stream(RtpProfile::Savp, vec![]);
        assert_eq!(
            completed_keys(&ours, &keyless).unwrap_err(),
            NegotiationError::EncryptionRequired
        );
        // The best-effort offer answered in clear is a clear call.
        let best_effort = stream(RtpProfile::Avp, vec![line(1, S80, "OUR80")]);
        let clear = stream(RtpProfile::Avp, vec![]);
        assert_eq!(completed_keys(&best_effort, &clear).unwrap(), None);
    }
}

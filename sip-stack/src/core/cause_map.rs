//! SIP status codes and the SAL's neutral [`Cause`], both ways.
//!
//! The codes are RFC 3261 §21's (plus the later registrations a UA meets:
//! RFC 3265, 3329, 3903, 4412, 5626, 8197, 8688); the grouping follows the
//! spirit of RFC 3398's SIP/ISUP table, regrouped onto the SAL's causes.
//!
//! # From a response to a cause ([`cause_for_status`])
//!
//! | SIP status | Cause | Why |
//! |---|---|---|
//! | 3xx | `Redirected` | the call is elsewhere |
//! | 400, 413, 414, 422, 423, 481, 491, 513, other 4xx | `InvalidRequest` | malformed, or not valid in the dialog's state (481: the peer has no such dialog; 491: an offer/answer was pending) |
//! | 401, 407 | `AuthenticationFailed` | credentials missing or refused |
//! | 402, 403, 470 | `Forbidden` | the request is not allowed |
//! | 404, 410, 484, 485, 604 | `NotFound` | no such address (gone, incomplete, ambiguous) |
//! | 405, 406, 416, 417, 420, 421, 439, 469, 489, 501, 505 | `Unsupported` | a method, extension, scheme or version the peer lacks |
//! | 408, 504 | `Timeout` | a server gave up waiting |
//! | 415, 488, 580, 606 | `IncompatibleMedia` | no acceptable body or media (580: preconditions failed) |
//! | 430, 440, 482, 483 | `NetworkError` | routing failed: flow lost, loop, too many hops |
//! | 428, 436, 437, 438, 493, 494 | `SecurityFailure` | identity or security agreement failed |
//! | 480 | `Unavailable` | the callee is not reachable now |
//! | 486, 600, other 6xx | `Busy` | busy here or everywhere |
//! | 487 | `Cancelled` | the request was cancelled |
//! | 500, 502, 503, other 5xx | `ServerError` | a server failed |
//! | 603, 607, 608 | `Declined` | declined (607: unwanted; 608: rejected by an intermediary) |
//! | 1xx, 2xx, < 100, > 699 | `Other` | not a failure |
//!
//! Unknown codes fall to their class's x00 code, as RFC 3261 §8.1.3.2
//! asks of a UA (so an unknown 4xx is a 400, an unknown 6xx a 600).
//!
//! 502 and 503 are `ServerError`, not `Unavailable`: they say a server on
//! the path cannot serve (a gateway failed, or is overloaded or in
//! maintenance, with `Retry-After`), not that the callee cannot be reached;
//! the raw code stays in the [`Reason`] for the application that cares.
//!
//! # From a cause to the status we send ([`status_for_cause`])
//!
//! | Cause | SIP status |
//! |---|---|
//! | `Busy` | 486 Busy Here |
//! | `Declined`, `NormalClearing` | 603 Decline (a ringing call ended by its callee is declined) |
//! | `NotFound` | 404 Not Found |
//! | `Unavailable`, `NoAnswer`, `NotEstablished`, `Other` | 480 Temporarily Unavailable (RFC 3398: no answer, unspecified) |
//! | `Forbidden` | 403 Forbidden |
//! | `AuthenticationFailed` | 403 Forbidden (a 401 needs a challenge, and this UA keeps no user database) |
//! | `Redirected` | 302 Moved Temporarily, only through `StackCommand::Redirect` (a 3xx needs Contact targets) |
//! | `Timeout` | 408 Request Timeout |
//! | `NetworkError` | 502 Bad Gateway (the destination is out of order) |
//! | `IncompatibleMedia`, `SecurityFailure` | 488 Not Acceptable Here (the media and its keys are in the SDP) |
//! | `Cancelled`, `AnsweredElsewhere`, `Replaced` | 487 Request Terminated |
//! | `Unsupported` | 501 Not Implemented |
//! | `InvalidRequest` | 400 Bad Request |
//! | `Congestion` | 503 Service Unavailable |
//! | `ServerError` | 500 Server Internal Error |
//!
//! [`reject_status`] is what `StackCommand::Reject` sends: the reason's raw
//! SIP code when it has one in 400–699, else the table above, with 480 in
//! place of a 3xx (a rejection carries no targets).

use openphone_sal::{Cause, RawCause, Reason};

/// The neutral cause of a SIP final response code (see the module table).
///
/// ```
/// use openphone_sal::Cause;
/// use openphone_sip::cause_for_status;
/// assert_eq!(cause_for_status(486), Cause::Busy);
/// assert_eq!(cause_for_status(499), Cause::InvalidRequest); // an unknown 4xx is a 400
/// ```
pub fn cause_for_status(code: u16) -> Cause {
    match code {
        300..=399 => Cause::Redirected,
        401 | 407 => Cause::AuthenticationFailed,
        402 | 403 | 470 => Cause::Forbidden,
        404 | 410 | 484 | 485 | 604 => Cause::NotFound,
        405 | 406 | 416 | 417 | 420 | 421 | 439 | 469 | 489 | 501 | 505 => Cause::Unsupported,
        408 | 504 => Cause::Timeout,
        415 | 488 | 580 | 606 => Cause::IncompatibleMedia,
        430 | 440 | 482 | 483 => Cause::NetworkError,
        428 | 436 | 437 | 438 | 493 | 494 => Cause::SecurityFailure,
        480 => Cause::Unavailable,
        486 | 600 => Cause::Busy,
        487 => Cause::Cancelled,
        603 | 607 | 608 => Cause::Declined,
        // 400, 413, 414, 422, 423, 481, 491, 513: the request itself is at fault.
        513 => Cause::InvalidRequest,
        // Every other code is read as its class's x00 (§8.1.3.2).
        400..=499 => Cause::InvalidRequest,
        500..=599 => Cause::ServerError,
        600..=699 => Cause::Busy,
        _ => Cause::Other,
    }
}

/// The SIP status that stands for `cause` (see the module table).
///
/// ```
/// use openphone_sal::Cause;
/// use openphone_sip::status_for_cause;
/// assert_eq!(status_for_cause(Cause::Declined), 603);
/// ```
pub fn status_for_cause(cause: Cause) -> u16 {
    match cause {
        Cause::Busy => 486,
        Cause::Declined | Cause::NormalClearing => 603,
        Cause::NotFound => 404,
        Cause::Unavailable | Cause::NoAnswer | Cause::NotEstablished => 480,
        Cause::Forbidden | Cause::AuthenticationFailed => 403,
        Cause::Redirected => 302,
        Cause::Timeout => 408,
        Cause::NetworkError => 502,
        Cause::IncompatibleMedia | Cause::SecurityFailure => 488,
        Cause::Cancelled | Cause::AnsweredElsewhere | Cause::Replaced => 487,
        Cause::Unsupported => 501,
        Cause::InvalidRequest => 400,
        Cause::Congestion => 503,
        Cause::ServerError => 500,
        // `Cause` is non-exhaustive: a cause added later is "unspecified" (RFC 3398 → 480).
        _ => 480,
    }
}

/// The reason a final response gives: mapped cause, raw code and phrase.
///
/// ```
/// use openphone_sal::{Cause, RawCause};
/// let r = openphone_sip::cause_map::response_reason(486, "Busy Here");
/// assert_eq!((r.cause, r.raw), (Cause::Busy, Some(RawCause::Sip(486))));
/// ```
pub fn response_reason(code: u16, phrase: &str) -> Reason {
    Reason::new(cause_for_status(code))
        .with_raw(RawCause::Sip(code))
        .with_text(phrase)
}

/// The status `StackCommand::Reject` sends for `reason`: its raw SIP code
/// when that is a failure code (400–699), else the cause's status, with 480
/// for a redirection (a rejection has no targets to redirect to).
///
/// ```
/// use openphone_sal::{Cause, RawCause, Reason};
/// use openphone_sip::cause_map::reject_status;
/// assert_eq!(reject_status(&Reason::new(Cause::Declined)), 603);
/// assert_eq!(reject_status(&Reason::new(Cause::Declined).with_raw(RawCause::Sip(486))), 486);
/// ```
pub fn reject_status(reason: &Reason) -> u16 {
    match reason.raw {
        Some(RawCause::Sip(code)) if (400..=699).contains(&code) => code,
        _ => match status_for_cause(reason.cause) {
            code if code >= 400 => code,
            _ => 480,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code the module table names, with its cause.
    const TABLE: &[(u16, Cause)] = &[
        (300, Cause::Redirected),
        (301, Cause::Redirected),
        (302, Cause::Redirected),
        (305, Cause::Redirected),
        (380, Cause::Redirected),
        (400, Cause::InvalidRequest),
        (401, Cause::AuthenticationFailed),
        (402, Cause::Forbidden),
        (403, Cause::Forbidden),
        (404, Cause::NotFound),
        (405, Cause::Unsupported),
        (406, Cause::Unsupported),
        (407, Cause::AuthenticationFailed),
        (408, Cause::Timeout),
        (410, Cause::NotFound),
        (413, Cause::InvalidRequest),
        (414, Cause::InvalidRequest),
        (415, Cause::IncompatibleMedia),
        (416, Cause::Unsupported),
        (417, Cause::Unsupported),
        (420, Cause::Unsupported),
        (421, Cause::Unsupported),
        (422, Cause::InvalidRequest),
        (423, Cause::InvalidRequest),
        (428, Cause::SecurityFailure),
        (430, Cause::NetworkError),
        (436, Cause::SecurityFailure),
        (437, Cause::SecurityFailure),
        (438, Cause::SecurityFailure),
        (439, Cause::Unsupported),
        (440, Cause::NetworkError),
        (469, Cause::Unsupported),
        (470, Cause::Forbidden),
        (480, Cause::Unavailable),
        (481, Cause::InvalidRequest),
        (482, Cause::NetworkError),
        (483, Cause::NetworkError),
        (484, Cause::NotFound),
        (485, Cause::NotFound),
        (486, Cause::Busy),
        (487, Cause::Cancelled),
        (488, Cause::IncompatibleMedia),
        (489, Cause::Unsupported),
        (491, Cause::InvalidRequest),
        (493, Cause::SecurityFailure),
        (494, Cause::SecurityFailure),
        (499, Cause::InvalidRequest),
        (500, Cause::ServerError),
        (501, Cause::Unsupported),
        (502, Cause::ServerError),
        (503, Cause::ServerError),
        (504, Cause::Timeout),
        (505, Cause::Unsupported),
        (513, Cause::InvalidRequest),
        (580, Cause::IncompatibleMedia),
        (599, Cause::ServerError),
        (600, Cause::Busy),
        (603, Cause::Declined),
        (604, Cause::NotFound),
        (606, Cause::IncompatibleMedia),
        (607, Cause::Declined),
        (608, Cause::Declined),
        (699, Cause::Busy),
        (0, Cause::Other),
        (100, Cause::Other),
        (180, Cause::Other),
        (200, Cause::Other),
        (700, Cause::Other),
    ];

    #[test]
    fn every_status_in_the_table_maps_to_its_cause() {
        for (code, cause) in TABLE {
            assert_eq!(cause_for_status(*code), *cause, "SIP {code}");
        }
    }

    #[test]
    fn unknown_codes_fall_to_their_class() {
        for code in 300..=699u16 {
            let listed = TABLE.iter().any(|(c, _)| *c == code);
            if !listed {
                let class = cause_for_status(code / 100 * 100);
                assert_eq!(cause_for_status(code), class, "SIP {code}");
            }
        }
    }

    #[test]
    fn every_cause_has_a_status_and_maps_back_sensibly() {
        for cause in Cause::ALL {
            let code = status_for_cause(cause);
            assert!((300..=699).contains(&code), "{cause} → {code}");
            // The code we send is read back as the same cause, except where
            // several causes share one code (documented in the table).
            let back = cause_for_status(code);
            let shared = match cause {
                Cause::NormalClearing => Some(Cause::Declined),
                Cause::NoAnswer | Cause::NotEstablished | Cause::Other => Some(Cause::Unavailable),
                Cause::AuthenticationFailed => Some(Cause::Forbidden),
                Cause::NetworkError | Cause::Congestion => Some(Cause::ServerError),
                Cause::SecurityFailure => Some(Cause::IncompatibleMedia),
                Cause::AnsweredElsewhere | Cause::Replaced => Some(Cause::Cancelled),
                _ => None,
            };
            assert_eq!(back, shared.unwrap_or(cause), "{cause} → {code} → {back}");
        }
    }

    #[test]
    fn each_cause_sends_its_documented_status() {
        let expected = [
            (Cause::NormalClearing, 603),
            (Cause::Busy, 486),
            (Cause::Declined, 603),
            (Cause::NoAnswer, 480),
            (Cause::NotFound, 404),
            (Cause::Unavailable, 480),
            (Cause::Forbidden, 403),
            (Cause::AuthenticationFailed, 403),
            (Cause::Redirected, 302),
            (Cause::Timeout, 408),
            (Cause::NetworkError, 502),
            (Cause::IncompatibleMedia, 488),
            (Cause::Cancelled, 487),
            (Cause::AnsweredElsewhere, 487),
            (Cause::SecurityFailure, 488),
            (Cause::Unsupported, 501),
            (Cause::InvalidRequest, 400),
            (Cause::Congestion, 503),
            (Cause::ServerError, 500),
            (Cause::Replaced, 487),
            (Cause::NotEstablished, 480),
            (Cause::Other, 480),
        ];
        assert_eq!(expected.len(), Cause::ALL.len(), "a cause is missing here");
        for (cause, code) in expected {
            assert_eq!(status_for_cause(cause), code, "{cause}");
        }
    }

    #[test]
    fn reject_uses_a_raw_failure_code_else_the_cause() {
        let raw = |c| Reason::new(Cause::Declined).with_raw(RawCause::Sip(c));
        assert_eq!(reject_status(&raw(486)), 486);
        assert_eq!(reject_status(&raw(699)), 699);
        // Not a rejection code: the cause decides.
        assert_eq!(reject_status(&raw(200)), 603);
        assert_eq!(reject_status(&raw(302)), 603);
        let q850 = Reason::new(Cause::Busy).with_raw(RawCause::Q850(17));
        assert_eq!(reject_status(&q850), 486);
        for cause in Cause::ALL {
            let code = reject_status(&Reason::new(cause));
            assert!((400..=699).contains(&code), "{cause} → {code}");
            if cause != Cause::Redirected {
                assert_eq!(code, status_for_cause(cause));
            }
        }
        assert_eq!(reject_status(&Reason::new(Cause::Redirected)), 480);
    }

    #[test]
    fn response_reasons_keep_raw_code_and_phrase() {
        let r = response_reason(486, "Busy Here");
        assert_eq!(r.cause, Cause::Busy);
        assert_eq!(r.raw, Some(RawCause::Sip(486)));
        assert_eq!(r.text.as_deref(), Some("Busy Here"));
        assert_eq!(r.to_string(), "busy (SIP 486 Busy Here)");
    }
}

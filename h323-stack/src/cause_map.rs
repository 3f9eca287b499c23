//! Q.850 cause values and the SAL's neutral [`Cause`], both ways.
//!
//! H.323 ends a call with a Q.931 Release Complete whose Cause element
//! carries a Q.850 value (H.225.0 §7.3.3; ITU-T Q.850 Table 1). The
//! mapping follows `ARCHITECTURE.md` ("Causes"); values the table does not
//! name fall to their Q.850 class.
//!
//! # From a received cause ([`cause_for_q850`])
//!
//! | Q.850 value | Cause |
//! |---|---|
//! | 16 normal call clearing, 31 normal unspecified | `NormalClearing` (`Cancelled` before the call connected, [`release_reason`]) |
//! | 17 user busy | `Busy` |
//! | 21 call rejected | `Declined` |
//! | 19 no answer from user | `NoAnswer` |
//! | 1 unallocated number, 2/3 no route, 22 number changed, 28 invalid number format | `NotFound` |
//! | 18 no user responding, 20 subscriber absent, 27 destination out of order | `Unavailable` |
//! | 57 bearer capability not authorised | `Forbidden` |
//! | 23 redirection | `Redirected` |
//! | 102 recovery on timer expiry | `Timeout` |
//! | 38 network out of order | `NetworkError` |
//! | 58 bearer capability not available, 65 not implemented, 88 incompatible destination | `IncompatibleMedia` |
//! | 26 non-selected user clearing | `AnsweredElsewhere` |
//! | 79 service not implemented, 69 facility not implemented, 97/99 message/element not implemented | `Unsupported` |
//! | 100 invalid information element, 95/96 invalid message / mandatory element missing, 111 protocol error | `InvalidRequest` |
//! | 34 no circuit available, 42 switching equipment congestion, 44, 47 resources unavailable | `Congestion` |
//! | 41 temporary failure | `ServerError` |
//! | other 0–31 | `Other` |
//! | other 32–47 (resource unavailable) | `Congestion` |
//! | other 48–79 (service not available or implemented) | `Unsupported` |
//! | other 80–111 (invalid message, protocol error) | `InvalidRequest` |
//! | 112–127 (interworking) | `Other` |
//!
//! # To the cause we send ([`q850_for_cause`])
//!
//! | Cause | Q.850 |
//! |---|---|
//! | `NormalClearing`, `Cancelled`, `Replaced` | 16 |
//! | `Busy` | 17 |
//! | `Declined`, `AuthenticationFailed`, `SecurityFailure` | 21 |
//! | `NoAnswer` | 19 |
//! | `NotFound` | 1 |
//! | `Unavailable` | 20 |
//! | `Forbidden` | 57 |
//! | `Redirected` | 23 |
//! | `Timeout` | 102 |
//! | `NetworkError` | 38 |
//! | `IncompatibleMedia` | 88 |
//! | `AnsweredElsewhere` | 26 |
//! | `Unsupported` | 79 |
//! | `InvalidRequest` | 100 |
//! | `Congestion` | 34 |
//! | `ServerError`, `NotEstablished` | 41 |
//! | `Other` | 31 |

use openphone_sal::{Cause, RawCause, Reason};

/// The neutral cause of a received Q.850 cause value (0–127; the top bit of
/// the octet is the extension bit and is not part of the value).
pub fn cause_for_q850(value: u8) -> Cause {
    match value & 0x7f {
        16 | 31 => Cause::NormalClearing,
        17 => Cause::Busy,
        21 => Cause::Declined,
        19 => Cause::NoAnswer,
        1 | 2 | 3 | 22 | 28 => Cause::NotFound,
        18 | 20 | 27 => Cause::Unavailable,
        57 => Cause::Forbidden,
        23 => Cause::Redirected,
        102 => Cause::Timeout,
        38 => Cause::NetworkError,
        58 | 65 | 88 => Cause::IncompatibleMedia,
        26 => Cause::AnsweredElsewhere,
        69 | 79 | 97 | 99 => Cause::Unsupported,
        95 | 96 | 100 | 111 => Cause::InvalidRequest,
        34 | 42 | 44 | 47 => Cause::Congestion,
        41 => Cause::ServerError,
        32..=47 => Cause::Congestion,
        48..=79 => Cause::Unsupported,
        80..=111 => Cause::InvalidRequest,
        _ => Cause::Other,
    }
}

/// The Q.850 cause value we send for a neutral cause.
pub fn q850_for_cause(cause: Cause) -> u8 {
    match cause {
        Cause::NormalClearing | Cause::Cancelled | Cause::Replaced => 16,
        Cause::Busy => 17,
        Cause::Declined | Cause::AuthenticationFailed | Cause::SecurityFailure => 21,
        Cause::NoAnswer => 19,
        Cause::NotFound => 1,
        Cause::Unavailable => 20,
        Cause::Forbidden => 57,
        Cause::Redirected => 23,
        Cause::Timeout => 102,
        Cause::NetworkError => 38,
        Cause::IncompatibleMedia => 88,
        Cause::AnsweredElsewhere => 26,
        Cause::Unsupported => 79,
        Cause::InvalidRequest => 100,
        Cause::Congestion => 34,
        Cause::ServerError | Cause::NotEstablished => 41,
        // `Cause` is non-exhaustive: anything newer is "normal, unspecified".
        _ => 31,
    }
}

/// The reason of a received Release Complete: normal clearing before the
/// call connected is the caller giving up (`Cancelled`).
pub fn release_reason(value: u8, connected: bool) -> Reason {
    let value = value & 0x7f;
    let cause = match cause_for_q850(value) {
        Cause::NormalClearing if !connected => Cause::Cancelled,
        c => c,
    };
    Reason::new(cause).with_raw(RawCause::Q850(value))
}

/// The Q.850 value a rejection or hang-up with `reason` sends: its raw
/// Q.850 value when it has one, else the cause's.
pub fn reject_q850(reason: &Reason) -> u8 {
    match reason.raw {
        Some(RawCause::Q850(v)) if v <= 127 => v,
        _ => q850_for_cause(reason.cause),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_rows() {
        let rows = [
            (16, Cause::NormalClearing),
            (31, Cause::NormalClearing),
            (17, Cause::Busy),
            (21, Cause::Declined),
            (19, Cause::NoAnswer),
            (1, Cause::NotFound),
            (28, Cause::NotFound),
            (18, Cause::Unavailable),
            (20, Cause::Unavailable),
            (57, Cause::Forbidden),
            (23, Cause::Redirected),
            (102, Cause::Timeout),
            (38, Cause::NetworkError),
            (65, Cause::IncompatibleMedia),
            (88, Cause::IncompatibleMedia),
            (26, Cause::AnsweredElsewhere),
            (79, Cause::Unsupported),
            (100, Cause::InvalidRequest),
            (34, Cause::Congestion),
            (42, Cause::Congestion),
            (41, Cause::ServerError),
            // By class.
            (5, Cause::Other),
            (39, Cause::Congestion),
            (63, Cause::Unsupported),
            (81, Cause::InvalidRequest),
            (127, Cause::Other),
            // The extension bit is not part of the value.
            (0x80 | 17, Cause::Busy),
        ];
        for (v, c) in rows {
            assert_eq!(cause_for_q850(v), c, "Q.850 {v}");
        }
    }

    #[test]
    fn every_cause_survives_a_round_trip_where_q850_can_say_it() {
        for c in Cause::ALL {
            let v = q850_for_cause(c);
            assert!(v <= 127);
            let back = cause_for_q850(v);
            let expected = match c {
                // Q.850 has one value for these and their neighbours.
                Cause::Cancelled | Cause::Replaced => Cause::NormalClearing,
                Cause::AuthenticationFailed | Cause::SecurityFailure => Cause::Declined,
                Cause::NotEstablished => Cause::ServerError,
                Cause::Other => Cause::NormalClearing,
                c => c,
            };
            assert_eq!(back, expected, "{c:?} -> {v}");
        }
    }

    #[test]
    fn release_before_connect_is_a_cancel_and_raw_wins_on_reject() {
        assert_eq!(release_reason(16, false).cause, Cause::Cancelled);
        assert_eq!(release_reason(16, true).cause, Cause::NormalClearing);
        assert_eq!(release_reason(17, false).raw, Some(RawCause::Q850(17)));
        let r = Reason::new(Cause::Busy).with_raw(RawCause::Q850(21));
        assert_eq!(reject_q850(&r), 21);
        assert_eq!(
            reject_q850(&Reason::new(Cause::Busy).with_raw(RawCause::Sip(486))),
            17
        );
    }
}
